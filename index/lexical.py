"""BM25 over Vietnamese-normalised tokens, with bm25s.

bm25s holds the index (its CSC score matrix, vocabulary and file format) and
scores queries. The matrix is computed here with numpy from per-document term
counts rather than by `bm25s.BM25.index`, because `index` needs every
document's tokens on every build. The values are bm25s's own "lucene" BM25
(same idf, k1, b, float32 rounding), checked bit for bit against
`BM25.index` output by bench/check_lexical.py.

Each generation also stores every chunk's term counts (terms.*.npy), so the
next build tokenises only new chunks and reuses the counts of unchanged ones
(same search text, same tokeniser); IDF and length normalisation are then
recomputed over the whole corpus, so scores are exactly those of a full
build. At 100,000 chunks a full build takes as long as with `BM25.index`
(~35 s, nearly all of it tokenising), an incremental one ~5 s.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import bm25s
import numpy as np

from . import text as _text
from .text import document_tokens

# bm25s logs a line per load/save at INFO; the index has its own summary.
logging.getLogger("bm25s").setLevel(logging.WARNING)

K1 = 1.5  # bm25s defaults, "lucene" variant
B = 0.75
_TERMS = ("terms.indptr.npy", "terms.ids.npy", "terms.counts.npy")
_TERMS_META = "terms.json"
TOKENISE_BATCH = 1024  # documents tokenised at a time (their token strings held at once)
SCORE_BLOCK = 4_000_000  # postings scored at a time (float64 temporaries)


def _tokeniser_signature() -> str:
    # Stored term counts are reused only while the tokeniser is the same code.
    # Hashing text.py is coarse (any edit forces one full re-tokenisation) but
    # never reuses counts that a changed tokeniser would not produce.
    h = hashlib.sha256(Path(_text.__file__).read_bytes())
    h.update(repr(document_tokens("Tokeniser probe: Quốc hội, 1.234 người")).encode())
    return h.hexdigest()[:16]


TOKENISER = _tokeniser_signature()


@dataclass
class DocTerms:
    """Term counts of every document, row-major: document i has terms ids[indptr[i]:indptr[i+1]]."""

    indptr: np.ndarray  # int64, n_docs + 1
    ids: np.ndarray  # int32 vocabulary ids
    counts: np.ndarray  # int32 term frequencies


@dataclass
class LexicalIndex:
    """A BM25 index over chunks; document i is chunk i."""

    bm25: bm25s.BM25
    idf: np.ndarray  # inverse document frequency of each vocabulary id
    terms: DocTerms | None = field(default=None, repr=False)  # for the next incremental build
    folder: Path | None = field(default=None, repr=False)  # where it was loaded from (terms read lazily)

    @property
    def size(self) -> int:
        """Number of documents."""
        return int(self.bm25.scores["num_docs"])

    def token_ids(self, tokens: Iterable[str]) -> list[int]:
        """Vocabulary ids of the tokens the index knows, duplicates dropped, order kept."""
        vocab = self.bm25.vocab_dict
        seen: dict[int, None] = {}
        for tok in tokens:
            tid = vocab.get(tok)
            if tid is not None and tok:
                seen.setdefault(tid, None)
        return list(seen)

    def scores(self, ids: list[int]) -> np.ndarray:
        """BM25 score of every document for the query token ids."""
        if not ids or self.size == 0:
            return np.zeros(self.size, dtype=np.float32)
        return self.bm25.get_scores_from_ids(ids)

    def doc_terms(self) -> DocTerms | None:
        """The stored term counts, when this index has them for the current tokeniser."""
        if self.terms is None and self.folder is not None:
            self.terms = _load_terms(self.folder)
        return self.terms


def _count(token_lists: list[list[str]], vocab: dict[str, int]) -> DocTerms:
    """Term ids (new tokens added to `vocab`) and counts of documents given as token lists."""
    lengths = np.fromiter(map(len, token_lists), dtype=np.int64, count=len(token_lists))
    flat = [tok for tokens in token_lists for tok in tokens]
    # dict.fromkeys and map run in C: one Python-level step per distinct new token only.
    new = [t for t in dict.fromkeys(flat) if t not in vocab]
    vocab.update(zip(new, range(len(vocab), len(vocab) + len(new))))
    ids = np.fromiter(map(vocab.__getitem__, flat), dtype=np.int64, count=len(flat))
    rows = np.repeat(np.arange(len(token_lists), dtype=np.int64), lengths)
    keys, counts = np.unique(rows * max(len(vocab), 1) + ids, return_counts=True)  # sorted: by row, then id
    indptr = np.zeros(len(token_lists) + 1, dtype=np.int64)
    np.cumsum(np.bincount(keys // max(len(vocab), 1), minlength=len(token_lists)), out=indptr[1:])
    return DocTerms(indptr, (keys % max(len(vocab), 1)).astype(np.int32), counts.astype(np.int32))


def _concat(parts: list[DocTerms]) -> DocTerms:
    """Documents of several DocTerms, in order."""
    if not parts:
        return DocTerms(np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int32))
    lengths = np.concatenate([np.diff(p.indptr) for p in parts])
    indptr = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    return DocTerms(indptr, np.concatenate([p.ids for p in parts]), np.concatenate([p.counts for p in parts]))


def _stable_order(ids: np.ndarray) -> np.ndarray:
    """np.argsort(ids, kind="stable") for non-negative int32, as two 16-bit radix passes (~5x faster)."""
    order = np.argsort((ids & 0xFFFF).astype(np.uint16), kind="stable")
    high = (ids >> 16).astype(np.uint16)
    if high.any():
        order = order[np.argsort(high[order], kind="stable")]
    return order


def _gather(indptr: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Positions of the entries of `rows` (in that order) in a row-major array with `indptr`."""
    starts = indptr[rows]
    lengths = indptr[rows + 1] - starts
    if not len(rows) or not lengths.sum():
        return np.zeros(0, dtype=np.int64)
    offsets = np.repeat(starts - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths)
    return offsets + np.arange(int(lengths.sum()), dtype=np.int64)


