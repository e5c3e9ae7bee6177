"""Inline mode: "@bot question" in any chat offers the answer's quotes, one result each.

Each result is one quote with its source (a who-question's: one party with what it did and its quote);
choosing it sends that quote as an HTML message in the chat where the reader typed. A refused question
offers no result, only a button "not found: ask me in a chat" that opens the bot's private chat.
Telegram caches the results per query for CACHE_SECONDS; answers come from whichever index is current
when the query arrives, so a new index generation is seen by new queries once that cache expires.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging

from telegram import (
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    Update,
)
from telegram.constants import InlineQueryResultLimit, ParseMode
from telegram.ext import ContextTypes

from answer.render import act_phrase
from answer.types import Answer
from index.errors import StorybotError
from texts import PARTY_FRAMES, text

from .common import state, user_language
from .questions import meaningful
from .render import escape, is_web_url, quote_block, shorten

log = logging.getLogger(__name__)

MAX_RESULTS = 5
CACHE_SECONDS = 60  # Telegram keeps the results of a query this long (per query; not personal)
MAX_INLINE_QUOTE = 1500  # characters of a quote in the sent message; the results list shows less


def inline_results(answer: Answer) -> list[InlineQueryResultArticle]:
    """Up to MAX_RESULTS results for `answer`: one per quote, or one per party for a who-question."""
    lang = answer.language
    stem = hashlib.sha1(answer.question.encode("utf-8")).hexdigest()[:16]
    results: list[InlineQueryResultArticle] = []
    if not answer.answered:
        return results
    if answer.parties:
        for number, party in enumerate(answer.parties[:MAX_RESULTS], 1):
            act = act_phrase(party, lang)
            head = f"{number}. {party.speaker}" + (f" — {act}" if act else "")
            quote = party.quotes[-1]
            body = f"<b>{escape(PARTY_FRAMES[lang]['header'])}</b>\n<b>{escape(shorten(head, 300))}</b>\n"
            body += quote_block(quote, lang, limit=MAX_INLINE_QUOTE)
            results.append(_article(f"{stem}:{number}", shorten(head, 100), quote.text, body, quote.url))
        return results
    for number, quote in enumerate(answer.quotes[:MAX_RESULTS], 1):
        body = quote_block(quote, lang, limit=MAX_INLINE_QUOTE)
        results.append(_article(f"{stem}:{number}", shorten(quote.text, 100), quote.title, body, quote.url))
    return results


def _article(result_id: str, title: str, description: str, html: str, url: str | None) -> InlineQueryResultArticle:
    assert len(result_id.encode()) <= InlineQueryResultLimit.MAX_ID_LENGTH
    return InlineQueryResultArticle(
        id=result_id,
        title=title,
        description=shorten(description, 200),
        input_message_content=InputTextMessageContent(html, parse_mode=ParseMode.HTML),
        url=url if is_web_url(url) else None,
    )


async def on_inline_query(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """@bot question: the answer's quotes as results, or a "not found" button."""
    query = update.inline_query
    assert query is not None
    question = query.query.strip()
    lang = user_language(query.from_user, question)
    if not meaningful(question):
        button = InlineQueryResultsButton(text=text(lang, "inline_empty"), start_parameter="help")
        await query.answer([], cache_time=CACHE_SECONDS, button=button)
        return
    try:
        answer = await asyncio.to_thread(state(context).engine.ask, question, language=lang)
    except StorybotError as err:
        log.error("cannot answer an inline query: %s", err)
        return  # no answer: Telegram shows nothing, as for a query still loading
    results = inline_results(answer)
    button = None
    if not results:
        button = InlineQueryResultsButton(text=text(lang, "inline_not_found"), start_parameter="notfound")
    await query.answer(results, cache_time=CACHE_SECONDS, button=button)
    log.info("inline query answered: %d result(s)", len(results))


async def on_chosen_inline_result(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A reader sent one of the inline results (Telegram reports it when inline feedback is on)."""
    chosen = update.chosen_inline_result
    assert chosen is not None
    log.info("inline result %s chosen", chosen.result_id)
