"""Median answer time per search backend and snapshot mode on the XQuAD sample: what a lean snapshot costs.

    OMP_NUM_THREADS=1 python bench/qdrant_latency.py                  # tests/data/xquad_sample, 3 rounds
    OMP_NUM_THREADS=1 python bench/qdrant_latency.py --rounds 5

Builds the sample's index with the bundled model in a temporary folder, then asks every question of the
sample `rounds` times (after one warm-up round) through three engines, alternating question by question so
that all see the same machine load: the default backend (snapshot in memory), Qdrant in local mode over a
snapshot in memory (how a Qdrant-backed engine ran before lean snapshots), and Qdrant over a lean snapshot
(what it does now; index.store.SnapshotMode). Prints the median and 90th percentile of `Engine.ask` (wall
clock), the median of its search steps, and how many answers have the same quotes as the default backend's.
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

    class QdrantOverMemory(QdrantBackend):
        """Qdrant's search over a snapshot held in memory: the engine as it ran before lean snapshots."""

        snapshot_mode = "memory"

    questions = [json.loads(line)["question"] for line in (args.dataset / "questions.jsonl").read_text().splitlines()]
    encoder = load_encoder(DEFAULT_MODEL)
    with tempfile.TemporaryDirectory(prefix="storybot-latency-") as tmp:
        folder = Path(tmp)
        shutil.copytree(args.dataset / "articles", folder / "articles")
        settings = Settings(articles_dir=folder / "articles", index_dir=folder / "index")
        engines = {
            "segmented": Engine(settings, encoder, backend=SegmentedBackend()),
            "qdrant, memory snapshot": Engine(
                settings, encoder, backend=QdrantOverMemory("latency", path=folder / "qdrant")
            ),
            "qdrant, lean snapshot": Engine(
                settings, encoder, backend=QdrantBackend("latency", path=folder / "qdrant")
            ),
        }
        engines["segmented"].rebuild(progress=False)
        for engine in engines.values():
            engine.refresh()  # loads the index (the first Qdrant engine copies it into the collection)
        assert [e.snapshot.mode for e in engines.values()] == ["memory", "memory", "lean"]
        times: dict[str, list[float]] = {name: [] for name in engines}
        search: dict[str, list[float]] = {name: [] for name in engines}
        same = dict.fromkeys(engines, 0)
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
                if round_ == 1:
                    for name, found in zip(engines, quotes):
                        same[name] += found == quotes[0]
        engines["qdrant, lean snapshot"].backend.client.close()  # type: ignore[attr-defined]
    for name in engines:
        ordered = sorted(times[name])
        print(
            f"{name}: {len(ordered)} answers, median {statistics.median(ordered):.1f} ms, "
            f"p90 {ordered[int(0.9 * (len(ordered) - 1))]:.1f} ms, search steps median "
            f"{statistics.median(search[name]):.2f} ms, same quotes as the default backend's "
            f"{same[name]}/{len(questions)}"
        )


if __name__ == "__main__":
    main()
