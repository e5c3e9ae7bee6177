"""Hybrid retrieval: BM25 over Vietnamese tokens fused with FAISS dense search.

Each candidate scores a convex mix of its BM25 score (divided by the best BM25
score for the question) and its cosine similarity, min-max scaled over the
candidates so that both sides span 0..1 (e5's cosines crowd into 0.75-0.9).
The dense weight is set per question from how far each retriever can be
trusted for it: BM25 only sees the question's words that occur in the
articles (its vocabulary coverage), and the multilingual model reads
Vietnamese typed without diacritics poorly: alone it ranks the right paragraph
first for 35% of such questions, so they are embedded with their diacritics
restored from the articles' spellings (answer.diacritics: 92%, against 95% as
written with them; the restored words are right ~94% of the time, so the
folded BM25 side stays the safer one). So a Vietnamese question with
diacritics takes dense weight 0.55, one without 0.35, and any question moves
towards 0.95 as its coverage falls: an English question over Vietnamese
articles is answered mostly from the dense side.
Measured figures are in the README's quality table.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from index.backend import SearchBackend, SegmentedBackend
from index.chunking import Chunk
from index.embedding import Encoder
from index.store import Snapshot
from index.text import content_syllables, has_diacritics, query_tokens

from .diacritics import restore_diacritics
from .question import question_language
from .synonyms import Expansion, expand

RETRIEVAL_MODES = ("hybrid", "lexical", "dense")
CANDIDATES = 50  # taken from each retriever before fusion
DENSE_WEIGHT_COVERED = 0.55  # dense weight when every content word of the question is in the articles
DENSE_WEIGHT_UNACCENTED = 0.35  # ... for Vietnamese typed without diacritics, whose restored spelling may be wrong
DENSE_WEIGHT_UNCOVERED = 0.95  # ... and when no content word is (another language than the articles')
EXPANSION_WEIGHT = 0.5  # weight of glossary expansions relative to the question's own words
DEFAULT_BACKEND = SegmentedBackend()


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk with its scores."""

    chunk_id: int
    chunk: Chunk
    title: str
    url: str | None
    score: float  # fused score, what hits are ranked by
    lexical: float  # BM25 score divided by the question's best BM25 score (0..1)
    dense: float  # cosine similarity of question and chunk


@dataclass(frozen=True)
class Retrieval:
    """The outcome of searching for one question."""

    question: str
    tokens: tuple[str, ...]  # lexical query tokens the index knows
    expansions: tuple[Expansion, ...]  # glossary phrases found in the question
    expansion_tokens: tuple[str, ...]  # their synonyms' tokens the index knows, searched at EXPANSION_WEIGHT
    hits: tuple[Hit, ...]  # best first
    query_vector: np.ndarray | None = None  # the question's embedding, for sentence-level similarity
    dense_weight: float = 0.0  # the weight the fusion gave the dense side (how far the model is trusted here)
    timings_ms: dict[str, float] = field(default_factory=dict)


def dense_weight(coverage: float, *, unaccented_vietnamese: bool = False) -> float:
    """Weight of the cosine score in the fused score, from the question's vocabulary coverage."""
    base = DENSE_WEIGHT_UNACCENTED if unaccented_vietnamese else DENSE_WEIGHT_COVERED
    return base + (DENSE_WEIGHT_UNCOVERED - base) * (1.0 - coverage)


def vocabulary_coverage(snapshot: Snapshot, question: str) -> float:
    """Share of the question's content syllables that occur somewhere in the articles."""
    sylls = content_syllables(question)
    if not sylls:
        return 0.0
    vocab = snapshot.lexical.bm25.vocab_dict
    return sum(s in vocab for s in sylls) / len(sylls)


def search(
    snapshot: Snapshot,
    encoder: Encoder,
    question: str,
    *,
    k: int,
    query_vector: np.ndarray | None = None,
    mode: str = "hybrid",
    backend: SearchBackend | None = None,
) -> Retrieval:
    """The `k` best chunks for `question`, fusing lexical and dense evidence.

    `mode` "lexical" or "dense" ranks by one retriever alone (dense weight 0 or
    1), for measuring what the fusion adds. `backend`: where the chunks are searched (default: the
    snapshot's own segments).
    """
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    unaccented = not has_diacritics(question) and question_language(question) == "vi"
    if query_vector is None:
        # The model reads Vietnamese without diacritics poorly: it embeds the question with them put back.
        lexical = snapshot.lexical
        seen = restore_diacritics(question, lexical.bm25.vocab_dict, lexical.idf) if unaccented else question
        query_vector = encoder.encode_query(seen)
    t1 = time.perf_counter()
    timings["embed"] = (t1 - t0) * 1000

    vocab = snapshot.lexical.bm25.vocab_dict
    tokens = [t for t in query_tokens(question) if t in vocab]
    own = set(tokens)
    expansions = tuple(expand(question))
    expanded = list(dict.fromkeys(t for e in expansions for t in e.tokens if t in vocab and t not in own))
    # One weighted query: the question's own words at 1, the glossary's synonyms at EXPANSION_WEIGHT.
    terms = dict.fromkeys(tokens, 1.0) | dict.fromkeys(expanded, EXPANSION_WEIGHT)
    found = (backend or DEFAULT_BACKEND).search(snapshot, terms, query_vector, CANDIDATES)
    timings.update(found.timings_ms)
    t2 = time.perf_counter()

    if mode == "hybrid":
        weight = dense_weight(vocabulary_coverage(snapshot, question), unaccented_vietnamese=unaccented)
    else:
        weight = {"lexical": 0.0, "dense": 1.0}[mode]
    candidates, cosine = found.rows, found.cosine
    best_bm25 = found.best_bm25
    lexical = found.bm25 / best_bm25 if best_bm25 > 0 else np.zeros(len(candidates), dtype=np.float32)
    fused = (1.0 - weight) * lexical + weight * _min_max(cosine)
    order = np.argsort(-fused, kind="stable")[:k]
    hits = []
    for pos in order:
        chunk = snapshot.chunk(int(candidates[pos]))
        article = snapshot.article(chunk.article_id)
        hits.append(
            Hit(
                chunk_id=int(candidates[pos]),
                chunk=chunk,
                title=article.title,
                url=article.url,
                score=float(fused[pos]),
                lexical=float(lexical[pos]),
                dense=float(cosine[pos]),
            )
        )
    timings["fusion"] = (time.perf_counter() - t2) * 1000
    return Retrieval(
        question=question,
        tokens=tuple(tokens),
        expansions=expansions,
        expansion_tokens=tuple(expanded),
        hits=tuple(hits),
        query_vector=query_vector,
        dense_weight=weight,
        timings_ms=timings,
    )


def _min_max(values: np.ndarray) -> np.ndarray:
    """`values` scaled to 0..1 over the candidates (all 1 when they are equal)."""
    if not len(values):
        return values
    low, high = float(values.min()), float(values.max())
    if high - low < 1e-9:
        return np.ones_like(values)
    return (values - low) / (high - low)
