"""The reader measured on the held-out half of XQuAD-vi dev (the odd-index articles, never trained on).

    python -m training.eval_reader [--reader answer/reader/data] [--every N] [--float32]

For each question, the candidates are the sentences of its gold paragraph and of two neighbouring
paragraphs (the one before and after; at an article's edge, the next two on the one side), cut
as the index cuts them. Reported per question language (Vietnamese, without diacritics, English):
- top-1: the highest-rated sentence contains a gold answer;
- answered: the highest probability is >= 0.5 (the reader would quote);
- ablated refused: with every sentence holding a gold answer deleted, the highest probability
  is < 0.5 (the reader would refuse);
- the median and 90th-percentile time to score one question's candidates.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import unicodedata
from pathlib import Path

import numpy as np

from answer.reader import BUNDLED, Reader, ReaderCandidate, load_reader
from answer.reader.reader import DATA_DIR, BundledReader
from index.text import fold

from .reader_data import XQUAD_DIR, Sentence, read_article, sentences_of, xquad_questions, xquad_split

THRESHOLD = 0.5


def neighbourhood(sents: list[Sentence], paragraph: int) -> list[Sentence]:
    """Sentences of the gold paragraph and two neighbouring paragraphs."""
    numbers = sorted({s.paragraph for s in sents})
    i = numbers.index(paragraph)
    lo = max(0, min(i - 1, len(numbers) - 3))
    keep = set(numbers[lo : lo + 3])
    return [s for s in sents if s.paragraph in keep]


def ablate(sents: list[Sentence], answers: list[str]) -> list[Sentence]:
    """The sentences left when every one holding an answer is deleted (the next one's context shifts)."""
    out: list[Sentence] = []
    for s in sents:
        if any(a in s.text for a in answers):
            continue
        prev = out[-1].text if out and out[-1].paragraph == s.paragraph else ""
        out.append(Sentence(s.text, prev, s.paragraph))
    return out


def evaluate(reader: Reader, root: Path = XQUAD_DIR, every: int = 1) -> dict:
    """Figures for the reader on the held-out XQuAD articles."""
    _, held_out = xquad_split(root)
    parsed = {name: sentences_of(read_article(root / "articles" / name)) for name in held_out}
    questions = [q for q in xquad_questions(root) if q["article"] in held_out][::every]
    results: dict[str, dict[str, list]] = {}
    times: list[float] = []
    sizes: list[int] = []
    for q in questions:
        answers = [unicodedata.normalize("NFC", a) for a in q["answers"]]
        cands = neighbourhood(parsed[q["article"]], q["paragraph"])
        gold = [any(a in s.text for a in answers) for s in cands]
        if not any(gold):
            continue  # the answer runs across sentences: no single sentence holds it
        question = unicodedata.normalize("NFC", q["question"])
        for lang, text in (("vi", question), ("vi-noaccent", fold(question)), ("en", q["question_en"])):
            r = results.setdefault(lang, {"top1": [], "answered": [], "ablated_refused": []})
            t = time.perf_counter()
            probs = np.array(reader.score(text, [ReaderCandidate(s.text, s.previous) for s in cands]))
            times.append(time.perf_counter() - t)
            sizes.append(len(cands))
            r["top1"].append(bool(gold[int(probs.argmax())]))
            r["answered"].append(bool(probs.max() >= THRESHOLD))
            rest = ablate(cands, answers)
            if rest:
                aprobs = reader.score(text, [ReaderCandidate(s.text, s.previous) for s in rest])
                r["ablated_refused"].append(max(aprobs) < THRESHOLD)
    report = {
        "reader": reader.name,
        "held_out_articles": len(held_out),
        "questions": {lang: len(r["top1"]) for lang, r in results.items()},
        "top1": {lang: round(float(np.mean(r["top1"])), 3) for lang, r in results.items()},
        "answered": {lang: round(float(np.mean(r["answered"])), 3) for lang, r in results.items()},
        "ablated_refused": {lang: round(float(np.mean(r["ablated_refused"])), 3) for lang, r in results.items()},
        "candidates_median": statistics.median(sizes) if sizes else 0,
        "score_ms_median": round(statistics.median(times) * 1000, 1) if times else 0,
        "score_ms_p90": round(float(np.percentile(times, 90)) * 1000, 1) if times else 0,
    }
    return report


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--reader", default="storybot-reader")
    p.add_argument("--xquad", type=Path, default=XQUAD_DIR)
    p.add_argument("--every", type=int, default=1, help="only every n-th held-out question (a quicker sample)")
    p.add_argument("--float32", action="store_true", help="a reader folder run without int8 matmuls")
    args = p.parse_args(argv)
    if args.float32:
        folder = DATA_DIR if args.reader == BUNDLED else Path(args.reader)
        reader: Reader | None = BundledReader(folder, quantize=False)
    else:
        reader = load_reader(args.reader)
    if reader is None:
        raise SystemExit("--reader none: nothing to measure")
    t = time.perf_counter()
    report = evaluate(reader, args.xquad, args.every)
    report["float32"] = args.float32
    report["seconds"] = round(time.perf_counter() - t, 1)
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
