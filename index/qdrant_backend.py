"""The Qdrant search backend: one collection per index, dense and BM25 sides both in Qdrant.

Each chunk is one point (id: a UUID from its article id and ordinal, so writing an article again
replaces its points) with
- "dense": the chunk's embedding, cosine distance (HNSW);
- "bm25": a sparse vector of storybot's own Vietnamese tokens (`text.document_tokens`, folded as the
  segmented index folds them), each valued tf / (tf + k1 * (1 - b + b * len / avglen)); the
  collection's IDF modifier multiplies in ln(1 + (N - df + 0.5) / (df + 0.5)), Lucene's IDF, the one
  `lexical.py` uses, so a query's score is the same BM25. Token ids are 32-bit hashes of the tokens
  (Qdrant's sparse indices are u32); avglen is the corpus's when the article was written (as the
  segmented index keeps posting weights while the average drifts little).
- payload: article id ("a"), chunk ordinal ("n"), the article's content hash ("h"), paragraph,
  offsets, date, outlet and story id ("story", index/stories.py; absent until the article is
  grouped); indexed fields "a", "n" and "story".
Adding an article is an upsert of its points (then a delete of the ordinals past its new length),
removing one a delete of its points by id: O(article), found by id lookups, never by a filter (which
local mode answers by scanning every point). A sync groups the new articles into stories first (the
index's stories.sqlite), so an added article's points are written once, story id included; an article
whose story changes while its text does not (a regrouped stories.sqlite) gets the new id by
set_payload on its point ids: only that article's points are touched.

Search asks Qdrant for the dense top and the BM25 top in one batch, then the BM25 score of the dense
side's other chunks in a second request, and fuses client-side exactly as the segmented backend does
(Qdrant's own RRF fusion ranks differently, measured in BENCHMARKS.md). Hits are mapped back to the
snapshot's rows by (article id, ordinal): chunks, sentences and article text still come from the index
(quotes verbatim); a point whose content hash is not the snapshot's (another generation) is left out.
"""

from __future__ import annotations

import hashlib
import itertools
import threading
import time
import uuid
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Mapping
from pathlib import Path

import numpy as np
from qdrant_client import QdrantClient, models

from .backend_types import Candidates, SyncSummary
from .errors import StorybotError
from .lexical import K1, B
from .store import Snapshot, SnapshotMode
from .stories import StoryStore
from .text import document_tokens

DENSE = "dense"
SPARSE = "bm25"
STORY = "story"  # payload key of the story id
UPSERT_BATCH = 256  # points per upsert request
PROBE_BATCH = 64  # point ids per lookup of an article's stored points
_POINT_NAMESPACE = uuid.UUID("0f6d3c9e-52b1-4c55-9b1e-6f0d4b1a7c21")
_clients: dict[str, QdrantClient] = {}  # local mode allows one client per folder in a process
_clients_lock = threading.Lock()


def collection_name(index_dir: Path) -> str:
    """The default collection of an index: named from its folder, so each index has its own."""
    digest = hashlib.sha1(str(index_dir.resolve()).encode()).hexdigest()[:12]
    return f"storybot-{digest}"


def token_id(token: str) -> int:
    """A token's sparse index: the first 32 bits of its BLAKE2b hash (stable across processes)."""
    return int.from_bytes(hashlib.blake2b(token.encode("utf-8"), digest_size=4).digest(), "big")


def term_vector(tokens: list[str], avg_len: float) -> models.SparseVector:
    """A chunk's sparse BM25 vector: each token's tf / (tf + k1 * (1 - b + b * len / avglen))."""
    counts: Counter[int] = Counter(token_id(t) for t in tokens)
    norm = K1 * ((1 - B) + B * len(tokens) / avg_len) if avg_len else K1
    ids = sorted(counts)
    return models.SparseVector(indices=ids, values=[counts[i] / (counts[i] + norm) for i in ids])


def point_id(article_id: str, ordinal: int) -> str:
    """The point of an article's `ordinal`-th chunk."""
    return str(uuid.uuid5(_POINT_NAMESPACE, f"{article_id}\x00{ordinal}"))


