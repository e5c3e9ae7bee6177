"""The catalogues of user-facing text: every key in both languages, with the same values to fill in."""

from __future__ import annotations

import string

import pytest

import texts
from index.build import BuildSummary


def fields(template: str) -> set[str]:
    """The names a template fills in ({name})."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("section", texts.SECTIONS)
def test_every_key_is_in_both_languages(section):
    vi, en = getattr(texts.vi, section), getattr(texts.en, section)
    if section == "COMMANDS":
        assert [name for name, _ in vi] == [name for name, _ in en]
        return
    assert set(vi) == set(en), set(vi) ^ set(en)
    for key in vi:
        assert fields(vi[key]) == fields(en[key]), (section, key)


def test_the_catalogues_hold_nothing_else():
    for catalogue in texts.CATALOGUES.values():
        names = {n for n in vars(catalogue) if n.isupper()}
        assert names <= {*texts.SECTIONS, "CHAT"}, names


def test_a_build_summary_is_worded_from_the_catalogue():
    summary = BuildSummary(articles=2, chunks=9, added=1, changed=0, removed=0, unchanged=1, embedded=4, reused=5,
                           seconds=1.25, generation="gen-000002")
    assert summary.describe() == (
        "Indexed 2 article(s), 9 chunk(s) in 1.2 s.\nArticles: 1 added, 0 changed, 0 removed, 1 unchanged.\n"
        "Chunks: 4 embedded, 5 reused."
    )
    assert summary.describe("vi").startswith("Đã lập chỉ mục 2 bài báo")


def test_reasons_are_codes_worded_in_the_readers_language():
    from index.reasons import Reason
    from ingest.messages import IngestProblem

    problem = IngestProblem("file_upload_unusable", file="bin.txt", reason=Reason.of("binary"))
    assert problem.describe("vi") == (
        "Tệp bin.txt không dùng được làm bài báo: tệp không phải văn bản (có thể là ảnh hay một chương trình); "
        "hãy lưu bài dưới dạng văn bản UTF-8."
    )
    assert problem.describe("en").startswith("bin.txt cannot be an article: the file is not text")
    summary = BuildSummary(articles=1, chunks=2, added=0, changed=0, removed=0, unchanged=1, embedded=0, reused=2,
                           seconds=0.5, generation="gen-000003",
                           reembedded_all=Reason.of("model_changed", old="a", new="b"))
    assert "mô hình ngôn ngữ đã đổi (a -> b)" in summary.describe("vi")
    assert "the model changed (a -> b)" in summary.describe("en")


def test_summaries_speak_plain_words():
    """An admin reads what an upload changed without the index's jargon ("mã hóa mới", "embedded")."""
    for language, jargon in (("vi", ("mã hóa", "tính mới", "dùng lại")), ("en", ("embedded", "reused"))):
        words = texts.text(language, "summary", articles=1, chunks=2, seconds=0.5, added=1, changed=0, removed=0,
                           unchanged=0, embedded=2, reused=0)
        assert not any(j in words for j in jargon), words
    assert not any(j in texts.vi.SUMMARY["chunks"] for j in ("mã hóa", "tính mới", "dùng lại"))
