"""Buttons under the bot's messages: example questions, a quote's full paragraph, more parties or quotes,
/sources and /timeline pages.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re

from telegram import (
    Message,
    Update,
)
from telegram.ext import (
    ContextTypes,
)

from answer.engine import Engine
from answer.stories import find_story
from answer.timeline import story_timeline
from index.articles import Article
from index.dates import article_date
from texts import CATALOGUES, story_text, text

from . import render
from .common import acknowledge, edit, reply, state, user_language
from .questions import answer_question

log = logging.getLogger(__name__)


async def on_sources_page(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The "newer / older" buttons under /sources: the same message shows another page."""
    query = update.callback_query
    assert query is not None and query.data is not None
    _, lang, page = [*query.data.split(":"), "", ""][:3]
    message = query.message if isinstance(query.message, Message) else None
    if message is None or not re.fullmatch(r"[0-9]{1,6}", page):
        await acknowledge(query, text(user_language(query.from_user), "button_stale"))
        return
    await acknowledge(query)
    sources = await asyncio.to_thread(state(context).engine.sources)
    shown = render.render_sources(sources, lang, int(page))
    await edit(message, shown.text, shown.keyboard)


async def on_timeline_page(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The "previous / next" buttons under /timeline: the same message shows another page.

    A button sent before the story gained statements still works: it shows that page of the story's
    current timeline, saying so; a story no longer in the index is said to be gone.
    """
    query = update.callback_query
    assert query is not None and query.data is not None
    _, lang, story_id, page, stamp = [*query.data.split(":"), "", "", "", ""][:5]
    lang = lang if lang in CATALOGUES else user_language(query.from_user)  # forged data stays harmless
    message = query.message if isinstance(query.message, Message) else None
    if message is None or not re.fullmatch(r"[0-9]{1,9}", story_id) or not re.fullmatch(r"[0-9]{1,6}", page):
        await acknowledge(query, text(user_language(query.from_user), "button_stale"))
        return
    engine = state(context).engine
    story = await asyncio.to_thread(find_story, engine, story_id)
    if story is None:
        await acknowledge(query, story_text(lang, "timeline_gone"))
        return
    await acknowledge(query)
    timeline = await asyncio.to_thread(story_timeline, engine.snapshot, story)
    note = story_text(lang, "timeline_updated") if render.timeline_stamp(timeline) != stamp else ""
    shown = render.render_timeline(timeline, lang, int(page), note=note)
    await edit(message, shown.text, shown.keyboard)


async def on_example(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A tapped example question from /start: answered as if it had been typed."""
    query = update.callback_query
    assert query is not None and query.data is not None
    st = state(context)
    message = query.message if isinstance(query.message, Message) else None
    question = _button_text(message, query.data)
    if question is None:
        index = query.data.removeprefix("ask:")
        examples = st.settings.examples
        # ASCII digits only: "²".isdigit() is true but int("²") fails.
        question = examples[int(index)] if re.fullmatch(r"[0-9]{1,4}", index) and int(index) < len(examples) else None
    if message is None or question is None:
        await acknowledge(query, text(user_language(query.from_user), "button_stale"))
        return
    await acknowledge(query)
    await answer_question(context, question, asked=message, user=query.from_user, echo=True)


async def on_unknown_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A button this bot does not know (from an older version, or forged): say so, so it stops spinning."""
    query = update.callback_query
    assert query is not None
    await acknowledge(query, text(user_language(query.from_user), "button_stale"))


def _button_text(message: Message | None, data: str) -> str | None:
    """The label of the button with callback `data` under `message`: the example question shown."""
    if message is None or message.reply_markup is None:
        return None
    for row in message.reply_markup.inline_keyboard:
        for button in row:
            if button.callback_data == data:
                return button.text
    return None


def _find_paragraph(engine: Engine, ref: render.ParagraphRef) -> tuple[Article, int] | None:
    """The article and paragraph a "full paragraph" button points at, if the quote is still there."""
    for info in engine.articles():
        if render.article_key(info.id) != ref.article_key:
            continue
        article = engine.snapshot.article(info.id)
        if not 0 <= ref.start < ref.end <= len(article.text):
            return None
        if render.text_hash(article.text[ref.start : ref.end]) != ref.quote_hash:
            return None
        for para in article.paragraphs:
            if para.start <= ref.start and ref.end <= para.end:
                return article, para.number
        return None
    return None


async def on_paragraph(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The "full paragraph" button under a quote: the whole paragraph, as a reply to the answer."""
    query = update.callback_query
    assert query is not None and query.data is not None
    lang = user_language(query.from_user)
    ref = render.parse_paragraph_callback(query.data)
    message = query.message if isinstance(query.message, Message) else None
    found = await asyncio.to_thread(_find_paragraph, state(context).engine, ref) if ref else None
    if found is None or message is None:
        await acknowledge(query, text(lang, "paragraph_gone"))
        return
    await acknowledge(query)
    article, number = found
    body = article.paragraph_text(number)
    date = article_date(article)
    begin = article.paragraphs[number - 1].start
    mark = (ref.start - begin, ref.end - begin)  # the quote, marked in its paragraph
    shown = render.render_paragraph(article.title, article.url, number, body, ref.language, date=date, mark=mark)
    await reply(message, shown)


async def on_more(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The "+N" and "more quotes" buttons under a short who-answer: every party with all its quotes.

    The answer is a reply to the reader's question, so the question is asked again (answers are
    deterministic for an unchanged index); nothing is kept per chat.
    """
    query = update.callback_query
    assert query is not None and query.data is not None
    message = query.message if isinstance(query.message, Message) else None
    asked = message.reply_to_message if message is not None else None
    question = asked.text if asked is not None else None
    lang = user_language(query.from_user, question or "")
    if message is None or not question:
        await acknowledge(query, text(lang, "button_stale"))
        return
    await acknowledge(query)
    answer = await asyncio.to_thread(functools.partial(state(context).engine.ask, question, language=lang))
    if not answer.parties:
        await acknowledge(query, text(lang, "button_stale"))
        return
    await reply(message, render.render_parties(answer.parties, answer.language, full=True))
