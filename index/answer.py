"""Answer composition: which sentences to quote, or an honest "not found".

Quotes are whole sentences taken verbatim from the best passages. Each
sentence is scored by the passage's fused score times its own lexical
evidence (the IDF-weighted share of the question's terms it contains), so the
sentence that answers wins over its neighbours. Further quotes must be nearly
as good and are discounted when they repeat a paragraph or the words of a
quote already chosen, which is what spreads a "who accused whom?" answer over
the different parties.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .search import EXPANSION_WEIGHT, Hit, Retrieval
from .store import Snapshot
from .text import (
    ACCENT_PREFIX,
    answer_kind,
    content_syllables,
    document_tokens,
    offers,
    query_tokens,
    question_language,
    syllables,
)

if TYPE_CHECKING:
    from .parties import Party

MAX_QUOTES = 3
QUOTE_POOL = 5  # passages whose sentences compete for quotes
EVIDENCE_FLOOR = 0.5  # share of a sentence's score that comes from its passage alone
KIND_BONUS = 1.15  # the sentence holds a number/name a how-many/who question asks for
FURTHER_QUOTE_RATIO = 0.5  # a further quote scores at least this share of the best one
SAME_PARAGRAPH_PENALTY = 0.8
REPEAT_PENALTY = 0.8
# "Not found" thresholds, calibrated on the dev sets (README, quality table).
MIN_SUPPORT = 0.32
MIN_FOREIGN_SUPPORT = 0.55

FRAMES = {
    "vi": {
        "header": "Theo các bài báo:",
        "not_found": "Không tìm thấy câu trả lời trong các bài báo hiện có.",
        "paragraph": "đoạn",
    },
    "en": {
        "header": "From the articles:",
        "not_found": "Not found in the articles.",
        "paragraph": "paragraph",
    },
}


@dataclass(frozen=True)
class Quote:
    """A verbatim sentence from an article: `text == article.text[start:end]`."""

    text: str
    article_id: str
    title: str
    url: str | None
    paragraph: int
    start: int
    end: int
    score: float


@dataclass(frozen=True)
class Answer:
    """What storybot says to a question."""

    question: str
    answered: bool
    quotes: tuple[Quote, ...]
    passages: tuple[Hit, ...]
    language: str  # "vi" or "en": the language of the framing text
    confidence: float
    notices: tuple[str, ...] = ()
    timings_ms: dict[str, float] = field(default_factory=dict)
    parties: tuple[Party, ...] = ()  # a who-question's answer, party by party (index.parties)

    @property
    def text(self) -> str:
        """The answer as plain text: quotes with their sources, or "not found"."""
        frame = FRAMES[self.language]
        if not self.answered:
            return frame["not_found"]
        if self.parties:
            from .parties import parties_text  # parties builds on this module

            return parties_text(self.parties, self.language)
        parts = [frame["header"]]
        for quote in self.quotes:
            source = f"— {quote.title}, {frame['paragraph']} {quote.paragraph}"
            if quote.url:
                source += f" ({quote.url})"
            parts.append(f"“{quote.text}”\n{source}")
        return "\n\n".join(parts)

    def to_json(self) -> dict[str, object]:
        """The answer as a JSON-ready dict (what `storybot ask --json` prints)."""
        return {
            "question": self.question,
            "answered": self.answered,
            "answer": self.text,
            "language": self.language,
            "confidence": round(self.confidence, 4),
            "notices": list(self.notices),
            "quotes": [
                {
                    "text": q.text,
                    "article": q.article_id,
                    "title": q.title,
                    "url": q.url,
                    "paragraph": q.paragraph,
                    "start": q.start,
                    "end": q.end,
                }
                for q in self.quotes
            ],
            "parties": [p.to_json() for p in self.parties],
            "passages": [
                {
                    "article": h.chunk.article_id,
                    "title": h.title,
                    "url": h.url,
                    "paragraph": h.chunk.paragraph,
                    "text": h.chunk.text,
                    "score": round(h.score, 4),
                }
                for h in self.passages
            ],
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
        }


@dataclass(frozen=True)
class _Candidate:
    hit: Hit
    start: int
    end: int
    evidence: float  # IDF share of the question's known terms in the sentence
    terms: frozenset[str]
    score: float


@dataclass(frozen=True)
class Support:
    """How well the best passage covers the question's words (0..1 each)."""

    syllables: float  # IDF share of the question's content syllables found
    words: float  # IDF share of its two-syllable sequences (Vietnamese words) found
    has_words: bool  # the question has two-syllable sequences at all
    concepts: float  # share of content syllables found as such or through a glossary synonym
    foreign: bool  # an English question over articles that are not in English

    @property
    def value(self) -> float:
        """The single support figure: syllables and words weighted equally (concepts for a foreign question)."""
        if self.foreign:
            return self.concepts
        return (self.syllables + self.words) / 2 if self.has_words else self.syllables

    def answers(self) -> bool:
        """The "not found" decision (see MIN_SUPPORT)."""
        if self.foreign:
            return self.concepts >= MIN_FOREIGN_SUPPORT
        return self.value >= MIN_SUPPORT and (self.words > 0 or not self.has_words)


