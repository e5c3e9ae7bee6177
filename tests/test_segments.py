"""Segmented storage (issue 13): builds write only what changed, merges, exact BM25 across segments."""

from __future__ import annotations

import itertools
import json
import os
import shutil
from dataclasses import replace

import numpy as np

import index.build as build
from answer.engine import Engine
from index.build import build_index
from index.store import ArticleDatum, current_generation, open_snapshot, read_manifest, segments_dir
from index.text import document_tokens

from .test_build import NEW_ARTICLE

NOTE = "Ghi chú {n}\n\nBài ghi chú số {n} nói về chuyến thăm của đoàn đại biểu {n} tới Đà Nẵng.\n"


def _files(settings) -> dict[str, tuple[int, int]]:
    root = segments_dir(settings.index_dir)
    return {str(p.relative_to(root)): (p.stat().st_ino, p.stat().st_mtime_ns) for p in root.rglob("*") if p.is_file()}


def test_adding_and_removing_leave_existing_segments_untouched(engine, settings, encoder):
    before = _files(settings)
    (settings.articles_dir / "oxy.md").write_text(NEW_ARTICLE, encoding="utf-8")
    added = build_index(settings, encoder, merge=False)
    after_add = _files(settings)
    assert all(after_add[name] == stamp for name, stamp in before.items())  # not rewritten, not touched
    new = {name.split("/")[0] for name in set(after_add) - set(before)}
    assert len(new) == 1 and added.written_bytes < 200_000
    (settings.articles_dir / "oxy.md").unlink()
    removed = build_index(settings, encoder, merge=False)
    assert removed.removed == 1 and removed.embedded == 0
    assert removed.written_bytes < 10_000  # a manifest, nothing else
    assert all(_files(settings).get(name) == stamp for name, stamp in before.items())
    assert [a.id for a in Engine(settings, encoder).articles()] == [a.id for a in engine.articles()]


def test_segments_pile_up_then_merge_and_answers_stay_the_same(engine, settings, encoder, monkeypatch):
    monkeypatch.setattr(build, "MERGE_FACTOR", 3)
    monkeypatch.setattr(build, "COMPACT_MIN_ROWS", 1)
    monkeypatch.setattr(build, "COMPACT_SHARE", 0.1)
    merged = 0
    for n in range(1, 4):
        (settings.articles_dir / f"note{n}.txt").write_text(NOTE.format(n=n), encoding="utf-8")
        summary = engine.rebuild()
        merged += summary.merged
        assert engine.snapshot.generation == summary.generation
    assert merged >= 3
    manifest = read_manifest(settings.index_dir)
    assert len(manifest.segments) < 4
    assert engine.snapshot.generation == summary.generation
    answer = engine.ask("Đoàn đại biểu 3 thăm thành phố nào?")
    assert answer.passages[0].chunk.article_id == "note3.txt"  # found in the merged segment
    assert engine.ask("ai buoc toi 4 nguoi trung quoc").answered
    # Removing most rows of a segment makes the next build rewrite it without them.
    for n in (1, 2):
        (settings.articles_dir / f"note{n}.txt").unlink()
    summary = engine.rebuild()
    manifest = read_manifest(settings.index_dir)
    assert all(not ref.deleted for ref in manifest.segments)
    assert sorted(a.id for a in engine.articles()) == ["000_7ffb10ea7d7f92c2.txt", "note3.txt"]


