"""Followed RSS/Atom feeds: the registry on disk, reading a feed, and one round of adding new entries.

The registry is a small JSON file, rewritten whole under a temporary name and
renamed into place (never half-written), under a lock so that the bot and a
cron `storybot ingest` can both use it. A feed that fails keeps what it had
(its title, its entries' records) and is tried again after a delay that
doubles with each failure in a row.

Every entry a round meets ends in one of four ways, each told to the
operator: added, already present (which article, and whether by address or
by text), refused (why), or to be tried again (why, and when); see
ingest.feed_state for how entries are remembered.
"""

from __future__ import annotations

import contextlib
import copy
import fcntl
import json
import logging
import os
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import feedparser

from index.config import Settings
from index.dates import format_date
from index.errors import StorybotError
from index.files import fsync_dir

from . import feed_state as state
from . import library
from .config import IngestSettings
from .feed_state import ADDED, PRESENT, REFUSED, RETRY, EntryRecord
from .fetch import fetch, parse_link
from .links import DUPLICATE, PERMANENT, LinkResult, add_link, added_files
from .messages import IngestProblem, message

log = logging.getLogger(__name__)

REGISTRY_VERSION = state.REGISTRY_VERSION
FEED_ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json")
MAX_ENTRIES_PER_ROUND = 20  # per feed; the rest wait for the next round
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
    entries: list[EntryRecord] = field(default_factory=list)  # one record per entry dealt with, oldest first

    @property
    def problem(self) -> IngestProblem | None:
        """The last failure as an IngestProblem, while the feed is failing."""
        if not self.error or not self.failures:
            return None
        return IngestProblem(str(self.error["key"]), **dict(self.error.get("values") or {}))  # type: ignore[arg-type]

    def to_json(self) -> dict[str, object]:
        """The feed as JSON-ready data (`storybot follow / unfollow / feeds --json`)."""
        problem = self.problem
        counts = Counter(e.status for e in self.entries)
        return {
            "url": self.url,
            "title": self.title,
            "followed_at": self.followed_at,
            "checked_at": self.checked_at,
            "added": self.added,
            "entries": dict(sorted(counts.items())),
            "failures": self.failures,
            "error": problem.describe("en") if problem else None,
            "next_try": datetime.fromtimestamp(self.next_try, UTC).isoformat(timespec="seconds")
            if self.next_try else None,
        }


@dataclass(frozen=True)
class Entry:
    """One item of a feed: its address (None when it gives none), title, id and date as the feed gives them."""

    link: str | None
    title: str
    id: str | None = None
    published: str | None = None  # ISO date and time, when the feed dates it

    @property
    def key(self) -> str:
        """How the entry is remembered (ingest.feed_state.entry_key)."""
        return state.entry_key(self.id, self.link, self.title)

    @property
    def label(self) -> str:
        """The entry as the operator is told about it: its title, else its address."""
        return self.title or self.link or self.id or "?"


