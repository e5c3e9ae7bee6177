"""Build and run the Telegram bot: python-telegram-bot's Application over the retrieval core."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import logging
import sys
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path

from telegram import Bot, LinkPreviewOptions, Update, User
from telegram.constants import ParseMode
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import Application, ApplicationBuilder, Defaults, ExtBot
from telegram.request import HTTPXRequest

from answer.engine import Engine
from index.config import Settings
from index.errors import StorybotError

from . import commands, common, handlers
from .alerts import watch_follows
from .config import DEFAULT_BASE_URL, ENV, BotSettings, bot_settings
from .conversations import StatePersistence
from .inbox import Inbox
from .logs import REDACTED, redact_token
from .network import RETRY, MessageRateLimiter, RetryingRequest, RetryPolicy
from .send_pace import SendPace
from .state import DEFAULT_NAME, StoryFollows

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "callback_query", "inline_query", "chosen_inline_result"]
PERSIST_EVERY = 5.0  # seconds between saves of changed conversations not saved with their update (and at stop)
POLL_TIMEOUT = 30  # seconds a getUpdates long poll may wait for news
CONCURRENT_UPDATES = 64
RETRY_PENDING_EVERY = 30.0  # seconds between tries to answer updates whose answer could not be sent
INBOX_NAME = DEFAULT_NAME  # the state database (SQLite), beside the index folder
STATE_NAME = "telegram-state.pickle"  # conversations as PicklePersistence kept them, brought into the database
_REFRESH_TASK = "storybot.refresh"
_ALERTS_TASK = "storybot.alerts"
ALERT_CHECK_SECONDS = 30.0  # how often followed stories are checked when the index is not refreshed
_PENDING_TASK = "storybot.pending"
# Every message: HTML, no link previews, a reply to the message it answers (even if that was deleted).
DEFAULTS = Defaults(
    parse_mode=ParseMode.HTML,
    link_preview_options=LinkPreviewOptions(is_disabled=True),
    do_quote=True,
    allow_sending_without_reply=True,
)


class BotApiUnreachable(StorybotError):
    """The Bot API server could not be reached at start."""


class InboxBot(ExtBot):
    """ExtBot whose getUpdates stores each update in the inbox before it is confirmed, and reads them one by one.

    python-telegram-bot parses a whole batch at once: one update it cannot read
    (e.g. a poll from a Bot API server older than the library) fails the batch,
    and its polling loop fetches the same batch again forever. Here such an
    update is logged once, by ids only, stored as done, and skipped; the offset
    moves past it.
    """

    def __init__(self, *args: object, inbox: Inbox | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._inbox = inbox  # attributes without "_" cannot be set on a Bot
        self._next_offset = 0

    async def get_updates(  # type: ignore[override]
        self,
        offset: int | None = None,
        limit: int | None = None,
        timeout: float | dt.timedelta | None = None,
        allowed_updates: Sequence[str] | None = None,
        *,
        read_timeout: float | None = None,
        write_timeout: object = None,
        connect_timeout: object = None,
        pool_timeout: object = None,
        api_kwargs: dict[str, object] | None = None,
    ) -> tuple[Update, ...]:
        """Fetch, store and parse updates; unreadable ones are skipped (logged once)."""
        offset = max(offset or 0, self._next_offset) or None
        data = {"timeout": timeout, "offset": offset, "limit": limit, "allowed_updates": allowed_updates}
        # A long poll may take `timeout` seconds before Telegram answers: wait that much longer for it.
        base = read_timeout if read_timeout is not None else self._request[0].read_timeout or 0
        wait = timeout.total_seconds() if isinstance(timeout, dt.timedelta) else float(timeout or 0)
        result = await self._post("getUpdates", data, read_timeout=base + wait)
        bodies = [b for b in result if isinstance(b, dict) and isinstance(b.get("update_id"), int)]
        if not bodies:
            return ()
        if self._inbox is not None:
            self._inbox.add(bodies)  # durable before the next getUpdates confirms them to Telegram
        self._next_offset = max(b["update_id"] for b in bodies) + 1
        updates = []
        for body in bodies:
            try:
                updates.append(Update.de_json(body, self))
            except Exception as err:
                self._skip_unreadable(body, err)
        return tuple(updates)

    def _skip_unreadable(self, body: dict[str, object], err: Exception) -> None:
        if self._inbox is not None and not self._inbox.skip(int(body["update_id"]), body, "unreadable"):
            return  # already reported
        log.error(
            "update %s skipped: python-telegram-bot cannot read it (%s: %s); %s",
            body["update_id"],
            type(err).__name__,
            str(err)[:200],
            describe_update(body),
        )


def describe_update(body: dict[str, object]) -> str:
    """An update's kind and ids, never its text: for logs."""
    kinds = [key for key in body if key != "update_id"]
    inner = body.get(kinds[0]) if kinds else None
    parts = [f"kind {'/'.join(kinds) or 'none'}"]
    if isinstance(inner, dict):
        chat = inner.get("chat") or (inner.get("message") or {}).get("chat")
        sender = inner.get("from")
        if isinstance(chat, dict):
            parts.append(f"chat {chat.get('id')}")
        if isinstance(sender, dict):
            parts.append(f"user {sender.get('id')}")
        kinds_inside = [k for k in inner if k not in {"message_id", "date", "chat", "from", "entities"}]
        parts.append("fields " + ",".join(sorted(kinds_inside)[:12]))
    return ", ".join(parts)


