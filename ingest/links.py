"""Adding articles by link: fetch, extract, recognise duplicates, save, and index once."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from index.dates import format_date

from . import library
from .config import IngestSettings
from .extract import Extracted, extract_article
from .fetch import check_html, decode_html, fetch, parse_link
from .messages import IngestProblem, message

log = logging.getLogger(__name__)

ADDED, DUPLICATE, FAILED = "added", "duplicate", "failed"
# Problems that will not go away by trying again later (a feed entry that hits one is not retried).
PERMANENT = frozenset(
    {"not_http", "bad_url", "private_address", "not_html", "too_large", "too_little_text", "undecodable",
     "too_many_redirects", "unreadable_page"}
)


@dataclass(frozen=True)
class LinkResult:
    """What became of one link."""

    url: str
    status: str  # ADDED, DUPLICATE or FAILED
    article_id: str | None = None
    title: str | None = None
    paragraphs: int = 0
    date: str | None = None
    source: str | None = None
    duplicate: str = ""  # "url" or "text": how a DUPLICATE was recognised
    problem: IngestProblem | None = None

    @property
    def permanent(self) -> bool:
        """True unless the link failed for a reason that may pass (the site was down)."""
        return self.problem is None or self.problem.key in PERMANENT

    def describe(self, language: str = "en") -> str:
        """One sentence for the operator: the title and paragraph count, or what went wrong."""
        if self.problem is not None:
            return self.problem.describe(language)
        if self.status == DUPLICATE:
            key = "duplicate_url" if self.duplicate == "url" else "duplicate_text"
            return message(language, key, title=self.title or "", file=self.article_id or "")
        details = [v for v in (self.source, format_date(self.date, language)) if v]
        when = "".join(f", {v}" for v in details)
        return message(language, "added", title=self.title or "", paragraphs=self.paragraphs, when=when)

    def to_json(self) -> dict[str, object]:
        """The result as a JSON-ready dict (`storybot add --json`)."""
        return {
            "url": self.url,
            "status": self.status,
            "article": self.article_id,
            "title": self.title,
            "paragraphs": self.paragraphs,
            "date": self.date,
            "source": self.source,
            "duplicate": self.duplicate or None,
            "error": self.problem.key if self.problem else None,
            "message": self.describe("en"),
        }


def fetch_article(url: str, settings: IngestSettings) -> tuple[str, Extracted]:
    """(final address, extracted article) for `url`; IngestProblem says why it cannot be added."""
    page = fetch(url, settings)
    check_html(page, url)
    return page.url, extract_article(decode_html(page, url), page.url)


def add_link(url: str, folder: Path, settings: IngestSettings, known: library.Library) -> LinkResult:
    """Fetch `url` and save it as an article file in `folder` unless it is already there; no indexing.

    `known` (the folder's library) remembers what is added, so a batch does
    not add the same article twice either.
    """
    try:
        url = parse_link(url)
        same = known.by_url(url)
        if same is not None:
            return LinkResult(url, DUPLICATE, same.article_id, same.title, duplicate="url")
        final_url, extracted = fetch_article(url, settings)
    except IngestProblem as problem:
        log.info("link %s not added: %s", url, problem)
        return LinkResult(url, FAILED, problem=problem)
    same = known.by_url(final_url)
    if same is not None:
        return LinkResult(url, DUPLICATE, same.article_id, same.title, duplicate="url")
    same = known.by_url(extracted.canonical_url)
    if same is not None and same_story(same.title, extracted.title):
        return LinkResult(url, DUPLICATE, same.article_id, same.title, duplicate="url")
    if same is not None:
        # The address the page claims is an article with another headline: it is the site
        # template's (every page of a section may carry the same canonical link or og:url),
        # page furniture that says nothing about this story. Not a duplicate, and not kept.
        log.info("%s names %s as its address, which is %s: a template's address, ignored",
                 final_url, extracted.canonical_url, same.article_id)
        extracted = replace(extracted, canonical_url=None)
    content = library.article_file(final_url, extracted)
    name = library.file_name(final_url, extracted.title)
    article = library.preview(name, content)
    fingerprint = library.text_fingerprint(article)
    same = known.by_text(fingerprint)
    if same is not None:
        return LinkResult(url, DUPLICATE, same.article_id, same.title, duplicate="text")
    try:
        written = library.save(folder, name, content)
    except OSError as err:
        problem = IngestProblem("cannot_save", url=url, file=str(folder / name), reason=err.strerror or str(err))
        log.error("%s", problem)
        return LinkResult(url, FAILED, problem=problem)
    if not written:
        # The file exists: same address and title, i.e. saved meanwhile by another process.
        return LinkResult(url, DUPLICATE, name, article.title, duplicate="url")
    keys = library.link_keys((url, final_url, extracted.canonical_url), fingerprint)
    known.add(library.Known(name, article.title, keys))
    paragraphs = sum(1 for p in article.paragraphs if not p.debris)
    log.info("article %s added from %s", name, final_url)
    return LinkResult(url, ADDED, name, article.title, paragraphs, extracted.date, extracted.site)


def same_story(title: str | None, other: str | None) -> bool:
    """True when two headlines are the same, blind to spacing and case (what an address claim is checked by)."""
    def norm(value: str | None) -> str:
        return " ".join((value or "").split()).casefold()

    return bool(norm(title)) and norm(title) == norm(other)


def added_files(results: Iterable[LinkResult]) -> list[str]:
    """The article files (ids) the links of `results` were saved as: what the index build is told."""
    return [r.article_id for r in results if r.status == ADDED and r.article_id]


def add_links(
    urls: Sequence[str], folder: Path, settings: IngestSettings, index_dir: Path | None = None
) -> list[LinkResult]:
    """Add every link in `urls` to `folder` (no indexing), one result per link, in order.

    `index_dir`: the folder's index, where articles already there are looked up by address and text.
    """
    known = library.Library(folder, index_dir)
    return [add_link(url, folder, settings, known) for url in urls]
