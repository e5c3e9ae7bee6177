"""Answer composition: which sentences to quote, or an honest "not found".

Quotes are whole sentences taken verbatim from the best passages (with the
sentence before when one opens with a pronoun). The best passages are first
reordered by their best sentence's similarity to the question (_rerank). Every
sentence of those passages is a candidate, scored by a small linear model (one
per question group: Vietnamese, without diacritics, English) over features
that say whether it answers: its passage's fused retrieval score, its
lexical evidence (the IDF-weighted share of the question's terms it holds),
the model's similarity of question and sentence (the only evidence an English
question over Vietnamese text has), and whether it offers what the question
asks for (an amount, a date, a name, a place) that the question does not
already contain. Credits, captions and bylines are never quoted unless the
question asks who wrote the story. Further quotes must be nearly as good and
are discounted when they repeat a paragraph or the words of a quote already
chosen, which spreads an answer over the different parties.

With a reader (answer.reader: a cross-encoder fine-tuned from the embedding
model; `--reader none`, the rules alone, is the default), the best READ_POOL candidates by that score are read
against the question, each with the sentence before it: the reader's
calibrated probability that the sentence answers becomes its score (plus a
share of the linear model's, which knows the passage's retrieval rank). The
answer's `confidence` combines the best probability with the answer model
below, by weights fitted for the reader (answer.reader.decision); a reader
without them (a CrossEncoder from the hub) decides alone at READER_THRESHOLD.
Further quotes need the reader's probability of at least
FURTHER_QUOTE_PROBABILITY.

Without a reader (`--reader none`), whether to answer at all is a second model: a logistic regression over the
evidence of the best passage and sentence, fitted on constructed data (bench/
calibrate.py): answerable questions against the same questions with their
answer sentence deleted from the article, questions about articles left out of
the index, and off-topic questions. Its probability is the answer's
`confidence`, and the answer is given when it reaches ANSWER_THRESHOLD.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np

from index.articles import is_furniture
from index.dates import article_date
from index.sentence_vectors import SentenceVectors
from index.store import Snapshot
from index.text import (
    ACCENT_PREFIX,
    content_syllables,
    document_tokens,
    has_diacritics,
    query_tokens,
    syllables,
)

from .question import answer_kind, offers, question_language
from .reader import Reader, ReaderCandidate
from .reader.decision import EPSILON, log_odds, sigmoid
from .search import EXPANSION_WEIGHT, Hit, Retrieval
from .types import Answer, Evidence, Quote, group_of

MAX_QUOTES = 3
QUOTE_POOL = 5  # passages whose sentences compete for quotes
FURTHER_QUOTE_MARGIN = 4.0  # a further quote's score (log-odds) is at most this far below the best one's
SAME_PARAGRAPH_PENALTY = 0.5  # log-odds taken off a further quote from an already quoted paragraph
REPEAT_PENALTY = 0.5  # ... and off one that matches no question word the chosen quotes do not
READ_POOL = 16  # candidates (best by the linear sentence model) the reader reads
READER_THRESHOLD = 0.5  # the reader's calibrated probability at or above which the bot answers
FURTHER_QUOTE_PROBABILITY = 0.5  # ... that a further quote needs
LINEAR_WEIGHT = 0.25  # share of the linear sentence model's log-odds added to the reader's
# The answer/sentence models' weights, fitted by bench/calibrate.py.
MODEL_FILE = Path(__file__).parent / "data" / "answer_model.json"
ANSWER_THRESHOLD = 0.5  # `confidence` at or above which the bot answers
RERANK_WEIGHT = 0.5  # how far a passage's best sentence similarity reorders the best passages (see _rerank)


ANSWER_FEATURES = (
    "passage_cosine",
    "runner_up_gap",
    "sentence_cosine",
    "top_sentence_cosine",
    "sentence_score",
    "support",
    "concepts",
    "sentence_evidence",
    "top_sentence_evidence",
    "local_evidence",
    "cosine_margin",
    "kind_asked",
    "kind_offered",
)
ANSWER_GROUPS = ("vi", "vi-unaccented", "en")
SENTENCE_FEATURES = ("prior", "evidence", "cosine", "cosine_gap", "kind_offered", "furniture", "rare_evidence")


@dataclass(frozen=True)
class LinearModel:
    """A logistic model: `bias + weights · features`, read from MODEL_FILE."""

    weights: tuple[float, ...]  # in the order of ANSWER_FEATURES or SENTENCE_FEATURES
    bias: float

    def logit(self, features: list[float]) -> float:
        """The model's log-odds for one row of features."""
        return self.bias + sum(w * x for w, x in zip(self.weights, features))

    def logits(self, rows: np.ndarray) -> np.ndarray:
        """Log-odds for a matrix of feature rows."""
        return self.bias + rows @ np.asarray(self.weights)


