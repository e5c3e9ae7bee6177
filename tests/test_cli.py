"""The `storybot` command line, run in-process (the model is loaded once per test session)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from cli.main import build_parser, main

from .conftest import SEED_ARTICLE, XQUAD_SAMPLE


@pytest.fixture
def paths(settings, encoder):
    # `encoder` makes sure the shared model is loaded before main() asks for it.
    return ["--articles", str(settings.articles_dir), "--index-dir", str(settings.index_dir)]


def test_ask_builds_the_index_first_then_answers(paths, capsys):
    assert main(["ask", *paths, "Ai đã cáo buộc Trung Quốc?"]) == 0
    out, err = capsys.readouterr()
    assert "Updating the index" in err and "1 added" in err
    assert out.startswith("Các bên trong câu chuyện:")  # a who-question: answered party by party
    assert "Mỹ cùng các đồng minh" in out and "đoạn 13" in out
    # Second time: the index is current, no rebuild notice.
    assert main(["ask", *paths, "ai buoc toi 4 nguoi trung quoc"]) == 0
    out, err = capsys.readouterr()
    assert err == "" and "4 người Trung Quốc đại lục" in out


def test_ask_json_has_verbatim_quotes_and_ranked_passages(paths, settings, capsys):
    assert main(["ask", *paths, "--json", "-k", "3", "Oslo tuyên bố điều gì?"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result) >= {"question", "answered", "answer", "quotes", "passages", "timings_ms"}
    assert result["answered"] is True and len(result["passages"]) == 3
    text = (settings.articles_dir / SEED_ARTICLE).read_text(encoding="utf-8")
    for quote in result["quotes"]:
        assert set(quote) >= {"text", "article", "title", "paragraph", "start", "end"}
        assert text[quote["start"] : quote["end"]] == quote["text"]
    assert any("bắt nguồn từ Trung Quốc" in q["text"] for q in result["quotes"])
    assert {"article", "title", "paragraph", "text", "score"} <= set(result["passages"][0])


def test_ask_many_questions_from_a_file(paths, tmp_path, capsys):
    questions = tmp_path / "questions.txt"
    questions.write_text(
        'Ai là tác giả bài viết?\n\n{"question": "Trung Quốc viện dẫn báo cáo năm nào?"}\n'
        '{"question": "How do I bake sourdough bread?"}\n',
        encoding="utf-8",
    )
    assert main(["ask", *paths, "--json", "--questions", str(questions)]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["question"] for r in lines] == [
        "Ai là tác giả bài viết?",
        "Trung Quốc viện dẫn báo cáo năm nào?",
        "How do I bake sourdough bread?",
    ]
    assert [r["answered"] for r in lines] == [True, True, False]
    assert "Nguyễn Phương" in lines[0]["quotes"][0]["text"]


def test_malformed_questions_file_line_is_named(paths, tmp_path, capsys):
    questions = tmp_path / "q.jsonl"
    questions.write_text('{"question": "Oslo?"}\n{"text": "no question key"}\n', encoding="utf-8")
    assert main(["ask", *paths, "--json", "--questions", str(questions)]) == 2
    err = capsys.readouterr().err
    assert "q.jsonl, line 2" in err and '"question"' in err


def test_empty_question_exits_2_without_traceback(paths, capsys):
    assert main(["ask", *paths, "  "]) == 2
    err = capsys.readouterr().err
    assert "question is empty" in err and "Traceback" not in err


def test_overlong_question_gets_a_notice(paths, capsys):
    assert main(["ask", *paths, "Oslo tuyên bố điều gì? " + "x" * 2500]) == 0
    assert "Notice:" in capsys.readouterr().err


def test_missing_articles_folder_is_named(settings, encoder, capsys):
    code = main(["index", "--articles", str(settings.articles_dir / "missing"), "--index-dir", str(settings.index_dir)])
    assert code == 2
    err = capsys.readouterr().err
    assert "missing does not exist" in err and "STORYBOT_ARTICLES" in err


def test_index_json_summary_then_incremental(paths, settings, capsys):
    assert main(["index", *paths, "--json"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert {"articles", "chunks", "added", "changed", "removed", "embedded", "reused", "seconds"} <= set(first)
    (settings.articles_dir / "second.txt").write_text(
        "Mưa lớn ở Hà Nội\n\nMưa lớn kéo dài khiến nhiều tuyến phố ở Hà Nội ngập sâu chiều 20/7.\n", encoding="utf-8"
    )
    (settings.articles_dir / "broken.txt").write_bytes(b"Title\n\n\xff\xfe bytes\n")
    assert main(["index", *paths, "--json"]) == 0
    second = json.loads(capsys.readouterr().out)
    assert (second["added"], second["embedded"], second["reused"]) == (1, 1, first["chunks"])
    assert second["skipped"][0]["file"].endswith("broken.txt") and "UTF-8" in second["skipped"][0]["reason"]


def test_model_mismatch_is_reported_with_the_fix(paths, settings, capsys):
    assert main(["index", *paths]) == 0
    capsys.readouterr()
    manifest = next(settings.index_dir.glob("gen-*/manifest.json"))
    data = json.loads(manifest.read_text())
    data["model"] = "some/other-model"
    manifest.write_text(json.dumps(data))
    assert main(["ask", *paths, "Oslo tuyên bố điều gì?"]) == 2
    err = capsys.readouterr().err
    assert "some/other-model" in err and "storybot index" in err and "Traceback" not in err


def test_eval_prints_quality_figures(encoder, settings, capsys):
    code = main(["eval", str(XQUAD_SAMPLE), "--json", "--articles", str(settings.articles_dir)])
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    assert {"vi", "vi-unaccented", "en", "holdout-vi", "off-topic"} <= set(report)
    vi = report["vi"]
    assert vi["questions"] == 76
    # Measured 0.88 / 0.97 / 0.88 on these three articles; the full dev set is in the README.
    assert vi["recall@1"] >= 0.85 and vi["recall@5"] >= 0.95 and vi["answer_hit"] >= 0.8
    assert report["vi-unaccented"]["recall@1"] >= 0.85
    assert vi["max_quotes"] <= 3
    assert report["holdout-vi"]["no_answer_accuracy"] >= 0.8
    assert report["off-topic"]["no_answer_accuracy"] >= 0.9


@pytest.mark.parametrize("command", ["index", "ask", "chat", "eval", "run"])
def test_every_subcommand_documents_its_options(command, capsys):
    parser = build_parser()
    with pytest.raises(SystemExit):
        parser.parse_args([command, "--help"])
    help_text = capsys.readouterr().out
    for option in ("--articles", "--model", "--query-prompt", "--passage-prompt"):
        assert option in help_text
    # eval builds its index in a temporary folder: it offers no --index-dir it would ignore.
    assert ("--index-dir" in help_text) == (command != "eval")
    assert "STORYBOT_MODEL" in help_text and "default" in help_text


def test_console_script_runs():
    result = subprocess.run(
        [sys.executable, "-m", "cli", "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0 and "storybot" in result.stdout


@pytest.fixture
def no_model(monkeypatch):
    """Loading the model fails the test: these paths must end before it."""

    def refuse(*args, **kwargs):
        raise AssertionError("the model was loaded")

    monkeypatch.setattr("index.embedding.load_encoder", refuse)


def test_missing_articles_folder_fails_before_the_model_loads(no_model, tmp_path, capsys):
    for command in (["index"], ["ask", "Oslo?"], ["chat"], ["run"]):
        assert main([*command, "--articles", str(tmp_path / "nope"), "--index-dir", str(tmp_path / "i")]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1, err  # one line, no traceback, no duplicate
        assert f"storybot {command[0]}: error: articles folder {tmp_path / 'nope'} does not exist" in err


def test_index_dir_that_is_a_file_is_explained(no_model, settings, tmp_path, capsys):
    a_file = tmp_path / "passwd"
    a_file.write_text("root:x:0:0\n")
    assert main(["ask", "--articles", str(settings.articles_dir), "--index-dir", str(a_file), "Oslo?"]) == 2
    err = capsys.readouterr().err
    assert f"index folder {a_file} is a file, not a folder" in err and "File exists" not in err
    assert main(["index", "--articles", str(settings.articles_dir), "--index-dir", str(a_file / "sub")]) == 2
    assert "is a file, not a folder" in capsys.readouterr().err


def test_unknown_flag_prints_the_subcommand_usage(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["ask", "--frobnicate", "x"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: storybot ask") and "unrecognized arguments: --frobnicate" in err


@pytest.mark.parametrize("argv", [["chat", "-k", "3"], ["run", "--top-k", "3"], ["eval", "x", "--index-dir", "d"]])
def test_options_that_would_do_nothing_are_refused(argv, capsys):
    with pytest.raises(SystemExit):
        main(argv)
    assert f"usage: storybot {argv[0]}" in capsys.readouterr().err


def test_version_names_the_distribution_and_the_folders(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("storybot ") and "storybot-quotes" in out
    assert "articles: " in out and "index: " in out


def test_defaults_outside_a_checkout_are_in_the_user_data_dir(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # no seeds/ here
    monkeypatch.setattr("index.config.SOURCE_ROOT", tmp_path / "site-packages")  # an installed tool
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    for name in ("STORYBOT_ARTICLES", "STORYBOT_INDEX_DIR"):
        monkeypatch.delenv(name, raising=False)
    assert main(["paths"]) == 0
    out = capsys.readouterr().out
    assert f"articles:     {tmp_path / 'share' / 'storybot' / 'articles'}" in out
    assert f"index:        {tmp_path / 'share' / 'storybot' / 'index'}" in out
    assert "user data directory" in out


def test_defaults_inside_a_checkout_are_seeds_and_data_index(tmp_path, monkeypatch, capsys):
    (tmp_path / "seeds").mkdir()
    monkeypatch.chdir(tmp_path)
    for name in ("STORYBOT_ARTICLES", "STORYBOT_INDEX_DIR"):
        monkeypatch.delenv(name, raising=False)
    assert main(["paths"]) == 0
    out = capsys.readouterr().out
    assert f"articles:     {tmp_path / 'seeds'}" in out and f"index:        {tmp_path / 'data' / 'index'}" in out


def test_second_index_run_says_nothing_changed(paths, capsys):
    assert main(["index", *paths]) == 0
    assert capsys.readouterr().out.startswith("Indexed 1 article(s)")
    assert main(["index", *paths]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Nothing changed; the index is up to date: 1 article(s)") and "Indexed" not in out


def test_check_reads_the_index_without_the_model(paths, settings, monkeypatch, capsys):
    assert main(["check", "--index-dir", str(settings.index_dir)]) == 1
    assert "no index in" in capsys.readouterr().err
    assert main(["index", *paths]) == 0
    capsys.readouterr()
    monkeypatch.setattr("index.embedding.load_encoder", lambda *a, **k: pytest.fail("model loaded"))
    assert main(["check", *paths]) == 0
    out = capsys.readouterr().out
    assert out.startswith("ok: index gen-") and "1 article(s)" in out and "note:" not in out
    (settings.articles_dir / "new.txt").write_text("Tin mới\n\nMột đoạn văn.\n", encoding="utf-8")
    assert main(["check", *paths]) == 0
    assert "note: articles in" in capsys.readouterr().out


def test_library_log_lines_are_printed_once():
    # huggingface_hub prints through a handler of its own; ours must not print its lines again.
    code = (
        "from cli.main import _configure_logging; _configure_logging(0)\n"
        "from huggingface_hub.utils import logging\n"
        "logging.get_logger('huggingface_hub.utils._http').warning('Retrying in 1s [Retry 1/5].')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert result.stderr.count("Retrying in 1s") == 1, result.stderr


def test_ctrl_c_during_index_stops_at_once_and_says_what_was_kept(tmp_path):
    import shutil
    import signal
    import time
    from pathlib import Path

    articles = tmp_path / "articles"
    articles.mkdir()
    corpus = Path(__file__).resolve().parent.parent / "training" / "synthetic_news" / "part1" / "articles"
    for path in sorted(corpus.glob("*.txt"))[:40]:  # long enough to be interrupted while embedding
        shutil.copy(path, articles)
    command = [sys.executable, "-m", "cli", "index", "--articles", str(articles), "--index-dir", str(tmp_path / "i")]
    # A terminal's Ctrl-C: SIGINT with its default meaning (a background job would inherit it ignored).
    process = subprocess.Popen(
        command,
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 60
    while not (tmp_path / "i").exists() and time.monotonic() < deadline:  # the build has begun
        time.sleep(0.2)
    time.sleep(2)
    process.send_signal(signal.SIGINT)
    sent = time.monotonic()
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130
    assert time.monotonic() - sent < 10  # not after the build finished
    assert "Stopped. The index is as it was before this run" in err and "Traceback" not in err
