"""Embedding cache for the benchmark: chunk vectors keyed by the hash of the embedded text.

Embedding 100,000 chunks with MiniLM on 2 cores takes the better part of an
hour, so the large tier's vectors are computed once and stored under
data/bench/vectors/<model>/ in shards (progress survives an interrupted run).
`CachedEncoder` is a real `Encoder` whose `encode_passages` serves cached
vectors and encodes (and stores) only the misses, so the benchmark still runs
the real `build_index` path.
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from index.embedding import Encoder

SHARD = 2048  # vectors per shard file


def text_key(text: str) -> bytes:
    """The cache key of an embedded text (the same hash a chunk's `key` uses)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32].encode()


class VectorCache:
    """Vectors by text key, stored as .npz shards in `folder`.

    Only the keys are read up front; vectors are read shard by shard when
    asked for, so a build served from the cache holds no more vectors in
    memory than a build that embeds them (its peak RSS stays comparable).
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.shards: list[Path] = []
        self.rows: dict[bytes, tuple[int, int]] = {}  # key -> (shard, row)
        for path in sorted(folder.glob("shard-*.npz")):
            self._add_shard(path)

    def _add_shard(self, path: Path) -> None:
        with np.load(path) as data:
            keys = data["keys"]
        shard = len(self.shards)
        self.shards.append(path)
        for row, key in enumerate(keys):
            self.rows[bytes(key)] = (shard, row)

    def __contains__(self, key: bytes) -> bool:
        return key in self.rows

    def get(self, keys: list[bytes]) -> np.ndarray:
        """Vectors of `keys` (all present), in order."""
        where = [self.rows[k] for k in keys]
        out = None
        by_shard: dict[int, list[tuple[int, int]]] = {}
        for i, (shard, row) in enumerate(where):
            by_shard.setdefault(shard, []).append((i, row))
        for shard, items in by_shard.items():
            with np.load(self.shards[shard]) as data:
                vectors = data["vectors"]
            if out is None:
                out = np.empty((len(keys), vectors.shape[1]), dtype=np.float32)
            idx = np.array(items, dtype=np.int64)
            out[idx[:, 0]] = vectors[idx[:, 1]]
        return out if out is not None else np.zeros((0, 0), dtype=np.float32)

    def put(self, keys: list[bytes], vectors: np.ndarray) -> None:
        """Store vectors, one shard file per call (written atomically)."""
        if not keys:
            return
        # Unique per process and call: two benchmark processes may fill the cache at once.
        name = f"shard-{time.time_ns()}-{os.getpid()}"
        tmp = self.folder / f".{name}.tmp.npz"
        np.savez(tmp, keys=np.array(keys, dtype="S32"), vectors=vectors.astype(np.float32))
        tmp.rename(self.folder / f"{name}.npz")
        self._add_shard(self.folder / f"{name}.npz")

    def fill(self, encoder: Encoder, texts: list[str], *, bf16: bool = True, log=print) -> float:
        """Embed every text not cached yet (batch size as in builds); seconds spent.

        With `bf16` the model runs under torch's bfloat16 autocast: about 1.8x
        faster on a CPU with AVX512-BF16, and the vectors agree with float32
        ones to a cosine of 0.9999 (measured), so neighbours and recall are
        the same. Only the benchmark's cache uses it; storybot embeds in float32.
        """
        import contextlib

        import torch

        todo: dict[bytes, str] = {}
        for text in texts:
            key = text_key(text)
            if key not in self.rows:
                todo.setdefault(key, text)
        if not todo:
            return 0.0
        items = list(todo.items())
        started = time.perf_counter()
        log(f"embedding {len(items)} uncached chunks (cached under {self.folder}) ...")
        for i in range(0, len(items), SHARD):
            part = items[i : i + SHARD]
            autocast = torch.autocast("cpu", dtype=torch.bfloat16) if bf16 else contextlib.nullcontext()
            with autocast:
                vectors = encoder.encode_passages([t for _, t in part])
            self.put([k for k, _ in part], vectors)
            done = i + len(part)
            rate = done / (time.perf_counter() - started)
            log(f"  {done}/{len(items)} ({rate:.1f} chunks/s, ~{(len(items) - done) / rate / 60:.0f} min left)")
        return time.perf_counter() - started


@dataclass
class CachedEncoder(Encoder):
    """An Encoder serving passage vectors from a VectorCache (misses are embedded and cached)."""

    cache: VectorCache | None = field(default=None, repr=False)
    encoded: int = 0  # passages actually run through the model

    @classmethod
    def wrap(cls, encoder: Encoder, cache: VectorCache) -> CachedEncoder:
        """The same model, names and prompts as `encoder`, with `cache` in front."""
        return cls(
            name=encoder.name,
            model=encoder.model,
            query_prompt=encoder.query_prompt,
            passage_prompt=encoder.passage_prompt,
            cache=cache,
        )

    def encode_passages(self, texts: list[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray:
        """Cached vectors; texts not in the cache are embedded by the model and stored."""
        assert self.cache is not None
        keys = [text_key(t) for t in texts]
        missing = list(dict.fromkeys(k for k in keys if k not in self.cache))
        if missing:
            by_key = dict(zip(keys, texts))
            vectors = super().encode_passages([by_key[k] for k in missing], batch_size=batch_size, progress=progress)
            self.cache.put(missing, vectors)
            self.encoded += len(missing)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self.cache.get(keys)
