"""BM25 over Vietnamese-normalised tokens, with bm25s."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import bm25s
import numpy as np

from .text import document_tokens

# bm25s logs a line per load/save at INFO; the index has its own summary.
logging.getLogger("bm25s").setLevel(logging.WARNING)


@dataclass
class LexicalIndex:
    """A BM25 index over chunks; document i is chunk i."""

    bm25: bm25s.BM25
    idf: np.ndarray  # inverse document frequency of each vocabulary id

    @property
    def size(self) -> int:
        """Number of documents."""
        return int(self.bm25.scores["num_docs"])

    def token_ids(self, tokens: Iterable[str]) -> list[int]:
        """Vocabulary ids of the tokens the index knows, duplicates dropped, order kept."""
        vocab = self.bm25.vocab_dict
        seen: dict[int, None] = {}
        for tok in tokens:
            tid = vocab.get(tok)
            if tid is not None and tok:
                seen.setdefault(tid, None)
        return list(seen)

    def scores(self, ids: list[int]) -> np.ndarray:
        """BM25 score of every document for the query token ids."""
        if not ids or self.size == 0:
            return np.zeros(self.size, dtype=np.float32)
        return self.bm25.get_scores_from_ids(ids)


def _vocab_ids(token_lists: Iterable[list[str]]) -> tuple[list[list[int]], dict[str, int]]:
    # Token ids instead of token strings keep memory flat on large corpora.
    vocab: dict[str, int] = {}
    ids = []
    for tokens in token_lists:
        ids.append([vocab.setdefault(t, len(vocab)) for t in tokens])
    return ids, vocab


def build_lexical(texts: Iterable[str]) -> LexicalIndex:
    """Index `texts` (chunk search texts, in chunk order) for BM25."""
    ids, vocab = _vocab_ids(document_tokens(t) for t in texts)
    if not ids:
        raise ValueError("cannot build a BM25 index over no documents")
    bm25 = bm25s.BM25()
    bm25.index((ids, vocab), show_progress=False)
    return LexicalIndex(bm25=bm25, idf=_idf(bm25))


def _idf(bm25: bm25s.BM25) -> np.ndarray:
    indptr = np.asarray(bm25.scores["indptr"])
    n = max(int(bm25.scores["num_docs"]), 1)
    df = np.diff(indptr).astype(np.float64)
    return np.log(1.0 + (n - df + 0.5) / (df + 0.5)).astype(np.float32)


def save_lexical(index: LexicalIndex, folder: Path) -> None:
    """Write the index files into `folder`."""
    index.bm25.save(str(folder), show_progress=False)


def load_lexical(folder: Path) -> LexicalIndex:
    """Read an index written by `save_lexical`; arrays are memory-mapped."""
    bm25 = bm25s.BM25.load(str(folder), mmap=True, show_progress=False, verbosity=0)
    return LexicalIndex(bm25=bm25, idf=_idf(bm25))