class InboxApplication(Application):  # type: ignore[type-arg]
    """Application that counts an update as done only when its handlers finished (see bot/inbox.py)."""

    def __init__(self, *, inbox: Inbox | None = None, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.inbox = inbox

    async def process_update(self, update: object) -> None:
        """Handle `update` once: skipped when already done or being handled; left pending if its answer
        surely could not be sent (common.RETRY_LATER), so it is tried again."""
        if self.inbox is None or not isinstance(update, Update):
            await super().process_update(update)
            return
        uid = update.update_id
        if not self.inbox.claim(uid, update.to_dict()):
            log.debug("update %d already handled or in hand; skipped", uid)
            return
        retry_later: set[int] = self.bot_data.setdefault(common.RETRY_LATER, set())
        sent = common.SENT.set([])  # each update runs in its own task: this list is this update's
        try:
            await super().process_update(update)
        except BaseException:
            self.inbox.finish(uid, done=False)  # cancelled at shutdown: handled again at the next start
            raise
        finally:
            common.SENT.reset(sent)
        # The chats it changed are saved now, not at the next update interval: a follow-up question
        # that another replica receives a moment later reads this answer's context.
        await self.update_persistence()
        keep = uid in retry_later
        retry_later.discard(uid)
        self.inbox.finish(uid, done=not keep)


class InboxQueue(asyncio.Queue):  # type: ignore[type-arg]
    """The update queue in webhook mode: an update is stored in the inbox when python-telegram-bot's
    webhook server queues it, which it does before answering Telegram's POST with 200, so a crash right
    after that answer loses nothing. (Long polling stores whole batches in InboxBot.get_updates.)"""

    def __init__(self, inbox: Inbox) -> None:
        super().__init__()
        self.inbox = inbox

    async def put(self, item: object) -> None:
        """Store an Update in the inbox, then queue it."""
        if isinstance(item, Update):
            self.inbox.add([item.to_dict()])
        await super().put(item)


def inbox_path(settings: BotSettings, index_dir: Path) -> Path:
    """Where the inbox lives: --inbox, else beside the index folder (the data directory)."""
    return settings.inbox or index_dir.parent / INBOX_NAME


def open_inbox(settings: BotSettings, index_dir: Path) -> Inbox:
    """The bot's inbox, in STORYBOT_DATABASE_URL's database or the SQLite file `inbox_path` names."""
    return Inbox(inbox_path(settings, index_dir), bot_id=bot_id(settings.token))


def bot_id(token: str) -> int:
    """The bot's id: the number before the colon of its token (Telegram's own id of the bot)."""
    head = token.split(":", 1)[0]
    return int(head) if head.isdigit() else 0


def build_application(settings: BotSettings, engine: Engine, *, inbox: Inbox | None = None) -> Application:
    """The bot's Application: handlers, retrying and rate-limited requests, the inbox, background tasks."""
    inbox = inbox or open_inbox(settings, engine.settings.index_dir)
    bot = InboxBot(
        settings.token,
        base_url=settings.base_url,
        base_file_url=settings.base_file_url,
        request=RetryingRequest(connection_pool_size=CONCURRENT_UPDATES, read_timeout=20.0, pool_timeout=5.0),
        get_updates_request=HTTPXRequest(connection_pool_size=2, read_timeout=10.0),
        defaults=DEFAULTS,
        # Telegram's flood limits, and 429s waited out for the whole bot (network.py says why here).
        rate_limiter=MessageRateLimiter(
            max_retries=RETRY.flood_retries,
            pace=SendPace(inbox.store, inbox.bot_id) if settings.replicas > 1 else None,
        ),
        inbox=inbox,
    )
    builder = ApplicationBuilder().bot(bot)
    if settings.webhook is not None:
        builder = builder.update_queue(InboxQueue(inbox))
    # Conversations (bot/talk.py) live in chat_data, kept in the state database beside the inbox, so a
    # restart keeps them and every replica sees them.
    persistence = StatePersistence(
        inbox.store, inbox.bot_id, legacy=inbox.path.with_name(STATE_NAME), update_interval=PERSIST_EVERY
    )
    application = (
        builder.application_class(InboxApplication, {"inbox": inbox})
        .persistence(persistence)
        .concurrent_updates(CONCURRENT_UPDATES)
        .post_init(_post_init)
        .post_stop(_stop_tasks)
        .post_shutdown(_shutdown)
        .build()
    )
    handlers.register(application, engine, settings)
    return application


async def _post_init(application: Application) -> None:
    st: common.BotState = application.bot_data[common.STATE]
    for scope, admin in commands.command_scopes(st.settings.admins):
        for language, code in (("vi", None), ("en", "en")):
            try:
                await application.bot.set_my_commands(
                    commands.bot_commands(language, admin=admin), scope=scope, language_code=code
                )
            except TelegramError as err:  # the menu is a convenience: run without it rather than not at all
                log.warning("could not register the command menu (%s, %s): %s", scope.type, language, err)
    if st.settings.refresh_seconds > 0:
        application.bot_data[_REFRESH_TASK] = asyncio.create_task(
            refresh_index(st.engine, st.settings.refresh_seconds), name="storybot index refresh"
        )
    inbox = getattr(application, "inbox", None)
    if isinstance(inbox, Inbox):
        inbox.prune()
        replayed = await requeue_pending(application, inbox)
        if replayed:
            log.info("%d update(s) fetched before a stop but not answered: answering them now", replayed)
        application.bot_data[_PENDING_TASK] = asyncio.create_task(
            retry_pending(application, inbox, RETRY_PENDING_EVERY), name="storybot pending updates"
        )
        # Followed stories: checked as often as the index is (a new generation), alerts sent from here.
        every = st.settings.refresh_seconds if st.settings.refresh_seconds > 0 else ALERT_CHECK_SECONDS
        follows = StoryFollows(inbox.store, inbox.bot_id)
        application.bot_data[_ALERTS_TASK] = asyncio.create_task(
            watch_follows(application.bot, st.engine, follows, every, inbox.holder), name="storybot story alerts"
        )
    log.info("bot @%s ready", application.bot.username)


async def requeue_pending(application: Application, inbox: Inbox, *, started_only: bool = False) -> int:
    """Put the inbox's pending updates back in the update queue (`started_only`: those tried before)."""
    count = 0
    for pending in inbox.pending():
        if started_only and pending.attempts == 0:
            continue  # still waiting in the queue
        try:
            update = Update.de_json(pending.body, application.bot)
        except Exception as err:
            application.bot._skip_unreadable(pending.body, err)  # type: ignore[attr-defined]
            continue
        await application.update_queue.put(update)
        count += 1
    return count


async def retry_pending(application: Application, inbox: Inbox, every: float) -> None:
    """Now and then, try again the updates whose answer could not be sent (e.g. while the network was down)."""
    while True:
        await asyncio.sleep(every)
        try:
            count = await requeue_pending(application, inbox, started_only=True)
            if count:
                log.info("trying again %d update(s) whose answer could not be sent", count)
            inbox.prune()
        except Exception:
            log.exception("cannot re-read the inbox")


async def _stop_tasks(application: Application) -> None:
    for key in (_REFRESH_TASK, _PENDING_TASK, _ALERTS_TASK):
        task = application.bot_data.pop(key, None)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def _shutdown(application: Application) -> None:
    await _stop_tasks(application)
    st = application.bot_data.get(common.STATE)
    if isinstance(st, common.BotState) and st.feedback is not None:
        st.feedback.close()
    inbox = getattr(application, "inbox", None)
    if isinstance(inbox, Inbox):
        inbox.close()


async def refresh_index(engine: Engine, every: float) -> None:
    """Switch to a rebuilt index in the background, off the event loop, so no question waits for the load."""
    last_error = ""
    while True:
        await asyncio.sleep(every)
        try:
            if await asyncio.to_thread(engine.refresh):
                log.info("switched to index %s", engine.snapshot.generation)
            last_error = ""
        except StorybotError as err:
            # Questions keep the snapshot already loaded; say it once, not every few seconds.
            if str(err) != last_error:
                log.error("cannot load the rebuilt index: %s", err)
            last_error = str(err)
        except Exception:
            log.exception("index refresh failed")


def polling_options() -> dict[str, object]:
    """Arguments of Updater.start_polling, as run_polling gets them."""
    # bootstrap_retries=0: deleteWebhook/setWebhook already retry by the bot's one policy (network.py).
    return {"timeout": POLL_TIMEOUT, "allowed_updates": ALLOWED_UPDATES, "bootstrap_retries": 0}


def webhook_options(settings: BotSettings) -> dict[str, object]:
    """Arguments of Updater.start_webhook, as run_webhook gets them."""
    hook = settings.webhook
    assert hook is not None
    return {
        "listen": hook.listen,
        "port": hook.port,
        "url_path": hook.path,
        "webhook_url": hook.url,
        "secret_token": hook.secret,
        "allowed_updates": ALLOWED_UPDATES,
        "bootstrap_retries": 0,
    }


@contextlib.asynccontextmanager
async def running(application: Application, settings: BotSettings) -> AsyncIterator[Application]:
    """Run `application` inside an existing event loop, as run_polling/run_webhook would, then stop it.

    For tests and the benchmark, which own their event loop; `storybot run` uses
    Application.run_polling / run_webhook, which also handle signals.
    """
    updater = application.updater
    assert updater is not None
    await application.initialize()
    try:
        if application.post_init:
            await application.post_init(application)
        if settings.webhook is not None:
            await updater.start_webhook(**webhook_options(settings))  # type: ignore[arg-type]
        else:
            await updater.start_polling(**polling_options())  # type: ignore[arg-type]
        await application.start()
        yield application
    finally:
        if updater.running:
            await updater.stop()
        if application.running:
            await application.stop()
            if application.post_stop:
                await application.post_stop(application)
        await application.shutdown()
        if application.post_shutdown:
            await application.post_shutdown(application)


async def check_token(settings: BotSettings, *, policy: RetryPolicy = RETRY) -> User:
    """Ask the Bot API who the bot is (getMe): StorybotError for a rejected token, BotApiUnreachable offline.

    The network is retried by the bot's one retry policy (RetryingRequest), not by a loop of its own.
    """
    bot = Bot(
        settings.token,
        base_url=settings.base_url,
        base_file_url=settings.base_file_url,
        request=RetryingRequest(connect_timeout=10.0, read_timeout=10.0, policy=policy),
    )
    try:
        async with bot:
            return bot.bot
    except InvalidToken as err:
        # python-telegram-bot's message quotes the token; the server's answer is the cause.
        answer = str(err.__cause__ or "Unauthorized").replace(settings.token, REDACTED)
        hint = "" if settings.base_url == DEFAULT_BASE_URL else " Also check that --base-url is a Bot API server."
        raise StorybotError(
            f"the Bot API at {settings.base_url} rejected the bot token ({answer}). Check {ENV['token']}: "
            f"copy the token again from @BotFather (/mybots, API Token).{hint}"
        ) from None
    except NetworkError as err:
        reason = str(err).replace(settings.token, REDACTED)
        raise BotApiUnreachable(
            f"cannot reach the Bot API at {settings.base_url} ({reason}). Check the network, or "
            "--base-url / TELEGRAM_BASE_URL."
        ) from None


def run(args: argparse.Namespace, settings: Settings, open_engine: Callable[[], Engine]) -> int:
    """`storybot run`: check the token, load the model and index, then serve until stopped. The exit status.

    `open_engine` loads the model and brings the index up to date (the command line's, which says each step).
    """
    bot = bot_settings(args)  # StorybotError (exit 2) for a missing token or a bad option
    redact_token(bot.token)
    if getattr(args, "verbose", 0) == 0:
        logging.getLogger("bot").setLevel(logging.INFO)  # the one line per question is the bot's log
    inbox = open_inbox(bot, settings.index_dir)  # StorybotError now, not after the model loaded
    try:
        # Before the model loads: a wrong token should fail in a second, not after a minute.
        me = asyncio.run(check_token(bot))
    except BotApiUnreachable as err:
        print(f"storybot run: error: {err}", file=sys.stderr)
        return 1
    engine = open_engine()
    application = build_application(bot, engine, inbox=inbox)
    mode = f"webhook {bot.webhook.url}" if bot.webhook else "long polling"
    admins = len(bot.admins)
    print(f"storybot: @{me.username} is running ({mode}, {admins} admin(s)); Ctrl-C stops it.", file=sys.stderr)
    if bot.webhook is not None:
        application.run_webhook(**webhook_options(bot))  # type: ignore[arg-type]
    else:
        application.run_polling(**polling_options())  # type: ignore[arg-type]
    return 0
