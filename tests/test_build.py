"""Index builds: incremental updates, atomic replacement, model mismatch."""

from __future__ import annotations

import json
import shutil

import pytest

import index.store as store
from answer.engine import Engine
from index.build import build_index, is_stale
from index.errors import IndexMismatchError, IndexMissingError, StorybotError
from index.store import current_generation, open_snapshot, read_manifest

from .conftest import XQUAD_SAMPLE_ARTICLES

NEW_ARTICLE = """\
---
url: https://example.vn/oxy
---
Oxy lỏng trong công nghiệp

Năm 1891, nhà hóa học người Scotland James Dewar đã tạo ra đủ oxy lỏng để nghiên cứu.

Quy trình thương mại đầu tiên để sản xuất oxy lỏng được Carl von Linde phát triển vào năm 1895.
"""


def test_first_build_embeds_every_chunk(settings, encoder):
    summary = build_index(settings, encoder)
    assert (summary.articles, summary.added, summary.embedded, summary.reused) == (1, 1, summary.chunks, 0)
    assert summary.chunks >= 10
    assert set(summary.to_json()) >= {"articles", "chunks", "added", "changed", "removed", "embedded", "reused"}
    assert not is_stale(settings)


def test_adding_an_article_embeds_only_its_chunks_and_answers_from_it(engine, settings):
    before = engine.snapshot.size
    (settings.articles_dir / "oxy.md").write_text(NEW_ARTICLE, encoding="utf-8")
    assert engine.is_stale()
    summary = engine.rebuild()
    assert (summary.added, summary.changed, summary.removed, summary.unchanged) == (1, 0, 0, 1)
    assert summary.embedded == 2 and summary.reused == before
    answer = engine.ask("Ai đã tạo ra oxy lỏng năm 1891?")
    assert answer.answered
    top = answer.quotes[0]
    assert top.article_id == "oxy.md" and "James Dewar" in top.text
    assert top.url == "https://example.vn/oxy"


def test_changing_and_removing_articles(engine, settings, encoder):
    (settings.articles_dir / "oxy.md").write_text(NEW_ARTICLE, encoding="utf-8")
    engine.rebuild()
    edited = NEW_ARTICLE.replace("năm 1895", "năm 1896")
    (settings.articles_dir / "oxy.md").write_text(edited, encoding="utf-8")
    summary = engine.rebuild()
    assert (summary.changed, summary.embedded) == (1, 1)  # only the edited paragraph
    (settings.articles_dir / "oxy.md").unlink()
    summary = engine.rebuild()
    assert (summary.removed, summary.embedded, summary.articles) == (1, 0, 1)
    assert [a.id for a in engine.articles()] == ["000_7ffb10ea7d7f92c2.txt"]


def test_unchanged_rebuild_writes_no_new_generation(engine, settings):
    generation = current_generation(settings.index_dir)
    (settings.articles_dir / "000_7ffb10ea7d7f92c2.txt").touch()
    assert engine.is_stale()
    summary = engine.rebuild()
    assert not summary.changed_anything and summary.embedded == 0
    assert current_generation(settings.index_dir) == generation
    assert not engine.is_stale()


def test_crash_while_writing_leaves_previous_index_loadable(engine, settings, monkeypatch):
    generation = current_generation(settings.index_dir)
    (settings.articles_dir / "oxy.md").write_text(NEW_ARTICLE, encoding="utf-8")

    def crash(*args, **kwargs):
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(store, "save_lexical", crash)
    with pytest.raises(StorybotError, match="simulated"):
        engine.rebuild()
    assert current_generation(settings.index_dir) == generation
    snapshot = open_snapshot(settings.index_dir)
    assert snapshot.size == engine.snapshot.size
    assert engine.ask("ai buoc toi 4 nguoi trung quoc").answered
    monkeypatch.undo()
    summary = engine.rebuild()
    assert summary.added == 1
    leftovers = [p.name for p in settings.index_dir.iterdir() if ".tmp-" in p.name]
    assert leftovers == []


