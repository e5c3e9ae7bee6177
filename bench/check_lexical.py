"""Check that segmented BM25 (index/lexical.py) scores exactly as one `bm25s.BM25.index` over the live chunks.

    python bench/check_lexical.py [ARTICLES_DIR]

Splits the chunks of the articles folder (default: the XQuAD-vi dev
articles) into three segments, adds a fourth holding chunks that are then
marked deleted (and deletes a few chunks of the others), and compares with a
bm25s index built over the live chunks only: vocabulary, every token's IDF,
and the scores of 300 queries (equal to float32 rounding: ours are summed
in float64). Then merges the segments (`merge_postings`, as
`merge_segments` does) and compares again. Exits non-zero on any
difference.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import bm25s
import numpy as np

from index.articles import list_article_files, load_article
from index.chunking import chunk_article
from index.lexical import SegmentedLexical, count_terms, merge_postings
from index.text import document_tokens


def _reference(texts: list[str]) -> tuple[bm25s.BM25, dict[str, int], np.ndarray]:
    ref = bm25s.BM25()
    vocab: dict[str, int] = {}
    ids = [[vocab.setdefault(tok, len(vocab)) for tok in document_tokens(x)] for x in texts]
    ref.index((ids, vocab), show_progress=False)
    indptr = np.asarray(ref.scores["indptr"])
    n = int(ref.scores["num_docs"])
    df = np.diff(indptr).astype(np.float64)
    idf = np.log(1.0 + (n - df + 0.5) / (df + 0.5)).astype(np.float32)
    return ref, vocab, idf


def _compare(name: str, ours: SegmentedLexical, live_rows: np.ndarray, texts: list[str], queries) -> bool:
    ref, vocab, ref_idf = _reference(texts)
    vocab = {t: i for t, i in vocab.items() if t}  # bm25s adds "" for its own use
    same_vocab = set(ours.vocab_dict) == set(vocab)
    idf_equal = same_vocab and all(ours.idf[ours.vocab_dict[t]] == ref_idf[vocab[t]] for t in vocab)
    worst, exact = 0.0, 0
    for tokens in queries:
        a = ours.scores(ours.token_ids(tokens))
        b = ref.get_scores_from_ids([vocab[t] for t in dict.fromkeys(tokens) if t in vocab])
        dead = np.ones(len(a), dtype=bool)
        dead[live_rows] = False
        assert not a[dead].any(), "a deleted row scored"
        worst = max(worst, float(np.abs(a[live_rows] - b).max()))
        exact += int(np.array_equal(a[live_rows], b))
    ok = same_vocab and idf_equal and worst < 1e-5
    print(
        f"{name}: {ours.size} live documents, vocabulary equal: {same_vocab}, every IDF equal: {idf_equal}, "
        f"{exact}/{len(queries)} queries bit-identical, max |score diff| {worst:.2g}"
    )
    return ok


def main() -> int:
    """Compare; exit 1 when segmented scores differ from a whole-corpus bm25s index."""
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/work/shared/eval/xquad_vi_dev/articles")
    texts = [c.search_text for p in list_article_files(folder) for c in chunk_article(load_article(folder, p))]
    rng = np.random.default_rng(0)
    doomed = ["Bài đã xoá: nội dung không còn dùng, từ riêng xoábiệt", *rng.choice(texts, 20).tolist()]
    thirds = np.array_split(np.arange(len(texts)), 3)
    segments = [[texts[i] for i in part] for part in thirds] + [doomed]
    t = time.perf_counter()
    postings = [count_terms(seg) for seg in segments]
    lives = [np.ones(len(seg), dtype=bool) for seg in segments]
    lives[3][:] = False  # a whole segment of removed articles
    lives[1][:5] = False  # and the first article-ish rows of another
    parts, offset, live_rows, live_texts = [], 0, [], []
    for seg, post, live in zip(segments, postings, lives):
        parts.append((post, offset, live))
        live_rows += [offset + i for i in np.flatnonzero(live)]
        live_texts += [seg[i] for i in np.flatnonzero(live)]
        offset += len(seg)
    ours = SegmentedLexical(parts)
    print(f"segments counted and loaded in {time.perf_counter() - t:.2f} s")
    queries = [document_tokens(live_texts[i])[:12] for i in rng.integers(0, len(live_texts), 300)]
    ok = _compare("4 segments with deletions", ours, np.array(live_rows), live_texts, queries)
    merged = merge_postings([(post, live) for post, live in zip(postings, lives)])
    one = SegmentedLexical([(merged, 0, np.ones(merged.rows, dtype=bool))])
    ok = _compare("merged into one", one, np.arange(merged.rows), live_texts, queries) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
