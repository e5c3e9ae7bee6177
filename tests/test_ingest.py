"""Adding articles from the web, without the model: fetching, extracting, recognising, feeds.

Pages come from a stand-in news site on 127.0.0.1 (tests/news_site.py).
"""

from __future__ import annotations

import json
import time
import unicodedata
from dataclasses import replace
from pathlib import Path

import pytest

from index import build
from index.articles import Article, load_article
from index.build import build_index, merge_segments
from index.config import Settings
from index.dates import article_date, format_date, parse_date
from index.errors import StorybotError
from index.store import build_lock
from ingest import feeds, library
from ingest.config import IngestSettings, ingest_settings
from ingest.fetch import parse_link
from ingest.library import url_key
from ingest.links import ADDED, DUPLICATE, FAILED, add_links, fetch_article
from ingest.messages import IngestProblem
from tests import news_site as site_paths
from tests.news_site import NewsSite, Route

ALLOW = IngestSettings(allow_private_urls=True, timeout=5.0, max_bytes=1_000_000, feed_seconds=60.0)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def saved(folder: Path, article_id: str) -> Article:
    article = load_article(folder, folder / article_id)
    assert isinstance(article, Article), article
    return article


# --- extraction -----------------------------------------------------------------------------------


def test_story_is_extracted_without_menus_ads_comments_or_related_links(news_site: NewsSite) -> None:
    final_url, story = fetch_article(news_site.url(site_paths.PHA_DIEN), ALLOW)
    assert final_url == news_site.url(site_paths.PHA_DIEN)
    assert story.title == site_paths.PHA_DIEN_TITLE
    assert (story.date, story.author, story.site) == ("2025-05-12", "Trần Thu Hà", "Tin Nhanh Miền Trung")
    assert len(story.paragraphs) == 7
    text = "\n".join(story.paragraphs)
    assert "Hiệp hội Vận tải Đà Nẵng gửi văn bản cáo buộc Công ty Phà Sông Hàn" in text
    for furniture in ("Trang chủ", "Quảng cáo", "Vay tiêu dùng", "Tin liên quan", "buýt điện ven hồ Tây",
                      "Bình luận", "Phà điện hay quá", "Đọc nhiều", "Giấy phép", "Chia sẻ"):
        assert furniture not in text, furniture


def test_a_page_in_a_legacy_vietnamese_charset_is_decoded(news_site: NewsSite) -> None:
    # windows-1258, declared only in a <meta> tag, tones as combining marks: read as proper NFC text.
    _, story = fetch_article(news_site.url(site_paths.CHO_NOI), ALLOW)
    assert story.title == site_paths.CHO_NOI_TITLE
    text = "\n".join(story.paragraphs)
    assert "hơn 120 ghe hàng ở chợ nổi Cái Răng" in text and text == nfc(text) and "\ufffd" not in text
    assert story.date == "2024-11-03"


# --- adding by link -------------------------------------------------------------------------------


