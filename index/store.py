"""The index on disk: immutable segments, and generations that list them, switched atomically.

Layout of the index directory::

    CURRENT                  name of the generation in use ("gen-000007")
    gen-000007/manifest.json one complete index: settings, its segments and, per
                             segment, the removed articles; file stamps that
                             changed since their segment was written (touched)
    segments/seg-000012-1f2e3d4c/   one immutable segment
        meta.json            rows, dimension, size and CRC-32 of every file below
        chunks.sqlite        articles, chunks (text, offsets, sentence spans),
                             article_data (per-article derived data, by kind) and
                             files (the article files' stamps as indexed)
        vectors.f32          chunk embeddings, row i = the segment's chunk i
        dense.faiss          HNSW graph (segments of APPROXIMATE_FROM rows or more)
        terms.*              BM25 term counts (see lexical.py)
    .lock                    held while a build runs

A build writes only what changed: the new and changed articles go into one
new segment, and removed or replaced articles are marked deleted in the
manifest of the new generation. File stamps live in the segments, so the
manifest stays a few kilobytes whatever the index holds. When small segments pile up
they are merged (`build.merge_segments`). A generation's manifest is written
under a temporary name, renamed into place, then CURRENT is replaced through
a temporary file and a rename: a crash at any point leaves CURRENT naming the
previous complete generation, whose segments are never modified.

Readers copy every file they use into memory and check it against the sizes
and checksums recorded at write time (files.py), so nothing a serving process
answers from can be truncated under it. That is `SnapshotMode` "memory", the
default. When another engine searches (Qdrant), snapshots are opened "lean":
each file is checked the same way once, then read where it lies (see
`SnapshotMode`), so a process's memory does not grow with the index.
"""

from __future__ import annotations

import bisect
import contextlib
import errno
import fcntl
import json
import logging
import os
import re
import shutil
import sqlite3
import threading
import uuid
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Literal, NamedTuple

import faiss
import numpy as np

from . import vectors as _vectors
from .articles import Article, Paragraph
from .chunking import Chunk, search_text_for
from .dates import article_date
from .errors import IndexMismatchError, IndexMissingError, IndexUnreadableError
from .files import (
    CorruptFileError,
    FileArray,
    FileInfo,
    check_file,
    disk_error,
    file_info,
    fsync_dir,
    read_array,
    read_checked,
    replace_file,
    write_array,
    write_bytes,
)
from .identity import article_keys
from .lexical import LexicalStats, Postings, SegmentedLexical, SegmentTermStats, TermCounter, token_hashes
from .vectors import (
    SegmentedDense,
    build_vector_index,
    index_kind,
    load_vector_index,
    stored_vectors,
)

log = logging.getLogger(__name__)

FORMAT_VERSION = 3  # 3: file stamps moved from the manifest into the segments
CURRENT = "CURRENT"
MANIFEST = "manifest.json"
SEGMENTS = "segments"
SEGMENT_META = "meta.json"
_GEN_PREFIX = "gen-"
_GEN_NAME = re.compile(r"gen-\d{6,}")
_SEG_NAME = re.compile(r"seg-\d{6,}-[0-9a-f]{8}")
VECTOR_BLOCK = 16_384  # vectors added to a new segment's index at a time
_TERM_FILES = {"indptr": "int64", "docs": "int32", "tfs": "int32", "doc_len": "int32"}
# Errors that mean "this file or folder is not what was written": the index is unreadable.
READ_ERRORS = (OSError, ValueError, KeyError, TypeError, RuntimeError, sqlite3.Error, UnicodeDecodeError)

SnapshotMode = Literal["memory", "lean"]
"""How a snapshot holds its segments; the search backend in use decides (`index.backend`, its `snapshot_mode`).

- "memory" (the default backend, which searches the snapshot itself): every file is copied into memory
  and checked against its recorded size and CRC-32; chunks.sqlite is deserialized into an in-memory
  database, the vectors go into a FAISS index, the BM25 postings are loaded and weighted. About 10 KB a
  chunk; nothing a serving process answers from can be truncated under it.
- "lean" (Qdrant, which searches elsewhere): each file is still checked against its size and CRC-32
  once, streamed (dense.faiss, which only the segmented search reads, is not opened), then left where it
  lies: chunks.sqlite is queried on disk (read-only, immutable: segments never change once written), the
  vectors are read a few rows at a time (`files.FileArray`, no memory map, so no SIGBUS), and of the
  postings only each token's document frequency is kept (`lexical.LexicalStats`: IDF weights and known
  words, no BM25 search). A file damaged while in use gives a clear error on the next read of it.
"""
ARTICLE_CACHE = 4096  # articles a lean snapshot keeps parsed (cleared when full; a memory snapshot keeps all)


class FileStamp(NamedTuple):
    """What an article file looked like when it was indexed, and the segment holding it.

    A tuple, not a dataclass: a build reads one per indexed file, 200,000 at a million chunks.
    """

    article_id: str
    size: int
    mtime_ns: int
    content_hash: str
    segment: str = ""  # the segment holding the article's chunks
    chunks: int = 0  # how many


@dataclass(frozen=True)
class SegmentRef:
    """A segment as a generation uses it: its rows, and the articles removed from it since."""

    name: str
    rows: int
    meta_crc: int
    kind: str = "flat"  # its vector index: "flat" (exact) or "hnsw"
    deleted: tuple[str, ...] = ()
    live_rows: int = 0  # rows of the articles not deleted


