"""Followed RSS/Atom feeds: the registry on disk, reading a feed, and one round of adding new entries.

The registry is a small JSON file, rewritten whole under a temporary name and
renamed into place (never half-written), under a lock so that the bot and a
cron `storybot ingest` can both use it. A feed that fails keeps what it had
(its title, the entries it has seen) and is tried again after a delay that
doubles with each failure in a row.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import feedparser

from index.config import Settings
from index.dates import format_date
from index.errors import StorybotError
from index.files import fsync_dir

from . import library
from .config import IngestSettings
from .fetch import fetch, parse_link
from .links import ADDED, LinkResult, add_link, added_files
from .messages import IngestProblem, message

log = logging.getLogger(__name__)

REGISTRY_VERSION = 1
FEED_ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json")
MAX_ENTRIES_PER_ROUND = 20  # per feed; the rest wait for the next round
MAX_SEEN = 2000  # entry addresses remembered per feed (feeds list the latest few dozen)
MAX_BACKOFF = 6 * 3600.0


@dataclass
class Feed:
    """A followed feed and what the poller knows about it."""

    url: str
    title: str
    followed_at: str
    report_chat: int | None = None  # Telegram chat told about new articles (None: every admin)
    language: str = "vi"  # of those reports: the language of the admin who followed it
    checked_at: str | None = None  # last successful read
    failures: int = 0  # failed reads in a row
    error: dict[str, object] | None = None  # the last failure: {"key": ..., "values": {...}}
    next_try: float = 0.0  # epoch seconds; 0: at the next round
    added: int = 0  # articles added from this feed
    seen: list[str] = field(default_factory=list)  # canonical addresses of entries dealt with, oldest first

    @property
    def problem(self) -> IngestProblem | None:
        """The last failure as an IngestProblem, while the feed is failing."""
        if not self.error or not self.failures:
            return None
        return IngestProblem(str(self.error["key"]), **dict(self.error.get("values") or {}))  # type: ignore[arg-type]


@dataclass(frozen=True)
class Entry:
    """One item of a feed."""

    link: str
    title: str


@dataclass(frozen=True)
class ParsedFeed:
    """A feed as read: its title and entries, newest first as feeds list them."""

    url: str
    title: str
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class FeedReport:
    """What one round did with one feed."""

    feed_url: str
    title: str
    report_chat: int | None
    language: str
    results: tuple[LinkResult, ...] = ()
    problem: IngestProblem | None = None  # the feed could not be read
    first_failure: bool = False  # it worked until now: worth telling the operator once
    retry_at: float = 0.0

    @property
    def added(self) -> list[LinkResult]:
        """The entries added as new articles."""
        return [r for r in self.results if r.status == ADDED]


# --- registry -------------------------------------------------------------------------------------


def load(path: Path) -> list[Feed]:
    """The followed feeds in the registry at `path` (none when it does not exist yet)."""
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except OSError as err:
        raise StorybotError(f"cannot read the feed registry {path} ({err.strerror})") from None
    try:
        data = json.loads(raw)
        return [Feed(**item) for item in data["feeds"]]
    except (ValueError, KeyError, TypeError) as err:
        raise StorybotError(
            f"the feed registry {path} is damaged ({err}); fix or remove it (its feeds are then forgotten)"
        ) from None


def save(path: Path, feeds: list[Feed]) -> None:
    """Write the registry atomically: a temporary file, fsync, rename, fsync of the folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    data = {"version": REGISTRY_VERSION, "feeds": [asdict(f) for f in feeds]}
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, indent=1)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


