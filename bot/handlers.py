"""Telegram handlers: who is asking what, and which reply goes back.

Private chat: every text message is a question. Groups: `/ask question`, a
message that mentions the bot, or a reply to one of the bot's messages; other
chatter gets no reply at all. The model runs in a worker thread so that one
slow question does not hold up the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
import unicodedata
from collections.abc import AsyncIterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field

from telegram import (
    CallbackQuery,
    Document,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    MessageEntity,
    Update,
    User,
)
from telegram.constants import CallbackQueryLimit, ChatAction
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from answer.engine import Engine
from answer.parties import TopicNeeded
from answer.types import Answer
from index.articles import Article
from index.dates import article_date
from index.errors import StorybotError
from index.store import ArticleInfo
from ingest.uploads import (
    DISK_FULL,
    PendingUpload,
    PendingUploads,
    UploadProblem,
    check_article,
    digest,
    existing_bytes,
    safe_article_name,
    same_content,
    write_article,
)

from . import render
from .config import TELEGRAM_DOWNLOAD_LIMIT, BotSettings
from .logs import log_question
from .network import surely_not_sent
from .ratelimit import RateLimiter
from .render import Outgoing, display_name, escape
from .texts import COMMANDS, text

log = logging.getLogger(__name__)

STATE = "storybot"
RETRY_LATER = "storybot.retry_later"  # bot_data: ids of updates whose answer surely was not sent
TYPING_EVERY = 4.5  # seconds; Telegram shows "typing…" for 5 s per chat action
TYPING_GRACE = 1.0  # seconds a chat action still in flight may take before the answer goes out
MAX_EXAMPLES = 5
# Messages sent (or edited) while handling the current update: an update that already sent something is
# never handled again, since that would repeat what was sent.
SENT: ContextVar[list[int] | None] = ContextVar("storybot_sent", default=None)


@dataclass
class BotState:
    """What the handlers share: the engine, the settings and per-user bookkeeping."""

    engine: Engine
    settings: BotSettings
    limiter: RateLimiter
    uploads: PendingUploads = field(default_factory=PendingUploads)
    # One upload or /reindex at a time, so each summary tells what that one changed.
    ingest: asyncio.Lock = field(default_factory=asyncio.Lock)
    # (index generation, examples it answers): /start shows only examples that work.
    examples: tuple[str | None, list[tuple[int, str]]] = (None, [])


def state(context: ContextTypes.DEFAULT_TYPE) -> BotState:
    """The BotState stored in the application's bot_data."""
    return context.bot_data[STATE]


def user_language(user: User | None) -> str:
    """Language for texts that answer no question: English for English Telegram users, else Vietnamese."""
    code = (user.language_code or "") if user else ""
    return "en" if code.lower().startswith("en") else "vi"


# --- filters -----------------------------------------------------------------------------------


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


# --- sending -----------------------------------------------------------------------------------


async def reply(message: Message, outgoing: Sequence[Outgoing] | Outgoing) -> list[Message]:
    """Send `outgoing` as replies to `message` (HTML, no link previews: the application's Defaults)."""
    sent = []
    for item in [outgoing] if isinstance(outgoing, Outgoing) else outgoing:
        sent.append(await message.reply_text(item.text, reply_markup=item.keyboard))
        _note_sent(sent[-1].message_id)
    return sent


async def edit(message: Message, html: str, keyboard: InlineKeyboardMarkup | None = None) -> None:
    """Replace the text of one of the bot's messages; an unchanged text is not an error."""
    try:
        await message.edit_text(html, reply_markup=keyboard)
    except BadRequest as err:
        if "not modified" not in str(err).lower():
            raise
    _note_sent(message.message_id)


def _note_sent(message_id: int) -> None:
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


# --- questions ---------------------------------------------------------------------------------


def _ask(engine: Engine, question: str) -> tuple[Answer, frozenset[int]]:
    """Answer `question` (in a worker thread) and find which quotes already are a whole paragraph."""
    answer = engine.ask(question)
    whole = set()
    for index, quote in enumerate(answer.quotes):
        try:
            para = engine.snapshot.article(quote.article_id).paragraphs[quote.paragraph - 1]
        except (KeyError, IndexError):
            continue  # the index moved on meanwhile: keep the button, the tap re-checks
        if (para.start, para.end) == (quote.start, quote.end):
            whole.add(index)
    return answer, frozenset(whole)


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
    async with typing(asked):
        try:
            answer, whole = await asyncio.to_thread(_ask, st.engine, question)
        except StorybotError as err:
            # The index is unreadable (e.g. rebuilt with another model): an operator problem, not the user's.
            log.error("cannot answer: %s", err)
            await reply(asked, Outgoing(text(user_language(user), "unavailable")))
            return
    messages = render.render_answer(answer, whole_paragraphs=whole, echo_question=echo)
    await reply(asked, messages)
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


