"""Readers' votes on answers (👍 / 👎, and why), kept in the bot's state database (bot/state.py).

Each answer the bot sends is stored once, with its question, the quotes it
gave and the index generation it came from, under a short key that its
buttons carry (callback data is at most 64 bytes). A vote is one row per
(answer, user): voting again replaces the vote. `export` turns the votes into
lines `storybot eval` reads, so an answer reported wrong becomes a test case.

The state database is shared by every replica (PostgreSQL via STORYBOT_DATABASE_URL), so a vote
reaches the store whichever replica receives the tap. Before, the votes had an SQLite file of their
own (`feedback.sqlite3` beside the index folder): it is brought in at the first open and renamed
`feedback.sqlite3.imported`.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from answer.types import Answer
from index.errors import StorybotError

from .state import DEFAULT_NAME, StateStore, database_url, feedback_answers, feedback_votes

log = logging.getLogger(__name__)

FEEDBACK_NAME = "feedback.sqlite3"  # where the votes were kept before the state database
INBOX_ENV = "STORYBOT_INBOX"  # the bot's --inbox: the SQLite state database, when not the default
VOTES = ("up", "down")
REASONS = ("wrong_quote", "elsewhere")  # after 👎: the quote is wrong / the answer is elsewhere in the articles


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
    """Where the votes were kept before the state database: beside the index folder (the data directory)."""
    return index_dir.parent / FEEDBACK_NAME


class FeedbackStore:
    """The votes in the state database `store`; `legacy`: a feedback.sqlite3 to bring in once. Thread-safe."""

    def __init__(self, store: StateStore, *, legacy: Path | None = None) -> None:
        self.store = store
        if legacy is not None and legacy.exists():
            bring_in(store, legacy)

    def close(self) -> None:
        """Close the database's connections."""
        self.store.close()

    def add_answer(self, answer: Answer, generation: str | None, now: float | None = None) -> str:
        """Store an answer the bot is about to send; the key its vote buttons carry (8 hex digits)."""
        quotes = [*answer.quotes, *(q for p in answer.parties for q in p.quotes)]
        shown = [{"text": q.text, "article_id": q.article_id, "paragraph": q.paragraph} for q in quotes]
        row = {
            "question": answer.question,
            "answered": bool(answer.answered),
            "quotes": json.dumps(shown, ensure_ascii=False),
            "generation": generation,
            "language": answer.language,
            "at": time.time() if now is None else now,
        }
        with self.store.engine.begin() as conn:
            while True:  # 32 random bits: a key already given is drawn again, never overwritten
                key = secrets.token_hex(4)
                if self.store.insert_new(conn, feedback_answers, [{"key": key, **row}]):
                    return key

    def language(self, key: str) -> str | None:
        """The language answer `key` was framed in, or None when the answer is unknown."""
        query = sa.select(feedback_answers.c.language).where(feedback_answers.c.key == key)
        with self.store.engine.connect() as conn:
            return conn.execute(query).scalar()

    def vote(self, key: str, user_id: int, vote: str, reason: str | None = None, now: float | None = None) -> bool:
        """Record (or replace) `user_id`'s vote on answer `key`; False when the answer is unknown."""
        if vote not in VOTES or (reason is not None and reason not in REASONS):
            raise ValueError(f"unknown vote {vote!r} / reason {reason!r}")
        known = sa.select(feedback_answers.c.key).where(feedback_answers.c.key == key)
        with self.store.engine.begin() as conn:
            if conn.execute(known).first() is None:
                return False
            row = {"key": key, "user_id": user_id, "vote": vote, "reason": reason,
                   "at": time.time() if now is None else now}
            self.store.upsert(conn, feedback_votes, row)
        return True

    def votes(self, since: float = 0.0) -> list[Vote]:
        """The votes cast since `since` (time.time()), oldest first."""
        v, a = feedback_votes.c, feedback_answers.c
        query = (
            sa.select(v.key, v.user_id, v.vote, v.reason, a.question, a.answered, a.quotes, a.generation, v.at)
            .join_from(feedback_votes, feedback_answers, v.key == a.key)
            .where(v.at >= since)
            .order_by(v.at, v.key, v.user_id)
        )
        with self.store.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [
            Vote(key, int(uid), vote, reason, question, bool(answered), tuple(json.loads(quotes)), generation, at)
            for key, uid, vote, reason, question, answered, quotes, generation, at in rows
        ]

    def counts(self, since: float) -> dict[str, int]:
        """Votes since `since` by kind: up, down, wrong_quote, elsewhere, and the answers sent."""
        out = dict.fromkeys(("answers", "up", "down", *REASONS), 0)
        v, a = feedback_votes.c, feedback_answers.c
        with self.store.engine.connect() as conn:
            out["answers"] = conn.execute(sa.select(sa.func.count()).where(a.at >= since)).scalar() or 0
            grouped = sa.select(v.vote, v.reason, sa.func.count()).where(v.at >= since).group_by(v.vote, v.reason)
            for vote, reason, count in conn.execute(grouped):
                out[vote] += count
                if reason:
                    out[reason] += count
        return out


