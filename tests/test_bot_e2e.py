"""The Telegram bot end to end: the real Application, model and index against a stand-in Bot API server.

Only Telegram's servers are faked (testing/fake_telegram.py, which rejects what
Telegram rejects); the bot is built by the same function `storybot run` uses.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import socket
import unicodedata
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from answer.engine import Engine
from bot.app import build_application, running
from bot.config import BotSettings, Webhook
from index.config import Settings
from index.embedding import Encoder
from index.store import current_generation
from testing.fake_telegram import ADMIN, ALICE, BOB, GROUP, FakeTelegram, Sent

from .conftest import SEED_ARTICLE, SEEDS

ROOT = Path(__file__).resolve().parent.parent
SEED_TEXT = unicodedata.normalize("NFC", (SEEDS / SEED_ARTICLE).read_text(encoding="utf-8"))
SEED_TITLE = "Trung Quốc phản ứng mạnh khi bị cáo buộc đứng sau chiến dịch tin tặc toàn cầu"

NEW_ARTICLE = """\
Hà Nội mở tuyến buýt điện ven sông Hồng

Thành phố Hà Nội vừa khai trương tuyến xe buýt điện số 99 chạy ven sông Hồng, nối Long Biên với Thanh Trì.
Tuyến buýt điện ven sông Hồng có 24 xe, chạy từ 5 giờ sáng đến 22 giờ mỗi ngày với giá vé 9.000 đồng.
"""
NEW_QUESTION = "Tuyến buýt điện ven sông Hồng có bao nhiêu xe?"


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    """The stand-in Bot API server."""
    with FakeTelegram() as server:
        yield server


def bot_settings(fake: FakeTelegram, **overrides: object) -> BotSettings:
    """Settings pointing the bot at `fake`; ADMIN is the admin; the index is re-checked every 0.2 s."""
    values: dict[str, object] = {
        "token": fake.token,
        "base_url": fake.base_url,
        "base_file_url": fake.base_file_url,
        "admins": frozenset({ADMIN["id"]}),
        "refresh_seconds": 0.2,
    }
    values.update(overrides)
    return BotSettings(**values)  # type: ignore[arg-type]


def replica_settings(fake: FakeTelegram, count: int = 2, **overrides: object) -> list[BotSettings]:
    """Settings of `count` replicas in webhook mode, each on its own port of 127.0.0.1 (secret "s")."""
    settings = []
    for _ in range(count):
        port = _free_port()
        hook = Webhook(url=f"http://127.0.0.1:{port}/storybot", listen="127.0.0.1", port=port, secret="s")
        settings.append(bot_settings(fake, webhook=hook, replicas=count, **overrides))
    return settings


@contextlib.asynccontextmanager
async def serving(fake: FakeTelegram, engine: Engine, **overrides: object) -> AsyncIterator[FakeTelegram]:
    """The bot, built as `storybot run` builds it, running against `fake` until the block ends."""
    settings = bot_settings(fake, **overrides)
    async with running(build_application(settings, engine), settings):
        yield fake


@pytest.fixture
async def seed_bot(fake: FakeTelegram, seed_engine: Engine) -> AsyncIterator[FakeTelegram]:
    """The bot over the shared, read-only seed index."""
    async with serving(fake, seed_engine):
        yield fake


@pytest.fixture
def engine(tmp_path: Path, seed_engine: Engine, encoder: Encoder) -> Engine:
    """An engine over the test's own copy of the seed articles and index, which the test may change.

    Copying the session's seed index (built for real once) instead of building
    it again keeps each test a couple of seconds faster; the copy is a valid
    index (the article files keep their size and modification time).
    """
    seed = seed_engine.settings
    settings = Settings(articles_dir=tmp_path / "articles", index_dir=tmp_path / "index")
    shutil.copytree(seed.articles_dir, settings.articles_dir)
    shutil.copytree(seed.index_dir, settings.index_dir, ignore=shutil.ignore_patterns(".lock"))
    own = Engine(settings, encoder)
    assert not own.is_stale()
    return own


@pytest.fixture
def settings(engine: Engine) -> Settings:
    """The settings of the test's own engine."""
    return engine.settings


@pytest.fixture
async def own_bot(fake: FakeTelegram, engine: Engine) -> AsyncIterator[FakeTelegram]:
    """The bot over the test's own articles folder and index, which the test may change."""
    async with serving(fake, engine):
        yield fake


