"""The bot's one retry policy for Bot API requests, and the request class that applies it.

Which failures are retried depends on whether the call may already have taken
effect. A request that never reached the server (connection refused, connect
timeout, no free connection) is always safe to repeat. Once the request was
sent, a dropped connection, a read timeout or a 5xx may come *after* Telegram
delivered the message, so a call that creates something (sendMessage and the
other send* methods) is not repeated then: a duplicate answer is worse than a
lost one, and the inbox (bot/inbox.py) keeps updates whose answer surely did
not go out. Calls that change nothing when repeated (get*, editing a message to
the same text, chat actions, setMyCommands, webhooks) are retried on any
transport error or 5xx.

A 429 is not retried here: python-telegram-bot's AIORateLimiter (as
MessageRateLimiter, which paces messages only) pauses every request for the
`retry_after` Telegram asked for and then repeats the call (a 429 surely
delivered nothing), so a flood wait is waited out once, for the whole bot,
instead of per request.

The bot's other request loops use this policy too: `check_token` makes one
getMe through RetryingRequest, and PTB's bootstrap (deleteWebhook/setWebhook)
runs with bootstrap_retries=0 because its requests already retry here.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy.exc import SQLAlchemyError
from telegram.error import NetworkError, RetryAfter, TimedOut
from telegram.ext import AIORateLimiter
from telegram.request import HTTPXRequest, RequestData

from .send_pace import SendPace

log = logging.getLogger(__name__)

RETRY_STATUS = frozenset({500, 502, 503, 504})
# Repeating these changes nothing: safe to retry even when the first try may have taken effect.
IDEMPOTENT = ("get", "edit", "answerCallbackQuery", "sendChatAction", "setMyCommands", "deleteWebhook", "setWebhook")
# Errors raised before the request left this process: the server surely did not act on it.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a failed Bot API call is tried again."""

    attempts: int = 4  # tries per call, the first included
    backoff: float = 0.5  # seconds before the second try; doubles for each further one (with jitter)
    flood_retries: int = 3  # 429 answers waited out (for `retry_after`) before giving up

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed try number `attempt` (1-based)."""
        return self.backoff * 2 ** (attempt - 1) * random.uniform(0.8, 1.2)


RETRY = RetryPolicy()


# Telegram allows ~30 messages a second in all and 20 a minute to one group. AIORateLimiter's limiters are
# leaky buckets: with its defaults (a bucket of 30 leaking 30 a second) a burst of alerts to 40 chats puts
# 40 messages in the first second, and a busy group gets up to 40 in a minute. A bucket of B leaking R
# a second never lets more than B + R * T through in any T seconds *as they leave*; they reach Telegram
# bunched when the event loop stalls (answers being computed on a busy machine): under load, messages
# let out over 0.25 s arrived within 0.05 s (bench/bot_burst.py), and 24 a second with a burst of 5 drew
# a 429 in most bursts of 200 answers. 20 a second with a burst of 4 leaves 6 for such bunching.
BURST, PER_SECOND = 4, 20  # at most 24 messages in any second
GROUP_BURST, GROUP_PER_MINUTE = 10, 9  # at most 19 messages in any minute to one group


class MessageRateLimiter(AIORateLimiter):
    """AIORateLimiter that counts only messages against Telegram's flood limits (at most 24 in any second,
    19 in any minute to a group: see BURST): chat actions, button acknowledgements and file lookups are not
    messages, and counting them would halve how fast a burst of questions is answered."""

    NOT_MESSAGES = frozenset(
        {"sendChatAction", "answerCallbackQuery", "getFile", "getMe", "setMyCommands", "deleteWebhook", "setWebhook"}
    )

    def __init__(self, max_retries: int = 0, *, pace: SendPace | None = None) -> None:
        super().__init__(
            overall_max_rate=BURST,
            overall_time_period=BURST / PER_SECOND,
            group_max_rate=GROUP_BURST,
            group_time_period=GROUP_BURST * 60 / GROUP_PER_MINUTE,
            max_retries=max_retries,
        )
        # Telegram's limits are per bot, not per process: replicas sharing the token also take each
        # message's turn from one schedule in their shared database (bot/send_pace.py).
        self.pace = pace

    async def _shared_turn(self, group: str | int | bool) -> None:
        """Wait for this message's turn on the replicas' shared schedule (its group's, then the bot's).

        Without the database the message still goes, paced by this process alone: an answer is worth more
        than the schedule, and a 429 it may draw is waited out like any other."""
        assert self.pace is not None
        try:
            if group:
                await asyncio.sleep(await asyncio.to_thread(
                    self.pace.turn, f"g{group}", 60 / GROUP_PER_MINUTE, GROUP_BURST))
            await asyncio.sleep(await asyncio.to_thread(self.pace.turn, "all", 1 / PER_SECOND, BURST))
        except SQLAlchemyError as err:
            log.warning("the shared message pace is out of reach (%s); pacing this replica alone", err)

    async def _run_request(  # type: ignore[override]
        self,
        chat: bool,
        group: str | int | bool,
        allow_paid_broadcast: bool,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
    ) -> Any:
        """As AIORateLimiter's, but a message that got its slot while a 429 was waited out takes a new one.

        AIORateLimiter (22.x) takes the slot first and then waits for the flood wait to end, so the messages
        queued behind the limiter keep taking slots during the wait and all go out when it ends: a burst that
        earns the next 429 (bench/bot_burst.py: up to 21 429s in a burst of 200 answers). Here a slot taken
        during the wait is let go, and the message queues again after it, at the limiter's pace.
        """
        if allow_paid_broadcast:
            return await super()._run_request(chat, group, allow_paid_broadcast, callback, args, kwargs)
        overall = self._base_limiter if chat and self._base_limiter else contextlib.nullcontext()
        per_group = self._get_group_limiter(group) if group and self._group_max_rate else contextlib.nullcontext()
        while True:
            await self._retry_after_event.wait()
            async with per_group, overall:
                if self.pace is not None and self._retry_after_event.is_set():
                    await self._shared_turn(group)
                if self._retry_after_event.is_set():
                    return await callback(*args, **kwargs)

    async def process_request(  # type: ignore[override]
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        """Send a message through the limiter; anything else straight away."""
        if endpoint in self.NOT_MESSAGES:
            return await callback(*args, **kwargs)
        if self.pace is None:
            return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
        pace = self.pace

        async def held_for_all(*a: Any, **kw: Any) -> Any:
            try:
                return await callback(*a, **kw)
            except RetryAfter as err:  # the other replicas wait it out too
                wait = err.retry_after
                seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
                with contextlib.suppress(SQLAlchemyError):  # this replica waits it out in any case
                    await asyncio.to_thread(pace.hold, "all", seconds, 1 / PER_SECOND, BURST)
                raise

        return await super().process_request(held_for_all, args, kwargs, endpoint, data, rate_limit_args)


def surely_not_sent(err: BaseException) -> bool:
    """True when `err` (from a Bot API call) means the request never reached the server."""
    return isinstance(err, NetworkError) and isinstance(err.__cause__, NOT_SENT)


def api_method(url: str) -> str:
    """The Bot API method of a request URL: .../bot<token>/sendMessage -> sendMessage; a download -> "file"."""
    return "file" if "/file/bot" in url else url.rsplit("/", 1)[-1]


def is_idempotent(method: str) -> bool:
    """True for calls whose repetition changes nothing (so any failure may be retried)."""
    return method == "file" or method.startswith(IDEMPOTENT)


class RetryingRequest(HTTPXRequest):
    """HTTPXRequest that retries failed Bot API calls by `policy`, never repeating a send that may have worked."""

    def __init__(self, *args: object, policy: RetryPolicy = RETRY, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.policy = policy

    async def do_request(  # type: ignore[override]
        self, url: str, method: str, request_data: RequestData | None = None, **kwargs: object
    ) -> tuple[int, bytes]:
        """Send the request, retrying what is safe to retry; the last failure is raised or returned."""
        name = api_method(url)
        repeatable = method == "GET" or is_idempotent(name)
        for attempt in range(1, self.policy.attempts + 1):
            last = attempt == self.policy.attempts
            try:
                code, payload = await super().do_request(url, method, request_data, **kwargs)  # type: ignore[arg-type]
            except NetworkError as err:
                if last or not (surely_not_sent(err) or (repeatable and _transport(err))):
                    raise
                delay = self.policy.delay(attempt)
                log.warning("Bot API %s failed (%s); retry %d in %.1f s", name, err, attempt, delay)
                await asyncio.sleep(delay)
                continue
            if code not in RETRY_STATUS or last or not repeatable:
                return code, payload
            delay = self.policy.delay(attempt)
            log.warning("Bot API %s answered %d; retry %d in %.1f s", name, code, attempt, delay)
            await asyncio.sleep(delay)
        raise AssertionError("unreachable")  # the loop returns or raises on its last attempt


def _transport(err: NetworkError) -> bool:
    # A dropped connection or a timeout, as opposed to e.g. an unparsable answer.
    return isinstance(err, TimedOut) or isinstance(err.__cause__, httpx.TransportError)
