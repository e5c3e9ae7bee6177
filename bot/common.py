"""What every handler shares: the bot's state, the filters for messages meant for it, sending,
"typing…", and the index update after a change (answered as HTML).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field

from telegram import (
    CallbackQuery,
    InlineKeyboardMarkup,
    Message,
    MessageEntity,
    Update,
    User,
)
from telegram.constants import CallbackQueryLimit, ChatAction
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    ContextTypes,
    filters,
)

from answer.engine import Engine
from answer.question import reply_language
from index.errors import StorybotError
from ingest.add import Reindex, update_index
from ingest.uploads import (
    DISK_FULL,
    PendingUploads,
)
from texts import text

from . import render
from .config import BotSettings
from .feedback_store import FeedbackStore
from .ratelimit import RateLimiter, SharedRateLimiter
from .render import Outgoing, escape

log = logging.getLogger(__name__)




STATE = "storybot"


RETRY_LATER = "storybot.retry_later"  # bot_data: ids of updates whose answer surely was not sent


TYPING_EVERY = 4.5  # seconds; Telegram shows "typing…" for 5 s per chat action


TYPING_GRACE = 1.0  # seconds a chat action still in flight may take before the answer goes out


# Messages sent (or edited) while handling the current update: an update that already sent something is
# never handled again, since that would repeat what was sent.
SENT: ContextVar[list[int] | None] = ContextVar("storybot_sent", default=None)


@dataclass
class BotState:
    """What the handlers share: the engine, the settings and per-user bookkeeping."""

    engine: Engine
    settings: BotSettings
    limiter: RateLimiter | SharedRateLimiter
    uploads: PendingUploads = field(default_factory=PendingUploads)
    # One upload or /reindex at a time, so each summary tells what that one changed.
    ingest: asyncio.Lock = field(default_factory=asyncio.Lock)
    # (index generation, examples it answers): /start shows only examples that work.
    examples: tuple[str | None, list[tuple[int, str]]] = (None, [])
    feedback: FeedbackStore | None = None  # readers' votes on answers


def state(context: ContextTypes.DEFAULT_TYPE) -> BotState:
    """The BotState stored in the application's bot_data."""
    return context.bot_data[STATE]


def user_language(user: User | None, question: str = "") -> str:
    """The language of everything the bot says to `user`: the one way every handler picks it.

    Telegram's `language_code` when it is Vietnamese or English, else the language of `question` (what
    the user just wrote), else Vietnamese (answer.question.reply_language).
    """
    return reply_language(user.language_code if user else None, question)


def bot_mentions(message: Message) -> list[MessageEntity]:
    """The entities of `message` (text or caption) that mention this bot."""
    bot = message.get_bot()
    username = f"@{bot.username}".lower() if bot.username else None
    kinds = [MessageEntity.MENTION, MessageEntity.TEXT_MENTION]
    parsed = message.parse_entities(kinds) if message.text else message.parse_caption_entities(kinds)
    return [
        entity
        for entity, value in parsed.items()
        if (entity.type == MessageEntity.MENTION and value.lower() == username)
        or (entity.type == MessageEntity.TEXT_MENTION and entity.user is not None and entity.user.id == bot.id)
    ]


def is_reply_to_bot(message: Message) -> bool:
    """True when `message` replies to one of this bot's messages."""
    reply = message.reply_to_message
    return reply is not None and reply.from_user is not None and reply.from_user.id == message.get_bot().id


class _AddressedToBot(filters.MessageFilter):
    """Group messages meant for the bot: they mention it or reply to it."""

    __slots__ = ()

    def filter(self, message: Message) -> bool:
        return is_reply_to_bot(message) or bool(bot_mentions(message))


ADDRESSED = _AddressedToBot(name="addressed to the bot")


NEW = filters.UpdateType.MESSAGE  # edits of old messages are not asked again


PRIVATE = filters.ChatType.PRIVATE


GROUP = filters.ChatType.GROUPS


NON_TEXT = NEW & ~filters.TEXT & ~filters.Document.ALL & ~filters.StatusUpdate.ALL


def without_mentions(message: Message) -> str:
    """The message text with the mentions of this bot taken out (offsets are UTF-16, as Telegram's)."""
    data = (message.text or "").encode("utf-16-le")
    for entity in sorted(bot_mentions(message), key=lambda e: e.offset, reverse=True):
        data = data[: 2 * entity.offset] + data[2 * (entity.offset + entity.length) :]
    return " ".join(data.decode("utf-16-le").split())


async def reply(message: Message, outgoing: Sequence[Outgoing] | Outgoing) -> list[Message]:
    """Send `outgoing` as replies to `message` (HTML, no link previews: the application's Defaults)."""
    sent = []
    for item in [outgoing] if isinstance(outgoing, Outgoing) else outgoing:
        sent.append(await message.reply_text(item.text, reply_markup=item.keyboard))
        note_sent(sent[-1].message_id)
    return sent


