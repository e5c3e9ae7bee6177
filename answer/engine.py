"""The question-answering engine: a model plus the current index generation.

Front ends (the command line, the Telegram bot) hold one Engine. Before each
question it checks whether a newer index generation was made current (by
`storybot index`, `/reindex` or an upload) and switches to it; a question that
is already being answered keeps the snapshot it started with.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import threading
import time
from collections.abc import Iterable
from pathlib import Path

from index.backend import SearchBackend, configured_backend, sync_wanted
from index.build import BuildSummary, build_index, is_stale
from index.config import Settings
from index.embedding import Encoder, load_encoder
from index.errors import QuestionError, StorybotError
from index.sentence_vectors import SentenceVectors
from index.store import ArticleInfo, Snapshot, check_compatible, current_generation, is_read_only, open_snapshot
from index.stories import story_assignments
from texts import FRAMES, TRUNCATION_NOTICE

from .compose import QUOTE_POOL, compose_answer
from .followup import Context, complete, prefer_story
from .parties import (
    MAX_STORY_ARTICLES,
    TopicNeeded,
    answer_by_party,
    is_who_question,
    story_articles,
    story_parties,
    with_story,
)
from .question import question_language
from .reader import Reader, ReaderLoadError, load_reader
from .search import search
from .types import Answer, Party

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 2000


def prepare_question(question: str) -> tuple[str, bool]:
    """Strip the question and cut it to MAX_QUESTION_CHARS; QuestionError when empty."""
    question = " ".join(question.split())
    if not question:
        raise QuestionError("the question is empty: type a question about the articles")
    if len(question) > MAX_QUESTION_CHARS:
        return question[:MAX_QUESTION_CHARS], True
    return question, False


@functools.cache
def configured_reader(name: str) -> Reader | None:
    """The reader named in the settings, loaded once per process (engines of one process share it)."""
    try:
        return load_reader(name)
    except ReaderLoadError as err:
        raise StorybotError(str(err)) from None


class Engine:
    """Answers questions from the newest complete index in `settings.index_dir`."""

    def __init__(
        self,
        settings: Settings,
        encoder: Encoder | None = None,
        *,
        retrieval: str = "hybrid",
        backend: SearchBackend | None = None,
    ) -> None:
        self.settings = settings
        # Where chunks are searched: the index's own segments, or Qdrant when configured (index/backend.py).
        self.backend = backend or configured_backend(settings.index_dir)
        self.retrieval = retrieval  # "lexical" / "dense" only to measure one retriever alone
        self.reader = configured_reader(settings.reader)  # first: a reader that cannot load fails at once
        self.encoder = encoder or load_encoder(
            settings.model, settings.query_prompt, settings.passage_prompt, settings.device
        )
        self.sentences = SentenceVectors(settings.index_dir, self.encoder)
        self._snapshot: Snapshot | None = None
        self._swap = threading.Lock()  # one reload at a time
        self._build = threading.Lock()
        self._failed: set[str | None] = set()  # generations that failed to load, not retried

    @property
    def snapshot(self) -> Snapshot:
        """The loaded generation, loading it on first use."""
        self.refresh()
        assert self._snapshot is not None
        return self._snapshot

    @property
    def loaded_generation(self) -> str | None:
        """The generation answering now, without looking for a newer one (None before the first load)."""
        snapshot = self._snapshot
        return snapshot.generation if snapshot is not None else None

    def refresh(self) -> bool:
        """Switch to the current generation if it changed; True when it did.

        A new generation that cannot be read or does not match the model is
        logged once and skipped: the loaded one keeps answering. Without a
        loaded one, an unreadable current generation gives way to the newest
        readable older one (`open_snapshot`).
        """
        generation = current_generation(self.settings.index_dir)
        loaded = self._snapshot
        if loaded is not None and (loaded.generation == generation or generation in self._failed):
            return False
        with self._swap:
            loaded = self._snapshot
            generation = current_generation(self.settings.index_dir)
            if loaded is not None and (loaded.generation == generation or generation in self._failed):
                return False
            try:
                snapshot = open_snapshot(
                    self.settings.index_dir, reuse=loaded, fallback=loaded is None, mode=self.backend.snapshot_mode
                )
                check_compatible(
                    snapshot.manifest,
                    self.settings.index_dir,
                    model=self.encoder.name,
                    query_prompt=self.encoder.query_prompt,
                    passage_prompt=self.encoder.passage_prompt,
                )
            except StorybotError as err:
                if loaded is None:
                    raise
                self._failed.add(generation)
                log.error("index %s not loaded, still answering from %s: %s", generation, loaded.generation, err)
                return False
            if snapshot.generation != generation:
                self._failed.add(generation)  # fell back to an older generation: do not retry every question
            if sync_wanted() and not is_read_only(self.settings.index_dir):
                # The index's writer keeps the backend's copy in step (replicas: STORYBOT_QDRANT_SYNC=0).
                synced = self.backend.sync(snapshot)
                if synced.added or synced.removed or synced.stories:
                    log.info("%s backend: %d article(s) written, %d removed, %d moved to another story",
                             self.backend.name, synced.added, synced.removed, synced.stories)
            # The old snapshot is left to the garbage collector: a question in flight may still read it.
            self._snapshot = snapshot
            log.info("index %s loaded: %d chunks", snapshot.generation, snapshot.size)
            return True

    def is_stale(self) -> bool:
        """True when articles changed since the index was built."""
        return is_stale(self.settings)

    def rebuild(self, *, progress: bool | None = None, only: Iterable[Path | str] | None = None) -> BuildSummary:
        """Incremental rebuild, then switch to the result.

        `only`: the article files just saved or deleted (see build_index); None checks the whole folder.
        """
        with self._build:
            summary = build_index(self.settings, self.encoder, progress=progress, only=only)
            if summary.changed_anything:
                self._failed.discard(current_generation(self.settings.index_dir))
        self.refresh()
        return summary

    def ask(
        self, question: str, *, top_k: int | None = None, context: Context | None = None, language: str | None = None
    ) -> Answer:
        """Answer one question from the current index.

        `language` ("vi" or "en") frames the answer and its notices, e.g. the reader's own language;
        by default the question's language does.

        With the `context` of a conversation, an elliptic question ("còn Mỹ thì sao?") is answered as
        the question it completes to (answer.followup), preferring the story of the previous answer;
        the answer's `question` is then the completed one and a notice says how it was read.
        """
        started = time.perf_counter()
        question, truncated = prepare_question(question)
        snapshot = self.snapshot
        k = top_k or self.settings.top_k
        followup = complete(question, context.question if context else None)
        notices: tuple[str, ...] = ()
        if followup.elliptic:
            question = prepare_question(followup.question)[0]
            notices = (FRAMES[language or question_language(followup.asked)]["read_as"].format(question=question),)
        retrieval = search(
            snapshot, self.encoder, question, k=max(k, QUOTE_POOL), mode=self.retrieval, backend=self.backend
        )
        if followup.elliptic and context is not None:
            retrieval = prefer_story(retrieval, context.articles)
        if truncated:
            notices += (TRUNCATION_NOTICE[language or question_language(question)].format(limit=MAX_QUESTION_CHARS),)
        answer = compose_answer(
            snapshot, retrieval, top_k=k, sentences=self.sentences, notices=notices, reader=self.reader
        )
        if is_who_question(question):
            started_parties = time.perf_counter()
            answer = answer_by_party(snapshot, retrieval, answer, self.sentences)
            answer.timings_ms["parties"] = (time.perf_counter() - started_parties) * 1000
        if language is not None and language != answer.language:
            answer = dataclasses.replace(answer, language=language)
        answer.timings_ms["total"] = (time.perf_counter() - started) * 1000
        return answer

    def who(self, topic: str = "") -> tuple[Party, ...]:
        """The parties of the story about `topic`, or of every article when the index holds one story.

        Without a topic over more than MAX_STORY_ARTICLES articles, raises
        TopicNeeded; a topic the articles do not cover gives no parties.
        """
        snapshot = self.snapshot
        topic = " ".join(topic.split())[:MAX_QUESTION_CHARS]
        if not topic:
            ids = [a.id for a in snapshot.articles()]
            if len(ids) > MAX_STORY_ARTICLES:
                raise TopicNeeded(f'the index holds {len(ids)} articles: name the story, e.g. storybot who "Vinasun"')
            return story_parties(snapshot, ids)
        k = max(self.settings.top_k, QUOTE_POOL)
        retrieval = search(snapshot, self.encoder, topic, k=k, mode=self.retrieval, backend=self.backend)
        if not compose_answer(
            snapshot, retrieval, top_k=self.settings.top_k, sentences=self.sentences, reader=self.reader
        ).answered:
            return ()
        stories = story_assignments(snapshot)  # one story's parties, never another's sharing a name
        retrieved = story_articles(retrieval)
        return story_parties(
            snapshot,
            with_story(snapshot, retrieved, stories, topic),
            stories=stories,
            retrieved=frozenset(retrieved),
        )

    def articles(self) -> list[ArticleInfo]:
        """The indexed articles."""
        return self.snapshot.articles()

    def sources(self) -> list[ArticleInfo]:
        """The indexed articles as /sources lists them: dated ones newest first (one day's by title), then
        the undated ones by title (texts: "sources_order")."""
        sources = self.articles()
        sources.sort(key=lambda s: s.title.casefold())
        sources.sort(key=lambda s: s.date or "", reverse=True)  # stable: the titles' order stays within a day
        return sources