def test_added_article_has_front_matter_and_is_recognised_again(news_site: NewsSite, tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    original = news_site.url(site_paths.PHA_DIEN)
    results = add_links(
        [
            original,
            original.replace("http://", "HTTP://") + "?utm_source=zalo&fbclid=abc#binh-luan",  # the same address
            news_site.url(site_paths.MOVED),  # redirects to it
            news_site.url(site_paths.PHA_DIEN_COPY),  # the same text elsewhere
        ],
        folder,
        ALLOW,
    )
    assert [r.status for r in results] == [ADDED, DUPLICATE, DUPLICATE, DUPLICATE]
    assert [r.duplicate for r in results[1:]] == ["url", "url", "text"]
    first = results[0]
    assert (first.title, first.paragraphs, first.date) == (site_paths.PHA_DIEN_TITLE, 7, "2025-05-12")
    assert first.describe("vi") == f"Đã thêm “{site_paths.PHA_DIEN_TITLE}” (7 đoạn, Tin Nhanh Miền Trung, 12/5/2025)."
    assert "already here" in results[3].describe("en") and first.article_id in results[3].describe("en")
    article = saved(folder, first.article_id)
    assert first.article_id.startswith("web/127.0.0.1/da-nang-cho-chay-thu-pha-dien-qua-song-han-")
    assert (article.url, article.title, article.date, article.source) == (
        original, site_paths.PHA_DIEN_TITLE, "2025-05-12", "Tin Nhanh Miền Trung",
    )
    assert article.meta["author"] == "Trần Thu Hà"
    assert article.paragraph_text(4).startswith("Cùng ngày, Hiệp hội Vận tải Đà Nẵng")
    # A later run (another process) recognises it from the file alone.
    again = add_links([original], folder, ALLOW)
    assert again[0].status == DUPLICATE and len(list(folder.rglob("*.txt"))) == 1


def test_text_uploaded_as_a_file_is_recognised_when_added_by_link(news_site: NewsSite, tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    _, story = fetch_article(news_site.url(site_paths.THU_VIEN), ALLOW)
    (folder / "thu-vien.txt").write_text(story.title + "\n\n" + "\n".join(story.paragraphs) + "\n", encoding="utf-8")
    [result] = add_links([news_site.url(site_paths.THU_VIEN)], folder, ALLOW)
    assert (result.status, result.duplicate, result.article_id) == (DUPLICATE, "text", "thu-vien.txt")


def test_indexed_articles_are_recognised_from_the_index(
    news_site: NewsSite, settings: Settings, encoder, monkeypatch
) -> None:
    # With an index, a link is checked against the articles it holds by key, not by reading every file.
    original = news_site.url(site_paths.PHA_DIEN)
    build_index(settings, encoder, progress=False)  # the seed article
    [added] = add_links([original], settings.articles_dir, ALLOW, settings.index_dir)
    build_index(settings, encoder, progress=False, only=[added.article_id])  # a second segment
    monkeypatch.setattr(library, "known_articles", lambda folder: pytest.fail("read every article file"))
    again = add_links(
        [original + "?utm_source=zalo", news_site.url(site_paths.PHA_DIEN_COPY)],
        settings.articles_dir, ALLOW, settings.index_dir,
    )
    assert [(r.status, r.duplicate, r.article_id) for r in again] == [
        (DUPLICATE, "url", added.article_id), (DUPLICATE, "text", added.article_id),
    ]
    assert again[0].title == site_paths.PHA_DIEN_TITLE
    # Its keys survive a merge into a new segment.
    monkeypatch.setattr(build, "MERGE_FACTOR", 2)
    with build_lock(settings.index_dir):
        merged = merge_segments(settings.index_dir)
    assert merged and add_links([original], settings.articles_dir, ALLOW, settings.index_dir)[0].status == DUPLICATE
    # A file deleted since the last build is not "already here": the link adds it back.
    (settings.articles_dir / added.article_id).unlink()
    [back] = add_links([original], settings.articles_dir, ALLOW, settings.index_dir)
    assert back.status == ADDED and (settings.articles_dir / back.article_id).is_file()


def test_an_unreadable_index_falls_back_to_reading_the_article_files(
    news_site: NewsSite, settings: Settings, encoder
) -> None:
    original = news_site.url(site_paths.PHA_DIEN)
    [added] = add_links([original], settings.articles_dir, ALLOW, settings.index_dir)
    build_index(settings, encoder, progress=False)
    for db in (settings.index_dir / "segments").glob("*/chunks.sqlite"):
        db.write_bytes(db.read_bytes()[:100])  # damaged: its size no longer matches its metadata
    [again] = add_links([original], settings.articles_dir, ALLOW, settings.index_dir)
    assert (again.status, again.duplicate, again.article_id) == (DUPLICATE, "url", added.article_id)


BAD_LINKS = [
    ("ftp://tinnhanh.example/bai.html", "not_http", "không phải địa chỉ web http(s)"),
    ("javascript:alert(1)", "not_http", "không phải địa chỉ web http(s)"),
    ("http://", "bad_url", "không phải đường dẫn hợp lệ"),
    (site_paths.MISSING, "http_error", "lỗi HTTP 404"),
    (site_paths.PDF, "not_html", "không phải trang web (HTML) mà là application/pdf"),
    (site_paths.HUGE, "too_large", "quá lớn (hơn 1 MB)"),
    (site_paths.SECTION, "too_little_text", "quá ít chữ để là một bài báo"),
    (site_paths.LOOP, "too_many_redirects", "chuyển hướng quá 5 lần"),
    ("http://127.0.0.1:9/", "unreachable", "từ chối kết nối"),  # the discard port: nothing listens
]


@pytest.mark.parametrize(("link", "key", "says"), BAD_LINKS)
def test_bad_links_get_a_specific_reply_and_save_nothing(
    news_site: NewsSite, tmp_path: Path, link: str, key: str, says: str
) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    url = news_site.url(link) if link.startswith("/") else link
    [result] = add_links([url], folder, ALLOW)
    assert result.status == FAILED and result.problem is not None and result.problem.key == key
    assert says in result.describe("vi")
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:{port}/", "http://localhost:{port}/", "http://[::1]:{port}/", "http://10.1.2.3/",
     "http://169.254.169.254/latest/meta-data/", "http://192.168.1.1/admin"],
)
def test_private_addresses_are_not_fetched_unless_allowed(news_site: NewsSite, tmp_path: Path, url: str) -> None:
    url = url.format(port=news_site.base.rsplit(":", 1)[1]) + site_paths.PHA_DIEN.lstrip("/")
    [result] = add_links([url], tmp_path, IngestSettings(timeout=2.0))
    assert result.problem is not None and result.problem.key == "private_address"
    assert "I only fetch public web pages" in result.describe("en")
    assert news_site.hits == {}


