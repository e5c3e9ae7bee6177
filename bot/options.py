"""Command-line options of `storybot run` (kept free of Telegram imports so --help is fast)."""

from __future__ import annotations

import argparse

from .config import (
    DEFAULT_BASE_URL,
    DEFAULT_MAX_UPLOAD_KB,
    DEFAULT_RATE_LIMIT,
    DEFAULT_REFRESH_SECONDS,
    DEFAULT_WEBHOOK_LISTEN,
    DEFAULT_WEBHOOK_PORT,
    ENV,
    MAX_UPLOAD_KB,
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the Telegram bot's options to `parser`."""
    group = parser.add_argument_group(
        "telegram",
        f"The bot token is read from the environment variable {ENV['token']} only (never from the "
        "command line, where other users of the machine could see it); get one from @BotFather.",
    )
    group.add_argument(
        "--base-url",
        metavar="URL",
        help=f"Bot API server, e.g. a self-hosted one [env {ENV['base_url']}, default {DEFAULT_BASE_URL}]",
    )
    group.add_argument(
        "--base-file-url",
        metavar="URL",
        help=f"file download server [env {ENV['base_file_url']}, default the --base-url with /bot "
        "replaced by /file/bot]",
    )
    group.add_argument(
        "--admins",
        metavar="IDS",
        help="Telegram user ids, comma or space separated, allowed to /reindex and add articles "
        f"[env {ENV['admins']}, default none]",
    )
    group.add_argument(
        "--rate-limit",
        metavar="N",
        help=f"questions a user may ask per minute, 0 for no limit [env {ENV['rate_limit']}, "
        f"default {DEFAULT_RATE_LIMIT}]",
    )
    group.add_argument(
        "--max-upload-kb",
        metavar="KB",
        help=f"largest article file an admin may send, 1-{MAX_UPLOAD_KB} [env {ENV['max_upload_kb']}, "
        f"default {DEFAULT_MAX_UPLOAD_KB}]",
    )
    group.add_argument(
        "--refresh-seconds",
        metavar="S",
        help="how often to check for a rebuilt index in the background, 0 for only before each question "
        f"[env {ENV['refresh_seconds']}, default {DEFAULT_REFRESH_SECONDS:g}]",
    )
    group.add_argument(
        "--examples",
        metavar="FILE",
        help="example questions shown as buttons on /start, one per line; only those the index answers "
        f"are shown [env {ENV['examples']}, default three questions about the seed article]",
    )
    group.add_argument(
        "--inbox",
        metavar="FILE",
        help="SQLite file keeping each update until it is answered, so a crash loses no question "
        f"[env {ENV['inbox']}, default {{data folder}}/telegram-inbox.sqlite3 beside the index folder]",
    )
    group.add_argument(
        "--replicas",
        metavar="N",
        help="bot processes running with this token (webhook replicas behind one proxy, sharing one "
        "STORYBOT_DATABASE_URL): Telegram's limit of ~30 messages a second is per bot, so with N > 1 they pace "
        f"their messages, and count each reader's --rate-limit, together through that database "
        f"[env {ENV['replicas']}, default 1]",
    )
    hook = parser.add_argument_group("webhook mode (instead of long polling)")
    hook.add_argument(
        "--webhook-url",
        metavar="URL",
        help="public HTTPS URL Telegram posts updates to, e.g. https://bot.example.com/storybot; its path is "
        f"served locally [env {ENV['webhook_url']}, default none: long polling]",
    )
    hook.add_argument(
        "--webhook-listen",
        metavar="ADDR",
        help=f"address the webhook server listens on [env {ENV['webhook_listen']}, default {DEFAULT_WEBHOOK_LISTEN}]",
    )
    hook.add_argument(
        "--webhook-port",
        metavar="PORT",
        help=f"port the webhook server listens on [env {ENV['webhook_port']}, default {DEFAULT_WEBHOOK_PORT}]",
    )
    hook.add_argument(
        "--webhook-secret",
        metavar="TOKEN",
        help="secret Telegram sends with each update (letters, digits, _ -); updates without it are refused "
        f"[env {ENV['webhook_secret']}, default a random one at each start]",
    )
