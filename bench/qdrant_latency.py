"""Median answer time with each search backend, on the XQuAD sample (what a lean snapshot costs to answer from).

    OMP_NUM_THREADS=1 python bench/qdrant_latency.py                  # tests/data/xquad_sample, 3 rounds
    OMP_NUM_THREADS=1 python bench/qdrant_latency.py --rounds 5

Builds the sample's index with the bundled model in a temporary folder, then asks every question of the
sample `rounds` times (after one warm-up round) through an Engine with the default backend and one with
Qdrant in local mode, alternating question by question so that both see the same machine load. Prints the
median and 90th percentile of `Engine.ask` (wall clock), the median of its search steps, and how many
answers have the same quotes with both backends.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "tests" / "data" / "xquad_sample"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--dataset", type=Path, default=SAMPLE)
    args = parser.parse_args(argv)
    from answer.engine import Engine
    from index.backend import SegmentedBackend
    from index.config import Settings
    from index.embedding import DEFAULT_MODEL, load_encoder
    from index.qdrant_backend import QdrantBackend

    questions = [json.loads(line)["question"] for line in (args.dataset / "questions.jsonl").read_text().splitlines()]
    encoder = load_encoder(DEFAULT_MODEL)
    with tempfile.TemporaryDirectory(prefix="storybot-latency-") as tmp:
        folder = Path(tmp)
        shutil.copytree(args.dataset / "articles", folder / "articles")
        settings = Settings(articles_dir=folder / "articles", index_dir=folder / "index")
        engines = {
            "segmented": Engine(settings, encoder, backend=SegmentedBackend()),
            "qdrant": Engine(settings, encoder, backend=QdrantBackend("latency", path=folder / "qdrant")),
        }
        engines["segmented"].rebuild(progress=False)
        engines["qdrant"].refresh()  # loads the index and copies it into the collection
        times: dict[str, list[float]] = {name: [] for name in engines}
        search: dict[str, list[float]] = {name: [] for name in engines}
        same = 0
        for round_ in range(args.rounds + 1):
            for question in questions:
                quotes = []
                for name, engine in engines.items():
                    started = time.perf_counter()
                    answer = engine.ask(question)
                    elapsed = (time.perf_counter() - started) * 1000
                    quotes.append([q.text for q in answer.quotes])
                    if round_:  # the first round warms caches up
                        times[name].append(elapsed)
                        steps = answer.timings_ms
                        search[name].append(sum(steps.get(k, 0.0) for k in ("lexical", "dense", "qdrant", "fusion")))
                same += round_ == 1 and quotes[0] == quotes[1]
        engines["qdrant"].backend.client.close()  # type: ignore[attr-defined]
    for name in engines:
        ordered = sorted(times[name])
        print(
            f"{name}: {len(ordered)} answers, median {statistics.median(ordered):.1f} ms, "
            f"p90 {ordered[int(0.9 * (len(ordered) - 1))]:.1f} ms, search steps median "
            f"{statistics.median(search[name]):.2f} ms"
        )
    print(f"same quotes with both backends: {same}/{len(questions)}")


if __name__ == "__main__":
    main()
