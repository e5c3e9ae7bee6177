"""Follow-up questions: an elliptic question read in the context of the one before it.

"còn Na Uy thì sao?", "what about Norway?", "tại sao?", "what did they say?" ask
nothing on their own: they borrow their subject or their predicate from the
previous question. `complete` finds which kind of ellipsis a question is and
writes the question it stands for; a question that names its own subject
and predicate is left as it is. The rules are general ones about how
people shorten questions in a conversation (a contrast marker with a new
subject, a bare question word, a pronoun or a missing subject in a short
question), not a list of this corpus's sentences.

`Context` is what a front end keeps of a conversation between two questions:
the question as it was answered and the articles its answer quoted, so that
retrieval can prefer that story (`prefer_story`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from index.text import fold, normalize

from .question import ENGLISH_MARKERS, VIETNAMESE_MARKERS, answer_kind
from .search import Retrieval
from .types import Answer

FOLLOW_UP_SECONDS = 600  # a private message within 10 minutes of an answer continues its conversation
STORY_BONUS = 0.15  # added to the fused score of a hit from the previous answer's articles
MAX_SHORT_WORDS = 6  # a question of at most this many words may lean on the previous one without a pronoun
MAX_PRONOUN_WORDS = 12  # ... and with a pronoun standing for someone named before
MAX_CONTRAST_WORDS = 5  # the new subject of "còn X thì sao?"


@dataclass(frozen=True)
class Context:
    """What a conversation remembers of its last answer."""

    question: str  # the question as it was answered (completed, if it was a follow-up)
    articles: tuple[str, ...] = ()  # ids of the articles the answer quoted, best first
    at: float = 0.0  # when it was answered (time.time())


@dataclass(frozen=True)
class FollowUp:
    """How a question reads in its conversation."""

    question: str  # the question to answer: the completed one, or the question as asked
    asked: str  # the question as asked
    kind: str  # "standalone", "contrast" (còn X thì sao), "wh" (tại sao?), "pronoun", "fragment"

    @property
    def elliptic(self) -> bool:
        """True when the question was completed from the previous one."""
        return self.kind != "standalone"


# "còn X thì sao?", "thế còn X?", "còn X?", "X thì sao?", "what about X?", "how about X?", "and X?".
# Matched on the folded text, so they hold with and without diacritics; the group is the new subject.
_CONTRAST = (
    re.compile(r"^(?:(?:the|vay|con) )?con (?P<x>.+?)(?: thi sao| the nao| thi the nao| ra sao)?$"),
    re.compile(r"^(?P<x>.+?) thi sao$"),
    re.compile(r"^(?:what|how) about (?P<x>.+)$"),
    re.compile(r"^and (?:what about )?(?P<x>.+)$"),
)
# Question words that may stand alone ("tại sao?", "why?", "khi nào?"), folded.
_WH = (
    "tai sao|vi sao|sao vay|sao the|the nao|nhu the nao|ra sao|khi nao|luc nao|bao gio|o dau|tai dau|"
    "bao nhieu|ai|ai vay|gi|cai gi|nguoi nao|why|when|where|how|who|what|how many|how much|which|"
    "why so|why not|really|vi sao vay|tai sao vay|the thi sao|nao|may|thu may|ngay nao|nam nao|hom nao"
)
_BARE_WH = re.compile(rf"^(?:(?:va|the|vay|con|and|so|but) )?(?P<wh>{_WH})(?: (?:vay|the|a|ha|nhi|nua|then))?$")
# Words that stand for someone named before: with them a short question leans on the previous one even
# when it names something else ("what did he say about Putin?").
_PERSONAL = re.compile(
    r"\b(they|them|their|he|him|his|she|her|"
    r"ho|ong ay|ba ay|anh ay|chi ay|co ay|ong ta|ba ta|anh ta|co ta|ho ay|ben kia|phia kia)\b"
)
# Words that stand for something said before: only in a question that names nothing itself.
_DEMONSTRATIVE = re.compile(
    r"\b(it|its|that|this|those|these|then|"
    r"viec do|viec nay|vu do|vu nay|vu viec nay|vu viec do|chuyen do|chuyen nay|dieu do|dieu nay|"
    r"cong ty nay|cong ty do|nguoi nay|nguoi do|chung|no|do|nay)\b"
)
# Words that open a question without being a name.
_COMMON_WORDS = (
    ENGLISH_MARKERS
    | VIETNAMESE_MARKERS
    | frozenset("ong ba anh chi co em chau vi tai nhu theo sau truoc con the vay so but also then".split())
)
# Question words and frame words taken out of the previous question before a new question word is put in.
_QUESTION_WORDS = re.compile(
    r"\b(tại sao|vì sao|thế nào|như thế nào|ra sao|khi nào|lúc nào|bao giờ|ở đâu|tại đâu|bao nhiêu|"
    r"là ai|những ai|ai|cái gì|gì|nào|hay không|không|chưa|why|when|where|how many|how much|how|who|whom|"
    r"what|which|did|does|do)\b",
    re.IGNORECASE,
)


def complete(question: str, previous: str | None) -> FollowUp:
    """`question` read after `previous`: completed from it when elliptic, else as asked.

    Without a previous question every question stands on its own.
    """
    asked = " ".join(normalize(question).split())
    if not previous or not asked:
        return FollowUp(asked, asked, "standalone")
    previous = " ".join(normalize(previous).split())
    body = _strip_punctuation(asked)
    folded = fold(body)
    words = folded.split()
    if not words:
        return FollowUp(asked, asked, "standalone")
    bare = _BARE_WH.match(folded)
    if bare is not None:
        return FollowUp(_with_question_word(previous, body), asked, "wh")
    for pattern in _CONTRAST:
        match = pattern.match(folded)
        if match is None or not match.group("x").strip():
            continue
        subject = _original_span(body, folded, match.start("x"), match.end("x"))
        if len(subject.split()) <= MAX_CONTRAST_WORDS and not _HAS_WH.search(fold(subject)):
            return FollowUp(_with_subject(previous, subject), asked, "contrast")
        # "còn ... bao nhiêu?": a question of its own after the marker, read by the rules below.
        body, folded, words = subject, fold(subject), fold(subject).split()
        break
    names = _names(body)
    if len(words) <= MAX_PRONOUN_WORDS:
        personal = _PERSONAL.search(folded)
        if personal is not None:
            return FollowUp(_with_referent(body, folded, personal, previous), asked, "pronoun")
        if _DEMONSTRATIVE.search(folded) and not names:
            return FollowUp(_with_topic(body, previous), asked, "pronoun")
    if len(words) <= MAX_SHORT_WORDS and not names and _HAS_WH.search(folded):
        return FollowUp(_with_topic(body, previous), asked, "fragment")
    return FollowUp(asked, asked, "standalone")


def prefer_story(retrieval: Retrieval, articles: tuple[str, ...], bonus: float = STORY_BONUS) -> Retrieval:
    """`retrieval` with the hits from `articles` (the previous answer's story) moved up by `bonus`.

    A bonus, not a filter: a follow-up that turns to another story still finds it.
    """
    if not articles or not retrieval.hits:
        return retrieval
    story = set(articles)
    hits = [replace(h, score=h.score + bonus) if h.chunk.article_id in story else h for h in retrieval.hits]
    hits.sort(key=lambda h: -h.score)
    return replace(retrieval, hits=tuple(hits))


# --- completion -------------------------------------------------------------------------------


def _strip_punctuation(text: str) -> str:
    return text.strip().rstrip("?!.…").strip()


def _original_span(text: str, folded: str, start: int, end: int) -> str:
    """The part of `text` that `folded[start:end]` is (folding keeps the text's length word for word)."""
    if len(text) == len(folded):
        return text[start:end].strip()
    # Folding changed the length (a ligature, "đ" stays one letter): find by words instead.
    before = len(folded[:start].split())
    count = len(folded[start:end].split())
    return " ".join(text.split()[before : before + count])


def _names(text: str) -> list[str]:
    """Runs of capitalised words in `text`. A lone capital opening the sentence is a name only when the
    word is no common word: Vietnamese words with diacritics ("Mẹ", "Tòa") and function words ("Who", "Ai")
    are capitalised there as any first word is; "Ronaldo" or "Vinasun" are names wherever they stand."""
    found = []
    seen = 0  # words before the current segment
    for segment in re.split(r"[,;:()\"“”?!.]+", text):
        words = segment.split()
        run: list[int] = []
        for position, word in enumerate([*words, ""]):
            if word[:1].isupper():
                run.append(position)
                continue
            if run and not (seen == 0 and run == [0] and _common(words[0])):
                found.append(" ".join(words[run[0] : run[-1] + 1]))
            run = []
        seen += len(words)
    return found


def _common(word: str) -> bool:
    folded = fold(word)
    return folded != word.lower() or folded in _COMMON_WORDS


def _with_subject(previous: str, subject: str) -> str:
    """The previous question about `subject` instead: its first name replaced by a named subject, or the
    subject ("mỗi tháng", "in 2002") added to it."""
    base = _strip_punctuation(previous)
    names = _names(base)
    if subject[:1].isupper() and names and fold(names[0]) != fold(subject):
        return base.replace(names[0], subject, 1) + "?"
    return f"{base}, {subject}?"


def _with_question_word(previous: str, body: str) -> str:
    """The previous question asked with `body`'s question word instead of its own."""
    base = _QUESTION_WORDS.sub(" ", _strip_punctuation(previous))
    base = " ".join(base.split())
    return f"{body} {base}?" if body else f"{base}?"


def _with_referent(body: str, folded: str, pronoun: re.Match[str], previous: str) -> str:
    """The question with its personal pronoun replaced by the previous question's first name ("he" ->
    "McCain"), or followed by the previous question's topic when that names nobody."""
    names = _names(_strip_punctuation(previous))
    if not names or answer_kind(previous) == "person":
        # "Who accused China?" - "what did they say?": they are the answer, not a name in the question.
        return _with_topic(body, previous)
    start, end = pronoun.span()
    if len(body) != len(folded):
        return _with_topic(body, previous)
    possessive = pronoun.group() in ("his", "her", "their")
    name = names[0] + ("'s" if possessive and folded[end : end + 1] == " " and pronoun.group() != "her" else "")
    return f"{body[:start]}{name}{body[end:]}?"


def _with_topic(body: str, previous: str) -> str:
    """A short question followed by what the previous question was about (its words without question words)."""
    topic = " ".join(_QUESTION_WORDS.sub(" ", _strip_punctuation(previous)).split())
    return f"{body} ({topic})?"


# A question word anywhere in a short question ("đòi bồi thường bao nhiêu?").
_HAS_WH = re.compile(rf"\b({_WH})\b")


def context_of(answer: Answer, at: float = 0.0) -> Context:
    """What a conversation keeps of `answer`: its (completed) question and the articles it quoted."""
    quotes = [*answer.quotes, *(q for party in answer.parties for q in party.quotes)]
    return Context(answer.question, tuple(dict.fromkeys(q.article_id for q in quotes)), at)
