"""Settings of the Telegram bot, from the environment with command-line overrides.

Kept free of Telegram imports: `storybot run` checks its settings (a missing
token, a malformed admin list) before anything heavy is loaded.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from index.articles import MAX_ARTICLE_BYTES
from index.errors import StorybotError
from ingest.config import IngestSettings, ingest_settings

DEFAULT_BASE_URL = "https://api.telegram.org/bot"
DEFAULT_RATE_LIMIT = 20  # questions per user per minute
DEFAULT_WEBHOOK_LISTEN = "127.0.0.1"
DEFAULT_WEBHOOK_PORT = 8443
DEFAULT_MAX_UPLOAD_KB = 1024
DEFAULT_REFRESH_SECONDS = 5.0
# Replicas sharing one bot token share Telegram's flood limits (~30 messages a second per bot): told they
# are several, they take their messages' turns from one schedule in their shared database (bot/send_pace.py).
MAX_REPLICAS = 64
# Bots may download files of at most 20 MB from the public Bot API: telegram.constants.FileSizeLimit.
# FILESIZE_DOWNLOAD, written out because this module stays free of Telegram imports (a test compares them).
TELEGRAM_DOWNLOAD_LIMIT = 20_000_000
MAX_UPLOAD_KB = min(MAX_ARTICLE_BYTES, TELEGRAM_DOWNLOAD_LIMIT) // 1024

# Shown on /start as tap-to-ask buttons; only those the index answers are shown.
DEFAULT_EXAMPLES = (
    "Ai đã cáo buộc Trung Quốc?",
    "ai buoc toi 4 nguoi trung quoc",
    "Who accused China of hacking?",
)

_TOKEN = re.compile(r"^\d+:[A-Za-z0-9_-]{20,}$")
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")

ENV = {
    "token": "TELEGRAM_BOT_TOKEN",
    "base_url": "TELEGRAM_BASE_URL",
    "base_file_url": "TELEGRAM_BASE_FILE_URL",
    "admins": "STORYBOT_ADMINS",
    "rate_limit": "STORYBOT_RATE_LIMIT",
    "webhook_url": "STORYBOT_WEBHOOK_URL",
    "webhook_listen": "STORYBOT_WEBHOOK_LISTEN",
    "webhook_port": "STORYBOT_WEBHOOK_PORT",
    "webhook_secret": "STORYBOT_WEBHOOK_SECRET",
    "max_upload_kb": "STORYBOT_MAX_UPLOAD_KB",
    "refresh_seconds": "STORYBOT_REFRESH_SECONDS",
    "examples": "STORYBOT_EXAMPLES",
    "inbox": "STORYBOT_INBOX",
    "replicas": "STORYBOT_REPLICAS",
}


@dataclass(frozen=True)
class Webhook:
    """Where Telegram delivers updates in webhook mode."""

    url: str  # public HTTPS URL given to Telegram
    listen: str
    port: int
    secret: str = field(repr=False)  # Telegram sends it back in X-Telegram-Bot-Api-Secret-Token

    @property
    def path(self) -> str:
        """The local path the webhook server answers on: the public URL's path."""
        return urlsplit(self.url).path.strip("/")


@dataclass(frozen=True)
class BotSettings:
    """Everything the Telegram front needs besides the retrieval core's Settings."""

    token: str = field(repr=False)  # never printed or logged
    base_url: str = DEFAULT_BASE_URL
    base_file_url: str = "https://api.telegram.org/file/bot"
    admins: frozenset[int] = frozenset()
    rate_limit: int = DEFAULT_RATE_LIMIT  # 0: no limit
    webhook: Webhook | None = None  # None: long polling
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_KB * 1024
    refresh_seconds: float = DEFAULT_REFRESH_SECONDS  # 0: only refresh when a question comes
    examples: tuple[str, ...] = DEFAULT_EXAMPLES
    inbox: Path | None = None  # the update inbox (SQLite); None: beside the index folder
    ingest: IngestSettings = field(default_factory=IngestSettings)  # fetching links, following feeds
    replicas: int = 1  # bot processes sharing this token (and a state database): > 1 paces them together

    def is_admin(self, user_id: int | None) -> bool:
        """True when `user_id` may use /reindex and add articles."""
        return user_id is not None and user_id in self.admins