@dataclass(frozen=True)
class Manifest:
    """Describes one generation: what built it, from which files, out of which segments."""

    format_version: int
    model: str
    dimension: int
    query_prompt: str
    passage_prompt: str
    vector_index: str
    article_count: int
    chunk_count: int
    built_at: str
    skipped: tuple[FileStamp, ...] = ()  # unusable files, so they do not look new every time
    segments: tuple[SegmentRef, ...] = ()
    tokeniser: str = ""
    # Stamps of files touched (same content, new size or time) since their segment was written;
    # they override the segment's own record until a merge folds them in.
    touched: tuple[FileStamp, ...] = ()

    def to_json(self) -> str:
        """The manifest as JSON text (file stamps as rows, in FileStamp's field order)."""
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["skipped"] = [list(s) for s in self.skipped]
        data["touched"] = [list(s) for s in self.touched]
        data["segments"] = [{**vars(s), "deleted": list(s.deleted)} for s in self.segments]
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        """Parse a manifest; KeyError/TypeError/ValueError when it is malformed."""
        data = json.loads(text)
        if data.get("format_version") != FORMAT_VERSION:
            # Older formats are read only to say they are too old (and to reuse their vectors).
            data.pop("files", None)
            data["skipped"] = ()
        data["skipped"] = tuple(FileStamp(*row) for row in data.get("skipped", ()))
        data["touched"] = tuple(FileStamp(*row) for row in data.get("touched", ()))
        data["segments"] = tuple(
            SegmentRef(
                s["name"],
                int(s["rows"]),
                int(s["meta_crc"]),
                s["kind"],
                tuple(s.get("deleted", ())),
                int(s.get("live_rows", s["rows"])),
            )
            for s in data.get("segments", ())
        )
        return cls(**data)


@dataclass(frozen=True)
class ArticleInfo:
    """An indexed article as listed to users."""

    id: str
    title: str
    url: str | None
    chunks: int
    date: str | None = None  # YYYY-MM-DD: front matter, else a dateline (dates.article_date)
    source: str | None = None  # the outlet, from the front matter


@dataclass(frozen=True)
class ArticleDatum:
    """One piece of per-article derived data (e.g. an attribution statement), stored with the article.

    `kind` names what it is; `value` is JSON text, decoded by the module that wrote it.
    """

    article_id: str
    kind: str
    value: str


def rebuild_hint(index_dir: Path) -> str:
    """The command that rebuilds the index in `index_dir`."""
    return f"Rebuild it with: storybot index --index-dir {index_dir}"


def current_generation(index_dir: Path) -> str | None:
    """The generation CURRENT names, or None when there is no index yet or CURRENT is unreadable."""
    try:
        name = (index_dir / CURRENT).read_bytes().decode("utf-8").strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except (OSError, UnicodeDecodeError) as err:
        log.warning("the index's CURRENT file in %s cannot be read (%s)", index_dir, err)
        return None
    if not _GEN_NAME.fullmatch(name):
        if name:
            log.warning("the index's CURRENT file in %s names no generation (%r)", index_dir, name[:40])
        return None
    return name


def read_manifest(index_dir: Path, generation: str | None = None) -> Manifest | None:
    """The manifest of a generation (default: the current one), or None when it is missing or unreadable."""
    gen = generation or current_generation(index_dir)
    if gen is None:
        return None
    try:
        return Manifest.from_json((index_dir / gen / MANIFEST).read_text(encoding="utf-8"))
    except READ_ERRORS:
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


# ---------------------------------------------------------------------------------------------
# Segments


@dataclass(frozen=True)
class SegmentData:
    """Everything a new segment holds, in row order (chunks of one article are contiguous)."""

    articles: Sequence[Article]
    chunks: Sequence[Chunk]
    vectors: np.ndarray
    postings: Postings | None = None  # None: tokenised while writing
    article_data: Sequence[ArticleDatum] = ()
    stamps: Sequence[FileStamp] = ()