@contextlib.contextmanager
def locked(path: Path) -> Iterator[list[Feed]]:
    """The registry's feeds, held under an exclusive lock; changes to the list are saved at the end."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(f".{path.name}.lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            feeds = load(path)
            before = json.dumps([asdict(f) for f in feeds])
            yield feeds
            if json.dumps([asdict(f) for f in feeds]) != before:
                save(path, feeds)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def find(feeds: list[Feed], url: str) -> Feed | None:
    """The followed feed at `url` (compared after canonicalisation)."""
    key = library.url_key(url)
    return next((f for f in feeds if library.url_key(f.url) == key), None)


# --- reading --------------------------------------------------------------------------------------


def read_feed(url: str, settings: IngestSettings, *, discover: bool = False) -> ParsedFeed:
    """Fetch and parse the feed at `url`; IngestProblem when it cannot be read or is not a feed.

    With `discover`, a web page that announces a feed (<link rel="alternate"
    type="application/rss+xml">, as news sites' pages do) leads to that feed.
    """
    page = fetch(url, settings, accept=FEED_ACCEPT)
    # content-location: relative entry links resolve against the feed's own address.
    headers = {"content-type": page.content_type or "application/xml", "content-location": page.url}
    parsed = feedparser.parse(page.body, response_headers=headers)
    if not parsed.get("version"):
        web_page = page.content_type in ("text/html", "application/xhtml+xml")
        announced = _announced_feed(page.body, page.url) if web_page and discover else None
        if announced is not None:
            log.info("%s announces the feed %s", url, announced)
            return read_feed(announced, settings)
        raise IngestProblem("not_feed", url=url, reason="web_page" if web_page else "no_feed_content")
    entries = []
    for item in parsed.entries:
        link = item.get("link") or next((li.get("href") for li in item.get("links", []) if li.get("href")), None)
        if link:
            entries.append(Entry(link=str(link).strip(), title=" ".join(str(item.get("title", "")).split())))
    title = " ".join(str(parsed.feed.get("title", "")).split()) or (library.url_key(url).split("/")[2])
    return ParsedFeed(page.url, title, tuple(entries))


def follow(
    path: Path, url: str, settings: IngestSettings, *, report_chat: int | None = None, language: str = "vi"
) -> tuple[Feed, bool, int]:
    """Register the feed at `url` after reading it once: (feed, newly followed, entries in it now).

    Its current entries are added by the next round. IngestProblem when it cannot be read.
    """
    url = parse_link(url)
    with locked(path) as feeds:
        existing = find(feeds, url)
    if existing is not None:
        return existing, False, 0
    parsed = read_feed(url, settings, discover=True)
    if library.url_key(parsed.url) != library.url_key(url):
        url = parsed.url  # the page's announced feed, or where the feed's address redirects to
    now = _now_iso()
    with locked(path) as feeds:
        existing = find(feeds, url)
        if existing is not None:
            return existing, False, len(parsed.entries)
        feed = Feed(url=url, title=parsed.title, followed_at=now, report_chat=report_chat, language=language)
        feeds.append(feed)
    log.info("following feed %s (%s)", url, parsed.title)
    return feed, True, len(parsed.entries)


class _FeedLinks(HTMLParser):
    """The feeds a page announces in its <head>, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: (v or "") for k, v in attrs}
        rel = values.get("rel", "").lower().split()
        if tag == "link" and "alternate" in rel and values.get("type", "").lower() in FEED_TYPES and values.get("href"):
            self.found.append(values["href"])


def _announced_feed(body: bytes, base: str) -> str | None:
    finder = _FeedLinks()
    finder.feed(body[:200_000].decode("utf-8", errors="replace"))
    return urljoin(base, finder.found[0]) if finder.found else None


def unfollow(path: Path, url: str) -> Feed:
    """Stop following the feed at `url`; IngestProblem("not_following") when it is not followed."""
    with locked(path) as feeds:
        feed = find(feeds, url.strip())
        if feed is None:
            raise IngestProblem("not_following", url=url.strip())
        feeds.remove(feed)
    log.info("stopped following feed %s", feed.url)
    return feed


# --- polling --------------------------------------------------------------------------------------


def backoff(failures: int, interval: float) -> float:
    """Seconds to wait after `failures` failed reads in a row: the poll interval, doubled each time."""
    return min(interval * 2 ** max(failures - 1, 0), max(MAX_BACKOFF, interval))