@functools.cache
def models() -> dict[str, LinearModel]:
    """The fitted models, a sentence and an answer model per group ("sentence:vi", "answer:en", ...)."""
    data = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    out = {}
    for group in ANSWER_GROUPS:
        out[f"sentence:{group}"] = _linear(data["sentence"][group], SENTENCE_FEATURES)
        out[f"answer:{group}"] = _linear(data["answer"][group], ANSWER_FEATURES)
    return out


def _linear(entry: dict[str, object], names: tuple[str, ...]) -> LinearModel:
    weights = entry["weights"]
    assert isinstance(weights, dict)
    # A feature added since the last fit weighs nothing until bench/calibrate.py is re-run.
    return LinearModel(weights=tuple(float(weights.get(n, 0.0)) for n in names), bias=float(entry["bias"]))


class _Span(NamedTuple):
    chunk_id: int
    start: int
    end: int
    text: str
    cosine: float  # similarity of the sentence and the question


@dataclass(frozen=True)
class _Candidate:
    hit: Hit
    start: int
    end: int
    evidence: float  # IDF share of the question's known terms in the sentence
    terms: frozenset[str]
    cosine: float
    offered: bool
    features: tuple[float, ...]
    score: float  # the sentence model's log-odds that this sentence answers
    probability: float | None = None  # the reader's calibrated probability that it answers, when read


def compose_answer(
    snapshot: Snapshot,
    retrieval: Retrieval,
    *,
    top_k: int,
    sentences: SentenceVectors | None = None,
    notices: tuple[str, ...] = (),
    reader: Reader | None = None,
) -> Answer:
    """Choose the quotes that answer the question, or decide it is not answered.

    With a `reader`, it chooses the quotes and decides; without, the linear models do (see the module's doc).
    """
    language = question_language(retrieval.question)
    if not retrieval.hits:
        return Answer(retrieval.question, False, (), (), language, 0.0, notices, dict(retrieval.timings_ms))
    kind = answer_kind(retrieval.question)
    retrieval, candidates = rank_sentences(snapshot, retrieval, sentences, kind=kind)
    evidence = measure_evidence(snapshot, retrieval, candidates, language=language, kind=kind)
    logit = models()[f"answer:{evidence.group}"].logit(evidence.features())
    confidence = sigmoid(logit)
    if kind == "author":
        # Who wrote it is stated by the byline, not argued by similarity: a
        # credit among the best passages answers; none means not found.
        credits = [c for c in candidates if c.features[SENTENCE_FEATURES.index("furniture")]]
        candidates = sorted(credits, key=lambda c: -c.hit.score)[:1]
        confidence = 1.0 if candidates else 0.0
        threshold, floor = ANSWER_THRESHOLD, None
    elif reader is not None and candidates:
        started = time.perf_counter()
        decision = reader.decision
        weight = decision.rank_linear_weight if decision else LINEAR_WEIGHT
        candidates = read_candidates(snapshot, retrieval.question, candidates, reader, linear_weight=weight)
        retrieval.timings_ms["reader"] = (time.perf_counter() - started) * 1000
        best_probability = max(c.probability or 0.0 for c in candidates)
        evidence = dataclasses.replace(evidence, reader_probability=best_probability, rules_logit=logit)
        if decision is not None:
            confidence = decision.confidence(evidence.group, best_probability, logit)
            threshold = ANSWER_THRESHOLD
        else:
            confidence, threshold = best_probability, READER_THRESHOLD
        floor = FURTHER_QUOTE_PROBABILITY
    else:
        threshold, floor = ANSWER_THRESHOLD, None
    answered = confidence >= threshold and bool(candidates)
    quotes = _with_antecedents(snapshot, _select(candidates, floor)) if answered else []
    return Answer(
        question=retrieval.question,
        answered=answered,
        quotes=tuple(_quote(snapshot, c) for c in quotes),
        passages=retrieval.hits[:top_k],
        language=language,
        confidence=confidence,
        notices=notices,
        timings_ms=dict(retrieval.timings_ms),
        evidence=evidence,
    )


