"""A per-user limit on interactions (questions, commands, taps, files): at most N in any sliding minute."""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections import deque
from dataclasses import dataclass, field

import sqlalchemy as sa

from .send_pace import db_now, greatest
from .state import StateStore, user_pace

WINDOW_SECONDS = 60.0


@dataclass(frozen=True)
class Verdict:
    """Whether an interaction may be answered; if not, whether to tell the user and when to retry."""

    allowed: bool
    notify: bool = False  # the first refusal in a window is answered, later ones are dropped silently
    retry_after: int = 0  # whole seconds until the oldest question leaves the window


@dataclass
class RateLimiter:
    """Sliding-window counter per user. `limit` 0 means no limit."""

    limit: int
    window: float = WINDOW_SECONDS
    _asked: dict[int, deque[float]] = field(default_factory=dict, repr=False)
    _warned: dict[int, float] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _next_sweep: float = 0.0

    def check(self, user_id: int, now: float | None = None) -> Verdict:
        """Count an interaction by `user_id` if it is within the limit."""
        if self.limit <= 0:
            return Verdict(True)
        now = time.monotonic() if now is None else now
        with self._lock:
            self._sweep(now)
            times = self._asked.setdefault(user_id, deque())
            while times and times[0] <= now - self.window:
                times.popleft()
            if len(times) < self.limit:
                times.append(now)
                self._warned.pop(user_id, None)
                return Verdict(True)
            retry = max(1, math.ceil(times[0] + self.window - now))
            # One polite answer per full window, so a flood does not get a flood of refusals.
            notify = self._warned.get(user_id, -math.inf) <= now - self.window
            if notify:
                self._warned[user_id] = now
            return Verdict(False, notify, retry)

    async def admit(self, user_id: int) -> Verdict:
        """`check`, from the event loop (in memory: no thread needed)."""
        return self.check(user_id)

    def _sweep(self, now: float) -> None:
        # Forget users who have been quiet for a window, so memory stays bounded.
        if now < self._next_sweep:
            return
        self._next_sweep = now + self.window
        for user_id in [u for u, t in self._asked.items() if not t or t[-1] <= now - self.window]:
            del self._asked[user_id]
        for user_id in [u for u, t in self._warned.items() if t <= now - self.window]:
            del self._warned[user_id]


class SharedRateLimiter:
    """The per-user limit kept in the state database, for replicas that share a bot (`--replicas`).

    A reader's questions reach whichever replica the proxy picks, so each replica counting alone
    would allow N times the limit. Here one row per reader holds a GCRA schedule (bot/send_pace.py):
    `limit` at once, then one every window / limit; the first refusal in a window is told.
    """

    def __init__(self, limit: int, store: StateStore, bot_id: int, window: float = WINDOW_SECONDS) -> None:
        self.limit = limit
        self.window = window
        self.store = store
        self.bot_id = bot_id

    def check(self, user_id: int) -> Verdict:
        """Count an interaction by `user_id` if it is within the limit (on the database's clock)."""
        if self.limit <= 0:
            return Verdict(True)
        dialect = self.store.dialect
        interval = self.window / self.limit
        tolerance = self.window - interval  # `limit` at once after a quiet window
        clock = db_now(dialect)
        due = greatest(dialect, user_pace.c.tat, clock)
        key = (user_pace.c.bot_id == self.bot_id) & (user_pace.c.user_id == user_id)
        counted = (
            self.store.insert(user_pace)
            .values(bot_id=self.bot_id, user_id=user_id, tat=clock + interval)
            .on_conflict_do_update(
                index_elements=["bot_id", "user_id"], set_={"tat": due + interval}, where=due - clock <= tolerance
            )
            .returning(user_pace.c.tat)
        )
        warn = (
            sa.update(user_pace)
            .where(key & (user_pace.c.warned.is_(None) | (user_pace.c.warned <= clock - self.window)))
            .values(warned=clock)
            .returning(user_pace.c.tat)
        )
        with self.store.engine.begin() as conn:
            if conn.execute(counted).first() is not None:
                return Verdict(True)
            notify = conn.execute(warn).first() is not None
            ahead = conn.execute(sa.select(due - clock).where(key)).scalar_one()
        return Verdict(False, notify, max(1, math.ceil(float(ahead) - tolerance)))

    async def admit(self, user_id: int) -> Verdict:
        """`check`, from the event loop: the database is asked on a worker thread."""
        return await asyncio.to_thread(self.check, user_id)
