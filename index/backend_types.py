"""What a search backend hands back (index/backend.py): the candidates of a question, what a sync wrote."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Candidates:
    """The chunks a question's two searches found, each with both scores (rows ascending)."""

    rows: np.ndarray  # int64 chunk rows of the snapshot
    cosine: np.ndarray  # float32 cosine similarity of question and chunk
    bm25: np.ndarray  # float32 BM25 score (0 where the chunk holds none of the words)
    best_bm25: float  # the best BM25 score of any chunk for the question
    timings_ms: dict[str, float] = field(default_factory=dict)  # per step ("lexical", "dense", ...)


@dataclass(frozen=True)
class SyncSummary:
    """What keeping a backend in step with a new index generation wrote."""

    added: int = 0  # articles upserted
    removed: int = 0  # articles deleted
    points: int = 0  # chunks written
    stories: int = 0  # articles whose story id was set in place (their points otherwise unchanged)
