"""Adding articles, the one way: save each new one in the articles folder, then bring the index up to date once.

The command line (`storybot add`), the bot's /add, links and uploads, and the feed rounds all come
through here. A source is a web address or an article file's name and bytes (a local file, or one sent
to the bot). The index is updated by `reindex` (the caller's engine, so a running bot switches to the
new index; its model is loaded only when something was added). A failed update loses nothing: the
files are saved, and the next build takes them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from index.build import BuildSummary
from index.errors import StorybotError
from index.reasons import Reason

from . import library
from .config import IngestSettings
from .links import ADDED, DUPLICATE, FAILED, LinkResult, add_link, added_files
from .messages import IngestProblem
from .uploads import UploadProblem, check_article, write_article

log = logging.getLogger(__name__)

# Brings the index up to date with the article files named (their ids in the articles folder).
Reindex = Callable[[list[str]], BuildSummary]


@dataclass(frozen=True)
class ArticleFile:
    """An article file to add: its name in the articles folder and its bytes."""

    name: str
    data: bytes
    origin: str = ""  # where it came from (a local path), for messages; the name when empty
    replace: bool = False  # an existing file of that name is replaced (the bot asks first)


Source = str | ArticleFile


@dataclass(frozen=True)
class Indexed:
    """How bringing the index up to date went: its summary, or the error (the files are kept either way)."""

    summary: BuildSummary | None = None
    error: StorybotError | None = None


@dataclass(frozen=True)
class Added:
    """What `add_articles` did: one result per source, in order, and the index update (None: nothing added)."""

    results: tuple[LinkResult, ...]
    indexed: Indexed | None

    @property
    def files(self) -> list[str]:
        """The article files saved."""
        return added_files(self.results)


def add_articles(
    sources: Sequence[Source],
    folder: Path,
    options: IngestSettings,
    reindex: Reindex,
    *,
    index_dir: Path | None = None,
    max_bytes: int = 5_000_000,
) -> Added:
    """Save every new article of `sources` in `folder`, then update the index once with the ones saved."""
    results = save_articles(sources, folder, options, index_dir=index_dir, max_bytes=max_bytes)
    files = added_files(results)
    return Added(results, update_index(files, reindex) if files else None)


def save_articles(
    sources: Sequence[Source],
    folder: Path,
    options: IngestSettings,
    *,
    index_dir: Path | None = None,
    max_bytes: int = 5_000_000,
) -> tuple[LinkResult, ...]:
    """The first half of `add_articles`: save the new articles (no indexing), one result per source."""
    known = library.Library(folder, index_dir)
    out = []
    for source in sources:
        if isinstance(source, ArticleFile):
            out.append(_add_file(source, folder, known, max_bytes))
        else:
            out.append(add_link(source, folder, options, known))
    return tuple(out)


def update_index(files: Iterable[str], reindex: Reindex) -> Indexed:
    """The second half of `add_articles`: bring the index up to date with the article files just saved."""
    files = list(files)
    if not files:
        return Indexed()
    try:
        return Indexed(summary=reindex(files))
    except StorybotError as err:  # the articles are saved: the next build takes them
        log.error("index update after adding %d article(s) failed: %s", len(files), err)
        return Indexed(error=err)


# Why an article file could not be written, for the "cannot_save" message (upload_cannot_write carries
# the system's own words for it).
_WRITE_REASONS = {"upload_disk_full": Reason.of("disk_full"), "upload_no_folder": Reason.of("no_folder")}


def _add_file(source: ArticleFile, folder: Path, known: library.Library, max_bytes: int) -> LinkResult:
    """Save one article file unless the same text is already there."""
    where = source.origin or source.name
    try:
        article = check_article(source.name, source.data, max_bytes)
    except UploadProblem as problem:
        return LinkResult(where, FAILED, source.name, problem=IngestProblem("file_" + problem.key, file=where,
                                                                                **problem.values))
    fingerprint = library.text_fingerprint(article)
    same = known.by_text(fingerprint)
    if same is not None and not source.replace:
        return LinkResult(where, DUPLICATE, same.article_id, same.title, duplicate="text")
    try:
        written = write_article(folder, source.name, source.data, replace=source.replace)
    except UploadProblem as problem:
        reason = _WRITE_REASONS.get(problem.key) or Reason.of("os_error", error=problem.values.get("reason", ""))
        return LinkResult(where, FAILED, problem=IngestProblem("cannot_save", url=where,
                                                               file=str(folder / source.name), reason=reason))
    if not written:
        return LinkResult(where, FAILED, source.name, problem=IngestProblem("file_taken", file=where,
                                                                            name=source.name))
    known.add(library.Known(source.name, article.title, frozenset(library.link_keys((), fingerprint))))
    paragraphs = sum(1 for p in article.paragraphs if not p.debris)
    log.info("article %s added from %s", source.name, where)
    return LinkResult(where, ADDED, source.name, article.title, paragraphs, article.date)
