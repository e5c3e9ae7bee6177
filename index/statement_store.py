"""Attribution statements on disk: one small file per article version, beside the generations.

Layout inside the index directory::

    statements/v1/<key>.json    the statements of one article version

The key hashes the article id and its content hash, so an unchanged article
keeps its file from build to build and is never analysed again, and an edited
one gets a new file. Each file is written to a temporary name and renamed into
place, before the generation that uses it is made current; files no longer
used by the current or the previous generation are removed after a build.
Offsets are stored, not text: every span is read back from the article text,
so a quote is verbatim by construction.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import itertools
import json
import logging
import os
from collections.abc import Iterable
from pathlib import Path

from .articles import Article
from .attribution import EXTRACTOR_VERSION, Span, Statement, extract_statements
from .store import fsync_dir

log = logging.getLogger(__name__)

STATEMENTS = "statements"
OLD_FILES_PER_BUILD = 2_000  # statement files of older extractor versions removed per build


def statements_key(article_id: str, content_hash: str) -> str:
    """The file name (without suffix) of one article version's statements."""
    return hashlib.sha256(f"{article_id}\0{content_hash}".encode()).hexdigest()[:40]


def folder(index_dir: Path) -> Path:
    """Where this extractor version keeps its statement files."""
    return index_dir / STATEMENTS / f"v{EXTRACTOR_VERSION}"


def ensure_statements(
    index_dir: Path, articles: list[Article], keep: Iterable[str] = (), *, prune: bool = True
) -> int:
    """Analyse every article that has no statement file yet; return how many were analysed.

    With `prune`, files of articles not in `articles` are removed unless their
    key is in `keep` (the previous generation's, which a reader may still be
    using). An incremental build passes only the articles it adds, without
    pruning: a file no generation uses costs only disk space.
    """
    target = folder(index_dir)
    target.mkdir(parents=True, exist_ok=True)
    wanted = {statements_key(a.id, a.content_hash): a for a in articles}
    if prune:
        for leftover in target.glob(".*.tmp-*"):
            leftover.unlink(missing_ok=True)  # a crashed build's; we hold the build lock
        present = {p.stem for p in target.glob("*.json")}
    else:  # an incremental build: look up only its own articles' files, not the whole folder
        present = {key for key in wanted if (target / f"{key}.json").exists()}
    analysed = 0
    for key, article in wanted.items():
        if key not in present:
            _write(target / f"{key}.json", encode(extract_statements(article)))
            analysed += 1
    if analysed:
        fsync_dir(target)
    if prune:
        keep_set = set(wanted) | set(keep)
        for stem in present - keep_set:
            (target / f"{stem}.json").unlink(missing_ok=True)
    _remove_old_versions(index_dir)
    return analysed


def load_statements(index_dir: Path, article: Article) -> tuple[Statement, ...]:
    """The stored statements of `article` (extracted afresh when the index has none for it)."""
    path = folder(index_dir) / f"{statements_key(article.id, article.content_hash)}.json"
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        return tuple(extract_statements(article))  # an index built before statements were stored
    return _load(path, mtime, article)


@functools.lru_cache(maxsize=4096)
def _load(path: Path, mtime: int, article: Article) -> tuple[Statement, ...]:
    try:
        return decode(json.loads(path.read_text(encoding="utf-8")), article)
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        log.warning("statement file %s unreadable; analysing %s again", path, article.id)
        return tuple(extract_statements(article))


def encode(statements: list[Statement]) -> list[dict[str, object]]:
    """Statements as JSON-ready records of offsets."""
    return [
        {
            "p": s.paragraph,
            "s": [s.sentence.start, s.sentence.end],
            "sp": [s.speaker.start, s.speaker.end],
            "a": s.act,
            "c": [s.content.start, s.content.end],
            "t": [s.target.start, s.target.end] if s.target else None,
            "in": s.speaker_in_sentence,
            "pv": s.passive,
            "n": s.nominal,
        }
        for s in statements
    ]


def decode(records: list[dict[str, object]], article: Article) -> tuple[Statement, ...]:
    """Statements back from `encode` records, their spans read from `article.text`."""
    text = article.text

    def span(pair: object) -> Span:
        a, b = pair  # type: ignore[misc]
        return Span(text[a:b], a, b)

    return tuple(
        Statement(
            article_id=article.id,
            paragraph=int(r["p"]),  # type: ignore[arg-type]
            sentence=span(r["s"]),
            speaker=span(r["sp"]),
            act=str(r["a"]),
            content=span(r["c"]),
            target=span(r["t"]) if r.get("t") else None,
            speaker_in_sentence=bool(r["in"]),
            passive=bool(r["pv"]),
            nominal=bool(r.get("n", False)),
        )
        for r in records
    )


def _write(path: Path, records: list[dict[str, object]]) -> None:
    # No fsync per file (it was 60% of the step's time): the folder is synced once after the
    # batch, and a file a crash left torn is unreadable JSON, which load_statements re-analyses.
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(records, fh, separators=(",", ":"))
    os.replace(tmp, path)


def _remove_old_versions(index_dir: Path) -> None:
    """Remove up to OLD_FILES_PER_BUILD files of older extractor versions (a folder goes once empty).

    An index of 200,000 articles holds 200,000 files of the previous version after an upgrade:
    removing them at once made the first article added afterwards take 20 s, so each build
    removes a share (os.scandir reads the folder lazily, not all of it).
    """
    current, budget = folder(index_dir).name, OLD_FILES_PER_BUILD
    for path in (index_dir / STATEMENTS).glob("v*"):
        if not path.is_dir() or path.name == current:
            continue
        with os.scandir(path) as entries:
            for entry in itertools.islice(entries, budget):
                Path(entry.path).unlink(missing_ok=True)
                budget -= 1
        if budget <= 0:
            return
        with contextlib.suppress(OSError):  # not empty yet (files added meanwhile): next time
            path.rmdir()
