"""/follow, /following, /unfollow: chats follow stories (a link instead keeps following an RSS feed).

`/follow 3` or `/follow words naming the story` subscribes the chat (in a group, an admin of the group
must ask), and so does the "follow this story" button under answers and story maps (fs:<language>:<id>);
bot/alerts.py then tells it what the story's new articles say. `/follow https://…/rss` and
`/unfollow https://…/rss` stay the admins' feed commands (bot/links.py).
"""

from __future__ import annotations

import asyncio
import logging
import re

from telegram import Message, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from answer.stories import find_story
from index.errors import StorybotError
from texts import CATALOGUES, story_text, text

from . import links, render
from .common import acknowledge, reply, state, user_language
from .render import Outgoing, escape
from .state import StoryFollows

log = logging.getLogger(__name__)

FOLLOWS = "storybot.follows"  # bot_data: the StoryFollows of this bot
_FEED = ("http://", "https://")


def follows_of(context: ContextTypes.DEFAULT_TYPE) -> StoryFollows:
    """The bot's story subscriptions, kept in its state database (the inbox's)."""
    found = context.application.bot_data.get(FOLLOWS)
    if found is None:
        inbox = context.application.inbox  # type: ignore[attr-defined]
        found = context.application.bot_data[FOLLOWS] = StoryFollows(inbox.store, inbox.bot_id)
    return found


def _words(update: Update) -> str:
    message = update.effective_message
    parts = (message.text or "").split(maxsplit=1) if message is not None else []
    return parts[1].strip() if len(parts) > 1 else ""


async def _may_subscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """In a private chat anyone; in a group only its admins (the whole group receives the alerts)."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return False
    if chat.type == ChatType.PRIVATE:
        return True
    try:
        member = await context.bot.get_chat_member(chat.id, user.id)
    except TelegramError as err:
        log.warning("cannot check whether user %s is an admin of chat %s: %s", user.id, chat.id, err)
        return False
    return member.status in (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)


async def on_follow(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/follow <story or words>: follow a story; /follow <feed link>: the admins' feed following."""
    words = _words(update)
    if words.lower().startswith(_FEED):
        await links.on_follow(update, context)
        return
    message = update.effective_message
    assert message is not None
    lang = user_language(update.effective_user, words)
    if not words:
        await reply(message, Outgoing(escape(story_text(lang, "follow_usage"))))
        return
    if not await _may_subscribe(update, context):
        await reply(message, Outgoing(escape(story_text(lang, "follow_admins"))))
        return
    try:
        story = await asyncio.to_thread(find_story, state(context).engine, words)
    except StorybotError as err:
        log.error("cannot find the story to follow: %s", err)
        await reply(message, Outgoing(text(lang, "unavailable")))
        return
    if story is None:
        await reply(message, Outgoing(escape(story_text(lang, "not_found", words=render.shorten(words, 100)))))
        return
    articles = [a.article_id for a in story.articles]
    created = await asyncio.to_thread(follows_of(context).follow, message.chat_id, story.id, lang, articles)
    key = "followed" if created else "already_followed"
    await reply(message, Outgoing(escape(story_text(lang, key, id=story.id, name=render.shorten(story.name, 150)))))


async def on_follow_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The "follow this story" button under an answer or a story map (callback fs:<language>:<story id>).

    The same rules as /follow: in a group only its admins; a chat already following is told so. A new
    subscription is said in the chat (a group sees that it follows the story now), the rest in an alert.
    """
    query = update.callback_query
    assert query is not None and query.data is not None
    _, lang, story_id = [*query.data.split(":"), "", ""][:3]
    lang = lang if lang in CATALOGUES else user_language(query.from_user)  # forged data stays harmless
    message = query.message if isinstance(query.message, Message) else None
    if message is None or not re.fullmatch(r"[0-9]{1,9}", story_id):
        await acknowledge(query, text(user_language(query.from_user), "button_stale"))
        return
    if not await _may_subscribe(update, context):
        await acknowledge(query, story_text(lang, "follow_admins"))
        return
    try:
        story = await asyncio.to_thread(find_story, state(context).engine, story_id)
    except StorybotError as err:
        log.error("cannot find the story to follow: %s", err)
        await acknowledge(query, text(lang, "unavailable"))
        return
    if story is None:
        await acknowledge(query, story_text(lang, "timeline_gone"))
        return
    articles = [a.article_id for a in story.articles]
    created = await asyncio.to_thread(follows_of(context).follow, message.chat_id, story.id, lang, articles)
    name = render.shorten(story.name, 100)  # an alert holds 200 characters
    if not created:
        await acknowledge(query, story_text(lang, "already_followed", id=story.id, name=name))
        return
    await acknowledge(query)
    await reply(message, Outgoing(escape(story_text(lang, "followed", id=story.id, name=name))))


async def on_unfollow(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/unfollow <story number or words>; /unfollow <feed link>: the admins' feed command."""
    words = _words(update)
    if words.lower().startswith(_FEED):
        await links.on_unfollow(update, context)
        return
    message = update.effective_message
    assert message is not None
    lang = user_language(update.effective_user)
    if not await _may_subscribe(update, context):
        await reply(message, Outgoing(escape(story_text(lang, "follow_admins"))))
        return
    story = await asyncio.to_thread(find_story, state(context).engine, words) if words else None
    removed = story is not None and await asyncio.to_thread(follows_of(context).unfollow, message.chat_id, story.id)
    if story is None or not removed:
        await reply(message, Outgoing(escape(story_text(lang, "not_followed"))))
        return
    await reply(message, Outgoing(escape(story_text(lang, "unfollowed", id=story.id,
                                                    name=render.shorten(story.name, 150)))))


async def on_following(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/following: the stories this chat follows."""
    message = update.effective_message
    assert message is not None
    lang = user_language(update.effective_user)
    engine = state(context).engine

    def names() -> list[tuple[int, str]]:
        out = []
        for follow in follows_of(context).of_chat(message.chat_id):
            story = find_story(engine, str(follow.story_id))
            out.append((follow.story_id, story.name if story is not None else "?"))
        return out

    await reply(message, render.render_following(await asyncio.to_thread(names), lang))
