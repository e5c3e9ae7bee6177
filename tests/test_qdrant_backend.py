"""The Qdrant search backend, through qdrant-client's local mode, against the default segmented backend."""

from __future__ import annotations

import json
import logging
import os
import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from answer.engine import Engine
from answer.search import CANDIDATES
from index.backend import SegmentedBackend, configured_backend
from index.config import Settings
from index.embedding import Encoder
from index.errors import IndexUnreadableError
from index.files import CorruptFileError, FileArray
from index.lexical import SegmentedLexical
from index.qdrant_backend import STORY, QdrantBackend, collection_name
from index.store import open_snapshot
from index.stories import STORIES_FILE, StoryStore
from index.text import query_tokens

from .conftest import XQUAD_SAMPLE, XQUAD_SAMPLE_ARTICLES
from .test_stories import STORIES

QUESTIONS = [json.loads(line) for line in (XQUAD_SAMPLE / "questions.jsonl").read_text().splitlines()[:40:4]]


@pytest.fixture
def engines(tmp_path: Path, encoder: Encoder) -> tuple[Engine, Engine]:
    """Two engines over one index of the XQuAD sample: the default backend, and Qdrant (local mode)."""
    shutil.copytree(XQUAD_SAMPLE_ARTICLES, tmp_path / "articles")
    settings = Settings(articles_dir=tmp_path / "articles", index_dir=tmp_path / "index")
    default = Engine(settings, encoder)
    default.rebuild(progress=False)
    qdrant = Engine(settings, encoder, backend=QdrantBackend("test", path=tmp_path / "qdrant"))
    qdrant.refresh()  # loads the index and copies it into the collection
    return default, qdrant


def _points(backend: QdrantBackend, article_id: str | None = None) -> int:
    from qdrant_client import models

    flt = None
    if article_id is not None:
        flt = models.Filter(must=[models.FieldCondition(key="a", match=models.MatchValue(value=article_id))])
    return backend.client.count(backend.collection, count_filter=flt, exact=True).count


def test_same_candidates_and_scores(engines: tuple[Engine, Engine]) -> None:
    default, qdrant = engines
    snapshot = default.snapshot
    for q in QUESTIONS:
        vector = default.encoder.encode_query(q["question"])
        terms = dict.fromkeys((t for t in query_tokens(q["question"]) if t in snapshot.lexical.bm25.vocab_dict), 1.0)
        mine = SegmentedBackend().search(snapshot, terms, vector, CANDIDATES)
        theirs = qdrant.backend.search(snapshot, terms, vector, CANDIDATES)
        # The dense side is exact in both (a few hundred chunks: FAISS flat, Qdrant's full scan).
        assert set(theirs.rows.tolist()) == set(mine.rows.tolist()), q["question"]
        assert np.allclose(theirs.cosine, mine.cosine, atol=1e-4)
        # Same BM25: Lucene's IDF (Qdrant's IDF modifier) over the same tokens, same length norm.
        assert theirs.best_bm25 == pytest.approx(mine.best_bm25, rel=1e-4)
        assert np.allclose(theirs.bm25, mine.bm25, rtol=1e-4, atol=1e-5)


def test_same_answers(engines: tuple[Engine, Engine]) -> None:
    default, qdrant = engines
    for q in QUESTIONS:
        a, b = default.ask(q["question"]), qdrant.ask(q["question"])
        assert a.answered == b.answered
        assert [x.text for x in a.quotes] == [x.text for x in b.quotes], q["question"]


def test_add_and_remove_write_one_article(engines: tuple[Engine, Engine], tmp_path: Path) -> None:
    default, qdrant = engines
    backend = qdrant.backend
    assert isinstance(backend, QdrantBackend)
    snapshot = default.snapshot
    assert _points(backend) == snapshot.size
    name = "03_Nikola_Tesla.txt"
    chunks = snapshot.article_rows(name)[1]
    assert _points(backend, name) == chunks
    # Removing the article's file: the next build drops it, and the backend deletes its points only.
    moved = tmp_path / name
    shutil.move(tmp_path / "articles" / name, moved)
    written = backend.points_written
    qdrant.rebuild(progress=False)
    assert _points(backend, name) == 0
    assert _points(backend) == qdrant.snapshot.size
    assert backend.points_written == written  # nothing else written
    # Bringing it back writes its chunks, and only those.
    shutil.move(moved, tmp_path / "articles" / name)
    qdrant.rebuild(progress=False)
    assert backend.points_written == written + chunks
    assert _points(backend) == qdrant.snapshot.size
    answer = qdrant.ask("Tesla chết năm nào?")
    assert answer.answered and any("1943" in x.text for x in answer.quotes)
    # Quotes are the article's own words.
    for quote in answer.quotes:
        assert quote.text in qdrant.snapshot.article(quote.article_id).text
    # Shortened to its first two paragraphs: its points are replaced, none of the longer version is left.
    text = (tmp_path / "articles" / name).read_text(encoding="utf-8")
    (tmp_path / "articles" / name).write_text("\n\n".join(text.split("\n\n")[:2]) + "\n", encoding="utf-8")
    qdrant.rebuild(progress=False)
    shorter = qdrant.snapshot.article_rows(name)[1]
    assert 0 < shorter < chunks and _points(backend, name) == shorter
    assert _points(backend) == qdrant.snapshot.size


