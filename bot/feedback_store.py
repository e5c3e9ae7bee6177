"""Readers' votes on answers (👍 / 👎, and why), kept in SQLite beside the index folder.

Each answer the bot sends is stored once, with its question, the quotes it
gave and the index generation it came from, under a short key that its
buttons carry (callback data is at most 64 bytes). A vote is one row per
(answer, user): voting again replaces the vote. `export` turns the votes into
lines `storybot eval` reads, so an answer reported wrong becomes a test case.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from answer.types import Answer
from index.errors import StorybotError

FEEDBACK_NAME = "feedback.sqlite3"
VOTES = ("up", "down")
REASONS = ("wrong_quote", "elsewhere")  # after 👎: the quote is wrong / the answer is elsewhere in the articles
SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    key TEXT PRIMARY KEY,
    question TEXT NOT NULL,
    answered INTEGER NOT NULL,
    quotes TEXT NOT NULL,
    generation TEXT,
    language TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS votes (
    key TEXT NOT NULL REFERENCES answers(key),
    user_id INTEGER NOT NULL,
    vote TEXT NOT NULL,
    reason TEXT,
    at REAL NOT NULL,
    PRIMARY KEY (key, user_id)
);
"""


@dataclass(frozen=True)
class Vote:
    """One reader's vote on one answer, with what the answer was."""

    key: str
    user_id: int
    vote: str  # "up" or "down"
    reason: str | None  # after "down": "wrong_quote" or "elsewhere"
    question: str
    answered: bool
    quotes: tuple[dict[str, object], ...]  # text, article_id, paragraph
    generation: str | None
    at: float


def feedback_path(index_dir: Path) -> Path:
    """Where the votes live: beside the index folder (the data directory)."""
    return index_dir.parent / FEEDBACK_NAME


class FeedbackStore:
    """The votes database at `path` (created on first use). Safe to call from several threads."""

    def __init__(self, path: Path, *, create: bool = True) -> None:
        self.path = path
        if not create and not path.is_file():
            raise StorybotError(f"no feedback yet: {path} does not exist (the bot creates it at its first answer)")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, check_same_thread=False, timeout=10.0)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(SCHEMA)
        except (OSError, sqlite3.Error) as err:
            reason = getattr(err, "strerror", None) or str(err)
            raise StorybotError(
                f"cannot open the feedback database {path} ({reason}); check its folder's rights"
            ) from None
        self._lock = threading.Lock()

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()

    def add_answer(self, answer: Answer, generation: str | None, now: float | None = None) -> str:
        """Store an answer the bot is about to send; the key its vote buttons carry (8 hex digits)."""
        quotes = [*answer.quotes, *(q for p in answer.parties for q in p.quotes)]
        shown = [{"text": q.text, "article_id": q.article_id, "paragraph": q.paragraph} for q in quotes]
        key = secrets.token_hex(4)
        with self._lock, self._db:
            self._db.execute(
                "INSERT INTO answers (key, question, answered, quotes, generation, language, at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    key,
                    answer.question,
                    int(answer.answered),
                    json.dumps(shown, ensure_ascii=False),
                    generation,
                    answer.language,
                    time.time() if now is None else now,
                ),
            )
        return key

    def language(self, key: str) -> str | None:
        """The language answer `key` was framed in, or None when the answer is unknown."""
        with self._lock:
            row = self._db.execute("SELECT language FROM answers WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def vote(self, key: str, user_id: int, vote: str, reason: str | None = None, now: float | None = None) -> bool:
        """Record (or replace) `user_id`'s vote on answer `key`; False when the answer is unknown."""
        if vote not in VOTES or (reason is not None and reason not in REASONS):
            raise ValueError(f"unknown vote {vote!r} / reason {reason!r}")
        with self._lock, self._db:
            if self._db.execute("SELECT 1 FROM answers WHERE key = ?", (key,)).fetchone() is None:
                return False
            self._db.execute(
                "INSERT OR REPLACE INTO votes (key, user_id, vote, reason, at) VALUES (?, ?, ?, ?, ?)",
                (key, user_id, vote, reason, time.time() if now is None else now),
            )
        return True

    def votes(self, since: float = 0.0) -> list[Vote]:
        """The votes cast since `since` (time.time()), oldest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT v.key, v.user_id, v.vote, v.reason, a.question, a.answered, a.quotes, a.generation, v.at "
                "FROM votes v JOIN answers a ON a.key = v.key WHERE v.at >= ? ORDER BY v.at",
                (since,),
            ).fetchall()
        return [
            Vote(key, uid, vote, reason, question, bool(answered), tuple(json.loads(quotes)), generation, at)
            for key, uid, vote, reason, question, answered, quotes, generation, at in rows
        ]

    def counts(self, since: float) -> dict[str, int]:
        """Votes since `since` by kind: up, down, wrong_quote, elsewhere, and the answers sent."""
        out = dict.fromkeys(("answers", "up", "down", *REASONS), 0)
        with self._lock:
            out["answers"] = self._db.execute("SELECT COUNT(*) FROM answers WHERE at >= ?", (since,)).fetchone()[0]
            for vote, reason, count in self._db.execute(
                "SELECT vote, reason, COUNT(*) FROM votes WHERE at >= ? GROUP BY vote, reason", (since,)
            ):
                out[vote] += count
                if reason:
                    out[reason] += count
        return out


def export(votes: Sequence[Vote]) -> list[dict[str, object]]:
    """The votes as lines of an eval set (evaluation.evaluate.load_questions reads them).

    👍 on an answer: its quotes are gold (`answers`). 👍 on "not found": the question must be refused
    (`"expect": "no_answer"`). 👎: the right answer is not known yet, so the line is `"expect": "review"`
    with the quotes that were wrong; `storybot eval` skips it until someone writes its `answers`.
    """
    lines: list[dict[str, object]] = []
    for v in votes:
        line: dict[str, object] = {"question": v.question, "vote": v.vote, "generation": v.generation}
        texts = [str(q["text"]) for q in v.quotes]
        if v.vote == "up" and v.answered:
            line["answers"] = texts
        elif v.vote == "up":
            line["expect"] = "no_answer"
        else:
            line |= {"expect": "review", "reason": v.reason, "wrong_quotes": texts}
        lines.append(line)
    return lines
