"""The act head: a statement's act read from its sentence's meaning (index/act_head.py), with the real model."""

from __future__ import annotations

import numpy as np

from index import act_head
from index.act_head import HEAD_FILE, MODEL, read_head, relabel_acts
from index.articles import parse_article
from index.attribution import ACTS, extract_statements
from index.embedding import load_encoder


def article(body: str):
    return parse_article("t.txt", "Tiêu đề\n\n" + body)


def with_head(body: str):
    """(rules' act, head's act) of the one statement of `body`, the shipped head applied whether or not it is on."""
    (rules,) = extract_statements(article(body), act_head=False)
    (headed,) = relabel_acts([rules], read_head(HEAD_FILE), load_encoder(MODEL))
    return rules.act, headed.act


def test_the_shipped_head_loads_is_small_and_knows_every_act():
    assert HEAD_FILE.stat().st_size < 1_000_000
    head = read_head(HEAD_FILE)
    assert head.acts == ACTS
    assert head.weights.shape == (384 + len(ACTS), len(ACTS)) and np.isfinite(head.weights).all()
    assert head.relabel <= set(ACTS) and 0.0 <= head.min_p < 1.0


def test_a_denial_the_rules_read_as_a_plain_statement_is_a_denial_to_the_head():
    rules, head = with_head("Ông Phạm Quốc Bảo khẳng định chưa từng ký bất kỳ hợp đồng nào với nhà thầu này.")
    assert (rules, head) == ("say", "deny")


def test_an_accusation_is_an_accusation_to_the_head_with_or_without_an_accusing_verb():
    assert with_head("Bà Đỗ Thu Hà cáo buộc ban quản lý chợ đã thu phí trái quy định của tiểu thương.")[1] == "accuse"
    said = "Bà Ngô Thanh Mai nói rằng chính ban giám đốc đã làm thất thoát hàng chục tỷ đồng của cổ đông."
    assert with_head(said) == ("say", "accuse")


def test_extraction_keeps_the_rules_acts_while_the_head_is_switched_off():
    # Off because it lost to the rules on news_dev (act_head.ENABLED); extraction must not pay for it then.
    assert not act_head.ENABLED
    body = "Ông Phạm Quốc Bảo khẳng định chưa từng ký bất kỳ hợp đồng nào với nhà thầu này."
    assert [s.act for s in extract_statements(article(body))] == ["say"]
