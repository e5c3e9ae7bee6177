"""Commands: /start, /help, /sources, /who (with its map), /stories, /timeline, /reindex, and unknown commands
and non-text messages.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import (
    BotCommandScope,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    InputFile,
    Update,
)
from telegram.ext import (
    ContextTypes,
)

from answer.engine import Engine
from answer.parties import TopicNeeded
from answer.stories import all_stories, find_story
from answer.story_map import draw_map
from answer.timeline import Timeline, story_timeline
from answer.types import Party
from index.errors import StorybotError
from texts import COMMANDS, story_text, text

from . import render
from .common import BotState, admin_message, edit, note_sent, rebuild_reply, reply, state, typing, user_language
from .render import Outgoing, escape

log = logging.getLogger(__name__)


MAX_EXAMPLES = 5


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
    """/sources: the indexed articles (dated ones newest first, then undated ones by title), a page at a time."""
    message = update.effective_message
    assert message is not None
    lang = user_language(update.effective_user)
    try:
        sources = await asyncio.to_thread(state(context).engine.sources)
    except StorybotError as err:
        log.error("cannot list the articles: %s", err)
        await reply(message, Outgoing(text(lang, "unavailable")))
        return
    await reply(message, render.render_sources(sources, lang))


async def on_who(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/who [topic]: the story's parties and their stances, each with a button that shows its quote."""
    message = update.effective_message
    assert message is not None and message.text is not None
    user = update.effective_user
    st = state(context)  # the per-user limit is counted by `gate`, as for every command
    parts = message.text.split(maxsplit=1)
    topic = parts[1].strip() if len(parts) > 1 else ""
    lang = user_language(user, topic)
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
    drawn = await _draw_map(st, parties, topic, lang) if parties else None
    # With the map, the party buttons (and "follow this story") go under the picture, where the list ends.
    await reply(message, render.render_who(parties, lang, buttons=drawn is None))
    if drawn is not None:
        png, name, story_id = drawn
        sent = await message.reply_photo(
            InputFile(png, filename="story_map.png"),
            caption=render.map_caption(name, lang),
            reply_markup=render.map_keyboard(parties, lang, story_id),
        )
        note_sent(sent.message_id)


def _map_png(engine: Engine, parties: tuple[Party, ...], topic: str, lang: str) -> tuple[bytes, str, int | None]:
    """The story map's PNG, the name it is captioned with (the topic, else the story's name) and the id of
    the story the topic names (the latest without one; None when none)."""
    story = find_story(engine, topic)
    name = topic or (story.name if story is not None else "")
    return draw_map(parties, lang, name).png, name, story.id if story is not None else None


async def _draw_map(
    st: BotState, parties: tuple[Party, ...], topic: str, lang: str
) -> tuple[bytes, str, int | None] | None:
    """The map of who did what to whom (see _map_png); None when it cannot be drawn (the list goes alone)."""
    try:
        return await asyncio.to_thread(_map_png, st.engine, parties, topic, lang)
    except StorybotError as err:
        log.error("cannot draw the story map: %s", err)
        return None


async def on_stories(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/stories: the stories of the index, the most recently active first."""
    message = update.effective_message
    assert message is not None
    lang = user_language(update.effective_user)
    try:
        stories = await asyncio.to_thread(all_stories, state(context).engine)
    except StorybotError as err:
        log.error("cannot list the stories: %s", err)
        await reply(message, Outgoing(text(lang, "unavailable")))
        return
    await reply(message, render.render_stories(stories, lang))


def timeline_of(engine: Engine, words: str) -> Timeline | None:
    """The timeline of the story `words` name (an id, words, or the latest when empty); None when none."""
    story = find_story(engine, words)
    return story_timeline(engine.snapshot, story) if story is not None else None


async def on_timeline(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/timeline [story or topic]: the story's statements by day, a page at a time with buttons."""
    message = update.effective_message
    assert message is not None and message.text is not None
    parts = message.text.split(maxsplit=1)
    words = parts[1].strip() if len(parts) > 1 else ""
    lang = user_language(update.effective_user, words)
    async with typing(message):
        try:
            timeline = await asyncio.to_thread(timeline_of, state(context).engine, words)
        except StorybotError as err:
            log.error("cannot build the timeline: %s", err)
            await reply(message, Outgoing(text(lang, "unavailable")))
            return
    if timeline is None:
        key = "not_found" if words else "none"
        await reply(message, Outgoing(escape(story_text(lang, key, words=render.shorten(words, 100)))))
        return
    await reply(message, render.render_timeline(timeline, lang))


def _example_topic(st: BotState) -> str:
    """A topic to suggest: the first indexed article's title, shortened."""
    articles = st.engine.articles()
    return render.shorten(articles[0].title, 60) if articles else "Vinasun"


async def on_reindex(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/reindex (admins): incremental rebuild, answered with its summary."""
    checked = await admin_message(update, context)
    if checked is None:
        return
    message, lang = checked
    st = state(context)
    [status] = await reply(message, Outgoing(text(lang, "reindexing")))
    async with st.ingest:
        await edit(status, await rebuild_reply(st, lang, message))


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


# What every reader sees in the menu.
READER_COMMANDS = ("ask", "who", "timeline", "stories", "follow", "following", "sources", "new", "help")
ADMIN_COMMANDS = ("add", "reindex", "feeds", "feedback")  # ... and what admins see besides


def bot_commands(language: str, *, admin: bool = False) -> list[tuple[str, str]]:
    """The command menu in `language`: readers' commands, and with `admin` the admins' ones too."""
    shown = READER_COMMANDS + (ADMIN_COMMANDS if admin else ())
    described = dict(COMMANDS[language])
    return [(name, described[name]) for name in shown]


def command_scopes(admins: frozenset[int]) -> list[tuple[BotCommandScope, bool]]:
    """(scope, with the admins' commands) for each menu setMyCommands is given.

    Readers get the default menu, in every chat and in private chats; the bot's admins, in their
    private chats with it, and every group's administrators get the admins' commands too.
    """
    scopes: list[tuple[BotCommandScope, bool]] = [
        (BotCommandScopeDefault(), False),
        (BotCommandScopeAllPrivateChats(), False),
        (BotCommandScopeAllChatAdministrators(), True),
    ]
    scopes += [(BotCommandScopeChat(chat_id=admin), True) for admin in sorted(admins)]
    return scopes
