"""Measures of the party-organised answers: attribution P/R/F1 and party coverage.

Attribution (`score_attributions`): a predicted statement matches a gold one
when it comes from the same article and sentence (the spans overlap), its act
is the same, and its speaker overlaps the gold speaker (they share at least
half of the shorter one's syllables, case-insensitively: "ông Tân" matches
"HLV Võ Đình Tân"). Matching is one-to-one.

Party coverage (`cover_coverage`): for "cover" questions (one gold phrase
per party), the share of gold phrases found in the answer's quotes, as
news_dev's score.py counts it (a party also counts when one of its
`gold_alt` phrasings is quoted).
"""

from __future__ import annotations

import json
import statistics
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from answer.entities import name_runs, same_entity
from answer.types import Answer
from index.articles import Article, SkippedFile, load_article
from index.attribution import extract_statements
from index.errors import StorybotError

# Honorifics and function words do not identify a speaker on their own.
_GENERIC_SYLLABLES = frozenset("ông bà cô anh chị của tại các những một và này đó phía bên đại diện người".split())


@dataclass(frozen=True)
class GoldStatement:
    """One labelled attribution (the fields of attributions.jsonl that are scored)."""

    article: str
    speaker: str
    act: str
    target: str | None
    sentence: str


@dataclass(frozen=True)
class AttributionScore:
    """Speaker+act precision, recall and F1, with per-act recall."""

    gold: int
    predicted: int
    matched: int
    speaker_matched: int  # gold statements whose sentence has a predicted statement with the right speaker
    by_act: dict[str, tuple[int, int]]  # act -> (matched gold, gold)

    @property
    def precision(self) -> float:
        """Matched predictions over predictions."""
        return self.matched / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        """Matched gold statements over gold statements."""
        return self.matched / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def figures(self) -> dict[str, float | int]:
        """The figures `storybot eval` prints."""
        return {
            "gold": self.gold,
            "predicted": self.predicted,
            "precision": round(self.precision, 3),
            "recall": round(self.recall, 3),
            "f1": round(self.f1, 3),
            "speaker_recall": round(self.speaker_matched / self.gold, 3) if self.gold else 0.0,
        }


def load_gold(path: Path) -> list[GoldStatement]:
    """Labelled statements from a jsonl file; StorybotError naming the line when one is malformed."""
    out = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as err:
        raise StorybotError(f"cannot read attribution labels {path}: {err.strerror}") from err
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            out.append(
                GoldStatement(
                    article=row["article"],
                    speaker=_nfc(row["speaker"]),
                    act=row["act"],
                    target=_nfc(row["target"]) if row.get("target") else None,
                    sentence=_nfc(row["sentence"]),
                )
            )
        except (ValueError, KeyError, TypeError) as err:
            raise StorybotError(
                f"{path}, line {number}: not an attribution record ({err}); each line needs "
                '"article", "speaker", "act" and "sentence"'
            ) from None
    return out


def score_attributions(gold: list[GoldStatement], articles_dir: Path) -> AttributionScore:
    """Extract statements from every labelled article in `articles_dir` and score them against `gold`."""
    by_article: dict[str, list[GoldStatement]] = {}
    for g in gold:
        by_article.setdefault(g.article, []).append(g)
    predicted = matched = speaker_matched = 0
    hits: Counter[str] = Counter()
    totals: Counter[str] = Counter(g.act for g in gold)
    for name, golds in by_article.items():
        article = load_article(articles_dir, articles_dir / name)
        if isinstance(article, SkippedFile):
            raise StorybotError(f"labelled article {name} is not usable: {article.reason}")
        statements = extract_statements(article)
        predicted += len(statements)
        used: set[int] = set()
        for g in golds:
            span = _locate(article, g.sentence)
            candidates = [
                (k, s) for k, s in enumerate(statements) if span and _overlaps(s.sentence.start, s.sentence.end, span)
            ]
            if any(same_speaker(s.speaker.text, g.speaker) for _, s in candidates):
                speaker_matched += 1
            for k, s in candidates:
                if k not in used and s.act == g.act and same_speaker(s.speaker.text, g.speaker):
                    used.add(k)
                    matched += 1
                    hits[g.act] += 1
                    break
    return AttributionScore(
        gold=len(gold),
        predicted=predicted,
        matched=matched,
        speaker_matched=speaker_matched,
        by_act={act: (hits[act], totals[act]) for act in sorted(totals)},
    )


def same_speaker(a: str, b: str) -> bool:
    """True when two speaker spans name the same party (half the shorter one's distinctive syllables shared)."""
    sa, sb = _distinctive(a), _distinctive(b)
    if not sa or not sb:
        return a.strip().lower() == b.strip().lower()
    shared = len(sa & sb)
    return shared >= max(1, min(len(sa), len(sb)) / 2)


