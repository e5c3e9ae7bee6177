"""Build and run the Telegram bot: python-telegram-bot's Application over the retrieval core."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
from collections.abc import AsyncIterator

from telegram import Bot, User
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import Application, ApplicationBuilder
from telegram.request import HTTPXRequest

from index.config import Settings
from index.engine import Engine
from index.errors import StorybotError

from . import handlers
from .config import DEFAULT_BASE_URL, ENV, BotSettings, bot_settings
from .logs import REDACTED, redact_token
from .network import RetryingRequest

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "callback_query"]
POLL_TIMEOUT = 30  # seconds a getUpdates long poll may wait for news
BOOTSTRAP_RETRIES = 5  # network retries of getMe / deleteWebhook / setWebhook at start
TOKEN_CHECK_ATTEMPTS = 4
CONCURRENT_UPDATES = 64
_REFRESH_TASK = "storybot.refresh"


class BotApiUnreachable(StorybotError):
    """The Bot API server could not be reached at start."""


def build_application(settings: BotSettings, engine: Engine) -> Application:
    """The bot's Application: handlers, retrying requests, concurrent updates, background index refresh."""
    application = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(settings.base_url)
        .base_file_url(settings.base_file_url)
        .request(RetryingRequest(connection_pool_size=CONCURRENT_UPDATES, read_timeout=20.0, pool_timeout=5.0))
        .get_updates_request(HTTPXRequest(connection_pool_size=2, read_timeout=10.0))
        .concurrent_updates(CONCURRENT_UPDATES)
        .post_init(_post_init)
        .post_stop(_stop_refresh)
        .post_shutdown(_stop_refresh)
        .build()
    )
    handlers.register(application, engine, settings)
    return application


async def _post_init(application: Application) -> None:
    st: handlers.BotState = application.bot_data[handlers.STATE]
    for language, code in (("vi", None), ("en", "en")):
        try:
            await application.bot.set_my_commands(handlers.bot_commands(language), language_code=code)
        except TelegramError as err:  # the menu is a convenience: run without it rather than not at all
            log.warning("could not register the command menu (%s): %s", language, err)
    if st.settings.refresh_seconds > 0:
        application.bot_data[_REFRESH_TASK] = asyncio.create_task(
            refresh_index(st.engine, st.settings.refresh_seconds), name="storybot index refresh"
        )
    log.info("bot @%s ready", application.bot.username)


async def _stop_refresh(application: Application) -> None:
    task = application.bot_data.pop(_REFRESH_TASK, None)
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


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
    return {"timeout": POLL_TIMEOUT, "allowed_updates": ALLOWED_UPDATES, "bootstrap_retries": BOOTSTRAP_RETRIES}


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
        "bootstrap_retries": BOOTSTRAP_RETRIES,
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


async def check_token(settings: BotSettings, *, attempts: int = TOKEN_CHECK_ATTEMPTS, backoff: float = 1.0) -> User:
    """Ask the Bot API who the bot is (getMe): StorybotError for a rejected token, BotApiUnreachable offline."""
    for attempt in range(1, attempts + 1):
        bot = Bot(
            settings.token,
            base_url=settings.base_url,
            base_file_url=settings.base_file_url,
            request=HTTPXRequest(connect_timeout=10.0, read_timeout=10.0),
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
            if attempt == attempts:
                reason = str(err).replace(settings.token, REDACTED)
                raise BotApiUnreachable(
                    f"cannot reach the Bot API at {settings.base_url} ({reason}). Check the network, or "
                    "--base-url / TELEGRAM_BASE_URL."
                ) from None
            delay = backoff * 2 ** (attempt - 1)
            log.warning("cannot reach the Bot API (%s); retrying in %.0f s", err, delay)
            await asyncio.sleep(delay)
    raise AssertionError("unreachable")


def run(args: argparse.Namespace, settings: Settings) -> int:
    """`storybot run`: check the token, load the model and index, then serve until stopped. The exit status."""
    bot = bot_settings(args)  # StorybotError (exit 2) for a missing token or a bad option
    redact_token(bot.token)
    if getattr(args, "verbose", 0) == 0:
        logging.getLogger("bot").setLevel(logging.INFO)  # the one line per question is the bot's log
    from .prepare import Status, open_engine

    try:
        # Before the model loads: a wrong token should fail in a second, not after a minute.
        me = asyncio.run(check_token(bot))
    except BotApiUnreachable as err:
        print(f"storybot run: error: {err}", file=sys.stderr)
        return 1
    engine = open_engine(settings, Status(sys.stderr))
    application = build_application(bot, engine)
    mode = f"webhook {bot.webhook.url}" if bot.webhook else "long polling"
    admins = len(bot.admins)
    print(f"storybot: @{me.username} is running ({mode}, {admins} admin(s)); Ctrl-C stops it.", file=sys.stderr)
    if bot.webhook is not None:
        application.run_webhook(**webhook_options(bot))  # type: ignore[arg-type]
    else:
        application.run_polling(**polling_options())  # type: ignore[arg-type]
    return 0