def test_bm25_statistics_cover_the_whole_corpus_across_segments(engine, settings, encoder):
    # The same articles indexed at once and one by one give the same IDF and scores.
    one_by_one = open_snapshot(settings.index_dir)
    for n in range(1, 3):
        (settings.articles_dir / f"note{n}.txt").write_text(NOTE.format(n=n), encoding="utf-8")
        build_index(settings, encoder, merge=False)
    segmented = open_snapshot(settings.index_dir)
    assert len(segmented.segments) == 3
    fresh = settings.index_dir.parent / "fresh"
    build_index(replace(settings, index_dir=fresh), encoder)
    whole = open_snapshot(fresh)
    assert len(whole.segments) == 1 and one_by_one.size < segmented.size == whole.size
    assert set(segmented.lexical.vocab_dict) == set(whole.lexical.vocab_dict)
    tokens = [t for t in document_tokens("Đà Nẵng, Trung Quốc, đoàn") if t in whole.lexical.vocab_dict]
    assert len(tokens) >= 4
    for token in tokens:
        assert (
            segmented.lexical.idf[segmented.lexical.vocab_dict[token]]
            == whole.lexical.idf[whole.lexical.vocab_dict[token]]
        )
    keys = [segmented.chunk(i).key for i in range(segmented.lexical.rows)]
    order = np.argsort(keys)
    whole_keys = [whole.chunk(i).key for i in range(whole.lexical.rows)]
    whole_order = np.argsort(whole_keys)
    query = segmented.lexical.token_ids(tokens)
    query_whole = whole.lexical.token_ids(tokens)
    a = segmented.lexical.scores(query)[order]
    b = whole.lexical.scores(query_whole)[whole_order]
    np.testing.assert_allclose(a, b, rtol=1e-6)


def test_per_article_derived_data_is_stored_with_the_article(engine, settings, encoder, monkeypatch):
    def statements(article, chunks):
        yield ArticleDatum(article.id, "test-statement", json.dumps({"chunks": len(chunks)}))

    monkeypatch.setattr(build, "ARTICLE_DERIVERS", [statements])
    (settings.articles_dir / "oxy.md").write_text(NEW_ARTICLE, encoding="utf-8")
    engine.rebuild()
    assert [json.loads(v) for v in engine.snapshot.article_data("oxy.md", "test-statement")] == [{"chunks": 2}]
    assert engine.snapshot.article_data("000_7ffb10ea7d7f92c2.txt", "test-statement") == []  # built before


def test_large_builds_read_new_files_batch_by_batch(settings, encoder, monkeypatch):
    monkeypatch.setattr(build, "DEFER_FROM", 0)  # as a build of more than 200 new files does
    (settings.articles_dir / "oxy.md").write_text(NEW_ARTICLE, encoding="utf-8")
    (settings.articles_dir / "broken.txt").write_bytes(b"Title\n\n\xff\xfe bytes\n")
    summary = build_index(settings, encoder)
    assert (summary.added, summary.articles) == (2, 2)
    assert [s.path.name for s in summary.skipped] == ["broken.txt"]
    assert not build.is_stale(settings)
    answer = Engine(settings, encoder).ask("Ai đã tạo ra oxy lỏng năm 1891?")
    assert answer.answered and answer.quotes[0].article_id == "oxy.md"


def test_touched_files_stay_indexed_through_merges_and_the_manifest_stays_small(
    engine, settings, encoder, monkeypatch
):
    # File stamps live in the segments: a manifest lists segments, not the articles' files.
    small = (settings.index_dir / engine.snapshot.generation / "manifest.json").stat().st_size
    monkeypatch.setattr(build, "MERGE_FACTOR", 2)
    for n in range(1, 4):
        (settings.articles_dir / f"note{n}.txt").write_text(NOTE.format(n=n), encoding="utf-8")
    build_index(settings, encoder, merge=False)
    note = settings.articles_dir / "note2.txt"
    os.utime(note, ns=(note.stat().st_atime_ns, note.stat().st_mtime_ns + 10**9))  # saved again, same text
    touched = build_index(settings, encoder, merge=False)
    assert not touched.changed_anything and touched.unchanged == 4 and not build.is_stale(settings)
    assert [s.article_id for s in read_manifest(settings.index_dir).touched] == ["note2.txt"]
    # A merge folds the newer stamp into the merged segment: still indexed, still up to date.
    (settings.articles_dir / "oxy.md").write_text(NEW_ARTICLE, encoding="utf-8")
    merged = build_index(settings, encoder)
    manifest = read_manifest(settings.index_dir)
    assert merged.merged >= 2 and manifest.touched == ()
    assert not build.is_stale(settings)
    again = build_index(settings, encoder)
    assert not again.changed_anything and again.unchanged == 5
    size = (settings.index_dir / current_generation(settings.index_dir) / "manifest.json").stat().st_size
    assert size < small + 600  # one more segment's entry, not a line per article


