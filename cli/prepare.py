"""Getting a command ready to answer: check the folders, load the model once, bring the index up to date.

Every step that can fail on the user's input (a missing articles folder, an
index folder that is a file) is checked before the model is loaded, so a typo
costs a second, not the model's load time. Each slow step says what it is
doing on stderr as it starts.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from importlib import resources
from pathlib import Path
from typing import TextIO

from answer.engine import Engine
from index import embedding
from index.articles import Article, list_article_files, load_article
from index.build import BuildSummary
from index.config import Settings, default_paths
from index.errors import StorybotError
from index.store import current_generation


def check_articles_dir(folder: Path) -> int:
    """The number of article files in `folder`; StorybotError when it is missing or not a folder.

    The default folder of an installed tool (in the user data directory) is
    created and given the bundled seed articles on first use.
    """
    if not folder.exists() and folder == default_paths().articles_dir:
        copy_seed_articles(folder)
    return len(list_article_files(folder))


def check_index_dir(folder: Path, *, writable: bool = True) -> None:
    """StorybotError unless `folder` is (or can be created as) a folder we may write to."""
    if folder.exists() and not folder.is_dir():
        raise StorybotError(
            f"index folder {folder} is a file, not a folder. Point --index-dir / STORYBOT_INDEX_DIR at a "
            "folder (it is created if missing), e.g. data/index."
        )
    if not writable:
        return
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise StorybotError(f"cannot create the index folder {folder}: {existing} is a file, not a folder.")
    if not _writable(existing):
        if existing == folder and current_generation(folder) is not None:
            return  # a read-only index still answers; an update that needs writing says why when it fails
        raise StorybotError(
            f"cannot write the index to {folder}: no write permission on {existing}. Choose another folder "
            "with --index-dir / STORYBOT_INDEX_DIR."
        )


def _writable(folder: Path) -> bool:
    """True when a file can be created in `folder`: tried, since permission bits say nothing for root
    or a read-only file system."""
    if not os.access(folder, os.W_OK | os.X_OK):
        return False
    try:
        with tempfile.TemporaryFile(dir=folder):
            return True
    except OSError:
        return False


def example_topic(folder: Path) -> str:
    """A topic to suggest for `storybot who`: the first words of the first article's title in `folder`."""
    for path in list_article_files(folder):
        article = load_article(folder, path)
        if isinstance(article, Article):
            return " ".join(article.title.split()[:4])
    return "Vinasun"


def bundled_seeds() -> list[Path]:
    """The seed articles shipped inside the installed package (none when run from a checkout's source)."""
    try:
        folder = resources.files("index.seeds")
    except ModuleNotFoundError:
        return []
    return sorted(Path(str(p)) for p in folder.iterdir() if p.name.endswith((".txt", ".md")))


def copy_seed_articles(folder: Path) -> int:
    """Create `folder` and copy the bundled seed articles that it lacks into it; how many were copied."""
    folder.mkdir(parents=True, exist_ok=True)
    copied = 0
    for seed in bundled_seeds():
        target = folder / seed.name
        if not target.exists():
            shutil.copyfile(seed, target)
            copied += 1
    return copied


class Status:
    """What a command is doing, one line per step on a stream (stderr), printed as the step starts.

    Routine steps (loading the model) are shown only when `steps` is set; an index
    update, which takes a while and changes files, is always announced.
    """

    def __init__(self, stream: TextIO | None = None, *, steps: bool = True) -> None:
        self.stream = stream or sys.stderr
        self.steps = steps
        self._started = 0.0

    def start(self, message: str) -> None:
        """Say that a routine step begins ("Loading the model ...")."""
        self._started = time.perf_counter()
        if self.steps:
            print(f"{message} …", file=self.stream, flush=True)

    def done(self) -> None:
        """Say that the routine step finished, with its duration."""
        if self.steps:
            print(f"  done in {time.perf_counter() - self._started:.1f} s", file=self.stream, flush=True)

    def say(self, message: str) -> None:
        """A line that is always shown."""
        print(message, file=self.stream, flush=True)


def open_engine(settings: Settings, status: Status, *, update: bool = True) -> Engine:
    """Load the model once, then (with `update`) bring the index up to date with the same model."""
    status.start(f"Loading the model {settings.model}")
    encoder = embedding.load_encoder(settings.model, settings.query_prompt, settings.passage_prompt, settings.device)
    status.done()
    engine = Engine(settings, encoder)
    if update:
        ensure_index(engine, status)
    return engine


def ensure_index(engine: Engine, status: Status) -> BuildSummary | None:
    """Build or update the index when it is missing or older than the articles; the summary, or None."""
    if not engine.is_stale():
        return None
    settings = engine.settings
    files = len(list_article_files(settings.articles_dir))
    status.say(f"Updating the index in {settings.index_dir} from {files} article file(s) in {settings.articles_dir} …")
    # The bar appears at once on a terminal, however few passages there are to embed.
    try:
        summary = engine.rebuild(progress=status.stream.isatty())
    except StorybotError as error:
        # A read-only index folder or a full disk: answer from the index there is, if any.
        try:
            engine.refresh()
        except StorybotError:
            raise error from None
        status.say(
            f"warning: the index could not be updated: {error}. Answering from the existing index "
            f"({engine.snapshot.generation}), which does not include the latest article changes."
        )
        return None
    status.say("  " + summary.describe().replace("\n", "\n  "))
    return summary