# --- commands ----------------------------------------------------------------------------------


def _answered_examples(st: BotState) -> list[tuple[int, str]]:
    """The configured examples the current index answers (cached per index generation)."""
    generation = st.engine.snapshot.generation
    cached_generation, cached = st.examples
    if cached_generation == generation:
        return cached
    shown = []
    for index, question in enumerate(st.settings.examples):
        if len(shown) == MAX_EXAMPLES:
            break
        if st.engine.ask(question).answered:
            shown.append((index, question))
        else:
            log.info("example question %r is not answered by the index; not shown on /start", question)
    st.examples = (generation, shown)
    return shown


async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start: what the bot knows, how to ask, and example questions to tap."""
    message = update.effective_message
    assert message is not None
    st = state(context)
    lang = user_language(update.effective_user)
    try:
        articles = await asyncio.to_thread(st.engine.articles)
        examples = await asyncio.to_thread(_answered_examples, st)
    except StorybotError as err:
        log.error("cannot list the articles: %s", err)
        articles, examples = [], []
    await reply(message, render.render_start(articles, examples, lang))


async def on_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/help."""
    message = update.effective_message
    assert message is not None
    st = state(context)
    user = update.effective_user
    admin = st.settings.is_admin(user.id if user else None)
    limit_kb = st.settings.max_upload_bytes // 1024
    await reply(message, render.render_help(user_language(user), admin=admin, upload_limit_kb=limit_kb))


def sources_newest_first(engine: Engine) -> list[ArticleInfo]:
    """The indexed articles with their dates, newest first; undated ones last, by title."""
    sources = engine.articles()
    sources.sort(key=lambda s: s.title.casefold())
    sources.sort(key=lambda s: s.date or "", reverse=True)  # stable: same-day articles stay by title
    return sources


