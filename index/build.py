"""Incremental index builds: new and changed articles are embedded, the rest reused."""

from __future__ import annotations

import logging
import sys
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from tqdm import tqdm

from .articles import Article, SkippedFile, article_id, list_article_files, load_article
from .chunking import Chunk, chunk_article
from .config import Settings
from .embedding import Encoder
from .errors import IndexMismatchError, StorybotError
from .lexical import build_lexical
from .sentence_vectors import index_sentences
from .statement_store import ensure_statements, statements_key
from .store import (
    FORMAT_VERSION,
    FileStamp,
    Manifest,
    Snapshot,
    build_lock,
    check_compatible,
    open_snapshot,
    read_manifest,
    update_manifest,
    write_generation,
)
from .vectors import build_vector_index, index_kind

log = logging.getLogger(__name__)

# Below this many new chunks a progress bar would only flicker.
PROGRESS_FROM = 200
EMBED_BATCH = 1024


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
    reembedded_all: str = ""  # why every chunk was embedded again, if it was
    generation: str | None = None  # the new generation, None when nothing changed

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
            "skipped": [{"file": str(s.path), "reason": s.reason} for s in self.skipped],
        }

    def describe(self) -> str:
        """A short human-readable summary."""
        lines = [
            f"Indexed {self.articles} article(s), {self.chunks} chunk(s) in {self.seconds:.1f} s.",
            f"Articles: {self.added} added, {self.changed} changed, {self.removed} removed, "
            f"{self.unchanged} unchanged.",
            f"Chunks: {self.embedded} embedded, {self.reused} reused.",
        ]
        if self.reembedded_all:
            lines.append(f"Every chunk was embedded again: {self.reembedded_all}.")
        if not self.changed_anything:
            lines.append("Nothing changed; the index is up to date.")
        lines += [f"Skipped {s.path}: {s.reason}." for s in self.skipped]
        return "\n".join(lines)


def scan_files(folder: Path) -> list[tuple[Path, FileStamp]]:
    """Every article file with its size and modification time (content hash left empty)."""
    out = []
    for path in list_article_files(folder):
        try:
            st = path.stat()
        except OSError:
            continue
        out.append((path, FileStamp(article_id(folder, path), st.st_size, st.st_mtime_ns, "")))
    return out


def _stamp_key(stamp: FileStamp) -> tuple[str, int, int]:
    return (stamp.article_id, stamp.size, stamp.mtime_ns)


def is_stale(settings: Settings) -> bool:
    """True when the index is missing or the articles folder changed since it was built."""
    manifest = read_manifest(settings.index_dir)
    if manifest is None:
        return True
    on_disk = {_stamp_key(stamp) for _, stamp in scan_files(settings.articles_dir)}
    indexed = {_stamp_key(s) for s in (*manifest.files, *manifest.skipped)}
    return on_disk != indexed


def build_index(settings: Settings, encoder: Encoder, *, progress: bool | None = None) -> BuildSummary:
    """Bring the index in `settings.index_dir` up to date with `settings.articles_dir`.

    Only chunks whose text is new are embedded; the others reuse their stored
    vectors. When nothing changed, no new generation is written.
    """
    started = time.perf_counter()
    files = scan_files(settings.articles_dir)
    with build_lock(settings.index_dir):
        previous, why_all = _previous(settings, encoder)
        try:
            return _build(settings, encoder, files, previous, why_all, started, progress)
        finally:
            if previous is not None:
                previous.close()


def _previous(settings: Settings, encoder: Encoder) -> tuple[Snapshot | None, str]:
    manifest = read_manifest(settings.index_dir)
    if manifest is None:
        return None, ""
    try:
        check_compatible(
            manifest,
            settings.index_dir,
            model=encoder.name,
            query_prompt=encoder.query_prompt,
            passage_prompt=encoder.passage_prompt,
        )
        return open_snapshot(settings.index_dir), ""
    except IndexMismatchError as err:
        log.info("previous index not reused: %s", err)
        if manifest.format_version != FORMAT_VERSION:
            return None, f"the index format changed (version {manifest.format_version} -> {FORMAT_VERSION})"
        if manifest.model != encoder.name:
            return None, f"the model changed ({manifest.model} -> {encoder.name})"
        return None, "the model prompts changed"


