"""👍 / 👎 under each answer, the reasons after 👎, and the admins' /feedback with the week's counts.

The buttons carry "fb:<answer key>:<choice>" (well under Telegram's 64 bytes): the answer itself, its
quotes and index generation are in the feedback store (bot/feedback_store.py). A reader who votes
again replaces the vote; the buttons show the reader's choice.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from texts import text

from .common import acknowledge, admin_message, reply, state, user_language
from .render import Outgoing

log = logging.getLogger(__name__)

PREFIX = "fb:"
CHOICES = {"u": ("up", None), "d": ("down", None), "w": ("down", "wrong_quote"), "e": ("down", "elsewhere")}
_DATA = re.compile(r"fb:([0-9a-f]{8}):([udwe])")
WEEK = 7 * 24 * 3600


def vote_row(key: str, language: str, chosen: str | None = None) -> list[InlineKeyboardButton]:
    """The 👍 / 👎 buttons of answer `key`; the chosen one is marked."""
    up = "👍" + (" ✓" if chosen == "u" else "")
    down = "👎" + (" ✓" if chosen in ("d", "w", "e") else "")
    return [
        InlineKeyboardButton(up, callback_data=f"{PREFIX}{key}:u"),
        InlineKeyboardButton(down, callback_data=f"{PREFIX}{key}:d"),
    ]


def reason_row(key: str, language: str, chosen: str | None = None) -> list[InlineKeyboardButton]:
    """After 👎: "the quote is wrong" / "the answer is elsewhere"."""
    return [
        InlineKeyboardButton(
            text(language, "feedback_wrong_quote") + (" ✓" if chosen == "w" else ""),
            callback_data=f"{PREFIX}{key}:w",
        ),
        InlineKeyboardButton(
            text(language, "feedback_elsewhere") + (" ✓" if chosen == "e" else ""),
            callback_data=f"{PREFIX}{key}:e",
        ),
    ]


def with_votes(keyboard: InlineKeyboardMarkup | None, key: str, language: str) -> InlineKeyboardMarkup:
    """`keyboard` (an answer's last message's) with the vote buttons added as its last row."""
    rows = [list(row) for row in keyboard.inline_keyboard] if keyboard else []
    return InlineKeyboardMarkup([*rows, vote_row(key, language)])


def _rebuilt(keyboard: InlineKeyboardMarkup | None, key: str, language: str, choice: str) -> InlineKeyboardMarkup:
    rows = [list(r) for r in keyboard.inline_keyboard] if keyboard else []
    kept = [r for r in rows if not any((b.callback_data or "").startswith(PREFIX) for b in r)]
    kept.append(vote_row(key, language, choice))
    if choice != "u":
        kept.append(reason_row(key, language, choice))
    return InlineKeyboardMarkup(kept)


async def on_vote(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A tap on 👍, 👎 or a reason: stored (replacing the reader's earlier vote), the buttons updated."""
    query = update.callback_query
    assert query is not None and query.data is not None
    lang = user_language(query.from_user)
    match = _DATA.fullmatch(query.data)
    message = query.message if isinstance(query.message, Message) else None
    st = state(context)
    if match is None or st.feedback is None:
        await acknowledge(query, text(lang, "button_stale"))
        return
    key, choice = match.groups()
    vote, reason = CHOICES[choice]
    stored = await asyncio.to_thread(st.feedback.vote, key, query.from_user.id, vote, reason)
    if not stored:
        await acknowledge(query, text(lang, "button_stale"))
        return
    await acknowledge(query)
    log.info("vote %s%s on answer %s", vote, f" ({reason})" if reason else "", key)
    if message is None:
        return
    # The buttons keep speaking the language of the answer they sit under.
    lang = await asyncio.to_thread(st.feedback.language, key) or lang
    markup = _rebuilt(message.reply_markup, key, lang, choice)
    try:
        await message.edit_reply_markup(reply_markup=markup)
    except BadRequest as err:
        if "not modified" not in str(err).lower():
            raise


async def on_feedback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/feedback (admins): the last seven days' answers and votes."""
    checked = await admin_message(update, context)
    if checked is None:
        return
    message, lang = checked
    st = state(context)
    if st.feedback is None:
        await reply(message, Outgoing(text(lang, "unavailable")))
        return
    counts = await asyncio.to_thread(st.feedback.counts, time.time() - WEEK)
    await reply(message, Outgoing(text(lang, "feedback_week", **counts)))
