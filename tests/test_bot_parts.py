"""The bot's small parts on their own: settings, rate limit, uploads, retries."""

from __future__ import annotations

import argparse
import asyncio
import shutil
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from telegram import Bot
from telegram.constants import FileSizeLimit
from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.config import DEFAULT_EXAMPLES, TELEGRAM_DOWNLOAD_LIMIT, bot_settings, default_file_url, parse_admins
from bot.inbox import Inbox
from bot.network import MessageRateLimiter, RetryingRequest, RetryPolicy
from bot.ratelimit import RateLimiter
from bot.send_pace import SendPace
from bot.state import StateStore
from index.errors import StorybotError
from ingest.uploads import PendingUpload, PendingUploads, UploadProblem, check_article, safe_article_name, write_article
from testing.fake_telegram import BOB, TOKEN, FakeTelegram


def args(**values: object) -> argparse.Namespace:
    names = "base_url base_file_url admins rate_limit max_upload_kb refresh_seconds examples".split()
    names += "webhook_url webhook_listen webhook_port webhook_secret replicas".split()
    return argparse.Namespace(**{name: values.get(name) for name in names})


# --- settings ---------------------------------------------------------------------------------


def test_settings_from_environment_and_options() -> None:
    env = {
        "TELEGRAM_BOT_TOKEN": f" {TOKEN}\n",
        "STORYBOT_ADMINS": "111, 222 333",
        "STORYBOT_RATE_LIMIT": "5",
        "TELEGRAM_BASE_URL": "http://127.0.0.1:8081/bot",
    }
    settings = bot_settings(args(rate_limit="7"), env)
    assert settings.token == TOKEN  # pasted with blanks around it
    assert settings.admins == {111, 222, 333} and settings.is_admin(222) and not settings.is_admin(None)
    assert settings.rate_limit == 7  # the option wins over the environment
    assert settings.base_file_url == "http://127.0.0.1:8081/file/bot"
    assert settings.webhook is None and settings.examples == DEFAULT_EXAMPLES
    assert TOKEN not in repr(settings)


def test_webhook_settings() -> None:
    env = {"TELEGRAM_BOT_TOKEN": TOKEN, "STORYBOT_WEBHOOK_URL": "https://bot.example.com/hooks/storybot/"}
    hook = bot_settings(args(webhook_port="8080"), env).webhook
    assert hook is not None and hook.path == "hooks/storybot" and hook.port == 8080 and hook.listen == "127.0.0.1"
    assert len(hook.secret) >= 32  # a random secret when none is given
    with pytest.raises(StorybotError, match=r"--webhook-port .* only applies in webhook mode"):
        bot_settings(args(webhook_port="8080"), {"TELEGRAM_BOT_TOKEN": TOKEN})
    with pytest.raises(StorybotError, match="letters, digits, _ and -"):
        bot_settings(args(webhook_secret="no spaces please"), env)


@pytest.mark.parametrize(
    ("env", "options", "message"),
    [
        ({}, {}, "TELEGRAM_BOT_TOKEN is not set"),
        ({"TELEGRAM_BOT_TOKEN": "123:short"}, {}, "does not look like a bot token"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "STORYBOT_ADMINS": "@alice"}, {}, "'@alice' is not a Telegram user id"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN}, {"rate_limit": "-1"}, "must be 0 \\(no limit\\) or more"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN}, {"max_upload_kb": "999999"}, "between 1 and"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN}, {"base_url": "api.telegram.org"}, "must be an http\\(s\\) URL"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN}, {"refresh_seconds": "soon"}, "must be a number of seconds"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN}, {"examples": "/no/such/file"}, "does not exist"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN}, {"webhook_url": "bot.example.com"}, "must be a full URL"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "STORYBOT_REPLICAS": "0"}, {}, "--replicas / STORYBOT_REPLICAS must be betw"),
    ],
)
def test_bad_settings_say_what_is_wrong(env: dict[str, str], options: dict[str, str], message: str) -> None:
    with pytest.raises(StorybotError, match=message):
        bot_settings(args(**options), env)


def test_examples_file(tmp_path: Path) -> None:
    path = tmp_path / "examples.txt"
    path.write_text("Ai là tác giả?\n\n  Who wrote it?  \n", encoding="utf-8")
    settings = bot_settings(args(examples=str(path)), {"TELEGRAM_BOT_TOKEN": TOKEN})
    assert settings.examples == ("Ai là tác giả?", "Who wrote it?")