@dataclass(frozen=True)
class EntryOutcome:
    """How one entry of a round ended: ADDED, PRESENT, REFUSED or RETRY.

    `result` is the outcome of adding its link this round (None when it was
    not fetched: it has no link, it waits for its next try, or the round's
    limit was reached). A RETRY entry is tried again at `retry_at`.
    """

    entry: Entry
    status: str
    result: LinkResult | None = None
    problem: IngestProblem | None = None  # why it was refused or is to be retried
    retry_at: float = 0.0
    tries: int = 0  # failed tries so far
    fetched: bool = True  # False: not tried this round (waiting, or beyond the round's limit)

    @property
    def waits(self) -> bool:
        """True for an entry that failed in an earlier round and is not due for its next try yet."""
        return self.status == RETRY and not self.fetched and self.problem is not None

    def describe(self, language: str) -> str:
        """One line for the operator, naming the entry and how it ended."""
        entry = self.entry.label
        if self.status == ADDED and self.result is not None:
            return self.result.describe(language)
        if self.status == PRESENT and self.result is not None:
            return message(language, "entry_present", entry=entry, detail=self.result.describe(language))
        error = self.problem.describe(language) if self.problem is not None else ""
        if self.status == REFUSED:
            if self.tries >= state.MAX_TRIES:
                return message(language, "entry_gave_up", entry=entry, tries=self.tries, error=error)
            return message(language, "entry_refused", entry=entry, error=error)
        retry = _when(self.retry_at, language)
        if self.problem is None:
            return message(language, "entry_deferred", entry=entry, limit=MAX_ENTRIES_PER_ROUND, retry=retry)
        if self.waits:
            return message(language, "entry_waiting", entry=entry, retry=retry, error=error)
        return message(language, "entry_retry", entry=entry, error=error, retry=retry, tries=self.tries)

    def to_json(self) -> dict[str, object]:
        """The outcome as a JSON-ready dict (`storybot ingest --json`)."""
        record: dict[str, object] = dict(self.result.to_json()) if self.result is not None else {"url": self.entry.link}
        record.update({
            "entry": self.entry.label,
            "id": self.entry.id,
            "outcome": self.status,
            "error": self.problem.key if self.problem else record.get("error"),
            "next_try": datetime.fromtimestamp(self.retry_at, UTC).isoformat(timespec="seconds")
            if self.status == RETRY else None,
            "message": self.describe("en"),
        })
        return record


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
    entries: tuple[EntryOutcome, ...] = ()  # every entry the round dealt with, or that waits, oldest first
    problem: IngestProblem | None = None  # the feed could not be read
    first_failure: bool = False  # it worked until now: worth telling the operator once
    retry_at: float = 0.0
    known: int = 0  # entries in the feed dealt with by earlier rounds

    @property
    def results(self) -> tuple[LinkResult, ...]:
        """What adding each entry fetched this round gave."""
        return tuple(o.result for o in self.entries if o.result is not None)

    @property
    def added(self) -> list[LinkResult]:
        """The entries added as new articles."""
        return [o.result for o in self.entries if o.status == ADDED and o.result is not None]

    def count(self, status: str, *, fetched: bool | None = None) -> int:
        """How many entries ended as `status` (with `fetched`: only those tried this round, or only the others)."""
        return sum(1 for o in self.entries if o.status == status and (fetched is None or o.fetched == fetched))


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
        version = int(data.get("version", 1))
        if version > REGISTRY_VERSION:
            raise StorybotError(
                f"the feed registry {path} was written by a newer storybot (version {version}); upgrade storybot"
            )
        return [Feed(**state.upgrade(item, version, _FEED_FIELDS, str(path))) for item in data["feeds"]]
    except StorybotError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError) as err:
        raise StorybotError(
            f"the feed registry {path} is damaged ({err}); fix or remove it (its feeds are then forgotten)"
        ) from None