async def on_sources(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/sources: the indexed articles, newest first, a page at a time."""
    message = update.effective_message
    assert message is not None
    lang = user_language(update.effective_user)
    try:
        sources = await asyncio.to_thread(sources_newest_first, state(context).engine)
    except StorybotError as err:
        log.error("cannot list the articles: %s", err)
        await reply(message, Outgoing(text(lang, "unavailable")))
        return
    await reply(message, render.render_sources(sources, lang))


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
    sources = await asyncio.to_thread(sources_newest_first, state(context).engine)
    shown = render.render_sources(sources, lang, int(page))
    await edit(message, shown.text, shown.keyboard)


async def on_who(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/who [topic]: the story's parties and their stances, each with a button that shows its quote."""
    message = update.effective_message
    assert message is not None and message.text is not None
    user = update.effective_user
    lang = user_language(user)
    st = state(context)  # the per-user limit is counted by `gate`, as for every command
    parts = message.text.split(maxsplit=1)
    topic = parts[1].strip() if len(parts) > 1 else ""
    async with typing(message):
        try:
            parties = await asyncio.to_thread(st.engine.who, topic)
        except TopicNeeded:
            await reply(message, Outgoing(text(lang, "who_topic", example=escape(_example_topic(st)))))
            return
        except StorybotError as err:
            log.error("cannot list the parties: %s", err)
            await reply(message, Outgoing(text(lang, "unavailable")))
            return
    await reply(message, render.render_who(parties, lang))


def _example_topic(st: BotState) -> str:
    """A topic to suggest: the first indexed article's title, shortened."""
    articles = st.engine.articles()
    return render.shorten(articles[0].title, 60) if articles else "Vinasun"


async def on_reindex(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/reindex (admins): incremental rebuild, answered with its summary."""
    message = update.effective_message
    assert message is not None
    st = state(context)
    user = update.effective_user
    lang = user_language(user)
    if not st.settings.is_admin(user.id if user else None):
        log.info("/reindex refused for user %s", user.id if user else None)
        await reply(message, Outgoing(text(lang, "admins_only")))
        return
    [status] = await reply(message, Outgoing(text(lang, "reindexing")))
    async with st.ingest:
        await edit(status, await _rebuild(st, lang, message))


async def _rebuild(st: BotState, lang: str, message: Message, only: list[str] | None = None) -> str:
    """Run an incremental rebuild off the event loop; the summary, or what went wrong, as HTML.

    `only`: the article files just saved (the build looks at those alone); None checks the folder.
    Never raises (but for cancellation): the "updating…" message it replaces must always be updated.
    """
    async with typing(message):
        try:
            summary = await asyncio.to_thread(st.engine.rebuild, progress=False, only=only)
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


async def on_unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A command the bot does not have (private chats only: in groups it may be another bot's)."""
    message = update.effective_message
    assert message is not None
    await reply(message, Outgoing(text(user_language(update.effective_user), "unknown_command")))


async def on_non_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stickers, photos, voice...: a short hint that the bot reads text."""
    message = update.effective_message
    assert message is not None
    example = escape(state(context).settings.examples[0])
    await reply(message, Outgoing(text(user_language(update.effective_user), "non_text", example=example)))


# --- adding articles ---------------------------------------------------------------------------


async def on_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A document: an admin's .txt/.md file is saved into the articles folder and indexed."""
    message = update.effective_message
    assert message is not None and message.document is not None
    st = state(context)
    user = update.effective_user
    lang = user_language(user)
    if not st.settings.is_admin(user.id if user else None):
        await reply(message, Outgoing(text(lang, "upload_refused")))
        return
    document = message.document
    original = document.file_name or "?"
    name = safe_article_name(original)
    if name is None:
        await reply(message, Outgoing(text(lang, "upload_bad_type", name=escape(display_name(original)))))
        return
    try:
        async with typing(message):
            raw, article = await _download(st, document, name)
        async with st.ingest:
            await _save_new(st, message, lang, name, raw, article, user.id if user else 0)
    except UploadProblem as problem:
        await reply(message, Outgoing(_problem_text(lang, problem, name)))


def _problem_text(lang: str, problem: UploadProblem, name: str) -> str:
    values = {k: escape(display_name(str(v))) for k, v in problem.values.items()}
    return text(lang, problem.key, name=escape(name), **values)


async def _download(st: BotState, document: Document, name: str) -> tuple[bytes, Article]:
    """The uploaded file's bytes, checked as an article; UploadProblem when it cannot be one."""
    limit = st.settings.max_upload_bytes
    if document.file_size and document.file_size > limit:
        raise UploadProblem("upload_too_big", size=-(-document.file_size // 1024), limit=limit // 1024)
    try:
        file = await document.get_file()
    except BadRequest as err:
        if "too big" in str(err).lower():  # over 20 MB, sent without its size
            raise UploadProblem(
                "upload_too_big_telegram", mb=TELEGRAM_DOWNLOAD_LIMIT // 1_000_000, limit=limit // 1024
            ) from None
        raise
    if file.file_size and file.file_size > limit:  # a local Bot API server has no 20 MB cap
        raise UploadProblem("upload_too_big", size=-(-file.file_size // 1024), limit=limit // 1024)
    raw = bytes(await file.download_as_bytearray())
    return raw, await asyncio.to_thread(check_article, name, raw, limit)


async def _save_new(
    st: BotState, message: Message, lang: str, name: str, raw: bytes, article: Article, user_id: int
) -> None:
    folder = st.engine.settings.articles_dir
    old = await asyncio.to_thread(existing_bytes, folder, name)
    if old == raw:
        await reply(message, Outgoing(text(lang, "upload_same", name=escape(name))))
        return
    twin = await asyncio.to_thread(same_content, folder, raw, besides=name)
    if twin is not None:  # indexing it twice would quote the same sentence twice
        await reply(message, Outgoing(text(lang, "upload_duplicate", name=escape(name), existing=escape(twin))))
        return
    if old is None and await asyncio.to_thread(write_article, folder, name, raw, replace=False):
        [status] = await reply(message, Outgoing(text(lang, "upload_received", name=escape(name))))
        log.info("article %s added by user %s", name, user_id)
        added = text(lang, "upload_added", title=escape(display_name(article.title)), name=escape(name))
        await edit(status, f"{added}\n\n{await _rebuild(st, lang, message, only=[name])}")
        return
    if old is None:  # the name was taken between the two looks
        old = await asyncio.to_thread(existing_bytes, folder, name)
    # The name is taken: replacing an article needs the admin's explicit yes.
    pending = PendingUpload(name, raw, article.title, user_id, time.monotonic(), digest(old))
    token = st.uploads.put(pending)
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(text(lang, "upload_replace_button"), callback_data=f"up:{token}:y"),
                InlineKeyboardButton(text(lang, "upload_keep_button"), callback_data=f"up:{token}:n"),
            ]
        ]
    )
    question = text(
        lang,
        "upload_exists",
        name=escape(name),
        old_title=escape(display_name(_title_of(old, name))),
        title=escape(display_name(article.title)),
    )
    await reply(message, Outgoing(question, keyboard))


def _title_of(raw: bytes | None, name: str) -> str:
    try:
        return check_article(name, raw or b"", len(raw or b"") + 1).title
    except UploadProblem:
        return name


async def on_upload_choice(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The admin's answer to "replace the existing article?"."""
    query = update.callback_query
    assert query is not None and query.data is not None
    st = state(context)
    lang = user_language(query.from_user)
    if not st.settings.is_admin(query.from_user.id):
        await acknowledge(query, text(lang, "admins_only"))
        return
    await acknowledge(query)
    _, token, choice = [*query.data.split(":"), "", ""][:3]
    pending = st.uploads.take(token)
    message = query.message if isinstance(query.message, Message) else None
    if message is None:
        return
    if pending is None:
        await edit(message, text(lang, "upload_expired"))
        return
    name = escape(pending.name)
    if choice != "y":
        await edit(message, text(lang, "upload_kept", name=name))
        return
    folder = st.engine.settings.articles_dir
    async with st.ingest:
        if digest(await asyncio.to_thread(existing_bytes, folder, pending.name)) != pending.old_digest:
            # Edited (or removed) since the question: replacing would silently lose that edit.
            await edit(message, text(lang, "upload_changed", name=name))
            return
        try:
            await asyncio.to_thread(write_article, folder, pending.name, pending.data, replace=True)
        except UploadProblem as problem:
            await edit(message, _problem_text(lang, problem, pending.name))
            return
        log.info("article %s replaced by user %s", pending.name, query.from_user.id)
        await edit(message, text(lang, "upload_received", name=name))
        replaced = text(lang, "upload_replaced", name=name, title=escape(display_name(pending.title)))
        await edit(message, f"{replaced}\n\n{await _rebuild(st, lang, message, only=[pending.name])}")


# --- buttons -----------------------------------------------------------------------------------


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
    await reply(message, render.render_paragraph(article.title, article.url, number, body, ref.language, date=date))


# --- errors ------------------------------------------------------------------------------------


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
    where = _ids(update) if is_update else "no update"
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


def _ids(update: Update) -> str:
    chat = update.effective_chat
    user = update.effective_user
    return f"chat {chat.id if chat else None}, user {user.id if user else None}"


# --- the per-user limit --------------------------------------------------------------------------


async def gate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Count every interaction a handler would answer (questions, commands, taps, media) toward the
    per-user limit; past it, one polite notice per window and nothing else (ApplicationHandlerStop)."""
    answered = [h for h in context.application.handlers.get(0, []) if h.check_update(update) not in (None, False)]
    if not answered:
        return  # group chatter and the like: not for the bot, not counted
    st = state(context)
    user = update.effective_user
    verdict = st.limiter.check(user.id if user else 0)
    if verdict.allowed:
        return
    log.info("update %s refused: rate limit (%s)", update.update_id, _ids(update))
    notice = text(user_language(user), "rate_limited", limit=st.limiter.limit, seconds=verdict.retry_after)
    query = update.callback_query
    if query is not None:
        # A tap must be answered or its button spins; the notice itself only once per window.
        await acknowledge(query, notice if verdict.notify else None)
    elif verdict.notify and update.effective_message is not None:
        await reply(update.effective_message, Outgoing(notice))
    raise ApplicationHandlerStop


# --- wiring ------------------------------------------------------------------------------------


def register(application: Application, engine: Engine, settings: BotSettings) -> None:
    """Store the shared state and add every handler to `application`."""
    application.bot_data[STATE] = BotState(engine=engine, settings=settings, limiter=RateLimiter(settings.rate_limit))
    application.bot_data[RETRY_LATER] = set()
    application.add_handler(TypeHandler(Update, gate), group=-1)
    commands = [
        ("start", on_start),
        ("help", on_help),
        ("sources", on_sources),
        ("ask", on_ask),
        ("who", on_who),
        ("reindex", on_reindex),
    ]
    for name, callback in commands:
        application.add_handler(CommandHandler(name, callback, filters=NEW))
    from . import ingest_handlers  # imports this module: registered here, before the catch-all handlers

    ingest_handlers.register(application, settings)
    application.add_handler(MessageHandler(NEW & PRIVATE & filters.COMMAND, on_unknown_command))
    application.add_handler(MessageHandler(NEW & PRIVATE & filters.TEXT, on_private_text))
    application.add_handler(MessageHandler(NEW & GROUP & filters.TEXT & ~filters.COMMAND & ADDRESSED, on_group_text))
    application.add_handler(MessageHandler(NEW & filters.Document.ALL & (PRIVATE | ADDRESSED), on_document))
    application.add_handler(MessageHandler(NON_TEXT & (PRIVATE | ADDRESSED), on_non_text))
    application.add_handler(CallbackQueryHandler(on_example, pattern=r"^ask:"))
    application.add_handler(CallbackQueryHandler(on_paragraph, pattern=r"^para:"))
    application.add_handler(CallbackQueryHandler(on_upload_choice, pattern=r"^up:"))
    application.add_handler(CallbackQueryHandler(on_sources_page, pattern=r"^src:"))
    application.add_handler(CallbackQueryHandler(on_unknown_button))
    application.add_error_handler(on_error)


def bot_commands(language: str) -> list[tuple[str, str]]:
    """The command list for setMyCommands in `language`."""
    return list(COMMANDS[language])
