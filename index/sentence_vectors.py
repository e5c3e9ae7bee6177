"""Embeddings of single sentences, for choosing which sentence of a passage to quote.

Passages are retrieved by their own embeddings; the quote is then chosen
among their sentences, and the model at sentence level tells which sentence
says what the question asks (for an English question over Vietnamese text it
is the only evidence there is). Sentence vectors are computed when an article
is indexed and kept in a content-addressed SQLite table beside the index
generations: a row's key is a hash of the model, prompt and sentence text, so
a row is never wrong, only possibly unused. Rows are added before a new
generation becomes current, so readers of any live generation find theirs;
rows of removed articles stay (disk space only). A missing or unreadable
table only costs the feature: the passage's similarity stands in.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from .chunking import Chunk
from .embedding import Encoder

log = logging.getLogger(__name__)

FILE_NAME = "sentences.sqlite"
# float16 halves the table; cosines move by < 1e-3, far below any decision margin.
_DTYPE = np.float16


def sentence_key(encoder_id: str, text: str) -> str:
    """The row key of `text` embedded by the encoder described by `encoder_id`."""
    return hashlib.sha256(f"{encoder_id}\x00{text}".encode()).hexdigest()[:32]


def encoder_id(encoder: Encoder) -> str:
    """What identifies an encoder's sentence vectors: model name and passage prompt."""
    return f"{encoder.name}\x00{encoder.passage_prompt}"


class SentenceVectors:
    """Read and add sentence vectors in `index_dir`/sentences.sqlite. Safe to share between threads."""

    def __init__(self, index_dir: Path, encoder: Encoder) -> None:
        self.path = Path(index_dir) / FILE_NAME
        self.encoder = encoder
        self._id = encoder_id(encoder)
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None

    def _connect(self) -> sqlite3.Connection | None:
        if self._db is not None:
            return self._db
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB NOT NULL)")
        except (sqlite3.Error, OSError) as err:
            log.warning("sentence vectors unavailable (%s): quotes are chosen on words alone", err)
            self._reset_corrupt(err)
            return None
        self._db = db
        return db

    def _reset_corrupt(self, err: Exception) -> None:
        # A damaged table is only a cache: drop it so the next build recreates it.
        if isinstance(err, sqlite3.DatabaseError) and not isinstance(err, sqlite3.OperationalError):
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    def lookup(self, texts: list[str]) -> np.ndarray | None:
        """Unit vectors of `texts` (rows of zeros for unknown ones), or None when the table is unusable."""
        keys = [sentence_key(self._id, t) for t in texts]
        with self._lock:
            db = self._connect()
            if db is None:
                return None
            try:
                rows = dict(
                    db.execute(
                        f"SELECT key, vector FROM vectors WHERE key IN ({','.join('?' * len(keys))})", keys
                    ).fetchall()
                )
            except sqlite3.Error as err:
                log.warning("sentence vectors unreadable (%s): quotes are chosen on words alone", err)
                self._db = None
                return None
        out = np.zeros((len(texts), self.encoder.dimension), dtype=np.float32)
        for i, key in enumerate(keys):
            blob = rows.get(key)
            if blob is not None and len(blob) == out.shape[1] * np.dtype(_DTYPE).itemsize:
                out[i] = np.frombuffer(blob, dtype=_DTYPE)
        return out

    def add(self, texts: Iterable[str], *, progress: bool = False) -> int:
        """Embed and store the sentences not stored yet; returns how many were embedded."""
        unique = list(dict.fromkeys(texts))
        with self._lock:
            db = self._connect()
            if db is None:
                return 0
            known: set[str] = set()
            keys = {t: sentence_key(self._id, t) for t in unique}
            values = list(keys.values())
            for i in range(0, len(values), 900):  # SQLite's bound-parameter limit
                part = values[i : i + 900]
                known.update(
                    k
                    for (k,) in db.execute(f"SELECT key FROM vectors WHERE key IN ({','.join('?' * len(part))})", part)
                )
        missing = [t for t in unique if keys[t] not in known]
        if not missing:
            return 0
        vectors = self.encoder.encode_passages(missing, progress=progress).astype(_DTYPE)
        with self._lock:
            db = self._connect()
            if db is None:
                return 0
            with db:
                db.executemany(
                    "INSERT OR REPLACE INTO vectors (key, vector) VALUES (?, ?)",
                    [(keys[t], v.tobytes()) for t, v in zip(missing, vectors)],
                )
        return len(missing)

    def close(self) -> None:
        """Close the connection (a new one opens on next use)."""
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None


def sentence_texts(chunks: Iterable[Chunk]) -> list[str]:
    """The text of every sentence of `chunks`, in order."""
    return [c.text[a - c.start : b - c.start] for c in chunks for a, b in c.sentences]