def term_weights(snapshot: Snapshot, retrieval: Retrieval) -> dict[str, float]:
    """IDF weight of each query term; glossary expansions count at EXPANSION_WEIGHT."""
    vocab = snapshot.lexical.bm25.vocab_dict
    idf = snapshot.lexical.idf
    weights = {t: EXPANSION_WEIGHT * float(idf[vocab[t]]) for t in retrieval.expansion_tokens}
    weights |= {t: float(idf[vocab[t]]) for t in retrieval.tokens}
    return weights


def measure_evidence(
    snapshot: Snapshot, retrieval: Retrieval, candidates: list[_Candidate], *, language: str, kind: str | None
) -> Evidence:
    """The answer model's evidence for the best passage and the best candidate sentence (`kind`: answer_kind)."""
    best_hit = retrieval.hits[0]
    best = max(candidates, key=lambda c: c.score) if candidates else None
    present = set(_tokens(best_hit.chunk.search_text))
    syllable_share, word_share, has_words = _support(snapshot, retrieval, present)
    runner_up = retrieval.hits[1].dense if len(retrieval.hits) > 1 else 0.0
    return Evidence(
        passage_cosine=best_hit.dense,
        runner_up_gap=best_hit.dense - runner_up,
        sentence_cosine=best.cosine if best else 0.0,
        top_sentence_cosine=max((c.cosine for c in candidates), default=0.0),
        sentence_score=best.score if best else -10.0,
        support=(syllable_share + word_share) / 2 if has_words else syllable_share,
        concepts=_concept_share(retrieval, present),
        sentence_evidence=best.evidence if best else 0.0,
        top_sentence_evidence=max((c.evidence for c in candidates), default=0.0),
        local_evidence=_local_evidence(best, candidates, retrieval) if best else 0.0,
        cosine_margin=best.cosine - float(np.median([c.cosine for c in candidates])) if best else 0.0,
        kind_asked=kind not in (None, "author"),
        kind_offered=bool(best and best.offered),
        foreign=language == "en" and not _english_articles(snapshot),
        unaccented=language == "vi" and not has_diacritics(retrieval.question),
    )


def question_group(snapshot: Snapshot, question: str) -> str:
    """Which models judge `question` (one of ANSWER_GROUPS): English over other articles, Vietnamese with or without
    diacritics."""
    language = question_language(question)
    return group_of(
        foreign=language == "en" and not _english_articles(snapshot),
        unaccented=language == "vi" and not has_diacritics(question),
    )


def _rarity(terms: set[str], term_sets: list[frozenset[str]]) -> dict[str, float]:
    """Weight of each of `terms` by how few of the candidate sentences (`term_sets`) hold it.

    Words of the story's topic occur in many of the candidate sentences and
    weigh little; what the question asks about specifically weighs most.
    """
    n = len(term_sets)
    return {t: math.log((n + 1) / (sum(t in ts for ts in term_sets) + 0.5)) for t in terms}


def _local_evidence(best: _Candidate, candidates: list[_Candidate], retrieval: Retrieval) -> float:
    """Share of the question's own terms in `best`, each weighted by how rare it is among the candidates.

    Words of the story's topic occur in many of the candidate sentences and
    weigh little; what the question asks about specifically weighs most. When
    the sentence that answered is missing, the best remaining one usually
    shares only the topic words.
    """
    terms = set(retrieval.tokens)
    if not terms:
        return 0.0
    weight = _rarity(terms, [c.terms for c in candidates])
    total = sum(weight.values())
    return sum(weight[t] for t in terms & best.terms) / total if total > 0 else 0.0