async def edit(message: Message, html: str, keyboard: InlineKeyboardMarkup | None = None) -> None:
    """Replace the text of one of the bot's messages; an unchanged text is not an error."""
    try:
        await message.edit_text(html, reply_markup=keyboard)
    except BadRequest as err:
        if "not modified" not in str(err).lower():
            raise
    note_sent(message.message_id)


def note_sent(message_id: int) -> None:
    """Count a message the bot sent as part of the update being answered."""
    sent = SENT.get()
    if sent is not None:
        sent.append(message_id)


async def acknowledge(query: CallbackQuery, notice: str | None = None) -> None:
    """Answer a button tap (stops its spinner; `notice` as an alert). Never fails the handler.

    Telegram refuses an answer after about 15 s ("query is too old"), e.g. when
    taps queued up while the bot was busy or down; the tap's work is still
    done, and a notice that could not be shown as an alert (too late, or over
    Telegram's 200 characters) is sent as a message.
    """
    fits = notice is None or len(notice) <= CallbackQueryLimit.ANSWER_CALLBACK_QUERY_TEXT_LENGTH
    try:
        await query.answer(notice if fits else None, show_alert=notice is not None and fits)
        if fits:
            return
    except BadRequest as err:
        log.info("callback query %s answered too late (%s); doing its work anyway", query.id, err)
    except TelegramError as err:
        log.warning("could not answer callback query %s: %s", query.id, err)
    message = query.message if isinstance(query.message, Message) else None
    if notice is not None and message is not None:
        with contextlib.suppress(TelegramError):
            await reply(message, Outgoing(escape(notice)))


@contextlib.asynccontextmanager
async def typing(message: Message) -> AsyncIterator[None]:
    """Show "typing…" in the chat until the block ends.

    The chat action is sent concurrently with the work, so it adds no delay; at
    the end it is allowed to finish (briefly) rather than cut off, so that it
    reaches Telegram before the answer and not after it.
    """
    stop = asyncio.Event()

    async def keep_typing() -> None:
        while not stop.is_set():
            try:
                await message.reply_chat_action(ChatAction.TYPING)
            except TelegramError as err:
                log.debug("chat action failed: %s", err)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), TYPING_EVERY)

    task = asyncio.create_task(keep_typing())
    try:
        yield
    finally:
        stop.set()
        done, _ = await asyncio.wait({task}, timeout=TYPING_GRACE)
        if not done:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def rebuild_reply(st: BotState, lang: str, message: Message, only: list[str] | None = None) -> str:
    """Run an incremental rebuild off the event loop; the summary, or what went wrong, as HTML.

    `only`: the article files just saved (the build looks at those alone); None checks the folder.
    Never raises (but for cancellation): the "updating…" message it replaces must always be updated.
    """
    async with typing(message):
        try:
            if only is None:
                summary = await asyncio.to_thread(st.engine.rebuild, progress=False)
            else:  # articles just added: the one way of bringing the index up to date after adding
                indexed = await asyncio.to_thread(update_index, only, reindex(st))
                if indexed.error is not None:
                    raise indexed.error
                assert indexed.summary is not None
                summary = indexed.summary
        except StorybotError as err:
            log.error("rebuild failed: %s", err)
            if disk_full(err):  # the index's DiskFullError carries the OSError as its cause
                return text(lang, "reindex_disk_full")
            return text(lang, "reindex_failed", error=escape(str(err)))
        except Exception as err:
            if disk_full(err):
                log.error("rebuild failed: the disk is full (%s)", err)
                return text(lang, "reindex_disk_full")
            log.exception("rebuild failed")
            return text(lang, "reindex_error")
    log.info("index rebuilt: %s", summary.describe().replace("\n", " "))
    return render.render_summary(summary, lang)


def disk_full(err: BaseException) -> bool:
    """True when `err` (or what caused it) says the disk or quota is full."""
    seen: BaseException | None = err
    while seen is not None:
        if isinstance(seen, OSError) and seen.errno in DISK_FULL:
            return True
        if "No space left on device" in str(seen) or "Disk quota exceeded" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def update_ids(update: Update) -> str:
    chat = update.effective_chat
    user = update.effective_user
    return f"chat {chat.id if chat else None}, user {user.id if user else None}"


def reindex(st: BotState) -> Reindex:
    """The running engine's incremental rebuild, which switches the bot to the new index."""
    return lambda added: st.engine.rebuild(progress=False, only=added)


async def admin_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> tuple[Message, str] | None:
    """(message, language) when the sender is an admin; otherwise says so and returns None."""
    msg = update.effective_message
    assert msg is not None
    user = update.effective_user
    lang = user_language(user)
    if not state(context).settings.is_admin(user.id if user else None):
        log.info("%s refused for user %s", (msg.text or "").split(" ")[0], user.id if user else None)
        await reply(msg, Outgoing(text(lang, "admins_only")))
        return None
    return msg, lang
