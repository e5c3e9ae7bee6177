"""Scale figures of the segmented index (issue 13): add/remove cost, memory, latency at 100k and 1M chunks.

    python bench/scale.py                 # the 100,000-chunk tier
    python bench/scale.py --tiers 100k,1m # also the 1,000,000-chunk tier (~1 h on 2 shared cores)
    python bench/scale.py --json data/bench/scale.json

Vectors come from `HashEncoder`, a deterministic stand-in for the model (a
random projection of the chunk's hashed tokens, 384-d like multilingual-e5-
small): embedding 1,000,000 chunks with the real model would take days on
2 cores, and every figure here is "beyond the embedding" anyway. Similar
texts get similar vectors, so the approximate index has real neighbourhoods
to find. The articles are bench/corpus.py's synthetic Vietnamese news
articles, written as files, and every step runs the real code path
(`build_index`, `Engine.ask`) in its own process, so each peak RSS is that
step's own.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.embedding import Encoder
from index.text import document_tokens

ROOT = Path(__file__).resolve().parent.parent


DATA = ROOT / "data" / "bench" / "scale"
TIERS = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000}
BUCKETS = 1 << 15
DIM = 384
QUESTIONS = 632


@dataclass
class HashEncoder(Encoder):
    """A stand-in model: unit vectors from a fixed random projection of hashed tokens."""

    name: str = "bench-hash-384"
    model: object = None

    @property
    def dimension(self) -> int:
        """384, as multilingual-e5-small."""
        return DIM

    def encode_query(self, text: str) -> np.ndarray:
        """The question's vector."""
        return self._project([text])[0]

    def encode_passages(self, texts: list[str], **kwargs: object) -> np.ndarray:
        """The passages' vectors."""
        return self._project(texts)

    def _project(self, texts: list[str]) -> np.ndarray:
        from scipy.sparse import csr_matrix

        table = _table()
        rows, cols = [], []
        for i, text in enumerate(texts):
            buckets = [zlib.crc32(t.encode()) % BUCKETS for t in document_tokens(text)]
            rows += [i] * len(buckets)
            cols += buckets
        counts = csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(len(texts), BUCKETS))
        counts.data = np.sqrt(counts.data)  # damp repeated tokens
        vectors = np.asarray(counts @ table, dtype=np.float32)
        vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)
        return vectors


_TABLE: np.ndarray | None = None


def _table() -> np.ndarray:
    global _TABLE
    if _TABLE is None:
        # A shared topic direction plus token noise: like real sentence embeddings, all vectors sit in a cone.
        rng = np.random.default_rng(7)
        _TABLE = (rng.standard_normal((BUCKETS, DIM), dtype=np.float32) + 0.5).astype(np.float32)
    return _TABLE


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _settings(tier: str):
    from index.config import Settings

    return Settings(articles_dir=DATA / tier / "articles", index_dir=DATA / tier / "index", model=HashEncoder.name)


def _du(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _questions() -> list[str]:
    from corpus import SHARED

    lines = (SHARED / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip()][:QUESTIONS]


def _stats(values: list[float]) -> dict[str, float]:
    values = sorted(values)
    return {"median": statistics.median(values), "p95": values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]}


# ------------------------------------------------------------------ workers (one process each)


def work_corpus(tier: str) -> dict:
    """Write the tier's synthetic articles (files left as they are when already there)."""
    from corpus import load_sources, write_corpus

    t = time.perf_counter()
    counts = write_corpus(DATA / tier / "articles", load_sources(seeds=ROOT / "seeds"), TIERS[tier])
    return {**counts, "seconds": time.perf_counter() - t}


def work_build(tier: str, exact: bool = False) -> dict:
    """A full build of the tier from scratch: seconds and peak RSS (`exact`: no HNSW graph)."""
    from index import vectors
    from index.build import build_index

    if exact:
        vectors.APPROXIMATE_FROM = 1 << 62

    settings = _settings(tier)
    shutil.rmtree(settings.index_dir, ignore_errors=True)
    t = time.perf_counter()
    summary = build_index(settings, HashEncoder(), progress=False)
    return {
        "seconds": time.perf_counter() - t,
        "chunks": summary.chunks,
        "articles": summary.articles,
        "index_bytes": _du(settings.index_dir),
        "rss_mb": _rss_mb(),
    }


