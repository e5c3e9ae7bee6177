"""Incremental index builds in O(changed articles): one new segment, deletion marks, threshold merges.

A build compares the article files with the current generation's file stamps
(size and modification time; the content hash when those differ), puts new
and changed articles into one new segment (their chunks embedded, except
those whose search text an existing segment already has, and tokenised),
marks removed and replaced articles deleted, and writes a new generation's
manifest. The stamps of the files a generation indexed live in its segments
(written once with them), so the manifest stays small and nothing else is
read or written: adding an article costs about the same at 1,000 or
1,000,000 chunks, apart from listing the folder and reading the stamps. After the switch, `merge_segments` merges
small segments when too many of a size pile up (and rewrites a segment once
too many of its rows are deleted), as one more generation.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import sqlite3
import sys
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from tqdm import tqdm

from texts import catalogue

from .articles import ARTICLE_SUFFIXES, Article, SkippedFile, list_article_files, load_article
from .chunking import Chunk, chunk_article
from .config import Settings
from .embedding import Encoder
from .errors import IndexMismatchError, StorybotError
from .files import CorruptFileError, FileInfo
from .lexical import TOKENISER, merge_postings
from .reasons import Reason
from .sentence_vectors import SentenceVectors, sentence_texts
from .statement_store import ensure_statements
from .store import (
    FORMAT_VERSION,
    MANIFEST,
    READ_ERRORS,
    SEGMENT_META,
    ArticleDatum,
    FileStamp,
    Manifest,
    Segment,
    SegmentRef,
    SegmentWriter,
    build_lock,
    check_compatible,
    current_generation,
    generations,
    is_read_only,
    key_rows,
    read_manifest,
    remove_leftovers,
    segments_dir,
    update_manifest,
    write_generation,
    write_merged_segment,
)

log = logging.getLogger(__name__)

# Below this many new chunks a progress bar would only flicker.
PROGRESS_FROM = 200
EMBED_BATCH = 1024
MERGE_FACTOR = 6  # this many segments of one size tier are merged into one
TIER_ROWS = 2_000  # tier 0: segments with fewer live rows; tier k+1 is MERGE_FACTOR times larger
COMPACT_SHARE = 0.3  # a segment whose removed rows reach this share is rewritten without them
COMPACT_MIN_ROWS = 200  # ... unless it is this small (tier merges tidy those)
KEY_BATCH = 500  # chunk keys looked up per SQL query
DEFER_FROM = 200  # new files in one build from which they are read batch by batch

# Per-article derived data (e.g. attribution statements): functions called for every new or
# changed article with its chunks; what they return is stored with the article in its segment
# (table article_data) and read back with Snapshot.article_data(article_id, kind).
ArticleDeriver = Callable[[Article, Sequence[Chunk]], Iterable[ArticleDatum]]
ARTICLE_DERIVERS: list[ArticleDeriver] = []


@dataclass(frozen=True)
class BuildSummary:
    """What a build did."""

    articles: int
    chunks: int
    added: int
    changed: int
    removed: int
    unchanged: int
    embedded: int
    reused: int
    seconds: float
    skipped: tuple[SkippedFile, ...] = ()
    reembedded_all: Reason | None = None  # why every article was indexed again (vectors embedded again unless reusable)
    generation: str | None = None  # the new generation, None when nothing changed
    merged: int = 0  # segments merged after the build
    merge_seconds: float = 0.0
    written_bytes: int = 0  # bytes of new segment and manifest files

    @property
    def changed_anything(self) -> bool:
        """True when a new index generation was written."""
        return self.generation is not None

    def to_json(self) -> dict[str, object]:
        """The summary as a JSON-ready dict (the keys `storybot index --json` prints)."""
        return {
            "articles": self.articles,
            "chunks": self.chunks,
            "added": self.added,
            "changed": self.changed,
            "removed": self.removed,
            "unchanged": self.unchanged,
            "embedded": self.embedded,
            "reused": self.reused,
            "seconds": round(self.seconds, 3),
            "merged": self.merged,
            "merge_seconds": round(self.merge_seconds, 3),
            "written_bytes": self.written_bytes,
            "skipped": [{"file": str(s.path), "reason": s.reason, "code": s.why.code} for s in self.skipped],
        }

    def describe(self, language: str = "en") -> str:
        """A short human-readable summary (the command line's is English)."""
        words = catalogue(language).SUMMARY
        seconds = f"{self.seconds:.1f}"
        if not self.changed_anything:
            lines = [words["unchanged"].format(articles=self.articles, chunks=self.chunks, seconds=seconds)]
        else:
            lines = [
                words["indexed"].format(articles=self.articles, chunks=self.chunks, seconds=seconds),
                words["articles"].format(
                    added=self.added, changed=self.changed, removed=self.removed, unchanged=self.unchanged
                ),
                words["chunks"].format(embedded=self.embedded, reused=self.reused),
            ]
        if self.reembedded_all:
            lines.append(words["reembedded"].format(why=self.reembedded_all.describe(language)))
        if self.merged:
            lines.append(words["merged"].format(merged=self.merged, seconds=f"{self.merge_seconds:.1f}"))
        lines += [words["skipped"].format(file=s.path, reason=s.describe_reason(language)) for s in self.skipped]
        return "\n".join(lines)


def scan_files(folder: Path) -> list[tuple[str, FileStamp]]:
    """Every article file with its size and modification time (content hash left empty).

    The same files as `list_article_files` (paths as strings), found with os.scandir:
    at 20,000 articles pathlib's per-file objects took most of a one-article build.
    """
    if not folder.is_dir():
        list_article_files(folder)  # raises the error that says what is wrong with the folder
    found: list[tuple[tuple[str, ...], str, FileStamp]] = []

    def walk(directory: str, parts: tuple[str, ...]) -> None:
        with os.scandir(directory) as entries:
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                if entry.is_dir():
                    walk(entry.path, (*parts, entry.name))
                elif entry.name.lower().endswith(ARTICLE_SUFFIXES) and entry.is_file():
                    try:
                        st = entry.stat()
                    except OSError:
                        continue
                    rel = (*parts, entry.name)
                    stamp = FileStamp("/".join(rel), st.st_size, st.st_mtime_ns, "")
                    found.append((rel, entry.path, stamp))

    walk(str(folder), ())
    found.sort(key=lambda item: item[0])
    return [(path, stamp) for _, path, stamp in found]


class IndexedFiles:
    """The article files a generation indexed, by id: its segments' stamps, with the manifest's newer ones.

    Rows stay plain tuples in FileStamp's field order until one is asked for:
    a build reads one per indexed file, 200,000 at a million chunks.
    """

    def __init__(self, rows: dict[str, tuple] | None = None) -> None:
        self._rows: dict[str, tuple] = rows or {}

    @classmethod
    def read(
        cls, manifest: Manifest, readers: dict[str, SegmentReader], ids: Sequence[str] | None = None
    ) -> IndexedFiles:
        """The files of `manifest`'s generation (its segments opened as `readers`); only `ids` when given."""
        rows: dict[str, tuple] = {}
        for ref in manifest.segments:
            deleted = set(ref.deleted)
            rows.update((row[0], row) for row in readers[ref.name].stamps(ids) if row[0] not in deleted)
        wanted = None if ids is None else set(ids)
        rows.update((t.article_id, tuple(t)) for t in manifest.touched if wanted is None or t.article_id in wanted)
        return cls(rows)

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._rows

    def ids(self) -> set[str]:
        """Every indexed article id."""
        return set(self._rows)

    def get(self, article_id: str) -> FileStamp | None:
        """The stamp of an indexed file, or None."""
        row = self._rows.get(article_id)
        return FileStamp(*row) if row is not None else None

    def unchanged(self, stamp: FileStamp) -> bool:
        """True when the file was indexed with this size and modification time."""
        row = self._rows.get(stamp.article_id)
        return row is not None and row[1] == stamp.size and row[2] == stamp.mtime_ns


def stat_files(folder: Path, ids: Sequence[str]) -> list[tuple[str, FileStamp]]:
    """The article files among `ids` (paths relative to `folder`) that exist, stamped like `scan_files`'s."""
    found = []
    for article_id in ids:
        path = folder / article_id
        try:
            st = path.stat()
        except OSError:
            continue  # gone: removed, if it was indexed
        if path.is_file() and path.name.lower().endswith(ARTICLE_SUFFIXES):
            found.append((str(path), FileStamp(article_id, st.st_size, st.st_mtime_ns, "")))
    return found


def article_ids(folder: Path, paths: Iterable[Path | str]) -> list[str]:
    """The article ids (paths relative to `folder`, "/"-separated) of files inside it; others are left out."""
    root = folder.resolve()
    ids = set()
    for path in paths:
        full = Path(path) if Path(path).is_absolute() else folder / path
        try:
            rel = full.resolve().relative_to(root)
        except ValueError:
            log.warning("%s is not inside the articles folder %s; not indexed", path, folder)
            continue
        if not any(part.startswith(".") for part in rel.parts):
            ids.add("/".join(rel.parts))
    return sorted(ids)


def _stale(indexed: IndexedFiles, skipped: Sequence[FileStamp], files: list[tuple[str, FileStamp]]) -> bool:
    if len(files) != len(indexed) + len(skipped):
        return True
    unusable = {(s.article_id, s.size, s.mtime_ns) for s in skipped}
    return not all(
        indexed.unchanged(stamp) or (stamp.article_id, stamp.size, stamp.mtime_ns) in unusable for _, stamp in files
    )


def _open_readers(index_dir: Path, manifest: Manifest) -> dict[str, SegmentReader]:
    """A reader per segment of `manifest`'s generation; READ_ERRORS when one cannot be opened."""
    return {ref.name: SegmentReader(segments_dir(index_dir) / ref.name, ref) for ref in manifest.segments}


def _close_readers(readers: dict[str, SegmentReader]) -> None:
    for reader in readers.values():
        reader.close()


@contextlib.contextmanager
def _reading(index_dir: Path, manifest: Manifest) -> Iterator[dict[str, SegmentReader]]:
    """`_open_readers`, closed on leaving."""
    readers = _open_readers(index_dir, manifest)
    try:
        yield readers
    finally:
        _close_readers(readers)


def _stale_index(index_dir: Path, manifest: Manifest | None, files: list[tuple[str, FileStamp]]) -> bool:
    """True when `manifest` is missing, of another format or unreadable, or its files are not `files`."""
    if manifest is None or manifest.format_version != FORMAT_VERSION:
        return True
    try:
        with _reading(index_dir, manifest) as readers:
            indexed = IndexedFiles.read(manifest, readers)
    except READ_ERRORS:
        return True
    return _stale(indexed, manifest.skipped, files)


@dataclass(frozen=True)
class KnownArticle:
    """An indexed article found by one of its keys (an address or a text fingerprint)."""

    key: str
    article_id: str
    title: str


def find_articles(index_dir: Path, keys: Sequence[str]) -> list[KnownArticle] | None:
    """The indexed articles (not removed) recognised by any of `keys`, by indexed lookups per segment.

    None when there is no current index of this format, or it cannot be read:
    the caller then has to look at the article files themselves.
    """
    manifest = read_manifest(index_dir)
    if manifest is None or manifest.format_version != FORMAT_VERSION:
        return None
    if not keys:
        return []
    found: list[KnownArticle] = []
    try:
        with _reading(index_dir, manifest) as readers:
            for ref in manifest.segments:
                deleted = set(ref.deleted)
                found += [KnownArticle(*row) for row in readers[ref.name].find_keys(keys) if row[1] not in deleted]
    except READ_ERRORS as err:
        log.warning("looking articles up in the index failed: %s", err)
        return None
    return found


def is_stale(settings: Settings) -> bool:
    """True when the index is missing or unreadable, or the articles folder changed since it was built."""
    manifest = read_manifest(settings.index_dir)
    return manifest is None or _stale_index(settings.index_dir, manifest, scan_files(settings.articles_dir))


class SegmentReader:
    """A previous segment as a build reads it: a few vectors and chunk keys, straight from its files.

    Opening checks the metadata's checksum and every file's size, so a
    truncated or replaced segment is found before anything is reused from it.
    """

    def __init__(self, folder: Path, ref: SegmentRef) -> None:
        meta_bytes = (folder / SEGMENT_META).read_bytes()
        if zlib.crc32(meta_bytes) != ref.meta_crc:
            raise CorruptFileError(f"{folder.name}/{SEGMENT_META} does not match the manifest")
        meta = json.loads(meta_bytes)
        for name, info in meta["files"].items():
            size = (folder / name).stat().st_size
            if size != FileInfo(**info).size:
                raise CorruptFileError(f"{folder.name}/{name} has {size} bytes, expected {info['size']}")
        self.folder = folder
        self.rows = int(meta["rows"])
        self.dimension = int(meta["dimension"])
        self._db: sqlite3.Connection | None = None

    def _connection(self) -> sqlite3.Connection:
        if self._db is None:
            # immutable=1: no lock or journal files, so a read-only folder works too.
            self._db = sqlite3.connect(f"file:{self.folder / 'chunks.sqlite'}?mode=ro&immutable=1", uri=True)
        return self._db

    def stamps(self, ids: Sequence[str] | None = None) -> list[tuple]:
        """The segment's file stamps (of `ids` only, when given) as rows in FileStamp's field order.

        Deleted articles are included: the manifest says which they are.
        """
        sql = "SELECT article_id, size, mtime_ns, content_hash, ?, chunks FROM files"
        if ids is None:
            return self._connection().execute(sql, (self.folder.name,)).fetchall()
        rows: list[tuple] = []
        for start in range(0, len(ids), KEY_BATCH):
            batch = list(ids[start : start + KEY_BATCH])
            where = f" WHERE article_id IN ({','.join('?' * len(batch))})"
            rows += self._connection().execute(sql + where, (self.folder.name, *batch)).fetchall()
        return rows

    def rows_for_keys(self, keys: Sequence[str]) -> dict[str, int]:
        """Row of each of `keys` this segment holds."""
        db = self._connection()
        found: dict[str, int] = {}
        for start in range(0, len(keys), KEY_BATCH):
            batch = list(keys[start : start + KEY_BATCH])
            marks = ",".join("?" * len(batch))
            found.update(db.execute(f"SELECT search_key, id FROM chunks WHERE search_key IN ({marks})", batch))
        return found

    def find_keys(self, keys: Sequence[str]) -> list[tuple[str, str, str]]:
        """(key, article id, title) of the segment's articles recognised by any of `keys` (index.identity)."""
        db = self._connection()
        found = key_rows(db, keys)
        ids = sorted({article_id for _, article_id in found})
        marks = ",".join("?" * len(ids))
        titles = dict(db.execute(f"SELECT id, title FROM articles WHERE id IN ({marks})", ids)) if ids else {}
        return [(key, article_id, titles[article_id]) for key, article_id in found]

    def vectors(self, rows: Sequence[int]) -> np.ndarray:
        """The vectors of `rows`, read from the segment's file (no memory map)."""
        width = self.dimension * 4
        out = np.empty((len(rows), self.dimension), dtype=np.float32)
        with open(self.folder / "vectors.f32", "rb") as fh:
            fd = fh.fileno()
            for i, row in enumerate(rows):
                data = os.pread(fd, width, int(row) * width)
                if len(data) != width:
                    raise CorruptFileError(f"{self.folder.name}/vectors.f32 is shorter than its metadata says")
                out[i] = np.frombuffer(data, dtype=np.float32)
        return out

    def close(self) -> None:
        """Close the database handle."""
        if self._db is not None:
            self._db.close()


@dataclass
class _Base:
    """The generation a build starts from."""

    manifest: Manifest
    readers: dict[str, SegmentReader]
    retokenise: bool  # the tokeniser or format changed: every article goes into the new segment
    indexed: IndexedFiles  # what it indexed (empty when every article goes into the new segment anyway)


def build_index(
    settings: Settings,
    encoder: Encoder,
    *,
    progress: bool | None = None,
    merge: bool = True,
    only: Iterable[Path | str] | None = None,
) -> BuildSummary:
    """Bring the index in `settings.index_dir` up to date with `settings.articles_dir`.

    Only new and changed articles are read, chunked and written (into one new
    segment); only chunks whose text no segment has yet are embedded. When
    nothing changed, no new generation is written. With `merge`, segments
    that piled up are merged afterwards (`merge_segments`).

    `only`: the article files (inside the articles folder) known to have been
    added, changed or deleted, as when an upload, a link or a feed saves one.
    The build then looks at those alone and takes every other file as
    indexed, so its cost does not grow with the folder; a full build (None)
    compares every file.
    """
    started = time.perf_counter()
    scope = None if only is None else article_ids(settings.articles_dir, only)
    files = scan_files(settings.articles_dir) if scope is None else stat_files(settings.articles_dir, scope)
    if is_read_only(settings.index_dir):
        return _read_only(settings, scan_files(settings.articles_dir) if scope is not None else files, started)
    with build_lock(settings.index_dir):
        remove_leftovers(settings.index_dir)
        base, why_all = _previous(settings, encoder, scope)
        if scope is not None and (base is None or base.retokenise):
            # Nothing to build on (or everything is indexed again): a full build.
            _close_readers(base.readers if base is not None else {})
            scope, files = None, scan_files(settings.articles_dir)
            base, why_all = _previous(settings, encoder, None)
        try:
            summary = _build(settings, encoder, files, base, why_all, started, progress, scope)
        finally:
            _close_readers(base.readers if base is not None else {})
        if merge and summary.changed_anything:
            merge_started = time.perf_counter()
            merged = merge_segments(settings.index_dir)
            if merged:
                summary = replace(
                    summary,
                    merged=merged,
                    merge_seconds=time.perf_counter() - merge_started,
                    generation=current_generation(settings.index_dir),
                )
        return summary


def _read_only(settings: Settings, files: list[tuple[str, FileStamp]], started: float) -> BuildSummary:
    manifest = read_manifest(settings.index_dir)
    if _stale_index(settings.index_dir, manifest, files):
        state = "has no usable index" if manifest is None else "is older than the articles"
        raise StorybotError(
            f"the index directory {settings.index_dir} is read-only and {state}; make it writable "
            "(or point --index-dir elsewhere) and run storybot index again"
        )
    return BuildSummary(
        articles=manifest.article_count,
        chunks=manifest.chunk_count,
        added=0,
        changed=0,
        removed=0,
        unchanged=manifest.article_count,
        embedded=0,
        reused=manifest.chunk_count,
        seconds=time.perf_counter() - started,
    )


def _previous(
    settings: Settings, encoder: Encoder, scope: Sequence[str] | None
) -> tuple[_Base | None, Reason | None]:
    """The generation to build on (the stamps of `scope`'s files only, when given), or None and why not."""
    index_dir = settings.index_dir
    gen = current_generation(index_dir)
    if gen is None:
        if (index_dir / "CURRENT").exists() or generations(index_dir):
            return None, Reason.of("current_unreadable")
        return None, None
    manifest = read_manifest(index_dir, gen)
    if manifest is None:
        return None, Reason.of("manifest_unreadable", generation=gen)
    try:
        check_compatible(
            manifest,
            index_dir,
            model=encoder.name,
            query_prompt=encoder.query_prompt,
            passage_prompt=encoder.passage_prompt,
        )
    except IndexMismatchError as err:
        log.info("previous index not reused: %s", err)
        if manifest.model != encoder.name:
            return None, Reason.of("model_changed", old=manifest.model, new=encoder.name)
        if manifest.format_version == FORMAT_VERSION:
            return None, Reason.of("prompts_changed")
        # Same model, older format: every article is indexed again, but the vectors its
        # segments hold (same layout in every format) are reused rather than embedded.
        why = Reason.of("format_changed", old=manifest.format_version, new=FORMAT_VERSION)
        with contextlib.suppress(*READ_ERRORS):
            return _Base(manifest, _open_readers(index_dir, manifest), retokenise=True, indexed=IndexedFiles()), why
        return None, why
    readers: dict[str, SegmentReader] = {}
    try:
        readers = _open_readers(index_dir, manifest)
        indexed = IndexedFiles.read(manifest, readers, scope)
    except READ_ERRORS as err:
        _close_readers(readers)
        log.warning("previous index %s cannot be read: %s", gen, err)
        return None, Reason.of("index_unreadable", error=err)
    return _Base(manifest, readers, retokenise=manifest.tokeniser != TOKENISER, indexed=indexed), None


def _build(
    settings: Settings,
    encoder: Encoder,
    files: list[tuple[str, FileStamp]],
    base: _Base | None,
    why_all: Reason | None,
    started: float,
    progress: bool | None,
    scope: Sequence[str] | None = None,
) -> BuildSummary:
    """The build proper; with `scope`, `files` and `base.indexed` cover those files only."""
    indexed = base.indexed if base is not None else IndexedFiles()
    trust = base is not None and not base.retokenise
    kept = 0  # unchanged articles, left in their segments
    touched: list[FileStamp] = []  # ... of which the file was touched (same content, new stamp)
    # Articles for the new segment. A large build reads new files only when their batch is
    # written (None until then): 20,000 articles' text at once would be ~200 MB of peak memory.
    todo: list[tuple[Article | None, FileStamp, str]] = []
    skipped: list[SkippedFile] = []
    skipped_stamps: list[FileStamp] = []
    new_files = sum(stamp.article_id not in indexed for _, stamp in files)
    for path, stamp in files:
        if trust and indexed.unchanged(stamp):
            kept += 1
            continue
        prev = indexed.get(stamp.article_id)
        if prev is None and new_files > DEFER_FROM:
            todo.append((None, stamp, path))
            continue
        result = load_article(settings.articles_dir, Path(path))
        if isinstance(result, SkippedFile):
            skipped.append(result)
            skipped_stamps.append(stamp)
            continue
        if trust and prev is not None and prev.content_hash == result.content_hash:
            touched.append(prev._replace(size=stamp.size, mtime_ns=stamp.mtime_ns))
            kept += 1
            continue
        todo.append((result, stamp._replace(content_hash=result.content_hash), path))
    # Out of scope, every indexed article stays as it is.
    before = base.manifest.article_count - len(indexed) if scope is not None and base is not None else 0
    if not before and not kept and not todo:
        detail = "".join(f"\n  {s}" for s in skipped)
        raise StorybotError(
            f"no usable articles in {settings.articles_dir}: add UTF-8 .txt or .md files there "
            f"(the first line is the title).{detail}"
        )

    present = {stamp.article_id for _, stamp in files} - {s.article_id for s in skipped_stamps}
    added = sum(s.article_id not in indexed for _, s, _ in todo)
    changed = sum(_changed(indexed, s) for _, s, _ in todo)
    removed_ids = sorted(indexed.ids() - present)
    unchanged = before + len(present) - added - changed

    in_scope = set(scope or ())
    kept_skipped = [s for s in base.manifest.skipped if s.article_id not in in_scope] if scope is not None else []

    def unusable() -> tuple[FileStamp, ...]:
        return tuple(sorted([*kept_skipped, *skipped_stamps]))

    def summary(chunks: int, embedded: int, generation: str | None = None, written: int = 0) -> BuildSummary:
        return BuildSummary(
            articles=before + len(present),
            chunks=chunks,
            added=added,
            changed=changed,
            removed=len(removed_ids),
            unchanged=unchanged,
            embedded=embedded,
            reused=chunks - embedded,
            seconds=time.perf_counter() - started,
            skipped=tuple(skipped),
            reembedded_all=why_all,
            generation=generation,
            written_bytes=written,
        )

    if base is not None and not (added or changed or removed_ids or base.retokenise):
        # Same content (files only touched, or a file became unusable): keep the
        # generation, refresh the stamps so the index is not seen as stale.
        overlay = _overlay(base.manifest.touched, touched, gone=())
        if (overlay, unusable()) != (base.manifest.touched, tuple(sorted(base.manifest.skipped))):
            update_manifest(settings.index_dir, replace(base.manifest, touched=overlay, skipped=unusable()))
        return summary(base.manifest.chunk_count, 0)

    refs = list(base.manifest.segments) if trust else []
    new_stamps: list[FileStamp] = []
    embedded = 0
    written = 0
    if todo:  # else only removals: a new manifest is all there is to write
        writer = SegmentWriter(settings.index_dir, dimension=encoder.dimension, tokeniser=TOKENISER)
        sentences = SentenceVectors(settings.index_dir, encoder)
        with writer, contextlib.closing(sentences):
            show = sys.stderr.isatty() and len(todo) >= PROGRESS_FROM // 5 if progress is None else progress
            with tqdm(total=len(todo), desc="Indexing", unit="article", disable=not show) as bar:
                # In batches of about EMBED_BATCH chunks: a large build never holds every chunk at once.
                for batch in _batches(todo):
                    batch = _read_deferred(settings.articles_dir, batch, skipped, skipped_stamps)
                    chunks_of = {a.id: chunk_article(a) for a, _ in batch}
                    chunks = [c for a, _ in batch for c in chunks_of[a.id]]
                    vectors, n = _vectors(chunks, encoder, base)
                    embedded += n
                    data = [d for a, _ in batch for derive in ARTICLE_DERIVERS for d in derive(a, chunks_of[a.id])]
                    # Sentence vectors before the generation that needs them is made current;
                    # known sentences are skipped by key (see sentence_vectors.py).
                    sentences.add(sentence_texts(chunks))
                    # Who said what: analysed once per article version, kept beside the generations.
                    ensure_statements(settings.index_dir, [a for a, _ in batch], prune=False)
                    stamps = [s._replace(segment=writer.name, chunks=len(chunks_of[a.id])) for a, s in batch]
                    writer.add([a for a, _ in batch], chunks, vectors, data, stamps)
                    new_stamps += stamps
                    bar.update(len(batch))
            if not before and not kept and not new_stamps:
                raise StorybotError(f"no usable articles in {settings.articles_dir}: " + "; ".join(map(str, skipped)))
            new_ref = writer.finish()
        # Deferred files that turned out unusable are neither added nor present.
        present -= {s.article_id for s in skipped_stamps}
        added = sum(s.article_id not in indexed for s in new_stamps)
        written += _folder_size(segments_dir(settings.index_dir) / new_ref.name)
        refs.append(new_ref)
    # Replaced and removed articles are marked deleted in the segment that held them.
    gone = [s.article_id for s in new_stamps if s.article_id in indexed] + removed_ids
    marks: dict[str, list[FileStamp]] = {}
    for stamp in map(indexed.get, gone):
        if stamp is not None:
            marks.setdefault(stamp.segment, []).append(stamp)
    refs = [
        replace(
            ref,
            deleted=tuple(sorted({*ref.deleted, *(s.article_id for s in marks.get(ref.name, ()))})),
            live_rows=ref.live_rows - sum(s.chunks for s in marks.get(ref.name, ())),
        )
        for ref in refs
    ]
    refs = [ref for ref in refs if ref.live_rows > 0]  # a segment whose articles are all gone leaves the index
    overlay = _overlay(base.manifest.touched if trust else (), touched, gone=gone)
    manifest = _manifest(encoder, before + len(present), unusable(), refs, overlay)
    generation = write_generation(settings.index_dir, manifest, previous=base.manifest if base else None)
    written += (settings.index_dir / generation / MANIFEST).stat().st_size
    return summary(manifest.chunk_count, embedded, generation, written)


def _changed(indexed: IndexedFiles, stamp: FileStamp) -> bool:
    prev = indexed.get(stamp.article_id)
    return prev is not None and prev.content_hash != stamp.content_hash


def _overlay(
    previous: Sequence[FileStamp], touched: Sequence[FileStamp], gone: Iterable[str]
) -> tuple[FileStamp, ...]:
    """The manifest's touched stamps: the previous ones, updated by this build's, without the articles gone."""
    by_id = {s.article_id: s for s in previous}
    by_id.update((s.article_id, s) for s in touched)
    for article_id in gone:
        by_id.pop(article_id, None)
    return tuple(sorted(by_id.values()))


def _manifest(
    encoder: Encoder,
    articles: int,
    skipped: Sequence[FileStamp],
    refs: Sequence[SegmentRef],
    touched: Sequence[FileStamp],
) -> Manifest:
    return Manifest(
        format_version=FORMAT_VERSION,
        model=encoder.name,
        dimension=encoder.dimension,
        query_prompt=encoder.query_prompt,
        passage_prompt=encoder.passage_prompt,
        vector_index="hnsw" if any(r.kind == "hnsw" for r in refs) else "flat",
        article_count=articles,
        chunk_count=sum(r.live_rows for r in refs),
        built_at=datetime.now(UTC).isoformat(timespec="seconds"),
        skipped=tuple(skipped),
        segments=tuple(refs),
        tokeniser=TOKENISER,
        touched=tuple(touched),
    )


def _folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.iterdir())


