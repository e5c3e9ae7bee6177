"""Web articles in the articles folder: recognising ones already there, and saving new ones.

An article is recognised by its address after canonicalisation (scheme, case,
"www.", default port, fragment and tracking parameters do not matter) or by
its text (the same paragraphs under another address, e.g. a syndicated copy
or an article first uploaded as a file).
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from courlan import normalize_url

from index.articles import Article, list_article_files, load_article, parse_article
from index.files import write_new_file

from .extract import Extracted

WEB_FOLDER = "web"  # articles added by link live in web/<host>/ inside the articles folder
MAX_SLUG = 70
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


@dataclass(frozen=True)
class Known:
    """An article already in the folder, as far as recognising it again needs."""

    article_id: str
    title: str
    url_keys: frozenset[str]
    fingerprint: str


_cache: dict[Path, tuple[tuple[int, int], Known | None]] = {}
_cache_lock = threading.Lock()


def known_articles(folder: Path) -> list[Known]:
    """Every readable article in `folder`; files unchanged since the last call are not read again."""
    out = []
    for path in list_article_files(folder) if folder.exists() else []:
        stat = path.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
        with _cache_lock:
            cached = _cache.get(path)
        if cached is None or cached[0] != stamp:
            article = load_article(folder, path)
            known = None
            if isinstance(article, Article):
                keys = {url_key(v) for k, v in article.meta.items() if k in ("url", "canonical_url") and v}
                known = Known(article.id, article.title, frozenset(keys), text_fingerprint(article))
            with _cache_lock:
                _cache[path] = (stamp, known)
            cached = (stamp, known)
        if cached[1] is not None:
            out.append(cached[1])
    return out


def find_by_url(known: list[Known], *urls: str | None) -> Known | None:
    """The known article any of `urls` (after canonicalisation) belongs to."""
    keys = {url_key(u) for u in urls if u}
    return next((k for k in known if k.url_keys & keys), None)


def find_by_text(known: list[Known], fingerprint: str) -> Known | None:
    """The known article with exactly this text."""
    return next((k for k in known if k.fingerprint == fingerprint), None)


def article_file(url: str, extracted: Extracted) -> str:
    """The text of the article file for `extracted`: front matter, the title line, then one paragraph a block."""
    meta = {
        "url": url,
        "title": _one_line(extracted.title),
        "date": extracted.date,
        "source": _one_line(extracted.site or ""),
        "author": _one_line(extracted.author or ""),
    }
    if extracted.canonical_url and url_key(extracted.canonical_url) != url_key(url):
        meta["canonical_url"] = extracted.canonical_url
    head = "".join(f"{key}: {value}\n" for key, value in meta.items() if value)
    body = "\n\n".join(extracted.paragraphs)
    return f"---\n{head}---\n{meta['title']}\n\n{body}\n"


def file_name(url: str, title: str) -> str:
    """web/<host>/<slug of the title>-<hash of the address>.txt: readable, and unique per address."""
    host = (urlsplit(url).hostname or "site").lower().removeprefix("www.")
    host = re.sub(r"[^a-z0-9.-]+", "-", host).strip(".-") or "site"
    slug = _slug(title) or "bai-bao"
    digest = hashlib.sha1(url_key(url).encode("utf-8")).hexdigest()[:8]
    return f"{WEB_FOLDER}/{host}/{slug}-{digest}.txt"


def preview(name: str, content: str) -> Article:
    """The article `content` would be once saved as `name`, parsed as the indexer parses it."""
    return parse_article(name, unicodedata.normalize("NFC", content))


def save(folder: Path, name: str, content: str) -> bool:
    """Write the article file atomically under `folder`; False when the name is already taken. OSError on failure."""
    target = folder / name
    target.parent.mkdir(parents=True, exist_ok=True)
    return write_new_file(target.parent, target.name, content.encode("utf-8"), replace=False)


def _one_line(value: str) -> str:
    # Front-matter values are one line, and the reader strips ASCII quotes at their ends.
    value = " ".join(value.split())
    return re.sub(r'"([^"]*)"', "“\\1”", value).replace('"', "”")


def _slug(title: str) -> str:
    folded = unicodedata.normalize("NFD", title.replace("đ", "d").replace("Đ", "D"))
    ascii_only = "".join(c for c in folded if not unicodedata.combining(c)).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_only.lower()).strip("-")
    return slug[:MAX_SLUG].rsplit("-", 1)[0] if len(slug) > MAX_SLUG else slug
