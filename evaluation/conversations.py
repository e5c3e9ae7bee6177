"""Two-turn conversations: is a follow-up question answered as well as the question it stands for?

A conversation line holds `turns` (the first question, then an elliptic
follow-up such as "còn mỗi tháng thì sao?"), `completed` (the follow-up
written out in full by hand) and `answers` (gold strings: the follow-up's
answer hits when a quote contains one). The first turn is asked, its answer
becomes the conversation's context (answer.followup.context_of), then the
follow-up is asked in that context ("followup"), on its own ("alone") and
written out in full without context ("completed"). The target: "followup"
at least 0.80 and no more than 0.05 below "completed".
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

from answer.engine import Engine
from answer.followup import complete, context_of
from answer.types import Answer
from index.config import Settings
from index.embedding import Encoder, load_encoder
from index.errors import StorybotError


@dataclass(frozen=True)
class Conversation:
    """One two-turn conversation of a test set."""

    first: str
    follow_up: str
    completed: str
    answers: tuple[str, ...]
    article: str | None = None


def load_conversations(path: Path) -> list[Conversation]:
    """Read a conversations .jsonl file; StorybotError names the bad line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise StorybotError(f"cannot read conversations file {path}: {err}") from err
    out = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            first, follow_up = data["turns"]
            out.append(Conversation(first, follow_up, data["completed"], tuple(data["answers"]), data.get("article")))
        except (ValueError, KeyError, TypeError) as err:
            raise StorybotError(
                f"{path}, line {number}: not a conversation ({err}); expected JSON like "
                '{"turns": ["...", "..."], "completed": "...", "answers": ["..."]}'
            ) from err
    return out


def is_conversation_file(path: Path) -> bool:
    """True when `path` is a .jsonl file whose first line is a conversation (has "turns")."""
    if not path.is_file():
        return False
    with path.open(encoding="utf-8", errors="replace") as handle:
        for line in handle:
            if line.strip():
                try:
                    return isinstance(json.loads(line), dict) and "turns" in json.loads(line)
                except ValueError:
                    return False
    return False


def hit(answer: Answer, answers: tuple[str, ...]) -> bool:
    """True when a quote of `answer` (or of its parties) holds one of the gold strings."""
    quotes = [*answer.quotes, *(q for p in answer.parties for q in p.quotes)]
    return any(a in q.text for q in quotes for a in answers)


def evaluate_conversations(
    path: Path, settings: Settings, encoder: Encoder | None = None, *, details: list[dict] | None = None
) -> dict[str, dict[str, float | int]]:
    """Answer hit of the follow-ups in context, alone and written out, over the articles in `settings`."""
    conversations = load_conversations(path)
    encoder = encoder or load_encoder(settings.model, settings.query_prompt, settings.passage_prompt, settings.device)
    counts = {"followup": 0, "alone": 0, "completed": 0, "first": 0}
    elliptic = 0
    with tempfile.TemporaryDirectory(prefix="storybot-talk-") as tmp:
        engine = Engine(settings.with_overrides(index_dir=Path(tmp) / "index"), encoder)
        engine.rebuild(progress=False)
        for c in conversations:
            first = engine.ask(c.first, top_k=5)
            context = context_of(first)
            results = {
                "followup": engine.ask(c.follow_up, top_k=5, context=context),
                "alone": engine.ask(c.follow_up, top_k=5),
                "completed": engine.ask(c.completed, top_k=5),
            }
            counts["first"] += first.answered
            elliptic += complete(c.follow_up, context.question).elliptic
            for name, answer in results.items():
                counts[name] += hit(answer, c.answers)
            if details is not None:
                details.append(
                    {
                        "turns": [c.first, c.follow_up],
                        "read_as": results["followup"].question,
                        **{name: hit(answer, c.answers) for name, answer in results.items()},
                    }
                )
    n = len(conversations) or 1
    report: dict[str, dict[str, float | int]] = {
        "conversations": {"count": len(conversations), "first_answered": counts["first"] / n, "elliptic": elliptic / n}
    }
    for name in ("followup", "alone", "completed"):
        report[name] = {"answer_hit": counts[name] / n}
    return report


def format_conversation_report(report: dict[str, dict[str, float | int]]) -> str:
    """The figures as a few aligned lines."""
    head = report["conversations"]
    lines = [
        f"{head['count']} conversations; first turn answered {head['first_answered']:.3f}; "
        f"follow-ups read as elliptic {head['elliptic']:.3f}",
        "answer hit of the second turn:",
    ]
    labels = {
        "followup": "in context (follow-up)",
        "alone": "on its own, no context",
        "completed": "written out in full",
    }
    for name, label in labels.items():
        lines.append(f"  {label:<26} {report[name]['answer_hit']:.3f}")
    return "\n".join(lines)
