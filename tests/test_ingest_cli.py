"""`storybot add`, `follow`, `unfollow`, `feeds` and `ingest`, run in-process against a local news site."""

from __future__ import annotations

import json

import pytest

from cli.main import main
from tests import news_site as site
from tests.news_site import NewsSite, Route


@pytest.fixture
def paths(settings, engine):
    # `engine`: the seed articles are indexed, and the shared model loaded before main() asks for it.
    return ["--articles", str(settings.articles_dir), "--index-dir", str(settings.index_dir)]


def test_add_saves_indexes_and_answers_with_the_date(paths, settings, news_site: NewsSite, capsys) -> None:
    link = news_site.url(site.PHA_DIEN)
    assert main(["add", *paths, "--allow-private-urls", link]) == 0
    out, err = capsys.readouterr()
    assert out.startswith(f"{link}: Added “{site.PHA_DIEN_TITLE}” (7 paragraphs, Tin Nhanh Miền Trung, 12 May 2025).")
    assert "[web/127.0.0.1/da-nang-cho-chay-thu-pha-dien-qua-song-han-" in out
    assert "Indexed 2 article(s)" in err and "1 added" in err and "1 unchanged" in err  # the index was updated
    assert main(["ask", *paths, "Ông Quang nói gì về cáo buộc nâng giá vé phà?"]) == 0
    answer = capsys.readouterr().out
    assert "Ông Quang bác bỏ cáo buộc" in answer and f"— {site.PHA_DIEN_TITLE}, đoạn 5, 12/5/2025 ({link})" in answer

    # Again, as JSON, with its copy elsewhere: recognised, nothing rebuilt.
    assert main(["add", *paths, "--allow-private-urls", "--json", link, news_site.url(site.PHA_DIEN_COPY)]) == 0
    out, err = capsys.readouterr()
    first, second = (json.loads(line) for line in out.splitlines())
    assert (first["status"], first["duplicate"], second["duplicate"]) == ("duplicate", "url", "text")
    assert second["title"] == site.PHA_DIEN_TITLE and err == ""


@pytest.mark.parametrize(
    ("link", "says"),
    [
        ("ftp://tinnhanh.example/bai.html", "is not an http(s) web address"),
        (site.MISSING, "answered with HTTP error 404"),
        (site.PDF, "is not a web page (HTML) but application/pdf"),
        (site.HUGE, "is too large (over 5 MB)"),
        (site.SECTION, "has too little text to be an article"),
        (site.LOOP, "redirects more than 5 times"),
        ("http://127.0.0.1:9/bai.html", "refused the connection"),
    ],
)
def test_add_bad_links_exit_1_with_the_reason(settings, news_site: NewsSite, capsys, link: str, says: str) -> None:
    # Nothing added: no model is loaded, no index built.
    url = news_site.url(link) if link.startswith("/") else link
    paths = ["--articles", str(settings.articles_dir), "--index-dir", str(settings.index_dir)]
    assert main(["add", *paths, "--allow-private-urls", url]) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"{url}: ") and says in out, out
    assert not (settings.articles_dir / "web").exists() and not settings.index_dir.exists()


def test_private_addresses_need_the_explicit_permission(settings, news_site: NewsSite, capsys, monkeypatch) -> None:
    paths = ["--articles", str(settings.articles_dir), "--index-dir", str(settings.index_dir)]
    link = news_site.url(site.SECTION)
    assert main(["add", *paths, link]) == 1
    assert "points to a private address (127.0.0.1); I only fetch public web pages" in capsys.readouterr().out
    assert news_site.hits == {}
    monkeypatch.setenv("STORYBOT_ALLOW_PRIVATE_URLS", "1")
    assert main(["add", *paths, link]) == 1
    assert "too little text" in capsys.readouterr().out and news_site.hits == {site.SECTION: 1}