class Segment:
    """One segment, validated and opened as `mode` says (see SnapshotMode). Immutable; shared by the
    snapshots that use it."""

    def __init__(self, folder: Path, meta_crc: int, mode: SnapshotMode = "memory") -> None:
        self.name = folder.name
        self.mode: SnapshotMode = mode
        self._folder = folder
        meta_bytes = (folder / SEGMENT_META).read_bytes()
        if _crc(meta_bytes) != meta_crc:
            raise CorruptFileError(f"{SEGMENT_META} does not match the checksum the manifest records")
        meta = json.loads(meta_bytes)
        files = {name: FileInfo(**info) for name, info in meta["files"].items()}
        self.rows: int = int(meta["rows"])
        self.dimension: int = int(meta["dimension"])
        self.tokeniser: str = meta["tokeniser"]
        self.kind: str = meta["kind"]
        self.meta_crc = meta_crc
        self._lock = threading.Lock()
        self.dense: faiss.Index | None = None  # memory mode: the segment's FAISS index
        self.vectors: np.ndarray | FileArray  # memory mode: a view of the FAISS index's; lean: on disk
        self.postings: Postings | None = None  # memory mode: the BM25 term counts
        self.term_stats: SegmentTermStats | None = None  # lean mode: what IDF needs of them
        if mode == "lean":
            self._open_lean(folder, files, int(meta["postings"]))
        else:
            self._load(folder, files, int(meta["postings"]))
        self.article_rows: dict[str, tuple[int, int]] = {
            a: (first, count) for a, first, count in self._query("SELECT id, first_row, row_count FROM articles")
        }
        (chunk_rows,) = self._query("SELECT COUNT(*) FROM chunks")
        if chunk_rows[0] != self.rows:
            raise CorruptFileError(f"chunks.sqlite has {chunk_rows[0]} chunks, expected {self.rows}")

    def _load(self, folder: Path, files: dict[str, FileInfo], postings: int) -> None:
        """Copy every file into memory (checked): the mode the segmented search needs."""
        db = sqlite3.connect(":memory:", check_same_thread=False)
        db.deserialize(read_checked(folder / "chunks.sqlite", files["chunks.sqlite"]))
        self._db = db
        if self.kind == "hnsw":
            check_file(folder / "dense.faiss", files["dense.faiss"])
            dense = load_vector_index(folder / "dense.faiss")
        else:
            dense = build_vector_index(
                read_array(folder / "vectors.f32", "float32", (self.rows, self.dimension), files["vectors.f32"]),
                approximate=False,
            )
        if dense.ntotal != self.rows or dense.d != self.dimension:
            raise CorruptFileError(f"the vector index holds {dense.ntotal} vectors, expected {self.rows}")
        self.dense = dense
        self.vectors = stored_vectors(dense)  # a view: the vectors are held once
        tokens = _read_tokens(folder, files)
        shapes = {"indptr": len(tokens) + 1, "docs": postings, "tfs": postings, "doc_len": self.rows}
        arrays = {
            name: read_array(folder / f"terms.{name}", dtype, (shapes[name],), files[f"terms.{name}"])
            for name, dtype in _TERM_FILES.items()
        }
        self.postings = Postings(tokens=tokens, **arrays)
        if int(self.postings.indptr[-1]) != len(self.postings.docs) or (
            len(self.postings.docs) and int(self.postings.docs.max()) >= self.rows
        ):
            raise CorruptFileError("the BM25 term counts do not fit the segment")

    def _open_lean(self, folder: Path, files: dict[str, FileInfo], postings: int) -> None:
        """Check every file once (streamed), then keep it on disk: the mode for a backend that searches elsewhere."""
        path = folder / "chunks.sqlite"
        check_file(path, files["chunks.sqlite"])
        # immutable=1: no locks and no change checks (segments are never modified once written);
        # mmap_size 0: sqlite reads with read(), so a file truncated later gives an error, not SIGBUS.
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True, check_same_thread=False)
        db.execute("PRAGMA mmap_size = 0")
        self._db = db
        vectors = folder / "vectors.f32"
        if files["vectors.f32"].size != self.rows * self.dimension * 4:
            size = files["vectors.f32"].size
            raise CorruptFileError(f"vectors.f32: metadata gives {size} bytes for {self.rows} rows")
        check_file(vectors, files["vectors.f32"])
        self.vectors = FileArray(vectors, "float32", (self.rows, self.dimension))
        hashes = token_hashes(_read_tokens(folder, files))  # the strings are not kept
        indptr = read_array(folder / "terms.indptr", "int64", (len(hashes) + 1,), files["terms.indptr"])
        sizes = {"docs": postings * 4, "tfs": postings * 4, "doc_len": self.rows * 4}
        for name, size in sizes.items():
            if files[f"terms.{name}"].size != size:
                raise CorruptFileError(f"terms.{name}: metadata gives {files[f'terms.{name}'].size} bytes, not {size}")
        largest, total_len = [-1], [0]
        check_file(folder / "terms.docs", files["terms.docs"],
                   lambda b: largest.append(int(np.frombuffer(b, np.int32).max(initial=-1))))
        check_file(folder / "terms.tfs", files["terms.tfs"])
        check_file(folder / "terms.doc_len", files["terms.doc_len"],
                   lambda b: total_len.append(int(np.frombuffer(b, np.int32).sum(dtype=np.int64))))
        if int(indptr[-1]) != postings or max(largest) >= self.rows:
            raise CorruptFileError("the BM25 term counts do not fit the segment")
        self.term_stats = SegmentTermStats(
            hashes=hashes,
            df=np.diff(indptr),
            total_len=sum(total_len),
            docs=FileArray(folder / "terms.docs", "int32", (postings,)),
            doc_len=FileArray(folder / "terms.doc_len", "int32", (self.rows,)),
        )

    def _query(self, sql: str, params: Sequence[object] = ()) -> list[tuple]:
        with self._lock:
            try:
                return self._db.execute(sql, params).fetchall()
            except sqlite3.DatabaseError as err:
                if self.mode != "lean":
                    raise
                # Read on disk: the file was damaged after it was checked (a lean segment is read in place).
                index_dir = self._folder.parent.parent
                raise IndexUnreadableError(
                    f"the index in {index_dir} was damaged while in use: {self.name}/chunks.sqlite cannot be "
                    f"read ({err}). {rebuild_hint(index_dir)}"
                ) from err

    def live_mask(self, deleted: Iterable[str]) -> np.ndarray:
        """True for the rows of articles not in `deleted`."""
        live = np.ones(self.rows, dtype=bool)
        for article_id in deleted:
            first, count = self.article_rows.get(article_id, (0, 0))
            live[first : first + count] = False
        return live

    def chunk_row(self, row: int) -> tuple:
        """(article_id, paragraph, start, end, text, sentences, search_key) of a row."""
        rows = self._query(
            "SELECT article_id, paragraph, start, end, text, sentences, search_key FROM chunks WHERE id = ?", (row,)
        )
        if not rows:
            raise IndexError(row)
        return rows[0]

    def article_row(self, article_id: str) -> tuple | None:
        """(title, text, paragraphs, content_hash, url, source, date) of an article."""
        rows = self._query(
            "SELECT title, text, paragraphs, content_hash, url, source, date FROM articles WHERE id = ?", (article_id,)
        )
        return rows[0] if rows else None

    def article_titles(self) -> list[tuple[str, str, str | None, int, str | None, str | None]]:
        """(id, title, url, chunk count, date, source) of every article in the segment."""
        return self._query("SELECT id, title, url, row_count, dated, source FROM articles")

    def article_data(self, article_id: str, kind: str) -> list[str]:
        """The stored values of one kind of derived data for an article, in insertion order."""
        return [
            v
            for (v,) in self._query(
                "SELECT value FROM article_data WHERE article_id = ? AND kind = ? ORDER BY rowid", (article_id, kind)
            )
        ]

    def key_rows(self) -> list[tuple[str, str]]:
        """Every (key, article id) row of the segment (see index.identity)."""
        with self._lock:
            return key_rows(self._db)

    def all_rows(self, table: str) -> list[tuple]:
        """Every row of `table` ("articles", "chunks", "article_data", "files"), in row order (for merging)."""
        order = {"articles": "first_row", "chunks": "id", "article_data": "rowid", "files": "rowid"}[table]
        return self._query(f"SELECT * FROM {table} ORDER BY {order}")  # fixed names


