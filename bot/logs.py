"""Logging for the bot: the token never reaches a log, and one line per question."""

from __future__ import annotations

import logging

log = logging.getLogger("bot.questions")

REDACTED = "<TOKEN>"


class RedactToken(logging.Filter):
    """Replaces the bot token in log records (httpx logs request URLs, which contain it)."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message (and traceback) without the token; never drops a record."""
        message = record.getMessage()
        if self.token in message:
            record.msg, record.args = message.replace(self.token, REDACTED), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text and self.token in record.exc_text:
            record.exc_text = record.exc_text.replace(self.token, REDACTED)
        return True


def redact_token(token: str) -> RedactToken:
    """Install a RedactToken filter on every handler of the root logger (and return it)."""
    redactor = RedactToken(token)
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig()
    for handler in root.handlers:
        handler.addFilter(redactor)
    return redactor


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