def _batches(
    todo: list[tuple[Article | None, FileStamp, str]],
) -> Iterable[list[tuple[Article | None, FileStamp, str]]]:
    """Articles in groups of about EMBED_BATCH chunks (paragraphs stand in for chunks; 5 for an unread file)."""
    batch: list[tuple[Article | None, FileStamp, str]] = []
    size = 0
    for item in todo:
        batch.append(item)
        size += len(item[0].paragraphs) if item[0] is not None else 5
        if size >= EMBED_BATCH:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _read_deferred(
    folder: Path,
    batch: list[tuple[Article | None, FileStamp, str]],
    skipped: list[SkippedFile],
    skipped_stamps: list[FileStamp],
) -> list[tuple[Article, FileStamp]]:
    """The batch with its unread files read (their stamps completed); unusable ones moved to `skipped`."""
    out = []
    for article, stamp, path in batch:
        if article is None:
            result = load_article(folder, Path(path))
            if isinstance(result, SkippedFile):
                skipped.append(result)
                skipped_stamps.append(stamp)
                continue
            article, stamp = result, stamp._replace(content_hash=result.content_hash)
        out.append((article, stamp))
    return out


def _vectors(chunks: list[Chunk], encoder: Encoder, base: _Base | None) -> tuple[np.ndarray, int]:
    """Vectors for `chunks` in order: read from a previous segment holding the same search text, else embedded."""
    vectors = np.zeros((len(chunks), encoder.dimension), dtype=np.float32)
    missing: dict[str, list[int]] = {}
    for i, c in enumerate(chunks):
        missing.setdefault(c.key, []).append(i)
    for reader in base.readers.values() if base is not None else ():
        if not missing:
            break
        found = reader.rows_for_keys(list(missing))
        if found:
            keys = list(found)
            rows = reader.vectors([found[k] for k in keys])
            for key, vector in zip(keys, rows):
                vectors[missing.pop(key)] = vector
    todo = sorted(i for positions in missing.values() for i in positions)
    if todo:
        # sentence-transformers sorts a batch by length itself, so batches of EMBED_BATCH
        # embed as fast as one call would.
        vectors[todo] = encoder.encode_passages([chunks[i].search_text for i in todo])
    return vectors, len(todo)


