"""The data that travels from the question side to the front ends: quotes, answers, a story's parties.

Plain frozen dataclasses with no rendering in them (answer.render words them as text and JSON).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .search import Hit


@dataclass(frozen=True)
class Quote:
    """A verbatim sentence from an article (with the one before when it opens with a pronoun):
    `text == article.text[start:end]`."""

    text: str
    article_id: str
    title: str
    url: str | None
    paragraph: int
    start: int
    end: int
    score: float
    date: str | None = None  # YYYY-MM-DD: the article's date (front matter, or its dateline)


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
    evidence: Evidence | None = None  # what the decision to answer rested on
    parties: tuple[Party, ...] = ()  # a who-question's answer, party by party (answer.parties)


@dataclass(frozen=True)
class Evidence:
    """What the decision to answer rests on: the answer model's features, for the best passage and sentences."""

    passage_cosine: float  # the model's similarity of the question and the best passage
    runner_up_gap: float  # ... minus that of the second passage
    sentence_cosine: float  # the similarity of the question and the sentence chosen first
    top_sentence_cosine: float  # the highest similarity of the question and any candidate sentence
    sentence_score: float  # the sentence model's log-odds for the sentence chosen first
    support: float  # IDF share of the question's words and two-syllable words in the best passage
    concepts: float  # share of the question's content syllables found there, as such or by glossary synonym
    sentence_evidence: float  # IDF share of the question's terms in the sentence chosen first
    top_sentence_evidence: float  # the highest such share among the candidate sentences
    local_evidence: float  # share of the question's terms in that sentence, weighted by rarity among the candidates
    cosine_margin: float  # how far that sentence's similarity stands above the candidates' median
    kind_asked: bool  # the question asks for an amount, date, name or place
    kind_offered: bool  # ... and the sentence chosen first holds one the question does not
    foreign: bool  # the question is in English and the articles are not
    unaccented: bool  # Vietnamese typed without diacritics
    reader_probability: float | None = None  # the reader's highest probability among the candidates, when read
    rules_logit: float | None = None  # the answer model's log-odds over the features above

    @property
    def group(self) -> str:
        """Which models judge this question: its language and script differ in what evidence means."""
        return group_of(foreign=self.foreign, unaccented=self.unaccented)

    def features(self) -> list[float]:
        """The answer model's inputs, in ANSWER_FEATURES order."""
        return [
            self.passage_cosine,
            self.runner_up_gap,
            self.sentence_cosine,
            self.top_sentence_cosine,
            self.sentence_score,
            self.support,
            self.concepts,
            self.sentence_evidence,
            self.top_sentence_evidence,
            self.local_evidence,
            self.cosine_margin,
            float(self.kind_asked),
            float(self.kind_asked and self.kind_offered),
        ]


@dataclass(frozen=True)
class Party:
    """One party of a story: who (verbatim span), what they did, to whom, and the quotes that show it."""

    speaker: str
    act: str
    target: str | None
    quotes: tuple[Quote, ...]
    side: int  # 0 accusing/charging/demanding, 1 denying/rejecting/responding, 2 the others
    central: int = 0  # rank by how central the party is to the story and question (0: most)
    # What of the target's the act answers ("accusation": "bác bỏ cáo buộc của Mỹ"); None: the target itself.
    target_claim: str | None = None


def group_of(*, foreign: bool, unaccented: bool) -> str:
    """The question group whose models judge a question: "en", "vi-unaccented" or "vi"."""
    return "en" if foreign else "vi-unaccented" if unaccented else "vi"
