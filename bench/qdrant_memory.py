"""What a process holds in memory over one index, with the default backend and with Qdrant (issue 22).

    OMP_NUM_THREADS=1 python bench/qdrant_memory.py              # 1,000 articles
    OMP_NUM_THREADS=1 python bench/qdrant_memory.py --articles 3000

Builds (not measured) an index of N articles in a temporary folder, the 300 of training/synthetic_news
repeated with numbered titles, embedded by bench/scale.py's HashEncoder (384-d, no model loaded: the
model costs the same with either backend), and copies it into a Qdrant collection in local mode. Then,
in a fresh process per backend, the resident memory (VmRSS, and its anonymous part RssAnon) after each
step of what a bot does at start: import and encoder, open the snapshot (as the backend asks: in memory
for the default backend, lean for Qdrant, see index.store.SnapshotMode), open the backend, answer one
search, then read one article's vectors (what stories do). In memory: the bytes of vectors and postings
the process holds (a lean snapshot holds none: they stay in their files).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scale import ROOT, HashEncoder  # bench/ is on the path when this file runs as a script

QUESTION = "Bộ trưởng cáo buộc ai bán phá giá thép?"


def rss_mb(field: str = "VmRSS") -> float:
    """This process's resident memory now (`field` of /proc/self/status: VmRSS, RssAnon or RssFile)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def setup(folder: Path, articles: int) -> None:
    """The index of `articles` articles and its Qdrant collection (local mode) in `folder`."""
    from index.build import build_index
    from index.config import Settings
    from index.qdrant_backend import QdrantBackend, _clients
    from index.store import open_snapshot

    out = folder / "articles"
    out.mkdir(parents=True)
    sources = sorted((ROOT / "training" / "synthetic_news").glob("part*/articles/*.txt"))
    for i in range(articles):
        title, rest = sources[i % len(sources)].read_text(encoding="utf-8").split("\n", 1)
        (out / f"{i:05d}.txt").write_text(f"{title} ({i // len(sources) + 1})\n{rest}", encoding="utf-8")
    settings = Settings(articles_dir=out, index_dir=folder / "index", model=HashEncoder.name)
    build_index(settings, HashEncoder(), progress=False)
    backend = QdrantBackend("memory", path=folder / "qdrant")
    backend.sync(open_snapshot(settings.index_dir))
    backend.client.close()  # before the interpreter's shutdown, which local mode's own close trips on
    _clients.clear()


def measure(folder: Path, kind: str) -> dict:
    """Resident memory after each start-up step, in this (fresh) process."""
    start = rss_mb()
    from index.backend import SegmentedBackend
    from index.store import open_snapshot
    from index.text import query_tokens

    encoder = HashEncoder()
    encoder.encode_query("start-up")
    loaded, loaded_anon = rss_mb(), rss_mb("RssAnon")
    started = time.perf_counter()
    # As an Engine opens it for this backend (checked below; qdrant-client is imported in the backend's step).
    snapshot = open_snapshot(folder / "index", mode="lean" if kind == "qdrant" else "memory")
    open_s = time.perf_counter() - started
    opened, opened_anon = rss_mb(), rss_mb("RssAnon")
    if kind == "qdrant":
        from index.qdrant_backend import QdrantBackend

        backend = QdrantBackend("memory", path=folder / "qdrant")
        backend.client.count(backend.collection)
    else:
        backend = SegmentedBackend()
    assert backend.snapshot_mode == snapshot.mode
    with_backend = rss_mb()
    terms = dict.fromkeys((t for t in query_tokens(QUESTION) if t in snapshot.lexical.bm25.vocab_dict), 1.0)
    backend.search(snapshot, terms, encoder.encode_query(QUESTION), 100)
    searched = rss_mb()
    snapshot.article_vectors(snapshot.articles()[0].id)
    vectors_read = rss_mb()
    if kind == "qdrant":
        backend.client.close()
    segments = snapshot.segments
    postings = [s.postings for s in segments if s.postings is not None]
    return {
        "backend": kind, "snapshot": snapshot.mode, "articles": snapshot.manifest.article_count,
        "chunks": snapshot.size, "start_mb": start, "python_libraries_encoder_mb": loaded,
        "snapshot_mb": opened - loaded, "snapshot_anon_mb": opened_anon - loaded_anon, "open_s": open_s,
        "backend_mb": with_backend - opened, "search_mb": searched - with_backend,
        "article_vectors_mb": vectors_read - searched, "total_mb": vectors_read,
        "vectors_in_memory_mb": sum(s.vectors.nbytes for s in segments) / 2**20,
        "postings_in_memory_mb": sum(sum(a.nbytes for a in (p.indptr, p.docs, p.tfs, p.doc_len))
                                     for p in postings) / 2**20,
        "chunks_sqlite_mb": sum((folder / "index" / "segments" / s.name / "chunks.sqlite").stat().st_size
                                for s in segments) / 2**20,
        "sqlite_on_disk": all(Path(s._db.execute("PRAGMA database_list").fetchone()[2]).is_file() for s in segments),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--measure", nargs=2, metavar=("FOLDER", "BACKEND"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(Path(args.measure[0]), args.measure[1])))
        return
    folder = Path(tempfile.mkdtemp(prefix="storybot-qdrant-memory-"))
    try:
        setup(folder, args.articles)
        for kind in ("segmented", "qdrant"):
            out = subprocess.run([sys.executable, __file__, "--measure", str(folder), kind], check=True,
                                 capture_output=True, text=True).stdout
            figures = json.loads(out.strip().splitlines()[-1])
            print(" ".join(f"{k}={v:.1f}" if isinstance(v, float) else f"{k}={v}" for k, v in figures.items()))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
