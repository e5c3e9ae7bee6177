"""Retrieval and answer quality on a development set, through the same path as `storybot ask`.

A dataset is either a folder holding `articles/` and `questions.jsonl` (the
XQuAD-vi layout), or a `.jsonl` file of questions about the articles folder in
use (the seed layout). A question line has `question` and either `answers`
(gold strings: a passage or quote hits when it contains one) or
`must_quote_any`; `"expect": "no_answer"` marks a question the articles do not
answer; `question_en` adds the English version. Lines with `"expect": "review"`
(readers' 👎 exported by `storybot feedback --json`, whose right answer is not
written yet) are skipped.

Each question is asked as written ("vi"), with its diacritics removed
("vi-unaccented", only when it had any) and in English ("en", when given).
A question that carries its own `lang` ("vi", "vi-noaccent", "en", as in
news_dev) is asked only as written, in that group; `mode` "cover" questions
(several parties to quote) are tallied apart from single-answer ones.

Two constructed groups measure "not found" on questions that look answerable:
"holdout" rebuilds the index without every second article (folder datasets)
and asks about the left-out ones; "ablated" deletes from a copy of the article
the sentence that holds a question's gold answer, indexes that copy beside
the other articles, and asks again. Both must be refused.
"""

from __future__ import annotations

import json
import statistics
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from answer.engine import Engine
from answer.question import question_language
from answer.types import Answer
from index.chunking import chunk_article
from index.config import Settings
from index.embedding import Encoder, load_encoder
from index.errors import StorybotError
from index.text import fold, has_diacritics

from .parties import format_party_report, party_figures


@dataclass(frozen=True)
class EvalQuestion:
    """One question of a development set."""

    question: str
    answers: tuple[str, ...]  # a hit contains one of these; empty when none is expected
    expect_answer: bool = True
    question_en: str | None = None
    article: str | None = None
    lang: str | None = None  # the group a question asks in, when the dataset says
    mode: str = "any"  # "any": one quote suffices; "cover": several parties; "none": unanswerable


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
            if data.get("expect") == "review":
                continue  # a reader's 👎 exported by `storybot feedback`: no gold until someone writes `answers`
            expect = data.get("expect") != "no_answer"
            answers = tuple(data.get("answers") or data.get("must_quote_any") or ())
            out.append(
                EvalQuestion(
                    question=data["question"],
                    answers=answers,
                    expect_answer=expect,
                    question_en=data.get("question_en"),
                    article=data.get("article"),
                    lang=_LANG_GROUPS.get(data.get("lang"), data.get("lang")),
                    mode=data.get("mode") or ("any" if expect else "none"),
                )
            )
        except (ValueError, KeyError, TypeError, AttributeError) as err:
            raise StorybotError(
                f"{path}, line {number}: not a question object ({err}); expected JSON like "
                '{"question": "...", "answers": ["..."]}'
            ) from err
    return out


_LANG_GROUPS = {"vi-noaccent": "vi-unaccented"}


def load_dataset(dataset: Path, articles_dir: Path) -> tuple[Path, list[EvalQuestion]]:
    """(articles folder, questions) of a dataset: a folder with articles/ and questions.jsonl, or a
    .jsonl file of questions about `articles_dir`."""
    if dataset.is_dir():
        return dataset / "articles", load_questions(dataset / "questions.jsonl")
    return articles_dir, load_questions(dataset)


def variants(q: EvalQuestion) -> list[tuple[str, str]]:
    """(group, text) pairs a question is asked as."""
    if q.lang:
        return [(f"cover-{q.lang}" if q.mode == "cover" else q.lang, q.question)]
    out = [(question_language(q.question), q.question)]
    if has_diacritics(q.question):
        out.append(("vi-unaccented", fold(q.question)))
    if q.question_en:
        out.append(("en", q.question_en))
    return out


PARTY_GROUPS = ("attribution", "party-coverage", "party-answers")
OFF_TOPIC = Path(__file__).parent / "data" / "off_topic.jsonl"
GROUP_ORDER = (
    "vi",
    "vi-unaccented",
    "en",
    "cover-vi",
    "cover-vi-unaccented",
    "cover-en",
    "ablated-vi",
    "ablated-vi-unaccented",
    "ablated-en",
    "holdout-vi",
    "holdout-vi-unaccented",
    "holdout-en",
    "off-topic",
)
ABLATIONS = 120  # answer sentences deleted, one index update each, spread evenly over the questions


