"""Rendering answers as Telegram HTML: escaping, splitting, buttons. Every text is checked as Telegram would."""

from __future__ import annotations

from pathlib import Path

import pytest

from answer.types import Answer, Quote
from bot import render
from index.articles import SkippedFile
from index.build import BuildSummary
from index.reasons import Reason
from index.store import ArticleInfo
from testing.fake_telegram import check_markup, check_text, utf16_len


def quote(text: str, *, paragraph: int = 3, start: int = 100, article: str = "tin/bai-1.txt", url: str | None = None):
    return Quote(
        text=text,
        article_id=article,
        title="Tiêu đề <b>bài</b> & báo",
        url=url,
        paragraph=paragraph,
        start=start,
        end=start + len(text),
        score=0.9,
    )


def answer(*quotes: Quote, language: str = "vi", answered: bool = True, notices: tuple[str, ...] = ()) -> Answer:
    return Answer(
        question="Ai <đã> cáo buộc & vì sao?",
        answered=answered,
        quotes=quotes,
        passages=(),
        language=language,
        confidence=0.8,
        notices=notices,
    )


def telegram_accepts(message: render.Outgoing) -> str:
    """The plain text Telegram would store; fails the test if Telegram would refuse the message."""
    plain, _ = check_text(message.text, "HTML")
    if message.keyboard is not None:
        check_markup(message.keyboard.to_dict())
    return plain


def test_answer_escapes_article_and_user_text() -> None:
    q = quote("Mã <script>alert('x')</script> & R&amp;D > 0", url='https://example.com/a?x=1&y="2"')
    [message] = render.render_answer(answer(q, notices=("Câu hỏi <dài>",)), echo_question=True)
    plain = telegram_accepts(message)
    assert "Mã <script>alert('x')</script> & R&amp;D > 0" in plain
    assert "Ai <đã> cáo buộc & vì sao?" in plain and "Câu hỏi <dài>" in plain
    assert "— Tiêu đề <b>bài</b> & báo, đoạn 3" in plain
    assert 'href="https://example.com/a?x=1&amp;y=&quot;2&quot;"' in message.text


def test_not_found_and_english_framing() -> None:
    [vi] = render.render_answer(answer(answered=False))
    assert telegram_accepts(vi).startswith("Không tìm thấy câu trả lời trong các bài báo hiện có.")
    [en] = render.render_answer(answer(quote("Ba người."), language="en"))
    plain = telegram_accepts(en)
    assert plain.startswith("From the articles:") and ", paragraph 3" in plain
    assert en.keyboard is not None and en.keyboard.inline_keyboard[0][0].text == "📄 Full paragraph 3"


def test_long_answer_split_at_quote_boundaries() -> None:
    quotes = [quote(f"Câu {n}: " + "lời trích dẫn rất dài " * 130, paragraph=n, start=n * 5000) for n in (1, 2, 3)]
    messages = render.render_answer(answer(*quotes))
    assert len(messages) == 3
    for message, original in zip(messages, quotes):
        plain = telegram_accepts(message)
        assert original.text in plain  # whole quotes, never cut between messages
        assert message.keyboard is not None and len(message.keyboard.inline_keyboard) == 1
    assert telegram_accepts(messages[0]).startswith("Theo các bài báo:")


def test_quote_longer_than_a_message_is_shortened_at_a_word() -> None:
    text = "Một câu rất dài không có dấu chấm " * 200 + "kết thúc."
    [message] = render.render_answer(answer(quote(text)))
    plain = telegram_accepts(message)
    [shown] = [line for line in plain.split("\n") if line.startswith("Một câu")]
    assert shown.endswith("…") and text.startswith(shown[:-1]) and shown[-2] != " "
    assert utf16_len(message.text) <= 4096


def test_length_counts_utf16_code_units() -> None:
    text = "😀" * 2500  # 2,500 characters but 5,000 UTF-16 code units: too long for one message
    [message] = render.render_answer(answer(quote(text)))
    assert utf16_len(telegram_accepts(message)) <= 4096


def test_full_paragraph_buttons_fit_callback_data_and_round_trip() -> None:
    long_id = "chuyên-mục/" * 20 + "bài-báo-rất-dài.txt"
    q = quote("Câu trích.", paragraph=99999, start=4_999_000, article=long_id)
    data = render.paragraph_callback(q, "vi")
    assert len(data.encode()) <= 64
    ref = render.parse_paragraph_callback(data)
    assert ref == render.ParagraphRef("vi", render.article_key(long_id), 99999, 4_999_000, 4_999_010, ref.quote_hash)
    assert render.parse_paragraph_callback("para:vi:zz") is None
    assert render.parse_paragraph_callback("para:xx:a:1:2:3:h") is None


def test_no_button_for_a_quote_that_is_its_whole_paragraph() -> None:
    a, b = quote("Một.", paragraph=1, start=0), quote("Hai.", paragraph=2, start=10)
    [message] = render.render_answer(answer(a, b), whole_paragraphs=frozenset({0}))
    assert message.keyboard is not None
    assert [row[0].text for row in message.keyboard.inline_keyboard] == ["📄 Xem cả đoạn 2"]


