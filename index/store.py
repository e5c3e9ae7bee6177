"""The index on disk: complete generations, switched atomically.

Layout of the index directory::

    CURRENT              name of the generation in use ("gen-000007")
    gen-000007/          one complete index
        manifest.json    format version, model, dimension, article stamps
        chunks.sqlite    articles and chunks (text, offsets, sentence spans)
        vectors.npy      chunk embeddings, row i = chunk i
        dense.faiss      FAISS index over the vectors
        lexical/         bm25s index files
    .lock                held while a build runs

A build writes a new generation under a temporary name, renames it into
place, then replaces CURRENT through a temporary file and a rename. A crash at
any point leaves CURRENT naming the previous, complete generation, and readers
never see a half-written one.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass, fields
from pathlib import Path

import faiss
import numpy as np

from .articles import Article, Paragraph
from .chunking import Chunk, search_text_for
from .errors import IndexMismatchError, IndexMissingError, StorybotError
from .lexical import LexicalIndex, load_lexical, save_lexical
from .vectors import load_vector_index, save_vector_index

FORMAT_VERSION = 1
CURRENT = "CURRENT"
MANIFEST = "manifest.json"
_GEN_PREFIX = "gen-"


@dataclass(frozen=True)
class FileStamp:
    """What an article file looked like when it was indexed."""

    article_id: str
    size: int
    mtime_ns: int
    content_hash: str


@dataclass(frozen=True)
class Manifest:
    """Describes one generation: what built it and from which files."""

    format_version: int
    model: str
    dimension: int
    query_prompt: str
    passage_prompt: str
    vector_index: str
    article_count: int
    chunk_count: int
    built_at: str
    files: tuple[FileStamp, ...]
    skipped: tuple[FileStamp, ...] = ()  # unusable files, so they do not look new every time

    def to_json(self) -> str:
        """The manifest as JSON text."""
        # What dataclasses.asdict() gives, without its recursive deep copy (0.1 s per 1,000 articles).
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["files"] = [vars(s) for s in self.files]
        data["skipped"] = [vars(s) for s in self.skipped]
        return json.dumps(data, ensure_ascii=False, indent=1)

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        """Parse a manifest; KeyError/TypeError/ValueError when it is malformed."""
        data = json.loads(text)
        data["files"] = tuple(FileStamp(**f) for f in data["files"])
        data["skipped"] = tuple(FileStamp(**f) for f in data.get("skipped", ()))
        return cls(**data)


@dataclass(frozen=True)
class ArticleInfo:
    """An indexed article as listed to users."""

    id: str
    title: str
    url: str | None
    chunks: int


def rebuild_hint(index_dir: Path) -> str:
    """The command that rebuilds the index in `index_dir`."""
    return f"Rebuild it with: storybot index --index-dir {index_dir}"


def current_generation(index_dir: Path) -> str | None:
    """The generation CURRENT names, or None when there is no index yet."""
    try:
        name = (index_dir / CURRENT).read_text(encoding="utf-8").strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    return name or None


def read_manifest(index_dir: Path) -> Manifest | None:
    """The manifest of the current generation, or None when there is no usable index."""
    gen = current_generation(index_dir)
    if gen is None:
        return None
    try:
        return Manifest.from_json((index_dir / gen / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def check_compatible(
    manifest: Manifest, index_dir: Path, *, model: str, query_prompt: str, passage_prompt: str
) -> None:
    """Raise IndexMismatchError unless the index was built as the settings ask."""
    if manifest.format_version != FORMAT_VERSION:
        raise IndexMismatchError(
            f"the index in {index_dir} has format version {manifest.format_version}; this storybot "
            f"reads version {FORMAT_VERSION}. {rebuild_hint(index_dir)}"
        )
    if manifest.model != model:
        raise IndexMismatchError(
            f"the index in {index_dir} was built with model {manifest.model!r}, but storybot is set to "
            f"use {model!r}. Either set --model / STORYBOT_MODEL back to {manifest.model!r}, or rebuild "
            f"the index with the new model: storybot index --index-dir {index_dir} --model {model}"
        )
    if (manifest.query_prompt, manifest.passage_prompt) != (query_prompt, passage_prompt):
        raise IndexMismatchError(
            f"the index in {index_dir} was built with passage prompt {manifest.passage_prompt!r} and "
            f"query prompt {manifest.query_prompt!r}, but storybot is set to {passage_prompt!r} and "
            f"{query_prompt!r}. {rebuild_hint(index_dir)}"
        )


class Snapshot:
    """One generation of the index, loaded and ready to search. Safe to share between threads."""

    def __init__(self, index_dir: Path, generation: str) -> None:
        self.index_dir = index_dir
        self.generation = generation
        self.path = index_dir / generation
        try:
            self.manifest = Manifest.from_json((self.path / MANIFEST).read_text(encoding="utf-8"))
            self.vectors: np.ndarray = np.load(self.path / "vectors.npy", mmap_mode="r")
            self.dense: faiss.Index = load_vector_index(self.path / "dense.faiss")
            self.lexical: LexicalIndex = load_lexical(self.path / "lexical")
            self._db = sqlite3.connect(f"file:{self.path / 'chunks.sqlite'}?mode=ro", uri=True, check_same_thread=False)
        except (OSError, ValueError, KeyError, TypeError, RuntimeError, sqlite3.Error) as err:
            raise IndexMismatchError(
                f"the index in {index_dir} ({generation}) cannot be read ({type(err).__name__}: {err}). "
                f"{rebuild_hint(index_dir)}"
            ) from err
        self._lock = threading.Lock()
        self._articles: dict[str, Article] = {}

    @property
    def size(self) -> int:
        """Number of chunks."""
        return self.manifest.chunk_count

    def chunk(self, chunk_id: int) -> Chunk:
        """The chunk stored as row `chunk_id` (its vector's row too)."""
        with self._lock:
            row = self._db.execute(
                "SELECT article_id, paragraph, start, end, text, sentences, search_key FROM chunks WHERE id = ?",
                (int(chunk_id),),
            ).fetchone()
        if row is None:
            raise IndexError(chunk_id)
        article_id, paragraph, start, end, text, sentences, key = row
        article = self.article(article_id)
        return Chunk(
            article_id=article_id,
            paragraph=paragraph,
            start=start,
            end=end,
            text=text,
            sentences=tuple(tuple(s) for s in json.loads(sentences)),
            search_text=search_text_for(article, article.paragraphs[paragraph - 1], text),
            key=key,
        )

    def article(self, article_id: str) -> Article:
        """The article with this id, as it was indexed."""
        cached = self._articles.get(article_id)
        if cached is not None:
            return cached
        with self._lock:
            row = self._db.execute(
                "SELECT title, text, paragraphs, content_hash, url, source, date FROM articles WHERE id = ?",
                (article_id,),
            ).fetchone()
        if row is None:
            raise KeyError(article_id)
        title, text, paragraphs, chash, url, source, date = row
        article = Article(
            id=article_id,
            title=title,
            text=text,
            paragraphs=tuple(Paragraph(*p) for p in json.loads(paragraphs)),
            content_hash=chash,
            url=url,
            source=source,
            date=date,
        )
        self._articles[article_id] = article
        return article

    def articles(self) -> list[ArticleInfo]:
        """Every indexed article, in id order."""
        with self._lock:
            rows = self._db.execute(
                "SELECT a.id, a.title, a.url, COUNT(c.id) FROM articles a LEFT JOIN chunks c "
                "ON c.article_id = a.id GROUP BY a.id ORDER BY a.id"
            ).fetchall()
        return [ArticleInfo(id=r[0], title=r[1], url=r[2], chunks=r[3]) for r in rows]

    def vector_rows(self) -> dict[str, int]:
        """Map from chunk search key to its vector row, for reusing embeddings."""
        with self._lock:
            return dict(self._db.execute("SELECT search_key, id FROM chunks").fetchall())

    def chunk_keys(self) -> list[str]:
        """The search key of every chunk, in row order."""
        with self._lock:
            return [key for (key,) in self._db.execute("SELECT search_key FROM chunks ORDER BY id")]

    def close(self) -> None:
        """Release the database handle."""
        with self._lock:
            self._db.close()


def open_snapshot(index_dir: Path) -> Snapshot:
    """Load the current generation; IndexMissingError when none was built."""
    gen = current_generation(index_dir)
    if gen is None or not (index_dir / gen).is_dir():
        raise IndexMissingError(f"no index in {index_dir} yet. Build it with: storybot index --index-dir {index_dir}")
    return Snapshot(index_dir, gen)


@contextlib.contextmanager
def build_lock(index_dir: Path) -> Iterator[None]:
    """Hold the index directory's build lock (one builder at a time, across processes)."""
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        handle = open(index_dir / ".lock", "a+")  # noqa: SIM115 - held for the whole build
    except OSError as err:
        raise StorybotError(f"cannot write the index directory {index_dir}: {err.strerror}") from err
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def write_generation(
    index_dir: Path,
    manifest: Manifest,
    articles: list[Article],
    chunks: list[Chunk],
    vectors: np.ndarray,
    dense: faiss.Index,
    lexical: LexicalIndex,
) -> str:
    """Write a complete new generation and make it current. Call under `build_lock`."""
    _remove_leftovers(index_dir)
    gen = f"{_GEN_PREFIX}{_next_number(index_dir):06d}"
    tmp = index_dir / f".{gen}.tmp-{os.getpid()}"
    tmp.mkdir(parents=True)
    try:
        _write_database(tmp / "chunks.sqlite", articles, chunks)
        with open(tmp / "vectors.npy", "wb") as fh:
            np.save(fh, np.ascontiguousarray(vectors, dtype=np.float32))
        save_vector_index(dense, tmp / "dense.faiss")
        (tmp / "lexical").mkdir()
        save_lexical(lexical, tmp / "lexical")
        (tmp / MANIFEST).write_text(manifest.to_json(), encoding="utf-8")
        _fsync_tree(tmp)
        os.replace(tmp, index_dir / gen)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    previous = current_generation(index_dir)
    _replace_file(index_dir / CURRENT, gen + "\n")
    _prune(index_dir, keep={gen, previous})
    return gen


def update_manifest(index_dir: Path, manifest: Manifest) -> None:
    """Replace the current generation's manifest (same index, newer file stamps)."""
    gen = current_generation(index_dir)
    if gen is None:
        raise IndexMissingError(f"no index in {index_dir}")
    _replace_file(index_dir / gen / MANIFEST, manifest.to_json())


def _replace_file(path: Path, content: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(content)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


def _write_database(path: Path, articles: list[Article], chunks: list[Chunk]) -> None:
    db = sqlite3.connect(path)
    try:
        db.executescript(
            """
            CREATE TABLE articles (
                id TEXT PRIMARY KEY, title TEXT NOT NULL, text TEXT NOT NULL, paragraphs TEXT NOT NULL,
                content_hash TEXT NOT NULL, url TEXT, source TEXT, date TEXT);
            CREATE TABLE chunks (
                id INTEGER PRIMARY KEY, article_id TEXT NOT NULL REFERENCES articles(id),
                paragraph INTEGER NOT NULL, start INTEGER NOT NULL, end INTEGER NOT NULL,
                text TEXT NOT NULL, sentences TEXT NOT NULL, search_key TEXT NOT NULL);
            CREATE INDEX chunks_article ON chunks(article_id);
            """
        )
        db.executemany(
            "INSERT INTO articles VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (
                    a.id,
                    a.title,
                    a.text,
                    json.dumps([[p.number, p.start, p.end, p.debris, p.byline] for p in a.paragraphs]),
                    a.content_hash,
                    a.url,
                    a.source,
                    a.date,
                )
                for a in articles
            ),
        )
        db.executemany(
            "INSERT INTO chunks VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (i, c.article_id, c.paragraph, c.start, c.end, c.text, json.dumps(c.sentences), c.key)
                for i, c in enumerate(chunks)
            ),
        )
        db.commit()
    finally:
        db.close()


