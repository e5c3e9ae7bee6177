"""FAISS vector index over chunk embeddings (inner product of unit vectors = cosine).

Why these settings (measured by `bench/bench.py` on 2 cores with MiniLM
vectors of a synthetic 100,000-chunk Vietnamese corpus and the 632 XQuAD-vi
questions; figures in BENCHMARKS.md):

- Exact search (IndexFlatIP, one query, k = 50) takes 0.3 ms at 10,000
  vectors, 0.9 ms at 20,000, 3.4 ms at 50,000 and 7.3 ms at 100,000. The
  HNSW setting below takes 0.46, 0.70 and 0.93 ms at 10,000, 20,000 and
  50,000: it overtakes exact search between 10,000 and 20,000, hence
  `APPROXIMATE_FROM`; below it search stays exact and costs under 1 ms.
- Above it, HNSW with M=32, efConstruction=400, efSearch=384 answers in
  ~1.0 ms at 100,000 vectors with top-5 recall 0.989 against exact search.
  These vectors are hard for a graph (an English model on Vietnamese text
  puts every chunk in a narrow cone): with efConstruction 200 recall 0.98
  needs efSearch 512 (1.3 ms), with 80 even 512 gives 0.94. IVF with 1,024
  lists needs nprobe 128 for 0.98 (0.9 ms), so HNSW is kept, with margin.
  The graph takes ~40 s to build at 100,000 vectors, about 1% of embedding
  them.
- The index is split into segments (see store.py), each with its own FAISS
  index: exact below `APPROXIMATE_FROM` rows, HNSW above. A question
  searches every segment and keeps the best `k` overall; rows of removed
  articles are excluded by an ID selector, since HNSW cannot drop nodes
  (a segment is rewritten once too many of its rows are removed).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import faiss
import numpy as np

APPROXIMATE_FROM = 20_000
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 400
HNSW_EF_SEARCH = 384  # at 100,000 vectors; larger graphs search wider (ef_search)
EF_GROWTH = 0.6  # efSearch grows as (vectors / 100,000) ** EF_GROWTH: recall@5 0.975 at 1,000,000 (BENCHMARKS.md)


def ef_search(vectors: int) -> int:
    """The HNSW search breadth for a graph of `vectors` nodes: recall falls as a graph grows, so breadth grows."""
    return max(HNSW_EF_SEARCH, int(HNSW_EF_SEARCH * (vectors / 100_000) ** EF_GROWTH))


def build_vector_index(vectors: np.ndarray, *, approximate: bool | None = None) -> faiss.Index:
    """A FAISS index over one segment's `vectors` (n, d): exact, or HNSW from APPROXIMATE_FROM rows."""
    n, dim = vectors.shape
    if approximate is None:
        approximate = n >= APPROXIMATE_FROM
    index = _new_graph(dim) if approximate else faiss.IndexFlatIP(dim)
    if n:
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def _new_graph(dim: int) -> faiss.IndexHNSWFlat:
    graph = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
    graph.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    graph.hnsw.efSearch = HNSW_EF_SEARCH
    return graph


def index_kind(index: faiss.Index) -> str:
    """ "hnsw" or "flat", as recorded in the manifest."""
    return "hnsw" if isinstance(index, faiss.IndexHNSW) else "flat"


def stored_vectors(index: faiss.Index) -> np.ndarray:
    """The vectors a flat or HNSW index holds, as an (n, d) view of its memory (no copy)."""
    flat = faiss.downcast_index(index.storage) if isinstance(index, faiss.IndexHNSW) else index
    if flat.ntotal == 0:
        return np.zeros((0, index.d), dtype=np.float32)
    return faiss.rev_swig_ptr(flat.get_xb(), flat.ntotal * index.d).reshape(flat.ntotal, index.d)


def serialize_vector_index(index: faiss.Index) -> np.ndarray:
    """The index as bytes (uint8 array), written by the caller like any other file."""
    return faiss.serialize_index(index)


def load_vector_index(path: Path) -> faiss.Index:
    """Read a FAISS index file into memory, restoring search parameters."""
    index = faiss.read_index(str(path))
    if isinstance(index, faiss.IndexHNSW):
        index.hnsw.efSearch = ef_search(index.ntotal)
    return index


class SegmentedDense:
    """Nearest-neighbour search over the live rows of several segments' FAISS indexes.

    Offers the part of faiss.Index that `search_vectors` uses (`search`, `ntotal`);
    ids are global rows (segment offset + row).
    """

    def __init__(self, parts: Sequence[tuple[faiss.Index, int, np.ndarray]]) -> None:
        """`parts`: each segment's index, its first global row and its live-row mask."""
        self._parts = []
        for index, offset, live in parts:
            params, keep = None, ()
            dead = np.flatnonzero(~live).astype(np.int64)
            if len(dead) or isinstance(index, faiss.IndexHNSW):
                params = (
                    faiss.SearchParametersHNSW() if isinstance(index, faiss.IndexHNSW) else faiss.SearchParameters()
                )
                if isinstance(index, faiss.IndexHNSW):
                    params.efSearch = ef_search(index.ntotal)
                if len(dead):
                    batch = faiss.IDSelectorBatch(len(dead), faiss.swig_ptr(dead))
                    selector = faiss.IDSelectorNot(batch)
                    params.sel = selector
                    keep = (dead, batch, selector)  # the selector points into these: keep them alive
            self._parts.append((index, offset, params, keep))
        self.ntotal = sum(int(live.sum()) for _, _, live in parts)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Scores and global ids of the `k` nearest live rows per query, as faiss returns them ((nq, k))."""
        nq = len(queries)
        scores = np.full((nq, k), -np.inf, dtype=np.float32)
        ids = np.full((nq, k), -1, dtype=np.int64)
        for index, offset, params, _ in self._parts:
            if index.ntotal == 0:
                continue
            s, i = index.search(queries, min(k, index.ntotal), params=params)
            i = np.where(i >= 0, i + offset, -1)
            s = np.where(i >= 0, s, -np.inf).astype(np.float32)
            if len(self._parts) == 1:
                scores[:, : s.shape[1]], ids[:, : i.shape[1]] = s, i
                break
            both_s, both_i = np.concatenate([scores, s], axis=1), np.concatenate([ids, i], axis=1)
            best = np.argsort(-both_s, axis=1, kind="stable")[:, :k]
            scores, ids = np.take_along_axis(both_s, best, axis=1), np.take_along_axis(both_i, best, axis=1)
        return scores, ids


def search_vectors(index: faiss.Index, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Cosine scores and chunk ids of the `k` nearest chunks, best first."""
    k = min(k, index.ntotal)
    if k <= 0:
        return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
    # One OpenMP thread for one query. With faiss's default (all cores), an exact
    # search over >= 10,000 vectors is split across threads, and on 2 cores shared
    # with torch the join waits for a descheduled thread: 30 ms instead of 1 ms
    # (measured, BENCHMARKS.md). The setting is per calling thread and restored,
    # so a build running in another thread keeps all cores.
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        scores, ids = index.search(query.reshape(1, -1).astype(np.float32, copy=False), k)
    finally:
        faiss.omp_set_num_threads(threads)
    keep = ids[0] >= 0
    return scores[0][keep], ids[0][keep]