def test_crash_before_current_is_switched_keeps_old_generation(engine, settings, monkeypatch):
    generation = current_generation(settings.index_dir)
    (settings.articles_dir / "oxy.md").write_text(NEW_ARTICLE, encoding="utf-8")
    real_replace = store._replace_file

    def crash_on_current(path, content):
        if path.name == store.CURRENT:
            raise KeyboardInterrupt  # killed between writing the generation and switching to it
        real_replace(path, content)

    monkeypatch.setattr(store, "_replace_file", crash_on_current)
    with pytest.raises(KeyboardInterrupt):
        engine.rebuild()
    assert current_generation(settings.index_dir) == generation
    assert open_snapshot(settings.index_dir).manifest.article_count == 1


def test_index_built_with_another_model_gives_rebuild_instructions(engine, settings):
    manifest_path = settings.index_dir / current_generation(settings.index_dir) / "manifest.json"
    data = json.loads(manifest_path.read_text())
    data["model"] = "intfloat/multilingual-e5-small"
    manifest_path.write_text(json.dumps(data))
    fresh = Engine(settings, engine.encoder)
    with pytest.raises(IndexMismatchError) as err:
        fresh.ask("Ai đã cáo buộc Trung Quốc?")
    message = str(err.value)
    assert "intfloat/multilingual-e5-small" in message and engine.encoder.name in message
    assert "storybot index" in message
    # Rebuilding with the configured model re-embeds everything and works again.
    summary = fresh.rebuild()
    assert summary.embedded == summary.chunks and "model changed" in summary.reembedded_all.describe()
    assert fresh.ask("Ai đã cáo buộc Trung Quốc?").answered


def test_index_of_another_format_version_gives_rebuild_instructions(engine, settings):
    manifest_path = settings.index_dir / current_generation(settings.index_dir) / "manifest.json"
    data = json.loads(manifest_path.read_text())
    data["format_version"] = 99
    manifest_path.write_text(json.dumps(data))
    with pytest.raises(IndexMismatchError, match=r"format version 99.*storybot index"):
        Engine(settings, engine.encoder).ask("Ai đã cáo buộc Trung Quốc?")


def test_missing_index_says_how_to_build_it(settings, encoder):
    with pytest.raises(IndexMissingError, match="storybot index"):
        Engine(settings, encoder).ask("Ai đã cáo buộc Trung Quốc?")


def test_folder_without_usable_articles_is_an_error(settings, encoder):
    shutil.rmtree(settings.articles_dir)
    settings.articles_dir.mkdir()
    (settings.articles_dir / "bad.txt").write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(StorybotError, match=r"(?s)no usable articles.*bad\.txt: the file is not text"):
        build_index(settings, encoder)


def test_skipped_file_does_not_make_the_index_stale(engine, settings):
    (settings.articles_dir / "broken.txt").write_bytes(b"Title\n\n\xc3\x28 bad byte\n")
    summary = engine.rebuild()
    assert [s.path.name for s in summary.skipped] == ["broken.txt"]
    assert not engine.is_stale()


def test_running_engine_switches_to_an_index_rebuilt_beside_it(engine, settings, encoder):
    assert not engine.ask("Ai đã tạo ra oxy lỏng năm 1891?").answered
    (settings.articles_dir / "oxy.md").write_text(NEW_ARTICLE, encoding="utf-8")
    build_index(settings, encoder)  # as `storybot index` would, outside this engine
    answer = engine.ask("Ai đã tạo ra oxy lỏng năm 1891?")
    assert answer.answered and answer.quotes[0].article_id == "oxy.md"


def test_large_corpus_uses_the_manifest_vector_index_kind(settings, encoder, monkeypatch):
    import index.vectors as vectors

    shutil.copytree(XQUAD_SAMPLE_ARTICLES, settings.articles_dir, dirs_exist_ok=True)
    monkeypatch.setattr(vectors, "APPROXIMATE_FROM", 10)
    build_index(settings, encoder)
    manifest = read_manifest(settings.index_dir)
    assert manifest.vector_index == "hnsw"
    engine = Engine(settings, encoder)
    assert engine.ask("Tesla qua đời năm nào?").answered
