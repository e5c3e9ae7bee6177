"""Diacritics put back on a Vietnamese question typed without them, for the model's eyes only.

The multilingual model reads "bo tu phap my buoc toi bao nhieu nguoi" poorly
(alone it ranks the right paragraph first for about a third of such
questions, against nine in ten with diacritics), while the articles themselves
say how each folded word is written: the index's accented tokens. Each folded
syllable's possible spellings (its vowels' variants and a tone mark) are
looked up among them. Read left to right, each pair of syllables that the
articles write as a two-syllable word takes its most frequent spelling there,
and each remaining syllable takes its own most frequent one. Question phrases,
which news text rarely uses as such ("bao nhiêu" is rarer there than
"nhiều"), come from a fixed list first, and single question words ("nào",
"mấy") before a lone syllable's article spelling. The restored question is
what gets embedded; lexical search keeps the folded words. Only dictionary
lookups: no table is built, so a new index generation costs nothing here.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from typing import Any

from index.text import ACCENT_PREFIX, fold

# Question words and phrases as a question writes them, whatever the articles prefer.
QUESTION_WORDS = {
    "bao nhieu": "bao nhiêu",
    "bao gio": "bao giờ",
    "bao lau": "bao lâu",
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
_LETTER_VARIANTS = {"a": "aăâ", "e": "eê", "o": "oôơ", "u": "uư", "d": "dđ"}
_VOWELS = frozenset("aăâeêioôơuưy")
_TONES = ("\u0300", "\u0301", "\u0309", "\u0303", "\u0323")  # huyền, sắc, hỏi, ngã, nặng
MAX_SPELLINGS = 400  # a longer foreign word is left as typed
CANDIDATES = 10  # spellings per syllable tried in two-syllable words


def restore_diacritics(question: str, vocab: dict[str, int], idf: Any) -> str:
    """`question` with each word given its likeliest accented spelling in the index (`vocab`: BM25 token ids,
    `idf`: their IDF); punctuation, spacing and capitals kept."""
    matches = list(_WORD.finditer(question))
    folded = [fold(m.group()) for m in matches]
    out: list[str | None] = [None] * len(matches)
    for words, forms in _PHRASES:
        n = len(words)
        for i in range(len(folded) - n + 1):
            if folded[i : i + n] == words and all(o is None for o in out[i : i + n]):
                out[i : i + n] = forms
    spellings = [_spellings(s, vocab, idf) if o is None else [] for s, o in zip(folded, out)]
    i = 0
    while i + 1 < len(folded):
        pair = _best_pair(spellings[i], spellings[i + 1], vocab, idf)
        if pair:
            out[i], out[i + 1] = pair
            i += 2
        else:
            i += 1
    parts, position = [], 0
    for i, match in enumerate(matches):
        form = out[i] or QUESTION_WORDS.get(folded[i]) or (spellings[i][0] if spellings[i] else match.group())
        if match.group()[:1].isupper():
            form = form[:1].upper() + form[1:]
        parts += [question[position : match.start()], form]
        position = match.end()
    return "".join(parts) + question[position:]


def _spellings(syllable: str, vocab: dict[str, int], idf: Any) -> list[str]:
    """The accented spellings of a folded syllable that the index holds, most frequent first."""
    letters = [_LETTER_VARIANTS.get(ch, ch) for ch in syllable]
    if any(ch not in "abcdefghijklmnopqrstuvwxyz" for ch in syllable):
        return []
    combos = 1
    for options in letters:
        combos *= len(options)
    vowels = sum(ch in _VOWELS for ch in syllable)
    if combos * (1 + len(_TONES) * vowels) > MAX_SPELLINGS:
        return []
    found = []
    for combo in itertools.product(*letters):
        base = "".join(combo)
        forms = [base] + [
            unicodedata.normalize("NFC", base[: i + 1] + tone + base[i + 1 :])
            for i, ch in enumerate(base)
            if ch in _VOWELS
            for tone in _TONES
        ]
        for form in forms:
            tid = vocab.get(ACCENT_PREFIX + form)
            if tid is not None:
                found.append((float(idf[tid]), form))
    return [form for _, form in sorted(found)]


def _best_pair(left: list[str], right: list[str], vocab: dict[str, int], idf: Any) -> tuple[str, str] | None:
    """The most frequent two-syllable word the index holds among the syllables' likeliest spellings."""
    best: tuple[float, str, str] | None = None
    for a in left[:CANDIDATES]:
        for b in right[:CANDIDATES]:
            tid = vocab.get(f"{ACCENT_PREFIX}{a}_{ACCENT_PREFIX}{b}")
            if tid is not None and (best is None or float(idf[tid]) < best[0]):
                best = (float(idf[tid]), a, b)
    return (best[1], best[2]) if best else None
