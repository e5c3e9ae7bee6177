# ruff: noqa: F811 (the fixtures imported from test_bot_e2e are named as the tests' arguments)
"""One language per reply, end to end against the stand-in Bot API: the reader's Telegram language (else the
question's) frames every reply, refusals come with hints in the same language, /sources says its real order,
upload refusals are worded in the admin's language, and a reader's link reaches the admins with a button."""

from __future__ import annotations

import pytest

from answer.engine import Engine
from answer.question import reply_language
from ingest.config import IngestSettings
from testing.fake_telegram import ADMIN, ALICE, BOB, FakeTelegram
from tests import news_site as site
from tests.news_site import NewsSite

from .test_bot_e2e import ask, engine, fake, seed_bot, serving  # noqa: F401 (fixtures)

CHLOE = {"id": 1003, "is_bot": False, "first_name": "Chloé", "language_code": "fr"}  # a language storybot lacks
NOBODY = {"id": 1004, "is_bot": False, "first_name": "Ẩn danh"}  # no language_code at all
LOCAL = IngestSettings(allow_private_urls=True, timeout=5.0)
ENGLISH_FRAME = ("The parties", "From the articles", "Not found", "paragraph", "Type /sources")
VIETNAMESE_FRAME = ("Các bên", "Theo các bài báo", "Không tìm thấy", "đoạn", "Gõ /sources")


@pytest.mark.parametrize(
    ("code", "question", "expected"),
    [
        ("vi", "Who accused China of hacking?", "vi"),
        ("vi-VN", "", "vi"),
        ("en", "Ai cáo buộc Trung Quốc?", "en"),
        ("en-GB", "ai buoc toi 4 nguoi trung quoc", "en"),
        ("fr", "Who accused China of hacking?", "en"),
        ("fr", "ai buoc toi 4 nguoi trung quoc", "vi"),
        (None, "How do I bake sourdough bread?", "en"),
        (None, "", "vi"),
    ],
)
def test_the_reply_language_is_the_readers_else_the_questions(code, question, expected):
    assert reply_language(code, question) == expected


async def test_every_reply_speaks_one_language(seed_bot: FakeTelegram) -> None:
    fake = seed_bot
    # Telegram in Vietnamese: an English question is framed in Vietnamese, quotes as written.
    framed_vi = await ask(fake, "Who accused China of hacking?", user=ALICE)
    assert framed_vi.text.startswith("Các bên trong câu chuyện:") and "— đoạn " in framed_vi.text
    assert not any(word in framed_vi.text for word in ENGLISH_FRAME)
    # Telegram in English: a Vietnamese question is framed in English.
    framed_en = await ask(fake, "Ai đã cáo buộc Trung Quốc?", user=BOB)
    assert not any(word in framed_en.text for word in ("Các bên", "Theo các bài báo", "— đoạn "))
    assert "paragraph" in framed_en.text
    # Telegram in another language, or none: the question's language.
    assert (await ask(fake, "How do I bake sourdough bread?", user=CHLOE)).text.startswith("Not found")
    assert (await ask(fake, "Thời tiết Hà Nội ngày mai thế nào?", user=CHLOE)).text.startswith("Không tìm thấy")
    refusal = await ask(fake, "How do I bake sourdough bread?", user=NOBODY)
    # A refusal and its hint in one language.
    assert refusal.text.startswith("Not found in the articles.") and "Type /sources" in refusal.text
    refusal_vi = await ask(fake, "Thời tiết Hà Nội ngày mai thế nào?", user=NOBODY)
    assert refusal_vi.text.startswith("Không tìm thấy") and "Gõ /sources" in refusal_vi.text
    assert not any(word in refusal_vi.text for word in ENGLISH_FRAME)
    # Commands without a question follow the reader's language (Vietnamese when it is unknown).
    assert "How to use" in (await ask(fake, "/help", user=BOB)).text
    assert "How to use" not in (await ask(fake, "/help", user=CHLOE)).text