def _support(snapshot: Snapshot, retrieval: Retrieval, present: set[str]) -> tuple[float, float, bool]:
    """IDF shares of the question's syllables and two-syllable words among `present`, the best passage's tokens.

    A term the articles never use counts against the question with the
    highest IDF: it names something the articles do not talk about.
    """
    vocab = snapshot.lexical.bm25.vocab_dict
    idf = snapshot.lexical.idf
    unknown = snapshot.lexical.max_idf
    shares = []
    terms = [t for t in query_tokens(retrieval.question) if not t.startswith(ACCENT_PREFIX)]
    for bigrams in (False, True):
        found = total = 0.0
        for term in terms:
            if ("_" in term) == bigrams:
                weight = float(idf[vocab[term]]) if term in vocab else unknown
                total += weight
                found += weight if term in present else 0.0
        for term in retrieval.expansion_tokens:
            if ("_" in term) == bigrams and term in present:
                found += EXPANSION_WEIGHT * float(idf[vocab[term]])
        shares.append(min(1.0, found / total) if total else 0.0)
    return shares[0], shares[1], any("_" in t for t in terms)


def _english_articles(snapshot: Snapshot) -> bool:
    """True when "the" occurs in at least a fifth of the chunks: the articles are in English."""
    # The accented token: folded "the" is also Vietnamese "thế" (as in "có thể").
    tid = snapshot.lexical.bm25.vocab_dict.get(ACCENT_PREFIX + "the")
    if tid is None:
        return False
    n = snapshot.lexical.size
    df = 0.2 * n  # IDF falls as document frequency rises: compare with the IDF of that frequency
    return float(snapshot.lexical.idf[tid]) <= math.log(1.0 + (n - df + 0.5) / (df + 0.5))


def _concept_share(retrieval: Retrieval, present: set[str]) -> float:
    """Unweighted share of the question's content syllables met in the passage, directly or by synonym."""
    content = content_syllables(retrieval.question)
    if not content:
        return 0.0
    met = {s for s in content if s in present}
    for expansion in retrieval.expansions:
        if any(t in present for t in expansion.tokens):
            met.update(expansion.matched)
    return sum(s in met for s in content) / len(content)


@functools.lru_cache(maxsize=8192)
def _tokens(text: str) -> tuple[str, ...]:
    # Popular passages come back question after question; tokenising their
    # sentences is most of the answer's cost after the embedding.
    return tuple(document_tokens(text))


def rank_sentences(
    snapshot: Snapshot, retrieval: Retrieval, sentences: SentenceVectors | None, *, kind: str | None
) -> tuple[Retrieval, list[_Candidate]]:
    """The best passages reranked by their best sentence, and every sentence of them scored by the sentence model.

    `kind` is what the question asks for (question.answer_kind). The returned
    retrieval is `retrieval` with its QUOTE_POOL best hits reordered (see _rerank).
    """
    spans = _pool_sentences(snapshot, retrieval, sentences, wants_credit=kind == "author")
    retrieval = _rerank(retrieval, spans)
    return retrieval, _candidates(
        snapshot, retrieval, spans, kind=kind, group=question_group(snapshot, retrieval.question)
    )


def _pool_sentences(
    snapshot: Snapshot, retrieval: Retrieval, sentences: SentenceVectors | None, *, wants_credit: bool
) -> list[_Span]:
    """Each quotable sentence of the best passages, with its similarity to the question."""
    spans = []
    for hit in retrieval.hits[:QUOTE_POOL]:
        article = snapshot.article(hit.chunk.article_id)
        for start, end in hit.chunk.sentences:
            text = article.text[start:end]
            if is_furniture(text) and not wants_credit:
                continue
            spans.append((hit, start, end, text))
    if not spans:
        return []
    # Without a sentence's vector (an index built before they were stored, an
    # unreadable table) its passage's similarity stands in for its own.
    cosines = np.array([s[0].dense for s in spans], dtype=np.float32)
    vectors = sentences.lookup([s[3] for s in spans]) if sentences is not None else None
    if vectors is not None and retrieval.query_vector is not None:
        known = vectors.any(axis=1)
        cosines[known] = vectors[known] @ retrieval.query_vector
    return [_Span(hit.chunk_id, start, end, text, float(c)) for (hit, start, end, text), c in zip(spans, cosines)]


