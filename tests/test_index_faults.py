"""Index faults (issue 11): truncated and corrupt files, bad new generations, read-only folder, full disk."""

from __future__ import annotations

import dataclasses
import errno
import logging
import os

import pytest

import index.build as build
import index.files as files
import index.store as store
from answer.engine import Engine
from cli.main import main
from index.build import build_index
from index.errors import IndexUnreadableError
from index.store import current_generation, read_manifest

from .test_build import NEW_ARTICLE

QUESTION = "ai buoc toi 4 nguoi trung quoc"
OXY_QUESTION = "Ai đã tạo ra oxy lỏng năm 1891?"


def _segment_files(settings, segment: str | None = None):
    root = settings.index_dir / store.SEGMENTS
    names = [segment] if segment else [p.name for p in root.iterdir() if not p.name.startswith(".")]
    return [p for name in names for p in sorted((root / name).iterdir())]


def _newest_segment(settings) -> str:
    return read_manifest(settings.index_dir).segments[-1].name


def _add_oxy(settings, encoder) -> None:
    (settings.articles_dir / "oxy.md").write_text(NEW_ARTICLE, encoding="utf-8")
    build_index(settings, encoder)


@pytest.fixture
def paths(settings, encoder):
    return ["--articles", str(settings.articles_dir), "--index-dir", str(settings.index_dir)]


def test_truncating_every_loaded_file_does_not_stop_a_serving_engine(engine, settings):
    # Before: the vectors were memory-mapped and `truncate -s 200` killed the bot with SIGBUS.
    assert engine.ask(QUESTION).answered
    for path in _segment_files(settings):
        os.truncate(path, 200 if path.stat().st_size > 200 else 0)
    answer = engine.ask(QUESTION)
    assert answer.answered and "4 người Trung Quốc" in answer.quotes[0].text
    # A fresh process finds the damage and says how to repair it; `index` repairs it and says why.
    with pytest.raises(IndexUnreadableError, match=r"cannot be read.*storybot index"):
        Engine(settings, engine.encoder).ask(QUESTION)
    summary = build_index(settings, engine.encoder)
    assert summary.embedded == summary.chunks
    why = summary.reembedded_all.describe()
    assert "could not be read" in why and "prompts" not in why
    assert Engine(settings, engine.encoder).ask(QUESTION).answered


@pytest.mark.parametrize(
    ("victim", "damage"),
    [
        ("chunks.sqlite", b""),
        ("chunks.sqlite", b"SQLite format 3\x00" + b"garbage" * 100),
        ("terms.docs", b""),
        ("vectors.f32", b""),
        ("meta.json", b"{not json"),
    ],
)
def test_damaged_newest_generation_falls_back_for_ask_and_is_rebuilt_by_index(
    engine, settings, encoder, paths, capsys, caplog, victim, damage
):
    _add_oxy(settings, encoder)
    (settings.index_dir / store.SEGMENTS / _newest_segment(settings) / victim).write_bytes(damage)
    # `ask` answers from the newest generation that can be read (the one before the article was added).
    fresh = Engine(settings, encoder)
    with caplog.at_level(logging.WARNING):
        assert fresh.ask(QUESTION).answered
    assert "older generation" in caplog.text
    assert not fresh.ask(OXY_QUESTION).answered
    # `storybot index` treats the damaged generation as missing, rebuilds, and says why.
    assert main(["index", *paths]) == 0
    out = capsys.readouterr().out
    assert "could not be read" in out and "prompts changed" not in out
    assert Engine(settings, encoder).ask(OXY_QUESTION).answered


def test_non_utf8_current_file(engine, settings, encoder, paths, capsys):
    generation = current_generation(settings.index_dir)
    (settings.index_dir / store.CURRENT).write_bytes(b"\xff\xfegen-\x00\n")
    assert engine.ask(QUESTION).answered  # the loaded index keeps answering
    assert Engine(settings, encoder).ask(QUESTION).answered  # a new one falls back to the generation on disk
    assert main(["index", *paths]) == 0
    assert "CURRENT file is unreadable" in capsys.readouterr().out
    assert current_generation(settings.index_dir) not in (None, generation)