def build_lexical(
    texts: Iterable[str],
    *,
    previous: LexicalIndex | None = None,
    reuse: Mapping[int, int] | None = None,
) -> LexicalIndex:
    """Index `texts` (chunk search texts, in chunk order) for BM25.

    With `previous` and `reuse` (document position -> previous document row
    whose text is the same), those documents' term counts are taken from the
    previous index instead of tokenising them again.
    """
    texts = list(texts)
    if not texts:
        raise ValueError("cannot build a BM25 index over no documents")
    old = previous.doc_terms() if previous is not None and reuse else None
    reuse = dict(reuse) if old is not None and reuse else {}
    vocab: dict[str, int] = {}
    if old is not None:
        # Keep the previous ids so reused counts need no remapping; unused ids are pruned below.
        vocab = {t: i for t, i in previous.bm25.vocab_dict.items() if t}
    n = len(texts)
    new_docs = np.array([i for i in range(n) if i not in reuse], dtype=np.int64)
    # In batches: the token strings of 100,000 chunks at once would take ~3 GB.
    batches = [
        _count([document_tokens(texts[i]) for i in new_docs[start : start + TOKENISE_BATCH]], vocab)
        for start in range(0, len(new_docs), TOKENISE_BATCH)
    ]
    fresh = _concat(batches)
    del batches
    if not reuse:
        return _index(fresh, vocab)  # a full build: the counts are already in document order
    lengths = np.zeros(n, dtype=np.int64)
    lengths[new_docs] = np.diff(fresh.indptr)
    positions = np.fromiter(reuse.keys(), dtype=np.int64, count=len(reuse))
    rows = np.fromiter(reuse.values(), dtype=np.int64, count=len(reuse))
    old_indptr = np.asarray(old.indptr)
    lengths[positions] = old_indptr[rows + 1] - old_indptr[rows]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    ids = np.empty(int(indptr[-1]), dtype=np.int32)
    counts = np.empty(int(indptr[-1]), dtype=np.int32)
    src, dst = _gather(old_indptr, rows), _gather(indptr, positions)
    ids[dst] = old.ids[src]
    counts[dst] = old.counts[src]
    del src, dst
    if len(new_docs):
        dst = _gather(indptr, new_docs)
        ids[dst] = fresh.ids
        counts[dst] = fresh.counts
    return _index(DocTerms(indptr, ids, counts), vocab)