def _generations(index_dir: Path) -> list[str]:
    return sorted(p.name for p in index_dir.glob(f"{_GEN_PREFIX}*") if p.is_dir())


def _next_number(index_dir: Path) -> int:
    numbers = [int(name[len(_GEN_PREFIX) :]) for name in _generations(index_dir) if name[len(_GEN_PREFIX) :].isdigit()]
    current = current_generation(index_dir) or ""
    if current[len(_GEN_PREFIX) :].isdigit():
        numbers.append(int(current[len(_GEN_PREFIX) :]))
    return max(numbers, default=0) + 1


def _remove_leftovers(index_dir: Path) -> None:
    # Under the build lock, a temporary generation can only be a crashed build's.
    for path in index_dir.glob(f".{_GEN_PREFIX}*.tmp-*"):
        shutil.rmtree(path, ignore_errors=True)


def _prune(index_dir: Path, keep: set[str | None]) -> None:
    # The previous generation stays: a reader that loaded it a moment ago may
    # still be answering from it.
    for name in _generations(index_dir):
        if name not in keep:
            shutil.rmtree(index_dir / name, ignore_errors=True)


def _fsync_tree(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            with open(path, "rb") as fh:
                os.fsync(fh.fileno())
    for path in [*folder.rglob("*"), folder]:
        if path.is_dir():
            fsync_dir(path)


def fsync_dir(folder: Path) -> None:
    """Flush a folder's entries (a rename into it) to disk."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
