"""Finding a story for the fronts: by its id ("12", "#12"), by words naming it (a topic, a party), or the latest.

The stories themselves are grouped on the index side (index.stories); here they are brought up to
date with the engine's snapshot before they are read.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from index.stories import Joined, Story, StoryStore

from .engine import Engine
from .parties import MIN_TOPIC_SUPPORT, story_articles, topic_support
from .search import search

_STORY_ID = re.compile(r"#?(\d{1,9})")
SEARCH_K = 10


def sync(engine: Engine) -> list[Joined]:
    """Bring the stories up to date with the engine's current index; the articles placed."""
    snapshot = engine.snapshot
    with StoryStore(snapshot.index_dir) as store:
        return store.sync(snapshot)


def all_stories(engine: Engine) -> list[Story]:
    """Every story of the current index, the most recently active first."""
    snapshot = engine.snapshot
    with StoryStore(snapshot.index_dir) as store:
        store.sync(snapshot)
        return store.stories()


def find_story(engine: Engine, words: str) -> Story | None:
    """The story `words` name: its id, or the story of the best passage for them (the latest when empty).

    None when there is no such id, or the articles do not cover the words.
    """
    snapshot = engine.snapshot
    words = " ".join(words.split())
    with StoryStore(snapshot.index_dir) as store:
        store.sync(snapshot)
        by_id = _STORY_ID.fullmatch(words)
        if by_id is not None:
            return store.story(int(by_id[1]))
        if not words:
            latest = store.stories()
            return latest[0] if latest else None
        retrieval = search(snapshot, engine.encoder, words, k=SEARCH_K, mode=engine.retrieval, backend=engine.backend)
        if not retrieval.hits or topic_support(retrieval) < MIN_TOPIC_SUPPORT:
            return None
        story_id = store.story_of(story_articles(retrieval)[0])
        return store.story(story_id) if story_id is not None else None


def story_of_articles(engine: Engine, article_ids: Sequence[str]) -> Story | None:
    """The story most of `article_ids` (an answer's quoted articles) belong to, the first's on a tie.

    None when none of them is placed in a story (e.g. the index moved on since the answer). Asked for
    every answer, it reads without syncing (a write transaction) unless an article is not placed yet.
    """
    snapshot = engine.snapshot
    with StoryStore(snapshot.index_dir) as store:
        placed = [store.story_of(a) for a in article_ids]
        if None in placed:
            store.sync(snapshot)
            placed = [store.story_of(a) for a in article_ids]
        found = [s for s in placed if s is not None]
        if not found:
            return None
        best = max(dict.fromkeys(found), key=found.count)  # dict keeps first-seen order: ties go to the first
        return store.story(best)