def _index(terms: DocTerms, vocab: dict[str, int]) -> LexicalIndex:
    """The bm25s index of documents given by their term counts."""
    # Drop vocabulary that no document uses any more (removed chunks), keeping order.
    n_docs = len(terms.indptr) - 1
    tokens = np.empty(len(vocab), dtype=object)
    tokens[np.fromiter(vocab.values(), dtype=np.int64, count=len(vocab))] = list(vocab)
    df = np.bincount(terms.ids, minlength=len(vocab))
    used = df > 0
    if not used.all():
        remap = np.cumsum(used) - 1
        terms = DocTerms(terms.indptr, remap[terms.ids].astype(np.int32), terms.counts)
        tokens, df = tokens[used], df[used]
    vocab = dict(zip(tokens.tolist(), range(len(tokens))))
    n_vocab = len(vocab)

    # As bm25s "lucene" computes them: idf = ln(1 + (N - df + 0.5) / (df + 0.5)) stored as float32,
    # tfc = tf / (k1 * (1 - b + b * len / avglen) + tf) in float64, the product stored as float32.
    row_of = np.repeat(np.arange(n_docs, dtype=np.int32), np.diff(terms.indptr))
    doc_len = np.bincount(row_of, weights=terms.counts, minlength=n_docs)  # tokens, repeats included
    avg_len = float(np.mean(doc_len)) if n_docs else 0.0
    idf = np.log(1 + (n_docs - df + 0.5) / (df + 0.5)).astype(np.float32)
    norm = K1 * ((1 - B) + B * doc_len / avg_len) if avg_len else np.full(n_docs, K1)
    values = np.empty(len(terms.ids), dtype=np.float32)
    for start in range(0, len(values), SCORE_BLOCK):
        block = slice(start, start + SCORE_BLOCK)
        tf = terms.counts[block].astype(np.float64)
        values[block] = idf[terms.ids[block]] * (tf / (norm[row_of[block]] + tf))

    # Column-major (per token) for bm25s: a stable sort keeps documents ascending per token.
    order = _stable_order(terms.ids)
    indptr = np.zeros(n_vocab + 1, dtype=np.int64)
    np.cumsum(np.bincount(terms.ids, minlength=n_vocab), out=indptr[1:])
    # As bm25s.index does: the empty token gets the next id, outside the matrix (so
    # idf, whose maximum answer.py uses, covers real tokens only; token_ids skips "").
    vocab[""] = n_vocab

    bm25 = bm25s.BM25(k1=K1, b=B, method="lucene")
    bm25.scores = {
        "data": values[order],
        "indices": row_of[order],
        "indptr": indptr,
        "num_docs": n_docs,
    }
    bm25.vocab_dict = vocab
    bm25.unique_token_ids_set = set(vocab.values())
    bm25.nonoccurrence_array = None  # "lucene" has none
    return LexicalIndex(bm25=bm25, idf=_idf(bm25), terms=terms)


def _idf(bm25: bm25s.BM25) -> np.ndarray:
    indptr = np.asarray(bm25.scores["indptr"])
    n = max(int(bm25.scores["num_docs"]), 1)
    df = np.diff(indptr).astype(np.float64)
    return np.log(1.0 + (n - df + 0.5) / (df + 0.5)).astype(np.float32)


def save_lexical(index: LexicalIndex, folder: Path) -> None:
    """Write the index files into `folder`."""
    index.bm25.save(str(folder), show_progress=False)
    terms = index.doc_terms()
    if terms is not None:
        for name, array in zip(_TERMS, (terms.indptr, terms.ids, terms.counts)):
            np.save(folder / name, array)
        (folder / _TERMS_META).write_text(json.dumps({"tokeniser": TOKENISER}), encoding="utf-8")


def _load_terms(folder: Path) -> DocTerms | None:
    try:
        meta = json.loads((folder / _TERMS_META).read_text(encoding="utf-8"))
        if meta.get("tokeniser") != TOKENISER:
            return None
        return DocTerms(*(np.load(folder / name, mmap_mode="r") for name in _TERMS))
    except (OSError, ValueError):
        return None


def load_lexical(folder: Path) -> LexicalIndex:
    """Read an index written by `save_lexical`; arrays are memory-mapped, term counts read when needed."""
    bm25 = bm25s.BM25.load(str(folder), mmap=True, show_progress=False, verbosity=0)
    # Plain ndarray views of the maps: slicing a np.memmap builds a memmap object per
    # slice, and bm25s slices twice per query token: scoring took twice as long.
    for key in ("data", "indices", "indptr"):
        bm25.scores[key] = np.asarray(bm25.scores[key])
    return LexicalIndex(bm25=bm25, idf=_idf(bm25), folder=folder)