def work_add_remove(tier: str, repeats: int) -> dict:
    """Add one new article, then remove it, `repeats` times: seconds and bytes written by each build.

    Each round adds and removes twice: as an upload, a link or a feed does (the build is told
    the file: `only=`), and as `storybot index` does after a file is dropped into the folder
    (the whole folder is listed and compared).
    """
    from corpus import load_sources, synthetic_article

    from index.build import build_index, merge_segments
    from index.store import build_lock, open_snapshot, read_manifest

    settings = _settings(tier)
    encoder = HashEncoder()
    sources = load_sources(seeds=ROOT / "seeds")
    first = read_manifest(settings.index_dir).article_count + 1_000
    encoder.encode_query("start-up")  # the projection table is made once, like loading a model
    runs: dict[str, list[dict]] = {"add": [], "remove": [], "add_scan": [], "remove_scan": [], "remove_old": []}
    # A serving process switches to each new generation, reusing what it loaded (Engine.refresh).
    snapshot = open_snapshot(settings.index_dir)

    def timed(step: str, only: list[str] | None, expect: str) -> None:
        nonlocal snapshot
        t = time.perf_counter()
        summary = build_index(settings, encoder, progress=False, merge=False, only=only)
        built = time.perf_counter()
        snapshot = open_snapshot(settings.index_dir, reuse=snapshot)
        switched = time.perf_counter()
        runs[step].append({"seconds": built - t, "switch": switched - built, "written": summary.written_bytes})
        assert getattr(summary, expect) == 1, (step, summary)

    for i in range(repeats):
        for scan in (False, True):
            name, text = synthetic_article(sources, first + 2 * i + scan)
            path = settings.articles_dir / f"new-{name}"
            path.write_text(text, encoding="utf-8")
            timed("add_scan" if scan else "add", None if scan else [path.name], "added")
            path.unlink()
            timed("remove_scan" if scan else "remove", None if scan else [path.name], "removed")
        # An article indexed long ago (in the large first segment) removed; put back afterwards.
        old = settings.articles_dir / f"{(i * 7919) % 1000:06d}.txt"
        text = old.read_bytes()
        old.unlink()
        timed("remove_old", [old.name], "removed")
        old.write_bytes(text)
        build_index(settings, encoder, progress=False, merge=False, only=[old.name])
        snapshot = open_snapshot(settings.index_dir, reuse=snapshot)
    with build_lock(settings.index_dir):
        t = time.perf_counter()
        merged = merge_segments(settings.index_dir)
        merge_s = time.perf_counter() - t
    duplicates = _duplicate_checks(settings, repeats)
    out = {f"{step}_s": _stats([r["seconds"] for r in rows]) for step, rows in runs.items()}
    out.update({f"{step}_switch_s": _stats([r["switch"] for r in rows]) for step, rows in runs.items()})
    out.update({f"{step}_written": statistics.median(r["written"] for r in rows) for step, rows in runs.items()})
    return {
        **out,
        "index_bytes": _du(settings.index_dir),
        "merged_segments": merged,
        "merge_s": merge_s,
        **duplicates,
        "rss_mb": _rss_mb(),
    }


def _duplicate_checks(settings, repeats: int) -> dict:
    """Seconds to tell whether a link's article is already there, looked up in the index, vs reading every file.

    `storybot add` checks the address, then the text; each check here is a fresh process's first.
    """
    from index.articles import list_article_files, load_article
    from ingest.library import Library, known_articles, text_fingerprint

    folder = settings.articles_dir
    names = sorted(p.name for p in folder.iterdir())
    found, lookups = 0, []
    for i in range(repeats):
        article = load_article(folder, folder / names[(i * 7919) % len(names)])
        t = time.perf_counter()
        library = Library(folder, settings.index_dir)  # a fresh one, as each `storybot add` process has
        missing = library.by_url(f"https://bao.example/bai-moi-{i}.html")
        same = library.by_text(text_fingerprint(article))
        lookups.append(time.perf_counter() - t)
        found += missing is None and same is not None and same.article_id == article.id
    t = time.perf_counter()
    scanned = len(known_articles(folder))
    scan_s = time.perf_counter() - t
    assert found == repeats and scanned == len(list_article_files(folder)), (found, scanned)
    return {"duplicate_check_s": _stats(lookups), "duplicate_scan_s": scan_s}


