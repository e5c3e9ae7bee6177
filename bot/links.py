"""Adding articles from the web (admins only): links and /add, and followed feeds (/follow, /unfollow,
/feeds, and the JobQueue round that reads them, telling the admin chat what it added). The network and
the index update run in worker threads.

A reader's link is not fetched: the reader is told what the bot does with links, and each admin gets
it with an "Add this article" button (the address kept in the admin's chat_data under a short key, as
callback data holds 64 bytes at most), which adds it the one way (ingest.add).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import re
from pathlib import Path

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
    User,
)
from telegram.constants import ChatType
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    Application,
    ContextTypes,
    filters,
)

from index.errors import StorybotError
from ingest import feeds as feed_registry
from ingest.add import add_articles, update_index
from ingest.config import IngestSettings
from ingest.links import LinkResult
from ingest.messages import IngestProblem, message
from texts import text

from .common import (
    STATE,
    BotState,
    acknowledge,
    admin_message,
    edit,
    note_sent,
    reindex,
    reply,
    state,
    typing,
    user_language,
    without_mentions,
)
from .config import BotSettings
from .render import Outgoing, escape, pack_lines
from .state import StateInbox

log = logging.getLogger(__name__)


MAX_LINKS = 10  # per message: each link is a fetch


FIRST_ROUND_AFTER = 30.0  # seconds after start


_LINK = re.compile(r"^(https?://|www\.)\S+$", re.IGNORECASE)


_ROUND_LOCK = "storybot.feed_round"


SUGGESTED = "storybot.suggested_links"  # an admin's chat_data: {key: address} of readers' links


MAX_SUGGESTED = 200  # per admin chat: the oldest are forgotten (their buttons then say so)


LANGUAGE = "storybot.language"  # a private chat's chat_data: the language its user was last spoken to in


def links_in(text: str) -> list[str]:
    """The links in a message that holds nothing else; [] when it holds other words too."""
    words = text.split()
    return words if words and all(_LINK.match(w) for w in words) else []


def _ingest(st: BotState) -> IngestSettings:
    return st.settings.ingest


def _feeds_path(st: BotState) -> Path:
    return _ingest(st).feeds_path(st.engine.settings.index_dir)


async def _admin_command(
    update: Update, context: ContextTypes.DEFAULT_TYPE, usage: str, *, one: bool = True
) -> tuple[Message, str, list[str]] | None:
    """(message, language, arguments) of an admin's command; None once a refusal or `usage` was sent."""
    checked = await admin_message(update, context)
    if checked is None:
        return None
    msg, lang = checked
    args = (msg.text or "").split()[1:]
    if not args or (one and len(args) != 1):
        await _say(msg, lang, usage)
        return None
    return msg, lang, args


async def _say(msg: Message, lang: str, key: str, **values: object) -> None:
    await reply(msg, Outgoing(escape(message(lang, key, **values))))


async def add_and_reply(context: ContextTypes.DEFAULT_TYPE, msg: Message, urls: list[str], lang: str) -> None:
    """Fetch and add `urls`, then update the index; one status message, edited with each link's outcome."""
    st = state(context)
    dropped = len(urls) - MAX_LINKS
    urls = urls[:MAX_LINKS]
    [status] = await reply(msg, Outgoing(escape(message(lang, "fetching", count=len(urls)))))
    async with typing(msg):
        settings = st.engine.settings
        outcome = await asyncio.to_thread(
            add_articles, urls, settings.articles_dir, _ingest(st), reindex(st), index_dir=settings.index_dir
        )
        lines = [_result_line(r, lang) for r in outcome.results]
        if outcome.indexed is not None and outcome.indexed.error is not None:  # the files are kept
            lines.append(escape(message(lang, "index_failed", error=str(outcome.indexed.error))))
    if dropped > 0:
        lines.append(escape(message(lang, "too_many_links", limit=MAX_LINKS, dropped=dropped)))
    first, *rest = pack_lines(lines)  # long addresses may need a second message
    await edit(status, first)
    if rest:
        await reply(msg, [Outgoing(chunk) for chunk in rest])


def _result_line(result: LinkResult, lang: str) -> str:
    mark = {"added": "✅", "duplicate": "ℹ️"}.get(result.status, "⚠️")
    return f"{mark} {escape(result.describe(lang))}"