def _distinctive(text: str) -> set[str]:
    words = {w.strip(',.()–-"“”').lower() for w in text.split()}
    return {w for w in words if w and w not in _GENERIC_SYLLABLES}


def _locate(article: Article, sentence: str) -> tuple[int, int] | None:
    at = article.text.find(sentence)
    return (at, at + len(sentence)) if at >= 0 else None


def _overlaps(a: int, b: int, span: tuple[int, int]) -> bool:
    return a < span[1] and span[0] < b


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


@dataclass(frozen=True)
class CoverQuestion:
    """A multi-party question and one gold phrase (with other phrasings) per party."""

    question: str
    gold: tuple[str, ...]
    gold_alt: tuple[tuple[str, ...], ...]
    articles: tuple[str, ...] = ()  # the question's articles (`article`, or `articles` when it spans several)
    story: tuple[str, ...] = ()  # its story's: these and the articles any question of the set lists with them


def load_cover_questions(path: Path) -> list[CoverQuestion]:
    """The "cover" questions of a news_dev-style questions.jsonl (`q`, `mode`, `gold`, `gold_alt`).

    A question's story is the labels' own: the articles of any question that lists several
    (`articles`) are one story, so a question about one of them is about all of them."""
    out = []
    together: dict[str, set[str]] = {}  # article -> the articles labelled as one story with it
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            articles = tuple(row.get("articles") or ([row["article"]] if row.get("article") else []))
            joined = set(articles).union(*(together.get(a, set()) for a in articles))
            for a in joined:
                together[a] = joined
            if row.get("mode") != "cover":
                continue
            gold = tuple(_nfc(g) for g in row["gold"])
            alt = row.get("gold_alt") or [[] for _ in gold]
            out.append(CoverQuestion(row["q"], gold, tuple(tuple(_nfc(a) for a in al) for al in alt), articles))
        except (ValueError, KeyError, TypeError) as err:
            raise StorybotError(
                f'{path}, line {number}: not a question record ({err}); needs "q", "mode", "gold"'
            ) from None
    return [
        replace(q, story=tuple(sorted(set(q.articles).union(*(together.get(a, set()) for a in q.articles)))))
        for q in out
    ]


def cover_coverage(questions: list[CoverQuestion], ask: Callable[[str], Answer]) -> dict[str, float | int]:
    """Share of gold parties quoted, strict and with alternative phrasings, averaged over questions."""
    strict = alt = 0.0
    for q in questions:
        texts = [_nfc(quote.text) for quote in ask(q.question).quotes]
        strict += sum(any(g in t for t in texts) for g in q.gold) / len(q.gold)
        alts = q.gold_alt if len(q.gold_alt) == len(q.gold) else tuple(() for _ in q.gold)
        alt += sum(any(x in t for x in (g, *a) for t in texts) for g, a in zip(q.gold, alts)) / len(q.gold)
    n = len(questions)
    return {
        "questions": n,
        "cover": round(strict / n, 3) if n else 0.0,
        "cover_alt": round(alt / n, 3) if n else 0.0,
    }


_ACCUSING = frozenset({"accuse", "sue", "charge", "demand", "threaten", "criticize"})
_RESPONDING = frozenset({"deny", "reject", "respond"})


