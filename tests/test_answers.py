"""What a reader gets back: verbatim quotes that answer, from several parties, or an honest "not found"."""

from __future__ import annotations

import json

import pytest

from answer.compose import MAX_QUOTES
from answer.engine import MAX_QUESTION_CHARS
from answer.render import answer_text
from index.errors import QuestionError

from .conftest import DATA, SEEDS

SEED_DEV = [json.loads(line) for line in (DATA / "seed_dev.jsonl").read_text(encoding="utf-8").splitlines()]


def _article_text(engine, article_id):
    return (engine.settings.articles_dir / article_id).read_text(encoding="utf-8")


@pytest.mark.parametrize("case", SEED_DEV, ids=lambda c: c["question"])
def test_seed_dev_questions(seed_engine, case):
    answer = seed_engine.ask(case["question"])
    if case.get("expect") == "no_answer":
        assert not answer.answered and answer.quotes == ()
        return
    assert answer.answered
    assert 1 <= len(answer.quotes) <= MAX_QUOTES
    assert any(s in q.text for q in answer.quotes for s in case["must_quote_any"]), answer_text(answer)


def test_every_quote_is_a_verbatim_slice_of_its_article_file(seed_engine):
    questions = [c["question"] for c in SEED_DEV] + ["ai cao buoc ai", "Trung Quốc nói gì về bằng chứng?"]
    for question in questions:
        for quote in seed_engine.ask(question).quotes:
            text = (SEEDS / quote.article_id).read_text(encoding="utf-8")
            assert text[quote.start : quote.end] == quote.text
            assert quote.text in quote.text.strip() and quote.text == quote.text.strip()


def test_who_accused_china_quotes_the_us_and_allies_assigning_responsibility(seed_engine):
    answer = seed_engine.ask("Ai đã cáo buộc Trung Quốc?")
    texts = [q.text for q in answer.quotes]
    assert any("Mỹ cùng các đồng minh" in t and "quy trách nhiệm" in t for t in texts), texts


@pytest.mark.parametrize("question", ["Ai cáo buộc ai?", "ai cao buoc ai", "Who accused whom?"])
def test_many_answer_question_quotes_several_parties_from_different_paragraphs(seed_engine, question):
    answer = seed_engine.ask(question)
    assert len(answer.quotes) >= 2
    paragraphs = [q.paragraph for q in answer.quotes]
    assert len(set(paragraphs)) == len(paragraphs), "quotes repeat a paragraph"
    parties = {"Mỹ", "Trung Quốc", "Bộ Tư pháp", "Na Uy", "Australia"}
    named = {p for q in answer.quotes for p in parties if p in q.text}
    assert len(named) >= 2


@pytest.mark.parametrize(
    ("accented", "unaccented"),
    [
        ("Ai đã bị buộc tội thành lập công ty bình phong?", "ai da bi buoc toi thanh lap cong ty binh phong"),
        ("Oslo tuyên bố điều gì?", "oslo tuyen bo dieu gi"),
        ("Trung Quốc viện dẫn báo cáo năm nào?", "trung quoc vien dan bao cao nam nao"),
    ],
)
def test_question_without_diacritics_finds_the_same_sentence(seed_engine, accented, unaccented):
    with_marks = seed_engine.ask(accented)
    without = seed_engine.ask(unaccented)
    assert with_marks.answered and without.answered
    assert without.quotes[0].text == with_marks.quotes[0].text


@pytest.mark.parametrize(
    "question",
    [
        "Thời tiết Hà Nội ngày mai thế nào?",
        "cach lam banh mi thit nuong",
        "Ai vô địch World Cup 2022?",
        "How do I bake sourdough bread?",
        "Giá vàng hôm nay bao nhiêu một lượng?",
    ],
)
def test_questions_the_articles_do_not_answer_get_not_found(seed_engine, question):
    answer = seed_engine.ask(question)
    assert not answer.answered and answer.quotes == ()
    assert "Không tìm thấy" in answer_text(answer) or "Not found" in answer_text(answer)


def test_framing_follows_the_question_language(seed_engine):
    assert answer_text(seed_engine.ask("Oslo tuyên bố điều gì?")).startswith("Theo các bài báo")
    english = seed_engine.ask("Who did the US say was behind the Exchange hack?")
    assert english.language == "en" and answer_text(english).startswith("From the articles")
    assert "paragraph 15" in answer_text(english)
    assert answer_text(seed_engine.ask("How do I bake sourdough bread?")) == "Not found in the articles."


def test_passages_are_ranked_and_limited_to_top_k(seed_engine):
    answer = seed_engine.ask("Đại sứ quán Trung Quốc tại Na Uy nghi ngờ điều gì?", top_k=3)
    assert len(answer.passages) == 3
    scores = [p.score for p in answer.passages]
    assert scores == sorted(scores, reverse=True)
    assert "thao túng chính trị" in answer.passages[0].chunk.text


def test_empty_question_is_refused(seed_engine):
    with pytest.raises(QuestionError, match="empty"):
        seed_engine.ask("   \n ")


def test_overlong_question_is_cut_with_a_notice(seed_engine):
    answer = seed_engine.ask("Oslo tuyên bố điều gì? " + "rất " * 1000)
    assert len(answer.question) == MAX_QUESTION_CHARS
    assert answer.notices and str(MAX_QUESTION_CHARS) in answer.notices[0]
