"""Articles sent to the bot as documents: checking, naming and saving them safely.

A file is checked with the indexer's own rules (UTF-8, not binary, not empty)
before it touches the articles folder; it is written to a hidden temporary
name there (the indexer ignores hidden files) and then linked or renamed into
place, so the indexer never sees half a file and an existing article is never
overwritten unless the admin confirmed it.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import secrets
import threading
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from index.articles import ARTICLE_SUFFIXES, Article, SkippedFile, decode_article, parse_article
from index.files import write_new_file

MAX_NAME_CHARS = 100
# Names are cut in UTF-8 bytes: file systems allow 255 bytes per name, and the hidden temporary name
# (".<name>.upload-<8 hex>") adds 17 to the saved one. 79 Vietnamese or CJK characters already pass 255.
MAX_NAME_BYTES = 200
DISK_FULL = (errno.ENOSPC, errno.EDQUOT)
PENDING_SECONDS = 15 * 60  # how long a "replace the existing article?" question stays answerable
MAX_PENDING = 20


class UploadProblem(Exception):
    """An upload that cannot be used; `key` names the message to show, `values` fill it in (a Reason among
    them is worded by the surface, in its reader's language)."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


def safe_article_name(file_name: str) -> str | None:
    """A safe file name for the articles folder, or None when it is not a .txt/.md file.

    Any folder part is dropped; characters other than letters, digits, _, - and
    . become _; the name cannot start with a dot (hidden files are not indexed).
    """
    base = unicodedata.normalize("NFC", file_name).replace("\\", "/").rsplit("/", 1)[-1]
    stem, dot, suffix = base.rpartition(".")
    if not dot or f".{suffix.lower()}" not in ARTICLE_SUFFIXES:
        return None
    stem = re.sub(r"[^\w.-]+", "_", stem).strip("._-")[:MAX_NAME_CHARS]
    stem = stem.encode("utf-8")[:MAX_NAME_BYTES].decode("utf-8", errors="ignore").strip("._-")
    return f"{stem or 'article'}.{suffix.lower()}"


def check_article(name: str, raw: bytes, limit: int) -> Article:
    """Parse an uploaded file as the indexer would; UploadProblem says why it cannot be an article."""
    if len(raw) > limit:
        raise UploadProblem("upload_too_big", size=-(-len(raw) // 1024), limit=limit // 1024)
    decoded = decode_article(raw, Path(name))
    if isinstance(decoded, SkippedFile):
        raise UploadProblem("upload_unusable", reason=decoded.why)
    article = parse_article(name, decoded)
    if not any(not p.debris for p in article.paragraphs):
        raise UploadProblem("upload_no_paragraphs")
    return article


def existing_bytes(folder: Path, name: str) -> bytes | None:
    """The content of `folder/name`, or None when there is no such file."""
    try:
        return (folder / name).read_bytes()
    except FileNotFoundError:
        return None


def digest(data: bytes | None) -> str:
    """A fingerprint of a file's content ("" for no file)."""
    return "" if data is None else hashlib.sha256(data).hexdigest()


def same_content(folder: Path, data: bytes, *, besides: str) -> str | None:
    """The name of an article in `folder`, other than `besides`, with exactly `data` as content."""
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return None
    for entry in sorted(entries, key=lambda e: e.name):
        hidden_or_other = entry.name.startswith(".") or Path(entry.name).suffix.lower() not in ARTICLE_SUFFIXES
        if entry.name == besides or hidden_or_other:
            continue
        try:
            if entry.is_file() and entry.stat().st_size == len(data) and Path(entry.path).read_bytes() == data:
                return entry.name
        except OSError:
            continue  # vanished or unreadable: not a duplicate we can name
    return None


def write_article(folder: Path, name: str, data: bytes, *, replace: bool) -> bool:
    """Write `data` to `folder/name` atomically; False (nothing written) when it exists and not `replace`.

    The hidden temporary file is removed whatever happens. UploadProblem names a full disk, a missing
    folder or a folder that cannot be written.
    """
    try:
        return write_new_file(folder, name, data, replace=replace)
    except OSError as err:
        raise _write_problem(err, folder) from err


def _write_problem(err: OSError, folder: Path) -> UploadProblem:
    if err.errno in DISK_FULL:
        return UploadProblem("upload_disk_full")
    if not folder.is_dir():
        return UploadProblem("upload_no_folder", folder=str(folder))
    return UploadProblem("upload_cannot_write", folder=str(folder), reason=err.strerror or str(err))


@dataclass(frozen=True)
class PendingUpload:
    """An upload waiting for an admin to confirm that it replaces an existing article."""

    name: str
    data: bytes = field(repr=False)
    title: str
    user_id: int
    created: float
    old_digest: str = ""  # digest() of the article when the admin was asked: a later edit is not overwritten


@dataclass
class PendingUploads:
    """Uploads awaiting confirmation, by a short token carried in the buttons' callback data."""

    ttl: float = PENDING_SECONDS
    limit: int = MAX_PENDING
    _items: dict[str, PendingUpload] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def put(self, upload: PendingUpload) -> str:
        """Keep `upload` and return its token; the oldest are dropped beyond `limit`."""
        token = secrets.token_urlsafe(6)
        with self._lock:
            self._expire(time.monotonic())
            while len(self._items) >= self.limit:
                del self._items[next(iter(self._items))]
            self._items[token] = upload
        return token

    def take(self, token: str) -> PendingUpload | None:
        """Remove and return the upload for `token`, or None when unknown or expired."""
        with self._lock:
            self._expire(time.monotonic())
            return self._items.pop(token, None)

    def _expire(self, now: float) -> None:
        for token in [t for t, u in self._items.items() if u.created < now - self.ttl]:
            del self._items[token]
