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
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    MessageEntity,
    ReplyParameters,
    Update,
    User,
)
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from index.answer import Answer
from index.articles import Article
from index.engine import Engine
from index.errors import StorybotError
from index.parties import TopicNeeded

from . import render
from .config import BotSettings
from .logs import log_question
from .ratelimit import RateLimiter
from .render import Outgoing, escape, text
from .uploads import (
    PendingUpload,
    PendingUploads,
    UploadProblem,
    check_article,
    existing_bytes,
    safe_article_name,
    write_article,
)

log = logging.getLogger(__name__)

STATE = "storybot"
TYPING_EVERY = 4.5  # seconds; Telegram shows "typing…" for 5 s per chat action
TYPING_GRACE = 1.0  # seconds a chat action still in flight may take before the answer goes out
MAX_EXAMPLES = 5
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


@dataclass
class BotState:
    """What the handlers share: the engine, the settings and per-user bookkeeping."""

    engine: Engine
    settings: BotSettings
    limiter: RateLimiter
    uploads: PendingUploads = field(default_factory=PendingUploads)
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
    """Send `outgoing` as replies to `message` (HTML, no link previews)."""
    sent = []
    for item in [outgoing] if isinstance(outgoing, Outgoing) else outgoing:
        sent.append(
            await message.reply_text(
                item.text,
                parse_mode=ParseMode.HTML,
                reply_markup=item.keyboard,
                link_preview_options=NO_PREVIEW,
                reply_parameters=ReplyParameters(message.message_id, allow_sending_without_reply=True),
            )
        )
    return sent


async def edit(message: Message, html: str, keyboard: InlineKeyboardMarkup | None = None) -> None:
    """Replace the text of one of the bot's messages; an unchanged text is not an error."""
    try:
        await message.edit_text(html, parse_mode=ParseMode.HTML, reply_markup=keyboard, link_preview_options=NO_PREVIEW)
    except BadRequest as err:
        if "not modified" not in str(err).lower():
            raise


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
    """Rate-limit, answer `question` off the event loop, and reply to `asked` with the rendered answer."""
    started = time.perf_counter()
    st = state(context)
    verdict = st.limiter.check(user.id if user else 0)
    if not verdict.allowed:
        if verdict.notify:
            lang = user_language(user)
            await reply(
                asked,
                Outgoing(text(lang, "rate_limited", limit=st.limiter.limit, seconds=verdict.retry_after)),
            )
        log.info("question refused: rate limit (chat=%s)", asked.chat.type)
        return
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
    await answer_question(context, message.text, asked=message, user=update.effective_user)


async def on_group_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Group message that mentions the bot or replies to it: the text without the mention is the question."""
    message = update.effective_message
    assert message is not None
    question = without_mentions(message)
    if not question:
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
    if not question and replied is not None and replied.text and not is_reply_to_bot(message):
        question = replied.text
    if not question:
        await _usage(context, message, update.effective_user, "ask_usage")
        return
    await answer_question(context, question, asked=message, user=update.effective_user)


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


async def on_sources(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/sources: the indexed articles."""
    message = update.effective_message
    assert message is not None
    lang = user_language(update.effective_user)
    try:
        articles = await asyncio.to_thread(state(context).engine.articles)
    except StorybotError as err:
        log.error("cannot list the articles: %s", err)
        await reply(message, Outgoing(text(lang, "unavailable")))
        return
    await reply(message, render.render_sources(articles, lang))


