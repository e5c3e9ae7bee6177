"""Adding articles from the web (admins only): links and /add, and followed feeds (/follow, /unfollow,
/feeds, and the JobQueue round that reads them, telling the admin chat what it added). The network and
the index update run in worker threads.
"""

from __future__ import annotations

import asyncio
import logging
import re
from pathlib import Path

from telegram import (
    Message,
    Update,
)
from telegram.error import TelegramError
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

from .common import STATE, BotState, admin_message, edit, reindex, reply, state, typing, user_language
from .config import BotSettings
from .render import Outgoing, escape, pack_lines
from .state import StateInbox

log = logging.getLogger(__name__)


MAX_LINKS = 10  # per message: each link is a fetch


FIRST_ROUND_AFTER = 30.0  # seconds after start


_LINK = re.compile(r"^(https?://|www\.)\S+$", re.IGNORECASE)


_ROUND_LOCK = "storybot.feed_round"


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
    """An admin's private message that is only links: each is added as an article."""
    msg = update.effective_message
    assert msg is not None and msg.text is not None
    await add_and_reply(context, msg, links_in(msg.text), user_language(update.effective_user))


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
        return bool(links_in(message.text or ""))


ONLY_LINKS = _OnlyLinks(name="only links")