def work_serve(tier: str) -> dict:
    """Load the engine, answer every question warm: latency beyond the embedding, recall, peak RSS."""
    import faiss

    from answer.engine import Engine
    from index.vectors import search_vectors

    settings = _settings(tier)
    encoder = HashEncoder()
    engine = Engine(settings, encoder)
    t = time.perf_counter()
    snapshot = engine.snapshot
    load_s = time.perf_counter() - t
    questions = _questions()
    for q in questions[:20]:
        engine.ask(q)  # warm-up
    rest, lexical, dense, fusion = [], [], [], []
    for q in questions:
        answer = engine.ask(q)
        t = answer.timings_ms
        rest.append(t["total"] - t["embed"])
        lexical.append(t["lexical"])
        dense.append(t["dense"])
        fusion.append(t["total"] - t["embed"] - t["lexical"] - t["dense"])
    rss_serving = _rss_mb()
    # Recall@5 of the index as searched (HNSW segments + exact small ones) against exact search.
    queries = np.stack([encoder.encode_query(q) for q in questions])
    exact = faiss.IndexFlatIP(DIM)
    rows = snapshot.vectors.shape[0]
    for start in range(0, rows, 100_000):
        exact.add(np.ascontiguousarray(snapshot.vectors[np.arange(start, min(start + 100_000, rows))]))
    _, truth = exact.search(queries, 5)
    hits = 0
    for q, row in zip(queries, truth):
        _, found = search_vectors(snapshot.dense, q, 5)
        hits += len(set(found.tolist()) & set(row.tolist()))
    return {
        "chunks": snapshot.size,
        "segments": len(snapshot.segments),
        "load_s": load_s,
        "rest_ms": _stats(rest),
        "lexical_ms": _stats(lexical),
        "dense_ms": _stats(dense),
        "fusion_quotes_ms": _stats(fusion),
        "recall5": hits / (5 * len(questions)),
        "questions": len(questions),
        "rss_mb": rss_serving,
    }


WORKERS = {"corpus": work_corpus, "build": work_build, "add_remove": work_add_remove, "serve": work_serve}


def _run(name: str, **kwargs: object) -> dict:
    cmd = [sys.executable, __file__, "--worker", name, "--kwargs", json.dumps(kwargs)]
    print(f"[{time.strftime('%H:%M:%S')}] {name} {kwargs}", file=sys.stderr, flush=True)
    out = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True, check=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    print(f"    {json.dumps(result)}", file=sys.stderr, flush=True)
    return result


def machine() -> dict[str, str]:
    """Where the figures were taken."""
    import faiss

    lines = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")), "?")
    return {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "cpu": f"{os.cpu_count()} cores, {cpu}",
        "python": platform.python_version(),
        "faiss": faiss.__version__,
        "numpy": np.__version__,
        "load average at start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiers", default="100k")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip", default="", help="comma-separated steps to leave out: corpus,build,add_remove,serve")
    parser.add_argument("--exact", action="store_true", help="build without HNSW graphs (add/remove and BM25 only)")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--worker")
    parser.add_argument("--kwargs", default="{}")
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(WORKERS[args.worker](**json.loads(args.kwargs))))
        return 0
    skip = set(args.skip.split(","))
    results: dict[str, object] = {"machine": machine()}
    for tier in args.tiers.split(","):
        r: dict[str, object] = {}
        for step in ("corpus", "build", "add_remove", "serve"):
            if step in skip:
                continue
            kwargs: dict[str, object] = {"tier": tier}
            if step == "add_remove":
                kwargs["repeats"] = args.repeats
            if step == "build" and args.exact:
                kwargs["exact"] = True
            r[step] = _run(step, **kwargs)
        results[tier] = r
    results["machine"]["load average at end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    text = json.dumps(results, indent=1)
    print(text)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