def evaluate(
    dataset: Path,
    settings: Settings,
    encoder: Encoder | None = None,
    *,
    holdout: bool = True,
    ablations: int = ABLATIONS,
    retrieval: str = "hybrid",
) -> dict[str, dict[str, float | int]]:
    """Run the dataset and return figures per question group.

    Besides the dataset's own questions, the bundled off-topic questions
    (weather, sport, recipes...) are asked against the full index: every one
    should be refused.
    """
    encoder = encoder or load_encoder(settings.model, settings.query_prompt, settings.passage_prompt, settings.device)
    articles_dir, questions = load_dataset(dataset, settings.articles_dir)
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
        unanswerable = EvalQuestion(question="", answers=(), expect_answer=False)
        if ablations:
            for group, _, answer in ablated_answers(
                articles_dir, Path(tmp), questions, settings, encoder, retrieval, ablations
            ):
                tallies[group].add(unanswerable, answer)
        if holdout and dataset.is_dir():
            for group, _, answer in holdout_answers(articles_dir, Path(tmp), questions, settings, encoder, retrieval):
                tallies[group].add(unanswerable, answer)
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


def answer_sentences(engine: Engine, q: EvalQuestion) -> list[str] | None:
    """The sentences of `q`'s article that hold a gold answer, or None when deleting them cannot make it unanswerable.

    None when the question has no article or gold, when no sentence holds the
    gold whole, or when another article holds it too.
    """
    if not q.expect_answer or not q.article or not q.answers:
        return None
    snapshot = engine.snapshot
    found: list[str] = []
    for info in snapshot.articles():
        article = snapshot.article(info.id)
        holds = any(a in article.text for a in q.answers)
        if info.id != q.article:
            if holds:
                return None
            continue
        for chunk in chunk_article(article):
            for start, end in chunk.sentences:
                sentence = article.text[start:end]
                if any(a in sentence for a in q.answers):
                    found.append(sentence)
        remaining = article.text
        for sentence in found:
            remaining = remaining.replace(sentence, "")
        if any(a in remaining for a in q.answers):
            return None  # the gold spans a sentence boundary or sits in the title
    return found or None


def _engine_over(
    articles_dir: Path, names: list[str], folder: Path, settings: Settings, encoder: Encoder, retrieval: str
) -> Engine:
    """An engine over copies of the articles `names` in `folder` (its index beside it), built."""
    folder.mkdir()
    for name in names:
        (folder / name).write_bytes((articles_dir / name).read_bytes())
    index_dir = folder.with_name(f"{folder.name}-index")
    engine = Engine(settings.with_overrides(articles_dir=folder, index_dir=index_dir), encoder, retrieval=retrieval)
    engine.rebuild(progress=False)
    return engine


def ablated_answers(
    articles_dir: Path,
    tmp: Path,
    questions: list[EvalQuestion],
    settings: Settings,
    encoder: Encoder,
    retrieval: str = "hybrid",
    limit: int = ABLATIONS,
) -> Iterator[tuple[str, EvalQuestion, Answer]]:
    """(group, question, answer) for questions asked again with their answer sentences deleted.

    The chosen questions are spread evenly over those whose gold answer sits in
    whole sentences of one article only; each deletion is one incremental index
    update of a copy of the articles folder in `tmp`.
    """
    names = [p.name for p in articles_dir.iterdir() if p.is_file()]
    copy = tmp / "ablated"
    engine = _engine_over(articles_dir, names, copy, settings, encoder, retrieval)
    plans = [(q, s) for q in questions if (s := answer_sentences(engine, q))]
    step = max(1, len(plans) // limit) if limit else 1
    for q, sentences in plans[::step][:limit]:
        path = copy / q.article
        original = path.read_text(encoding="utf-8")
        ablated = original
        for sentence in sentences:
            ablated = ablated.replace(sentence, "", 1)
        path.write_text(ablated, encoding="utf-8")
        engine.rebuild(progress=False)
        yield from _asked_again("ablated", engine, q)
        path.write_text(original, encoding="utf-8")


def holdout_answers(
    articles_dir: Path,
    tmp: Path,
    questions: list[EvalQuestion],
    settings: Settings,
    encoder: Encoder,
    retrieval: str = "hybrid",
) -> Iterator[tuple[str, EvalQuestion, Answer]]:
    """(group, question, answer) for questions about articles left out of a half-size index."""
    names = sorted(p.name for p in articles_dir.iterdir() if p.is_file())
    kept = set(names[::2])
    engine = _engine_over(articles_dir, sorted(kept), tmp / "half", settings, encoder, retrieval)
    for q in questions:
        if q.article is not None and q.article not in kept and q.expect_answer:
            yield from _asked_again("holdout", engine, q)


def _asked_again(prefix: str, engine: Engine, q: EvalQuestion) -> Iterator[tuple[str, EvalQuestion, Answer]]:
    """`q` asked in each of its single-answer variants, as (group with `prefix`, question, answer)."""
    for group, text in variants(q):
        if not group.startswith("cover"):
            yield f"{prefix}-{group}", q, engine.ask(text, top_k=5)
