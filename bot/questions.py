"""Questions: a private message, a group message that mentions or replies to the bot, /ask.

The model runs in a worker thread so that one slow question does not hold up the others.
"""

from __future__ import annotations

import asyncio
import logging
import time
import unicodedata

from telegram import (
    Message,
    Update,
    User,
)
from telegram.constants import ChatType
from telegram.ext import (
    ContextTypes,
)

from answer.engine import Engine
from answer.followup import Context, context_of
from answer.stories import story_of_articles
from answer.types import Answer
from index.errors import StorybotError
from texts import text

from . import render, talk
from .common import is_reply_to_bot, reply, state, typing, user_language, without_mentions
from .feedback import with_votes
from .logs import log_question
from .render import Outgoing, escape

log = logging.getLogger(__name__)


def _ask(
    engine: Engine, question: str, context: Context | None, language: str
) -> tuple[Answer, frozenset[int], int | None]:
    """Answer `question` framed in `language` (in a worker thread): the answer, which quotes already are a
    whole paragraph, and the id of the story its quotes come from (for the "follow this story" button;
    None when none)."""
    answer = engine.ask(question, context=context, language=language)
    quoted = [q.article_id for q in answer.quotes] + [q.article_id for p in answer.parties for q in p.quotes]
    story = story_of_articles(engine, quoted) if answer.answered and quoted else None
    whole = set()
    for index, quote in enumerate(answer.quotes):
        try:
            para = engine.snapshot.article(quote.article_id).paragraphs[quote.paragraph - 1]
        except (KeyError, IndexError):
            continue  # the index moved on meanwhile: keep the button, the tap re-checks
        if (para.start, para.end) == (quote.start, quote.end):
            whole.add(index)
    return answer, frozenset(whole), story.id if story is not None else None


async def answer_question(
    context: ContextTypes.DEFAULT_TYPE,
    question: str,
    *,
    asked: Message,
    user: User | None,
    echo: bool = False,
) -> None:
    """Answer `question` off the event loop and reply to `asked` with the rendered answer."""
    started = time.perf_counter()
    st = state(context)
    private = asked.chat.type == ChatType.PRIVATE
    previous = talk.context_for(context.chat_data, asked, time.time(), private=private)
    lang = user_language(user, question)
    async with typing(asked):
        try:
            answer, whole, story_id = await asyncio.to_thread(_ask, st.engine, question, previous, lang)
            generation = st.engine.snapshot.generation
        except StorybotError as err:
            # The index is unreadable (e.g. rebuilt with another model): an operator problem, not the user's.
            log.error("cannot answer: %s", err)
            await reply(asked, Outgoing(text(lang, "unavailable")))
            return
    messages = render.render_answer(answer, whole_paragraphs=whole, echo_question=echo)
    if story_id is not None:
        last = messages[-1]
        messages[-1] = Outgoing(last.text, render.with_follow(last.keyboard, story_id, answer.language))
    if st.feedback is not None:
        key = await asyncio.to_thread(st.feedback.add_answer, answer, generation)
        last = messages[-1]
        messages[-1] = Outgoing(last.text, with_votes(last.keyboard, key, answer.language))
    sent = await reply(asked, messages)
    talk.remember(context.chat_data, asked, context_of(answer, time.time()), [m.message_id for m in sent])
    log_question(
        chat_type=asked.chat.type,
        milliseconds=(time.perf_counter() - started) * 1000,
        answered=answer.answered,
        best_score=answer.passages[0].score if answer.passages else 0.0,
        quotes=len(answer.quotes),
        messages=len(messages),
        question=question,
    )


async def on_private_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Private chat: the whole message is the question."""
    message = update.effective_message
    assert message is not None and message.text is not None
    if not meaningful(message.text):
        await _usage(context, message, update.effective_user, "empty_mention")
        return
    await answer_question(context, message.text, asked=message, user=update.effective_user)


async def on_group_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Group message that mentions the bot or replies to it: the text without the mention is the question."""
    message = update.effective_message
    assert message is not None
    question = without_mentions(message)
    if not meaningful(question):
        await _usage(context, message, update.effective_user, "empty_mention")
        return
    await answer_question(context, question, asked=message, user=update.effective_user)


async def on_ask(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/ask question. Sent as a reply with no question, the replied message's text is asked."""
    message = update.effective_message
    assert message is not None and message.text is not None
    parts = message.text.split(maxsplit=1)
    question = parts[1].strip() if len(parts) > 1 else ""
    replied = message.reply_to_message
    if not meaningful(question) and replied is not None and replied.text and not is_reply_to_bot(message):
        question = replied.text
    if not meaningful(question):
        await _usage(context, message, update.effective_user, "ask_usage")
        return
    await answer_question(context, question, asked=message, user=update.effective_user)


def meaningful(question: str) -> bool:
    """True when `question` has something to ask: not only spaces and invisible characters (zero-width...)."""
    return any(not char.isspace() and unicodedata.category(char) not in ("Cf", "Cc") for char in question)


async def _usage(context: ContextTypes.DEFAULT_TYPE, message: Message, user: User | None, key: str) -> None:
    """Tell someone who asked nothing how to ask, with an example question."""
    example = escape(state(context).settings.examples[0])
    await reply(message, Outgoing(text(user_language(user), key, example=example)))


async def on_new(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/new: forget the conversation, so the next question is read on its own."""
    message = update.effective_message
    assert message is not None
    talk.forget(context.chat_data, message)
    await reply(message, Outgoing(text(user_language(update.effective_user), "new_conversation")))