async def ask(fake: FakeTelegram, text: str, *, user: dict = ALICE) -> Sent:
    """Send a private question and return the bot's first reply to it."""
    before = len(fake.sent_to(user["id"]))
    message = fake.private(text, user=user)
    sent = await fake.wait_sent(user["id"], before + 1)
    reply = sent[before]
    assert reply.reply_to == message["message_id"]
    return reply


def in_article(quote: str, article: str) -> bool:
    """True when `quote` is a verbatim span of the article (shortened quotes end with an ellipsis)."""
    return quote.removesuffix("…") in article


# --- questions ------------------------------------------------------------------------------------


async def test_private_question_answered_with_verbatim_quote(seed_bot: FakeTelegram) -> None:
    fake = seed_bot
    question = fake.private("Ai đã cáo buộc Trung Quốc?")
    [answer] = await fake.wait_sent(ALICE["id"])

    assert answer.reply_to == question["message_id"]
    assert answer.text.startswith("Các bên trong câu chuyện:")  # a who-question: answered party by party
    assert answer.quotes, answer.text
    for quote in answer.quotes:
        assert quote in SEED_TEXT  # word for word from the article file
    assert "đồng minh" in " ".join(answer.quotes)
    # One article: each quote names its paragraph, the article's title is said once beneath them.
    assert "— đoạn " in answer.text and answer.text.endswith(f"— {SEED_TITLE}")
    # "typing…" was shown in that chat before the answer came.
    actions = [c for c in fake.calls_of("sendChatAction") if int(c.params["chat_id"]) == ALICE["id"]]
    assert actions and actions[0].params["action"] == "typing" and actions[0].at < answer.at


async def test_questions_without_diacritics_english_and_off_topic(seed_bot: FakeTelegram) -> None:
    fake = seed_bot
    plain = await ask(fake, "ai buoc toi 4 nguoi trung quoc")
    assert any("buộc tội 4 người Trung Quốc" in q for q in plain.quotes)

    english = await ask(fake, "Who accused China of hacking?", user=BOB)  # Telegram in English
    assert english.text.startswith("The parties in the story:")
    assert "— paragraph " in english.text and all(q in SEED_TEXT for q in english.quotes)

    weather = await ask(fake, "Thời tiết Hà Nội ngày mai thế nào?")
    assert weather.text.startswith("Không tìm thấy câu trả lời") and not weather.quotes

    bread = await ask(fake, "How do I bake sourdough bread?", user=BOB)
    assert bread.text.startswith("Not found in the articles.") and not bread.quotes


async def test_group_chatter_ignored_mention_reply_and_ask_answered(seed_bot: FakeTelegram) -> None:
    fake = seed_bot
    chatter = fake.group("Chào cả nhà, trưa nay ăn gì?")
    fake.group("Ai đã cáo buộc Trung Quốc?", user=BOB)  # a question, but not to the bot
    mention = fake.group(f"@{fake.username} ai buoc toi 4 nguoi trung quoc")
    [answer] = await fake.wait_sent(GROUP["id"])
    assert answer.reply_to == mention["message_id"]
    assert any("buộc tội 4 người Trung Quốc" in q for q in answer.quotes)

    fake.group("Đồng ý!", user=BOB, reply_to=chatter["message_id"])  # a reply, but to a person
    follow_up = fake.group("Ai là tác giả bài viết?", user=BOB, reply_to=answer.message_id)
    command = fake.group(f"/ask@{fake.username} Ai đã cáo buộc Trung Quốc?")
    bobs = fake.group("Có bao nhiêu máy chủ của Trung Quốc bị kiểm soát?", user=BOB)
    on_reply = fake.group("/ask", reply_to=bobs["message_id"])  # asks the replied-to message
    empty = fake.group("/ask")
    bare = fake.group(f"@{fake.username}")
    await fake.wait_sent(GROUP["id"], 6)
    await fake.idle(0.3)
    sent = fake.sent_to(GROUP["id"])
    assert len(sent) == 6, fake.describe()  # nothing for the chatter
    replies = {s.reply_to: s for s in sent}
    expected = [mention, follow_up, command, on_reply, empty, bare]
    assert set(replies) == {m["message_id"] for m in expected}
    assert "Nguyễn Phương" in " ".join(replies[follow_up["message_id"]].quotes)
    assert replies[command["message_id"]].quotes
    assert "5,31 triệu máy chủ" in " ".join(replies[on_reply["message_id"]].quotes)
    assert "/ask" in replies[empty["message_id"]].text and not replies[empty["message_id"]].quotes
    assert "Bạn muốn hỏi gì" in replies[bare["message_id"]].text
    typing_chats = {int(c.params["chat_id"]) for c in fake.calls_of("sendChatAction")}
    assert typing_chats == {GROUP["id"]}
    assert len(fake.calls_of("sendChatAction")) == 4  # one per question, none for the chatter


