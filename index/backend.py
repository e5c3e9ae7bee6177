"""Where the index is searched: the search backend interface, and the choice of backend by configuration.

The articles, chunks, sentences and statements (what quotes are cut from) always come from the
built index (`store.Snapshot`, the `ChunkStore` below): they are the articles as indexed, so every
quote stays verbatim and checkable. What a backend does is the search itself (the dense nearest
neighbours and the BM25 best matches of a question, with both scores for every candidate) and keeping
its own copy of the chunks' vectors and term weights in step with the index, one article at a time.

- `SegmentedBackend` (the default): today's segmented index searched in memory; its copy *is* the
  index, so keeping it in step is the build itself.
- `qdrant_backend.QdrantBackend`: a Qdrant collection (server or cluster with STORYBOT_QDRANT_URL,
  qdrant-client's local mode with STORYBOT_QDRANT_PATH), for indexes past one machine's memory.

The backend also decides how the process holds the index (`snapshot_mode`, the one place this is
decided): the segmented backend searches the snapshot, so it is loaded into memory; Qdrant searches
elsewhere, so snapshots are opened "lean" (store.SnapshotMode: files read where they lie, no FAISS
index, no BM25 postings), and a bot replica's memory no longer grows with the index.
"""

from __future__ import annotations

import os
import time
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from .articles import Article
from .backend_types import Candidates, SyncSummary
from .chunking import Chunk
from .lexical import SegmentedLexical
from .store import ArticleInfo, Snapshot, SnapshotMode
from .vectors import search_vectors

QDRANT_URL_ENV = "STORYBOT_QDRANT_URL"
QDRANT_PATH_ENV = "STORYBOT_QDRANT_PATH"
QDRANT_COLLECTION_ENV = "STORYBOT_QDRANT_COLLECTION"
SYNC_ENV = "STORYBOT_QDRANT_SYNC"  # "0": this process only reads the backend (bot replicas; the indexer writes)


@runtime_checkable
class ChunkStore(Protocol):
    """What quotes are looked up in: chunks by row, articles and their statements. `store.Snapshot` is one."""

    generation: str

    def chunk(self, chunk_id: int) -> Chunk:
        """The chunk stored as row `chunk_id`."""
        ...

    def article(self, article_id: str) -> Article:
        """The article as indexed (its text is what quotes are cut from)."""
        ...

    def article_data(self, article_id: str, kind: str) -> list[str]:
        """Derived data of one kind stored with an article (JSON texts), e.g. attribution statements."""
        ...

    def articles(self) -> list[ArticleInfo]:
        """Every indexed article."""
        ...


class SearchBackend(Protocol):
    """Searches the chunks of an index, dense and lexical, and keeps its copy of them in step with it."""

    name: str
    snapshot_mode: SnapshotMode  # how an engine using this backend opens the index (store.SnapshotMode)

    def search(
        self, snapshot: Snapshot, terms: Mapping[str, float], query_vector: np.ndarray, candidates: int
    ) -> Candidates:
        """The `candidates` nearest chunks and the `candidates` best BM25 chunks, with both scores for all.

        `terms`: the question's tokens (as `text.query_tokens` gives them, known to the index) and their weights.
        """
        ...

    def add_article(self, snapshot: Snapshot, article_id: str, story: int | None = None) -> int:
        """Put an article's chunks (as the snapshot holds them, in story `story` when given) into the backend,
        replacing older ones; how many."""
        ...

    def remove_article(self, article_id: str) -> None:
        """Take one article's chunks out of the backend."""
        ...

    def sync(self, snapshot: Snapshot, changed: Collection[str] | None = None) -> SyncSummary:
        """Bring the backend in step with `snapshot`: only the articles `changed` when given, else every one."""
        ...


class SegmentedBackend:
    """The default: the snapshot's own in-memory indexes (FAISS / exact dense, segmented BM25)."""

    name = "segmented"
    snapshot_mode: SnapshotMode = "memory"  # it searches the snapshot's own FAISS indexes and postings

    def search(
        self, snapshot: Snapshot, terms: Mapping[str, float], query_vector: np.ndarray, candidates: int
    ) -> Candidates:
        """Both searches over the snapshot's segments; see `SearchBackend.search`."""
        lexical = snapshot.lexical
        if snapshot.dense is None or not isinstance(lexical, SegmentedLexical):
            raise ValueError("a lean snapshot has no search of its own: open it with mode='memory' to search it here")
        query: dict[int, float] = {}
        for token, weight in terms.items():
            for tid in lexical.token_ids([token]):
                query[tid] = query.get(tid, 0.0) + weight
        t0 = time.perf_counter()
        lex_top, lex_scores = lexical.top(query, candidates)
        t1 = time.perf_counter()
        _, dense_top = search_vectors(snapshot.dense, query_vector, candidates)
        t2 = time.perf_counter()
        rows = np.union1d(lex_top, dense_top).astype(np.int64)
        cosine = snapshot.vectors[rows] @ query_vector
        # The lexical side's rows come with their exact scores; only the dense side's others are looked up.
        bm25 = np.zeros(len(rows), dtype=np.float32)
        from_lexical = np.isin(rows, lex_top)
        bm25[from_lexical] = lex_scores[np.argsort(lex_top)]  # rows are ascending
        bm25[~from_lexical] = lexical.score_rows(query, rows[~from_lexical])
        best = float(lex_scores[0]) if len(lex_scores) else 0.0
        timings = {"lexical": (t1 - t0) * 1000, "dense": (t2 - t1) * 1000}
        return Candidates(rows, cosine, bm25, best, timings)

    def add_article(self, snapshot: Snapshot, article_id: str, story: int | None = None) -> int:
        """Nothing to write: the build already wrote the article's segment, which this backend searches."""
        return 0

    def remove_article(self, article_id: str) -> None:
        """Nothing to write: the build marks the article removed in the new generation's manifest."""

    def sync(self, snapshot: Snapshot, changed: Collection[str] | None = None) -> SyncSummary:
        """Nothing to do: the snapshot is this backend's copy."""
        return SyncSummary()


def configured_backend(index_dir: Path, environ: Mapping[str, str] | None = None) -> SearchBackend:
    """The backend the environment asks for: Qdrant when STORYBOT_QDRANT_URL or _PATH is set, else segmented."""
    env = os.environ if environ is None else environ
    url, path = env.get(QDRANT_URL_ENV, "").strip(), env.get(QDRANT_PATH_ENV, "").strip()
    if not url and not path:
        return SegmentedBackend()
    from .qdrant_backend import QdrantBackend, collection_name  # qdrant-client is imported only when used

    name = env.get(QDRANT_COLLECTION_ENV, "").strip() or collection_name(index_dir)
    return QdrantBackend(name, url=url or None, path=Path(path) if path and not url else None)


def sync_wanted(environ: Mapping[str, str] | None = None) -> bool:
    """Whether this process keeps the backend in step with the index it loads (STORYBOT_QDRANT_SYNC not "0")."""
    env = os.environ if environ is None else environ
    return env.get(SYNC_ENV, "1").strip() != "0"
