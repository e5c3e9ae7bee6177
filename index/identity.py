"""What makes two article files the same article: their address, or their text.

An address is compared after canonicalisation (scheme, case, "www.", default
port, fragment and tracking parameters do not matter); a text by a hash of its
paragraphs (not its title or metadata), blind to spacing and case, so a
syndicated copy or an article first uploaded as a file is recognised too.

A build stores each article's keys in its segment (`article_keys`), so that
adding a link looks the address up instead of reading every article file.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from courlan import normalize_url

from .articles import Article

URL_META = ("url", "canonical_url")  # front-matter fields that hold an article's address
_TRACKING = re.compile(
    r"^(utm_\w+|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|zarsrc|zalo_\w+|_ga|igshid|ref|ref_src|cmpid|s_cid)$",
    re.IGNORECASE,
)


def url_key(url: str) -> str:
    """The canonical form of `url` used to compare addresses (not for fetching)."""
    with contextlib.suppress(ValueError):
        url = normalize_url(url, trailing_slash=False)
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    params = parse_qsl(parts.query, keep_blank_values=True)
    query = urlencode(sorted((k, v) for k, v in params if not _TRACKING.match(k)))
    return urlunsplit(("https", host, parts.path.rstrip("/") or "/", query, ""))


def text_fingerprint(article: Article) -> str:
    """A hash of an article's paragraphs (not its title or metadata), blind to spacing and case."""
    body = "\n".join(" ".join(article.paragraph_text(p.number).split()).casefold() for p in article.paragraphs)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def url_keys(urls: Iterable[str | None]) -> set[str]:
    """The keys ("url:<canonical address>") of the non-empty addresses in `urls`."""
    return {f"url:{url_key(u)}" for u in urls if u}


def text_key(fingerprint: str) -> str:
    """The key of a text fingerprint."""
    return f"text:{fingerprint}"


def article_keys(article: Article) -> list[str]:
    """Every key `article` is recognised by: its addresses (url, canonical_url) and its text."""
    urls = [article.url, *(article.meta.get(name) for name in URL_META)]
    return [*sorted(url_keys(urls)), text_key(text_fingerprint(article))]