def compose_answer(snapshot: Snapshot, retrieval: Retrieval, *, top_k: int, notices: tuple[str, ...] = ()) -> Answer:
    """Choose the quotes that answer the question, or decide it is not answered."""
    language = question_language(retrieval.question)
    weights = term_weights(snapshot, retrieval)
    support = measure_support(snapshot, retrieval, language=language) if retrieval.hits else None
    answered = support is not None and support.answers()
    quotes = _select(_candidates(snapshot, retrieval, weights)) if answered else []
    return Answer(
        question=retrieval.question,
        answered=answered,
        quotes=tuple(_quote(snapshot, c) for c in quotes),
        passages=retrieval.hits[:top_k],
        language=language,
        confidence=support.value if support else 0.0,
        notices=notices,
        timings_ms=dict(retrieval.timings_ms),
    )


def term_weights(snapshot: Snapshot, retrieval: Retrieval) -> dict[str, float]:
    """IDF weight of each query term; glossary expansions count at EXPANSION_WEIGHT."""
    vocab = snapshot.lexical.bm25.vocab_dict
    idf = snapshot.lexical.idf
    weights = {t: EXPANSION_WEIGHT * float(idf[vocab[t]]) for t in retrieval.expansion_tokens}
    weights |= {t: float(idf[vocab[t]]) for t in retrieval.tokens}
    return weights


def measure_support(snapshot: Snapshot, retrieval: Retrieval, *, language: str) -> Support:
    """Support of the best passage for the question (`language` as text.question_language gives it).

    Terms are weighted by IDF; a term the articles never use counts against
    the question with the highest IDF: it names something the articles do
    not talk about. (An English question over Vietnamese articles, whose
    words are unknown because of the language, is judged by `concepts`.)
    """
    vocab = snapshot.lexical.bm25.vocab_dict
    idf = snapshot.lexical.idf
    unknown = float(idf.max()) if len(idf) else 0.0
    present = set(_tokens(retrieval.hits[0].chunk.search_text))
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
    return Support(
        syllables=shares[0],
        words=shares[1],
        has_words=any("_" in t for t in terms),
        concepts=_concept_share(retrieval, present),
        foreign=language == "en" and not _english_articles(snapshot),
    )


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
    """Unweighted share of the question's content syllables met in the passage, directly or by synonym.

    This is what judges a question in another language than the articles: its
    words rarely occur, so IDF weights say little; what counts is whether each
    thing it asks about (a name, or a glossary word like "hack") is there.
    """
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
    # sentences is most of the answer's cost after the embedding (1.7 -> 1.2 ms
    # per question at 1,000 chunks, BENCHMARKS.md).
    return tuple(document_tokens(text))


def _candidates(snapshot: Snapshot, retrieval: Retrieval, weights: dict[str, float]) -> list[_Candidate]:
    total = sum(weights[t] for t in retrieval.tokens)
    kind = answer_kind(retrieval.question)
    asked = set(syllables(retrieval.question))
    out = []
    best = retrieval.hits[0].score if retrieval.hits else 1.0
    for hit in retrieval.hits[:QUOTE_POOL]:
        article = snapshot.article(hit.chunk.article_id)
        prior = max(hit.score, 0.0) / best if best > 0 else 0.0
        for start, end in hit.chunk.sentences:
            text = article.text[start:end]
            terms = frozenset(_tokens(text)) & weights.keys()
            evidence = min(1.0, sum(weights[t] for t in terms) / total) if total else 0.0
            score = prior * (EVIDENCE_FLOOR + (1 - EVIDENCE_FLOOR) * evidence)
            if offers(text, kind, asked):
                score *= KIND_BONUS
            out.append(_Candidate(hit, start, end, evidence, terms, score))
    return out


def _select(candidates: list[_Candidate]) -> list[_Candidate]:
    """Greedy selection: best sentence first, then different sentences nearly as good."""
    remaining = sorted(candidates, key=lambda c: -c.score)
    chosen = [remaining.pop(0)]
    floor = chosen[0].score * FURTHER_QUOTE_RATIO
    while remaining and len(chosen) < MAX_QUOTES:
        scored = [(_diversified(c, chosen), c) for c in remaining]
        value, best = max(scored, key=lambda pair: pair[0])
        if value < floor:
            break
        chosen.append(best)
        remaining.remove(best)
    return chosen


def _diversified(candidate: _Candidate, chosen: list[_Candidate]) -> float:
    """A candidate's score, discounted when it repeats a chosen quote's paragraph or matched words."""
    value = candidate.score
    where = (candidate.hit.chunk.article_id, candidate.hit.chunk.paragraph)
    if any(where == (q.hit.chunk.article_id, q.hit.chunk.paragraph) for q in chosen):
        value *= SAME_PARAGRAPH_PENALTY
    if candidate.terms <= frozenset().union(*(q.terms for q in chosen)):
        value *= REPEAT_PENALTY  # matches nothing the chosen quotes do not
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
    )