def test_a_page_that_trickles_in_is_given_up_in_bounded_time(news_site: NewsSite, tmp_path: Path) -> None:
    # Each piece comes well within the per-step timeout, but the whole page would take over 4 s.
    started = time.monotonic()
    [result] = add_links([news_site.url(site_paths.TRICKLE)], tmp_path, replace(ALLOW, timeout=0.5))
    assert result.problem is not None and result.problem.key == "unreachable"
    assert "no answer within 1 s" in result.describe("en") and time.monotonic() - started < 2.5


def test_links_as_typed_and_canonical_addresses() -> None:
    assert parse_link(" vnexpress.net/the-gioi/bai-1.html ") == "https://vnexpress.net/the-gioi/bai-1.html"
    assert parse_link("<https://e.vn/a>") == "https://e.vn/a"
    with pytest.raises(IngestProblem):
        parse_link("mailto:toasoan@e.vn")
    same = [
        "https://vnexpress.net/a/bai.html",
        "http://www.VnExpress.net:80/a/bai.html?utm_source=facebook&utm_medium=social#comments",
        "https://vnexpress.net/a/bai.html/?fbclid=xyz",
    ]
    assert len({url_key(u) for u in same}) == 1
    assert url_key("https://e.vn/bai.php?id=1") != url_key("https://e.vn/bai.php?id=2")


def test_private_urls_setting_from_the_environment() -> None:
    assert ingest_settings(env={"STORYBOT_ALLOW_PRIVATE_URLS": "1"}).allow_private_urls
    assert not ingest_settings(env={}).allow_private_urls
    with pytest.raises(StorybotError, match="STORYBOT_ALLOW_PRIVATE_URLS must be 1 or 0"):
        ingest_settings(env={"STORYBOT_ALLOW_PRIVATE_URLS": "maybe"})
    with pytest.raises(StorybotError, match="--feed-minutes"):
        ingest_settings(env={"STORYBOT_FEED_MINUTES": "soon"})


# --- feeds ----------------------------------------------------------------------------------------


def _index(tmp_path: Path) -> Settings:
    (tmp_path / "articles").mkdir(exist_ok=True)
    return Settings(articles_dir=tmp_path / "articles", index_dir=tmp_path / "data" / "index")


