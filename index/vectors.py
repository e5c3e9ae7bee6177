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
- Adding articles extends the previous generation's graph (ids live in an
  IDMap and are renumbered) instead of rebuilding it; removing or changing
  an article rebuilds it, since HNSW cannot drop nodes.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import faiss
import numpy as np

APPROXIMATE_FROM = 20_000
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 400
HNSW_EF_SEARCH = 384


def build_vector_index(
    vectors: np.ndarray,
    *,
    approximate: bool | None = None,
    previous: faiss.Index | None = None,
    previous_keys: Sequence[str] | None = None,
    keys: Sequence[str] | None = None,
) -> faiss.Index:
    """A FAISS index over `vectors` (n, d), exact or HNSW depending on size.

    With the previous generation's HNSW index and the chunk keys of both
    generations (row i of `vectors` has key `keys[i]`), an index that only
    gained chunks is extended rather than rebuilt: the graph takes the new
    vectors and its ids are renumbered to the new rows.
    """
    n, dim = vectors.shape
    if approximate is None:
        approximate = n >= APPROXIMATE_FROM
    if approximate and previous is not None and previous_keys is not None and keys is not None:
        extended = _extend(previous, previous_keys, keys, vectors)
        if extended is not None:
            return extended
    if approximate:
        graph = _new_graph(dim)
        # Ids in an IDMap, so a later build can renumber rows instead of rebuilding the graph.
        index = faiss.IndexIDMap2(graph)
        if n:
            index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), np.arange(n, dtype=np.int64))
        return index
    index = faiss.IndexFlatIP(dim)
    if n:
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def _new_graph(dim: int) -> faiss.IndexHNSWFlat:
    graph = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
    graph.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    graph.hnsw.efSearch = HNSW_EF_SEARCH
    return graph


def _hnsw(index: faiss.Index) -> faiss.IndexHNSW | None:
    """The HNSW graph of `index` (bare or inside an IDMap), else None."""
    if isinstance(index, faiss.IndexIDMap2):
        index = faiss.downcast_index(index.index)
    return index if isinstance(index, faiss.IndexHNSW) else None


def _extend(
    previous: faiss.Index, previous_keys: Sequence[str], keys: Sequence[str], vectors: np.ndarray
) -> faiss.Index | None:
    """`previous` (an IDMap over HNSW) grown by the rows whose keys are new; None if a chunk went away."""
    if not isinstance(previous, faiss.IndexIDMap2) or _hnsw(previous) is None or previous.ntotal != len(previous_keys):
        return None
    positions: dict[str, list[int]] = {}
    for i, key in enumerate(keys):
        positions.setdefault(key, []).append(i)
    for found in positions.values():
        found.reverse()  # pop() hands out positions in order (repeated keys)
    old_to_new = np.empty(len(previous_keys), dtype=np.int64)
    for row, key in enumerate(previous_keys):
        found = positions.get(key)
        if not found:
            return None  # a chunk was removed or changed: its node cannot leave the graph
        old_to_new[row] = found.pop()
    added = np.array(sorted(i for found in positions.values() for i in found), dtype=np.int64)
    # A copy: readers may still be searching the previous generation's index.
    index = faiss.clone_index(previous)
    old_ids = faiss.vector_to_array(index.id_map)
    faiss.copy_array_to_vector(old_to_new[old_ids], index.id_map)
    index.construct_rev_map()
    if len(added):
        index.add_with_ids(np.ascontiguousarray(vectors[added], dtype=np.float32), added)
    _hnsw(index).hnsw.efSearch = HNSW_EF_SEARCH
    return index


def index_kind(index: faiss.Index) -> str:
    """ "hnsw" or "flat", as recorded in the manifest."""
    return "hnsw" if _hnsw(index) is not None else "flat"


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


def save_vector_index(index: faiss.Index, path: Path) -> None:
    """Write the FAISS index to `path`."""
    faiss.write_index(index, str(path))


def load_vector_index(path: Path) -> faiss.Index:
    """Read a FAISS index written by `save_vector_index`, restoring search parameters."""
    index = faiss.read_index(str(path))
    graph = _hnsw(index)
    if graph is not None:
        graph.hnsw.efSearch = HNSW_EF_SEARCH
    return index
