"""Reading articles: titles, front matter, Unicode forms, page debris, unusable files."""

from __future__ import annotations

import unicodedata

import pytest

from index.articles import SkippedFile, load_article, load_articles, parse_article
from index.chunking import chunk_article, split_sentences
from index.errors import ArticlesFolderError

from .conftest import SEED_ARTICLE, SEEDS, XQUAD_SAMPLE_ARTICLES


def test_seed_article_title_byline_and_debris():
    article = load_article(SEEDS, SEEDS / SEED_ARTICLE)
    assert article.title == "Trung Quốc phản ứng mạnh khi bị cáo buộc đứng sau chiến dịch tin tặc toàn cầu"
    texts = {p.number: article.paragraph_text(p.number) for p in article.paragraphs}
    assert texts[1] == "Nguyễn Phương (Theo SCMP)"
    assert article.paragraphs[0].byline
    debris = {texts[p.number] for p in article.paragraphs if p.debris}
    assert debris == {"Chia sẻ Zalo", "Trụ sở Đại sứ quán Trung Quốc tại Mỹ. Ảnh: Xinhua"}
    quoted = {c.text for c in chunk_article(article)}
    assert not any("Chia sẻ Zalo" in t or "Ảnh: Xinhua" in t for t in quoted)


def test_front_matter_gives_title_url_source_and_date(tmp_path):
    text = (
        "---\ntitle: Bão số 3 đổ bộ\nurl: https://example.vn/bao-so-3\nsource: VnExpress\ndate: 2024-09-07\n---\n"
        "Bão số 3 đổ bộ\n\nCơn bão mạnh nhất năm đã đổ bộ vào Quảng Ninh chiều 7/9.\n"
    )
    article = parse_article("bao.md", text)
    assert (article.title, article.url, article.source, article.date) == (
        "Bão số 3 đổ bộ",
        "https://example.vn/bao-so-3",
        "VnExpress",
        "2024-09-07",
    )
    # The title line repeated under the front matter is not a paragraph.
    assert [article.paragraph_text(p.number) for p in article.paragraphs] == [
        "Cơn bão mạnh nhất năm đã đổ bộ vào Quảng Ninh chiều 7/9."
    ]


def test_markdown_heading_is_the_title():
    article = parse_article("a.md", "# Giá xăng giảm\n\nGiá xăng giảm 500 đồng mỗi lít từ 15 giờ hôm nay.\n")
    assert article.title == "Giá xăng giảm"
    assert len(article.paragraphs) == 1


def test_decomposed_vietnamese_is_normalised_to_nfc(tmp_path):
    composed = "Tiêu đề\n\nHà Nội mưa lớn, nhiều tuyến phố ngập sâu.\n"
    (tmp_path / "nfd.txt").write_text(unicodedata.normalize("NFD", composed), encoding="utf-8")
    article = load_article(tmp_path, tmp_path / "nfd.txt")
    assert article.text == composed
    assert unicodedata.is_normalized("NFC", article.text)


def test_hard_wrapped_paragraph_is_joined():
    text = (
        "Title\n\n"
        "The storm reached the coast on Saturday afternoon and brought\n"
        "heavy rain to the northern provinces, where rivers rose quickly\n"
        "and several roads were closed to traffic overnight.\n"
    )
    article = parse_article("wrapped.txt", text)
    assert len(article.paragraphs) == 1
    assert article.paragraph_text(1).endswith("closed to traffic overnight.")


def test_non_utf8_file_is_skipped_with_its_line(tmp_path):
    (tmp_path / "good.txt").write_text("Tin tốt\n\nMột đoạn văn.\n", encoding="utf-8")
    (tmp_path / "latin1.txt").write_bytes("Tiêu đề\n\nđoạn hai\n".encode() + "café\n".encode("latin-1"))
    (tmp_path / "empty.txt").write_bytes(b"  \n")
    (tmp_path / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    (tmp_path / "notes.pdf").write_bytes(b"%PDF")  # not an article suffix: ignored silently
    articles, skipped = load_articles(tmp_path)
    assert [a.id for a in articles] == ["good.txt"]
    reasons = {s.path.name: s.reason for s in skipped}
    assert set(reasons) == {"latin1.txt", "empty.txt", "image.txt"}
    assert "line 4" in reasons["latin1.txt"] and "UTF-8" in reasons["latin1.txt"]
    assert "empty" in reasons["empty.txt"]
    assert "not text" in reasons["image.txt"]
    # The reason is a code the catalogues word: the same file, in Vietnamese, says it in Vietnamese.
    codes = {s.path.name: s.why.code for s in skipped}
    assert codes == {"latin1.txt": "not_utf8", "empty.txt": "empty", "image.txt": "binary"}
    image = next(s for s in skipped if s.path.name == "image.txt")
    assert image.describe_reason("vi").startswith("tệp không phải văn bản")
    assert all(isinstance(s, SkippedFile) and str(s.path) in str(s) for s in skipped)


def test_missing_articles_folder_names_it(tmp_path):
    with pytest.raises(ArticlesFolderError, match=r"nowhere.*does not exist"):
        load_articles(tmp_path / "nowhere")


@pytest.mark.parametrize(
    "path", [SEEDS / SEED_ARTICLE, *sorted(XQUAD_SAMPLE_ARTICLES.glob("*.txt"))], ids=lambda p: p.name
)
def test_chunk_and_sentence_offsets_point_into_the_article(path):
    article = load_article(path.parent, path)
    chunks = chunk_article(article)
    assert chunks
    for chunk in chunks:
        assert article.text[chunk.start : chunk.end] == chunk.text
        para = article.paragraphs[chunk.paragraph - 1]
        assert para.start <= chunk.start < chunk.end <= para.end
        assert chunk.sentences[0][0] == chunk.start and chunk.sentences[-1][1] == chunk.end
        for start, end in chunk.sentences:
            sentence = article.text[start:end]
            assert sentence == sentence.strip() and sentence


def test_long_paragraph_is_split_on_sentence_boundaries():
    sentence = "Đây là một câu khá dài nói về diễn biến của sự kiện trong ngày hôm qua tại thủ đô. "
    article = parse_article("long.txt", "Tiêu đề\n\n" + sentence * 60)
    chunks = chunk_article(article)
    assert len(chunks) > 1
    assert {c.paragraph for c in chunks} == {1}
    assert all(len(c.text) <= 1800 and c.text.endswith("thủ đô.") for c in chunks)
    assert "".join(c.text + " " for c in chunks) == sentence * 60


def test_sentence_split_respects_abbreviations_initials_and_quotes():
    text = 'Ông J. Smith đến TP. HCM hôm qua. Ông nói: "Tốt. Rất tốt." Rồi ông đi. 5 người đến.'
    assert [text[a:b] for a, b in split_sentences(text)] == [
        "Ông J. Smith đến TP. HCM hôm qua.",
        'Ông nói: "Tốt. Rất tốt."',
        "Rồi ông đi.",
        "5 người đến.",
    ]