async def on_who(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/who [topic]: the story's parties and their stances, each with a button that shows its quote."""
    message = update.effective_message
    assert message is not None and message.text is not None
    user = update.effective_user
    lang = user_language(user)
    st = state(context)
    verdict = st.limiter.check(user.id if user else 0)
    if not verdict.allowed:
        if verdict.notify:
            limited = text(lang, "rate_limited", limit=st.limiter.limit, seconds=verdict.retry_after)
            await reply(message, Outgoing(limited))
        return
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
    await edit(status, await _rebuild(st, lang, message))


async def _rebuild(st: BotState, lang: str, message: Message) -> str:
    """Run an incremental rebuild off the event loop; the summary, or the error, as HTML."""
    async with typing(message):
        try:
            summary = await asyncio.to_thread(st.engine.rebuild, progress=False)
        except StorybotError as err:
            log.error("rebuild failed: %s", err)
            return text(lang, "reindex_failed", error=escape(str(err)))
    log.info("index rebuilt: %s", summary.describe().replace("\n", " "))
    return render.render_summary(summary, lang)


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
        await reply(message, Outgoing(text(lang, "upload_bad_type", name=escape(original))))
        return
    limit = st.settings.max_upload_bytes
    try:
        if document.file_size and document.file_size > limit:
            raise UploadProblem("upload_too_big", size=-(-document.file_size // 1024), limit=limit // 1024)
        async with typing(message):
            file = await document.get_file()
            raw = bytes(await file.download_as_bytearray())
        article = await asyncio.to_thread(check_article, name, raw, limit)
    except UploadProblem as problem:
        values = {k: escape(str(v)) for k, v in problem.values.items()}
        await reply(message, Outgoing(text(lang, problem.key, name=escape(name), **values)))
        return
    folder = st.engine.settings.articles_dir
    old = await asyncio.to_thread(existing_bytes, folder, name)
    if old == raw:
        await reply(message, Outgoing(text(lang, "upload_same", name=escape(name))))
        return
    if old is None and await asyncio.to_thread(write_article, folder, name, raw, replace=False):
        [status] = await reply(message, Outgoing(text(lang, "upload_received", name=escape(name))))
        log.info("article %s added by user %s", name, user.id if user else None)
        added = text(lang, "upload_added", title=escape(article.title), name=escape(name))
        await edit(status, f"{added}\n\n{await _rebuild(st, lang, message)}")
        return
    # The name is taken: replacing an article needs the admin's explicit yes.
    pending = PendingUpload(name, raw, article.title, user.id if user else 0, time.monotonic())
    token = st.uploads.put(pending)
    old_title = _title_of(old, name)
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(text(lang, "upload_replace_button"), callback_data=f"up:{token}:y"),
                InlineKeyboardButton(text(lang, "upload_keep_button"), callback_data=f"up:{token}:n"),
            ]
        ]
    )
    question = text(lang, "upload_exists", name=escape(name), old_title=escape(old_title), title=escape(article.title))
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
        await query.answer(text(lang, "admins_only"), show_alert=True)
        return
    await query.answer()
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
    await asyncio.to_thread(write_article, folder, pending.name, pending.data, replace=True)
    log.info("article %s replaced by user %s", pending.name, query.from_user.id)
    await edit(message, text(lang, "upload_received", name=name))
    replaced = text(lang, "upload_replaced", name=name, title=escape(pending.title))
    await edit(message, f"{replaced}\n\n{await _rebuild(st, lang, message)}")


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
        question = examples[int(index)] if index.isdigit() and int(index) < len(examples) else None
    if message is None or question is None:
        await query.answer(text(user_language(query.from_user), "button_stale"), show_alert=True)
        return
    await query.answer()
    await answer_question(context, question, asked=message, user=query.from_user, echo=True)


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
        await query.answer(text(lang, "paragraph_gone"), show_alert=True)
        return
    await query.answer()
    article, number = found
    body = article.paragraph_text(number)
    await reply(message, render.render_paragraph(article.title, article.url, number, body, ref.language))


# --- errors ------------------------------------------------------------------------------------


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log any failure with its update id, tell the user something went wrong, keep running."""
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("update %s failed: %s", update_id, context.error, exc_info=context.error)
    if not isinstance(update, Update):
        return
    lang = user_language(update.effective_user)
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(text(lang, "error"), show_alert=True)
        elif update.effective_message is not None:
            await reply(update.effective_message, Outgoing(text(lang, "error")))
    except TelegramError as err:
        log.warning("could not tell the user about the failure of update %s: %s", update_id, err)


# --- wiring ------------------------------------------------------------------------------------


def register(application: Application, engine: Engine, settings: BotSettings) -> None:
    """Store the shared state and add every handler to `application`."""
    application.bot_data[STATE] = BotState(engine=engine, settings=settings, limiter=RateLimiter(settings.rate_limit))
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
    application.add_handler(MessageHandler(NEW & PRIVATE & filters.COMMAND, on_unknown_command))
    application.add_handler(MessageHandler(NEW & PRIVATE & filters.TEXT, on_private_text))
    application.add_handler(MessageHandler(NEW & GROUP & filters.TEXT & ~filters.COMMAND & ADDRESSED, on_group_text))
    application.add_handler(MessageHandler(NEW & filters.Document.ALL & (PRIVATE | ADDRESSED), on_document))
    application.add_handler(MessageHandler(NON_TEXT & (PRIVATE | ADDRESSED), on_non_text))
    application.add_handler(CallbackQueryHandler(on_example, pattern=r"^ask:"))
    application.add_handler(CallbackQueryHandler(on_paragraph, pattern=r"^para:"))
    application.add_handler(CallbackQueryHandler(on_upload_choice, pattern=r"^up:"))
    application.add_error_handler(on_error)


def bot_commands(language: str) -> list[tuple[str, str]]:
    """The command list for setMyCommands in `language`."""
    return list(render.COMMANDS[language])