_FEED_FIELDS = {f.name for f in fields(Feed)}


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
        title = " ".join(str(item.get("title", "")).split())
        entry_id = " ".join(str(item.get("id") or "").split()) or None
        when = item.get("published_parsed") or item.get("updated_parsed")
        published = datetime(*when[:6], tzinfo=UTC).isoformat() if when else None
        entries.append(Entry(str(link).strip() if link else None, title, entry_id, published))
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

    Entries are added as by `storybot add`. Each ends added, already present,
    refused, or (for a passing reason: its site was down) to be tried again in
    a later round; the report accounts for every one.
    """
    now = time.time() if now is None else now
    path = settings.feeds_path(index.index_dir)
    with locked(path) as feeds:
        due = [copy.deepcopy(f) for f in feeds if f.next_try <= now]
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
    """Read one feed and deal with its new entries and those due for another try; `feed` is updated in place."""
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
    round_at = datetime.fromtimestamp(now, UTC).isoformat(timespec="seconds")
    memory = state.Memory(feed.entries)
    todo: list[tuple[Entry, EntryRecord | None]] = []
    waiting: list[EntryOutcome] = []
    keys: set[str] = set()
    known_count = 0
    for entry in parsed.entries:  # newest first, as feeds list them
        if entry.key in keys:  # listed twice in one feed
            continue
        keys.add(entry.key)
        record = memory.find(entry.key, entry.link)
        if record is None or (record.status == RETRY and record.next_try <= now):
            todo.append((entry, record))
        elif record.status == RETRY:
            waiting.append(EntryOutcome(entry, RETRY, problem=_problem(record.reason), retry_at=record.next_try,
                                        tries=record.tries, fetched=False))
        else:
            known_count += 1
    # The newest entries first when there are too many; the rest are told to wait for the next round.
    later = [EntryOutcome(entry, RETRY, retry_at=now + settings.feed_seconds, fetched=False)
             for entry, _ in todo[MAX_ENTRIES_PER_ROUND:]]
    outcomes = []
    for entry, record in reversed(todo[:MAX_ENTRIES_PER_ROUND]):  # oldest first: reported in story order
        outcome = _deal_with(entry, record, folder, settings, known, now)
        memory.put(_remember(entry, outcome, record, round_at))
        outcomes.append(outcome)
    feed.entries = memory.trimmed()
    feed.title = parsed.title or feed.title
    feed.failures, feed.error, feed.next_try = 0, None, 0.0
    feed.checked_at = round_at
    feed.added += sum(1 for o in outcomes if o.status == ADDED)
    report = FeedReport(
        feed.url, feed.title, feed.report_chat, feed.language, (*outcomes, *reversed(later), *reversed(waiting)),
        known=known_count,
    )
    _log_report(report)
    return report


def _deal_with(
    entry: Entry, record: EntryRecord | None, folder: Path, settings: IngestSettings, known: library.Library,
    now: float,
) -> EntryOutcome:
    """Add one entry's link and say how it ended."""
    if entry.link is None:
        return EntryOutcome(entry, REFUSED, problem=IngestProblem("entry_no_link"), fetched=False)
    result = add_link(entry.link, folder, settings, known)
    if result.problem is None:
        return EntryOutcome(entry, ADDED if result.status != DUPLICATE else PRESENT, result)
    tries = (record.tries if record is not None and record.status == RETRY else 0) + 1
    if result.problem.key in PERMANENT or tries >= state.MAX_TRIES:
        return EntryOutcome(entry, REFUSED, result, result.problem, tries=tries)
    retry_at = now + backoff(tries, settings.feed_seconds)
    return EntryOutcome(entry, RETRY, result, result.problem, retry_at=retry_at, tries=tries)


def _remember(entry: Entry, outcome: EntryOutcome, record: EntryRecord | None, round_at: str) -> EntryRecord:
    result, problem = outcome.result, outcome.problem
    reason: dict[str, object] | None = None
    if problem is not None:
        reason = {"key": problem.key, "values": {k: str(v) for k, v in problem.values.items()}}
    elif result is not None and result.duplicate:
        reason = {"duplicate": result.duplicate}
    return EntryRecord(
        key=record.key if record is not None else entry.key,
        link=entry.link,
        title=entry.title or (result.title if result is not None and result.title else ""),
        status=outcome.status,
        decided_at=round_at,
        article=result.article_id if result is not None else None,
        reason=reason,
        tries=outcome.tries if outcome.status == RETRY else 0,
        next_try=outcome.retry_at if outcome.status == RETRY else 0.0,
    )


def _problem(reason: dict[str, object] | None) -> IngestProblem | None:
    if not reason or "key" not in reason:
        return None
    return IngestProblem(str(reason["key"]), **dict(reason.get("values") or {}))  # type: ignore[call-overload]