def _rerank(retrieval: Retrieval, spans: list[_Span]) -> Retrieval:
    """The QUOTE_POOL best hits reordered by their fused score plus a bonus for their best sentence's similarity.

    A passage's embedding averages its sentences; the one sentence that says
    what the question asks shows more clearly on its own. The bonus is the best
    sentence cosine min-max scaled over the pool, weighted by RERANK_WEIGHT times
    the square of the fusion's dense weight: the model's vote at sentence
    level counts as far as it is trusted at passage level, and much less where
    it reads the question poorly (Vietnamese without diacritics).
    """
    pool = retrieval.hits[:QUOTE_POOL]
    if len(pool) < 2 or not spans:
        return retrieval
    best = {h.chunk_id: h.dense for h in pool}
    seen: set[int] = set()
    for span in spans:
        if span.chunk_id not in seen or span.cosine > best[span.chunk_id]:
            best[span.chunk_id] = span.cosine
            seen.add(span.chunk_id)
    values = np.array([best[h.chunk_id] for h in pool], dtype=np.float64)
    low, high = float(values.min()), float(values.max())
    scaled = (values - low) / (high - low) if high - low > 1e-9 else np.zeros_like(values)
    bonus = RERANK_WEIGHT * retrieval.dense_weight**2 * scaled
    hits = sorted(
        (dataclasses.replace(h, score=h.score + float(b)) for h, b in zip(pool, bonus)), key=lambda h: -h.score
    )
    return dataclasses.replace(retrieval, hits=(*hits, *retrieval.hits[QUOTE_POOL:]))


def _candidates(
    snapshot: Snapshot, retrieval: Retrieval, spans: list[_Span], *, kind: str | None, group: str
) -> list[_Candidate]:
    """Every sentence of `spans` (from _pool_sentences), scored by `group`'s sentence model; hits as in `retrieval`."""
    if not spans:
        return []
    weights = term_weights(snapshot, retrieval)
    total = sum(weights[t] for t in retrieval.tokens)
    asked = set(syllables(retrieval.question))
    hits = {h.chunk_id: h for h in retrieval.hits[:QUOTE_POOL]}
    best = retrieval.hits[0].score
    top_cosine = max(s.cosine for s in spans)
    term_sets = [frozenset(_tokens(span.text)) & weights.keys() for span in spans]
    own = set(retrieval.tokens)
    rarity = _rarity(own, term_sets)
    rarity_total = sum(rarity.values())
    rows = []
    for span, terms in zip(spans, term_sets):
        hit = hits[span.chunk_id]
        evidence = min(1.0, sum(weights[t] for t in terms) / total) if total else 0.0
        offered = offers(span.text, kind, asked)
        prior = max(hit.score, 0.0) / best if best > 0 else 0.0
        features = (
            prior,
            evidence,
            span.cosine,
            span.cosine - top_cosine,
            float(offered),
            float(is_furniture(span.text)),
            sum(rarity[t] for t in terms & own) / rarity_total if rarity_total > 0 else 0.0,
        )
        rows.append((hit, span.start, span.end, evidence, terms, span.cosine, offered, features))
    scores = models()[f"sentence:{group}"].logits(np.array([r[7] for r in rows], dtype=np.float64))
    return [_Candidate(*row, score=float(score)) for row, score in zip(rows, scores)]


def read_candidates(
    snapshot: Snapshot,
    question: str,
    candidates: list[_Candidate],
    reader: Reader,
    *,
    linear_weight: float = LINEAR_WEIGHT,
) -> list[_Candidate]:
    """The READ_POOL best candidates, read against `question`.

    Each gets the reader's probability, and a score of the reader's log-odds plus `linear_weight` times the
    linear model's.
    """
    pool = sorted(candidates, key=lambda c: -c.score)[:READ_POOL]
    probabilities = reader.score(question, [_reader_candidate(snapshot, c) for c in pool])
    out = []
    for c, p in zip(pool, probabilities):
        p = min(max(p, EPSILON), 1 - EPSILON)
        out.append(dataclasses.replace(c, probability=p, score=log_odds(p) + linear_weight * c.score))
    return out