def _crc(data: bytes) -> int:
    return zlib.crc32(data)


def _read_tokens(folder: Path, files: dict[str, FileInfo]) -> list[str]:
    """A segment's BM25 vocabulary (terms.tokens), checked."""
    blob = read_checked(folder / "terms.tokens", files["terms.tokens"]).decode("utf-8")
    return blob.split("\n") if blob else []


def segments_dir(index_dir: Path) -> Path:
    """Where the segments of `index_dir` live."""
    return index_dir / SEGMENTS


_SCHEMA = """
PRAGMA journal_mode = OFF;
CREATE TABLE articles (
    id TEXT PRIMARY KEY, title TEXT NOT NULL, text TEXT NOT NULL, paragraphs TEXT NOT NULL,
    content_hash TEXT NOT NULL, url TEXT, source TEXT, date TEXT,
    first_row INTEGER NOT NULL, row_count INTEGER NOT NULL,
    dated TEXT -- the date lists show (YYYY-MM-DD): front matter, else a dateline
    );
CREATE TABLE chunks (
    id INTEGER PRIMARY KEY, article_id TEXT NOT NULL REFERENCES articles(id),
    paragraph INTEGER NOT NULL, start INTEGER NOT NULL, end INTEGER NOT NULL,
    text TEXT NOT NULL, sentences TEXT NOT NULL, search_key TEXT NOT NULL);
-- Per-article derived data (attribution statements, ...): one row per item, JSON values.
CREATE TABLE article_data (article_id TEXT NOT NULL REFERENCES articles(id),
    kind TEXT NOT NULL, value TEXT NOT NULL);
-- The article files as indexed (FileStamp without the segment): what the next build compares with.
CREATE TABLE files (article_id TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
    content_hash TEXT NOT NULL, chunks INTEGER NOT NULL);
-- What each article is recognised by when it comes again (index.identity): addresses and text.
CREATE TABLE article_keys (key TEXT NOT NULL, article_id TEXT NOT NULL);
"""
_INDEXES = """
CREATE INDEX chunks_key ON chunks(search_key);
CREATE INDEX article_data_article ON article_data(article_id, kind);
CREATE INDEX article_keys_key ON article_keys(key);
"""


