"""Mistakes on the command line are answered before the model loads (in well under its 8 s)."""

from __future__ import annotations

import time

import pytest

from cli.main import main


def test_an_unknown_option_before_the_command_is_named(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--bogus"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "unrecognized option --bogus" in err and "COMMAND" not in err.split("error:")[1]


def test_who_without_a_topic_over_several_stories_suggests_one_of_them(tmp_path, capsys):
    articles = tmp_path / "articles"
    articles.mkdir()
    for number, title in enumerate(["Giá xăng tăng lần thứ ba", "Bão số 3 vào Quảng Ninh", "Đội tuyển thắng Thái Lan",
                                    "Hà Nội cấm xe máy", "Lúa mất mùa ở Cà Mau"]):
        (articles / f"{number}.txt").write_text(f"{title}\n\nMột đoạn văn về {title.lower()}.\n", encoding="utf-8")
    started = time.perf_counter()
    assert main(["who", "--articles", str(articles), "--index-dir", str(tmp_path / "index")]) == 2
    assert time.perf_counter() - started < 2  # no model was loaded
    err = capsys.readouterr().err
    assert "5 articles" in err and 'storybot who "Giá xăng tăng lần"' in err


def test_an_index_folder_that_cannot_be_written_is_refused_before_the_model_loads(tmp_path, capsys, monkeypatch):
    import cli.prepare

    monkeypatch.setattr(cli.prepare.tempfile, "TemporaryFile", _read_only)
    started = time.perf_counter()
    assert main(["index", "--articles", str(tmp_path), "--index-dir", str(tmp_path / "index")]) == 2
    assert time.perf_counter() - started < 2
    assert "cannot write the index to" in capsys.readouterr().err


def _read_only(*args, **kwargs):
    raise OSError(30, "Read-only file system")
