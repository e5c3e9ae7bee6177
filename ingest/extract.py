"""The story inside a news page: text, title, date, author and site, by trafilatura."""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass
from urllib.parse import urlsplit

import trafilatura

from .messages import IngestProblem

log = logging.getLogger(__name__)

# Below this a page is a section front, a login wall or a stub, not an article.
MIN_ARTICLE_CHARS = 300


@dataclass(frozen=True)
class Extracted:
    """An article as found on a web page."""

    title: str
    paragraphs: tuple[str, ...]
    date: str | None  # ISO date, YYYY-MM-DD
    author: str | None
    site: str | None  # the outlet's name, or its host name
    canonical_url: str | None  # the page's own <link rel="canonical">, when it gives one


def extract_article(html: str, url: str) -> Extracted:
    """Extract the story from `html` (fetched from `url`); IngestProblem when there is too little text.

    Menus, ads, comments and related-article lists are left out (trafilatura
    in precision mode); the headline, when repeated as the text's first line,
    is not counted as a paragraph.
    """
    try:
        document = trafilatura.bare_extraction(
            html,
            url=url,
            with_metadata=True,
            include_comments=False,
            include_tables=False,
            favor_precision=True,
        )
    except Exception:  # a page that breaks the parser is one bad link, not a crash
        log.exception("extracting %s failed", url)
        raise IngestProblem("unreadable_page", url=url) from None
    text = _nfc(getattr(document, "text", None) or "")
    title = " ".join(_nfc(getattr(document, "title", None) or "").split())
    lines = [" ".join(line.split()) for line in text.split("\n")]
    paragraphs = [line for line in lines if line]
    if paragraphs and title and paragraphs[0] == title:
        paragraphs = paragraphs[1:]
    chars = sum(len(p) for p in paragraphs)
    if chars < MIN_ARTICLE_CHARS:
        raise IngestProblem("too_little_text", url=url, chars=chars)
    if not title:
        title = paragraphs[0][:120]
    return Extracted(
        title=title,
        paragraphs=tuple(paragraphs),
        date=getattr(document, "date", None) or None,
        author=_nfc(getattr(document, "author", None) or "") or None,
        site=_nfc(getattr(document, "sitename", None) or getattr(document, "hostname", None) or "") or None,
        canonical_url=_article_address(getattr(document, "url", None)),
    )


def _article_address(url: str | None) -> str | None:
    # A canonical link or og:url naming the site's home page is the template's, not the story's.
    if not url or urlsplit(url).path.strip("/") == "":
        return None
    return url


def _nfc(value: str) -> str:
    # Legacy charsets (windows-1258) spell tones as combining marks.
    return unicodedata.normalize("NFC", value)
