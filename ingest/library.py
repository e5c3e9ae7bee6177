"""Web articles in the articles folder: recognising ones already there, and saving new ones.

An article is recognised by its address after canonicalisation (scheme, case,
"www.", default port, fragment and tracking parameters do not matter) or by
its text (the same paragraphs under another address, e.g. a syndicated copy
or an article first uploaded as a file).
"""

from __future__ import annotations

import hashlib
import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from index.articles import Article, list_article_files, load_article, parse_article
from index.build import find_articles
from index.files import write_new_file
from index.identity import article_keys, text_fingerprint, text_key, url_key, url_keys

from .extract import Extracted

__all__ = ["Known", "Library", "text_fingerprint", "url_key"]

WEB_FOLDER = "web"  # articles added by link live in web/<host>/ inside the articles folder
MAX_SLUG = 70


@dataclass(frozen=True)
class Known:
    """An article already there, as far as recognising it again needs."""

    article_id: str
    title: str
    keys: frozenset[str] = frozenset()  # index.identity keys: "url:..." and "text:..."


class Library:
    """The articles of a folder as adding a link checks them: is this address, or this text, already there?

    With an index (`index_dir`), the articles it holds are looked up by key in
    its segments, so the check costs the same at ten articles or 200,000; the
    articles added since (by this object) are remembered. Without a usable
    index, every article file is read once (and again only when it changes).
    A file saved in the folder but not yet indexed is only recognised in that
    second case.
    """

    def __init__(self, folder: Path, index_dir: Path | None = None) -> None:
        self.folder = folder
        self.index_dir = index_dir
        self._added: list[Known] = []

    def add(self, known: Known) -> None:
        """Remember an article saved since (not indexed yet), so a batch does not add it twice."""
        self._added.append(known)

    def by_url(self, *urls: str | None) -> Known | None:
        """The article any of `urls` (after canonicalisation) belongs to."""
        return self._find(url_keys(urls))

    def by_text(self, fingerprint: str) -> Known | None:
        """The article with exactly this text (see index.identity.text_fingerprint)."""
        return self._find({text_key(fingerprint)})

    def _find(self, keys: set[str]) -> Known | None:
        if not keys:
            return None
        same = next((k for k in self._added if k.keys & keys), None)
        if same is not None:
            return same
        found = find_articles(self.index_dir, sorted(keys)) if self.index_dir is not None else None
        if found is None:
            return next((k for k in known_articles(self.folder) if k.keys & keys), None)
        # The index may be a moment behind the folder: an article whose file is gone is not there.
        return next((Known(f.article_id, f.title) for f in found if (self.folder / f.article_id).is_file()), None)


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
                known = Known(article.id, article.title, frozenset(article_keys(article)))
            with _cache_lock:
                _cache[path] = (stamp, known)
            cached = (stamp, known)
        if cached[1] is not None:
            out.append(cached[1])
    return out


def link_keys(urls: Iterable[str | None], fingerprint: str) -> frozenset[str]:
    """The keys of an article saved from `urls` with this text fingerprint."""
    return frozenset(url_keys(urls) | {text_key(fingerprint)})


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
