"""Retrieval and answer quality on a development set, through the same path as `storybot ask`.

A dataset is either a folder holding `articles/` and `questions.jsonl` (the
XQuAD-vi layout), or a `.jsonl` file of questions about the articles folder in
use (the seed layout). A question line has `question` and either `answers`
(gold strings: a passage or quote hits when it contains one) or
`must_quote_any`; `"expect": "no_answer"` marks a question the articles do not
answer; `question_en` adds the English version.

Each question is asked as written ("vi"), with its diacritics removed
("vi-unaccented", only when it had any) and in English ("en", when given).
For a folder dataset, "holdout" questions measure "not found": the index is
rebuilt without every second article and the questions about the left-out
articles must be refused.
"""

from __future__ import annotations

import json
import statistics
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from .answer import Answer
from .config import Settings
from .embedding import Encoder, load_encoder
from .engine import Engine
from .errors import StorybotError
from .evaluate_parties import format_party_report, party_figures
from .text import fold, has_diacritics, question_language


@dataclass(frozen=True)
class EvalQuestion:
    """One question of a development set."""

    question: str
    answers: tuple[str, ...]  # a hit contains one of these; empty when none is expected
    expect_answer: bool = True
    question_en: str | None = None
    article: str | None = None


@dataclass
class Tally:
    """Counts for one group of questions."""

    questions: int = 0
    answerable: int = 0
    recall1: int = 0
    recall5: int = 0
    reciprocal_rank: float = 0.0
    answer_hit: int = 0
    answered: int = 0  # answerable questions that got an answer
    refused: int = 0  # unanswerable questions that got "not found"
    unanswerable: int = 0
    quotes: list[int] = field(default_factory=list)
    latency_ms: list[float] = field(default_factory=list)

    def add(self, q: EvalQuestion, answer: Answer) -> None:
        """Score one answer."""
        self.questions += 1
        self.latency_ms.append(answer.timings_ms.get("total", 0.0))
        if not q.expect_answer:
            self.unanswerable += 1
            self.refused += not answer.answered
            return
        self.answerable += 1
        self.answered += answer.answered
        self.quotes.append(len(answer.quotes))
        rank = next((i for i, h in enumerate(answer.passages) if _contains(h.chunk.text, q.answers)), None)
        if rank is not None:
            self.recall1 += rank == 0
            self.recall5 += rank < 5
            self.reciprocal_rank += 1.0 / (rank + 1)
        self.answer_hit += any(_contains(quote.text, q.answers) for quote in answer.quotes)

    def figures(self) -> dict[str, float | int]:
        """The tally as fractions of questions."""
        n = self.answerable or 1
        out: dict[str, float | int] = {"questions": self.questions}
        if self.answerable:
            out |= {
                "recall@1": self.recall1 / n,
                "recall@5": self.recall5 / n,
                "mrr": self.reciprocal_rank / n,
                "answer_hit": self.answer_hit / n,
                "answered": self.answered / n,
                "max_quotes": max(self.quotes, default=0),
            }
        if self.unanswerable:
            out["no_answer_accuracy"] = self.refused / self.unanswerable
        if self.latency_ms:
            out["median_ms"] = statistics.median(self.latency_ms)
        return out


def _contains(text: str, answers: tuple[str, ...]) -> bool:
    return any(a in text for a in answers)


def load_questions(path: Path) -> list[EvalQuestion]:
    """Read a questions .jsonl file; StorybotError names the bad line."""
    out = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise StorybotError(f"cannot read questions file {path}: {err}") from err
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            expect = data.get("expect") != "no_answer"
            answers = tuple(data.get("answers") or data.get("must_quote_any") or ())
            out.append(
                EvalQuestion(
                    question=data["question"],
                    answers=answers,
                    expect_answer=expect,
                    question_en=data.get("question_en"),
                    article=data.get("article"),
                )
            )
        except (ValueError, KeyError, TypeError, AttributeError) as err:
            raise StorybotError(
                f"{path}, line {number}: not a question object ({err}); expected JSON like "
                '{"question": "...", "answers": ["..."]}'
            ) from err
    return out


