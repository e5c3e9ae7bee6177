"""Admins add articles by link and by feed, end to end: the real bot, model and index, a stand-in Bot API
(testing/fake_telegram.py) and a stand-in news site on 127.0.0.1 (tests/news_site.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from answer.engine import Engine
from ingest.config import IngestSettings
from testing.fake_telegram import ADMIN, ALICE, BOB, FakeTelegram
from tests import news_site as site
from tests.news_site import NewsSite
from tests.test_bot_e2e import SEED_TITLE, ask, serving

LOCAL = IngestSettings(allow_private_urls=True, timeout=5.0)


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    """The stand-in Bot API server (the tests' `engine` is a fresh index of the seed articles)."""
    with FakeTelegram() as server:
        yield server


def web_files(engine: Engine) -> list[Path]:
    return sorted((engine.settings.articles_dir / "web").rglob("*.txt"))


async def outcome(fake: FakeTelegram, text: str, user: dict = ADMIN) -> str:
    """Send `text` privately and return the bot's reply once it says how the links went."""
    status = await ask(fake, text, user=user)
    await fake.wait_for(lambda: status.edits >= 1 or "Đang tải" not in status.text, what="the outcome")
    return status.text


async def test_admin_adds_an_article_by_link_and_readers_get_dated_quotes(
    fake: FakeTelegram, engine: Engine, news_site: NewsSite
) -> None:
    async with serving(fake, engine, ingest=LOCAL):
        link = news_site.url(site.PHA_DIEN)
        added = await outcome(fake, link)
        assert added == f"✅ Đã thêm “{site.PHA_DIEN_TITLE}” (7 đoạn, Tin Nhanh Miền Trung, 12/5/2025)."
        [saved] = web_files(engine)
        assert saved.read_text(encoding="utf-8").startswith(f"---\nurl: {link}\ntitle: {site.PHA_DIEN_TITLE}\n")

        answer = await ask(fake, "Hiệp hội Vận tải Đà Nẵng cáo buộc ai?", user=ALICE)
        assert any("cáo buộc Công ty Phà Sông Hàn nâng giá vé" in q for q in answer.quotes), answer.text
        assert f"— {site.PHA_DIEN_TITLE}, đoạn 4, 12/5/2025" in answer.text
        assert "Bình luận" not in answer.text and "Quảng cáo" not in answer.text

        # The same story again, by another address or as an aggregator's copy: recognised, not added.
        again = await outcome(fake, f"/add {news_site.url(site.MOVED)} {news_site.url(site.PHA_DIEN_COPY)}")
        assert again.count(f"“{site.PHA_DIEN_TITLE}”") == 2 and "Bài này đã có" in again
        assert "Nội dung này đã có trong bài" in again
        # Bad links get a reason each; a legacy-charset page is read properly.
        links = [news_site.url(site.PDF), "ftp://x.vn/a", news_site.url(site.SECTION), news_site.url(site.CHO_NOI)]
        mixed = await outcome(fake, "/add " + " ".join(links))
        lines = mixed.split("\n")
        assert "không phải trang web (HTML) mà là application/pdf" in lines[0]
        assert "không phải địa chỉ web http(s)" in lines[1]
        assert "quá ít chữ để là một bài báo" in lines[2]
        # No site name on that page: its host stands in.
        assert lines[3] == f"✅ Đã thêm “{site.CHO_NOI_TITLE}” (6 đoạn, {news_site.base[7:]}, 3/11/2024)."
        assert len(web_files(engine)) == 2

        # Readers cannot add: a link from them is a question, /add is refused.
        refused = await ask(fake, f"/add {news_site.url(site.THU_VIEN)}", user=BOB)
        assert "only the bot's admins" in refused.text
        question = await ask(fake, news_site.url(site.THU_VIEN), user=ALICE)
        assert "Đã thêm" not in question.text and len(web_files(engine)) == 2
        usage = await ask(fake, "/add", user=ADMIN)
        assert "/add https://" in usage.text
        help_text = await ask(fake, "/help", user=ADMIN)
        assert "Gửi đường dẫn bài báo (hoặc /add đường-dẫn)" in help_text.text and "/follow" in help_text.text

        sources = await ask(fake, "/sources", user=ALICE)
        lines = sources.text.split("\n")
        assert lines[0] == (
            "Các bài báo đang có (3), bài có ngày đăng xếp mới nhất trước, bài không rõ ngày xếp sau theo tên:"
        )
        assert lines[1] == f"1. {site.PHA_DIEN_TITLE} — 12/5/2025, Tin Nhanh Miền Trung"  # newest first
        assert lines[2].startswith(f"2. {site.CHO_NOI_TITLE} — 3/11/2024")
        assert lines[3].startswith(f"3. {SEED_TITLE}")
        assert link in [e.get("url") for e in sources.entities]


async def test_admin_follows_a_feed_and_new_entries_are_added_on_schedule(
    fake: FakeTelegram, engine: Engine, news_site: NewsSite
) -> None:
    async with serving(fake, engine, ingest=IngestSettings(allow_private_urls=True, timeout=5.0, feed_seconds=1.0)):
        refused = await ask(fake, f"/follow {news_site.url(site.RSS)}", user=BOB)
        assert "only the bot's admins" in refused.text
        not_feed = await ask(fake, f"/follow {news_site.url(site.PHA_DIEN)}", user=ADMIN)
        assert "không phải nguồn tin RSS/Atom (đó là một trang web)" in not_feed.text

        followed = await ask(fake, f"/follow {news_site.url(site.RSS)}", user=ADMIN)
        assert followed.text.startswith("Đang theo dõi “Tin Nhanh Miền Trung - Xã hội” (2 bài trong nguồn).")
        report = (await fake.wait_sent(ADMIN["id"], 3))[2]  # after /follow's reply: the first round's report
        assert report.text.split("\n") == [
            "Nguồn “Tin Nhanh Miền Trung - Xã hội”: đã thêm 2 bài mới:",
            f"• Đã thêm “{site.PHA_DIEN_TITLE}” (7 đoạn, Tin Nhanh Miền Trung, 12/5/2025).",
            f"• Đã thêm “{site.THU_VIEN_TITLE}” (5 đoạn, Tin Nhanh Miền Trung, 14/5/2025).",
        ]
        answer = await ask(fake, "Thư viện Huế mở cửa đến mấy giờ?", user=ALICE)
        assert any("22 giờ" in q for q in answer.quotes) and f"{site.THU_VIEN_TITLE}, đoạn" in answer.text

        # The outlet publishes a new story: the scheduled round adds it and says so, once.
        news_site.page(site.RSS, "atom-mien-trung.xml", "application/atom+xml")
        before = len(fake.sent_to(ADMIN["id"]))
        sent = await fake.wait_sent(ADMIN["id"], before + 1, timeout=20)
        added = f"• Đã thêm “{site.CANG_CA_TITLE}” (5 đoạn, Tin Nhanh Miền Trung, 16/5/2025)."
        assert sent[before].text.split("\n")[1] == added
        await fake.idle(1.5)
        assert len(fake.sent_to(ADMIN["id"])) == before + 1  # nothing new: nothing said
        answer = await ask(fake, "Ai cáo buộc Ban quản lý cảng cá?", user=ALICE)
        assert any("Hội Nghề cá phường Thọ Quang cáo buộc" in q for q in answer.quotes), answer.text

        feeds = await ask(fake, "/feeds", user=ADMIN)
        assert "Các nguồn tin đang theo dõi (1):" in feeds.text and "3 bài đã thêm" in feeds.text
        gone = await ask(fake, f"/unfollow {news_site.url(site.RSS)}", user=ADMIN)
        assert gone.text == "Đã bỏ theo dõi “Tin Nhanh Miền Trung - Môi trường”. Các bài đã thêm vẫn được giữ."
        assert (await ask(fake, "/feeds", user=ADMIN)).text.startswith("Chưa theo dõi nguồn tin nào.")
        assert len(web_files(engine)) == 3


async def test_sources_pages_through_a_long_list(fake: FakeTelegram, engine: Engine) -> None:
    folder = engine.settings.articles_dir
    for day in range(1, 13):
        (folder / f"tin-{day:02d}.txt").write_text(
            f"---\ndate: 2025-04-{day:02d}\nsource: Báo Thử\n---\nBản tin số {day}\n\n"
            f"Nội dung bản tin số {day} về giao thông.\n",
            encoding="utf-8",
        )
    engine.rebuild(progress=False)
    async with serving(fake, engine):
        first = await ask(fake, "/sources", user=BOB)
        lines = first.text.split("\n")
        assert lines[0] == "The articles I have (13), dated ones newest first, then undated ones by title — page 1/2:"
        assert lines[1] == "1. Bản tin số 12 — 12 Apr 2025, Báo Thử" and len(lines) == 11
        [older] = first.buttons
        query = fake.press(first, older["callback_data"], user=BOB)
        await fake.wait_for(lambda: first.edits >= 1, what="page 2")
        assert fake.callback_answered(query)
        lines = first.text.split("\n")
        assert lines[0] == "The articles I have (13), dated ones newest first, then undated ones by title — page 2/2:"
        assert lines[1:] == ["11. Bản tin số 2 — 2 Apr 2025, Báo Thử", "12. Bản tin số 1 — 1 Apr 2025, Báo Thử",
                             f"13. {SEED_TITLE}"]
        assert [b["text"] for b in first.buttons] == ["◀ Newer"]
