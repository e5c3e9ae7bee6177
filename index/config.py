"""Settings of the retrieval core, from the environment with command-line overrides.

Default folders: inside a checkout (a `seeds/` folder in the current directory,
or next to the installed packages as with `pip install -e .`) articles are
`seeds/` and the index `data/index`, as the repository lays them out; anywhere
else (an installed tool run from any folder) both live in the user data
directory that platformdirs names for the platform.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

import platformdirs

from .embedding import DEFAULT_MODEL
from .errors import StorybotError

APP_NAME = "storybot"
DEFAULT_TOP_K = 5
MAX_TOP_K = 50
# The folder holding the `index` package: a checkout's root in an editable install.
SOURCE_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class DefaultPaths:
    """Where articles and the index live when neither flags nor environment say, and why."""

    articles_dir: Path
    index_dir: Path
    origin: str  # "checkout" or "user data directory"


def user_data_dir() -> Path:
    """The per-user data directory (e.g. ~/.local/share/storybot); not created here."""
    return platformdirs.user_data_path(APP_NAME, appauthor=False)


def default_paths(cwd: Path | None = None) -> DefaultPaths:
    """The checkout's seeds/ and data/index when there is one, else the user data directory."""
    cwd = Path.cwd() if cwd is None else cwd
    if (cwd / "seeds").is_dir():
        return DefaultPaths(Path("seeds"), Path("data/index"), "checkout")
    if (SOURCE_ROOT / "seeds").is_dir() and (SOURCE_ROOT / "pyproject.toml").is_file():
        return DefaultPaths(SOURCE_ROOT / "seeds", SOURCE_ROOT / "data" / "index", "checkout")
    data = user_data_dir()
    return DefaultPaths(data / "articles", data / "index", "user data directory")


def _default_articles() -> Path:
    return default_paths().articles_dir


# The reader used unless configured: none (the linear models decide) until a trained reader beats them on the
# held-out sets; "storybot-reader" is the bundled one (answer.reader.BUNDLED).
DEFAULT_READER = "none"


def _default_index_dir() -> Path:
    return default_paths().index_dir


@dataclass(frozen=True)
class Settings:
    """Where articles and the index live, and which model embeds them."""

    articles_dir: Path = field(default_factory=_default_articles)
    index_dir: Path = field(default_factory=_default_index_dir)
    model: str = DEFAULT_MODEL
    query_prompt: str = ""
    passage_prompt: str = ""
    top_k: int = DEFAULT_TOP_K
    device: str = "cpu"
    reader: str = DEFAULT_READER  # the cross-encoder that chooses quotes (answer.reader); "none" for none

    def with_overrides(self, **values: object) -> Settings:
        """A copy with every value that is not None replaced."""
        return replace(self, **{k: v for k, v in values.items() if v is not None})


def settings_from_env(env: dict[str, str] | None = None) -> Settings:
    """Settings from STORYBOT_* environment variables, defaults elsewhere."""
    env = os.environ if env is None else env
    top_k = env.get("STORYBOT_TOP_K", "")
    defaults = default_paths()
    return Settings(
        articles_dir=Path(env.get("STORYBOT_ARTICLES") or defaults.articles_dir),
        index_dir=Path(env.get("STORYBOT_INDEX_DIR") or defaults.index_dir),
        model=env.get("STORYBOT_MODEL") or DEFAULT_MODEL,
        query_prompt=env.get("STORYBOT_QUERY_PROMPT", ""),
        passage_prompt=env.get("STORYBOT_PASSAGE_PROMPT", ""),
        top_k=parse_top_k(top_k, "STORYBOT_TOP_K") if top_k else DEFAULT_TOP_K,
        device=env.get("STORYBOT_DEVICE") or "cpu",
        reader=env.get("STORYBOT_READER") or DEFAULT_READER,
    )


def parse_top_k(value: str | int, where: str = "--top-k") -> int:
    """Validate a number of passages to return (1..MAX_TOP_K)."""
    try:
        k = int(value)
    except ValueError:
        raise StorybotError(f"{where} must be a whole number, not {value!r}") from None
    if not 1 <= k <= MAX_TOP_K:
        raise StorybotError(f"{where} must be between 1 and {MAX_TOP_K}, not {k}")
    return k