def test_follow_ingest_feeds_unfollow(paths, settings, news_site: NewsSite, capsys) -> None:
    feeds_file = settings.index_dir.parent / "feeds.json"
    local = [*paths, "--allow-private-urls"]
    assert main(["feeds", *paths]) == 0
    assert "No feeds are followed yet. Use storybot follow RSS-link" in capsys.readouterr().out
    assert main(["follow", *local, news_site.url(site.PHA_DIEN)]) == 1
    assert "is not an RSS/Atom feed (it is a web page)" in capsys.readouterr().err and not feeds_file.exists()

    assert main(["follow", *local, news_site.url(site.RSS)]) == 0
    assert capsys.readouterr().out.startswith("Following “Tin Nhanh Miền Trung - Xã hội” (2 entries in the feed).")
    assert json.loads(feeds_file.read_text(encoding="utf-8"))["feeds"][0]["url"] == news_site.url(site.RSS)
    assert main(["follow", *local, news_site.url(site.RSS)]) == 0
    assert capsys.readouterr().out == "Already following “Tin Nhanh Miền Trung - Xã hội”.\n"
    assert main(["follow", *local, "--json", news_site.url(site.RSS)]) == 0  # every command has --json
    again = json.loads(capsys.readouterr().out)
    assert again["created"] is False and again["feed"]["title"] == "Tin Nhanh Miền Trung - Xã hội"
    assert again["feed"]["url"] == news_site.url(site.RSS) and again["feed"]["error"] is None
    assert main(["follow", *local, "--json", news_site.url(site.PHA_DIEN)]) == 1
    refused = json.loads(capsys.readouterr().out)
    assert "is not an RSS/Atom feed" in refused["error"] and refused["key"]

    assert main(["ingest", *local]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        "Feed “Tin Nhanh Miền Trung - Xã hội”: added 2 new article(s):",
        f"• Added “{site.PHA_DIEN_TITLE}” (7 paragraphs, Tin Nhanh Miền Trung, 12 May 2025).",
        f"• Added “{site.THU_VIEN_TITLE}” (5 paragraphs, Tin Nhanh Miền Trung, 14 May 2025).",
    ]
    assert "2 added, 0 changed, 0 removed, 1 unchanged" in err
    assert main(["ingest", *local]) == 0  # cron again: nothing new
    out, err = capsys.readouterr()
    assert out == "Feed “Tin Nhanh Miền Trung - Xã hội”: no new entries.\n" and err == ""

    news_site.routes[site.RSS] = Route(500, "text/plain", b"oops")
    assert main(["ingest", *local, "--json"]) == 1
    [record] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert "answered with HTTP error 500" in record["error"] and record["entries"] == []
    assert main(["feeds", *paths]) == 0
    listed = capsys.readouterr().out
    assert "2 article(s) added; failed 1 time(s) in a row (The page" in listed and "next try" in listed
    assert main(["feeds", *paths, "--json"]) == 0
    [feed] = json.loads(capsys.readouterr().out)["feeds"]
    assert (feed["added"], feed["failures"], feed["entries"]) == (2, 1, {"added": 2})
    assert "answered with HTTP error 500" in feed["error"] and feed["next_try"].startswith("20")

    assert main(["unfollow", *paths, "--json", news_site.url(site.RSS)]) == 0
    assert json.loads(capsys.readouterr().out)["unfollowed"]["title"] == "Tin Nhanh Miền Trung - Xã hội"
    assert main(["unfollow", *paths, news_site.url(site.RSS)]) == 1
    assert "No feed" in capsys.readouterr().err
    assert main(["unfollow", *paths, "--json", news_site.url(site.RSS)]) == 1
    assert "No feed" in json.loads(capsys.readouterr().out)["error"]
    assert main(["feeds", *paths, "--json"]) == 0 and json.loads(capsys.readouterr().out) == {"feeds": []}
    assert main(["ingest", *paths]) == 0
    assert capsys.readouterr().out == "No feeds are followed yet. Use storybot follow RSS-link to add one.\n"


def test_add_takes_article_files_and_folders(paths, settings, tmp_path, capsys) -> None:
    own = tmp_path / "mine"
    (own / "more").mkdir(parents=True)
    (own / "pha.txt").write_text(
        "Phà điện qua sông Hàn chạy thử\n\nHiệp hội Vận tải Đà Nẵng cáo buộc Công ty Phà Sông Hàn nâng giá vé "
        "phà lên gấp đôi trong tuần chạy thử.\n",
        encoding="utf-8",
    )
    (own / "more" / "thu-vien.md").write_text(
        "Thư viện Huế mở cửa đêm\n\nThư viện tỉnh Thừa Thiên Huế mở cửa đến 22 giờ mỗi tối từ tháng sáu.\n",
        encoding="utf-8",
    )
    assert main(["add", *paths, str(own)]) == 0
    out, err = capsys.readouterr()
    assert f"{own / 'pha.txt'}: Added “Phà điện qua sông Hàn chạy thử” (1 paragraphs)." in out
    assert "2 added" in err  # one index update for both
    assert (settings.articles_dir / "pha.txt").is_file() and (settings.articles_dir / "thu-vien.md").is_file()
    assert main(["add", *paths, str(own / "pha.txt")]) == 0  # the same text again: recognised
    assert "already" in capsys.readouterr().out.lower()
    assert main(["add", *paths, str(tmp_path / "missing.txt")]) == 2
    assert "neither a file or folder here nor a web address" in capsys.readouterr().err


def test_ingest_names_every_entry_not_added(paths, settings, news_site: NewsSite, capsys) -> None:
    local = [*paths, "--allow-private-urls"]
    news_site.routes[site.PHO_CO] = Route(503, "text/plain", b"busy")
    assert main(["follow", *local, news_site.url(site.TIN_NGAN)]) == 0
    capsys.readouterr()
    assert main(["ingest", *local]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Feed “Tin Nhanh Miền Trung - Tin ngắn”: 3 added, 1 to be tried again:" and len(lines) == 5
    assert next(line for line in lines if site.PHO_CO_TITLE in line).startswith(
        f"• “{site.PHO_CO_TITLE}” not added yet (try 1): The page {news_site.url(site.PHO_CO)} answered with HTTP "
        "error 503"
    )
    assert main(["ingest", *local, "--json"]) == 0  # not due yet: named as waiting, not fetched
    [record] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    [waiting] = record["entries"]
    assert (waiting["entry"], waiting["outcome"], waiting["error"]) == (site.PHO_CO_TITLE, "retry", "http_error")
    assert waiting["next_try"] and news_site.hits[site.PHO_CO] == 1
    assert main(["feeds", *paths]) == 0
    listed = capsys.readouterr().out
    assert "): 3 added, 1 to be tried again" in listed and f"“{site.PHO_CO_TITLE}” waits" in listed
