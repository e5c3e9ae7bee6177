"""Every Telegram handler in one table, in the order python-telegram-bot tries them, and the per-user limit.

Private chat: every text message is a question. Groups: `/ask question`, a message that mentions the
bot, or a reply to one of the bot's messages; other chatter gets no reply at all. The handlers live by
intent: questions, commands, buttons, uploads, links (and feeds), errors; common.py holds what they share.
"""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    BaseHandler,
    CallbackQueryHandler,
    ChosenInlineResultHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from answer.engine import Engine
from index.errors import StorybotError
from texts import text

from .buttons import on_example, on_more, on_paragraph, on_sources_page, on_timeline_page, on_unknown_button
from .commands import (
    on_help,
    on_non_text,
    on_reindex,
    on_sources,
    on_start,
    on_stories,
    on_timeline,
    on_unknown_command,
    on_who,
)
from .common import (
    ADDRESSED,
    GROUP,
    NEW,
    NON_TEXT,
    PRIVATE,
    RETRY_LATER,
    STATE,
    BotState,
    acknowledge,
    reply,
    state,
    update_ids,
    user_language,
)
from .config import BotSettings
from .errors import on_error
from .feedback import on_feedback, on_vote
from .feedback_store import FeedbackStore, feedback_path
from .follows import on_follow, on_follow_button, on_following, on_unfollow
from .inline import on_chosen_inline_result, on_inline_query
from .links import ONLY_LINKS, on_add, on_add_link, on_feeds, on_link, on_reader_link, remember_language, schedule_feeds
from .questions import on_ask, on_group_text, on_new, on_private_text
from .ratelimit import RateLimiter, SharedRateLimiter
from .render import Outgoing
from .state import StateStore
from .uploads import on_document, on_upload_choice

log = logging.getLogger(__name__)

COMMANDS = {
    "start": on_start,
    "help": on_help,
    "sources": on_sources,
    "ask": on_ask,
    "who": on_who,
    "stories": on_stories,
    "timeline": on_timeline,
    "reindex": on_reindex,
    "follow": on_follow,  # a story; a feed's link: admins, like /add and /feeds
    "following": on_following,
    "unfollow": on_unfollow,
    "add": on_add,
    "feeds": on_feeds,
    "new": on_new,
    "feedback": on_feedback,  # admins
}


def handlers(settings: BotSettings) -> list[BaseHandler]:
    """The handlers, in the order they are tried: the first that matches an update answers it."""
    table: list[BaseHandler] = [CommandHandler(name, callback, filters=NEW) for name, callback in COMMANDS.items()]
    links = NEW & filters.TEXT & ~filters.COMMAND & (PRIVATE | (GROUP & ADDRESSED)) & ONLY_LINKS
    if settings.admins:  # an admin's message of links adds them (before it is taken for a question)
        table.append(MessageHandler(links & filters.User(user_id=settings.admins), on_link))
    table += [
        # A reader's message of links only: say what the bot does with links; the admins get a button.
        MessageHandler(links, on_reader_link),
        MessageHandler(NEW & PRIVATE & filters.COMMAND, on_unknown_command),
        MessageHandler(NEW & PRIVATE & filters.TEXT, on_private_text),
        MessageHandler(NEW & GROUP & filters.TEXT & ~filters.COMMAND & ADDRESSED, on_group_text),
        MessageHandler(NEW & filters.Document.ALL & (PRIVATE | ADDRESSED), on_document),
        MessageHandler(NON_TEXT & (PRIVATE | ADDRESSED), on_non_text),
        CallbackQueryHandler(on_example, pattern=r"^ask:"),
        CallbackQueryHandler(on_paragraph, pattern=r"^para:"),
        CallbackQueryHandler(on_more, pattern=r"^more:"),
        CallbackQueryHandler(on_upload_choice, pattern=r"^up:"),
        CallbackQueryHandler(on_sources_page, pattern=r"^src:"),
        CallbackQueryHandler(on_timeline_page, pattern=r"^tl:"),
        CallbackQueryHandler(on_vote, pattern=r"^fb:"),
        CallbackQueryHandler(on_follow_button, pattern=r"^fs:"),
        CallbackQueryHandler(on_add_link, pattern=r"^addlink:"),
        CallbackQueryHandler(on_unknown_button),
        InlineQueryHandler(on_inline_query),
        ChosenInlineResultHandler(on_chosen_inline_result),
    ]
    return table


def register(application: Application, engine: Engine, settings: BotSettings) -> None:
    """Store the shared state, add every handler and the feed schedule to `application`."""
    application.bot_data[STATE] = BotState(
        engine=engine,
        settings=settings,
        # Replicas share a reader's limit through their database; one bot counts in memory.
        limiter=SharedRateLimiter(
            settings.rate_limit, application.inbox.store, application.inbox.bot_id  # type: ignore[attr-defined]
        )
        if settings.replicas > 1
        else RateLimiter(settings.rate_limit),
        feedback=_feedback(application.inbox.store, engine.settings.index_dir),  # type: ignore[attr-defined]
    )
    application.bot_data[RETRY_LATER] = set()
    application.add_handler(TypeHandler(Update, gate), group=-1)
    application.add_handlers(handlers(settings))
    application.add_error_handler(on_error)
    schedule_feeds(application, settings)


def _feedback(store: StateStore, index_dir: Path) -> FeedbackStore:
    """The votes, in the state database; a feedback.sqlite3 left beside the index folder is brought in."""
    try:
        return FeedbackStore(store, legacy=feedback_path(index_dir))
    except StorybotError as err:  # the bot answers anyway; the old votes stay in their file
        log.error("%s", err)
        return FeedbackStore(store)


async def gate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Count every interaction a handler would answer (questions, commands, taps, media) toward the
    per-user limit; past it, one polite notice per window and nothing else (ApplicationHandlerStop)."""
    answered = [h for h in context.application.handlers.get(0, []) if h.check_update(update) not in (None, False)]
    if not answered:
        return  # group chatter and the like: not for the bot, not counted
    remember_language(update, context)
    st = state(context)
    user = update.effective_user
    verdict = await st.limiter.admit(user.id if user else 0)
    if verdict.allowed:
        return
    log.info("update %s refused: rate limit (%s)", update.update_id, update_ids(update))
    notice = text(user_language(user), "rate_limited", limit=st.limiter.limit, seconds=verdict.retry_after)
    query = update.callback_query
    if update.inline_query is not None:
        with contextlib.suppress(TelegramError):  # an empty list, so the reader's client stops waiting
            await update.inline_query.answer([], cache_time=0)
    elif query is not None:
        # A tap must be answered or its button spins; the notice itself only once per window.
        await acknowledge(query, notice if verdict.notify else None)
    elif verdict.notify and update.effective_message is not None:
        await reply(update.effective_message, Outgoing(notice))
    raise ApplicationHandlerStop


