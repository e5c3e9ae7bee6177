"""Adding one article to a Qdrant-backed index of N articles writes O(article) (issue 22).

    OMP_NUM_THREADS=1 python bench/qdrant_add.py                      # N = 1,000 and 10,000
    OMP_NUM_THREADS=1 python bench/qdrant_add.py --sizes 1000,3000 --json out.json

What is built (not timed): a real index (`build_index`) of the 300 invented articles of
training/synthetic_news, embedded by bench/scale.py's `HashEncoder` (a deterministic 384-d stand-in
for the model: embedding costs the same whichever backend searches, so it is left out), and for each
N a fresh Qdrant collection in qdrant-client's local mode (STORYBOT_QDRANT_PATH's mode, on disk)
holding N base articles: the index's articles repeated under unique article ids (their points,
vectors and payload as `QdrantBackend` writes them, only the article id and point id differ).
ADDED articles of the index are held out of the base.

What is timed, for each held-out article, one at a time, exactly what the Qdrant backend does when
the index gains an article: `QdrantBackend.add_article` (the upsert of its chunks' points, story id
included, then the lookup by id of older ordinals past its length, to delete), and
`QdrantBackend.set_story` (its point ids looked up, then set_payload on them: what a story change
costs). Apart, `remove_article` of the article before it exists: the id lookups alone. (Until
2026-12-05 these were filters on the article id, which local mode answers by scanning every point:
O(N).) The points written come from the backend's own counter,
and the collection's point count is checked to grow by exactly that. Local mode commits every point
to its SQLite file with the default sync to disk: on a busy disk that dominates the times.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from qdrant_client import models
from scale import ROOT, HashEncoder  # bench/ is on the path when this file runs as a script

from index.build import build_index
from index.config import Settings
from index.qdrant_backend import QdrantBackend, _clients, point_id
from index.store import Snapshot, open_snapshot

ARTICLES = ROOT / "training" / "synthetic_news"
FILL_BATCH = 1024  # points per upsert while filling the base (not timed)


def build(folder: Path) -> Snapshot:
    """The real index of the synthetic articles, embedded by the stand-in model."""
    articles = folder / "articles"
    articles.mkdir(parents=True)
    for path in sorted(ARTICLES.glob("part*/articles/*.txt")):
        shutil.copy(path, articles / path.name)
    settings = Settings(articles_dir=articles, index_dir=folder / "index", model=HashEncoder.name)
    build_index(settings, HashEncoder(), progress=False)
    return open_snapshot(settings.index_dir)


def _storage(backend: QdrantBackend, name: str) -> sqlite3.Connection:
    """The SQLite file qdrant-client's local mode keeps a collection in (it commits every point)."""
    return backend.client._client.collections[name].storage.storage


def fill(backend: QdrantBackend, snapshot: Snapshot, base: list[str], n: int) -> int:
    """N base articles in the collection: the index's articles repeated under unique ids; points written.

    Local mode commits each point to its SQLite file; while filling, that file is not synced to disk
    (synchronous=OFF), so the base is written in minutes; the timed adds run with the default again.
    """
    backend._ensure_collection(snapshot.vectors.shape[1])
    storage = _storage(backend, backend.collection)
    (synchronous,) = storage.execute("PRAGMA synchronous").fetchone()
    storage.execute("PRAGMA synchronous=OFF")

    def copies() -> Iterator[models.PointStruct]:
        for i in range(n):
            source = base[i % len(base)]
            copy = f"base-{i:06d}-{source}"
            for point in backend._article_points(snapshot, source, story=i % 997):
                point.id = point_id(copy, point.payload["n"])
                point.payload["a"] = copy
                yield point

    points = backend.upsert_points(copies(), FILL_BATCH)
    storage.execute(f"PRAGMA synchronous={int(synchronous)}")
    return points


def count(backend: QdrantBackend) -> int:
    return backend.client.count(backend.collection, exact=True).count