def test_limits_match_telegram_constants() -> None:
    assert TELEGRAM_DOWNLOAD_LIMIT == FileSizeLimit.FILESIZE_DOWNLOAD  # config.py cannot import telegram


def test_admin_ids_and_file_url() -> None:
    assert parse_admins(" 1,2;3  4 ") == {1, 2, 3, 4} and parse_admins("") == frozenset()
    assert default_file_url("https://api.telegram.org/bot") == "https://api.telegram.org/file/bot"
    assert default_file_url("http://localhost:8081/custom") == "http://localhost:8081/custom/file/bot"


# --- rate limit -------------------------------------------------------------------------------


def test_rate_limit_per_user_sliding_minute() -> None:
    limiter = RateLimiter(limit=2)
    assert limiter.check(1, now=0).allowed and limiter.check(1, now=10).allowed
    refused = limiter.check(1, now=20)
    assert not refused.allowed and refused.notify and refused.retry_after == 40
    assert not limiter.check(1, now=30).notify  # told once, then quiet
    assert limiter.check(2, now=30).allowed  # other users are not affected
    assert limiter.check(1, now=60.5).allowed  # the first question left the window
    assert RateLimiter(limit=0).check(1).allowed


# --- uploads ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("tin-tuc.txt", "tin-tuc.txt"),
        ("Bài báo mới.TXT", "Bài_báo_mới.txt"),
        ("../../etc/passwd.md", "passwd.md"),
        ("C:\\Users\\x\\bai.txt", "bai.txt"),
        (".hidden.txt", "hidden.txt"),
        ("...txt", "article.txt"),
        ("a<b>|c?.md", "a_b_c.md"),
        ("bao-cao.pdf", None),
        ("README", None),
    ],
)
def test_safe_article_names(name: str, safe: str | None) -> None:
    assert safe_article_name(name) == safe


def test_check_article_uses_the_indexer_rules() -> None:
    article = check_article("a.txt", "Tiêu đề\n\nĐoạn một.\n".encode(), 1000)
    assert article.title == "Tiêu đề" and len(article.paragraphs) == 1
    cases = [
        (b"Title\n\xff\xfe", "upload_unusable", "not valid UTF-8"),
        (b"\x00\x01binary", "upload_unusable", "not text"),
        (b"  \n", "upload_unusable", "empty"),
        ("Chỉ có tiêu đề\n".encode(), "upload_no_paragraphs", ""),
        (b"x" * 2000, "upload_too_big", ""),
    ]
    for raw, key, reason in cases:
        with pytest.raises(UploadProblem) as problem:
            check_article("a.txt", raw, 1000)
        assert problem.value.key == key and reason in str(problem.value.values.get("reason", ""))


def test_write_article_never_overwrites_unless_asked(tmp_path: Path) -> None:
    assert write_article(tmp_path, "a.txt", b"one", replace=False)
    assert not write_article(tmp_path, "a.txt", b"two", replace=False)
    assert (tmp_path / "a.txt").read_bytes() == b"one"
    assert write_article(tmp_path, "a.txt", b"two", replace=True)
    assert (tmp_path / "a.txt").read_bytes() == b"two"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]  # no temporary file left behind


def test_pending_uploads_expire_and_are_taken_once() -> None:
    store = PendingUploads(ttl=60, limit=2)
    first = store.put(PendingUpload("a.txt", b"a", "A", 1, time.monotonic()))
    old = store.put(PendingUpload("b.txt", b"b", "B", 1, time.monotonic() - 120))
    assert store.take(old) is None  # expired
    pending = store.take(first)
    assert pending is not None and pending.name == "a.txt"
    assert store.take(first) is None  # a second tap finds nothing
    tokens = [store.put(PendingUpload(f"{n}.txt", b"", "", 1, time.monotonic())) for n in range(3)]
    assert store.take(tokens[0]) is None and store.take(tokens[2]) is not None  # the oldest made room


# --- the update inbox ---------------------------------------------------------------------------