async def test_sources_says_the_order_it_lists_in(fake: FakeTelegram, engine: Engine) -> None:
    folder = engine.settings.articles_dir
    articles = {
        "old.txt": ("Bão số 3 đổ bộ Quảng Ninh", "2025-05-01"),
        "new.txt": ("Giá xăng giảm lần thứ ba", "2025-06-01"),
        "b.txt": ("Bến Thành mở cửa ban đêm", None),
        "a.txt": ("An Giang mở lại chợ nổi Long Xuyên", None),
    }
    for name, (title, date) in articles.items():
        front = f"---\ntitle: {title}\ndate: {date}\n---\n" if date else f"{title}\n"
        (folder / name).write_text(f"{front}\nMột đoạn văn về {title.lower()} để trích dẫn.\n", encoding="utf-8")
    engine.rebuild(progress=False)
    infos = engine.articles()
    dated = sorted((i for i in infos if i.date), key=lambda i: i.date or "", reverse=True)
    undated = sorted((i for i in infos if not i.date), key=lambda i: i.title.casefold())
    expected = [i.title for i in [*dated, *undated]]
    assert expected.index("Giá xăng giảm lần thứ ba") < expected.index("Bão số 3 đổ bộ Quảng Ninh")
    assert expected.index("An Giang mở lại chợ nổi Long Xuyên") < expected.index("Bến Thành mở cửa ban đêm")
    async with serving(fake, engine):
        for user, header in (
            (ALICE, "bài có ngày đăng xếp mới nhất trước, bài không rõ ngày xếp sau theo tên:"),
            (BOB, "dated ones newest first, then undated ones by title:"),
        ):
            sources = await ask(fake, "/sources", user=user)
            first, *lines = sources.text.split("\n")
            assert first.endswith(header), first
            listed = [line.split(". ", 1)[1].split(" — ")[0] for line in lines]
            assert listed == expected


async def test_an_unusable_upload_is_refused_in_the_admins_language(fake: FakeTelegram, engine: Engine) -> None:
    async with serving(fake, engine):
        fake.document("bin.txt", b"\x00\x01\x02 not an article")
        [refusal] = await fake.wait_sent(ADMIN["id"])
        assert refusal.text.startswith("Không dùng được tệp bin.txt: tệp không phải văn bản"), refusal.text
        assert "binary" not in refusal.text and "the file" not in refusal.text


async def test_a_readers_link_is_explained_and_an_admin_adds_it_with_a_button(
    fake: FakeTelegram, engine: Engine, news_site: NewsSite
) -> None:
    link = news_site.url(site.PHA_DIEN)
    async with serving(fake, engine, ingest=LOCAL):
        # No admin has a chat with the bot yet (Telegram lets a bot write only to those who wrote first).
        alone = await ask(fake, link, user=BOB)
        assert "only the bot's admins can add an article" in alone.text and "passed" not in alone.text
        await ask(fake, "/help", user=ADMIN)  # the admin's chat; its Telegram language is Vietnamese
        told = await ask(fake, link, user=BOB)
        assert "I do not read links" in told.text and "passed this link on" in told.text
        assert "Not found" not in told.text and not told.buttons
        def suggestions() -> list:
            return [s for s in fake.sent_to(ADMIN["id"]) if any("addlink:" in b["callback_data"] for b in s.buttons)]

        await fake.wait_for(suggestions, what="the link passed on to the admin")
        [passed] = suggestions()
        again = await ask(fake, link, user=BOB)  # the same link again: the admin is not asked twice
        assert "passed this link on" in again.text and len(suggestions()) == 1
        assert link in passed.text and "Bob" in passed.text
        [button] = passed.buttons
        assert button["text"] == "➕ Thêm bài này" and len(button["callback_data"].encode()) <= 64
        assert not list((engine.settings.articles_dir / "web").rglob("*.txt"))  # nothing fetched for a reader

        fake.press(passed, button["callback_data"], user=BOB)  # a reader's tap adds nothing
        await fake.idle(0.3)
        fake.press(passed, button["callback_data"], user=ADMIN)
        await fake.wait_for(
            lambda: any("✅ Đã thêm" in s.text for s in fake.sent_to(ADMIN["id"])), what="the article added"
        )
        added = next(s for s in fake.sent_to(ADMIN["id"]) if "✅ Đã thêm" in s.text)
        assert f"“{site.PHA_DIEN_TITLE}”" in added.text and added.reply_to == passed.message_id
        assert not passed.buttons  # one tap adds it once
        saved = list((engine.settings.articles_dir / "web").rglob("*.txt"))
        assert len(saved) == 1 and saved[0].read_text(encoding="utf-8").startswith(f"---\nurl: {link}\n")
        answer = await ask(fake, "Hiệp hội Vận tải Đà Nẵng cáo buộc ai?", user=ALICE)
        assert any("cáo buộc Công ty Phà Sông Hàn nâng giá vé" in q for q in answer.quotes), answer.text
