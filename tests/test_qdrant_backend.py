"""The Qdrant search backend, through qdrant-client's local mode, against the default segmented backend."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from answer.engine import Engine
from answer.search import CANDIDATES
from index.backend import SegmentedBackend, configured_backend
from index.config import Settings
from index.embedding import Encoder
from index.qdrant_backend import QdrantBackend, collection_name
from index.text import query_tokens

from .conftest import XQUAD_SAMPLE, XQUAD_SAMPLE_ARTICLES

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


def test_backend_from_environment(tmp_path: Path) -> None:
    assert isinstance(configured_backend(tmp_path, {}), SegmentedBackend)
    backend = configured_backend(tmp_path / "index", {"STORYBOT_QDRANT_PATH": str(tmp_path / "q")})
    assert isinstance(backend, QdrantBackend)
    assert backend.collection == collection_name(tmp_path / "index")
    named = configured_backend(
        tmp_path, {"STORYBOT_QDRANT_PATH": str(tmp_path / "q"), "STORYBOT_QDRANT_COLLECTION": "news"}
    )
    assert named.collection == "news"