def measure(snapshot: Snapshot, folder: Path, n: int, added: list[str], base: list[str]) -> dict:
    """Fill a collection with `n` articles, then add each of `added`: times and points written."""
    path = folder / f"qdrant-{n}"
    backend = QdrantBackend(f"bench-{n}", path=path)
    t = time.perf_counter()
    base_points = fill(backend, snapshot, base, n)
    filled = time.perf_counter() - t
    runs = []
    for article_id in added:
        before, written = count(backend), backend.points_written
        ts = time.perf_counter()
        backend.remove_article(article_id)  # not there yet: the lookup of its points by id alone
        t0 = time.perf_counter()
        backend.add_article(snapshot, article_id, story=5000)
        t1 = time.perf_counter()
        backend.set_story(article_id, 5001)
        t2 = time.perf_counter()
        points = backend.points_written - written
        assert points == snapshot.article_rows(article_id)[1] and count(backend) == before + points
        runs.append({"article": article_id, "points": points, "add_ms": (t1 - t0) * 1000,
                     "set_story_ms": (t2 - t1) * 1000, "lookup_ms": (t0 - ts) * 1000})
    backend.client.close()
    _clients.clear()  # the next size opens another folder
    shutil.rmtree(path, ignore_errors=True)
    return {
        "articles": n,
        "points": base_points,
        "fill_seconds": filled,
        "runs": runs,
        "add_ms_median": statistics.median(r["add_ms"] for r in runs),
        "set_story_ms_median": statistics.median(r["set_story_ms"] for r in runs),
        "lookup_ms_median": statistics.median(r["lookup_ms"] for r in runs),
        "points_per_article_median": statistics.median(r["points"] for r in runs),
        "ms_per_point_median": statistics.median(r["add_ms"] / r["points"] for r in runs),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000", help="base sizes N in articles, comma-separated")
    parser.add_argument("--added", type=int, default=5, help="articles added (and timed) at each size")
    parser.add_argument("--json", type=Path, help="write the figures here too")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="storybot-qdrant-add-") as tmp:
        folder = Path(tmp)
        t = time.perf_counter()
        snapshot = build(folder)
        ids = sorted(a.id for a in snapshot.articles())
        added, base = ids[-args.added:], ids[: -args.added]
        print(f"index: {len(ids)} articles, {snapshot.size} chunks, built in {time.perf_counter() - t:.0f} s "
              f"(not timed below); {len(added)} held out to be added", flush=True)
        results = []
        for n in sizes:
            result = measure(snapshot, folder, n, added, base)
            results.append(result)
            print(f"N={n:>6} articles ({result['points']} points, filled in {result['fill_seconds']:.0f} s): "
                  f"add one article median {result['add_ms_median']:.1f} ms for "
                  f"{result['points_per_article_median']:g} points written "
                  f"({result['ms_per_point_median']:.2f} ms a point); "
                  f"set_story median {result['set_story_ms_median']:.1f} ms; looking up an article's points "
                  f"{result['lookup_ms_median']:.1f} ms", flush=True)
    if len(results) > 1:
        first, last = results[0], results[-1]
        print(f"ratio N={last['articles']} / N={first['articles']}: add "
              f"{last['add_ms_median'] / first['add_ms_median']:.2f}, set_story "
              f"{last['set_story_ms_median'] / first['set_story_ms_median']:.2f}, lookup "
              f"{last['lookup_ms_median'] / first['lookup_ms_median']:.2f}, points written "
              f"{last['points_per_article_median'] / first['points_per_article_median']:.2f}")
    if args.json:
        machine = {"machine": platform.machine(), "cpus": os.cpu_count(), "python": platform.python_version(),
                   "omp_num_threads": os.environ.get("OMP_NUM_THREADS"), "date": time.strftime("%Y-%m-%d")}
        args.json.write_text(json.dumps({"machine": machine, "results": results}, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
