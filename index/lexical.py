"""BM25 over Vietnamese-normalised tokens, kept per segment, scored with whole-corpus statistics.

Each index segment stores the term counts of its chunks, term-major
(`Postings`: for every token of the segment's vocabulary, the rows it occurs
in and how often), and each chunk's length. Nothing that depends on the rest
of the corpus is stored: when a generation is loaded, `SegmentedLexical`
sums document frequencies over the live rows of all segments (rows of
removed articles are left out), and a query is scored with that IDF and the
corpus's average chunk length. So adding or removing an article writes only
its own counts, and scores are those of one BM25 index built over the whole
corpus: bm25s's "lucene" variant (idf = ln(1 + (N - df + 0.5) / (df + 0.5)),
times tf / (tf + k1 * (1 - b + b * len / avglen))), with the same
vocabulary and bit-identical IDF, and scores equal to float32 rounding,
checked against `bm25s.BM25.index` by
bench/check_lexical.py. One shortcut: a segment's posting weights (which
depend on the corpus only through its average chunk length) are kept from
one generation to the next while that average moves by at most
AVG_LEN_DRIFT, so that taking in one new article does not recompute the
weights of every posting of a large corpus; scores then differ from exact
by less than that share of themselves. bm25s itself is not used to score:
its score matrix bakes in one corpus's IDF, which is what segments must not
store.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from . import text as _text
from .files import FileArray
from .text import document_tokens

try:
    # scipy's C kernel for y += A @ x with A in CSC form, i.e. one word's postings added into a
    # dense score vector: ~1.5 ns a posting against ~20 for numpy's fancy-indexed add (BENCHMARKS.md).
    # Private but unchanged since scipy 0.14; without it, numpy does the same, slower.
    from scipy.sparse._sparsetools import csc_matvec as _csc_matvec
except ImportError:  # pragma: no cover
    _csc_matvec = None

# bm25s logs a line per load/save at INFO; the index has its own summary.
logging.getLogger("bm25s").setLevel(logging.WARNING)

K1 = 1.5  # bm25s defaults, "lucene" variant
B = 0.75
TOKENISE_BATCH = 1024  # documents tokenised at a time (their token strings held at once)


def _tokeniser_signature() -> str:
    # Stored term counts are reused only while the tokeniser is the same code.
    # Hashing text.py is coarse (any edit forces one full re-tokenisation) but
    # never reuses counts that a changed tokeniser would not produce.
    h = hashlib.sha256(Path(_text.__file__).read_bytes())
    h.update(repr(document_tokens("Tokeniser probe: Quốc hội, 1.234 người")).encode())
    return h.hexdigest()[:16]


TOKENISER = _tokeniser_signature()


@dataclass
class Postings:
    """Term counts of one segment's chunks, term-major.

    Token `tokens[t]` occurs in rows `docs[indptr[t]:indptr[t+1]]` (ascending)
    with counts `tfs[...]`; `doc_len[r]` is row r's token count, repeats included.
    """

    tokens: list[str]
    indptr: np.ndarray  # int64, len(tokens) + 1
    docs: np.ndarray  # int32
    tfs: np.ndarray  # int32
    doc_len: np.ndarray  # int32, one per row

    @property
    def rows(self) -> int:
        """Number of chunks."""
        return len(self.doc_len)


def _transpose(row_lengths: np.ndarray, ids: np.ndarray, counts: np.ndarray, n_tokens: int) -> tuple[np.ndarray, ...]:
    """Term-major (indptr, docs, tfs) from row-major term ids and counts (rows in order).

    scipy's CSR -> CSC conversion is a counting sort in C: no int64 sort order is
    materialised, which at 30 million postings was the peak of a 100,000-chunk build.
    """
    from scipy.sparse import csr_matrix

    indptr = np.zeros(len(row_lengths) + 1, dtype=np.int64)
    np.cumsum(row_lengths, out=indptr[1:])
    matrix = csr_matrix((counts, ids, indptr), shape=(len(row_lengths), n_tokens), copy=False)
    del ids, counts
    csc = matrix.tocsc()  # rows stay ascending within each column
    del matrix
    return csc.indptr.astype(np.int64), csc.indices.astype(np.int32, copy=False), csc.data.astype(np.int32, copy=False)


class TermCounter:
    """Accumulates the term counts of a segment's chunks, batch by batch, into its `Postings`."""

    def __init__(self) -> None:
        self.vocab: dict[str, int] = {}
        self.rows = 0
        self._lengths: list[np.ndarray] = []  # distinct tokens per row
        self._ids: list[np.ndarray] = []
        self._counts: list[np.ndarray] = []
        self._doc_len: list[np.ndarray] = []  # tokens per row, repeats included

    def add(self, texts: Sequence[str]) -> None:
        """Tokenise the next rows' search texts."""
        vocab = self.vocab
        # In batches: the token strings of 100,000 chunks at once would take ~3 GB.
        for start in range(0, len(texts), TOKENISE_BATCH):
            token_lists = [document_tokens(t) for t in texts[start : start + TOKENISE_BATCH]]
            lengths = np.fromiter(map(len, token_lists), dtype=np.int64, count=len(token_lists))
            flat = [tok for tokens in token_lists for tok in tokens]
            # dict.fromkeys and map run in C: one Python-level step per distinct new token only.
            new = [t for t in dict.fromkeys(flat) if t not in vocab]
            vocab.update(zip(new, range(len(vocab), len(vocab) + len(new))))
            ids = np.fromiter(map(vocab.__getitem__, flat), dtype=np.int64, count=len(flat))
            rows = np.repeat(np.arange(len(token_lists), dtype=np.int64), lengths)
            width = max(len(vocab), 1)
            keys, counts = np.unique(rows * width + ids, return_counts=True)  # sorted: by row, then id
            self._lengths.append(np.bincount(keys // width, minlength=len(token_lists)).astype(np.int32))
            self._ids.append((keys % width).astype(np.int32))
            self._counts.append(counts.astype(np.int32))
            self._doc_len.append(lengths.astype(np.int32))
        self.rows += len(texts)

    def postings(self) -> Postings:
        """The counts so far, term-major."""
        lengths = np.concatenate(self._lengths) if self._lengths else np.zeros(0, np.int32)
        doc_len = np.concatenate(self._doc_len) if self._doc_len else np.zeros(0, np.int32)
        # One column at a time, each freed as it is joined: the parts are never held twice.
        ids = _join(self._ids)
        counts = _join(self._counts)
        self._lengths, self._doc_len = [], []
        indptr, docs, tfs = _transpose(lengths, ids, counts, len(self.vocab))
        return Postings(list(self.vocab), indptr, docs, tfs, doc_len)


def _join(parts: list[np.ndarray]) -> np.ndarray:
    """Concatenate int32 arrays, emptying `parts` as they are copied."""
    out = np.empty(sum(len(p) for p in parts), dtype=np.int32)
    at = 0
    while parts:
        part = parts.pop(0)
        out[at : at + len(part)] = part
        at += len(part)
    return out


def count_terms(texts: Sequence[str]) -> Postings:
    """Tokenise chunk search texts (row i = texts[i]) into a segment's postings."""
    counter = TermCounter()
    counter.add(texts)
    return counter.postings()


def merge_postings(parts: Sequence[tuple[Postings, np.ndarray]]) -> Postings:
    """One segment's postings from the live rows (boolean mask) of several, rows renumbered in order."""
    vocab: dict[str, int] = {}
    row_parts, id_parts, count_parts, doc_lens = [], [], [], []
    base = 0
    for post, live in parts:
        new_row = np.cumsum(live) - 1 + base
        local = np.fromiter(map(lambda t: vocab.setdefault(t, len(vocab)), post.tokens), dtype=np.int64)
        term_of = np.repeat(local, np.diff(post.indptr))
        keep = live[post.docs]
        row_parts.append(new_row[post.docs[keep]])
        id_parts.append(term_of[keep])
        count_parts.append(post.tfs[keep])
        doc_lens.append(post.doc_len[live])
        base += int(live.sum())
    rows, ids, counts = np.concatenate(row_parts), np.concatenate(id_parts), np.concatenate(count_parts)
    order = np.lexsort((ids, rows))
    lengths = np.bincount(rows, minlength=base)
    indptr, docs, tfs = _transpose(lengths, ids[order].astype(np.int32), counts[order].astype(np.int32), len(vocab))
    df = np.diff(indptr)
    tokens = list(vocab)
    if not df.all():  # tokens only deleted rows had
        used = df > 0
        tokens = list(itertools.compress(tokens, used.tolist()))
        indptr = np.concatenate(([0], np.cumsum(df[used])))
    return Postings(tokens, indptr, docs, tfs, np.concatenate(doc_lens).astype(np.int32))


# Posting weights of a segment are computed again when the corpus's average chunk length has moved
# by more than this share since they were: a score then differs from exact BM25 by less than this share.
AVG_LEN_DRIFT = 0.01
# Words in more than this share of the chunks are summed last, and only when they must be (see `top`).
COMMON_SHARE = 0.01
KTH_POOL = 4096  # about as many rows as the k-th best score is taken among (see _best_rows)
# A common word is added for every row (one C loop over its postings) rather than looked up for
# the candidate rows by binary search when the rows number more than 1/DENSE_LOOKUP of its postings.
DENSE_LOOKUP = 30


def scatter_add(out: np.ndarray, docs: np.ndarray, weights: np.ndarray, factor: float) -> None:
    """out[docs] += weights * factor, in place, for one word's postings (ascending, unique rows of `out`).

    `out` is float32 and contiguous, `docs` int32, `weights` float32, as segments hold them.
    """
    if _csc_matvec is not None and len(docs):
        indptr = np.array([0, len(docs)], dtype=docs.dtype)
        _csc_matvec(len(out), 1, indptr, docs, weights, np.array([factor], dtype=np.float32), out)
    else:
        out[docs] += weights * np.float32(factor)


@dataclass(frozen=True)
class _SegmentTerms:
    """What a generation computed from one segment's postings; the next one keeps what still holds."""

    postings: Postings
    dead: np.ndarray  # its removed rows
    live_df: np.ndarray  # per token of the segment: the live rows holding it
    avg_len: float = 0.0  # the corpus's average chunk length the weights were computed with
    weights: np.ndarray | None = None  # per posting (see _posting_weights)
    max_weight: np.ndarray | None = None  # per token of the segment: its largest posting weight


def _live_df(post: Postings, live: np.ndarray, dead: np.ndarray) -> np.ndarray:
    """Per token of the segment, the live rows (mask `live`; `dead` its removed rows) holding it."""
    live_df = np.diff(post.indptr)
    if len(dead):
        dead_postings = np.flatnonzero(~live[post.docs])
        owners = np.searchsorted(post.indptr, dead_postings, side="right") - 1
        live_df = live_df - np.bincount(owners, minlength=len(post.tokens))
    return live_df


def _posting_weights(post: Postings, avg_len: float) -> dict[str, np.ndarray]:
    """Each posting's weight tf / (tf + k1 * (1 - b + b * len / avglen)), and each token's largest."""
    with np.errstate(divide="ignore", invalid="ignore"):
        norm = K1 * ((1 - B) + B * post.doc_len / avg_len) if avg_len else np.full(post.rows, K1)
    tf = post.tfs.astype(np.float32)
    tf /= norm.astype(np.float32)[post.docs] + tf
    lengths = np.diff(post.indptr)
    seg_max = np.zeros(len(lengths), dtype=np.float32)
    if len(tf):
        seg_max[lengths > 0] = np.maximum.reduceat(tf, post.indptr[:-1][lengths > 0])
    return {"weights": tf, "max_weight": seg_max}


def _vocabulary(
    posts: Sequence[Postings], previous: SegmentedLexical | None
) -> tuple[list[str], dict[str, int], list[np.ndarray]]:
    """Every token of `posts` in first-seen order, its id, and each segment's local -> global token ids.

    The segments `previous` began with, when this one begins with them too, keep their ids: only
    the new segments' tokens are looked up (a generation that adds one article does not number
    the whole vocabulary again: 1.6 million tokens at 1,000,000 chunks).
    """
    same = 0
    if previous is not None:
        old = [post for post, _, _ in previous._parts]
        while same < min(len(old), len(posts)) and old[same] is posts[same]:
            same += 1
    if not same:
        # dict.fromkeys, zip and map run in C: ~0.1 s for the 450,000 tokens of 100,000 chunks.
        tokens = list(dict.fromkeys(itertools.chain.from_iterable(post.tokens for post in posts)))
        vocab = dict(zip(tokens, range(len(tokens))))
        maps = [np.fromiter(map(vocab.__getitem__, p.tokens), dtype=np.int64, count=len(p.tokens)) for p in posts]
        return tokens, vocab, maps
    assert previous is not None
    if same == len(previous._parts):
        tokens, vocab = list(previous._tokens), dict(previous._vocab)
    else:  # the ids of the segments kept are the first ones
        count = max((int(m.max()) + 1 for m in previous._maps[:same] if len(m)), default=0)
        tokens = previous._tokens[:count]
        vocab = dict(zip(tokens, range(count)))
    maps = list(previous._maps[:same])
    for post in posts[same:]:
        start = len(vocab)
        maps.append(
            np.fromiter(
                map(lambda t: vocab.setdefault(t, len(vocab)), post.tokens), dtype=np.int64, count=len(post.tokens)
            )
        )
        tokens.extend(itertools.islice(vocab, start, None))
    return tokens, vocab, maps


def _best_rows(values: np.ndarray, k: int) -> np.ndarray:
    """The rows (ascending) holding the `k` largest positive values, and up to about KTH_POOL others.

    All rows whose value reaches a threshold that at least `k` values reach (every positive row
    when there are few), found by bisecting thresholds with counts: listing every nonzero row
    of a million (hundreds of thousands of them) would cost more.
    """
    positive = int(np.count_nonzero(values))
    if positive <= KTH_POOL:
        return np.flatnonzero(values)
    low, high = 0.0, float(values.max())  # at least k values reach `low` (all positive ones)
    for _ in range(40):
        middle = (low + high) / 2
        count = int(np.count_nonzero(values >= middle))
        if count < k:
            high = middle
        elif count > KTH_POOL and middle > low:
            low = middle
        else:
            return np.flatnonzero(values >= middle)
    return np.flatnonzero(values >= low) if low > 0 else np.flatnonzero(values)


def _close(used: float, avg_len: float) -> bool:
    """True when weights computed with average length `used` may serve for `avg_len`."""
    return used == avg_len or (used > 0 and avg_len > 0 and abs(avg_len / used - 1.0) <= AVG_LEN_DRIFT)


def token_hashes(tokens: Iterable[str]) -> np.ndarray:
    """64-bit hashes of tokens (Python's own string hash, run in C): valid within this process only."""
    return np.fromiter(map(hash, tokens), dtype=np.int64)


class TokenTable:
    """Token -> id for the answer layer's lookups (`in`, `get`, `[]`), as a sorted array of 64-bit token
    hashes: 8 bytes a token against ~150 for a dict of strings (100,974 tokens at 6,961 chunks).

    Ids are positions in the sorted hashes. Two tokens of one vocabulary sharing a hash (odds ~n^2 / 2^65,
    about 3e-6 at 10 million tokens) would share one document frequency, and a word the index lacks
    whose hash is a known token's (odds n / 2^64 a lookup) would look known, with that token's IDF.
    The table cannot list its tokens.
    """

    def __init__(self, hashes: np.ndarray) -> None:
        """`hashes`: `token_hashes` of the vocabulary, sorted, unique."""
        self._hashes = hashes

    def get(self, token: str, default: int | None = None) -> int | None:
        """The token's id, or `default` when the vocabulary does not hold it."""
        h = hash(token)
        i = int(np.searchsorted(self._hashes, h))
        return i if i < len(self._hashes) and self._hashes[i] == h else default

    def __getitem__(self, token: str) -> int:
        found = self.get(token)
        if found is None:
            raise KeyError(token)
        return found

    def __contains__(self, token: object) -> bool:
        return isinstance(token, str) and self.get(token) is not None

    def __len__(self) -> int:
        return len(self._hashes)


@dataclass
class SegmentTermStats:
    """What a lean segment (store.py, when Qdrant searches) keeps of its BM25 term counts: no postings.

    Its tokens' hashes (`token_hashes`, in the segment's token order), how many of its rows hold each
    token, and its rows' total length; the postings' rows and the row lengths stay in their files
    (`files.FileArray`), read only when rows of the segment are removed.
    """

    hashes: np.ndarray  # int64 per token
    df: np.ndarray  # int64 per token: the rows holding it, removed ones included
    total_len: int  # tokens in all rows, repeats included
    docs: FileArray  # the postings' rows, term-major (terms.docs)
    doc_len: FileArray  # per row (terms.doc_len)
    # The last answer of `live`: the next generation usually removes the same rows of a segment.
    _last: tuple[bytes, tuple[np.ndarray, int]] | None = field(default=None, repr=False, compare=False)

    def live(self, dead: np.ndarray) -> tuple[np.ndarray, int]:
        """Per token the live rows holding it, and the live rows' total length, given the removed rows `dead`."""
        if not len(dead):
            return self.df, self.total_len
        dead = np.unique(dead)
        key = dead.tobytes()
        if self._last is not None and self._last[0] == key:
            return self._last[1]
        indptr = np.zeros(len(self.df) + 1, dtype=np.int64)
        np.cumsum(self.df, out=indptr[1:])
        removed = np.zeros(len(self.df), dtype=np.int64)
        for start, rows in self.docs.blocks():  # one pass over the postings, a block at a time
            hits = np.flatnonzero(np.isin(rows, dead)) + start
            removed += np.bincount(np.searchsorted(indptr, hits, side="right") - 1, minlength=len(self.df))
        found = self.df - removed, self.total_len - int(self.doc_len[dead].sum(dtype=np.int64))
        self._last = (key, found)
        return found


class LexicalStats:
    """What the answer layer reads of BM25: the vocabulary, each token's document frequency and IDF
    over the live rows, the average chunk length. Alone (a lean snapshot, when Qdrant searches) it
    holds no posting and searches nothing, and its vocabulary is a `TokenTable`; `SegmentedLexical`
    adds the search.

    A token's document frequency and IDF are those `SegmentedLexical` computes over the same segments,
    bit for bit; its id differs.
    """

    vocab_dict: dict[str, int] | TokenTable
    df: np.ndarray
    idf: np.ndarray
    max_idf: float
    size: int  # live rows
    rows: int  # all rows, removed ones included
    avg_len: float

    def __init__(self, parts: Sequence[tuple[SegmentTermStats, np.ndarray]] = ()) -> None:
        """`parts`: each segment's term statistics and its live-row mask."""
        hashes, dfs = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
        n_live, total_len, rows = 0, 0, 0
        for stats, live in parts:
            live_df, live_len = stats.live(np.flatnonzero(~live))
            hashes.append(stats.hashes)
            dfs.append(live_df)
            n_live += int(live.sum())
            total_len += live_len
            rows += len(live)
        # Each segment lists a token once: summing per distinct hash gives the corpus's live rows holding it.
        vocabulary, where = np.unique(np.concatenate(hashes), return_inverse=True)
        df = np.bincount(where, weights=np.concatenate(dfs), minlength=len(vocabulary)).astype(np.int64)
        used = df > 0  # tokens only removed rows had are not in the vocabulary
        self.vocab_dict = TokenTable(vocabulary[used])
        self._set_statistics(df[used], n_live, rows, total_len)

    def _set_statistics(self, df: np.ndarray, n_live: int, rows: int, total_len: int) -> None:
        self.df = df  # live rows holding each token
        self.size = n_live
        self.rows = rows
        self.idf = np.log(1 + (n_live - df + 0.5) / (df + 0.5)).astype(np.float32)
        self.max_idf = float(self.idf.max()) if len(self.idf) else 0.0  # the IDF of the rarest word
        # The corpus's average chunk length (tokens), for backends that weight postings.
        self.avg_len = total_len / n_live if n_live else 0.0

    @property
    def bm25(self) -> LexicalStats:
        """The index itself: `lexical.bm25.vocab_dict` reads as it did when this was a bm25s index."""
        return self

    def token_ids(self, tokens: Iterable[str]) -> list[int]:
        """Vocabulary ids of the tokens the index knows, duplicates dropped, order kept."""
        vocab = self.vocab_dict
        seen: dict[int, None] = {}
        for tok in tokens:
            tid = vocab.get(tok)
            if tid is not None and tok:
                seen.setdefault(tid, None)
        return list(seen)


class SegmentedLexical(LexicalStats):
    """BM25 over the live rows of several segments, with whole-corpus statistics.

    Row ids are global: segment i's row r is `offsets[i] + r`. Rows of removed
    articles score 0 and count in no statistic.
    """

    def __init__(
        self, parts: Sequence[tuple[Postings, int, np.ndarray]], previous: SegmentedLexical | None = None
    ) -> None:
        """`parts`: each segment's postings, its first global row and its live-row mask.

        `previous`: the index of the generation before; the segments it shares with this one keep
        their token ids, their document frequencies (while their removed rows are the same) and
        their posting weights (while the average chunk length moved by at most AVG_LEN_DRIFT).
        """
        self._parts = list(parts)
        tokens, vocab, maps = _vocabulary([post for post, _, _ in self._parts], previous)
        self._tokens, self._vocab, self._maps = tokens, vocab, maps
        before = {id(t.postings): t for t in previous._terms} if previous is not None else {}
        terms: list[_SegmentTerms] = []  # per segment, completed with its weights below
        df = np.zeros(len(vocab), dtype=np.int64)
        n_live, total_len = 0, 0
        for (post, _, live), local_to_global in zip(self._parts, maps):
            dead = np.flatnonzero(~live)
            known = before.get(id(post))
            if known is None or known.postings is not post:
                terms.append(_SegmentTerms(post, dead, _live_df(post, live, dead)))
            elif not np.array_equal(known.dead, dead):  # rows removed since: counted again, weights kept
                terms.append(replace(known, dead=dead, live_df=_live_df(post, live, dead)))
            else:
                terms.append(known)
            df[local_to_global] += terms[-1].live_df  # a segment lists each token once
            n_live += int(live.sum())
            total_len += int(post.doc_len[live].sum(dtype=np.int64))
        # Ids of tokens that occur in live rows only, in first-seen order (as a full build numbers them).
        used = df > 0
        renumber = np.cumsum(used) - 1
        if used.all():
            self.vocab_dict = vocab
        else:
            kept = list(itertools.compress(tokens, used.tolist()))
            self.vocab_dict = dict(zip(kept, range(len(kept))))
        df = df[used]
        self._set_statistics(df, n_live, sum(post.rows for post, _, _ in self._parts), total_len)
        avg_len = self.avg_len
        # Global token id -> the segment's local token id (-1 when absent), and each posting's
        # length-normalised term frequency tf / (tf + k1 * (1 - b + b * len / avglen)), so a query
        # only gathers, weights by IDF and sums. The weights depend on the corpus only through
        # the average length, which an article added to a large corpus barely moves: a segment
        # keeps those of the generation before while it stays within AVG_LEN_DRIFT.
        self._local: list[np.ndarray] = []
        self._max_weight = np.zeros(len(df), dtype=np.float32)  # per token: its largest posting weight
        for i, (t, local_to_global) in enumerate(zip(terms, maps)):
            local = np.full(len(df), -1, dtype=np.int64)
            keep = used[local_to_global]
            local[renumber[local_to_global[keep]]] = np.flatnonzero(keep)
            self._local.append(local)
            if t.weights is None or not _close(t.avg_len, avg_len):
                terms[i] = t = replace(t, avg_len=avg_len, **_posting_weights(t.postings, avg_len))
            present = np.flatnonzero(local >= 0)
            self._max_weight[present] = np.maximum(self._max_weight[present], t.max_weight[local[present]])
        self._terms = terms
        self._weights = [t.weights for t in terms]
        self._dead = [t.dead for t in terms]  # per segment: its removed rows, which score 0

    def top(self, query: dict[int, float], k: int) -> tuple[np.ndarray, np.ndarray]:
        """The `k` best rows for a weighted query (token id -> weight), best first, with their scores.

        The scores are exact, as `scores` gives them, but the postings of the query's common
        words are not all summed (max-score pruning): the rarer words are summed first, and
        once the common ones together (each adds at most weight x IDF x its largest posting
        weight) could not lift a row none of the rarer words found above the
        k-th best score so far, the common words are only looked up for the rows found
        (by binary search when those rows are few against the word's postings, else by
        adding all its postings, which scipy's C loop does at ~1.5 ns a posting).
        At 1,000,000 chunks a question's words have ~5 million postings, most of them a
        few common words'. Rows scoring 0 are left out.
        """
        empty = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        if not query or not self.rows:
            return empty
        order = sorted(query, key=lambda t: int(self.df[t]))  # rarest first
        bound = {t: query[t] * float(self.idf[t]) * float(self._max_weight[t]) for t in order}
        split, kth = len(order), 0.0
        while split > 1 and self.df[order[split - 1]] > COMMON_SHARE * self.size:
            split -= 1
        partial = self._summed(order[:split], query)
        rest = sum(bound[t] for t in order[split:])
        if split == len(order):
            rows = _best_rows(partial, k)
            scores = partial[rows]
        else:
            # The k-th best score among the rows the rare words found: a lower bound of the
            # k-th best overall (sums only grow), cheap to take again as more words are summed.
            seen = _best_rows(partial, k)
            while True:
                kth = float(np.partition(partial[seen], len(seen) - k)[len(seen) - k]) if len(seen) >= k else 0.0
                if rest < kth or split == len(order):
                    break
                self._summed(order[split : split + 1], query, out=partial)
                split += 1
                rest = sum(bound[t] for t in order[split:])  # summed afresh, as below: no drift
            # The words left are looked up for the rows that could still reach the k-th score,
            # the likeliest first, dropping rows as the room left for them shrinks.
            rows = np.flatnonzero(partial >= kth - rest) if split < len(order) else np.flatnonzero(partial)
            looked = np.zeros(len(rows), dtype=np.float64)  # what the words looked up add to each row
            live = np.arange(len(rows))  # positions in `rows` of those that can still reach the top
            left = order[split:]
            for i, term in enumerate(left):
                if len(live) * DENSE_LOOKUP > self.df[term]:
                    # Many rows against the word's postings: adding them all (a C loop) beats a
                    # binary search per row.
                    self._summed([term], query, out=partial)
                else:
                    looked[live] += self._looked_up([term], query, rows[live])
                rest = sum(bound[t] for t in left[i + 1 :])
                current = partial[rows[live]] + looked[live]
                if len(current) > k:  # sums so far are lower bounds: the k-th of them can only raise the bar
                    kth = max(kth, float(np.partition(current, len(current) - k)[len(current) - k]))
                live = live[current >= kth - rest]
            rows = rows[live]
            scores = partial[rows] + looked[live]
        if len(scores) > k:  # the rows at or above the k-th score (ties kept), then in order
            keep = scores >= np.partition(scores, len(scores) - k)[len(scores) - k]
            rows, scores = rows[keep], scores[keep]
        best = np.argsort(-scores, kind="stable")[:k]
        return rows[best], scores[best].astype(np.float32)

    def score_rows(self, query: dict[int, float], rows: np.ndarray) -> np.ndarray:
        """The exact scores of some rows (global ids, ascending) for a weighted query."""
        return self._looked_up(list(query), query, np.asarray(rows, dtype=np.int64)).astype(np.float32)

    def _summed(self, terms: list[int], query: dict[int, float], out: np.ndarray | None = None) -> np.ndarray:
        """Every row's score from `terms` alone (float32, added into `out`), summing their postings."""
        out = np.zeros(self.rows, dtype=np.float32) if out is None else out
        for (post, offset, _), local, weights, dead in zip(self._parts, self._local, self._weights, self._dead):
            mine = out[offset : offset + post.rows]
            for term in terms:
                lt = local[term]
                if lt < 0:
                    continue
                start, end = post.indptr[lt], post.indptr[lt + 1]
                scatter_add(mine, post.docs[start:end], weights[start:end], query[term] * float(self.idf[term]))
            mine[dead] = 0.0
        return out

    def _looked_up(self, terms: list[int], query: dict[int, float], rows: np.ndarray) -> np.ndarray:
        """The score of `rows` (ascending global ids) from `terms`, looking each row up in their postings."""
        out = np.zeros(len(rows), dtype=np.float64)
        if not len(rows) or not terms:
            return out
        for (post, offset, _), local, weights, dead in zip(self._parts, self._local, self._weights, self._dead):
            lo, hi = np.searchsorted(rows, [offset, offset + post.rows])
            if lo == hi:
                continue
            mine = rows[lo:hi] - offset
            for term in terms:
                lt = local[term]
                if lt < 0:
                    continue
                start, end = int(post.indptr[lt]), int(post.indptr[lt + 1])
                docs = post.docs[start:end]  # ascending rows
                pos = np.minimum(np.searchsorted(docs, mine), len(docs) - 1)
                hit = docs[pos] == mine
                out[lo:hi][hit] += weights[start + pos[hit]] * (query[term] * float(self.idf[term]))
            if len(dead):  # few: each is found among the rows (ascending) by binary search
                at = np.minimum(np.searchsorted(mine, dead), len(mine) - 1)
                out[lo:hi][at[mine[at] == dead]] = 0.0
        return out

    def scores(self, ids: list[int]) -> np.ndarray:
        """BM25 score of every row (removed rows score 0) for the query token ids."""
        scores = np.zeros(self.rows, dtype=np.float32)
        if not ids:
            return scores
        ids_arr = np.asarray(ids, dtype=np.int64)
        for (post, offset, _), local, weights, dead in zip(self._parts, self._local, self._weights, self._dead):
            terms = local[ids_arr]
            found = terms >= 0
            if not found.any():
                continue
            terms = terms[found]
            starts, ends = post.indptr[terms], post.indptr[terms + 1]
            lengths = ends - starts
            total = int(lengths.sum())
            if not total:
                continue
            # Positions of every posting of the query's terms, without a Python loop per term.
            positions = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(total)
            values = np.repeat(self.idf[ids_arr[found]].astype(np.float64), lengths) * weights[positions]
            summed = np.bincount(post.docs[positions], weights=values, minlength=post.rows)
            summed[dead] = 0.0
            scores[offset : offset + post.rows] = summed
        return scores
