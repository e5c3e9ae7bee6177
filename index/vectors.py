"""FAISS vector index over chunk embeddings (inner product of unit vectors = cosine).

Small indexes use exact search. Above `APPROXIMATE_FROM` vectors an HNSW graph
answers in well under a millisecond with top-5 recall near exact search; the
threshold and graph parameters come from `bench/bench.py` (see BENCHMARKS.md).
"""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

APPROXIMATE_FROM = 20_000
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 96


def build_vector_index(vectors: np.ndarray, *, approximate: bool | None = None) -> faiss.Index:
    """A FAISS index over `vectors` (n, d), exact or HNSW depending on size."""
    n, dim = vectors.shape
    if approximate is None:
        approximate = n >= APPROXIMATE_FROM
    if approximate:
        index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = HNSW_EF_SEARCH
    else:
        index = faiss.IndexFlatIP(dim)
    if n:
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def index_kind(index: faiss.Index) -> str:
    """ "hnsw" or "flat", as recorded in the manifest."""
    return "hnsw" if isinstance(index, faiss.IndexHNSW) else "flat"


def search_vectors(index: faiss.Index, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Cosine scores and chunk ids of the `k` nearest chunks, best first."""
    k = min(k, index.ntotal)
    if k <= 0:
        return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
    scores, ids = index.search(query.reshape(1, -1).astype(np.float32, copy=False), k)
    keep = ids[0] >= 0
    return scores[0][keep], ids[0][keep]


def save_vector_index(index: faiss.Index, path: Path) -> None:
    """Write the FAISS index to `path`."""
    faiss.write_index(index, str(path))


def load_vector_index(path: Path) -> faiss.Index:
    """Read a FAISS index written by `save_vector_index`, restoring search parameters."""
    index = faiss.read_index(str(path))
    if isinstance(index, faiss.IndexHNSW):
        index.hnsw.efSearch = HNSW_EF_SEARCH
    return index