async def test_start_shows_example_buttons_that_answer(seed_bot: FakeTelegram) -> None:
    fake = seed_bot
    start = await ask(fake, "/start")
    assert SEED_TITLE in start.text
    questions = [b["text"] for b in start.buttons]
    assert "Ai đã cáo buộc Trung Quốc?" in questions
    query = fake.press(start, start.buttons[0]["callback_data"])
    sent = await fake.wait_sent(ALICE["id"], 2)
    answer = sent[1]
    assert answer.reply_to == start.message_id
    assert answer.text.startswith(f"❓ {questions[0]}")
    assert answer.quotes and all(q in SEED_TEXT for q in answer.quotes)
    await fake.wait_for(lambda: fake.callback_answered(query), what="the button press answered")
    # The readers' command menu was registered in Vietnamese and English (test_bot_talk checks the scopes).
    menu = {"ask", "who", "timeline", "stories", "follow", "following", "sources", "new", "help"}
    assert {c["command"] for c in fake.commands[""]} == menu
    assert {c["command"] for c in fake.commands["en"]} == menu


async def test_sources_help_and_non_text(seed_bot: FakeTelegram) -> None:
    fake = seed_bot
    sources = await ask(fake, "/sources")
    assert "1. " + SEED_TITLE in sources.text

    help_text = await ask(fake, "/help", user=BOB)
    assert "/ask" in help_text.text and "/sources" in help_text.text and "How to use" in help_text.text

    before = len(fake.sent_to(ALICE["id"]))
    fake.sticker()
    fake.photo()
    sent = await fake.wait_sent(ALICE["id"], before + 2)
    assert all("chỉ đọc được tin nhắn chữ" in s.text for s in sent[before:])

    fake.sticker(chat=GROUP)  # a sticker in a group is chatter
    await fake.idle(0.3)
    assert fake.sent_to(GROUP["id"]) == []

    unknown = await ask(fake, "/weather")
    assert "/help" in unknown.text


async def test_who_lists_the_parties_and_each_button_shows_its_quote(seed_bot: FakeTelegram) -> None:
    fake = seed_bot
    overview = await ask(fake, "/who")
    assert overview.text.startswith("Các bên trong câu chuyện:")
    assert "Bộ Tư pháp Mỹ — buộc tội" in overview.text and "Liu Pengyu" in overview.text
    assert "Nguyễn Phương" not in overview.text and f"{SEED_TITLE}, đoạn 16" in overview.text
    [story_map] = (await fake.wait_sent(ALICE["id"], 2))[1:]  # the map follows the list
    assert story_map.photo is not None and story_map.text.startswith("Ai nói gì với ai")
    # The buttons sit under the map, where the list ends: one per party, then "follow this story".
    assert overview.buttons == [] and len(story_map.buttons) >= 9
    assert story_map.buttons[-1] == {"text": "🔔 Theo dõi câu chuyện này", "callback_data": "fs:vi:1"}
    justice = next(b for b in story_map.buttons if "Bộ Tư pháp" in b["text"])
    fake.press(story_map, justice["callback_data"])
    sent = await fake.wait_sent(ALICE["id"], 3)
    [paragraph] = sent[2].quotes
    assert "buộc tội 4 người Trung Quốc đại lục" in paragraph and paragraph in SEED_TEXT
    nothing = await ask(fake, "/who sourdough bread recipe", user=BOB)
    assert nothing.text == "No party speaks in the articles on this topic."


async def test_full_paragraph_button(seed_bot: FakeTelegram) -> None:
    fake = seed_bot
    answer = await ask(fake, "Có bao nhiêu máy chủ của Trung Quốc bị kiểm soát?")
    [quote] = answer.quotes
    assert "5,31 triệu máy chủ" in quote
    [button, follow, *votes] = answer.buttons  # the full paragraph, follow the story, 👍 / 👎 (test_bot_talk)
    assert follow["callback_data"] == "fs:vi:1" and [v["callback_data"][-2:] for v in votes] == [":u", ":d"]
    assert len(button["callback_data"].encode()) <= 64
    fake.press(answer, button["callback_data"])
    sent = await fake.wait_sent(ALICE["id"], 2)
    paragraph = sent[1]
    assert paragraph.reply_to == answer.message_id
    [full] = paragraph.quotes
    assert quote in full and len(full) > len(quote) and full in SEED_TEXT
    assert "Trung Quốc là nạn nhân chính của các cuộc tấn công mạng" in full


