"""How a reader's probabilities and the retrieval-side answer model are combined into one answer.

The reader rates each candidate sentence on its own; the answer model (answer/data/answer_model.json)
knows how well the passages matched at all. Neither alone decides as well as both: a fitted logistic
combination per question group gives the answer's `confidence`, and candidates are ranked by the
reader's log-odds plus `rank_linear_weight` times the sentence model's (which knows each passage's
retrieval rank). The weights are fitted by bench/fit_reader.py on synthetic articles the reader was
not trained on, and stored in the reader folder's config.json under "decision".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# Probabilities are kept this far from 0 and 1, so that their log-odds stay finite.
EPSILON = 1e-6


def log_odds(probability: float) -> float:
    """log(p / (1 - p)), with p kept within [EPSILON, 1 - EPSILON]."""
    p = min(max(probability, EPSILON), 1 - EPSILON)
    return math.log(p / (1 - p))


def sigmoid(logit: float) -> float:
    """The probability of a log-odds value (clipped to +-50, where it is 0 or 1 to float precision)."""
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, logit))))


@dataclass(frozen=True)
class GroupDecision:
    """confidence = sigmoid(reader * logit(best reader probability) + rules * answer-model logit + bias)."""

    reader: float
    rules: float
    bias: float

    def confidence(self, reader_probability: float, rules_logit: float) -> float:
        """The calibrated probability that the question is answered by the best candidate."""
        return sigmoid(self.reader * log_odds(reader_probability) + self.rules * rules_logit + self.bias)


@dataclass(frozen=True)
class ReaderDecision:
    """A reader's fitted decision: one combination per question group, and the ranking's linear share."""

    groups: dict[str, GroupDecision]
    rank_linear_weight: float

    def confidence(self, group: str, reader_probability: float, rules_logit: float) -> float:
        """The answer's confidence for a question of `group` ("vi", "vi-unaccented", "en")."""
        return self.groups[group].confidence(reader_probability, rules_logit)

    def to_json(self) -> dict:
        """The form stored in config.json."""
        return {
            "rank_linear_weight": self.rank_linear_weight,
            "groups": {g: {"reader": d.reader, "rules": d.rules, "bias": d.bias} for g, d in self.groups.items()},
        }


def decision_from_json(data: dict | None) -> ReaderDecision | None:
    """The decision stored in a reader's config.json, or None when it has none (the reader then decides alone)."""
    if not data:
        return None
    groups = {
        g: GroupDecision(float(d["reader"]), float(d["rules"]), float(d["bias"])) for g, d in data["groups"].items()
    }
    return ReaderDecision(groups, float(data["rank_linear_weight"]))