def party_answer_figures(
    questions: list[CoverQuestion],
    answers: list[Answer],
    gold: list[GoldStatement],
    telegram_length: Callable[[Answer], int] | None = None,
) -> dict[str, float | int]:
    """How far a reader can trust the party answers of the cover questions.

    - name precision: share of listed parties, in answers about a labelled article, whose name is a
      labelled speaker's or names the same entity (a proper name in common, or one span inside the other);
    - duplicates: share of listed parties that are a second entry for an entity listed before them
      (the same name without titles, or a titled short form of it);
    - off-story quotes: quotes from an article outside the question's story (`CoverQuestion.story`); and,
      stricter, off-article quotes: from an article other than the question's own (`article`/`articles`);
    - accusers first: share of answers where no party labelled only as accusing (accuse, sue, charge,
      demand, threaten, criticise) comes after one labelled as responding (deny, reject, respond);
    - median Telegram length of the answers (characters), when `telegram_length` is given.
    """
    by_article: dict[str, list[GoldStatement]] = {}
    for g in gold:
        by_article.setdefault(g.article, []).append(g)
    listed = precise = duplicates = off_story = off_article = quotes = ordered = judged = 0
    lengths = []
    for q, answer in zip(questions, answers):
        own, story = set(q.articles), set(q.story) | set(q.articles)
        quotes += len(answer.quotes)
        off_story += sum(bool(story) and quote.article_id not in story for quote in answer.quotes)
        off_article += sum(bool(own) and quote.article_id not in own for quote in answer.quotes)
        if telegram_length is not None and answer.parties:
            lengths.append(telegram_length(answer))
        labelled = [g for a in q.articles for g in by_article.get(a, [])]
        names = [p.speaker for p in answer.parties]
        for k, name in enumerate(names):
            duplicates += any(same_entity(name, earlier) for earlier in names[:k])
        if not labelled or not answer.parties:
            continue
        judged += 1
        roles = []
        for name in names:
            listed += 1
            acts = {g.act for g in labelled if _same_entity(name, g.speaker)}
            precise += bool(acts)
            roles.append("accuser" if acts and acts <= _ACCUSING else "responder" if acts & _RESPONDING else "")
        first_response = next((k for k, r in enumerate(roles) if r == "responder"), len(roles))
        ordered += "accuser" not in roles[first_response:]
    total = sum(len(a.parties) for a in answers)
    out: dict[str, float | int] = {
        "parties_listed": total,
        "name_precision": round(precise / listed, 3) if listed else 0.0,
        "duplicates": round(duplicates / total, 3) if total else 0.0,
        "off_story_quotes": off_story,
        "off_article_quotes": off_article,
        "quotes": quotes,
        "accusers_first": round(ordered / judged, 3) if judged else 0.0,
    }
    if lengths:
        out["median_telegram_chars"] = int(statistics.median(lengths))
    return out


def _same_entity(a: str, b: str) -> bool:
    """True when a listed name and a labelled one name one entity: one inside the other, a proper name
    of several syllables in common, or the same core name (`index.entities.same_entity`)."""
    la, lb = " ".join(a.lower().split()), " ".join(b.lower().split())
    if la == lb or (len(la) > 3 and la in lb) or (len(lb) > 3 and lb in la) or same_entity(a, b):
        return True
    return any(" " in r for r in name_runs(a) & name_runs(b))


def party_figures(
    dataset: Path,
    articles_dir: Path,
    ask: Callable[[str], Answer],
    telegram_length: Callable[[Answer], int] | None = None,
) -> dict[str, dict[str, float | int]]:
    """Attribution P/R/F1 and cover coverage when the dataset's folder holds the files they need.

    `attributions.jsonl` (labelled statements) and `questions.jsonl` (news_dev
    questions; the "cover" ones are asked through `ask`) are looked for beside
    the dataset file, or inside the dataset folder.
    """
    folder_ = dataset if dataset.is_dir() else dataset.parent
    out: dict[str, dict[str, float | int]] = {}
    labels = folder_ / "attributions.jsonl"
    if labels.is_file():
        out["attribution"] = score_attributions(load_gold(labels), articles_dir).figures()
    questions = folder_ / "questions.jsonl"
    if questions.is_file():
        cover = load_cover_questions(questions)
        if cover:
            answers = [ask(q.question) for q in cover]
            by_question = dict(zip([q.question for q in cover], answers))
            out["party-coverage"] = cover_coverage(cover, lambda text: by_question[text])
            gold = load_gold(labels) if labels.is_file() else []
            out["party-answers"] = party_answer_figures(cover, answers, gold, telegram_length)
    return out


def format_party_report(report: dict[str, dict[str, float | int]]) -> str:
    """The attribution and cover figures as text lines (empty when there are none)."""
    lines = []
    if "attribution" in report:
        a = report["attribution"]
        lines.append(
            f"attribution: {a['gold']} labelled, {a['predicted']} extracted; speaker+act precision "
            f"{a['precision']:.3f}, recall {a['recall']:.3f}, F1 {a['f1']:.3f} "
            f"(speaker recall {a['speaker_recall']:.3f})"
        )
    if "party-coverage" in report:
        c = report["party-coverage"]
        lines.append(
            f"party coverage: {c['questions']} multi-party questions; parties quoted {c['cover']:.3f} "
            f"({c['cover_alt']:.3f} counting other phrasings)"
        )
    if "party-answers" in report:
        c = report["party-answers"]
        length = c.get("median_telegram_chars")
        lines.append(
            f"party answers: {c['parties_listed']} parties listed; name precision {c['name_precision']:.3f}, "
            f"duplicates {c['duplicates']:.3f}, off-story quotes {c['off_story_quotes']} of {c['quotes']} "
            f"(from another article than the question's: {c['off_article_quotes']}), "
            f"accusers first {c['accusers_first']:.3f}"
            + (f", median Telegram answer {length} characters" if length is not None else "")
        )
    return "\n".join(lines)