def test_inbox_hands_each_update_out_once_and_gives_up_on_a_crash_loop(tmp_path: Path) -> None:
    inbox = Inbox(tmp_path / "inbox.sqlite3")
    inbox.add([{"update_id": 1, "message": {}}, {"update_id": 2, "message": {}}])
    inbox.add([{"update_id": 2, "message": {}}])  # fetched again before it was confirmed: kept once
    assert [p.update_id for p in inbox.pending()] == [1, 2]
    assert inbox.claim(1, {}) and not inbox.claim(1, {})  # in hand: not twice at once
    inbox.finish(1)
    assert not inbox.claim(1, {})  # done
    assert inbox.claim(2, {})
    inbox.finish(2, done=False)  # its answer could not be sent: pending again
    assert [p.update_id for p in inbox.pending()] == [2]
    inbox.close()

    again = Inbox(tmp_path / "inbox.sqlite3")  # after a restart
    assert [p.update_id for p in again.pending()] == [2] and not again.claim(1, {})
    assert again.claim(2, {}) and (again.finish(2, done=False) is None) and again.claim(2, {})
    again.finish(2, done=False)
    assert not again.claim(2, {})  # its handling started three times: given up, not a crash loop
    assert again.outcomes() == {1: "handled", 2: "given up"}
    assert again.skip(3, {"update_id": 3}, "unreadable") and not again.skip(3, {"update_id": 3}, "unreadable")
    assert again.prune(now=time.time() + 3 * 24 * 3600) == 3


def test_inbox_that_cannot_be_opened_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(StorybotError, match=r"cannot open the update inbox .*--inbox"):
        Inbox(tmp_path / "a-file" / "inbox.sqlite3")
    (tmp_path / "garbage.sqlite3").write_bytes(b"not a database" * 100)
    with pytest.raises(StorybotError, match="can be deleted"):
        Inbox(tmp_path / "garbage.sqlite3")


# --- retries ----------------------------------------------------------------------------------


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        yield server


async def test_retry_policy_repeats_only_what_cannot_duplicate(fake: FakeTelegram) -> None:
    policy = RetryPolicy(attempts=3, backoff=0.01)
    request = RetryingRequest(policy=policy)
    await request.initialize()
    url = f"{fake.base_url}{TOKEN}/getMe"
    try:
        # getMe changes nothing: retried after a dropped connection and a 5xx.
        fake.fail("getMe", 2, "disconnect")
        assert (await request.post(url))["username"] == fake.username
        fake.fail("getMe", 1, "503")
        assert (await request.post(url))["username"] == fake.username
        fake.fail("getMe", 3, "disconnect")
        with pytest.raises(NetworkError):
            await request.post(url)  # gives up after `attempts`
        fake.fail("getMe", 1, "400")
        with pytest.raises(BadRequest):
            await request.post(url)  # a refused request is not repeated
        fake.fail("getMe", 1, "429", retry_after=7)
        with pytest.raises(RetryAfter) as flood:
            await request.post(url)  # left to the rate limiter, which pauses every request
        assert "7" in str(flood.value)
        assert len(fake.calls_of("getMe")) == 2  # only the two successful calls reached the API
    finally:
        await request.shutdown()

    # A send whose answer is lost after delivery is not sent again: that would be a duplicate.
    chat = fake.private("hello")["chat"]["id"]
    async with Bot(TOKEN, base_url=fake.base_url, request=RetryingRequest(policy=policy)) as bot:
        for how in ("disconnect", "502"):
            fake.fail("sendMessage", 1, how, after=True)
            with pytest.raises(NetworkError):
                await bot.send_message(chat, f"once ({how})")
        assert [s.text for s in fake.sent_to(chat)] == ["once (disconnect)", "once (502)"]


