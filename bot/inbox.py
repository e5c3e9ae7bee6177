"""A durable inbox of Telegram updates: each one is answered at least once, and only once when all goes well.

Telegram forgets an update as soon as getUpdates is called with a higher
offset, and python-telegram-bot confirms a batch right after queueing it, long
before the answers go out: a crash then loses every queued question. So every
fetched update is written here (the state database, bot/state.py: keyed by bot
and update_id) *before* it is confirmed, and marked done only when its handlers finished. At start, updates
not done are handled again; an update seen twice (Telegram re-sends updates
that were fetched but not yet confirmed) is handled once.

Why not PTB's persistence: it stores user/chat data and conversations, not
the update queue, so it cannot bring back a question that was fetched but not
answered. Why not confirm updates only once answered: getUpdates' offset
confirms everything below it, so one slow question would hold back all others
and every poll would fetch them again.

Durability: every write is committed before it returns (SQLite: WAL with
synchronous=FULL), since Telegram forgets the updates right after. Several
replicas sharing a PostgreSQL database claim each update atomically, so one
delivered to two of them is answered once.

An update whose handling started `MAX_ATTEMPTS` times without finishing (it
crashed the whole process each time) is given up, so one poison update cannot
keep the bot in a crash loop.
"""

from __future__ import annotations

from pathlib import Path

from .state import MAX_ATTEMPTS, Pending, StateInbox, StateStore, database_url

__all__ = ["MAX_ATTEMPTS", "Inbox", "Pending"]


class Inbox(StateInbox):
    """The inbox of bot `bot_id` in the database `url` (default: an SQLite file at `path`). Thread-safe."""

    def __init__(self, path: Path, *, bot_id: int = 0, url: str | None = None) -> None:
        self.path = path
        super().__init__(StateStore(url or database_url(path)), bot_id)
