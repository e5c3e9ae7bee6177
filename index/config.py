"""Settings of the retrieval core, from the environment with command-line overrides."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from .embedding import DEFAULT_MODEL
from .errors import StorybotError

DEFAULT_ARTICLES = Path("seeds")
DEFAULT_INDEX_DIR = Path("data/index")
DEFAULT_TOP_K = 5
MAX_TOP_K = 50


@dataclass(frozen=True)
class Settings:
    """Where articles and the index live, and which model embeds them."""

    articles_dir: Path = DEFAULT_ARTICLES
    index_dir: Path = DEFAULT_INDEX_DIR
    model: str = DEFAULT_MODEL
    query_prompt: str = ""
    passage_prompt: str = ""
    top_k: int = DEFAULT_TOP_K
    device: str = "cpu"

    def with_overrides(self, **values: object) -> Settings:
        """A copy with every value that is not None replaced."""
        return replace(self, **{k: v for k, v in values.items() if v is not None})


def settings_from_env(env: dict[str, str] | None = None) -> Settings:
    """Settings from STORYBOT_* environment variables, defaults elsewhere."""
    env = os.environ if env is None else env
    top_k = env.get("STORYBOT_TOP_K", "")
    return Settings(
        articles_dir=Path(env.get("STORYBOT_ARTICLES") or DEFAULT_ARTICLES),
        index_dir=Path(env.get("STORYBOT_INDEX_DIR") or DEFAULT_INDEX_DIR),
        model=env.get("STORYBOT_MODEL") or DEFAULT_MODEL,
        query_prompt=env.get("STORYBOT_QUERY_PROMPT", ""),
        passage_prompt=env.get("STORYBOT_PASSAGE_PROMPT", ""),
        top_k=parse_top_k(top_k, "STORYBOT_TOP_K") if top_k else DEFAULT_TOP_K,
        device=env.get("STORYBOT_DEVICE") or "cpu",
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