def _build(
    settings: Settings,
    encoder: Encoder,
    files: list[tuple[Path, FileStamp]],
    previous: Snapshot | None,
    why_all: str,
    started: float,
    progress: bool | None,
) -> BuildSummary:
    old_hashes = {s.article_id: s.content_hash for s in previous.manifest.files} if previous else {}
    articles: list[Article] = []
    skipped: list[SkippedFile] = []
    stamps: list[FileStamp] = []
    skipped_stamps: list[FileStamp] = []
    for path, stamp in files:
        result = load_article(settings.articles_dir, path)
        if isinstance(result, SkippedFile):
            skipped.append(result)
            skipped_stamps.append(stamp)
            continue
        articles.append(result)
        stamps.append(FileStamp(stamp.article_id, stamp.size, stamp.mtime_ns, result.content_hash))
    if not articles:
        detail = "".join(f"\n  {s}" for s in skipped)
        raise StorybotError(
            f"no usable articles in {settings.articles_dir}: add UTF-8 .txt or .md files there "
            f"(the first line is the title).{detail}"
        )

    added = sum(a.id not in old_hashes for a in articles)
    changed = sum(a.id in old_hashes and old_hashes[a.id] != a.content_hash for a in articles)
    removed = len(set(old_hashes) - {a.id for a in articles})
    unchanged = len(articles) - added - changed

    chunks: list[Chunk] = [c for a in articles for c in chunk_article(a)]
    # Who said what: analysed once per article version, kept beside the generations.
    ensure_statements(
        settings.index_dir,
        articles,
        keep=[statements_key(s.article_id, s.content_hash) for s in previous.manifest.files] if previous else (),
    )
    manifest = Manifest(
        format_version=FORMAT_VERSION,
        model=encoder.name,
        dimension=encoder.dimension,
        query_prompt=encoder.query_prompt,
        passage_prompt=encoder.passage_prompt,
        vector_index="",
        article_count=len(articles),
        chunk_count=len(chunks),
        built_at=datetime.now(UTC).isoformat(timespec="seconds"),
        files=tuple(stamps),
        skipped=tuple(skipped_stamps),
    )
    if previous is not None and not (added or changed or removed):
        # Same content (files only touched, or a file became unusable): keep the
        # generation, refresh the stamps so the index is not seen as stale.
        update_manifest(settings.index_dir, _with_kind(manifest, previous.manifest.vector_index))
        return BuildSummary(
            articles=len(articles),
            chunks=previous.size,
            added=0,
            changed=0,
            removed=0,
            unchanged=unchanged,
            embedded=0,
            reused=previous.size,
            seconds=time.perf_counter() - started,
            skipped=tuple(skipped),
        )

    # Row of each chunk whose search text the previous generation already has: its
    # vector and its BM25 term counts are reused rather than computed again.
    rows = previous.vector_rows() if previous is not None else {}
    reuse = {i: rows[c.key] for i, c in enumerate(chunks) if c.key in rows}
    vectors, embedded = _vectors(chunks, encoder, previous, reuse, progress)
    graph = previous is not None and previous.manifest.vector_index == "hnsw"
    dense = build_vector_index(
        vectors,
        previous=previous.dense if graph else None,
        previous_keys=previous.chunk_keys() if graph else None,
        keys=[c.key for c in chunks],
    )
    lexical = build_lexical(
        (c.search_text for c in chunks), previous=previous.lexical if previous is not None else None, reuse=reuse
    )
    # Sentence vectors first: a generation made current finds all of its own.
    index_sentences(
        settings.index_dir,
        encoder,
        chunks,
        [c for i, c in enumerate(chunks) if i not in reuse],
        prune=bool(changed or removed),
        progress=bool(progress),
    )
    generation = write_generation(
        settings.index_dir, _with_kind(manifest, index_kind(dense)), articles, chunks, vectors, dense, lexical
    )
    return BuildSummary(
        articles=len(articles),
        chunks=len(chunks),
        added=added,
        changed=changed,
        removed=removed,
        unchanged=unchanged,
        embedded=embedded,
        reused=len(chunks) - embedded,
        seconds=time.perf_counter() - started,
        skipped=tuple(skipped),
        reembedded_all=why_all,
        generation=generation,
    )


def _with_kind(manifest: Manifest, kind: str) -> Manifest:
    return replace(manifest, vector_index=kind)


def _vectors(
    chunks: list[Chunk], encoder: Encoder, previous: Snapshot | None, reuse: dict[int, int], progress: bool | None
) -> tuple[np.ndarray, int]:
    """Vectors for `chunks` in order, reusing the previous generation's rows given by `reuse`."""
    vectors = np.zeros((len(chunks), encoder.dimension), dtype=np.float32)
    if reuse and previous is not None:
        new_rows = np.fromiter(reuse.keys(), dtype=np.int64, count=len(reuse))
        old_rows = np.fromiter(reuse.values(), dtype=np.int64, count=len(reuse))
        vectors[new_rows] = previous.vectors[old_rows]
    todo = [i for i in range(len(chunks)) if i not in reuse]
    show = sys.stderr.isatty() and len(todo) >= PROGRESS_FROM if progress is None else progress
    with tqdm(total=len(todo), desc="Embedding", unit="chunk", disable=not show or not todo) as bar:
        # Batches of EMBED_BATCH keep the bar moving; within each, sentence-transformers
        # sorts by length as it would for one call, so throughput is unchanged.
        for start in range(0, len(todo), EMBED_BATCH):
            rows = todo[start : start + EMBED_BATCH]
            vectors[rows] = encoder.encode_passages([chunks[i].search_text for i in rows])
            bar.update(len(rows))
    return vectors, len(todo)