def variants(q: EvalQuestion) -> list[tuple[str, str]]:
    """(group, text) pairs a question is asked as."""
    out = [(question_language(q.question), q.question)]
    if has_diacritics(q.question):
        out.append(("vi-unaccented", fold(q.question)))
    if q.question_en:
        out.append(("en", q.question_en))
    return out


PARTY_GROUPS = ("attribution", "cover")
OFF_TOPIC = Path(__file__).parent / "data" / "off_topic.jsonl"
GROUP_ORDER = ("vi", "vi-unaccented", "en", "holdout-vi", "holdout-vi-unaccented", "holdout-en", "off-topic")


def evaluate(
    dataset: Path,
    settings: Settings,
    encoder: Encoder | None = None,
    *,
    holdout: bool = True,
    retrieval: str = "hybrid",
) -> dict[str, dict[str, float | int]]:
    """Run the dataset and return figures per question group.

    Besides the dataset's own questions, the bundled off-topic questions
    (weather, sport, recipes...) are asked against the full index: every one
    should be refused.
    """
    encoder = encoder or load_encoder(settings.model, settings.query_prompt, settings.passage_prompt, settings.device)
    if dataset.is_dir():
        articles_dir = dataset / "articles"
        questions = load_questions(dataset / "questions.jsonl")
    else:
        articles_dir = settings.articles_dir
        questions = load_questions(dataset)
    tallies: dict[str, Tally] = defaultdict(Tally)
    with tempfile.TemporaryDirectory(prefix="storybot-eval-") as tmp:
        engine = Engine(
            settings.with_overrides(articles_dir=articles_dir, index_dir=Path(tmp) / "all"),
            encoder,
            retrieval=retrieval,
        )
        engine.rebuild(progress=False)
        for q in questions:
            for group, text in variants(q):
                tallies[group].add(q, engine.ask(text, top_k=5))
        for q in load_questions(OFF_TOPIC):
            tallies["off-topic"].add(q, engine.ask(q.question, top_k=5))
        parties = party_figures(dataset, articles_dir, lambda text: engine.ask(text, top_k=5))
        if holdout and dataset.is_dir():
            _holdout(articles_dir, Path(tmp), questions, settings, encoder, tallies, retrieval)
    order = {g: i for i, g in enumerate(GROUP_ORDER)}
    report = {group: tallies[group].figures() for group in sorted(tallies, key=lambda g: (order.get(g, 99), g))}
    return report | parties


def format_report(report: dict[str, dict[str, float | int]]) -> str:
    """The figures as an aligned text table, one row per question group."""
    columns = [
        "questions",
        "recall@1",
        "recall@5",
        "mrr",
        "answer_hit",
        "answered",
        "max_quotes",
        "no_answer_accuracy",
        "median_ms",
    ]
    header = ["group", *columns]
    rows = [header]
    parties = {g: report[g] for g in PARTY_GROUPS if g in report}
    for group, figures in ((g, f) for g, f in report.items() if g not in PARTY_GROUPS):
        row = [group]
        for col in columns:
            value = figures.get(col)
            row.append("-" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value))
        rows.append(row)
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    table = "\n".join("  ".join(cell.rjust(w) for cell, w in zip(r, widths)) for r in rows)
    return "\n".join(filter(None, [table, format_party_report(parties)]))


def _holdout(
    articles_dir: Path,
    tmp: Path,
    questions: list[EvalQuestion],
    settings: Settings,
    encoder: Encoder,
    tallies: dict[str, Tally],
    retrieval: str,
) -> None:
    names = sorted(p.name for p in articles_dir.iterdir() if p.is_file())
    kept = set(names[::2])
    half = tmp / "half"
    half.mkdir()
    for name in kept:
        (half / name).write_bytes((articles_dir / name).read_bytes())
    engine = Engine(
        settings.with_overrides(articles_dir=half, index_dir=tmp / "half-index"), encoder, retrieval=retrieval
    )
    engine.rebuild(progress=False)
    for q in questions:
        if q.article is None or q.article in kept:
            continue
        unanswerable = EvalQuestion(question=q.question, answers=(), expect_answer=False)
        for group, text in variants(q):
            tallies[f"holdout-{group}"].add(unanswerable, engine.ask(text, top_k=5))
