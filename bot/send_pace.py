"""One pace for the messages of all the replicas of a bot, kept in the state database.

Telegram's flood limits (~30 messages a second, 20 a minute to a group) hold per bot, not per process:
replicas that each paced themselves to the whole limit would together exceed it, and replicas that
each took a fixed share would leave a share unused whenever one had less to send. So each message
takes its turn from one shared schedule: GCRA (the generic cell rate algorithm, the leaky bucket as
a single timestamp), one row per bot and key ("all", or a group chat's own key) holding its
theoretical arrival time (TAT). Taking a turn is one atomic statement, evaluated on the database's
clock (no two machines' clocks compared):

    TAT' = max(TAT, now) + interval        send at max(now, TAT' - burst * interval)

so at most `burst` messages go at once after a quiet spell, then one per `interval`: in any T seconds
at most burst + T / interval. A 429 moves the TAT past its retry_after, so every replica waits it out.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from .state import StateStore, send_pace


def db_now(dialect: str) -> Any:
    """The database's clock in seconds since the epoch, as an SQL expression."""
    if dialect == "postgresql":
        return sa.func.extract("epoch", sa.func.clock_timestamp())
    return (sa.func.julianday("now") - 2440587.5) * 86400.0  # SQLite's clock


def greatest(dialect: str, a: Any, b: Any) -> Any:
    """The larger of two SQL values (GREATEST on PostgreSQL, two-argument MAX on SQLite)."""
    return sa.func.greatest(a, b) if dialect == "postgresql" else sa.func.max(a, b)


class SendPace:
    """The shared schedule of one bot's messages (see the module docstring)."""

    def __init__(self, store: StateStore, bot_id: int) -> None:
        self.store = store
        self.bot_id = bot_id

    def _advance(self, key: str, step: Callable[[Any, Any], Any]) -> float:
        """Set `key`'s TAT to step(previous, now), a key never used counting as due now; how far ahead it is."""
        dialect = self.store.dialect
        now = db_now(dialect)
        statement = (
            self.store.insert(send_pace)
            .values(bot_id=self.bot_id, key=key, tat=step(now, now))
            .on_conflict_do_update(
                index_elements=["bot_id", "key"], set_={"tat": step(greatest(dialect, send_pace.c.tat, now), now)}
            )
            .returning(send_pace.c.tat, now)
        )
        with self.store.engine.begin() as conn:
            new, at = conn.execute(statement).one()
        return float(new) - float(at)

    def turn(self, key: str, interval: float, burst: int) -> float:
        """Take the next turn of `key`'s pace: seconds to wait before sending (0: now)."""
        ahead = self._advance(key, lambda due, now: due + interval)
        return max(0.0, ahead - burst * interval)

    def hold(self, key: str, seconds: float, interval: float, burst: int) -> None:
        """Telegram asked to wait `seconds` (a 429): no replica's turn comes before they have passed."""
        dialect = self.store.dialect
        self._advance(key, lambda due, now: greatest(dialect, due, now + seconds + burst * interval))