def test_paragraph_longer_than_a_message_spans_several() -> None:
    body = "Đây là một câu trong đoạn văn rất dài. " * 300
    messages = render.render_paragraph("Tiêu đề & <x>", "https://e.vn/a", 4, body, "vi")
    assert len(messages) >= 3
    plains = [telegram_accepts(m) for m in messages]
    assert " ".join(p.split("\n— ")[0] for p in plains).split() == body.split()
    assert all("đoạn 4 (tiếp" in p for p in plains)


def test_sources_list_pages_with_dates_sites_and_linked_titles() -> None:
    sources = [
        ArticleInfo(
            f"a{n}.txt",
            f"Bài <{n}> & tin " * 30,
            f"https://e.vn/{n}?a=1&b=2",
            3,
            date=f"2025-05-{28 - n % 28:02d}" if n < 250 else None,
            source="Báo <Mới>" if n % 2 else None,
        )
        for n in range(300)
    ]
    first = render.render_sources(sources, "vi")
    plain = telegram_accepts(first)
    assert plain.startswith(
        "Các bài báo đang có (300), bài có ngày đăng xếp mới nhất trước, bài không rõ ngày xếp sau theo tên — "
        "trang 1/30:"
    )
    lines = plain.split("\n")[1:]
    assert len(lines) == render.SOURCES_PER_PAGE and lines[0].startswith("1. Bài <0> & tin")
    assert lines[0].endswith("— 28/5/2025") and lines[1].endswith("— 27/5/2025, Báo <Mới>")
    assert [b.text for row in first.keyboard.inline_keyboard for b in row] == ["Cũ hơn ▶"]
    middle = render.render_sources(sources, "en", 4)
    assert telegram_accepts(middle).startswith(
        "The articles I have (300), dated ones newest first, then undated ones by title — page 5/30:\n41. "
    )
    assert [b.callback_data for row in middle.keyboard.inline_keyboard for b in row] == ["src:en:3", "src:en:5"]
    last = render.render_sources(sources, "en", 99)  # the list got shorter since the button was sent
    assert "page 30/30" in telegram_accepts(last) and "\n300. Bài <299>" in telegram_accepts(last)
    assert [b.text for row in last.keyboard.inline_keyboard for b in row] == ["◀ Newer"]
    one = render.render_sources(sources[:3], "en")
    assert telegram_accepts(one).startswith("The articles I have (3), dated ones newest first, then")
    assert one.keyboard is None
    assert render.render_sources([], "en").text == "No articles are indexed yet."


def test_quote_source_shows_the_article_date() -> None:
    dated = Quote("Câu trích.", "a.txt", "Tiêu đề", "https://e.vn/a", 2, 0, 10, 0.9, date="2025-05-12")
    [vi] = render.render_answer(answer(dated))
    [en] = render.render_answer(answer(dated, language="en"))
    assert "— Tiêu đề, đoạn 2, 12/5/2025" in telegram_accepts(vi)
    assert "— Tiêu đề, paragraph 2, 12 May 2025" in telegram_accepts(en)


def test_start_and_help() -> None:
    start = render.render_start([ArticleInfo("a.txt", "Tin <a>", None, 2)], [(0, "Ai?"), (2, "Who?")], "vi")
    plain = telegram_accepts(start)
    assert "Tin <a>" in plain
    assert start.keyboard is not None
    assert [(r[0].text, r[0].callback_data) for r in start.keyboard.inline_keyboard] == [
        ("Ai?", "ask:0"),
        ("Who?", "ask:2"),
    ]
    admin = telegram_accepts(render.render_help("en", admin=True, upload_limit_kb=1024))
    assert "at most 1024 KB" in admin
    assert "1024 KB" not in telegram_accepts(render.render_help("en", admin=False, upload_limit_kb=1024))


def test_summary_fits_with_many_skipped_files() -> None:
    skipped = tuple(
        SkippedFile(Path(f"/srv/articles/bad-{n}.txt"), Reason.of("unreadable", error="<binary> & broken"))
        for n in range(400)
    )
    summary = BuildSummary(3, 40, 1, 0, 0, 2, 5, 35, 1.25, skipped=skipped, generation="gen-000002")
    html = render.render_summary(summary, "vi")
    plain, _ = check_text(html, "HTML")
    assert plain.startswith("Chỉ mục có 3 bài báo, 40 đoạn (1.2 giây).")
    assert "Bỏ qua bad-0.txt: không đọc được tệp (<binary> & broken)." in plain
    assert "tệp khác bị bỏ qua" in plain and "/srv" not in plain


def test_summary_of_a_reindex_that_changed_nothing_is_one_line() -> None:
    summary = BuildSummary(3, 40, 0, 0, 0, 3, 0, 40, 0.02)  # no new generation
    assert not summary.changed_anything
    plain, _ = check_text(render.render_summary(summary, "en"), "HTML")
    assert plain == "Nothing changed; the index is up to date: 3 article(s), 40 passage(s)."
    assert check_text(render.render_summary(summary, "vi"), "HTML")[0] == (
        "Không có gì thay đổi; chỉ mục đã mới nhất: 3 bài báo, 40 đoạn."
    )


@pytest.mark.parametrize(
    ("value", "limit", "expected"),
    [("ngắn", 10, "ngắn"), ("một hai ba bốn năm", 12, "một hai ba…"), ("a  b\n c", 10, "a b c")],
)
def test_shorten(value: str, limit: int, expected: str) -> None:
    assert render.shorten(value, limit) == expected