def bring_in(store: StateStore, path: Path) -> int:
    """Copy the answers and votes of a feedback.sqlite3 (what the bot wrote before the state database)
    into `store`, in one transaction, then rename the file `...imported`; how many votes it held.

    Rows already in the store are kept (the file was brought in before, or a replica did it just now).
    A file that cannot be read is left where it is, with a StorybotError saying what to do."""
    old = sa.create_engine(f"sqlite:///{path}")
    try:
        with old.connect() as conn:
            answers = conn.execute(
                sa.text("SELECT key, question, answered, quotes, generation, language, at FROM answers")
            ).mappings().all()
            votes = conn.execute(sa.text("SELECT key, user_id, vote, reason, at FROM votes")).mappings().all()
    except sa.exc.SQLAlchemyError as err:
        reason = str(getattr(err, "orig", None) or err).splitlines()[0]
        raise StorybotError(
            f"cannot read the votes in {path} ({reason}), to bring them into the state database. Check the "
            f"file and its rights, or move it away to start without those votes."
        ) from None
    finally:
        old.dispose()
    keys = {r["key"] for r in answers}
    votes = [r for r in votes if r["key"] in keys]  # SQLite did not enforce the reference; PostgreSQL does
    with store.engine.begin() as conn:
        store.insert_new(conn, feedback_answers, [{**r, "answered": bool(r["answered"])} for r in answers])
        store.insert_new(conn, feedback_votes, [dict(r) for r in votes])
    for suffix in ("", "-wal", "-shm"):  # SQLite's journal files go with it
        part = path.with_name(path.name + suffix)
        try:
            os.replace(part, part.with_name(part.name + ".imported"))
        except FileNotFoundError:  # none, or another replica moved it first
            pass
        except OSError as err:  # brought in all the same; the next start brings it in again, adding nothing
            log.warning("the votes of %s are in the state database, but it cannot be renamed (%s)", part,
                        err.strerror)
    log.info("%d vote(s) on %d answer(s) brought in from %s (now %s.imported)", len(votes), len(answers), path,
             path.name)
    return len(votes)


def open_feedback(index_dir: Path, environ: Mapping[str, str] | None = None, *, create: bool = True) -> FeedbackStore:
    """The votes of the bot whose index is `index_dir`, for `storybot feedback` and tests: in
    STORYBOT_DATABASE_URL's database, else the SQLite state database (STORYBOT_INBOX, or beside the index
    folder), with a feedback.sqlite3 left beside the index folder brought in.

    Without `create`, StorybotError when there is nothing yet (no state database and no old votes file)."""
    env = os.environ if environ is None else environ
    sqlite_file = Path(env.get(INBOX_ENV, "").strip() or index_dir.parent / DEFAULT_NAME)
    url = database_url(sqlite_file, dict(env))
    legacy = feedback_path(index_dir)
    if not create and url.startswith("sqlite") and not sqlite_file.exists() and not legacy.exists():
        raise StorybotError(
            f"no feedback yet: the bot's state database {sqlite_file} does not exist (the bot creates it when it "
            f"starts). Run this where the bot runs, with the same STORYBOT_DATABASE_URL or STORYBOT_INBOX."
        )
    return FeedbackStore(StateStore(url), legacy=legacy)


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