def test_follow_then_rounds_add_new_entries_once(news_site: NewsSite, tmp_path: Path) -> None:
    index = _index(tmp_path)
    path = ALLOW.feeds_path(index.index_dir)
    assert path == tmp_path / "data" / "feeds.json"
    feed, created, entries = feeds.follow(path, news_site.url(site_paths.RSS), ALLOW, report_chat=42)
    assert created and entries == 2 and feed.title == "Tin Nhanh Miền Trung - Xã hội"
    assert not feeds.follow(path, news_site.url(site_paths.RSS) + "?utm_source=x", ALLOW)[1]  # already followed
    rebuilds: list[list[str]] = []
    [report] = feeds.run_round(index, ALLOW, lambda added: rebuilds.append(added), now=1000.0)
    assert [r.title for r in report.added] == [site_paths.PHA_DIEN_TITLE, site_paths.THU_VIEN_TITLE]  # oldest first
    assert report.report_chat == 42 and rebuilds == [[r.article_id for r in report.added]]  # those two files
    lines = feeds.describe_report(report, "vi")
    assert lines[0] == "Nguồn “Tin Nhanh Miền Trung - Xã hội”: đã thêm 2 bài mới:"
    # Nothing new: nothing fetched but the feed, no rebuild.
    hits = dict(news_site.hits)
    [report] = feeds.run_round(index, ALLOW, lambda added: rebuilds.append(added), now=2000.0)
    assert report.results == () and len(rebuilds) == 1
    assert news_site.hits[site_paths.PHA_DIEN] == hits[site_paths.PHA_DIEN]
    # The outlet publishes a new story: the next round adds it.
    news_site.page(site_paths.RSS, "atom-mien-trung.xml", "application/atom+xml")
    [report] = feeds.run_round(index, ALLOW, lambda added: rebuilds.append(added), now=3000.0)
    assert [r.title for r in report.added] == [site_paths.CANG_CA_TITLE] and rebuilds[1] == [report.added[0].article_id]
    [listed] = feeds.load(path)
    assert listed.added == 3 and listed.failures == 0
    assert "3 article(s) added; last checked" in feeds.describe_feeds([listed], "en")[1]
    assert feeds.unfollow(path, news_site.url(site_paths.RSS)).title == "Tin Nhanh Miền Trung - Môi trường"
    assert feeds.load(path) == []
    with pytest.raises(IngestProblem) as missing:
        feeds.unfollow(path, news_site.url(site_paths.RSS))
    assert missing.value.key == "not_following"


def test_a_failing_feed_keeps_its_state_and_backs_off(news_site: NewsSite, tmp_path: Path) -> None:
    index = _index(tmp_path)
    path = ALLOW.feeds_path(index.index_dir)
    feeds.follow(path, news_site.url(site_paths.RSS), ALLOW)
    feeds.run_round(index, ALLOW, lambda added: None, now=1000.0)
    [good] = feeds.load(path)
    news_site.routes[site_paths.RSS] = Route(503, "text/plain", b"Service Unavailable")
    [report] = feeds.run_round(index, ALLOW, lambda added: None, now=2000.0)
    assert report.problem is not None and report.problem.key == "http_error" and report.first_failure
    assert "Sẽ thử lại lúc" in feeds.describe_report(report, "vi")[0]
    [failing] = feeds.load(path)
    assert (failing.title, failing.entries, failing.added) == (good.title, good.entries, good.added)
    assert (failing.failures, failing.next_try) == (1, 2000.0 + 60.0)
    assert feeds.run_round(index, ALLOW, lambda added: None, now=2030.0) == []  # waiting: not even fetched
    [report] = feeds.run_round(index, ALLOW, lambda added: None, now=2061.0)
    assert not report.first_failure and feeds.describe_report(report, "vi") == []  # told once
    assert feeds.load(path)[0].next_try == 2061.0 + 120.0  # the wait doubles
    assert "failed 2 time(s) in a row (The page" in feeds.describe_feeds(feeds.load(path), "en")[1]
    news_site.page(site_paths.RSS, "rss-mien-trung.xml", "application/rss+xml")
    [report] = feeds.run_round(index, ALLOW, lambda added: None, now=2200.0)
    assert report.problem is None and report.results == ()  # back, and nothing re-added
    assert feeds.load(path)[0].failures == 0


def test_follow_refuses_what_is_not_a_feed(news_site: NewsSite, tmp_path: Path) -> None:
    path = tmp_path / "feeds.json"
    cases = [(site_paths.PHA_DIEN, "not_feed"), (site_paths.BROKEN, "http_error"), ("ftp://x.vn/rss", "not_http")]
    for link, key in cases:
        with pytest.raises(IngestProblem) as refused:
            feeds.follow(path, news_site.url(link) if link.startswith("/") else link, ALLOW)
        assert refused.value.key == key
        if key == "not_feed":
            assert "is not an RSS/Atom feed (it is a web page)" in str(refused.value)
    assert not path.exists()


def test_following_a_section_page_follows_the_feed_it_announces(news_site: NewsSite, tmp_path: Path) -> None:
    path = tmp_path / "feeds.json"
    feed, created, entries = feeds.follow(path, news_site.url(site_paths.SECTION), ALLOW)
    assert created and entries == 2 and feed.url == news_site.url(site_paths.RSS)
    assert not feeds.follow(path, news_site.url(site_paths.RSS), ALLOW)[1]  # the same feed


