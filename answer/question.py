"""What a question asks: the language to answer in, and the kind of answer (an amount, a date, a name, a place).

Kept apart from text.py, whose tokenisation the index's term counts depend on:
editing these rules must not make every index re-tokenise its articles.
"""

from __future__ import annotations

import re

from index.text import fold, normalize, syllables

_WORD = re.compile(r"\w+", re.UNICODE)


# Words that mark a question typed without diacritics as English or Vietnamese.
ENGLISH_MARKERS = frozenset(
    "what who whom whose which when where why how is are was were did does do the an of to in on for "
    "with about and or not that this it they he she you can could would should will has have had".split()
)
VIETNAMESE_MARKERS = frozenset(
    "ai gi nao dau sao bao nhieu la cua va cac nhung mot duoc da dang se bi cho tai trong ve den tu "
    "ra vao thi ma nay khong nguoi viec nhu voi khi nam ngay thang bai viet noi gia".split()
)


def question_language(text: str) -> str:
    """ "vi" or "en": the language to frame an answer in.

    English function words (written without marks) count for English;
    Vietnamese function words and lower-case words with diacritics count for
    Vietnamese. Capitalised words are left out of both, so the Vietnamese
    names in "Which pageant is Huyền My preparing for?" do not make it
    Vietnamese. A tie is taken as Vietnamese.
    """
    english = vietnamese = 0
    for word in _WORD.findall(normalize(text)):
        lowered = word.lower()
        folded = fold(word)
        marked = folded != lowered
        if not marked and lowered in ENGLISH_MARKERS:
            english += 1
        if folded in VIETNAMESE_MARKERS or (marked and word == lowered):
            vietnamese += 1
    return "en" if english > vietnamese else "vi"


def reply_language(language_code: str | None, question: str = "") -> str:
    """ "vi" or "en": the language of everything said around an answer (its frame, hints, buttons).

    The reader's own setting wins when it is one storybot speaks (Telegram's `language_code`: vi* is
    Vietnamese, en* English); otherwise (none, or another language) the question's language decides,
    and with no question either, Vietnamese.
    """
    code = (language_code or "").strip().lower()
    if code.startswith("vi"):
        return "vi"
    if code.startswith("en"):
        return "en"
    return question_language(question)


# What a question asks for, from its (folded) question words. Order matters:
# "năm nào" asks for a date although "nào" alone could ask for a thing.
_KIND_PATTERNS = (
    (
        "author",
        re.compile(r"\b(tac gia|ai viet|nguon tin|nguon bai|phong vien nao|who wrote|author|byline|source of)\b"),
    ),
    (
        "date",
        re.compile(
            r"\b(khi nao|luc nao|bao gio|nam nao|thang nao|ngay nao|the ky nao|thoi gian nao|thoi diem nao|"
            r"when|what year|which year|what date|what day|what time|what century)\b"
        ),
    ),
    (
        "number",
        re.compile(
            r"\b(bao nhieu|may|bao lau|bao xa|bao cao|how many|how much|how long|how old|how far|how big|"
            r"what percentage|what amount)\b"
        ),
    ),
    (
        "place",
        re.compile(
            r"\b(o dau|tai dau|noi nao|cho nao|dia diem nao|nuoc nao|thanh pho nao|where|which country|which city)\b"
            r"|\b(tinh|quoc gia|vung|khu vuc|san|thi tran|huyen|quan|xa|dao|song|nui)\s+nao\b"
            r"|\bwhich (state|province|region|town|river|island|stadium|venue)\b"
        ),
    ),
    # A person or a body named: "ai", and "which player / company / party", "tên là gì".
    (
        "person",
        re.compile(
            r"\b(ai|who|whom|whose)\b"
            r"|\b(nguoi|cau thu|dien vien|ca si|nhac si|nha van|nha khoa hoc|hlv|huan luyen vien|trong tai|"
            r"cong ty|hang|tap doan|ngan hang|co quan|to chuc|doi|dang|cau lac bo|clb|ban nhac|truong|"
            r"chinh phu|bo)\s+nao\b"
            r"|\bten (cua [^?]*)?(la )?gi\b"
            r"|\bwhich (team|company|player|party|person|man|woman|group|organi[sz]ation|agency|body|club|band|"
            r"university|school|government|ministry|firm|bank|artist|singer|actor|actress|coach|referee)\b"
            r"|\bwhat is the name\b|\bwhat was the name\b"
        ),
    ),
)
# Number words in their accented forms: folded, most of them are also common
# words ("sau" after, "nam" south/year, "bay" fly, "ba" Mrs, "tam" provisional),
# and "một" (also "a") and "năm" (also "year") say nothing either way.
_NUMBER_WORDS = frozenset(
    "hai ba bốn sáu bảy tám chín mười chục trăm nghìn ngàn vạn triệu tỷ tỉ one two three four five six "
    "seven eight nine ten hundred thousand million billion".split()
)
# A date or time as news writes it, matched on the accented lower-case text:
# "21/3/2011", "13-6", "21.6", "năm 2016", "tháng 3", "thế kỷ XIX", "1985",
# "23h", a month or weekday name. A bare "năm" with a figure that is not a year
# ("110 triệu năm tuổi") is a duration, not a date.
_DATE = re.compile(
    r"\b\d{1,2}\s*[/.-]\s*\d{1,2}(?:\s*[/.-]\s*\d{2,4})?\b"
    r"|\b(?:năm|tháng|ngày|quý|thế kỷ|thập niên)\s+(?:[ivxlc]+\b|\d{1,4}(?:\s*[/.-]\s*\d{1,4}){0,2}\b)"
    r"|\b(?:1[0-9]{3}|20[0-9]{2})\b"
    r"|\b\d{1,2}\s*h(?:\s*\d{2})?\b"
    r"|\b(?:january|february|march|april|may|june|july|august|september|october|november|december|monday|"
    r"tuesday|wednesday|thursday|friday|saturday|sunday|century)\b",
    re.IGNORECASE,
)
_CAPITALISED = re.compile(r"\b[^\W\d_]\w*", re.UNICODE)
_PLACE_CUE = re.compile(r"\b(tai|o|den|tu|thanh pho|tinh|quan|huyen|nuoc|quoc gia)\s+\S")


def answer_kind(question: str) -> str | None:
    """What the question asks for: "author", "date", "number", "place", "person", or None."""
    folded = " ".join(syllables(question))
    for kind, pattern in _KIND_PATTERNS:
        if pattern.search(folded):
            return kind
    return None


def offers(sentence: str, kind: str | None, asked: set[str]) -> bool:
    """True when `sentence` holds something of the expected kind not among the question's syllables `asked`."""
    if kind is None or kind == "author":
        return False
    if kind == "number":
        # The figures of a date ("ngày 13/5", "năm 2016") are not amounts.
        amounts = _WORD.findall(_DATE.sub(" ", normalize(sentence).lower()))
        return any((w.isdigit() or w in _NUMBER_WORDS) and fold(w) not in asked for w in amounts)
    if kind == "date":
        return any(not set(syllables(m.group())) <= asked for m in _DATE.finditer(normalize(sentence).lower()))
    # A name: a capitalised word other than the sentence's first, not in the question.
    words = [w for w in _CAPITALISED.findall(sentence)[1:] if w[0].isupper() and fold(w) not in asked]
    if kind == "place":
        return bool(words) and _PLACE_CUE.search(fold(sentence)) is not None
    return bool(words)
