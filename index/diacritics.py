"""Diacritics put back on a Vietnamese question typed without them, for the model's eyes only.

The multilingual model reads "bo tu phap my buoc toi bao nhieu nguoi" poorly
(alone it ranks the right paragraph first for about a third of such
questions, against nine in ten with diacritics), while the articles themselves
say how each folded word is written: the index's accented tokens. Read left to
right, each folded two-syllable word the articles know takes its most frequent
accented form there, and each remaining syllable takes its own; question phrases, which news text rarely uses
as such ("bao nhiêu" is rarer there than "nhiều"), come from a fixed list
first, and single question words ("nào", "mấy") before a lone syllable's
article form. The restored question is what gets embedded; lexical search
keeps the folded words.
"""

from __future__ import annotations

import re
import threading
import weakref
from typing import Any

from .text import ACCENT_PREFIX, fold

# Question words and phrases as a question writes them, whatever the articles prefer.
QUESTION_WORDS = {
    "bao nhieu": "bao nhiêu",
    "bao gio": "bao giờ",
    "bao lau": "bao lâu",
    "bao xa": "bao xa",
    "khi nao": "khi nào",
    "luc nao": "lúc nào",
    "o dau": "ở đâu",
    "tai dau": "tại đâu",
    "tai sao": "tại sao",
    "vi sao": "vì sao",
    "lam sao": "làm sao",
    "the nao": "thế nào",
    "la gi": "là gì",
    "la ai": "là ai",
    "gi": "gì",
    "nao": "nào",
    "dau": "đâu",
    "may": "mấy",
    "khong": "không",
    "chua": "chưa",
}
_PHRASES = [(k.split(), v.split()) for k, v in QUESTION_WORDS.items() if " " in k]
_WORD = re.compile(r"\w+")
_tables: weakref.WeakKeyDictionary[Any, dict[str, tuple[str, float]]] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def accent_table(vocab: dict[str, int], idf: Any, owner: Any) -> dict[str, tuple[str, float]]:
    """Folded syllable or bigram ("bo_tu") -> its most frequent accented form in the index ("bộ_tư") and how
    common that is (the highest IDF minus its IDF).

    Built once per `owner` (the snapshot's lexical index) from its vocabulary
    and IDF (lower IDF: more documents).
    """
    with _lock:
        table = _tables.get(owner)
        if table is None:
            best: dict[str, tuple[float, str]] = {}
            for token, tid in vocab.items():
                if token.startswith(ACCENT_PREFIX):
                    form = token.replace(ACCENT_PREFIX, "")
                    key = fold(form)
                    weight = float(idf[tid])
                    if key not in best or weight < best[key][0]:
                        best[key] = (weight, form)
            top = float(idf.max()) if len(idf) else 0.0
            table = {key: (form, top - weight) for key, (weight, form) in best.items()}
            _tables[owner] = table
    return table


def restore_diacritics(question: str, table: dict[str, tuple[str, float]]) -> str:
    """`question` with each word given its likeliest accented form (question words first, then two-syllable
    words, then syllables); punctuation, spacing and capitals kept."""
    matches = list(_WORD.finditer(question))
    folded = [fold(m.group()) for m in matches]
    out: list[str | None] = [None] * len(matches)
    for words, forms in _PHRASES:
        n = len(words)
        for i in range(len(folded) - n + 1):
            if folded[i : i + n] == words and all(o is None for o in out[i : i + n]):
                out[i : i + n] = forms
    for i, form in enumerate(_best_pairs(folded, out, table)):
        out[i] = out[i] or form or QUESTION_WORDS.get(folded[i]) or table.get(folded[i], (matches[i].group(), 0))[0]
    parts, position = [], 0
    for match, form in zip(matches, out):
        assert form is not None
        original = match.group()
        if original[:1].isupper():
            form = form[:1].upper() + form[1:]
        parts += [question[position : match.start()], form]
        position = match.end()
    return "".join(parts) + question[position:]


def _best_pairs(folded: list[str], fixed: list[str | None], table: dict[str, tuple[str, float]]) -> list[str | None]:
    """Each syllable's form from the two-syllable words read left to right (None where none applies).

    Left to right beats choosing the most frequent pairs overall: frequent
    pairs that straddle two words ("tư pháp" in "bộ tư pháp") would win.
    """
    forms: list[str | None] = [None] * len(folded)
    i = 0
    while i + 1 < len(folded):
        pair = table.get(f"{folded[i]}_{folded[i + 1]}")
        if pair and fixed[i] is None and fixed[i + 1] is None:
            forms[i], forms[i + 1] = pair[0].split("_", 1)
            i += 2
        else:
            i += 1
    return forms