def test_registry_is_written_whole_and_a_damaged_one_is_not_overwritten(news_site: NewsSite, tmp_path: Path) -> None:
    path = tmp_path / "feeds.json"
    feeds.follow(path, news_site.url(site_paths.ATOM), ALLOW)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["version"] == 2 and data["feeds"][0]["title"] == "Tin Nhanh Miền Trung - Môi trường"
    assert [p.name for p in tmp_path.iterdir() if "tmp" in p.name] == []
    path.write_text('{"feeds": [{"url": ', encoding="utf-8")
    with pytest.raises(StorybotError, match=r"feed registry .*feeds\.json is damaged"):
        feeds.follow(path, news_site.url(site_paths.RSS), ALLOW)
    assert path.read_text(encoding="utf-8") == '{"feeds": [{"url": '


# --- dates ----------------------------------------------------------------------------------------


def test_dates_from_front_matter_or_dateline() -> None:
    assert parse_date("2025-05-12T07:45:00+07:00").isoformat() == "2025-05-12"
    assert parse_date("Thứ hai, 12/5/2025, 07:45 (GMT+7)").isoformat() == "2025-05-12"
    assert parse_date("Hà Nội, ngày 3 tháng 11 năm 2024").isoformat() == "2024-11-03"
    assert parse_date("31/2/2025") is None and parse_date("") is None
    assert (format_date("2025-05-12", "vi"), format_date("2025-05-12", "en")) == ("12/5/2025", "12 May 2025")
    from index.articles import parse_article

    dated = parse_article("a.txt", "---\ndate: 2024-03-26\n---\nTiêu đề\n\nĐoạn một.\n")
    dateline = parse_article("b.txt", "Tiêu đề\n\nThứ ba, 26/3/2024, 08:00 (GMT+7)\n\nĐoạn một.\n")
    undated = parse_article("c.txt", "Tiêu đề\n\nĐoạn một.\n")
    assert [article_date(a) for a in (dated, dateline, undated)] == ["2024-03-26", "2024-03-26", None]


def test_nothing_is_read_from_a_private_address_even_if_the_name_check_was_fooled(
    news_site: NewsSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # DNS rebinding: the name resolved to a public address when checked, then to a private one.
    monkeypatch.setattr("ingest.fetch.check_public", lambda url: None)
    [result] = add_links([news_site.url(site_paths.PHA_DIEN)], tmp_path, IngestSettings(timeout=2.0))
    assert result.problem is not None and result.problem.key == "private_address"
    assert list(tmp_path.iterdir()) == []


def test_relative_entry_links_resolve_against_the_feed(news_site: NewsSite) -> None:
    body = (site_paths.WEB / "rss-mien-trung.xml").read_bytes().replace(b"{base}", b"")
    news_site.routes[site_paths.RSS] = Route(200, "application/rss+xml", body)
    parsed = feeds.read_feed(news_site.url(site_paths.RSS), ALLOW)
    assert [e.link.split("?")[0] for e in parsed.entries] == [
        news_site.url(site_paths.THU_VIEN), news_site.url(site_paths.PHA_DIEN),
    ]


def test_run_options_reach_the_bot_settings() -> None:
    from bot.config import bot_settings
    from cli.main import build_parser

    args = build_parser().parse_args(["run", "--allow-private-urls", "--feed-minutes", "5", "--feeds-file", "f.json"])
    settings = bot_settings(args, env={"TELEGRAM_BOT_TOKEN": "123456:" + "A" * 30})
    assert settings.ingest == IngestSettings(allow_private_urls=True, feeds_file=Path("f.json"), feed_seconds=300.0)
    from_env = bot_settings(None, env={"TELEGRAM_BOT_TOKEN": "123456:" + "A" * 30, "STORYBOT_FEED_MINUTES": "0.5"})
    assert from_env.ingest.feed_seconds == 30.0 and not from_env.ingest.allow_private_urls


def test_an_unwritable_articles_folder_is_named(news_site: NewsSite, tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "web").write_text("a file where the web/ folder should be", encoding="utf-8")
    [result] = add_links([news_site.url(site_paths.PHA_DIEN)], folder, ALLOW)
    assert result.problem is not None and result.problem.key == "cannot_save"
    assert f"Could not save the article from {news_site.url(site_paths.PHA_DIEN)} as {folder}/web/" in result.describe()
