"""The `storybot` command line, run in-process (the model is loaded once per test session)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from bot.cli import build_parser, main

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


def test_chat_answers_until_an_empty_line(paths, monkeypatch, capsys):
    replies = iter(["ai buoc toi 4 nguoi trung quoc", ""])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(replies))
    assert main(["chat", *paths]) == 0
    out = capsys.readouterr().out
    assert "4 người Trung Quốc đại lục" in out


@pytest.mark.parametrize("command", ["index", "ask", "chat", "eval", "run"])
def test_every_subcommand_documents_its_options(command, capsys):
    parser = build_parser()
    with pytest.raises(SystemExit):
        parser.parse_args([command, "--help"])
    help_text = capsys.readouterr().out
    for option in ("--articles", "--index-dir", "--model", "--query-prompt", "--passage-prompt"):
        assert option in help_text
    assert "STORYBOT_MODEL" in help_text and "default" in help_text


def test_console_script_runs():
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0 and "storybot" in result.stdout