class SegmentWriter:
    """Writes one new immutable segment batch by batch, so a large build never holds every chunk at once.

    Files go into a temporary folder that `finish` renames into place; any
    failure removes it. Use as a context manager, under `build_lock`.
    """

    def __init__(self, index_dir: Path, *, dimension: int, tokeniser: str) -> None:
        root = segments_dir(index_dir)
        self.dimension = dimension
        self.tokeniser = tokeniser
        self.rows = 0
        try:
            root.mkdir(exist_ok=True)
            number = max((int(p.name[4:10]) for p in root.iterdir() if _SEG_NAME.fullmatch(p.name)), default=0) + 1
            # The random part keeps names unique even after the highest-numbered segment is pruned,
            # so a serving process's cache of loaded segments (by name) can never confuse two.
            self.name = f"seg-{number:06d}-{uuid.uuid4().hex[:8]}"
            self.root = root
            self.tmp = root / f".{self.name}.tmp-{os.getpid()}"
            self.tmp.mkdir()
            self._db = sqlite3.connect(self.tmp / "chunks.sqlite")
            self._db.executescript(_SCHEMA)
            self._vectors = open(self.tmp / "vectors.f32", "wb")  # noqa: SIM115 - closed in finish/abort
        except (OSError, sqlite3.Error) as err:
            self.abort()
            raise disk_error(err, root) from err
        self._vectors_crc = 0
        self._terms = TermCounter()

    def __enter__(self) -> SegmentWriter:
        return self

    def __exit__(self, kind: type | None, err: BaseException | None, tb: object) -> None:
        if err is not None:
            self.abort()
            if isinstance(err, OSError | sqlite3.Error):
                raise disk_error(err, self.tmp) from err

    def add(
        self,
        articles: Sequence[Article],
        chunks: Sequence[Chunk],
        vectors: np.ndarray,
        article_data: Sequence[ArticleDatum] = (),
        stamps: Sequence[FileStamp] = (),
        *,
        tokenise: bool = True,
        keys: Sequence[tuple[str, str]] | None = None,
    ) -> None:
        """Append articles and their chunks (contiguous per article, in order) with the chunks' vectors.

        `stamps`: the articles' files as indexed (what the next build compares with).
        `tokenise=False` when `finish` will be given the segment's postings.
        `keys`: (key, article id) rows the articles are recognised by; derived from them when None.
        """
        first: dict[str, int] = {}
        count: dict[str, int] = {}
        for i, c in enumerate(chunks, start=self.rows):
            first.setdefault(c.article_id, i)
            count[c.article_id] = count.get(c.article_id, 0) + 1
        self._db.executemany(
            "INSERT INTO articles VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                    first.get(a.id, self.rows),
                    count.get(a.id, 0),
                    article_date(a),
                )
                for a in articles
            ),
        )
        self._db.executemany(
            "INSERT INTO chunks VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (i, c.article_id, c.paragraph, c.start, c.end, c.text, json.dumps(c.sentences), c.key)
                for i, c in enumerate(chunks, start=self.rows)
            ),
        )
        self._db.executemany(
            "INSERT INTO article_data VALUES (?, ?, ?)", ((d.article_id, d.kind, d.value) for d in article_data)
        )
        self._db.executemany(
            "INSERT INTO files VALUES (?, ?, ?, ?, ?)",
            ((f.article_id, f.size, f.mtime_ns, f.content_hash, f.chunks) for f in stamps),
        )
        if keys is None:
            keys = [(key, a.id) for a in articles for key in article_keys(a)]
        self._db.executemany("INSERT INTO article_keys VALUES (?, ?)", keys)
        data = memoryview(np.ascontiguousarray(vectors, dtype=np.float32)).cast("B")
        self._vectors.write(data)
        self._vectors_crc = zlib.crc32(data, self._vectors_crc)
        if tokenise:
            self._terms.add([c.search_text for c in chunks])
        self.rows += len(chunks)

    def finish(self, postings: Postings | None = None) -> SegmentRef:
        """Complete the segment (term counts, vector index, metadata) and rename it into place."""
        files: dict[str, FileInfo] = {}
        self._vectors.flush()
        os.fsync(self._vectors.fileno())
        self._vectors.close()
        files["vectors.f32"] = FileInfo(self.rows * self.dimension * 4, self._vectors_crc)
        self._db.executescript(_INDEXES)
        self._db.commit()
        self._db.close()
        db_path = self.tmp / "chunks.sqlite"
        files["chunks.sqlite"] = FileInfo(db_path.stat().st_size, zlib.crc32(db_path.read_bytes()))
        files.update(save_lexical(postings if postings is not None else self._terms.postings(), self.tmp))
        n_postings = files["terms.docs"].size // 4
        self._terms = TermCounter()
        dense = self._vector_index(files["vectors.f32"])
        kind = index_kind(dense)
        if kind == "hnsw":
            # Straight to the file: a serialized copy would hold the graph twice in memory.
            try:
                faiss.write_index(dense, str(self.tmp / "dense.faiss"))
            except RuntimeError as err:  # faiss reports a failed write (a full disk) as RuntimeError
                full = "space" in str(err).lower() or shutil.disk_usage(self.tmp).free < (1 << 20)
                raise OSError(errno.ENOSPC if full else errno.EIO, f"cannot write dense.faiss: {err}") from err
            files["dense.faiss"] = file_info(self.tmp / "dense.faiss")
        del dense
        meta = {
            "rows": self.rows,
            "dimension": self.dimension,
            "kind": kind,
            "tokeniser": self.tokeniser,
            "postings": n_postings,
            "files": {n: vars(f) for n, f in files.items()},
        }
        meta_bytes = json.dumps(meta, indent=0).encode("utf-8")
        write_bytes(self.tmp / SEGMENT_META, meta_bytes)
        fsync_dir(self.tmp)
        os.replace(self.tmp, self.root / self.name)
        fsync_dir(self.root)
        return SegmentRef(name=self.name, rows=self.rows, meta_crc=_crc(meta_bytes), kind=kind, live_rows=self.rows)

    def _vector_index(self, info: FileInfo) -> faiss.Index:
        """The segment's vector index, fed from vectors.f32 in blocks (the index holds its own copy)."""
        empty = np.zeros((0, self.dimension), dtype=np.float32)
        index = build_vector_index(empty, approximate=self.rows >= _vectors.APPROXIMATE_FROM)
        crc = 0
        width = self.dimension * 4
        with open(self.tmp / "vectors.f32", "rb") as fh:
            for start in range(0, self.rows, VECTOR_BLOCK):
                block = fh.read(width * min(VECTOR_BLOCK, self.rows - start))
                crc = zlib.crc32(block, crc)
                index.add(np.frombuffer(block, dtype=np.float32).reshape(-1, self.dimension))
        if index.ntotal != self.rows or crc != info.crc:
            raise CorruptFileError("vectors.f32 changed while the segment was written")
        return index

    def abort(self) -> None:
        """Remove the unfinished segment."""
        for handle in (getattr(self, "_vectors", None), getattr(self, "_db", None)):
            with contextlib.suppress(Exception):
                handle.close()
        if getattr(self, "tmp", None) is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)


def write_segment(index_dir: Path, data: SegmentData, *, tokeniser: str) -> SegmentRef:
    """Write a new immutable segment in one go (see SegmentWriter). Call under `build_lock`."""
    with SegmentWriter(index_dir, dimension=data.vectors.shape[1], tokeniser=tokeniser) as writer:
        writer.add(
            data.articles, data.chunks, data.vectors, data.article_data, data.stamps, tokenise=data.postings is None
        )
        return writer.finish(data.postings)


def save_lexical(postings: Postings, folder: Path) -> dict[str, FileInfo]:
    """Write a segment's BM25 term counts into `folder`; their file records."""
    files = {"terms.tokens": write_bytes(folder / "terms.tokens", "\n".join(postings.tokens).encode("utf-8"))}
    for name, dtype in _TERM_FILES.items():
        files[f"terms.{name}"] = write_array(
            folder / f"terms.{name}", getattr(postings, name).astype(dtype, copy=False)
        )
    return files


