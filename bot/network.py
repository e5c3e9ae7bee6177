"""Bot API requests that survive a flaky network: retries with exponential backoff.

python-telegram-bot already retries getUpdates itself; this covers every
other call (sendMessage, editMessageText, getFile, file downloads...). A
request is retried when it surely did not take effect (the connection failed,
was refused or dropped before an answer) or when the server said to try again
(429 Too Many Requests, 5xx). A send whose answer timed out may have been
delivered, so it is not repeated: a duplicate answer is worse than a log line.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random

import httpx
from telegram.error import NetworkError, TimedOut
from telegram.request import HTTPXRequest, RequestData

log = logging.getLogger(__name__)

RETRY_STATUS = {429, 500, 502, 503, 504}
MAX_RETRY_AFTER = 30.0  # seconds; a longer flood wait is reported instead of waited out
# Read timeouts of these calls are safe to retry: repeating them changes nothing.
IDEMPOTENT = ("get", "answerCallbackQuery", "sendChatAction", "setMyCommands", "deleteWebhook", "setWebhook")


class RetryingRequest(HTTPXRequest):
    """HTTPXRequest that retries failed Bot API calls with exponential backoff and jitter."""

    def __init__(self, *args: object, attempts: int = 4, backoff: float = 0.5, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.attempts = attempts
        self.backoff = backoff

    async def do_request(  # type: ignore[override]
        self, url: str, method: str, request_data: RequestData | None = None, **kwargs: object
    ) -> tuple[int, bytes]:
        """Send the request, retrying what is safe to retry; the last failure is raised or returned."""
        api_method = _api_method(url)
        for attempt in range(1, self.attempts + 1):
            last = attempt == self.attempts
            try:
                code, payload = await super().do_request(url, method, request_data, **kwargs)  # type: ignore[arg-type]
            except NetworkError as err:
                if last or not _safe_to_retry(err, api_method, method):
                    raise
                delay = self._delay(attempt)
                log.warning("Bot API %s failed (%s); retry %d in %.1f s", api_method, err, attempt, delay)
                await asyncio.sleep(delay)
                continue
            if code not in RETRY_STATUS or last:
                return code, payload
            delay = _retry_after(payload) if code == 429 else self._delay(attempt)
            if delay is None or delay > MAX_RETRY_AFTER:
                return code, payload
            log.warning("Bot API %s answered %d; retry %d in %.1f s", api_method, code, attempt, delay)
            await asyncio.sleep(delay)
        raise AssertionError("unreachable")  # the loop returns or raises on its last attempt

    def _delay(self, attempt: int) -> float:
        return self.backoff * 2 ** (attempt - 1) * random.uniform(0.8, 1.2)


def _api_method(url: str) -> str:
    # .../bot<token>/sendMessage -> sendMessage; a file download -> "file"
    return "file" if "/file/bot" in url else url.rsplit("/", 1)[-1]


def _safe_to_retry(err: NetworkError, api_method: str, http_method: str) -> bool:
    cause = err.__cause__
    if isinstance(cause, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout | httpx.RemoteProtocolError):
        return True  # never reached the server, or it closed the connection without answering
    if isinstance(err, TimedOut) or isinstance(cause, httpx.ReadError | httpx.WriteError):
        return http_method == "GET" or api_method.startswith(IDEMPOTENT) or api_method == "file"
    return False


def _retry_after(payload: bytes) -> float | None:
    try:
        return float(json.loads(payload)["parameters"]["retry_after"])
    except (ValueError, KeyError, TypeError):
        return None
