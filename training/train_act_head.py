"""Fit the act head (index/act_head.py) on the synthetic corpus's labelled statements, and choose its policy.

    python -m training.train_act_head [--corpus 'training/synthetic_news/part*'] [--out index/data/act_head.npz]

Examples: every labelled statement ("type": "statement" rows) that the rules
of index/attribution.py also find (same sentence, overlapping speaker; the
candidate whose content overlaps the label's most), with the rules' act as a
feature and the label's act as the class. The head reads the sentence of the
rules' statement, as it will at index time.

Cross-validation by article (5 folds, articles assigned in a seeded shuffle)
chooses the L2 penalty, the class weighting and the policy (which rule acts the head may replace,
and the probability it needs), by accuracy on the folds' held-out statements;
the head is then refitted on every example and written. Figures, the chosen
policy and the time taken are logged and stored in the file.
"""

from __future__ import annotations

import argparse
import glob
import itertools
import json
import logging
import platform
import random
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score

from evaluation.parties import same_speaker
from index.act_head import MODEL, ActHead, features, save_head, statement_text
from index.articles import parse_article
from index.attribution import ACTS, extract_statements
from index.embedding import load_encoder

from .reader_data import synthetic_articles

log = logging.getLogger("train_act_head")
ROOT = Path(__file__).resolve().parent.parent
SEED = 20261205
FOLDS = 5
C_GRID = (2.0, 8.0, 32.0)
WEIGHTINGS = (None, "balanced")  # classes as frequent as in the corpus, or weighted equally
# Policies tried: the rule acts the head may replace, and the probability it needs.
RELABEL_SETS = {
    "say": frozenset({"say"}),
    "say+other": frozenset({"say", "other"}),
    "say+other+respond": frozenset({"say", "other", "respond"}),
    "all": frozenset(ACTS),
}
MIN_P_GRID = (0.0, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


@dataclass(frozen=True)
class Example:
    """One labelled statement the rules found: where it is, what the head reads, both acts."""

    article: str
    sentence: str
    rule_act: str
    gold_act: str


def collect(corpus: list[str]) -> tuple[list[Example], int]:
    """Examples from every usable synthetic article under the `corpus` globs; also the labelled statements seen."""
    examples: list[Example] = []
    labelled = 0
    for part in sorted({Path(p) for g in corpus for p in glob.glob(str(ROOT / g))}):
        for article_path, labels_path in synthetic_articles(part):
            text = unicodedata.normalize("NFC", article_path.read_text(encoding="utf-8"))
            article = parse_article(article_path.name, text)
            statements = extract_statements(article, act_head=False)
            used: set[int] = set()
            for line in labels_path.read_text(encoding="utf-8").splitlines():
                row = json.loads(line) if line.strip() else {}
                if row.get("type") != "statement" or row.get("act") not in ACTS:
                    continue
                labelled += 1
                sentence = unicodedata.normalize("NFC", row["sentence"])
                at = text.find(sentence)
                content = unicodedata.normalize("NFC", row.get("content") or "")
                c_at = text.find(content, at) if content else -1
                best, best_overlap = None, -1
                for k, s in enumerate(statements):
                    if k in used or not (s.sentence.start < at + len(sentence) and at < s.sentence.end):
                        continue
                    if not same_speaker(s.speaker.text, unicodedata.normalize("NFC", row["speaker"])):
                        continue
                    overlap = min(s.content.end, c_at + len(content)) - max(s.content.start, c_at) if c_at >= 0 else 0
                    if overlap > best_overlap:
                        best, best_overlap = k, overlap
                if best is None:
                    continue
                used.add(best)
                s = statements[best]
                examples.append(Example(f"{part.name}/{article_path.name}", statement_text(s), s.act, row["act"]))
    return examples, labelled


def embed(examples: list[Example], cache: Path | None) -> dict[str, np.ndarray]:
    """Passage vectors of every sentence (reused from `cache` when it holds them)."""
    texts = sorted({e.sentence for e in examples})
    known: dict[str, np.ndarray] = {}
    if cache is not None and cache.exists():
        with np.load(cache, allow_pickle=False) as data:
            known = dict(zip((str(t) for t in data["texts"]), data["vectors"], strict=True))
    missing = [t for t in texts if t not in known]
    if missing:
        log.info("embedding %d texts (%d cached)", len(missing), len(texts) - len(missing))
        encoder = load_encoder(MODEL)
        started = time.perf_counter()
        for at in range(0, len(missing), 256):
            batch = missing[at : at + 256]
            known.update(zip(batch, encoder.encode_passages(batch), strict=True))
            log.info("  %d/%d (%.0f s)", at + len(batch), len(missing), time.perf_counter() - started)
            if cache is not None:
                keys = sorted(known)
                np.savez(cache, texts=np.array(keys), vectors=np.array([known[k] for k in keys]))
    return known


def matrix(examples: list[Example], vectors: dict[str, np.ndarray]) -> np.ndarray:
    """The head's features for `examples`."""
    return features(np.array([vectors[e.sentence] for e in examples]), [e.rule_act for e in examples], ACTS)


def fit(x: np.ndarray, y: np.ndarray, c: float, weighting: str | None) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial logistic regression with every act as a column (absent classes get a very low bias)."""
    model = LogisticRegression(C=c, max_iter=3000, class_weight=weighting, random_state=SEED)
    model.fit(x, y)
    weights = np.zeros((x.shape[1], len(ACTS)), dtype=np.float32)
    bias = np.full(len(ACTS), -30.0, dtype=np.float32)
    for col, cls in enumerate(model.classes_):
        weights[:, cls] = model.coef_[col]
        bias[cls] = model.intercept_[col]
    return weights, bias


def apply_policy(rule: list[str], probs: np.ndarray, relabel: frozenset[str], min_p: float) -> list[str]:
    """The acts the product gives: the head's where the rule act is in `relabel` and it is confident enough."""
    out = []
    for act, p in zip(rule, probs, strict=True):
        best = int(p.argmax())
        out.append(ACTS[best] if act in relabel and p[best] >= min_p else act)
    return out


def scores(gold: list[str], predicted: list[str]) -> tuple[float, float]:
    """Accuracy and macro-F1 (over the acts present in `gold`)."""
    acc = float(np.mean([g == p for g, p in zip(gold, predicted, strict=True)]))
    return acc, float(f1_score(gold, predicted, labels=sorted(set(gold)), average="macro", zero_division=0))


def main() -> None:
    """Collect, cross-validate, choose the policy, refit on everything and write the head."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", nargs="+", default=["training/synthetic_news/part*"])
    ap.add_argument("--out", type=Path, default=ROOT / "index" / "data" / "act_head.npz")
    ap.add_argument("--cache", type=Path, default=None, help="npz of passage vectors kept between runs")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    started = time.perf_counter()
    examples, labelled = collect(args.corpus)
    articles = sorted({e.article for e in examples})
    log.info("%d labelled statements, %d found by the rules, in %d articles", labelled, len(examples), len(articles))
    vectors = embed(examples, args.cache)
    embedded = time.perf_counter() - started
    x = matrix(examples, vectors)
    y = np.array([ACTS.index(e.gold_act) for e in examples])
    gold = [e.gold_act for e in examples]
    rule = [e.rule_act for e in examples]

    shuffled = articles[:]
    random.Random(SEED).shuffle(shuffled)
    fold_of = {a: k % FOLDS for k, a in enumerate(shuffled)}
    folds = np.array([fold_of[e.article] for e in examples])
    log.info("rules: accuracy %.3f, macro-F1 %.3f", *scores(gold, rule))
    results = []
    for c, weighting in itertools.product(C_GRID, WEIGHTINGS):
        probs = np.zeros((len(examples), len(ACTS)))
        for k in range(FOLDS):
            w, b = fit(x[folds != k], y[folds != k], c, weighting)
            z = x[folds == k] @ w + b
            z -= z.max(axis=1, keepdims=True)
            p = np.exp(z)
            probs[folds == k] = p / p.sum(axis=1, keepdims=True)
        head = [ACTS[int(p.argmax())] for p in probs]
        log.info("C %g, %s: head alone accuracy %.3f, macro-F1 %.3f", c, weighting, *scores(gold, head))
        for name, relabel in RELABEL_SETS.items():
            for min_p in MIN_P_GRID:
                acc, f1 = scores(gold, apply_policy(rule, probs, relabel, min_p))
                results.append((acc, f1, c, str(weighting), name, min_p))
    # By accuracy: speaker+act F1 counts every statement alike, so the frequent acts weigh most.
    results.sort(key=lambda r: (r[0], r[1]), reverse=True)
    for acc, f1, c, weighting, name, min_p in results[:12]:
        log.info(
            "  C %g, %s, relabel %s at p >= %.1f: accuracy %.3f, macro-F1 %.3f", c, weighting, name, min_p, acc, f1
        )
    acc, f1, c, weighting, name, min_p = results[0]
    w, b = fit(x, y, c, None if weighting == "None" else weighting)
    seconds = time.perf_counter() - started
    head = ActHead(ACTS, w, b, RELABEL_SETS[name], min_p)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    save_head(
        args.out,
        head,
        made=json.dumps(
            {
                "model": MODEL,
                "examples": len(examples),
                "articles": len(articles),
                "C": c,
                "class_weight": weighting,
                "policy": name,
                "min_p": min_p,
                "cv_rules": dict(zip(("accuracy", "macro_f1"), map(lambda v: round(v, 3), scores(gold, rule)))),
                "cv_policy": {"accuracy": round(acc, 3), "macro_f1": round(f1, 3)},
                "seconds": round(seconds),
                "embedding_seconds": round(embedded),
                "machine": f"{platform.machine()}, {platform.processor() or 'cpu'}",
                "seed": SEED,
            }
        ),
    )
    log.info("wrote %s (%d bytes) in %.0f s (%.0f s embedding)", args.out, args.out.stat().st_size, seconds, embedded)


if __name__ == "__main__":
    main()