def write_merged_segment(
    index_dir: Path,
    parts: Sequence[tuple[Segment, np.ndarray]],
    postings: Postings,
    *,
    tokeniser: str,
    touched: dict[str, FileStamp] | None = None,
) -> SegmentRef:
    """A new segment holding the live rows (mask) of several loaded segments, in order, with merged `postings`.

    `touched`: newer stamps of some of their files (the manifest's overlay), folded into the new segment.
    """
    touched = touched or {}
    with SegmentWriter(index_dir, dimension=parts[0][0].dimension, tokeniser=tokeniser) as writer:
        for segment, live in parts:
            keep = {a for a, (first, count) in segment.article_rows.items() if count == 0 or live[first]}
            by_id = {
                row[0]: article_from_row(row[0], row[1:8]) for row in segment.all_rows("articles") if row[0] in keep
            }
            chunks = [_chunk_from_row(by_id[row[1]], row[1:]) for row in segment.all_rows("chunks") if live[row[0]]]
            data = [ArticleDatum(*row) for row in segment.all_rows("article_data") if row[0] in keep]
            stamps = [
                touched.get(row[0]) or FileStamp(*row[:4], chunks=row[4])
                for row in segment.all_rows("files")
                if row[0] in keep
            ]
            keys = [(key, a) for key, a in segment.key_rows() if a in keep]
            writer.add(list(by_id.values()), chunks, segment.vectors[live], data, stamps, tokenise=False, keys=keys)
        return writer.finish(postings)


def key_rows(db: sqlite3.Connection, keys: Sequence[str] | None = None) -> list[tuple[str, str]]:
    """The (key, article id) rows of a segment's database (see index.identity), of `keys` only when given.

    A segment written before keys were stored has no such table: its keys are derived
    from its articles' rows (until a merge writes them).
    """
    if db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'article_keys'").fetchone() is None:
        rows = db.execute("SELECT id, title, text, paragraphs, content_hash, url, source, date FROM articles")
        derived = [(key, row[0]) for row in rows for key in article_keys(article_from_row(row[0], row[1:]))]
        return derived if keys is None else [row for row in derived if row[0] in set(keys)]
    if keys is None:
        return db.execute("SELECT key, article_id FROM article_keys ORDER BY rowid").fetchall()
    marks = ",".join("?" * len(keys))
    return db.execute(f"SELECT key, article_id FROM article_keys WHERE key IN ({marks})", list(keys)).fetchall()


def article_from_row(article_id: str, row: Sequence) -> Article:
    """An article from its row in a segment's `articles` table (title, text, paragraphs, hash, url, source, date)."""
    title, text, paragraphs, chash, url, source, date = row
    return Article(
        id=article_id,
        title=title,
        text=text,
        paragraphs=tuple(Paragraph(*p) for p in json.loads(paragraphs)),
        content_hash=chash,
        url=url,
        source=source,
        date=date,
    )


def _chunk_from_row(article: Article, row: Sequence) -> Chunk:
    article_id, paragraph, start, end, text, sentences, key = row
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


# ---------------------------------------------------------------------------------------------
# Snapshots


class RowVectors:
    """The chunk vectors of a snapshot, indexed by global row: `vectors[ids]` is an (len(ids), d) array."""

    def __init__(self, parts: Sequence[np.ndarray], offsets: Sequence[int], dimension: int) -> None:
        self._parts = list(parts)
        self._offsets = np.asarray(offsets, dtype=np.int64)
        self.shape = (int(sum(len(p) for p in parts)), dimension)

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, ids: object) -> np.ndarray:
        if isinstance(ids, int | np.integer):
            seg = int(np.searchsorted(self._offsets, ids, side="right")) - 1
            return self._parts[seg][int(ids) - self._offsets[seg]]
        ids = np.asarray(ids, dtype=np.int64)
        if len(self._parts) == 1:
            return self._parts[0][ids]
        out = np.empty((len(ids), self.shape[1]), dtype=np.float32)
        seg = np.searchsorted(self._offsets, ids, side="right") - 1
        for s in np.unique(seg):
            mask = seg == s
            out[mask] = self._parts[s][ids[mask] - self._offsets[s]]
        return out


