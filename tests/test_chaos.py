# ruff: noqa: F811 - the bot fixtures are imported from test_bot_e2e and used as parameters
"""The bot under faults: bad updates, a flaky Bot API, late taps, floods, a full disk, kill -9.

The real Application, model and index against the stand-in Bot API server
(loopback only); each fault is one a hostile run reproduced (issue 11), and
each test bounds its waits.
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from telegram.error import NetworkError
from telegram.request import HTTPXRequest

from answer.engine import Engine
from bot.app import INBOX_NAME
from bot.logs import REDACTED, RedactToken, redact_token
from bot.network import RETRY, RetryPolicy
from testing.fake_telegram import ADMIN, ALICE, BOB, TOKEN, FakeTelegram
from tests.test_bot_e2e import (  # noqa: F401 - fixtures
    NEW_ARTICLE,
    NEW_QUESTION,
    ask,
    engine,
    fake,
    own_bot,
    seed_bot,
    serving,
    settings,
)

ROOT = Path(__file__).resolve().parent.parent
SECRET_TEXT = "Bí mật riêng của Alice về Trung Quốc"  # must never reach a log below -vv
APOLOGY = "đã có lỗi"


def log_text(caplog: pytest.LogCaptureFixture) -> str:
    """Everything logged (messages and tracebacks)."""
    return "\n".join(f"{r.getMessage()}\n{r.exc_text or ''}" for r in caplog.records)


# --- 1. an update nobody can read ----------------------------------------------------------------------


async def test_unreadable_update_is_skipped_once_and_the_bot_keeps_answering(
    seed_bot: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    fake = seed_bot
    with caplog.at_level(logging.INFO):
        poll = fake.poll()  # no `persistent_id`: what an older Bot API server sends
        polls_before = len(fake.calls_of("getUpdates"))
        answer = await ask(fake, "Ai đã cáo buộc Trung Quốc?")
        await fake.idle(0.5)
    assert answer.quotes
    # Not fetched again and again: a handful of long polls, not a tight loop.
    assert len(fake.calls_of("getUpdates")) - polls_before < 6
    assert fake.unacknowledged() == []
    skipped = [r for r in caplog.records if f"update {poll['update_id']} skipped" in r.getMessage()]
    assert len(skipped) == 1 and skipped[0].levelno == logging.ERROR
    assert f"chat {ALICE['id']}" in skipped[0].getMessage() and "persistent_id" in skipped[0].getMessage()
    assert "Ai đã cáo buộc" not in log_text(caplog)  # neither the poll's question nor the user's


async def test_a_crashing_handler_logs_ids_not_text(
    fake: FakeTelegram, engine: Engine, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    real = engine.ask

    def crash_on_secret(question: str, **kw: object) -> object:
        if question.startswith("Bí mật"):
            raise RuntimeError("index exploded")
        return real(question, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(engine, "ask", crash_on_secret)
    with caplog.at_level(logging.INFO):
        async with serving(fake, engine):
            failed = await ask(fake, SECRET_TEXT)
            assert APOLOGY in failed.text  # our own bug: the user is told, once
            assert (await ask(fake, "Ai đã cáo buộc Trung Quốc?")).quotes
    assert [r.levelname for r in caplog.records if "index exploded" in r.getMessage()] == ["ERROR"]
    assert SECRET_TEXT not in log_text(caplog)


# --- 5. kill -9 with questions queued -------------------------------------------------------------------


def _start_bot(work: Path, fake: FakeTelegram, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "STORYBOT_"))}
    env |= {
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_BASE_URL": fake.base_url,
        "STORYBOT_RATE_LIMIT": "0",
        "STORYBOT_INBOX": str(work / INBOX_NAME),
    }
    argv = [sys.executable, "-m", "cli", "run", "--articles", str(work / "articles")]
    argv += ["--index-dir", str(work / "index"), "-v"]
    with open(log, "ab") as out:
        return subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


async def test_questions_survive_kill_9_and_are_answered_once(tmp_path: Path, seed_engine: Engine) -> None:
    seed = seed_engine.settings
    shutil.copytree(seed.articles_dir, tmp_path / "articles")
    shutil.copytree(seed.index_dir, tmp_path / "index", ignore=shutil.ignore_patterns(".lock"))
    users = [{**ALICE, "id": 5000 + n, "first_name": f"U{n}"} for n in range(16)]
    log = tmp_path / "bot.log"
    with FakeTelegram() as fake:
        asked = {u["id"]: fake.private("ai buoc toi 4 nguoi trung quoc", user=u)["message_id"] for u in users}
        bot = _start_bot(tmp_path, fake, log)
        try:
            await fake.wait_for(lambda: len(fake.sent) >= 4, 120, "the first answers")
            fake.hold("sendMessage")  # the rest are in hand, not yet answered
            await fake.wait_for(lambda: fake.unacknowledged() == [], 10, "every update confirmed to Telegram")
            await fake.idle(0.5)
            answered_before = len(fake.sent)
            bot.send_signal(signal.SIGKILL)
            bot.wait(10)
        finally:
            if bot.poll() is None:
                bot.kill()
        assert answered_before < len(users)  # questions were lost to Telegram: only the inbox has them
        fake.release("sendMessage")
        bot = _start_bot(tmp_path, fake, log)
        try:
            await fake.wait_for(lambda: {s.chat_id for s in fake.sent} >= set(asked), 120, "every question answered")
            await fake.idle(1.0)
            assert "not answered: answering them now" in log.read_text()
        finally:
            bot.send_signal(signal.SIGTERM)
            try:
                bot.wait(20)
            except subprocess.TimeoutExpired:
                bot.kill()
    per_chat = {chat: [s for s in fake.sent if s.chat_id == chat] for chat in asked}
    for chat, replies in per_chat.items():
        assert len(replies) == 1, (chat, [r.text[:60] for r in replies], log.read_text()[-3000:])
        assert replies[0].reply_to == asked[chat] and replies[0].quotes


# --- 6. late and unknown button taps ----------------------------------------------------------------------


async def test_button_taps_work_when_their_acknowledgement_is_too_old(
    seed_bot: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    fake = seed_bot
    start = await ask(fake, "/start")
    answer = await ask(fake, "Có bao nhiêu máy chủ của Trung Quốc bị kiểm soát?")
    fake.callback_ttl = 0.0  # every tap reaches the bot too late to be acknowledged
    with caplog.at_level(logging.INFO):
        before = len(fake.sent_to(ALICE["id"]))
        fake.press(start, start.buttons[0]["callback_data"])
        fake.press(answer, answer.buttons[0]["callback_data"])
        sent = (await fake.wait_sent(ALICE["id"], before + 2))[before:]
    assert any(s.text.startswith("❓") and s.quotes for s in sent)  # the example was answered
    assert any(s.reply_to == answer.message_id for s in sent)  # the paragraph was shown
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_unknown_button_data_is_answered_without_error(
    seed_bot: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    fake = seed_bot
    start = await ask(fake, "/start")
    with caplog.at_level(logging.INFO):
        odd = [fake.press(start, data, forged=True) for data in ("ask:²", "ask:99", "vote:1", "para:x")]
        await fake.wait_for(lambda: all(fake.callback_answered(q) for q in odd), 10, "every tap answered")
    stale = [c for c in fake.calls_of("answerCallbackQuery") if c.params.get("callback_query_id") in odd]
    assert all("Nút này đã cũ" in c.params.get("text", "") or "đã thay đổi" in c.params.get("text", "") for c in stale)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


# --- 7. the token in every form ----------------------------------------------------------------------------


def test_token_redacted_raw_encoded_and_in_file_urls() -> None:
    redactor = RedactToken(TOKEN)
    encoded = TOKEN.replace(":", "%3A")
    for line in (
        f"POST https://api.telegram.org/bot{TOKEN}/sendMessage",
        f"GET http://127.0.0.1:8081/file/bot{encoded}/documents/file_1.txt",
        f"GET /file/bot{encoded.replace('%3A', '%3a')}/x",
        f"invalid token {TOKEN.split(':')[1]}",
    ):
        assert TOKEN.split(":")[1] not in redactor.redact(line) and REDACTED in redactor.redact(line)


async def test_token_never_logged_even_at_debug(own_bot: FakeTelegram, caplog: pytest.LogCaptureFixture) -> None:
    fake = own_bot
    redact_token(fake.token)
    with caplog.at_level(logging.DEBUG):
        fake.document("buyt.txt", NEW_ARTICLE.encode("utf-8"))  # a file download: the %3A form
        [status] = await fake.wait_sent(ADMIN["id"])
        await fake.wait_for(lambda: "Đã thêm" in status.text, 60, "the upload summary")
    logged = log_text(caplog)
    assert "/file/bot" in logged  # the download URL was logged...
    assert fake.token.split(":")[1] not in logged  # ...without the token in any form


# --- 8. a flaky Bot API: no duplicate, no muddle ---------------------------------------------------------


def refuse_connections(monkeypatch: pytest.MonkeyPatch, method: str, times: int) -> list[str]:
    """Make the next `times` requests of `method` fail as if the server refused the connection (so they
    surely never left); retries come fast, and pending updates are tried again every 0.3 s."""
    monkeypatch.setattr("bot.app.RETRY_PENDING_EVERY", 0.3)
    monkeypatch.setattr(RetryPolicy, "delay", lambda self, attempt: 0.01)
    real = HTTPXRequest.do_request
    refused: list[str] = []

    async def refusing(self: HTTPXRequest, url: str, *args: object, **kw: object) -> object:
        if url.endswith(f"/{method}") and len(refused) < times:
            refused.append(url)
            raise NetworkError("httpx.ConnectError: connection refused") from httpx.ConnectError("refused")
        return await real(self, url, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(HTTPXRequest, "do_request", refusing)
    return refused


async def test_an_answer_that_never_left_is_sent_when_the_network_is_back(
    fake: FakeTelegram, seed_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    refused = refuse_connections(monkeypatch, "sendMessage", RETRY.attempts)  # every try of the first answer
    async with serving(fake, seed_engine):
        question = fake.private("Ai đã cáo buộc Trung Quốc?")
        [answer] = await fake.wait_sent(ALICE["id"], timeout=20)
        await fake.idle(1.0)
        assert len(fake.sent_to(ALICE["id"])) == 1
    assert len(refused) == RETRY.attempts and answer.quotes and answer.reply_to == question["message_id"]


async def test_an_update_that_already_sent_something_is_not_handled_again(
    fake: FakeTelegram, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    refuse_connections(monkeypatch, "editMessageText", RETRY.attempts)  # the summary cannot replace "Updating…"
    async with serving(fake, engine):
        await ask(fake, "/reindex", user=ADMIN)
        await fake.idle(1.5)  # several rounds of retrying pending updates
    [status] = fake.sent_to(ADMIN["id"])  # not a second "Updating…" message: handling it again would repeat it
    assert "Đang cập nhật" in status.text


@pytest.mark.parametrize("how", ["502", "disconnect"])
async def test_a_fault_after_delivery_gives_one_answer_and_no_apology(
    seed_bot: FakeTelegram, how: str, caplog: pytest.LogCaptureFixture
) -> None:
    fake = seed_bot
    fake.fail("sendMessage", 1, how, after=True)
    with caplog.at_level(logging.INFO):
        fake.private("Ai đã cáo buộc Trung Quốc?")
        await fake.wait_sent(ALICE["id"])
        await fake.idle(1.5)
    [answer] = fake.sent_to(ALICE["id"])  # delivered once: not sent again, no "sorry" after it
    assert answer.quotes
    assert "may not have been delivered" in log_text(caplog)


async def test_flood_wait_is_waited_out_then_the_answer_delivered(
    fake: FakeTelegram, seed_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.app.RETRY_PENDING_EVERY", 0.3)
    # A flood limit that outlasts the rate limiter's retries: the answer waits for it, and no apology is
    # sent into the same limit.
    fake.fail("sendMessage", RETRY.flood_retries + 2, "429", retry_after=1)
    async with serving(fake, seed_engine):
        started = time.monotonic()
        fake.private("Ai đã cáo buộc Trung Quốc?")
        [answer] = await fake.wait_sent(ALICE["id"], timeout=30)
        waited = time.monotonic() - started
        await fake.idle(0.5)
        assert len(fake.sent_to(ALICE["id"])) == 1
    assert answer.quotes and waited >= RETRY.flood_retries + 1


# --- 9, 10. uploads under faults --------------------------------------------------------------------------


async def test_long_unicode_name_fits_the_file_system(own_bot: FakeTelegram, engine: Engine) -> None:
    fake = own_bot
    name = "Tuyến buýt điện ven sông Hồng " * 6 + ".txt"  # 186 characters, over 255 bytes in UTF-8
    fake.document(name, NEW_ARTICLE.encode("utf-8"))
    [status] = await fake.wait_sent(ADMIN["id"])
    await fake.wait_for(lambda: "Đã thêm" in status.text, 60, "the upload summary")
    [saved] = [p for p in engine.settings.articles_dir.iterdir() if p.name.startswith("Tuyến")]
    assert len(saved.name.encode("utf-8")) <= 255 and saved.read_bytes() == NEW_ARTICLE.encode("utf-8")
    assert saved.name in status.text


async def test_upload_faults_are_named_and_leave_no_temporary_file(
    own_bot: FakeTelegram, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = own_bot
    folder = engine.settings.articles_dir
    before = sorted(p.name for p in folder.iterdir())

    fake.document("lon.txt", b"x" * (20 * 1024 * 1024 + 1), without_size=True)
    [too_big] = await fake.wait_sent(ADMIN["id"])
    assert "lớn hơn 20 MB" in too_big.text

    def full_disk(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("ingest.uploads.os.fsync", full_disk)  # the write fails half way, as on a full disk
    fake.document("buyt.txt", NEW_ARTICLE.encode("utf-8"))
    full = (await fake.wait_sent(ADMIN["id"], 2))[1]
    assert "ổ đĩa của bot đã đầy" in full.text
    assert sorted(p.name for p in folder.iterdir()) == before  # no hidden partial file left
    monkeypatch.undo()

    shutil.rmtree(folder)
    fake.document("buyt.txt", NEW_ARTICLE.encode("utf-8"))
    gone = (await fake.wait_sent(ADMIN["id"], 3))[2]
    assert f"thư mục bài báo {folder} không còn nữa" in gone.text


async def test_reindex_status_is_always_updated(
    own_bot: FakeTelegram, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = own_bot

    def full(**kw: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    def broken(**kw: object) -> None:
        raise RuntimeError("something unexpected")

    for failure, expected in ((full, "ổ đĩa đã đầy"), (broken, "lỗi không mong đợi")):
        monkeypatch.setattr(engine, "rebuild", failure)
        status = await ask(fake, "/reindex", user=ADMIN)
        await fake.wait_for(lambda s=status: "Đang cập nhật" not in s.text, 10, "the status update")
        assert expected in status.text and "chỉ mục cũ" in status.text
    assert (await ask(fake, "Ai đã cáo buộc Trung Quốc?")).quotes  # still answering from the old index


async def test_duplicate_content_and_a_replace_after_an_edit_are_refused(own_bot: FakeTelegram, engine: Engine) -> None:
    fake = own_bot
    folder = engine.settings.articles_dir
    [seed] = [p for p in folder.iterdir() if p.suffix == ".txt"]
    fake.document("ban-sao.txt", seed.read_bytes())
    [refused] = await fake.wait_sent(ADMIN["id"])
    assert f"giống hệt bài {seed.name}" in refused.text
    assert not (folder / "ban-sao.txt").exists()

    (folder / "buyt.txt").write_text("Tin cũ\n\nNội dung cũ của bài báo về xe buýt.\n", encoding="utf-8")
    fake.document("buyt.txt", NEW_ARTICLE.encode("utf-8"))
    question = (await fake.wait_sent(ADMIN["id"], 2))[1]
    edited = "Tin cũ\n\nNội dung đã sửa tay sau khi bot hỏi.\n"
    (folder / "buyt.txt").write_text(edited, encoding="utf-8")  # an edit made after the prompt
    fake.press(question, question.buttons[0]["callback_data"], user=ADMIN)  # "Replace"
    await fake.wait_for(lambda: "đã bị sửa sau khi tôi hỏi" in question.text, 10, "the refusal")
    assert (folder / "buyt.txt").read_text(encoding="utf-8") == edited


async def test_two_uploads_at_once_each_get_their_own_summary(own_bot: FakeTelegram) -> None:
    fake = own_bot
    second = NEW_ARTICLE.replace("sông Hồng", "sông Đuống").replace("số 99", "số 98")
    fake.document("mot.txt", NEW_ARTICLE.encode("utf-8"))
    fake.document("hai.txt", second.encode("utf-8"))
    statuses = await fake.wait_sent(ADMIN["id"], 2)
    await fake.wait_for(lambda: all("Đã thêm" in s.text for s in statuses), 60, "both summaries")
    for status in statuses:
        assert "1 mới" in status.text and "Không có gì thay đổi" not in status.text


# --- 11. every interaction counts toward the limit ---------------------------------------------------------


async def test_every_kind_of_interaction_is_rate_limited(fake: FakeTelegram, seed_engine: Engine) -> None:
    async with serving(fake, seed_engine, rate_limit=3):
        start = await ask(fake, "/start")
        fake.private("/sources")
        fake.sticker()
        await fake.wait_sent(ALICE["id"], 3)
        for _ in range(5):
            fake.private("/sources")
            fake.private("/nope")
            fake.sticker()
        taps = [fake.press(start, start.buttons[0]["callback_data"]) for _ in range(3)]
        await fake.wait_for(lambda: all(fake.callback_answered(q) for q in taps), 10, "the taps answered")
        await fake.idle(0.5)
        sent = fake.sent_to(ALICE["id"])
    notices = [s for s in sent if "tối đa 3 câu hỏi, lệnh hoặc lượt bấm" in s.text]
    assert len(sent) == 4 and len(notices) == 1, fake.describe()


# --- 13. small ones ------------------------------------------------------------------------------------------


async def test_invisible_questions_and_names(own_bot: FakeTelegram) -> None:
    fake = own_bot
    usage = await ask(fake, "/ask \u200b\u200c\ufeff")
    assert "Hãy gõ câu hỏi sau lệnh" in usage.text
    blank = await ask(fake, "\u200b \u2060")
    assert "Bạn muốn hỏi gì" in blank.text
    fake.document("evil\u202etxt.exe", b"MZ...", mime_type="application/octet-stream")
    [refused] = await fake.wait_sent(ADMIN["id"])
    assert "\u202e" not in refused.text and "eviltxt.exe" in refused.text


async def test_a_burst_of_users_each_answered_once(fake: FakeTelegram, seed_engine: Engine) -> None:
    # 100 here to keep CI short; bench/bot_burst.py runs 200 and more against `storybot run`.
    users = [{**BOB, "id": 7000 + n, "first_name": f"U{n}"} for n in range(100)]
    async with serving(fake, seed_engine):
        asked = {u["id"]: fake.private("Who accused China of hacking?", user=u)["message_id"] for u in users}
        await fake.wait_for(lambda: {s.chat_id for s in fake.sent} >= set(asked), 240, "every answer")
        await fake.idle(0.5)
    assert len(fake.sent) == len(users)
    assert all(s.reply_to == asked[s.chat_id] and s.quotes for s in fake.sent)