def bot_settings(args: argparse.Namespace | None = None, env: Mapping[str, str] | None = None) -> BotSettings:
    """BotSettings from the environment, overridden by `storybot run` options; StorybotError when invalid."""
    env = os.environ if env is None else env

    def pick(name: str) -> str | None:
        value = getattr(args, name, None) if args is not None else None
        if value is None:
            value = env.get(ENV[name]) or None
        return None if value is None else str(value).strip()

    token = (env.get(ENV["token"]) or "").strip()
    if not token:
        raise StorybotError(
            f"{ENV['token']} is not set. Create a bot with @BotFather in Telegram, then start the bot with "
            f"{ENV['token']}=123456:ABC... storybot run"
        )
    if not _TOKEN.match(token):
        raise StorybotError(
            f"{ENV['token']} does not look like a bot token (digits, a colon, then letters, e.g. "
            "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11). Copy it again from @BotFather."
        )
    base_url = (pick("base_url") or DEFAULT_BASE_URL).rstrip("/")
    _check_http_url(base_url, "--base-url / " + ENV["base_url"])
    base_file_url = (pick("base_file_url") or default_file_url(base_url)).rstrip("/")
    _check_http_url(base_file_url, "--base-file-url / " + ENV["base_file_url"])
    max_upload_kb = _int(pick("max_upload_kb"), "--max-upload-kb / " + ENV["max_upload_kb"], DEFAULT_MAX_UPLOAD_KB)
    if not 1 <= max_upload_kb <= MAX_UPLOAD_KB:
        raise StorybotError(f"--max-upload-kb / {ENV['max_upload_kb']} must be between 1 and {MAX_UPLOAD_KB}")
    rate_limit = _int(pick("rate_limit"), "--rate-limit / " + ENV["rate_limit"], DEFAULT_RATE_LIMIT)
    if rate_limit < 0:
        raise StorybotError(f"--rate-limit / {ENV['rate_limit']} must be 0 (no limit) or more, not {rate_limit}")
    replicas = _int(pick("replicas"), "--replicas / " + ENV["replicas"], 1)
    if not 1 <= replicas <= MAX_REPLICAS:
        raise StorybotError(
            f"--replicas / {ENV['replicas']} must be between 1 and {MAX_REPLICAS} (the bot processes that "
            f"share this bot token), not {replicas}"
        )
    refresh = _float(pick("refresh_seconds"), "--refresh-seconds / " + ENV["refresh_seconds"], DEFAULT_REFRESH_SECONDS)
    return BotSettings(
        token=token,
        base_url=base_url,
        base_file_url=base_file_url,
        admins=parse_admins(pick("admins") or ""),
        rate_limit=rate_limit,
        webhook=_webhook(pick),
        max_upload_bytes=max_upload_kb * 1024,
        refresh_seconds=refresh,
        examples=_examples(pick("examples")),
        inbox=Path(pick("inbox") or "") if pick("inbox") else None,
        ingest=ingest_settings(args, env),
        replicas=replicas,
    )


def default_file_url(base_url: str) -> str:
    """The file download URL that goes with a Bot API URL: .../bot -> .../file/bot."""
    if base_url.endswith("/bot"):
        return base_url[: -len("/bot")] + "/file/bot"
    return base_url + "/file/bot"


def parse_admins(value: str) -> frozenset[int]:
    """Telegram user ids separated by commas or spaces; StorybotError names a bad one."""
    ids = set()
    for part in re.split(r"[,;\s]+", value.strip()):
        if not part:
            continue
        if not re.fullmatch(r"-?\d+", part):
            raise StorybotError(
                f"--admins / {ENV['admins']}: {part!r} is not a Telegram user id. Give numeric ids separated "
                "by commas, e.g. 12345678,87654321 (a user learns their id from @userinfobot)."
            )
        ids.add(int(part))
    return frozenset(ids)


def _webhook(pick: Callable[[str], str | None]) -> Webhook | None:
    url = pick("webhook_url")
    if not url:
        for name in ("webhook_listen", "webhook_port", "webhook_secret"):
            if pick(name):
                flag = "--" + name.replace("_", "-")
                raise StorybotError(f"{flag} / {ENV[name]} only applies in webhook mode: give --webhook-url too")
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise StorybotError(
            f"--webhook-url / {ENV['webhook_url']} must be a full URL such as https://bot.example.com/storybot, "
            f"not {url!r}"
        )
    port = _int(pick("webhook_port"), "--webhook-port / " + ENV["webhook_port"], DEFAULT_WEBHOOK_PORT)
    if not 1 <= port <= 65535:
        raise StorybotError(f"--webhook-port / {ENV['webhook_port']} must be between 1 and 65535, not {port}")
    secret = pick("webhook_secret") or secrets.token_urlsafe(32)
    if not _SECRET.match(secret):
        raise StorybotError(
            f"--webhook-secret / {ENV['webhook_secret']} may only use letters, digits, _ and -, "
            "1 to 256 characters (Telegram's rule)"
        )
    return Webhook(url=url, listen=pick("webhook_listen") or DEFAULT_WEBHOOK_LISTEN, port=port, secret=secret)


def _examples(path: str | None) -> tuple[str, ...]:
    if not path:
        return DEFAULT_EXAMPLES
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise StorybotError(f"--examples / {ENV['examples']}: file {path} does not exist") from None
    except UnicodeDecodeError:
        raise StorybotError(f"--examples / {ENV['examples']}: {path} is not UTF-8 text; re-save it as UTF-8") from None
    except OSError as err:
        raise StorybotError(f"--examples / {ENV['examples']}: cannot read {path} ({err.strerror})") from None
    examples = tuple(line.strip() for line in text.splitlines() if line.strip())
    if not examples:
        raise StorybotError(f"--examples / {ENV['examples']}: {path} has no questions (one per line)")
    return examples


def _check_http_url(url: str, where: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise StorybotError(f"{where} must be an http(s) URL such as {DEFAULT_BASE_URL}, not {url!r}")


def _int(value: str | None, where: str, default: int) -> int:
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise StorybotError(f"{where} must be a whole number, not {value!r}") from None


def _float(value: str | None, where: str, default: float) -> float:
    if value is None or value == "":
        return default
    try:
        number = float(value)
    except ValueError:
        raise StorybotError(f"{where} must be a number of seconds, not {value!r}") from None
    if not 0 <= number <= 3600:
        raise StorybotError(f"{where} must be between 0 (off) and 3600 seconds, not {value!r}")
    return number