async def on_link(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An admin's message that is only links (in a group: addressed to the bot): each is added as an article."""
    msg = update.effective_message
    assert msg is not None and msg.text is not None
    await add_and_reply(context, msg, links_in(without_mentions(msg)), user_language(update.effective_user))


async def on_reader_link(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A reader's message of links only: not "not found", but what the bot does with links; the admins
    get each link with a button that adds it."""
    msg = update.effective_message
    assert msg is not None
    user = update.effective_user
    urls = links_in(without_mentions(msg))[:MAX_LINKS]
    told = await _suggest(context, urls, user)
    await reply(msg, Outgoing(text(user_language(user), "link_reader" if told else "link_reader_no_admins")))


def link_key(url: str) -> str:
    """The short key a link's button carries (callback data is at most 64 bytes; addresses are longer)."""
    return hashlib.sha256(url.encode()).hexdigest()[:16]


async def _suggest(context: ContextTypes.DEFAULT_TYPE, urls: list[str], user: User | None) -> bool:
    """Send each admin the reader's `urls`, each with an "add this article" button; True when one got them."""
    told = False
    who = escape(user.full_name if user else "?")
    for admin in sorted(state(context).settings.admins):
        chat_data = context.application.chat_data[admin]  # created on first use, saved with the others
        if context.application.persistence is not None:  # another replica may have changed it since
            await context.application.persistence.refresh_chat_data(admin, chat_data)
        lang = chat_data.get(LANGUAGE, "vi")
        kept: dict[str, str] = chat_data.setdefault(SUGGESTED, {})
        for url in urls:
            key = link_key(url)
            if key in kept:  # passed on already and not added yet: its button is still there
                told = True
                continue
            kept[key] = url  # newest last: the oldest go first beyond the limit
            while len(kept) > MAX_SUGGESTED:
                del kept[next(iter(kept))]
            button = InlineKeyboardButton(text(lang, "link_add_button"), callback_data=f"addlink:{key}")
            html = text(lang, "link_suggested", user=who, url=escape(url))
            try:
                # HTML, no link previews: the application's Defaults
                await context.bot.send_message(admin, html, reply_markup=InlineKeyboardMarkup([[button]]))
            except TelegramError as err:  # e.g. the admin never opened a chat with the bot
                log.warning("could not pass a reader's link on to admin %s: %s", admin, err)
                del kept[key]
                continue
            told = True
        context.application.mark_data_for_update_persistence(chat_ids=admin)
    return told


async def on_add_link(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An admin taps "add this article" under a reader's link: it is added like a link the admin sent."""
    query = update.callback_query
    assert query is not None and query.data is not None
    lang = user_language(query.from_user)
    if not state(context).settings.is_admin(query.from_user.id):
        await acknowledge(query, text(lang, "admins_only"))
        return
    kept = context.chat_data.get(SUGGESTED, {}) if context.chat_data is not None else {}
    url = kept.pop(query.data.removeprefix("addlink:"), None)
    message = query.message if isinstance(query.message, Message) else None
    if url is None or message is None:
        await acknowledge(query, text(lang, "link_gone"))
        return
    await acknowledge(query)
    with contextlib.suppress(BadRequest):  # the button goes: one tap adds it once
        await message.edit_reply_markup(reply_markup=None)
        note_sent(message.message_id)
    await add_and_reply(context, message, [url], lang)


def remember_language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Keep the language a private chat's user is spoken to in, for messages the bot sends on its own
    (a reader's link passed on to an admin)."""
    chat, user, kept = update.effective_chat, update.effective_user, context.chat_data
    private = chat is not None and chat.type == ChatType.PRIVATE
    if private and user is not None and user.language_code and kept is not None:
        kept[LANGUAGE] = user_language(user)


async def on_add(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/add URL... (admins)."""
    command = await _admin_command(update, context, "add_usage", one=False)
    if command is not None:
        msg, lang, urls = command
        await add_and_reply(context, msg, urls, lang)


async def on_follow(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/follow FEED_URL (admins): register the feed; its entries are added at once, then on schedule."""
    command = await _admin_command(update, context, "follow_usage")
    if command is None:
        return
    msg, lang, [url] = command
    st = state(context)
    try:
        async with typing(msg):
            feed, created, entries = await asyncio.to_thread(
                feed_registry.follow, _feeds_path(st), url, _ingest(st), report_chat=msg.chat_id, language=lang
            )
    except IngestProblem as problem:
        await reply(msg, Outgoing(escape(problem.describe(lang))))
        return
    if not created:
        await _say(msg, lang, "already_following", title=feed.title)
        return
    await _say(msg, lang, "following", title=feed.title, entries=entries, minutes=f"{_ingest(st).feed_seconds / 60:g}")
    if context.job_queue is not None:
        context.job_queue.run_once(poll_feeds, 0, name="storybot first feed round")


async def on_unfollow(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/unfollow FEED_URL (admins)."""
    command = await _admin_command(update, context, "unfollow_usage")
    if command is None:
        return
    msg, lang, [url] = command
    try:
        feed = await asyncio.to_thread(feed_registry.unfollow, _feeds_path(state(context)), url)
    except IngestProblem as problem:
        await reply(msg, Outgoing(escape(problem.describe(lang))))
        return
    await _say(msg, lang, "unfollowed", title=feed.title)


async def on_feeds(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/feeds (admins): the followed feeds and how each is doing."""
    checked = await admin_message(update, context)
    if checked is None:
        return
    msg, lang = checked
    feeds = await asyncio.to_thread(feed_registry.load, _feeds_path(state(context)))
    lines = [escape(line) for line in feed_registry.describe_feeds(feeds, lang)]
    lines[0] = f"<b>{lines[0]}</b>"
    await reply(msg, [Outgoing(chunk) for chunk in pack_lines(lines)])


_SCHEDULED = "storybot feeds"  # the job of the scheduled rounds (a /follow's first round is not leased)


async def poll_feeds(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The JobQueue job: one round over the due feeds, then a report per feed in its admin chat."""
    st: BotState = context.bot_data[STATE]
    lock: asyncio.Lock = context.bot_data.setdefault(_ROUND_LOCK, asyncio.Lock())
    index_failure: list[str] = []
    inbox = getattr(context.application, "inbox", None)
    if context.job is not None and context.job.name == _SCHEDULED and isinstance(inbox, StateInbox):
        # Replicas sharing a database: the scheduled round runs on the one that takes the round's lease.
        seconds = st.settings.ingest.feed_seconds * 0.9
        name = f"feed-round:{inbox.bot_id}"
        if not await asyncio.to_thread(inbox.store.take_lease, name, inbox.holder, seconds):
            log.info("feed round left to the replica holding its lease")
            return

    def rebuild(added: list[str]) -> None:
        indexed = update_index(added, reindex(st))
        if indexed.error is not None:  # the articles are saved: the next build takes them
            index_failure.append(str(indexed.error))

    async with lock:  # a /follow's first round and the schedule never overlap
        try:
            reports = await asyncio.to_thread(feed_registry.run_round, st.engine.settings, _ingest(st), rebuild)
        except StorybotError as err:  # the registry cannot be read
            log.error("feed round failed: %s", err)
            return
    for report in reports:
        lines = [escape(line) for line in feed_registry.describe_report(report, report.language)]
        if not lines:
            continue
        lines[0] = f"<b>{lines[0]}</b>"
        if report.added and index_failure:
            lines.append(escape(message(report.language, "index_failed", error=index_failure[0])))
        chats = [report.report_chat] if report.report_chat is not None else sorted(st.settings.admins)
        for chat in chats:
            for chunk in pack_lines(lines):
                try:
                    await context.bot.send_message(chat, chunk)  # HTML, no previews: the application's Defaults
                except TelegramError as err:
                    log.warning("could not report feed %s to chat %s: %s", report.feed_url, chat, err)


def schedule_feeds(application: Application, settings: BotSettings) -> None:
    """Read the followed feeds every --feed-minutes, the first round soon after start."""
    if application.job_queue is None:
        log.warning("feeds are not polled: python-telegram-bot[job-queue] is not installed")
        return
    seconds = settings.ingest.feed_seconds
    # The first round soon after start: feeds that fell due while the bot was down are caught up.
    first = min(seconds, FIRST_ROUND_AFTER)
    # A round that starts late (a busy event loop) still runs, once: APScheduler's default would drop a
    # round more than 1 s late until the next interval.
    application.job_queue.run_repeating(
        poll_feeds, interval=seconds, first=first, name=_SCHEDULED,
        job_kwargs={"misfire_grace_time": max(1, int(seconds)), "coalesce": True},
    )


class _OnlyLinks(filters.MessageFilter):
    """Messages whose text is nothing but links."""

    __slots__ = ()

    def filter(self, message: Message) -> bool:
        return bool(message.text) and bool(links_in(without_mentions(message)))


ONLY_LINKS = _OnlyLinks(name="only links")