def run_round(
    index: Settings, settings: IngestSettings, rebuild: Callable[[list[str]], object], *, now: float | None = None
) -> list[FeedReport]:
    """Read every followed feed that is due, add its new entries, and call `rebuild` once if any were added.

    `rebuild` is given the ids of the article files added (see index.build.build_index's `only`).

    Entries are added as by `storybot add`; an entry that failed for a passing
    reason (its site was down) is tried again next round, the others are not.
    """
    now = time.time() if now is None else now
    path = settings.feeds_path(index.index_dir)
    with locked(path) as feeds:
        due = [Feed(**asdict(f)) for f in feeds if f.next_try <= now]
    if not due:
        return []
    known = library.Library(index.articles_dir, index.index_dir)
    reports = [_poll(feed, index.articles_dir, settings, known, now) for feed in due]
    with locked(path) as feeds:
        for polled in due:
            current = find(feeds, polled.url)
            if current is not None:  # not unfollowed meanwhile
                feeds[feeds.index(current)] = polled
    added = added_files(result for r in reports for result in r.results)
    if added:
        rebuild(added)
    return reports


def _poll(feed: Feed, folder: Path, settings: IngestSettings, known: library.Library, now: float) -> FeedReport:
    """Read one feed and add its unseen entries; `feed` is updated in place."""
    try:
        parsed = read_feed(feed.url, settings)
    except IngestProblem as problem:
        feed.failures += 1
        feed.error = {"key": problem.key, "values": {k: str(v) for k, v in problem.values.items()}}
        feed.next_try = now + backoff(feed.failures, settings.feed_seconds)
        log.warning("feed %s failed (%d in a row): %s", feed.url, feed.failures, problem)
        first = feed.failures == 1
        return FeedReport(
            feed.url, feed.title, feed.report_chat, feed.language, problem=problem, first_failure=first,
            retry_at=feed.next_try,
        )
    seen = set(feed.seen)
    fresh = [e for e in parsed.entries if library.url_key(e.link) not in seen][:MAX_ENTRIES_PER_ROUND]
    results = []
    for entry in reversed(fresh):  # oldest first, so the added articles are reported in story order
        result = add_link(entry.link, folder, settings, known)
        results.append(result)
        if result.permanent:
            feed.seen.append(library.url_key(entry.link))
    feed.seen = feed.seen[-MAX_SEEN:]
    feed.title = parsed.title or feed.title
    feed.failures, feed.error, feed.next_try = 0, None, 0.0
    feed.checked_at = datetime.fromtimestamp(now, UTC).isoformat(timespec="seconds")
    feed.added += sum(1 for r in results if r.status == ADDED)
    return FeedReport(feed.url, feed.title, feed.report_chat, feed.language, tuple(results))


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# --- describing -----------------------------------------------------------------------------------


def describe_feeds(feeds: list[Feed], language: str) -> list[str]:
    """The followed feeds as lines of text: a header, then each feed with how it is doing."""
    if not feeds:
        return [message(language, "feeds_empty")]
    lines = [message(language, "feeds_header", count=len(feeds))]
    for number, feed in enumerate(feeds, 1):
        problem = feed.problem
        if problem is not None:
            error, retry = problem.describe(language), _when(feed.next_try, language)
            status = message(language, "feed_failing", failures=feed.failures, error=error, retry=retry)
        elif feed.checked_at:
            checked = datetime.fromisoformat(feed.checked_at).timestamp()
            status = message(language, "feed_ok", checked=_when(checked, language))
        else:
            status = message(language, "feed_never")
        line = message(language, "feed_line", title=feed.title, url=feed.url, added=feed.added, status=status)
        lines.append(f"{number}. {line}")
    return lines


def describe_report(report: FeedReport, language: str) -> list[str]:
    """What a round did with one feed, as lines for the operator; [] when there is nothing to tell.

    A failing feed is told once, when it starts failing; /feeds shows the rest.
    """
    if report.problem is not None:
        if not report.first_failure:
            return []
        error, retry = report.problem.describe(language), _when(report.retry_at, language)
        return [message(language, "feed_failed", feed=report.title, error=error, retry=retry)]
    added = report.added
    if not added:
        return []
    header = message(language, "feed_added", feed=report.title, count=len(added))
    return [header, *(f"• {r.describe(language)}" for r in added)]


def _when(epoch: float, language: str) -> str:
    moment = datetime.fromtimestamp(epoch).astimezone()
    return f"{moment:%H:%M} {format_date(moment.date().isoformat(), language)}"
