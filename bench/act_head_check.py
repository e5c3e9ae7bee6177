"""The act head on news_dev: speaker+act F1 of the rules alone against rules + head, and what the head costs.

news_dev is never trained on: the head (index/data/act_head.npz) is fitted on the synthetic corpus
(training/train_act_head.py) and its policy chosen there; this only measures it. Also counts the
head's replacements that turn a wrong act right and a right one wrong (a statement is judged on the
gold statement of its sentence with an overlapping speaker), and times, per article, the head's
embedding against the embedding an index build does anyway (the article's chunks and sentences).

Usage: python bench/act_head_check.py [--news-dev ../shared/eval/news_dev]
"""

from __future__ import annotations

import argparse
import functools
import statistics
import sys
import time
from pathlib import Path

from evaluation import parties as evaluate_parties
from evaluation.parties import load_gold, same_speaker, score_attributions
from index.act_head import HEAD_FILE, MODEL, read_head, relabel_acts
from index.articles import load_article
from index.attribution import extract_statements
from index.chunking import chunk_article
from index.embedding import load_encoder
from index.sentence_vectors import sentence_texts

ROOT = Path(__file__).resolve().parent.parent
NEWS_DEV = ROOT.parent / "shared" / "eval" / "news_dev"


def main() -> None:
    """Print F1 with and without the head, the replacements' tally, and the per-article times."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--news-dev", type=Path, default=NEWS_DEV)
    args = ap.parse_args()
    labels = args.news_dev / "attributions.jsonl"
    if not labels.is_file():
        sys.exit(f"news_dev labels not found: {labels}")
    gold = load_gold(labels)
    folder = args.news_dev / "articles"
    rules = functools.partial(extract_statements, act_head=False)
    # The shipped head with its policy, whether or not extraction has it switched on (act_head.ENABLED).
    head, encoder = read_head(HEAD_FILE), load_encoder(MODEL)

    def with_head(article):
        return relabel_acts(rules(article), head, encoder)

    for name, extract in (("rules", rules), ("rules + head", with_head)):
        evaluate_parties.extract_statements = extract
        s = score_attributions(gold, folder)
        print(f"{name}: P {s.precision:.3f} R {s.recall:.3f} F1 {s.f1:.3f}", end="  ")
        print(f"({s.matched}/{s.gold} gold matched, {s.predicted} predicted)")
        print("   per act (matched/gold):", ", ".join(f"{a} {m}/{n}" for a, (m, n) in s.by_act.items()))
    evaluate_parties.extract_statements = extract_statements

    right = wrong = other = 0
    head_s, build_s, relabelled = [], [], 0
    for name in sorted({g.article for g in gold}):
        article = load_article(folder, folder / name)
        mine = [g for g in gold if g.article == name]
        before = rules(article)
        started = time.perf_counter()
        after = relabel_acts(before, head, encoder)
        head_s.append(time.perf_counter() - started)
        started = time.perf_counter()
        chunks = chunk_article(article)
        encoder.encode_passages([c.search_text for c in chunks])
        encoder.encode_passages(sentence_texts(chunks))
        build_s.append(time.perf_counter() - started)
        for b, a in zip(before, after, strict=True):
            if a.act == b.act:
                continue
            relabelled += 1
            acts = {
                g.act
                for g in mine
                if _overlaps(article.text, g.sentence, b.sentence.start, b.sentence.end)
                and same_speaker(b.speaker.text, g.speaker)
            }
            right += a.act in acts and b.act not in acts
            wrong += b.act in acts and a.act not in acts
            other += not (a.act in acts) ^ (b.act in acts)
    print(f"head replaced {relabelled} acts: {right} made right, {wrong} made wrong, {other} neither")
    print(
        f"per article: head {statistics.median(head_s) * 1000:.0f} ms median ({sum(head_s):.1f} s total), "
        f"chunk + sentence embedding {statistics.median(build_s) * 1000:.0f} ms median ({sum(build_s):.1f} s total): "
        f"+{100 * sum(head_s) / sum(build_s):.1f}%"
    )


def _overlaps(text: str, sentence: str, start: int, end: int) -> bool:
    at = text.find(sentence)
    return at >= 0 and at < end and start < at + len(sentence)


if __name__ == "__main__":
    main()
