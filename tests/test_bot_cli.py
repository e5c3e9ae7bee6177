"""`storybot run` as a user starts it: the paths that end before the bot runs (exit status 2)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.app import BotApiUnreachable, check_token
from bot.config import BotSettings
from bot.network import RetryPolicy
from testing.fake_telegram import TOKEN, FakeTelegram

OTHER_TOKEN = "987654321:AAOtherTokenThatTelegramDoesNotKnow_xyz"


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        yield server


def storybot(*args: str, env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Run the installed `storybot` command with only the given bot settings in its environment."""
    command = Path(sys.executable).with_name("storybot")
    argv = [str(command)] if command.exists() else [sys.executable, "-m", "cli"]
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "STORYBOT_"))}
    # A model that does not exist: these paths must end before any model is loaded.
    model = ["--model", str(tmp_path / "no-such-model"), "--index-dir", str(tmp_path / "index")]
    return subprocess.run(
        [*argv, *args, *model] if args[:1] == ("run",) and "--help" not in args else [*argv, *args],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_missing_token_is_a_clear_error(tmp_path: Path) -> None:
    result = storybot("run", env={}, tmp_path=tmp_path)
    assert result.returncode == 2
    assert "TELEGRAM_BOT_TOKEN is not set" in result.stderr and "@BotFather" in result.stderr
    assert "Traceback" not in result.stderr and "no-such-model" not in result.stderr


def test_malformed_token_and_bad_options_are_clear_errors(tmp_path: Path) -> None:
    result = storybot("run", env={"TELEGRAM_BOT_TOKEN": "not-a-token"}, tmp_path=tmp_path)
    assert result.returncode == 2 and "does not look like a bot token" in result.stderr
    assert "not-a-token" not in result.stderr  # a token, even a bad one, is never echoed

    result = storybot("run", env={"TELEGRAM_BOT_TOKEN": TOKEN, "STORYBOT_ADMINS": "12345, bob"}, tmp_path=tmp_path)
    assert result.returncode == 2 and "'bob' is not a Telegram user id" in result.stderr

    result = storybot("run", "--rate-limit", "lots", env={"TELEGRAM_BOT_TOKEN": TOKEN}, tmp_path=tmp_path)
    assert result.returncode == 2 and "--rate-limit / STORYBOT_RATE_LIMIT must be a whole number" in result.stderr
    assert "Traceback" not in result.stderr


def test_rejected_token_exits_2_without_loading_the_model_or_logging_the_token(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    env = {"TELEGRAM_BOT_TOKEN": OTHER_TOKEN, "TELEGRAM_BASE_URL": fake.base_url}
    result = storybot("run", "-vv", env=env, tmp_path=tmp_path)  # -vv: httpx logs every request URL
    assert result.returncode == 2, result.stderr
    assert "rejected the bot token" in result.stderr and "Unauthorized" in result.stderr
    assert "getMe" in result.stderr  # the request was logged...
    assert OTHER_TOKEN not in result.stderr and OTHER_TOKEN.split(":")[1] not in result.stderr  # ...without the token
    assert "no-such-model" not in result.stderr  # the model was never loaded


def test_help_documents_every_option_with_its_environment_variable(tmp_path: Path) -> None:
    result = storybot("run", "--help", env={}, tmp_path=tmp_path)
    assert result.returncode == 0
    text = " ".join(result.stdout.split())
    for option, env in [
        ("--base-url URL", "TELEGRAM_BASE_URL"),
        ("--base-file-url URL", "TELEGRAM_BASE_FILE_URL"),
        ("--admins IDS", "STORYBOT_ADMINS"),
        ("--rate-limit N", "STORYBOT_RATE_LIMIT"),
        ("--max-upload-kb KB", "STORYBOT_MAX_UPLOAD_KB"),
        ("--refresh-seconds S", "STORYBOT_REFRESH_SECONDS"),
        ("--examples FILE", "STORYBOT_EXAMPLES"),
        ("--replicas N", "STORYBOT_REPLICAS"),
        ("--webhook-url URL", "STORYBOT_WEBHOOK_URL"),
        ("--webhook-listen ADDR", "STORYBOT_WEBHOOK_LISTEN"),
        ("--webhook-port PORT", "STORYBOT_WEBHOOK_PORT"),
        ("--webhook-secret TOKEN", "STORYBOT_WEBHOOK_SECRET"),
    ]:
        assert option in text and f"env {env}, default" in text, option
    assert "TELEGRAM_BOT_TOKEN" in text


async def test_token_check_reports_an_unreachable_server(fake: FakeTelegram) -> None:
    settings = BotSettings(token=TOKEN, base_url=fake.base_url, base_file_url=fake.base_file_url)
    me = await check_token(settings)
    assert me.username == fake.username
    fake.stop()
    with pytest.raises(BotApiUnreachable, match="cannot reach the Bot API"):
        await check_token(settings, policy=RetryPolicy(attempts=2, backoff=0.01))