class Snapshot:
    """One generation of the index, validated and opened as `mode` says (SnapshotMode). Safe to share
    between threads.

    In "lean" mode it offers no search of its own: `dense` is None and `lexical` is a `LexicalStats`.
    """

    def __init__(
        self, index_dir: Path, generation: str, *, reuse: Snapshot | None = None, mode: SnapshotMode = "memory"
    ) -> None:
        self.index_dir = index_dir
        self.generation = generation
        self.path = index_dir / generation
        self.mode: SnapshotMode = mode
        known = reuse.segments_by_name if reuse is not None else {}
        try:
            self.manifest = Manifest.from_json((self.path / MANIFEST).read_text(encoding="utf-8"))
            if self.manifest.format_version != FORMAT_VERSION:
                # Nothing below can be read; check_compatible says what to do.
                self.segments, self._lives, self._offsets = [], [], [0]
                self._init_empty()
                return
            segments = []
            for ref in self.manifest.segments:
                seg = known.get(ref.name)
                if seg is None or seg.meta_crc != ref.meta_crc or seg.mode != mode:
                    seg = Segment(segments_dir(index_dir) / ref.name, ref.meta_crc, mode)
                if seg.rows != ref.rows:
                    raise CorruptFileError(f"segment {ref.name} has {seg.rows} rows, the manifest says {ref.rows}")
                segments.append(seg)
        except READ_ERRORS as err:
            raise IndexUnreadableError(
                f"the index in {index_dir} ({generation}) cannot be read ({type(err).__name__}: {err}). "
                f"{rebuild_hint(index_dir)}"
            ) from err
        self.segments: list[Segment] = segments
        self._lives = [seg.live_mask(ref.deleted) for seg, ref in zip(segments, self.manifest.segments)]
        self._offsets = [0]
        for seg in segments:
            self._offsets.append(self._offsets[-1] + seg.rows)
        dimension = segments[0].dimension if segments else self.manifest.dimension
        self.vectors = RowVectors([s.vectors for s in segments], self._offsets[:-1], dimension)
        self.dense: SegmentedDense | None = None
        self.lexical: LexicalStats
        if mode == "lean":
            self.lexical = LexicalStats([(s.term_stats, live) for s, live in zip(segments, self._lives)])
        else:
            parts = list(zip(segments, self._offsets, self._lives))
            self.dense = SegmentedDense([(s.dense, o, live) for s, o, live in parts])
            previous = reuse.lexical if reuse is not None else None
            self.lexical = SegmentedLexical(
                [(s.postings, o, live) for s, o, live in parts],
                previous=previous if isinstance(previous, SegmentedLexical) else None,
            )
        self._home: dict[str, int] = {}  # article id -> segment holding its live version
        for i, (seg, live) in enumerate(zip(segments, self._lives)):
            for article_id, (first, count) in seg.article_rows.items():
                if count == 0 or live[first]:
                    self._home[article_id] = i
        self._articles: dict[str, Article] = {}

    def _init_empty(self) -> None:
        self.vectors = RowVectors([], [], self.manifest.dimension)
        self.dense = None if self.mode == "lean" else SegmentedDense([])
        self.lexical = LexicalStats() if self.mode == "lean" else SegmentedLexical([])
        self._home = {}
        self._articles = {}

    @property
    def segments_by_name(self) -> dict[str, Segment]:
        """The loaded segments, for a later snapshot to reuse."""
        return {s.name: s for s in self.segments}

    @property
    def size(self) -> int:
        """Number of chunks (live rows)."""
        return self.manifest.chunk_count

    def _locate(self, chunk_id: int) -> tuple[int, int]:
        seg = bisect.bisect_right(self._offsets, int(chunk_id)) - 1
        if not 0 <= seg < len(self.segments):
            raise IndexError(chunk_id)
        return seg, int(chunk_id) - self._offsets[seg]

    def chunk(self, chunk_id: int) -> Chunk:
        """The chunk stored as row `chunk_id` (its vector's row too)."""
        seg, row = self._locate(chunk_id)
        values = self.segments[seg].chunk_row(row)
        return _chunk_from_row(self.article(values[0]), values)

    def article(self, article_id: str) -> Article:
        """The article with this id, as it was indexed."""
        cached = self._articles.get(article_id)
        if cached is not None:
            return cached
        seg = self._home.get(article_id)
        row = self.segments[seg].article_row(article_id) if seg is not None else None
        if row is None:
            raise KeyError(article_id)
        article = article_from_row(article_id, row)
        if self.mode == "lean" and len(self._articles) >= ARTICLE_CACHE:
            self._articles.clear()  # bounded: a lean process's memory must not grow with the articles asked about
        self._articles[article_id] = article
        return article

    def article_rows(self, article_id: str) -> tuple[int, int] | None:
        """(first row, chunk count) of an article's chunks, None when it is not in this snapshot."""
        seg = self._home.get(article_id)
        if seg is None:
            return None
        first, count = self.segments[seg].article_rows[article_id]
        return self._offsets[seg] + first, count

    def content_hashes(self) -> dict[str, str]:
        """Article id -> content hash of every indexed article (what a search backend keeps in step with)."""
        return {
            a: h
            for i, seg in enumerate(self.segments)
            for a, h in seg._query("SELECT id, content_hash FROM articles")
            if self._home.get(a) == i
        }

    def article_data(self, article_id: str, kind: str) -> list[str]:
        """Derived data of one kind stored with an article (JSON texts); [] when there is none."""
        seg = self._home.get(article_id)
        return self.segments[seg].article_data(article_id, kind) if seg is not None else []

    def segment_articles(self, index: int) -> list[str]:
        """The ids of the live articles whose current version segment `index` holds."""
        return [a for a in self.segments[index].article_rows if self._home.get(a) == index]

    def article_vectors(self, article_id: str) -> np.ndarray:
        """The chunk vectors of one indexed article, one row per chunk (KeyError when not indexed)."""
        seg = self._home[article_id]
        first, count = self.segments[seg].article_rows[article_id]
        start = self._offsets[seg] + first
        return self.vectors[np.arange(start, start + count)]

    def articles(self) -> list[ArticleInfo]:
        """Every indexed article, in id order."""
        out = [
            ArticleInfo(id=a, title=title, url=url, chunks=n, date=dated, source=source)
            for i, seg in enumerate(self.segments)
            for a, title, url, n, dated, source in seg.article_titles()
            if self._home.get(a) == i
        ]
        return sorted(out, key=lambda info: info.id)

    def close(self) -> None:
        """Nothing to release: segments (in memory, or their open files in lean mode) are freed with the
        last snapshot using them."""


def generations(index_dir: Path) -> list[str]:
    """Generation folders in `index_dir`, oldest first."""
    try:
        return sorted(p.name for p in index_dir.iterdir() if _GEN_NAME.fullmatch(p.name) and p.is_dir())
    except OSError:
        return []


