"""Logging for the bot: the token never reaches a log, user text only at debug level, one line per question."""

from __future__ import annotations

import logging
import threading
from urllib.parse import quote

log = logging.getLogger("bot.questions")

REDACTED = "<TOKEN>"


class RedactToken(logging.Filter):
    """Removes the bot token from log records, in every form it can take.

    httpx logs request URLs, which carry the token: raw in API calls, with the
    colon URL-encoded (%3A) in file downloads. The secret after the colon is
    never encoded (letters, digits, _ and -), so it is removed on its own too,
    whatever surrounds it.
    """

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token
        encoded = quote(token, safe="")
        secret = token.partition(":")[2]
        forms = [token, encoded, encoded.replace("%3A", "%3a"), secret]
        self.forms = [f for f in dict.fromkeys(forms) if len(f) >= 8]

    def redact(self, text: str) -> str:
        """`text` without the token."""
        for form in self.forms:
            if form in text:
                text = text.replace(form, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message (and traceback) without the token; never drops a record."""
        # Formatted now, not when a handler writes it: an argument changed in between (python-telegram-bot
        # completes a file's path with the download URL after logging it) would escape the redaction.
        record.msg, record.args = self.redact(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        return True


_redactors: list[RedactToken] = []
_install = threading.Lock()


def redact_token(token: str) -> RedactToken:
    """Redact `token` from every log record from now on, whichever handler (present or future) writes it.

    Done where records are made (the log record factory) rather than by a
    handler filter, so a handler added later (a test's, a library's) cannot
    miss it.
    """
    redactor = RedactToken(token)
    with _install:
        if not _redactors:
            make = logging.getLogRecordFactory()

            def factory(*args: object, **kwargs: object) -> logging.LogRecord:
                record = make(*args, **kwargs)
                _withhold_update_data(record)
                for each in _redactors:
                    each.filter(record)
                return record

            logging.setLogRecordFactory(factory)
        if all(r.token != token for r in _redactors):
            _redactors.append(redactor)
    return redactor


def _withhold_update_data(record: logging.LogRecord) -> None:
    # python-telegram-bot logs a whole unreadable update (other users' texts) at CRITICAL from its webhook
    # server; keep that for debug logging (-vv).
    withheld = record.name.startswith("telegram") and "Received data was" in str(record.msg)
    if withheld and logging.getLogger().getEffectiveLevel() > logging.DEBUG:
        record.args = ("<withheld; run with -vv to log it>",)


def log_question(
    *, chat_type: str, milliseconds: float, answered: bool, best_score: float, quotes: int, messages: int, question: str
) -> None:
    """The one log line per question; the question text itself only at debug level."""
    log.info(
        "question chat=%s latency_ms=%.0f answered=%s best_score=%.3f quotes=%d messages=%d",
        chat_type,
        milliseconds,
        "yes" if answered else "no",
        best_score,
        quotes,
        messages,
    )
    log.debug("question text: %r", question)