def _client(url: str | None, path: Path | None) -> QdrantClient:
    key = url or f"path:{path}"
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            try:
                client = QdrantClient(url=url) if url else QdrantClient(path=str(path))
            except (RuntimeError, ValueError, OSError) as err:
                where = url or path
                raise StorybotError(
                    f"cannot open Qdrant at {where} ({err}). Check STORYBOT_QDRANT_URL / STORYBOT_QDRANT_PATH; "
                    "a local-mode folder can be used by one process at a time."
                ) from None
            _clients[key] = client
        return client


class QdrantBackend:
    """A search backend on one Qdrant collection (see the module docstring)."""

    name = "qdrant"
    # Qdrant searches: the process keeps only what quotes, IDF weights and stories read (store.SnapshotMode).
    snapshot_mode: SnapshotMode = "lean"

    def __init__(self, collection: str, *, url: str | None = None, path: Path | None = None) -> None:
        if not url and path is None:
            raise ValueError("QdrantBackend needs a url or a path")
        self.collection = collection
        self.client = _client(url, path)
        self.local = url is None  # qdrant-client's local mode, which has no payload indexes
        self.points_written = 0  # chunks upserted by this process (the O(article) benchmark counts them)
        self.payload_updates = 0  # articles whose story id was set in place (set_payload), by this process

    # -- writing -------------------------------------------------------------------------------

    def _ensure_collection(self, dimension: int) -> None:
        if self.client.collection_exists(self.collection):
            return
        self.client.create_collection(
            self.collection,
            vectors_config={DENSE: models.VectorParams(size=dimension, distance=models.Distance.COSINE)},
            sparse_vectors_config={SPARSE: models.SparseVectorParams(modifier=models.Modifier.IDF)},
        )
        if not self.local:  # the filters of delete-by-article and sync; local mode scans instead
            for field, schema in (
                ("a", models.PayloadSchemaType.KEYWORD),
                ("n", models.PayloadSchemaType.INTEGER),
                (STORY, models.PayloadSchemaType.INTEGER),
            ):
                self.client.create_payload_index(self.collection, field, field_schema=schema)

    def _article_points(
        self, snapshot: Snapshot, article_id: str, story: int | None
    ) -> Iterator[models.PointStruct]:
        rows = snapshot.article_rows(article_id)
        if rows is None:
            return
        first, count = rows
        article = snapshot.article(article_id)
        avg_len = snapshot.lexical.avg_len
        vectors = snapshot.vectors[np.arange(first, first + count)]
        for n in range(count):
            chunk = snapshot.chunk(first + n)
            payload: dict[str, object] = {
                "a": article_id,
                "n": n,
                "h": article.content_hash,
                "paragraph": chunk.paragraph,
                "start": chunk.start,
                "end": chunk.end,
                "date": article.date,
                "source": article.source,
            }
            if story is not None:
                payload[STORY] = story
            yield models.PointStruct(
                id=point_id(article_id, n),
                vector={
                    DENSE: vectors[n].tolist(),
                    SPARSE: term_vector(document_tokens(chunk.search_text), avg_len),
                },
                payload=payload,
            )

    def add_article(self, snapshot: Snapshot, article_id: str, story: int | None = None) -> int:
        """Replace an article's points by those of its chunks in `snapshot` (in story `story` when
        given); how many were written."""
        self._ensure_collection(snapshot.vectors.shape[1])
        written = self.upsert_points(self._article_points(snapshot, article_id, story))
        # The upsert replaced ordinals 0..written-1 in place; a changed article may have had more chunks.
        self._delete(self._stored_ids(article_id, start=written))
        self.points_written += written
        return written

    def upsert_points(self, points: Iterable[models.PointStruct], batch_size: int = UPSERT_BATCH) -> int:
        """Write `points` into the collection, `batch_size` to a request; how many were written."""
        written = 0
        points = iter(points)
        while batch := list(itertools.islice(points, batch_size)):
            self.client.upsert(self.collection, batch, wait=True)
            written += len(batch)
        return written

    def remove_article(self, article_id: str) -> None:
        """Delete an article's points (by their ids: O(article), no filter scanning the collection)."""
        if self.client.collection_exists(self.collection):
            self._delete(self._stored_ids(article_id))

    def set_story(self, article_id: str, story: int) -> None:
        """Set the story id of an article's points in place (set_payload by their ids): O(article)."""
        ids = self._stored_ids(article_id)
        if ids:
            self.client.set_payload(self.collection, payload={STORY: story}, points=ids, wait=True)
        self.payload_updates += 1

    def _stored_ids(self, article_id: str, start: int = 0) -> list[str]:
        """The ids of an article's points from ordinal `start` on, as stored now.

        An article's points are ordinals 0..k-1 (written together, the surplus deleted), so they are
        looked up by id, a batch at a time, until a batch comes back short: O(article) requests and
        work, where a filter on "a" scans every point in local mode (which has no payload index).
        """
        found: list[str] = []
        while True:
            ids = [point_id(article_id, n) for n in range(start + len(found), start + len(found) + PROBE_BATCH)]
            points = self.client.retrieve(self.collection, ids, with_payload=False, with_vectors=False)
            have = {str(p.id) for p in points}
            found += [i for i in ids if i in have]
            if len(have) < len(ids):
                return found

    def _delete(self, ids: list[str]) -> None:
        if ids:
            self.client.delete(self.collection, points_selector=models.PointIdsList(points=ids), wait=True)

    def indexed(self, article_ids: Collection[str] | None = None) -> dict[str, tuple[str, int | None]]:
        """Article id -> (content hash, story id) of the articles in the collection (from their first chunks):
        every one, or those of `article_ids` (looked up by id)."""
        if not self.client.collection_exists(self.collection):
            return {}
        out: dict[str, tuple[str, int | None]] = {}
        if article_ids is not None:
            wanted = sorted(article_ids)
            for at in range(0, len(wanted), PROBE_BATCH):
                ids = [point_id(a, 0) for a in wanted[at : at + PROBE_BATCH]]
                points = self.client.retrieve(self.collection, ids, with_payload=["a", "h", STORY], with_vectors=False)
                out.update((p.payload["a"], (p.payload["h"], p.payload.get(STORY))) for p in points if p.payload)
            return out
        offset = None
        first_chunks = models.Filter(must=[models.FieldCondition(key="n", match=models.MatchValue(value=0))])
        while True:
            points, offset = self.client.scroll(
                self.collection, scroll_filter=first_chunks, limit=1024, offset=offset,
                with_payload=["a", "h", STORY], with_vectors=False,
            )
            out.update((p.payload["a"], (p.payload["h"], p.payload.get(STORY))) for p in points if p.payload)
            if offset is None:
                return out

    def sync(self, snapshot: Snapshot, changed: Collection[str] | None = None) -> SyncSummary:
        """Upsert the articles new or changed in `snapshot`, delete those gone (only `changed` when given),
        and set the story id of those whose story changed (the index's stories are brought up to date first)."""
        if snapshot.vectors.shape[0]:
            self._ensure_collection(snapshot.vectors.shape[1])
        with StoryStore(snapshot.index_dir) as stories:
            joined = stories.sync(snapshot)
            story_of = stories.assignments()
        wanted = snapshot.content_hashes()
        if changed is None:
            have = self.indexed()
            ids = set(wanted) | set(have)
        else:  # only these are looked at: O(changed), not a scan of the collection
            ids = set(changed) | {j.article_id for j in joined}
            have = self.indexed(ids)
        added = removed = points = restoried = 0
        for article_id in sorted(ids):
            story = story_of.get(article_id)
            if article_id not in wanted:
                if article_id in have or changed is not None:
                    self.remove_article(article_id)
                    removed += 1
            elif article_id not in have or have[article_id][0] != wanted[article_id]:
                rows = snapshot.article_rows(article_id)
                if rows is not None and rows[1]:
                    points += self.add_article(snapshot, article_id, story)
                    added += 1
            elif story is not None and have[article_id][1] != story:
                self.set_story(article_id, story)
                restoried += 1
        return SyncSummary(added=added, removed=removed, points=points, stories=restoried)

    # -- searching -----------------------------------------------------------------------------

    def search(
        self, snapshot: Snapshot, terms: Mapping[str, float], query_vector: np.ndarray, candidates: int
    ) -> Candidates:
        """Dense and BM25 tops from Qdrant (one batch), the dense side's BM25 scores (one request), as rows."""
        empty = Candidates(np.zeros(0, np.int64), np.zeros(0, np.float32), np.zeros(0, np.float32), 0.0)
        if not self.client.collection_exists(self.collection):
            return empty
        sparse = _sparse_query(terms)
        payload = ["a", "n", "h"]
        requests = [
            models.QueryRequest(query=query_vector.tolist(), using=DENSE, limit=candidates, with_payload=payload)
        ]
        if sparse is not None:
            requests.append(
                models.QueryRequest(
                    query=sparse, using=SPARSE, limit=candidates, with_payload=payload, with_vector=[DENSE]
                )
            )
        started = time.perf_counter()
        responses = self.client.query_batch_points(self.collection, requests)
        hashes: dict[str, str | None] = {}
        query = query_vector / (float(np.linalg.norm(query_vector)) or 1.0)
        cosine: dict[int, float] = {}
        bm25: dict[int, float] = {}
        ids: dict[int, object] = {}
        for point in responses[0].points:
            row = _row(snapshot, point, hashes)
            if row is not None:
                cosine[row], ids[row] = float(point.score), point.id
        best = 0.0
        if sparse is not None:
            for rank, point in enumerate(responses[1].points):
                if rank == 0:
                    best = float(point.score)
                row = _row(snapshot, point, hashes)
                if row is None:
                    continue
                bm25[row] = float(point.score)
                if row not in cosine:
                    vector = np.asarray(point.vector[DENSE], dtype=np.float32)  # stored normalised (cosine)
                    cosine[row] = float(vector @ query)
            # The dense side's other chunks: their BM25 scores, from the same collection statistics.
            others = [ids[row] for row in cosine if row not in bm25 and row in ids]
            if others:
                scored = self.client.query_points(
                    self.collection, query=sparse, using=SPARSE, limit=len(others), with_payload=payload,
                    query_filter=models.Filter(must=[models.HasIdCondition(has_id=others)]),
                ).points
                for point in scored:
                    row = _row(snapshot, point, hashes)
                    if row is not None:
                        bm25[row] = float(point.score)
        rows = np.array(sorted(cosine), dtype=np.int64)
        return Candidates(
            rows,
            np.array([cosine[r] for r in rows], dtype=np.float32),
            np.array([bm25.get(int(r), 0.0) for r in rows], dtype=np.float32),
            best,
            {"qdrant": (time.perf_counter() - started) * 1000},
        )


def _sparse_query(terms: Mapping[str, float]) -> models.SparseVector | None:
    """The question's weighted tokens as a sparse query (weights of colliding hashes summed)."""
    weights: dict[int, float] = {}
    for token, weight in terms.items():
        tid = token_id(token)
        weights[tid] = weights.get(tid, 0.0) + weight
    if not weights:
        return None
    ids = sorted(weights)
    return models.SparseVector(indices=ids, values=[weights[i] for i in ids])


def _row(snapshot: Snapshot, point: models.ScoredPoint, hashes: dict[str, str | None]) -> int | None:
    """The snapshot row of a point's chunk; None when the snapshot holds another version of its article."""
    payload = point.payload or {}
    article_id, n = payload.get("a"), payload.get("n")
    if not isinstance(article_id, str) or not isinstance(n, int):
        return None
    rows = snapshot.article_rows(article_id)
    if rows is not None and article_id not in hashes:
        hashes[article_id] = snapshot.article(article_id).content_hash
    if rows is None or hashes[article_id] != payload.get("h") or not 0 <= n < rows[1]:
        return None
    return rows[0] + n
