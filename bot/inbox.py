"""A durable inbox of Telegram updates: each one is answered at least once, and only once when all goes well.

Telegram forgets an update as soon as getUpdates is called with a higher
offset, and python-telegram-bot confirms a batch right after queueing it, long
before the answers go out: a crash then loses every queued question. So every
fetched update is written here (SQLite, keyed by update_id) *before* it is
confirmed, and marked done only when its handlers finished. At start, updates
not done are handled again; an update seen twice (Telegram re-sends updates
that were fetched but not yet confirmed) is handled once.

Why not PTB's persistence: it stores user/chat data and conversations, not
the update queue, so it cannot bring back a question that was fetched but not
answered. Why not confirm updates only once answered: getUpdates' offset
confirms everything below it, so one slow question would hold back all others
and every poll would fetch them again.

Durability: storing a fetched batch is synced to disk (synchronous=FULL, one
fsync per getUpdates batch), since Telegram forgets the updates right after.
Other writes (claims, done marks) use WAL with synchronous=NORMAL: they
survive the process being killed, and losing the last few to a power cut can
only make an update be answered twice, not lost.

An update whose handling started `MAX_ATTEMPTS` times without finishing (it
crashed the whole process each time) is given up, so one poison update cannot
keep the bot in a crash loop.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from index.errors import StorybotError

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
KEEP_SECONDS = 2 * 24 * 3600  # Telegram keeps an unconfirmed update for 24 h; done ones are kept for dedup
SCHEMA = """
CREATE TABLE IF NOT EXISTS updates (
    update_id INTEGER PRIMARY KEY,
    body TEXT NOT NULL,
    received REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    done REAL,
    outcome TEXT
)
"""


@dataclass(frozen=True)
class Pending:
    """An update stored in the inbox and not yet done."""

    update_id: int
    body: dict[str, Any]
    attempts: int


class Inbox:
    """The SQLite inbox at `path` (created on first use). Safe to call from several threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, check_same_thread=False, timeout=10.0)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(SCHEMA)
        except (OSError, sqlite3.Error) as err:
            reason = getattr(err, "strerror", None) or str(err)
            raise StorybotError(
                f"cannot open the update inbox {path} ({reason}). Give a writable file with --inbox / "
                f"STORYBOT_INBOX; a damaged one can be deleted (unanswered questions in it are then lost)."
            ) from None
        self._lock = threading.Lock()
        self._in_flight: set[int] = set()

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()

    def add(self, bodies: list[dict[str, Any]]) -> None:
        """Store fetched updates (raw JSON objects with an update_id) in one transaction; known ids are kept."""
        now = time.time()
        rows = [(int(b["update_id"]), json.dumps(b, ensure_ascii=False), now) for b in bodies]
        with self._lock:
            self._db.execute("PRAGMA synchronous=FULL")
            try:
                with self._db:
                    self._db.executemany(
                        "INSERT OR IGNORE INTO updates (update_id, body, received) VALUES (?, ?, ?)", rows
                    )
            finally:
                self._db.execute("PRAGMA synchronous=NORMAL")

    def skip(self, update_id: int, body: dict[str, Any], outcome: str) -> bool:
        """Store an update as done without handling it; False when it already was (so it is reported once)."""
        now = time.time()
        with self._lock, self._db:
            seen = self._db.execute("SELECT done FROM updates WHERE update_id = ?", (update_id,)).fetchone()
            if seen is not None and seen[0] is not None:
                return False
            self._db.execute(
                "INSERT OR REPLACE INTO updates (update_id, body, received, done, outcome) VALUES (?, ?, ?, ?, ?)",
                (update_id, json.dumps(body, ensure_ascii=False), now, now, outcome),
            )
        return True

    def claim(self, update_id: int, body: dict[str, Any]) -> bool:
        """Start handling an update: True unless it is done, being handled, or given up after MAX_ATTEMPTS."""
        with self._lock, self._db:
            if update_id in self._in_flight:
                return False
            self._db.execute(
                "INSERT OR IGNORE INTO updates (update_id, body, received) VALUES (?, ?, ?)",
                (update_id, json.dumps(body, ensure_ascii=False), time.time()),
            )
            attempts, done = self._db.execute(
                "SELECT attempts, done FROM updates WHERE update_id = ?", (update_id,)
            ).fetchone()
            if done is not None:
                return False
            if attempts >= MAX_ATTEMPTS:
                self._db.execute(
                    "UPDATE updates SET done = ?, outcome = 'given up' WHERE update_id = ?", (time.time(), update_id)
                )
                log.error("update %d given up: its handling was interrupted %d times", update_id, attempts)
                return False
            self._db.execute("UPDATE updates SET attempts = attempts + 1 WHERE update_id = ?", (update_id,))
            self._in_flight.add(update_id)
            return True

    def finish(self, update_id: int, *, done: bool = True, outcome: str = "handled") -> None:
        """End handling an update: done, or (`done` False) left pending to be handled again later."""
        with self._lock, self._db:
            self._in_flight.discard(update_id)
            if done:
                self._db.execute(
                    "UPDATE updates SET done = ?, outcome = ? WHERE update_id = ?", (time.time(), outcome, update_id)
                )

    def pending(self, *, older_than: float = 0.0) -> list[Pending]:
        """Updates not done and not being handled, oldest first; `older_than` seconds since they were received."""
        with self._lock:
            rows = self._db.execute(
                "SELECT update_id, body, attempts FROM updates WHERE done IS NULL AND received <= ? ORDER BY update_id",
                (time.time() - older_than,),
            ).fetchall()
            busy = set(self._in_flight)
        return [Pending(uid, json.loads(body), attempts) for uid, body, attempts in rows if uid not in busy]

    def prune(self, now: float | None = None) -> int:
        """Forget done updates older than KEEP_SECONDS; how many were removed."""
        cutoff = (time.time() if now is None else now) - KEEP_SECONDS
        with self._lock, self._db:
            return self._db.execute("DELETE FROM updates WHERE done IS NOT NULL AND done < ?", (cutoff,)).rowcount

    def outcomes(self) -> dict[int, str | None]:
        """update_id -> outcome (None while pending), for tests and diagnostics."""
        with self._lock:
            return dict(self._db.execute("SELECT update_id, outcome FROM updates").fetchall())