def _log_report(report: FeedReport) -> None:
    """The round's summary for one feed in the log, naming every entry not added."""
    if not report.entries:
        log.info("feed %s: no new entries (%d known)", report.feed_url, report.known)
        return
    log.info("feed %s: %s", report.feed_url, _counts(report, "en"))
    for outcome in report.entries:
        if outcome.status != ADDED:
            level = logging.INFO if outcome.status == PRESENT else logging.WARNING
            log.log(level, "feed %s: %s [%s]", report.feed_url, outcome.describe("en"), outcome.entry.link)


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
        latest = _latest_round(feed)
        last = [r for r in feed.entries if latest and r.decided_at == latest]
        if last:
            counts = []
            for kind in (ADDED, PRESENT, REFUSED, RETRY):
                count = sum(1 for r in last if r.status == kind)
                if count:
                    counts.append(message(language, f"count_{kind}", count=count))
            when = _when(datetime.fromisoformat(latest).timestamp(), language)
            lines.append("    " + message(language, "feed_last_round", when=when, counts=", ".join(counts)))
        lines.extend(describe_pending(feed, language))
    return lines


def describe_report(report: FeedReport, language: str, *, waiting: bool = False) -> list[str]:
    """What a round did with one feed, as lines for the operator; [] when there is nothing to tell.

    Every entry dealt with is named with how it ended; those still waiting
    for a try are named too with `waiting` (they were told of when they
    failed). A failing feed is told once, when it starts failing; /feeds
    shows the rest.
    """
    if report.problem is not None:
        if not report.first_failure:
            return []
        error, retry = report.problem.describe(language), _when(report.retry_at, language)
        return [message(language, "feed_failed", feed=report.title, error=error, retry=retry)]
    told = [o for o in report.entries if waiting or not o.waits]
    if not told:
        return []
    if all(o.status == ADDED for o in told):
        header = message(language, "feed_added", feed=report.title, count=len(told))
    else:
        header = message(language, "feed_round", feed=report.title, counts=_counts(report, language, told))
    return [header, *(f"• {o.describe(language)}" for o in told)]


def _counts(report: FeedReport, language: str, told: list[EntryOutcome] | None = None) -> str:
    """"2 added, 1 already here, 1 to be tried again": the round's entries by how they ended."""
    told = list(report.entries) if told is None else told
    parts = []
    for status in (ADDED, PRESENT, REFUSED, RETRY):
        count = sum(1 for o in told if o.status == status)
        if count:
            parts.append(message(language, f"count_{status}", count=count))
    return ", ".join(parts)


def describe_pending(feed: Feed, language: str) -> list[str]:
    """The entries the latest round with any did not add, and those waiting for another try, as lines."""
    lines = []
    latest = _latest_round(feed)
    for record in feed.entries:
        last_round = bool(latest) and record.decided_at == latest and record.status in (PRESENT, REFUSED)
        if record.status != RETRY and not last_round:
            continue
        entry = record.title or record.link or record.key
        problem = _problem(record.reason)
        error = problem.describe(language) if problem is not None else ""
        if record.status == RETRY:
            text = message(language, "entry_waiting", entry=entry, retry=_when(record.next_try, language), error=error)
        elif record.status == REFUSED:
            text = message(language, "entry_refused", entry=entry, error=error)
        else:
            how = "same_text" if (record.reason or {}).get("duplicate") == "text" else "same_address"
            text = message(language, "entry_present_as", entry=entry, file=record.article or "",
                           how=message(language, how))
        lines.append(f"    • {text}")
    return lines


def _latest_round(feed: Feed) -> str:
    """When a round last dealt with entries of `feed` (ISO time; "" when none has)."""
    return max((r.decided_at for r in feed.entries if r.decided_at), default="")


def _when(epoch: float, language: str) -> str:
    moment = datetime.fromtimestamp(epoch).astimezone()
    return f"{moment:%H:%M} {format_date(moment.date().isoformat(), language)}"