def plan_merge(manifest: Manifest) -> list[SegmentRef]:
    """The segments to merge next (one, to drop its deleted rows; or a full tier), or []."""
    for ref in manifest.segments:
        dead = ref.rows - ref.live_rows
        if ref.rows >= COMPACT_MIN_ROWS and dead >= COMPACT_SHARE * ref.rows:
            return [ref]
    tiers: dict[int, list[SegmentRef]] = {}
    for ref in manifest.segments:
        rows = ref.live_rows
        tier = 0 if rows < TIER_ROWS else int(math.log(rows / TIER_ROWS, MERGE_FACTOR)) + 1
        tiers.setdefault(tier, []).append(ref)
    for tier in sorted(tiers):
        if len(tiers[tier]) >= MERGE_FACTOR:
            return tiers[tier]
    return []


def merge_segments(index_dir: Path, *, max_rounds: int = 8) -> int:
    """Merge segments while `plan_merge` asks for it, each merge a new generation; segments merged.

    Call under `build_lock`. A merge reads its segments whole (validated) and
    writes one new segment without their deleted rows; readers switch to it
    like to any generation.
    """
    merged = 0
    for _ in range(max_rounds):
        manifest = read_manifest(index_dir)
        plan = plan_merge(manifest) if manifest is not None else []
        if not plan:
            break
        segments = [Segment(segments_dir(index_dir) / ref.name, ref.meta_crc) for ref in plan]
        parts = [(seg, seg.live_mask(ref.deleted)) for seg, ref in zip(segments, plan)]
        postings = merge_postings([(seg.postings, live) for seg, live in parts])
        names = {ref.name for ref in plan}
        # The newer stamps of files touched since are folded into the merged segment's own.
        folded = {s.article_id: s for s in manifest.touched if s.segment in names}
        new_ref = write_merged_segment(index_dir, parts, postings, tokeniser=manifest.tokeniser, touched=folded)
        del segments, parts, postings
        refs = [r for r in manifest.segments if r.name not in names]
        refs.insert(min(i for i, r in enumerate(manifest.segments) if r.name in names), new_ref)
        write_generation(
            index_dir,
            previous=manifest,
            manifest=replace(
                manifest,
                segments=tuple(refs),
                touched=tuple(s for s in manifest.touched if s.segment not in names),
                vector_index="hnsw" if any(r.kind == "hnsw" for r in refs) else "flat",
                built_at=datetime.now(UTC).isoformat(timespec="seconds"),
            ),
        )
        log.info("merged %d segment(s) into %s (%d rows)", len(plan), new_ref.name, new_ref.rows)
        merged += len(plan)
    return merged