def test_backend_from_environment(tmp_path: Path) -> None:
    assert isinstance(configured_backend(tmp_path, {}), SegmentedBackend)
    assert configured_backend(tmp_path, {}).snapshot_mode == "memory"  # it searches the snapshot in memory
    backend = configured_backend(tmp_path / "index", {"STORYBOT_QDRANT_PATH": str(tmp_path / "q")})
    assert isinstance(backend, QdrantBackend)
    assert backend.snapshot_mode == "lean"  # Qdrant searches: the index stays on disk
    assert backend.collection == collection_name(tmp_path / "index")
    named = configured_backend(
        tmp_path, {"STORYBOT_QDRANT_PATH": str(tmp_path / "q"), "STORYBOT_QDRANT_COLLECTION": "news"}
    )
    assert named.collection == "news"


def _payloads(backend: QdrantBackend) -> dict[str, dict]:
    """Point id -> payload of every point in the collection."""
    points, _ = backend.client.scroll(backend.collection, limit=10_000, with_payload=True, with_vectors=False)
    return {str(p.id): p.payload for p in points}


def test_points_carry_their_story_id_kept_up_to_date_one_article_at_a_time(tmp_path: Path, encoder: Encoder) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    for name in ("a1_saomai.txt", "b1_hoaphong.txt"):
        shutil.copy(STORIES / name, folder / name)
    settings = Settings(articles_dir=folder, index_dir=tmp_path / "index")
    backend = QdrantBackend("stories", path=tmp_path / "qdrant")
    engine = Engine(settings, encoder, backend=backend)
    engine.rebuild(progress=False)
    with StoryStore(settings.index_dir) as stories:
        assigned = stories.assignments()
    assert set(assigned) == {"a1_saomai.txt", "b1_hoaphong.txt"} and len(set(assigned.values())) == 2
    before = _payloads(backend)
    assert before and all(p[STORY] == assigned[p["a"]] for p in before.values())
    # An article that joins the Sao Mai story: its points are written once, with that story's id,
    # and no other point is written or touched.
    shutil.copy(STORIES / "a2_saomai.txt", folder / "a2_saomai.txt")
    written, updates = backend.points_written, backend.payload_updates
    engine.rebuild(progress=False, only=["a2_saomai.txt"])
    chunks = engine.snapshot.article_rows("a2_saomai.txt")[1]
    assert backend.points_written == written + chunks and backend.payload_updates == updates
    after = _payloads(backend)
    new = {k: p for k, p in after.items() if p["a"] == "a2_saomai.txt"}
    assert len(new) == chunks and {p[STORY] for p in new.values()} == {assigned["a1_saomai.txt"]}
    assert {k: p for k, p in after.items() if k not in new} == before
    # A story id that changes while the article's text does not (a regrouped stories.sqlite): the next
    # sync sets it on that article's points in place (set_payload by filter), nothing is upserted.
    with sqlite3.connect(settings.index_dir / STORIES_FILE) as db:
        db.execute("UPDATE members SET story_id = 77 WHERE article_id = 'b1_hoaphong.txt'")
    summary = backend.sync(engine.snapshot)
    assert (summary.added, summary.removed, summary.points, summary.stories) == (0, 0, 0, 1)
    assert backend.points_written == written + chunks and backend.payload_updates == updates + 1
    moved = _payloads(backend)
    for key, payload in moved.items():
        expected = 77 if payload["a"] == "b1_hoaphong.txt" else after[key][STORY]
        assert payload == {**after[key], STORY: expected}
    assert backend.sync(engine.snapshot).stories == 0  # in step: nothing more to set