async def test_overlong_question_cut_with_notice(seed_bot: FakeTelegram) -> None:
    question = "Ai đã cáo buộc Trung Quốc? " + "rất " * 600
    answer = await ask(seed_bot, question)
    assert "Câu hỏi dài hơn 2000 ký tự" in answer.text
    assert answer.entity_texts("italic")[0].startswith("Câu hỏi dài hơn")


async def test_rate_limit_answers_politely_once(fake: FakeTelegram, seed_engine: Engine) -> None:
    async with serving(fake, seed_engine, rate_limit=2):
        for _ in range(4):
            fake.private("ai buoc toi 4 nguoi trung quoc")
        sent = await fake.wait_sent(ALICE["id"], 3)
        await fake.idle(0.5)
        sent = fake.sent_to(ALICE["id"])
    answers = [s for s in sent if s.quotes]
    refusals = [s for s in sent if "tối đa 2 câu hỏi, lệnh hoặc lượt bấm mỗi phút" in s.text]
    assert len(answers) == 2 and len(refusals) == 1 and len(sent) == 3, fake.describe()


async def test_failure_is_reported_and_the_bot_keeps_running(
    fake: FakeTelegram, engine: Engine, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    real_ask = engine.ask
    calls = []

    def failing_once(question: str, **kw: object) -> object:
        calls.append(question)
        if len(calls) == 1:
            raise RuntimeError("disk on fire")
        return real_ask(question, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(engine, "ask", failing_once)
    with caplog.at_level(logging.ERROR, logger="bot"):
        async with serving(fake, engine):
            question = fake.private("Ai đã cáo buộc Trung Quốc?")
            [failed] = await fake.wait_sent(ALICE["id"])
            assert failed.reply_to == question["message_id"]
            assert "đã có lỗi" in failed.text and "Traceback" not in failed.text and "disk" not in failed.text
            again = await ask(fake, "Ai đã cáo buộc Trung Quốc?")
            assert again.quotes
    logged = [r.getMessage() for r in caplog.records]
    assert f"update {question['update_id']} failed: disk on fire" in logged


# --- safe rendering ------------------------------------------------------------------------------


async def test_article_with_html_characters_rendered_safely(fake: FakeTelegram, engine: Engine) -> None:
    folder = engine.settings.articles_dir
    (folder / "html.md").write_text(
        "---\n"
        'title: Mã độc <script> & "trò đùa" của nhóm Xiandun\n'
        "url: https://example.com/tin?id=1&lang=vi\n"
        "---\n\n"
        "Nhóm tin tặc Xiandun & Co đã chèn đoạn mã <script>alert(1)</script> vào trang web của công ty R&amp;D.\n",
        encoding="utf-8",
    )
    engine.rebuild(progress=False)
    async with serving(fake, engine):
        answer = await ask(fake, "Nhóm tin tặc Xiandun đã chèn đoạn mã gì vào trang web?")
    article = (folder / "html.md").read_text(encoding="utf-8")
    [quote] = answer.quotes
    assert "<script>alert(1)</script>" in quote and "Xiandun & Co" in quote and "R&amp;D" in quote
    assert quote in article
    assert 'Mã độc <script> & "trò đùa" của nhóm Xiandun, đoạn 1' in answer.text
    [link] = [e for e in answer.entities if e["type"] == "text_link"]
    assert link["url"] == "https://example.com/tin?id=1&lang=vi"


def _railway_sentence(n: int) -> str:
    parts = [
        f"đoạn đường sắt cao tốc số {n}-{i} qua tỉnh thứ {i} dài {i * 7} km với {i * 3} nhà ga và {i * 11} cây cầu"
        for i in range(1, 26)
    ]
    return "Dự án đường sắt cao tốc Bắc Nam gồm " + ", ".join(parts) + "."


async def test_overlong_answer_split_at_quote_boundaries(fake: FakeTelegram, engine: Engine) -> None:
    folder = engine.settings.articles_dir
    article = "Đường sắt cao tốc Bắc Nam\n\n" + "\n\n".join(_railway_sentence(n) for n in (1, 2, 3)) + "\n"
    (folder / "duong-sat.txt").write_text(article, encoding="utf-8")
    engine.rebuild(progress=False)
    async with serving(fake, engine):
        question = fake.private("Dự án đường sắt cao tốc Bắc Nam gồm những đoạn nào?")
        sent = await fake.wait_sent(ALICE["id"], 2)
        await fake.idle(0.3)
        sent = fake.sent_to(ALICE["id"])
    assert len(sent) >= 2, fake.describe()  # 3 quotes of 2,400+ characters cannot share one message
    assert sent[0].text.startswith("Theo các bài báo:")
    quotes = [q for s in sent for q in s.quotes]
    assert len(quotes) >= 2
    for message in sent:
        assert len(message.text.encode("utf-16-le")) // 2 <= 4096
        assert message.reply_to == question["message_id"]
        assert len(message.quotes) == message.text.count("— Đường sắt cao tốc Bắc Nam, đoạn ")
    assert all(q in article for q in quotes)  # whole sentences, not cut


# --- admins: /reindex, uploads, a rebuilt index ----------------------------------------------------


async def test_reindex_by_admin_and_by_stranger(own_bot: FakeTelegram, engine: Engine) -> None:
    fake = own_bot
    (engine.settings.articles_dir / "buyt.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    generation = current_generation(engine.settings.index_dir)

    refused = await ask(fake, "/reindex", user=BOB)
    assert "only the bot's admins" in refused.text
    await fake.idle(0.3)
    assert current_generation(engine.settings.index_dir) == generation  # nothing rebuilt

    status = await ask(fake, "/reindex", user=ADMIN)
    await fake.wait_for(lambda: "Chỉ mục có 2 bài báo" in status.text, what="the /reindex summary")
    assert "Bài báo: 1 mới, 0 sửa, 0 xóa, 1 giữ nguyên." in status.text
    assert status.edits >= 1
    answer = await ask(fake, NEW_QUESTION)
    assert any("24 xe" in q for q in answer.quotes) and all(q in NEW_ARTICLE for q in answer.quotes)


async def test_uploaded_article_is_saved_indexed_and_answered(own_bot: FakeTelegram, engine: Engine) -> None:
    fake = own_bot
    folder = engine.settings.articles_dir
    upload = fake.document("../Buýt điện.txt", NEW_ARTICLE.encode("utf-8"))
    [status] = await fake.wait_sent(ADMIN["id"])
    assert status.reply_to == upload["message_id"]
    await fake.wait_for(lambda: "Đã thêm" in status.text, what="the upload summary")
    assert "Đã thêm bài “Hà Nội mở tuyến buýt điện ven sông Hồng” (Buýt_điện.txt)." in status.text
    assert "1 mới" in status.text
    assert (folder / "Buýt_điện.txt").read_bytes() == NEW_ARTICLE.encode("utf-8")
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]  # no temporary file left

    answer = await ask(fake, NEW_QUESTION)
    assert any("24 xe" in q for q in answer.quotes)
    sources = await ask(fake, "/sources")
    assert "Hà Nội mở tuyến buýt điện ven sông Hồng" in sources.text


async def test_upload_refusals_and_bad_files(own_bot: FakeTelegram, engine: Engine) -> None:
    fake = own_bot
    folder = engine.settings.articles_dir
    before = sorted(p.name for p in folder.iterdir())

    fake.document("tin.txt", NEW_ARTICLE.encode("utf-8"), user=BOB)
    [refused] = await fake.wait_sent(BOB["id"])
    assert "only the bot's admins can add articles" in refused.text

    fake.document("bao-cao.pdf", b"%PDF-1.4 ...", mime_type="application/pdf")
    fake.document("latin1.txt", "Tiêu đề\n\nCafé à Paris".encode("cp1258", errors="replace") + b"\xff\xfe")
    fake.document("trong.md", b"   \n")
    fake.document("lon.txt", b"x" * 10, file_size=5 * 1024 * 1024)
    sent = await fake.wait_sent(ADMIN["id"], 4)
    texts = " | ".join(s.text for s in sent)
    assert "chỉ nhận bài báo dạng tệp văn bản .txt hoặc .md" in texts
    # The reasons in the admin's language too: one language per reply.
    assert "không phải chữ UTF-8 hợp lệ" in texts and "not valid UTF-8" not in texts
    assert "tệp trống" in texts and "the file is empty" not in texts
    assert "quá lớn (5120 KB); giới hạn là 1024 KB" in texts
    assert sorted(p.name for p in folder.iterdir()) == before  # nothing saved


async def test_upload_over_existing_article_needs_confirmation(own_bot: FakeTelegram, engine: Engine) -> None:
    fake = own_bot
    folder = engine.settings.articles_dir
    (folder / "buyt.txt").write_text("Tin cũ\n\nNội dung cũ của bài báo về xe buýt.\n", encoding="utf-8")
    old = (folder / "buyt.txt").read_bytes()

    fake.document("buyt.txt", NEW_ARTICLE.encode("utf-8"))
    [question] = await fake.wait_sent(ADMIN["id"])
    assert "Đã có bài buyt.txt (“Tin cũ”)" in question.text
    replace, keep = (b["callback_data"] for b in question.buttons)
    assert keep.endswith(":n") and replace.endswith(":y")

    fake.press(question, keep, user=BOB)  # a stranger's tap does nothing
    fake.press(question, keep, user=ADMIN)
    await fake.wait_for(lambda: "Đã giữ bài cũ" in question.text, what="the 'kept' answer")
    assert (folder / "buyt.txt").read_bytes() == old

    fake.document("buyt.txt", NEW_ARTICLE.encode("utf-8"))
    second = (await fake.wait_sent(ADMIN["id"], 2))[1]
    fake.press(second, second.buttons[0]["callback_data"], user=ADMIN)
    await fake.wait_for(lambda: "Đã thay bài buyt.txt" in second.text, what="the 'replaced' summary")
    assert (folder / "buyt.txt").read_bytes() == NEW_ARTICLE.encode("utf-8")
    answer = await ask(fake, NEW_QUESTION)
    assert any("24 xe" in q for q in answer.quotes)


async def test_index_rebuilt_beside_the_running_bot(
    own_bot: FakeTelegram, settings: Settings, encoder: Encoder, caplog: pytest.LogCaptureFixture
) -> None:
    fake = own_bot
    beside = Engine(settings, encoder)  # another engine on the same folders, as `storybot index` would be
    (settings.articles_dir / "buyt.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    with caplog.at_level(logging.INFO, logger="bot"):
        summary = await asyncio.to_thread(beside.rebuild, progress=False)
        assert summary.added == 1
        # With no question asked, the background refresh switches to the new index.
        await fake.wait_for(
            lambda: any(f"switched to index {summary.generation}" in r.getMessage() for r in caplog.records),
            what="the background refresh",
        )
    answer = await ask(fake, NEW_QUESTION)
    assert any("24 xe" in q for q in answer.quotes) and all(q in NEW_ARTICLE for q in answer.quotes)

    # Questions asked while another rebuild runs are all answered, from a complete index.
    changed = NEW_ARTICLE.replace("24 xe", "30 xe")
    (settings.articles_dir / "buyt.txt").write_text(changed, encoding="utf-8")
    rebuild = asyncio.ensure_future(asyncio.to_thread(beside.rebuild, progress=False))
    before, asked = len(fake.sent_to(ALICE["id"])), 0
    while not rebuild.done() or asked < 3:
        if asked < 12:  # within the per-user limit of 20 a minute, however slow the rebuild
            fake.private(NEW_QUESTION)
            asked += 1
        await asyncio.sleep(0.05)
    assert (await rebuild).changed == 1
    answers = (await fake.wait_sent(ALICE["id"], before + asked))[before:]
    await fake.idle(0.2)
    assert len(fake.sent_to(ALICE["id"])) == before + asked  # one answer per question, none lost
    for reply in answers:
        assert reply.quotes and all(q in NEW_ARTICLE or q in changed for q in reply.quotes)
    latest = await ask(fake, NEW_QUESTION)
    assert any("30 xe" in q for q in latest.quotes)


# --- webhook mode ---------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_webhook_mode(fake: FakeTelegram, seed_engine: Engine) -> None:
    port = _free_port()
    hook = Webhook(url=f"http://127.0.0.1:{port}/storybot", listen="127.0.0.1", port=port, secret="s3cret-Token")
    async with serving(fake, seed_engine, webhook=hook):
        assert fake.webhook_url == hook.url and fake.webhook_secret == "s3cret-Token"
        message = fake.private("Ai đã cáo buộc Trung Quốc?")
        update = {"update_id": message.pop("update_id"), "message": message}
        async with httpx.AsyncClient() as client:
            forged = await client.post(hook.url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"})
            assert forged.status_code == 403
            await fake.idle(0.3)
            assert fake.sent_to(ALICE["id"]) == []
            real = await client.post(hook.url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-Token"})
            assert real.status_code == 200
        [answer] = await fake.wait_sent(ALICE["id"])
    assert answer.reply_to == message["message_id"] and answer.quotes
    assert fake.calls_of("getUpdates") == []
