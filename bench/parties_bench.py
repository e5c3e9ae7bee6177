"""Benchmark of "who accused whom": attribution extraction's share of index build time, and the
latency of a who-answer beyond the question's embedding, at about 1,000 chunks.

The corpus is the benchmark's synthetic news-like articles (bench/corpus.py) up to ~1,000 chunks,
plus the seed article and, when ../shared is there, the news_dev articles (real multi-party stories,
read in place, never copied into the repository). Prints medians and ratios; --json keeps them.

    python bench/parties_bench.py [--chunks 1000] [--passes 5] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from corpus import load_sources, write_corpus

from answer.engine import Engine
from bench import machine
from index.articles import load_articles
from index.attribution import extract_statements
from index.build import build_index
from index.chunking import split_sentences
from index.config import Settings
from index.embedding import DEFAULT_MODEL, load_encoder
from index.statement_store import ensure_statements

ROOT = Path(__file__).resolve().parent.parent


NEWS_DEV = ROOT.parent / "shared" / "eval" / "news_dev" / "articles"
WHO_QUESTIONS = [
    "Ai cáo buộc ai trong vụ tin tặc?",
    "Who accused whom over the hacking campaign?",
    "ai cao buoc ai ve tin tac",
    "Vinasun, Grab và Uber mỗi bên nói gì về chuyện kiện tụng?",
    "Who criticised Trump's withdrawal from the Paris climate agreement?",
    "Những ai chỉ trích việc ông Trump rút khỏi thỏa thuận Paris?",
    "Trung Quốc phản ứng thế nào trước lệnh trừng phạt ngân hàng của Mỹ?",
    "Cục Hàng không đã bác bỏ những thông tin gì về Bamboo Airways?",
]
ORDINARY_QUESTIONS = [
    "Có bao nhiêu máy chủ của Trung Quốc bị kiểm soát?",
    "Oslo tuyên bố điều gì?",
    "Bộ Tư pháp Mỹ buộc tội bao nhiêu người?",
    "How many servers were controlled?",
]


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def _p90(values: list[float]) -> float:
    return sorted(values)[int(0.9 * (len(values) - 1))] if values else 0.0


def corpus(folder: Path, chunks: int) -> dict[str, int]:
    """Synthetic articles up to `chunks` chunks, plus the seed and the news_dev articles."""
    counts = write_corpus(folder, load_sources(seeds=ROOT / "seeds"), chunks)
    for source in [*sorted((ROOT / "seeds").glob("*.txt")), *sorted(NEWS_DEV.glob("*.txt"))]:
        shutil.copyfile(source, folder / f"news_{source.name}")
    return counts


def extraction(folder: Path, repeats: int = 3) -> dict[str, float]:
    """Extraction over every article, alone: seconds (median of `repeats`) and ms per sentence."""
    articles, _ = load_articles(folder)
    sentences = sum(len(split_sentences(a.text[p.start : p.end])) for a in articles for p in a.paragraphs)
    times = []
    statements = 0
    for _ in range(repeats):
        started = time.perf_counter()
        statements = sum(len(extract_statements(a)) for a in articles)
        times.append(time.perf_counter() - started)
    seconds = _median(times)
    return {
        "articles": len(articles),
        "sentences": sentences,
        "statements": statements,
        "seconds": seconds,
        "ms_per_sentence": 1000 * seconds / max(1, sentences),
        "ms_per_article": 1000 * seconds / max(1, len(articles)),
    }


def build_share(folder: Path, encoder) -> dict[str, float]:
    """A fresh build with statements, and the time its statement step takes inside it."""
    with tempfile.TemporaryDirectory(prefix="storybot-bench-parties-") as tmp:
        settings = Settings(articles_dir=folder, index_dir=Path(tmp) / "index")
        started = time.perf_counter()
        summary = build_index(settings, encoder, progress=False)
        build = time.perf_counter() - started
        articles, _ = load_articles(folder)
        again = Path(tmp) / "statements-only"
        started = time.perf_counter()
        ensure_statements(again, articles)  # the build's statement step, timed alone (extraction + file writes)
        step = time.perf_counter() - started
    return {
        "chunks": summary.chunks,
        "build_s": build,
        "statement_step_s": step,
        "share_of_build_without_it": step / max(1e-9, build - step),
    }


def latency(folder: Path, encoder, passes: int) -> dict[str, dict[str, float]]:
    """Time beyond the question's embedding, for who-questions and for ordinary ones."""
    with tempfile.TemporaryDirectory(prefix="storybot-bench-parties-") as tmp:
        engine = Engine(Settings(articles_dir=folder, index_dir=Path(tmp) / "index"), encoder)
        engine.rebuild(progress=False)
        out = {}
        for name, questions in (("who", WHO_QUESTIONS), ("ordinary", ORDINARY_QUESTIONS)):
            beyond, parties, party_counts = [], [], []
            for question in questions:
                engine.ask(question)  # warm: statement files read once, as a running bot has them
            for _ in range(passes):
                for question in questions:
                    answer = engine.ask(question)
                    t = answer.timings_ms
                    beyond.append(t["total"] - t["embed"])
                    parties.append(t.get("parties", 0.0))
                    party_counts.append(len(answer.parties))
            out[name] = {
                "questions": len(questions) * passes,
                "beyond_embedding_median_ms": _median(beyond),
                "beyond_embedding_p90_ms": _p90(beyond),
                "parties_step_median_ms": _median(parties),
                "parties_median": _median(party_counts),
            }
        return out


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chunks", type=int, default=1000, help="synthetic chunks before the news articles")
    parser.add_argument("--passes", type=int, default=5, help="times each question is asked")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    folder = ROOT / "data" / "bench" / "corpus" / f"parties{args.chunks}" / "articles"
    counts = corpus(folder, args.chunks)
    encoder = load_encoder(DEFAULT_MODEL)
    results = {
        "machine": machine(),
        "corpus": counts | {"news_dev": NEWS_DEV.is_dir()},
        "extraction": extraction(folder),
        "build": build_share(folder, encoder),
        "latency": latency(folder, encoder, args.passes),
    }
    e, b, lat = results["extraction"], results["build"], results["latency"]
    print(f"corpus: {e['articles']} articles, {b['chunks']} chunks, {e['sentences']} sentences")
    print(
        f"extraction alone: {e['seconds']:.2f} s ({e['ms_per_sentence']:.3f} ms/sentence, "
        f"{e['ms_per_article']:.2f} ms/article, {e['statements']} statements)"
    )
    print(
        f"fresh build: {b['build_s']:.1f} s, of which the statement step {b['statement_step_s']:.2f} s "
        f"= +{100 * b['share_of_build_without_it']:.1f}% over the build without it"
    )
    for name, row in lat.items():
        print(
            f"{name}: beyond the embedding median {row['beyond_embedding_median_ms']:.1f} ms, "
            f"p90 {row['beyond_embedding_p90_ms']:.1f} ms (parties step {row['parties_step_median_ms']:.1f} ms, "
            f"{row['parties_median']:.0f} parties)"
        )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=1, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