def test_an_index_of_the_previous_format_is_rebuilt_without_embedding_again(engine, settings, encoder):
    # What an upgrade does to an index written by the previous release (format 2: the same segment
    # files, file stamps in the manifest): every article is indexed again, its vectors reused.
    path = settings.index_dir / engine.snapshot.generation / "manifest.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["format_version"] = 2
    data["files"] = [["000_7ffb10ea7d7f92c2.txt", 1, 1, "", data["segments"][0]["name"], 1]]
    path.write_text(json.dumps(data), encoding="utf-8")
    assert build.is_stale(settings)
    summary = build_index(settings, encoder)
    assert "the index format changed (version 2 -> 3)" in summary.describe()
    assert summary.embedded == 0 and summary.reused == summary.chunks > 0
    answer = Engine(settings, encoder).ask("Ai bị buộc tội tấn công Microsoft Exchange?")
    assert answer.answered and not build.is_stale(settings)


def test_a_build_told_which_files_changed_looks_at_those_alone(engine, settings, encoder):
    # What an upload, a link or a feed does: it names the file it saved, and the build
    # neither lists nor compares the rest of the folder (its cost does not grow with it).
    (settings.articles_dir / "oxy.md").write_text(NEW_ARTICLE, encoding="utf-8")
    (settings.articles_dir / "note1.txt").write_text(NOTE.format(n=1), encoding="utf-8")  # dropped in meanwhile
    added = engine.rebuild(only=["oxy.md"])
    assert (added.added, added.articles, added.unchanged) == (1, 2, 1)
    assert engine.ask("Ai đã tạo ra oxy lỏng năm 1891?").quotes[0].article_id == "oxy.md"
    assert build.is_stale(settings)  # note1.txt waits for the next full build
    # A file named but deleted is removed; one outside the folder is ignored.
    (settings.articles_dir / "oxy.md").unlink()
    removed = engine.rebuild(only=[settings.articles_dir / "oxy.md", settings.index_dir / "CURRENT"])
    assert (removed.removed, removed.articles) == (1, 1)
    assert [a.id for a in engine.articles()] == ["000_7ffb10ea7d7f92c2.txt"]
    full = engine.rebuild()
    assert (full.added, full.articles) == (1, 2) and not build.is_stale(settings)
    # An unusable file named alone is reported and kept out, and the rest stays indexed.
    (settings.articles_dir / "broken.txt").write_bytes(b"Title\n\n\xff\xfe bytes\n")
    skipped = engine.rebuild(only=["broken.txt"])
    assert [s.path.name for s in skipped.skipped] == ["broken.txt"] and skipped.articles == 2
    assert not build.is_stale(settings)


def test_bm25_top_rows_skip_common_words_yet_equal_summing_every_posting(settings, encoder, monkeypatch):
    # Max-score pruning: the answer's best passages and their scores are the same as when
    # every posting of every word is summed, over several segments with a removed article.
    import index.lexical as lexical
    from answer.search import query_tokens

    from .conftest import XQUAD_SAMPLE, XQUAD_SAMPLE_ARTICLES

    shutil.copytree(XQUAD_SAMPLE_ARTICLES, settings.articles_dir, dirs_exist_ok=True)
    build_index(settings, encoder, merge=False)
    (settings.articles_dir / "oxy.md").write_text(NEW_ARTICLE, encoding="utf-8")
    build_index(settings, encoder, merge=False)
    (settings.articles_dir / sorted(p.name for p in XQUAD_SAMPLE_ARTICLES.iterdir())[0]).unlink()
    build_index(settings, encoder, merge=False)
    lex = open_snapshot(settings.index_dir).lexical
    monkeypatch.setattr(lexical, "COMMON_SHARE", 0.05)  # most words count as common on a small corpus
    questions = [json.loads(line)["question"] for line in (XQUAD_SAMPLE / "questions.jsonl").open(encoding="utf-8")]
    pruned = 0
    # Common words looked up per row by binary search, added whole, or either; the k-th best
    # score taken among every row found, or among the few best (a threshold found by bisection);
    # postings added by scipy's C kernel, or by numpy where scipy lacks it.
    kernel = lexical._csc_matvec
    for dense_lookup, pool, add, question in itertools.product(
        [0, 30, 10**9],
        [6, 4096],
        [kernel, None],
        [*questions, "Ai đã tạo ra oxy lỏng năm 1891?", "ai buoc toi 4 nguoi trung quoc"],
    ):
        monkeypatch.setattr(lexical, "DENSE_LOOKUP", dense_lookup)
        monkeypatch.setattr(lexical, "KTH_POOL", pool)
        monkeypatch.setattr(lexical, "_csc_matvec", add)
        ids = lex.token_ids(query_tokens(question))
        query = {t: 1.0 if i % 3 else 0.3 for i, t in enumerate(ids)}  # weighted, as glossary synonyms are
        full = sum(w * lex.scores([t]) for t, w in query.items()) if query else np.zeros(lex.rows)
        rows, scores = lex.top(query, 5)
        expected = np.argsort(-full, kind="stable")[: len(rows)]
        np.testing.assert_allclose(scores, full[expected], rtol=1e-5)
        assert set(rows) == set(expected) or np.allclose(sorted(full[rows]), sorted(full[expected]), rtol=1e-5)
        candidates = np.sort(np.union1d(rows, [0, lex.rows - 1]))
        np.testing.assert_allclose(lex.score_rows(query, candidates), full[candidates], rtol=1e-5, atol=1e-6)
        pruned += any(lex.df[t] > 0.05 * lex.size for t in ids)
    assert pruned >= 5  # the pruning path ran