@pytest.mark.parametrize("shared", [True, False])
async def test_two_replicas_sharing_a_token_keep_within_telegrams_limit_together(
    fake: FakeTelegram, tmp_path: Path, shared: bool
) -> None:
    """Telegram's ~30 messages a second is per bot: two processes each pacing itself to the whole limit
    are refused (the control); pacing together through their state database (--replicas 2), never, and
    a replica with more to send uses the share the other leaves."""
    users = [{**BOB, "id": 7000 + n} for n in range(90)]
    for user in users:
        fake.private("/start", user=user)  # a bot may write to those who wrote to it
    url = f"sqlite:///{tmp_path / 'state.sqlite3'}"
    stores = [StateStore(url) for _ in range(2)]  # each replica opens the shared database itself
    limiters = [MessageRateLimiter(pace=SendPace(store, 1) if shared else None) for store in stores]
    bots = [Bot(TOKEN, base_url=fake.base_url) for _ in limiters]
    for limiter in limiters:
        await limiter.initialize()

    async def send(n: int, user: dict) -> None:
        data = {"chat_id": user["id"], "text": "ok"}
        replica = 0 if n < 60 else 1  # uneven: 60 messages for the first, 30 for the second
        await limiters[replica].process_request(
            bots[replica]._post, ("sendMessage",), {"data": data}, "sendMessage", data, None
        )

    async with bots[0], bots[1]:
        started = time.perf_counter()
        results = await asyncio.gather(*(send(n, user) for n, user in enumerate(users)), return_exceptions=True)
        took = time.perf_counter() - started
    for store in stores:
        store.close()
    refused = [r for r in results if isinstance(r, RetryAfter)]
    if shared:
        assert refused == [] and fake.floods == [] and len(fake.sent) == len(users)
        # One schedule: 90 messages at 20 a second after a burst of 4, not 60 at the first replica's half.
        assert took < 5.5
    else:
        assert fake.floods and len(refused) == len(fake.floods)  # the control: the test can tell


async def test_a_message_still_goes_when_the_shared_pace_is_out_of_reach(
    fake: FakeTelegram, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "state"
    folder.mkdir()
    store = StateStore(f"sqlite:///{folder / 'state.sqlite3'}")
    limiter = MessageRateLimiter(pace=SendPace(store, 1))
    await limiter.initialize()
    shutil.rmtree(folder)  # the database is gone (a volume unmounted, a server down)
    store.engine.dispose()
    fake.private("/start", user=BOB)
    data = {"chat_id": BOB["id"], "text": "vẫn trả lời"}
    async with Bot(TOKEN, base_url=fake.base_url) as bot:
        await limiter.process_request(bot._post, ("sendMessage",), {"data": data}, "sendMessage", data, None)
    assert [s.text for s in fake.sent_to(BOB["id"])] == ["vẫn trả lời"]
    assert "shared message pace is out of reach" in caplog.text


async def test_after_a_flood_wait_the_queued_messages_do_not_go_out_in_one_burst(fake: FakeTelegram) -> None:
    """A 429 pauses every message for its retry_after; the ones queued meanwhile then leave at the limiter's
    pace (python-telegram-bot's own limiter let them all out at once, and Telegram refused the burst)."""
    users = [{**BOB, "id": 7000 + n} for n in range(60)]
    for user in users:
        fake.private("/start", user=user)
    fake.fail("sendMessage", 1, "429", retry_after=1, skip=3)
    limiter = MessageRateLimiter(max_retries=2)
    await limiter.initialize()

    async def send(bot: Bot, user: dict) -> None:
        data = {"chat_id": user["id"], "text": "ok"}
        await limiter.process_request(bot._post, ("sendMessage",), {"data": data}, "sendMessage", data, None)

    async with Bot(TOKEN, base_url=fake.base_url) as bot:
        await asyncio.gather(*(send(bot, user) for user in users))
    assert sorted(s.chat_id for s in fake.sent) == [u["id"] for u in users]  # every message, once
    assert fake.floods == []  # Telegram never had to refuse one for flooding
    arrivals = sorted(c.at for c in fake.calls_of("sendMessage"))
    assert max(sum(1 for t in arrivals if start <= t < start + 1.0) for start in arrivals) <= 24


async def test_a_request_that_never_left_is_retried() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nobody listens here yet: connection refused
    later = FakeTelegram(port=port)
    request = RetryingRequest(policy=RetryPolicy(attempts=6, backoff=0.1))
    await request.initialize()
    try:
        asyncio.get_running_loop().call_later(0.2, later.start)
        chat = later.private("hello")["chat"]["id"]
        fields = {"chat_id": chat, "text": "after the outage"}
        data = RequestData([RequestParameter.from_input(k, v) for k, v in fields.items()])
        await request.post(f"{later.base_url}{TOKEN}/sendMessage", data)
        assert [s.text for s in later.sent_to(chat)] == ["after the outage"]
    finally:
        await request.shutdown()
        later.stop()