def test_bad_new_generation_beside_a_serving_engine_is_logged_once(engine, settings, encoder, caplog):
    assert engine.ask(QUESTION).answered
    loaded = engine.snapshot.generation
    # `storybot index --passage-prompt ...` run beside the bot: a generation this engine cannot use.
    build_index(settings, dataclasses.replace(encoder, passage_prompt="tài liệu: "))
    with caplog.at_level(logging.ERROR, logger="answer.engine"):
        for _ in range(3):
            assert engine.ask(QUESTION).answered
    assert engine.snapshot.generation == loaded
    assert len([r for r in caplog.records if "not loaded" in r.getMessage()]) == 1
    assert "prompt" in caplog.text


def test_corrupt_new_segment_beside_a_serving_engine(engine, settings, encoder, caplog):
    assert engine.ask(QUESTION).answered
    _add_oxy(settings, encoder)
    (settings.index_dir / store.SEGMENTS / _newest_segment(settings) / "vectors.f32").write_bytes(b"\x00" * 64)
    with caplog.at_level(logging.ERROR, logger="answer.engine"):
        assert engine.ask(QUESTION).answered
        assert engine.ask(QUESTION).answered
    assert len([r for r in caplog.records if "not loaded" in r.getMessage()]) == 1
    # The next good generation is picked up as usual.
    (settings.articles_dir / "oxy.md").write_text(NEW_ARTICLE + "\nThêm một đoạn.\n", encoding="utf-8")
    build_index(settings, encoder)
    assert engine.ask(OXY_QUESTION).answered


def test_read_only_index_folder(engine, settings, paths, capsys, monkeypatch):
    # A read-only mount (os.access says so even for root, who ignores permission bits).
    monkeypatch.setattr(build, "is_read_only", lambda folder: True)
    generation = current_generation(settings.index_dir)
    assert main(["index", *paths]) == 0  # nothing to do: success
    assert "up to date" in capsys.readouterr().out
    (settings.articles_dir / "oxy.md").write_text(NEW_ARTICLE, encoding="utf-8")
    assert main(["index", *paths]) == 2
    assert "read-only" in capsys.readouterr().err
    # `ask` answers from the index there is, with a warning.
    assert main(["ask", *paths, QUESTION]) == 0
    out, err = capsys.readouterr()
    assert "4 người Trung Quốc" in out and "read-only" in err and "warning" in err
    assert current_generation(settings.index_dir) == generation


def _disk_full(monkeypatch, after: int = 0):
    """Make index writes fail with ENOSPC after `after` successful files."""
    real = files.write_bytes
    calls = {"n": 0}

    def write_bytes(path, data):
        calls["n"] += 1
        if calls["n"] > after:
            with open(path, "wb") as fh:  # a partial file, as a full disk leaves it
                fh.write(bytes(data)[:10])
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real(path, data)

    monkeypatch.setattr(files, "write_bytes", write_bytes)
    monkeypatch.setattr(store, "write_bytes", write_bytes)


@pytest.mark.parametrize("after", [0, 3, 6, 7])  # segment files, manifest, CURRENT
def test_full_disk_keeps_the_old_index_and_says_so(engine, settings, paths, capsys, monkeypatch, after):
    generation = current_generation(settings.index_dir)
    (settings.articles_dir / "oxy.md").write_text(NEW_ARTICLE, encoding="utf-8")
    _disk_full(monkeypatch, after)
    assert main(["index", *paths]) == 2
    err = capsys.readouterr().err
    assert "full" in err and "Traceback" not in err
    assert current_generation(settings.index_dir) == generation
    assert main(["ask", *paths, QUESTION]) == 0
    out, err = capsys.readouterr()
    assert "4 người Trung Quốc" in out and "full" in err
    leftovers = [p for p in settings.index_dir.rglob("*") if ".tmp-" in p.name]
    assert leftovers == []
    monkeypatch.undo()
    assert main(["index", *paths]) == 0
    assert Engine(settings, engine.encoder).ask(OXY_QUESTION).answered
