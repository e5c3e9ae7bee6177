"""Check that index/lexical.py builds exactly the BM25 scores `bm25s.BM25.index` computes.

    python bench/check_lexical.py [ARTICLES_DIR]

Builds both over the chunks of the articles folder (default: the XQuAD-vi dev
articles), compares every (token, document) score, then checks that an
incremental build (half the documents reused from a previous index) equals a
full one. Exits non-zero on any difference.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import bm25s
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from index.articles import list_article_files, load_article
from index.chunking import chunk_article
from index.lexical import _idf, build_lexical
from index.text import document_tokens


def _triples(index) -> dict[tuple[str, int], float]:
    """(token, document) -> score of a bm25s index."""
    sc = index.scores
    tokens = {i: t for t, i in index.vocab_dict.items()}
    out = {}
    indptr = np.asarray(sc["indptr"])
    for tid in range(len(indptr) - 1):
        for j in range(indptr[tid], indptr[tid + 1]):
            out[(tokens[tid], int(sc["indices"][j]))] = float(sc["data"][j])
    return out


def main() -> int:
    """Compare; print the largest differences; exit 1 when they are not equal."""
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/work/shared/eval/xquad_vi_dev/articles")
    texts = [c.search_text for p in list_article_files(folder) for c in chunk_article(load_article(folder, p))]
    t = time.perf_counter()
    ours = build_lexical(texts)
    ours_s = time.perf_counter() - t
    t = time.perf_counter()
    ref = bm25s.BM25()
    vocab: dict[str, int] = {}
    ids = [[vocab.setdefault(tok, len(vocab)) for tok in document_tokens(x)] for x in texts]
    ref.index((ids, vocab), show_progress=False)
    ref_s = time.perf_counter() - t
    a, b = _triples(ours.bm25), _triples(ref)
    ok = a.keys() == b.keys() and all(a[k] == b[k] for k in a)
    # Same ids and idf too (answer.py reads idf and its maximum).
    ok = ok and np.array_equal(ours.idf, _idf(ref)) and ours.bm25.vocab_dict == ref.vocab_dict
    diff = max((abs(a[k] - b.get(k, 0.0)) for k in a), default=0.0)
    print(
        f"{len(texts)} documents, {len(a)} postings: ours {ours_s:.2f} s, bm25s.index {ref_s:.2f} s; "
        f"identical: {ok} (max |diff| {diff:.3g})"
    )
    vocab_ok = {t for t in ours.bm25.vocab_dict if t} == {t for t in vocab if t}
    print(f"same vocabulary: {vocab_ok}")

    # Incremental: the second half new, the first half reused from an index over a shuffled subset.
    half = len(texts) // 2
    rng = np.random.default_rng(0)
    prev_texts = [texts[i] for i in rng.permutation(half)] + ["Bài đã xoá: nội dung không còn dùng"]
    prev = build_lexical(prev_texts)
    row = {x: i for i, x in enumerate(prev_texts)}
    t = time.perf_counter()
    inc = build_lexical(texts, previous=prev, reuse={i: row[x] for i, x in enumerate(texts) if x in row})
    inc_s = time.perf_counter() - t
    c = _triples(inc.bm25)
    inc_ok = c == a and {t for t in inc.bm25.vocab_dict} == {t for t in ours.bm25.vocab_dict}
    print(f"incremental build ({half} reused) {inc_s:.2f} s, equal to full: {inc_ok}")
    q = ours.token_ids(document_tokens(texts[3])[:8])
    q2 = inc.token_ids(document_tokens(texts[3])[:8])
    same_scores = np.array_equal(ours.scores(q), inc.scores(q2))
    print(f"query scores equal: {same_scores}")
    return 0 if ok and vocab_ok and inc_ok and same_scores else 1


if __name__ == "__main__":
    sys.exit(main())