def test_with_qdrant_the_index_stays_on_disk(engines: tuple[Engine, Engine]) -> None:
    # The default backend searches the snapshot, so it holds everything in memory; with Qdrant the
    # process opens the segments lean: no chunk rows, vectors or postings in its memory.
    default, qdrant = engines
    full, lean = default.snapshot, qdrant.snapshot
    assert (full.mode, lean.mode) == ("memory", "lean")
    assert full.generation == lean.generation
    for segment in full.segments:
        assert isinstance(segment.vectors, np.ndarray) and segment.postings is not None
        assert not Path(segment._db.execute("PRAGMA database_list").fetchone()[2]).is_file()  # in memory
    for segment in lean.segments:
        assert isinstance(segment.vectors, FileArray) and segment.vectors.nbytes == 0
        assert segment.dense is None and segment.postings is None
        path = segment._db.execute("PRAGMA database_list").fetchone()[2]
        assert Path(path) == (lean.index_dir / "segments" / segment.name / "chunks.sqlite").resolve()
    assert lean.dense is None and not isinstance(lean.lexical, SegmentedLexical)
    # What quotes, IDF weights and stories read is the same, from the files.
    assert len(lean.lexical.vocab_dict) == len(full.lexical.vocab_dict)
    ids = [(full.lexical.vocab_dict[t], lean.lexical.vocab_dict[t]) for t in full.lexical.vocab_dict]
    assert all(full.lexical.idf[i] == lean.lexical.idf[j] for i, j in ids)
    assert all(full.lexical.df[i] == lean.lexical.df[j] for i, j in ids)
    assert "tesla" in lean.lexical.vocab_dict and "zzqxw" not in lean.lexical.vocab_dict
    assert (lean.lexical.avg_len, lean.lexical.size) == (full.lexical.avg_len, full.lexical.size)
    for info in full.articles():
        assert lean.article(info.id) == full.article(info.id)
        np.testing.assert_array_equal(lean.article_vectors(info.id), full.article_vectors(info.id))
    rows = np.array([3, 0, 3, len(full.vectors) - 1, 1])  # out of order, repeated: read from the file as asked
    np.testing.assert_array_equal(lean.vectors[rows], full.vectors[rows])
    np.testing.assert_array_equal(lean.vectors[7], full.vectors[7])
    # The default backend cannot search a lean snapshot, and says so.
    with pytest.raises(ValueError, match="lean snapshot"):
        SegmentedBackend().search(lean, {}, np.zeros(lean.vectors.shape[1], np.float32), 5)


@pytest.mark.parametrize(
    ("victim", "damage"),
    [
        ("chunks.sqlite", b"SQLite format 3\x00" + b"garbage" * 100),
        ("vectors.f32", b""),
        ("terms.docs", b"\x00" * 7),
        ("terms.doc_len", b""),
    ],
)
def test_a_damaged_file_in_lean_mode_gives_the_clear_message(
    tmp_path: Path, encoder: Encoder, caplog: pytest.LogCaptureFixture, victim: str, damage: bytes
) -> None:
    shutil.copytree(XQUAD_SAMPLE_ARTICLES, tmp_path / "articles")
    settings = Settings(articles_dir=tmp_path / "articles", index_dir=tmp_path / "index")
    Engine(settings, encoder).rebuild(progress=False)
    older = open_snapshot(settings.index_dir).generation
    (tmp_path / "articles" / "new.txt").write_text("Tin mới\n\nHà Nội công bố giá điện mới hôm nay.\n", "utf-8")
    Engine(settings, encoder).rebuild(progress=False)
    newest = open_snapshot(settings.index_dir).manifest.segments[-1].name
    (settings.index_dir / "segments" / newest / victim).write_bytes(damage)
    with pytest.raises(IndexUnreadableError, match=rf"cannot be read .*{victim}.*storybot index --index-dir"):
        open_snapshot(settings.index_dir, mode="lean", fallback=False)
    # A Qdrant-backed engine answers from the older generation, and says why.
    qdrant = Engine(settings, encoder, backend=QdrantBackend("damaged", path=tmp_path / "qdrant"))
    with caplog.at_level(logging.WARNING):
        assert qdrant.ask("Tesla chết năm nào?").answered
    assert qdrant.snapshot.generation == older and qdrant.snapshot.mode == "lean"
    assert victim in caplog.text and "older generation" in caplog.text


def test_a_file_truncated_under_a_lean_engine_gives_an_error_not_a_crash(tmp_path: Path, encoder: Encoder) -> None:
    # Memory maps would kill the process with SIGBUS here; lean segments read files with read().
    shutil.copytree(XQUAD_SAMPLE_ARTICLES, tmp_path / "articles")
    settings = Settings(articles_dir=tmp_path / "articles", index_dir=tmp_path / "index")
    Engine(settings, encoder).rebuild(progress=False)
    snapshot = open_snapshot(settings.index_dir, mode="lean")
    segment = snapshot.segments[0]
    article = snapshot.articles()[-1].id
    for path in (settings.index_dir / "segments" / segment.name).iterdir():
        os.truncate(path, 0)
    with pytest.raises(CorruptFileError, match=r"vectors.f32 .* truncated or overwritten while in use"):
        snapshot.article_vectors(article)
    segment._db.execute("PRAGMA cache_size = 0")  # nothing read before may be answered from sqlite's cache
    with pytest.raises(IndexUnreadableError, match=rf"damaged while in use: {segment.name}/chunks.sqlite"):
        snapshot.chunk(snapshot.size - 1)
