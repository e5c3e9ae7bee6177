"""A feed round accounts for every entry: added, already present, refused, or to be tried again.

No model: the stand-in news site on 127.0.0.1 (tests/news_site.py) serves a
feed of short news pages of one template (the same menus, related links,
comments, and a template-wide canonical address), with two entries of one
date, one without a date, and one listed out of order.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from index.articles import Article, load_article
from index.config import Settings
from ingest import feeds
from ingest.feed_state import KNOWN, PRESENT, REFUSED, RETRY
from ingest.links import add_links
from tests import news_site as site
from tests.news_site import NewsSite, Route
from tests.test_ingest import ALLOW

FEED_TITLE = "Tin Nhanh Miền Trung - Tin ngắn"
ALL_FOUR = [site.BENH_VIEN_TITLE, site.PHO_CO_TITLE, site.TRAM_SAC_TITLE, site.CAU_CA_TITLE]  # oldest first


def _index(tmp_path: Path) -> Settings:
    (tmp_path / "articles").mkdir(exist_ok=True)
    return Settings(articles_dir=tmp_path / "articles", index_dir=tmp_path / "data" / "index")


def _round(index: Settings, now: float) -> feeds.FeedReport:
    [report] = feeds.run_round(index, ALLOW, lambda added: None, now=now)
    return report


def test_pages_of_one_template_sharing_a_date_or_without_one_are_each_added(
    news_site: NewsSite, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # The bug: every page names the section as its canonical address, so the second page and the
    # rest were taken for "the same address" as the first, left out of the report and never tried again.
    index = _index(tmp_path)
    path = ALLOW.feeds_path(index.index_dir)
    feeds.follow(path, news_site.url(site.TIN_NGAN), ALLOW)
    caplog.set_level(logging.INFO, logger="ingest.feeds")
    report = _round(index, 1000.0)
    assert [r.title for r in report.added] == ALL_FOUR
    assert len({r.article_id for r in report.added}) == 4
    lines = feeds.describe_report(report, "en")
    assert lines[0] == f"Feed “{FEED_TITLE}”: added 4 new article(s):" and len(lines) == 5
    for title, line in zip(ALL_FOUR, lines[1:], strict=True):
        assert line.startswith(f"• Added “{title}”")
    # Each saved as its own story; the template's address is not kept as the story's.
    for result in report.added:
        article = load_article(index.articles_dir, index.articles_dir / result.article_id)
        assert isinstance(article, Article) and article.title == result.title
        assert "Bình luận" not in article.text and "Tin liên quan" not in article.text
    assert sum("canonical_url" in p.read_text(encoding="utf-8") for p in index.articles_dir.rglob("*.txt")) <= 1
    assert "feed " + news_site.url(site.TIN_NGAN) + ": 4 added" in caplog.text
    # Remembered per entry: the next round fetches only the feed and says there is nothing new.
    hits = dict(news_site.hits)
    again = _round(index, 2000.0)
    assert again.entries == () and again.known == 4 and feeds.describe_report(again, "en") == []
    assert news_site.hits[site.PHO_CO] == hits[site.PHO_CO]
    [feed] = feeds.load(path)
    assert {r.key for r in feed.entries} == {"id:tinnhanh-5001", "id:tinnhanh-5002", "id:tinnhanh-5003",
                                             "id:tinnhanh-4998"}


def test_a_page_that_fails_once_is_reported_to_be_retried_then_added(news_site: NewsSite, tmp_path: Path) -> None:
    index = _index(tmp_path)
    path = ALLOW.feeds_path(index.index_dir)
    feeds.follow(path, news_site.url(site.TIN_NGAN), ALLOW)
    news_site.routes[site.PHO_CO] = Route(503, "text/plain", b"Service Unavailable")
    first = _round(index, 1000.0)
    assert [r.title for r in first.added] == [site.BENH_VIEN_TITLE, site.TRAM_SAC_TITLE, site.CAU_CA_TITLE]
    [retry] = [o for o in first.entries if o.status == RETRY]
    assert (retry.entry.title, retry.retry_at, retry.tries) == (site.PHO_CO_TITLE, 1060.0, 1)
    lines = feeds.describe_report(first, "en")
    assert lines[0] == f"Feed “{FEED_TITLE}”: 3 added, 1 to be tried again:"
    [line] = [x for x in lines if site.PHO_CO_TITLE in x]
    assert line.startswith(f"• “{site.PHO_CO_TITLE}” not added yet (try 1): The page ")
    assert "answered with HTTP error 503" in line and "Next try" in line
    vi = feeds.describe_report(first, "vi")
    assert vi[0] == f"Nguồn “{FEED_TITLE}”: 3 bài đã thêm, 1 bài sẽ thử lại:"
    # /feeds names it too, with its next try.
    listed = "\n".join(feeds.describe_feeds(feeds.load(path), "en"))
    assert "): 3 added, 1 to be tried again" in listed
    assert f"“{site.PHO_CO_TITLE}” waits for its next try at" in listed and "HTTP error 503" in listed
    # Before its next try: not fetched, named only where the waiting entries are asked for.
    hits = news_site.hits[site.PHO_CO]
    early = _round(index, 1030.0)
    assert news_site.hits[site.PHO_CO] == hits and feeds.describe_report(early, "en") == []
    assert f"“{site.PHO_CO_TITLE}” waits for its next try" in feeds.describe_report(early, "en", waiting=True)[1]
    # The site is back: the next round adds it and says so.
    news_site.page(site.PHO_CO, "tin-ngan-pho-co.html")
    second = _round(index, 1100.0)
    assert [r.title for r in second.added] == [site.PHO_CO_TITLE] and len(second.entries) == 1
    assert feeds.describe_report(second, "vi")[0] == f"Nguồn “{FEED_TITLE}”: đã thêm 1 bài mới:"
    [feed] = feeds.load(path)
    assert feed.added == 4 and {r.status for r in feed.entries} == {"added"}


def test_entries_already_present_or_refused_are_named_with_why(news_site: NewsSite, tmp_path: Path) -> None:
    index = _index(tmp_path)
    path = ALLOW.feeds_path(index.index_dir)
    # One story is already here (added by link); another page now is a stub; one entry has no link.
    [by_link] = add_links([news_site.url(site.TRAM_SAC)], index.articles_dir, ALLOW)
    news_site.routes[site.CAU_CA] = Route(200, "text/html; charset=utf-8", b"<html><body><p>Trang t\xe1\xba\xa1m</p>")
    no_link = '<item><title>Tin không có đường dẫn</title><guid isPermaLink="false">tinnhanh-5004</guid></item>'
    body = news_site.routes[site.TIN_NGAN].body.replace(b"</channel>", no_link.encode() + b"</channel>")
    news_site.routes[site.TIN_NGAN] = Route(200, "application/rss+xml", body)
    feeds.follow(path, news_site.url(site.TIN_NGAN), ALLOW)
    report = _round(index, 1000.0)
    assert (report.count("added"), report.count(PRESENT), report.count(REFUSED), report.count(RETRY)) == (2, 1, 2, 0)
    lines = feeds.describe_report(report, "en")
    assert lines[0] == f"Feed “{FEED_TITLE}”: 2 added, 1 already here, 2 refused:"
    text = "\n".join(lines)
    assert (f"• “{site.TRAM_SAC_TITLE}”: Already here (same address): “{site.TRAM_SAC_TITLE}” "
            f"({by_link.article_id}).") in text
    assert f"• “{site.CAU_CA_TITLE}” not added: The page {news_site.url(site.CAU_CA)} has too little text" in text
    assert "• “Tin không có đường dẫn” not added: the feed entry has no link to an article." in text
    listed = "\n".join(feeds.describe_feeds(feeds.load(path), "vi"))
    assert "): 2 bài đã thêm, 1 bài đã có, 2 bài bị từ chối" in listed and "bài mới lần gần nhất (" in listed
    assert f"“{site.TRAM_SAC_TITLE}” đã có: {by_link.article_id} (cùng địa chỉ)" in listed
    # Refused entries are not tried again, and not told again.
    hits = news_site.hits[site.CAU_CA]
    assert _round(index, 2000.0).entries == () and news_site.hits[site.CAU_CA] == hits


def test_a_registry_from_before_entry_records_still_loads(news_site: NewsSite, tmp_path: Path) -> None:
    # Version 1 kept the addresses of the entries dealt with; an older one also a date up to which
    # entries were taken as read. The feed is kept, its known entries are not added again, and the
    # entries the date hid are dealt with (found already present, or added).
    index = _index(tmp_path)
    path = ALLOW.feeds_path(index.index_dir)
    [old] = add_links([news_site.url(site.BENH_VIEN)], index.articles_dir, ALLOW)
    path.parent.mkdir(parents=True, exist_ok=True)
    legacy = {
        "version": 1,
        "feeds": [{
            "url": news_site.url(site.TIN_NGAN), "title": FEED_TITLE, "followed_at": "2025-05-19T00:00:00+00:00",
            "report_chat": 42, "checked_at": "2025-05-20T02:00:00+00:00", "added": 2,
            "last_entry_date": "2025-05-20T01:00:00+00:00",
            "seen": [feeds.library.url_key(news_site.url(site.TRAM_SAC))],
        }],
    }
    path.write_text(json.dumps(legacy), encoding="utf-8")
    [feed] = feeds.load(path)
    assert (feed.title, feed.report_chat, feed.added) == (FEED_TITLE, 42, 2)
    assert [r.status for r in feed.entries] == [KNOWN]
    report = _round(index, 1000.0)
    assert report.known == 1  # the address it had seen
    assert [r.title for r in report.added] == [site.PHO_CO_TITLE, site.CAU_CA_TITLE]
    [present] = [o for o in report.entries if o.status == PRESENT]
    assert present.result is not None and present.result.article_id == old.article_id
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["version"] == 2 and "last_entry_date" not in data["feeds"][0] and "seen" not in data["feeds"][0]
    assert feeds.load(path)[0].report_chat == 42


def test_a_registry_from_a_newer_storybot_is_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "feeds.json"
    path.write_text('{"version": 9, "feeds": []}', encoding="utf-8")
    with pytest.raises(feeds.StorybotError, match="written by a newer storybot"):
        feeds.load(path)
