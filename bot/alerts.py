"""Alerts to the chats that follow a story (/follow): what the new articles of a followed story say.

After the index changes (an upload, /add, /reindex, a feed round, a rebuild beside the bot), each
subscription whose story gained articles it was not told of gets one message with their statements:
speaker, act, verbatim quote, link. The first alert of a subscription goes at once; later ones for the
same story and chat wait until ALERT_EVERY has passed since the last, and then tell everything new at
once. Articles told of are recorded per subscription (bot/state.py), so a restart or a re-run of the
same round sends nothing twice. A chat that blocked the bot (403) loses its subscriptions; an alert
refused otherwise is tried again after RETRY_FAILED.

Alerts to many chats go out one after another through the bot's rate limiter (bot/network.py), which
keeps them within Telegram's flood limits and waits out a 429's retry_after before sending again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

from telegram import Bot
from telegram.error import Forbidden, TelegramError

from answer.engine import Engine
from answer.stories import find_story
from answer.timeline import Entry, story_timeline

from . import render
from .state import Follow, StoryFollows

log = logging.getLogger(__name__)

ALERT_EVERY = 15 * 60.0  # seconds: at most one alert per story and chat in this time, after the first
RETRY_FAILED = 60.0  # seconds before an alert Telegram refused (a network error, a flood not waited out) is retried
LEASE = "story alerts"  # replicas sharing a database: one of them sends a round's alerts


@dataclass(frozen=True)
class Due:
    """An alert to send: the subscription, the new articles and their statements."""

    follow: Follow
    story_name: str
    articles: list[str]
    entries: list[Entry]


def due_alerts(engine: Engine, follows: StoryFollows, now: float) -> tuple[list[Due], float | None]:
    """The alerts due now, and when the next batched one falls due (None when none waits)."""
    due: list[Due] = []
    next_due: float | None = None
    timelines: dict[int, tuple[str, list[str], list[Entry]] | None] = {}
    for follow in follows.all():
        if follow.story_id not in timelines:
            story = find_story(engine, str(follow.story_id))
            if story is None:
                timelines[follow.story_id] = None
            else:
                timeline = story_timeline(engine.snapshot, story)
                timelines[follow.story_id] = (story.name, [a.article_id for a in story.articles],
                                              list(timeline.entries))
        found = timelines[follow.story_id]
        if found is None:
            continue  # the story is gone from the index (its articles removed); nothing new to tell
        name, articles, entries = found
        told = follows.alerted(follow.chat_id, follow.story_id)
        new = [a for a in articles if a not in told]
        if not new:
            continue
        if follow.last_alert is not None and now - follow.last_alert < ALERT_EVERY:
            when = follow.last_alert + ALERT_EVERY
            next_due = when if next_due is None else min(next_due, when)
            continue
        due.append(Due(follow, name, new, [e for e in entries if e.article_id in new]))
    return due, next_due


async def send_alerts(bot: Bot, engine: Engine, follows: StoryFollows) -> float | None:
    """Send the alerts due now; when the next batched one falls due."""
    now = time.time()
    due, next_due = await asyncio.to_thread(due_alerts, engine, follows, now)
    for alert in due:
        chat, story = alert.follow.chat_id, alert.follow.story_id
        if not alert.entries:  # new articles that quote no one: nothing to tell, nothing to tell later
            await asyncio.to_thread(follows.told, chat, story, alert.articles, alert.follow.last_alert or 0.0)
            continue
        told: list[str] = []
        try:
            for html, sent in render.render_alert(alert.story_name, alert.entries, alert.follow.language):
                await bot.send_message(chat, html)
                # An article is told once all its statements went out: a later part refused is sent again
                # (after RETRY_FAILED: the alert's time is set when all of it went out) without the parts
                # before it; only the statements of an article split across the refused part repeat.
                done = told_articles(alert, sent)
                if done != told:
                    await asyncio.to_thread(follows.told, chat, story, [a for a in done if a not in told], None)
                    told = done
        except Forbidden as err:
            removed = await asyncio.to_thread(follows.unfollow_chat, chat)
            log.info("chat %s blocked the bot (%s): %d subscription(s) dropped", chat, err, removed)
            continue
        except TelegramError as err:
            # Not told: due again at once, so tried again after RETRY_FAILED (not only at the next index change).
            log.warning("alert to chat %s about story %s not sent (tried again later): %s", chat, story, err)
            retry = now + RETRY_FAILED
            next_due = retry if next_due is None else min(next_due, retry)
            continue
        # The rest (articles without statements among them) are told with the last part.
        await asyncio.to_thread(follows.told, chat, story, [a for a in alert.articles if a not in told], now)
        log.info("chat %s told of %d new article(s) of story %s", chat, len(alert.articles), story)
    return next_due


def told_articles(alert: Due, sent: int) -> list[str]:
    """The new articles of `alert` all of whose statements are among its first `sent` entries."""
    rest = {e.article_id for e in alert.entries[sent:]}
    return [a for a in alert.articles if a not in rest and any(e.article_id == a for e in alert.entries[:sent])]


async def watch_follows(bot: Bot, engine: Engine, follows: StoryFollows, every: float, holder: str) -> None:
    """Forever: after each index change, and when a batched alert falls due, send the alerts due."""
    seen: str | None = None
    next_due: float | None = None
    while True:
        await asyncio.sleep(every)
        generation = engine.loaded_generation  # not engine.snapshot: that would load a new index here, on the loop
        if generation is None or (generation == seen and (next_due is None or time.time() < next_due)):
            continue
        try:
            # Replicas sharing the database (PostgreSQL, or one SQLite file on one machine): one sends them.
            if not await asyncio.to_thread(follows.store.take_lease, LEASE, holder, 60.0):
                continue  # another replica sends them
            next_due = await send_alerts(bot, engine, follows)
            seen = generation
        except Exception:
            log.exception("cannot send the story alerts")