def open_snapshot(
    index_dir: Path, *, reuse: Snapshot | None = None, fallback: bool = True, mode: SnapshotMode = "memory"
) -> Snapshot:
    """Load the current generation; IndexMissingError when none was built.

    With `fallback`, a current generation that cannot be read (or an unreadable
    CURRENT) gives way to the newest older generation that can, with a warning.
    `mode`: how its segments are held (SnapshotMode; the search backend's `snapshot_mode`).
    """
    gen = current_generation(index_dir)
    if gen is None and not generations(index_dir):
        raise IndexMissingError(f"no index in {index_dir} yet. Build it with: storybot index --index-dir {index_dir}")
    if gen is not None and (index_dir / gen).is_dir():
        try:
            return Snapshot(index_dir, gen, reuse=reuse, mode=mode)
        except IndexUnreadableError as err:
            first_error = err
    elif gen is not None:
        first_error = IndexUnreadableError(
            f"the index in {index_dir} names generation {gen}, which is missing. {rebuild_hint(index_dir)}"
        )
    else:
        first_error = IndexUnreadableError(
            f"the index's CURRENT file in {index_dir} is unreadable. {rebuild_hint(index_dir)}"
        )
    if not fallback:
        raise first_error
    for older in reversed(generations(index_dir)):
        if older == gen:
            continue
        try:
            snapshot = Snapshot(index_dir, older, reuse=reuse, mode=mode)
        except IndexUnreadableError:
            continue
        log.warning("%s; answering from the older generation %s until the index is rebuilt", first_error, older)
        return snapshot
    raise first_error


# ---------------------------------------------------------------------------------------------
# Writing generations


@contextlib.contextmanager
def build_lock(index_dir: Path) -> Iterator[None]:
    """Hold the index directory's build lock (one builder at a time, across processes)."""
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        handle = open(index_dir / ".lock", "a+")  # noqa: SIM115 - held for the whole build
    except OSError as err:
        raise disk_error(err, index_dir / ".lock") from err
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def is_read_only(index_dir: Path) -> bool:
    """True when the index directory exists but cannot be written."""
    return index_dir.is_dir() and not os.access(index_dir, os.W_OK)


def write_generation(index_dir: Path, manifest: Manifest, *, previous: Manifest | None = None) -> str:
    """Write a new generation's manifest and make it current. Call under `build_lock`.

    `previous`: the current generation's manifest when the caller has it (saves parsing it again).
    """
    gen = f"{_GEN_PREFIX}{_next_number(index_dir):06d}"
    tmp = index_dir / f".{gen}.tmp-{os.getpid()}"
    try:
        tmp.mkdir(parents=True)
        write_bytes(tmp / MANIFEST, manifest.to_json().encode("utf-8"))
        fsync_dir(tmp)
        os.replace(tmp, index_dir / gen)
    except BaseException as err:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(err, OSError):
            raise disk_error(err, tmp) from err
        raise
    previous_gen = current_generation(index_dir)
    try:
        _replace_file(index_dir / CURRENT, gen + "\n")
    except OSError as err:
        shutil.rmtree(index_dir / gen, ignore_errors=True)
        raise disk_error(err, index_dir / CURRENT) from err
    except BaseException:
        shutil.rmtree(index_dir / gen, ignore_errors=True)
        raise
    prune(index_dir, keep={gen, previous_gen}, known={gen: manifest, previous_gen: previous})
    return gen


def update_manifest(index_dir: Path, manifest: Manifest) -> None:
    """Replace the current generation's manifest (same index, newer file stamps)."""
    gen = current_generation(index_dir)
    if gen is None:
        raise IndexMissingError(f"no index in {index_dir}")
    try:
        _replace_file(index_dir / gen / MANIFEST, manifest.to_json())
    except OSError as err:
        raise disk_error(err, index_dir / gen / MANIFEST) from err


def _replace_file(path: Path, content: str) -> None:
    replace_file(path, content)


def _next_number(index_dir: Path) -> int:
    numbers = [int(name[len(_GEN_PREFIX) :]) for name in generations(index_dir)]
    current = current_generation(index_dir) or ""
    if current[len(_GEN_PREFIX) :].isdigit():
        numbers.append(int(current[len(_GEN_PREFIX) :]))
    return max(numbers, default=0) + 1


def remove_leftovers(index_dir: Path) -> None:
    """Delete what crashed builds left (temporary generations and segments). Call under `build_lock`."""
    for folder in (index_dir, segments_dir(index_dir)):
        for path in folder.glob(".*.tmp-*") if folder.is_dir() else ():
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)


def prune(index_dir: Path, keep: set[str | None], known: dict[str | None, Manifest | None] | None = None) -> None:
    """Delete generations not in `keep` and the segments no kept generation uses. Call under `build_lock`.

    `known`: manifests of kept generations the caller already has in memory.
    """
    # The previous generation stays, so `ask` can fall back to it if the current one is damaged.
    kept = [g for g in generations(index_dir) if g in keep]
    for name in generations(index_dir):
        if name not in keep:
            shutil.rmtree(index_dir / name, ignore_errors=True)
    used: set[str] = set()
    for gen in kept:
        manifest = (known or {}).get(gen)
        if manifest is not None:
            used.update(ref.name for ref in manifest.segments)
            continue
        try:
            # Only the segment names: parsing every file stamp is most of the cost at 20,000 articles.
            used.update(s["name"] for s in json.loads((index_dir / gen / MANIFEST).read_bytes())["segments"])
        except READ_ERRORS:
            return  # cannot tell which segments it needs: delete none
    root = segments_dir(index_dir)
    for path in root.iterdir() if root.is_dir() else ():
        if _SEG_NAME.fullmatch(path.name) and path.name not in used:
            shutil.rmtree(path, ignore_errors=True)
