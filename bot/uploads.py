"""Uploads (admins only): a .txt/.md document is saved into the articles folder and indexed; an
existing article is replaced only after the admin taps "replace".
"""

from __future__ import annotations

import asyncio
import logging
import time

from telegram import (
    Document,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.error import BadRequest
from telegram.ext import (
    ContextTypes,
)

from index.articles import Article
from index.reasons import Reason
from ingest.uploads import (
    PendingUpload,
    UploadProblem,
    check_article,
    digest,
    existing_bytes,
    safe_article_name,
    same_content,
    write_article,
)
from texts import text

from .common import BotState, acknowledge, edit, rebuild_reply, reply, state, typing, user_language
from .config import TELEGRAM_DOWNLOAD_LIMIT
from .render import Outgoing, display_name, escape

log = logging.getLogger(__name__)


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
    """The problem in `lang`, a reason included (Reason values are worded from the catalogue)."""
    values = {
        k: escape(display_name(v.describe(lang).rstrip(".") if isinstance(v, Reason) else str(v)))
        for k, v in problem.values.items()
    }
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
        await edit(status, f"{added}\n\n{await rebuild_reply(st, lang, message, only=[name])}")
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
        await edit(message, f"{replaced}\n\n{await rebuild_reply(st, lang, message, only=[pending.name])}")