def test_a_running_index_takes_in_changes_without_recomputing_every_weight(settings, encoder, monkeypatch):
    # A served snapshot switching to the next generation keeps its segments' BM25 weights while
    # the average chunk length barely moves; a removed article still never comes back.
    import index.lexical as lexical
    from answer.search import query_tokens

    from .conftest import XQUAD_SAMPLE_ARTICLES

    shutil.copytree(XQUAD_SAMPLE_ARTICLES, settings.articles_dir, dirs_exist_ok=True)
    build_index(settings, encoder, merge=False)
    before = open_snapshot(settings.index_dir)
    monkeypatch.setattr(lexical, "AVG_LEN_DRIFT", 0.5)  # this small corpus moves more than 1%
    (settings.articles_dir / "oxy.md").write_text(NEW_ARTICLE, encoding="utf-8")
    gone = sorted(p.name for p in XQUAD_SAMPLE_ARTICLES.iterdir())[0]
    gone_text = (settings.articles_dir / gone).read_text(encoding="utf-8")
    (settings.articles_dir / gone).unlink()
    build_index(settings, encoder, merge=False)
    after = open_snapshot(settings.index_dir, reuse=before)
    assert after.lexical._weights[0] is before.lexical._weights[0]  # the first segment's, not recomputed
    exact = open_snapshot(settings.index_dir)
    body = next(line for line in gone_text.splitlines()[1:] if len(line) > 80)
    for question in ["Ai đã tạo ra oxy lỏng năm 1891?", body]:
        query = dict.fromkeys(after.lexical.token_ids(query_tokens(question)), 1.0)
        rows, scores = after.lexical.top(query, 5)
        exact_rows, exact_scores = exact.lexical.top(query, 5)
        assert len(rows) == 5 and {after.chunk(int(r)).article_id for r in rows}.isdisjoint({gone})
        np.testing.assert_allclose(scores, exact_scores, rtol=0.5)  # within the drift allowed here
        assert after.chunk(int(rows[0])).article_id == exact.chunk(int(exact_rows[0])).article_id
    assert after.chunk(int(rows[0])).article_id != gone  # its words now point elsewhere
    # The vocabulary and IDF are exact, however the segments were taken over.
    assert after.lexical.vocab_dict == exact.lexical.vocab_dict
    np.testing.assert_array_equal(after.lexical.idf, exact.lexical.idf)
    parts = after.lexical._parts
    assert len(parts) == 2
    first_only = lexical.SegmentedLexical(parts[:1], previous=after.lexical)  # a later segment dropped
    fresh = lexical.SegmentedLexical(parts[:1])
    assert first_only.vocab_dict == fresh.vocab_dict
    np.testing.assert_array_equal(first_only.idf, fresh.idf)
