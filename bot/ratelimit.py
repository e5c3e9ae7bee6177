"""A per-user limit on interactions (questions, commands, taps, files): at most N in any sliding minute."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from dataclasses import dataclass, field

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

    def _sweep(self, now: float) -> None:
        # Forget users who have been quiet for a window, so memory stays bounded.
        if now < self._next_sweep:
            return
        self._next_sweep = now + self.window
        for user_id in [u for u, t in self._asked.items() if not t or t[-1] <= now - self.window]:
            del self._asked[user_id]
        for user_id in [u for u, t in self._warned.items() if t <= now - self.window]:
            del self._warned[user_id]
