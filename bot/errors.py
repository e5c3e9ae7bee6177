"""The error handler: a failure logged once by ids, an apology only where it can get through.
"""

from __future__ import annotations

import logging

from telegram import (
    Update,
)
from telegram.error import Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import (
    ContextTypes,
)

from texts import text

from .common import RETRY_LATER, SENT, acknowledge, reply, update_ids, user_language
from .network import surely_not_sent
from .render import Outgoing

log = logging.getLogger(__name__)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log a failure once, by ids (never the user's text); apologise only when the apology can get through.

    A failed Bot API call is not answered with an apology: it would go through
    the same failure (a flood wait, a network fault), and after a fault on the
    way back the answer may well have been delivered. An answer that surely
    was not sent, with nothing sent yet for the update, is tried again later
    (the inbox keeps the update).
    """
    error = context.error
    is_update = isinstance(update, Update)
    update_id = update.update_id if is_update else None
    where = update_ids(update) if is_update else "no update"
    if isinstance(error, NetworkError | RetryAfter):
        if is_update and (surely_not_sent(error) or isinstance(error, RetryAfter)) and not SENT.get():
            context.bot_data.setdefault(RETRY_LATER, set()).add(update_id)
            log.warning("update %s (%s): answer not sent (%s); will try again", update_id, where, error)
        else:
            log.warning(
                "update %s (%s): a reply may not have been delivered (%s); not repeated, to avoid a duplicate",
                update_id,
                where,
                error,
            )
        return
    if isinstance(error, Forbidden):
        log.info("update %s (%s): cannot write to this chat (%s)", update_id, where, error)
        return
    log.error("update %s failed: %s", update_id, error, exc_info=error)
    if not isinstance(update, Update):
        return
    lang = user_language(update.effective_user)
    try:
        if update.callback_query is not None:
            await acknowledge(update.callback_query, text(lang, "error"))
        elif update.effective_message is not None:
            await reply(update.effective_message, Outgoing(text(lang, "error")))
    except TelegramError as err:
        log.warning("could not tell the user about the failure of update %s: %s", update_id, err)