def _reader_candidate(snapshot: Snapshot, c: _Candidate) -> ReaderCandidate:
    """A candidate as the reader sees it: the sentence, and the one before it in its passage (for pronouns)."""
    text = snapshot.article(c.hit.chunk.article_id).text
    before = [(a, b) for a, b in c.hit.chunk.sentences if b <= c.start]
    return ReaderCandidate(text=text[c.start : c.end], previous=text[before[-1][0] : before[-1][1]] if before else "")


def _select(candidates: list[_Candidate], probability_floor: float | None = None) -> list[_Candidate]:
    """Greedy selection: best sentence first, then different sentences nearly as good (and, for read candidates,
    with the reader's probability at least `probability_floor`)."""
    remaining = sorted(candidates, key=lambda c: -c.score)
    chosen = [remaining.pop(0)]
    floor = chosen[0].score - FURTHER_QUOTE_MARGIN
    if probability_floor is not None:
        remaining = [c for c in remaining if c.probability is not None and c.probability >= probability_floor]
    while remaining and len(chosen) < MAX_QUOTES:
        scored = [(_diversified(c, chosen), c) for c in remaining]
        value, best = max(scored, key=lambda pair: pair[0])
        if value < floor:
            break
        chosen.append(best)
        remaining.remove(best)
    return chosen


def _with_antecedents(snapshot: Snapshot, chosen: list[_Candidate]) -> list[_Candidate]:
    """Quotes that open with a pronoun ("Anh ấy", "Điều này", "He") extended back over the sentence before.

    Alone, "Anh ấy cũng là thủ quân lớn tuổi nhất" does not say who; the
    sentence before usually names him. The quote stays one verbatim stretch of
    the article; a chosen quote it now covers is dropped.
    """
    out: list[_Candidate] = []
    for c in chosen:
        article = snapshot.article(c.hit.chunk.article_id)
        if _ANAPHOR.match(article.text[c.start : c.end]):
            before = [(a, b) for a, b in c.hit.chunk.sentences if b <= c.start]
            if before and not is_furniture(article.text[before[-1][0] : before[-1][1]]):
                c = dataclasses.replace(c, start=before[-1][0])
        out.append(c)
    return [
        c
        for i, c in enumerate(out)
        if not any(
            j != i
            and o.hit.chunk_id == c.hit.chunk_id
            and o.start <= c.start
            and c.end <= o.end
            and (o.start, o.end) != (c.start, c.end)
            for j, o in enumerate(out)
        )
    ]


# Sentence openings that point back to someone or something named before.
_ANAPHOR = re.compile(
    r"(?:anh ấy|anh ta|cô ấy|cô ta|chị ấy|ông ấy|bà ấy|họ|nó|điều này|điều đó|việc này|việc đó|đây|đó|"
    r"he|she|they|it|this|these|those)\b",
    re.IGNORECASE,
)


def _diversified(candidate: _Candidate, chosen: list[_Candidate]) -> float:
    """A candidate's score, lowered when it repeats a chosen quote's paragraph or matched words."""
    value = candidate.score
    where = (candidate.hit.chunk.article_id, candidate.hit.chunk.paragraph)
    if any(where == (q.hit.chunk.article_id, q.hit.chunk.paragraph) for q in chosen):
        value -= SAME_PARAGRAPH_PENALTY
    if candidate.terms <= frozenset().union(*(q.terms for q in chosen)):
        value -= REPEAT_PENALTY  # matches nothing the chosen quotes do not
    return value


def _quote(snapshot: Snapshot, c: _Candidate) -> Quote:
    article = snapshot.article(c.hit.chunk.article_id)
    return Quote(
        text=article.text[c.start : c.end],
        article_id=article.id,
        title=article.title,
        url=article.url,
        paragraph=c.hit.chunk.paragraph,
        start=c.start,
        end=c.end,
        score=c.score,
        date=article_date(article),
    )
