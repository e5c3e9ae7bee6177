"""Answers organised by party: who accused, denied, demanded or said what, to whom.

A who-question ("Ai cáo buộc ai?", "Các bên nói gì?", "Who accused whom?")
is answered from the attribution statements stored at index time, not from
ranked sentences: the story's articles are the ones retrieval puts near the
top and the others of the first one's story (index.stories), never another
story's, every speaker in them becomes one party (the spans naming the same
party are merged), each party keeps its strongest act (a charge or an
accusation over a plain statement), and its quote is the sentence that
carries that act; a second quote (more for a party the question names) is
the party's further statement closest to what the question asks, by the
sentence vectors stored at index time. Parties of one side (those who
accuse, charge, sue, criticise, demand or threaten; those who deny, reject
or respond; the others) stay together, each side and each party in story
order; a party the question says is answered ("X đáp trả Y") comes first.
A party's target is another party's clean name, or what of theirs it
answers ("cáo buộc của Mỹ"), or nothing (answer.entities.target_party).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np

from index.articles import Article
from index.attribution import Statement
from index.errors import QuestionError
from index.sentence_vectors import SentenceVectors
from index.statement_store import load_statements
from index.store import Snapshot
from index.stories import names_in, names_overlap, story_assignments
from index.text import CAPITAL, STOPWORDS, content_syllables, fold, syllables

from .entities import display_name, group_by_entity, same_entity, statement_target
from .question import question_language
from .search import Hit, Retrieval
from .types import Answer, Party, Quote

MAX_PARTIES = 8
MAX_STORY_ARTICLES = 4
STORY_RATIO = 0.8  # an article belongs to the story when a passage of it scores this share of the best
MIN_OWN_WORDS = 1  # a refused who-question still gets parties when it names nothing beyond "who accused whom"
MIN_TOPIC_SUPPORT = 0.5  # share of a who-question's topic words the best passage must hold
MIN_CONTENT_WORDS = 6  # a statement's content shorter than this only names the act
MAX_FOCUS_QUOTES = 4  # quotes of a party the question names (what it said, not only its first stance)
MAX_LISTED_QUOTES = 6  # quotes of the one party a question asks to list the claims of ("X chỉ trích những ai?")
MAX_FOCUS_QUOTES_MANY = 3  # ... each, when the question names three parties or more
MAX_FOCUSED = 3  # more parties than this matching the question's names: it names none in particular
PARTY_QUOTES = 2  # quotes of any other party: its stance, and a second one where one sentence cannot carry it
ANSWER_QUOTES = 12  # quotes of a whole answer, shared among its parties (each gets PARTY_QUOTES at least)
OWN_WORDS_SHARE = 0.75  # a statement whose content is this share of its sentence is in the party's own words
MMR_LAMBDA = 0.7  # further quotes: weight of closeness to the question against likeness to what is quoted

# Acts whose label takes its target as object ("accuses X", "denies the accusation by X").
AIMED_ACTS = frozenset({"accuse", "charge", "sue", "criticize", "deny", "reject", "demand", "threaten"})
# How little an act says about a party's stance (0: it takes one).
_STANCE_RANK = {"respond": 1, "say": 2, "other": 3}
SIDES = (
    frozenset({"charge", "sue", "accuse", "criticize", "demand", "threaten"}),
    frozenset({"deny", "reject", "respond"}),
    frozenset({"say", "other"}),
)
# Who-questions, on folded text (diacritics removed, lower case).
_VERBS_VI = (
    r"cao buoc|to cao|chi trich|kien|khoi kien|bac bo|bac|phu nhan|phan ung|len tieng|dap tra|dap lai|"
    r"phan doi|len an|buoc toi|quy trach nhiem|do loi|noi gi|noi the nao|noi sao|tuyen bo|yeu cau|canh bao|"
    r"tu choi|phan hoi|phe phan|tra loi"
)
# "ai" as the subject ("Ai cáo buộc ai?", "Ai đã lên tiếng?"), not the object or a passive's
# subject: "quy trách nhiệm cho ai?" and "Ai bị buộc tội?" ask for one answer, the target.
_WHO = [
    re.compile(rf"\bai\b(?:\s+(?!bi\b|duoc\b)\w+){{0,2}}?\s+({_VERBS_VI})\b"),
    re.compile(r"\b(cac ben|moi ben|ben nao|nhung ben|hai ben|phia nao|nhung ai|cac phia)\b"),
    re.compile(rf"\bnao\s+(?:(?:da|cung|dang|deu)\s+)?({_VERBS_VI})\b"),  # "Những chính trị gia nào đáp trả ..."
    re.compile(r"\b(ho|moi nguoi|moi ben) (da )?noi (gi|nhung gi|the nao)\b"),
    re.compile(
        r"\b(phan ung|dap tra|dap lai|len tieng|bac bo|phu nhan|tra loi|phan hoi|phan bac|bac lai|cao buoc|"
        r"to cao|chi trich|cong kich|kien|giai thich)\b(?:\s+\w+){0,5}?\s+(ra sao|the nao|gi|diem nao|nhung ai)\b"
    ),
    re.compile(
        r"\bwho\b\s+(?:(?:is|are|has|have|had)\s+(?:been\s+)?)?(accus\w*|blam\w*|criticis\w*|criticiz\w*|"
        r"sue|sued|sues|suing|den(y|ied|ies|ying)|reject\w*|respond\w*|react\w*|charg\w*|condemn\w*|said|says|"
        r"spoke|speaks)\b"
    ),
    re.compile(
        r"\b(each side|both sides|which parties|what each|which officials|spoke out|accus\w* whom|each say|"
        r"each of them|each said)\b"
    ),
    re.compile(r"\bhow (did|do|does)\b.*\b(respond|react|answer|reply)\b"),
    re.compile(r"\bwhat (did|do|does)\b.*\b(accuse|allege|complain|criticis\w*|criticiz\w*|deny|denied)\b"),
]
# Words of a who-question that name no topic ("ai", "cáo buộc", "bài báo này").
_FRAME_WORDS = frozenset(
    "ai cao buoc to cao chi trich kien khoi bac bo phu nhan phan ung len tieng dap tra lai doi an toi quy "
    "trach nhiem do loi noi gi the nao sao tuyen yeu cau canh bao tu choi hoi phe phan tra loi bai bao nay "
    "trong cac ben moi nao nhung hai phia ve viec vu who whom accused accuse accusing blamed criticised "
    "criticized sued denied rejected responded reacted said what each side sides which parties officials "
    "in the this article story is are did does of whom about how say says accuses respond responds react "
    "reacts reaction blame blames blaming sue sues suing suspect suspects suspicion claim claims allege alleges "
    "argue argues complain complains complained".split()
)


class TopicNeeded(QuestionError):
    """A story overview without a topic over an index of several stories."""


# "tố" (accuse) folds to "to", which is also "tô", "tổ", "tờ": it is only read with its diacritics.
_TO_ACCUSE = re.compile(r"\b(ai\s+(?:\w+\s+){0,2}?tố|tố(?:\s+\w+){0,5}?\s+(gì|ra sao|thế nào))\b")


# "X nói gì", "what did X say": a question about a party's words. It asks for the parties' statements
# when it asks for more than one thing ("X nói gì ... và Y đáp lại ra sao?", "... và sau đó nói gì?");
# alone ("Ông X nói gì về ...?") it asks for one answer, and the ranked quotes give it.
_SAYS = re.compile(
    r"\b(noi|phat bieu|tuyen bo|khang dinh|cho biet|binh luan)\s+(gi|nhung gi|ra sao|the nao|nhu the nao)\b"
    r"|\bwhat (did|do|does|has|have)\b.*\b(say|said|claim\w*|argue\w*)\b"
)


# A question for a number, a date or a place ("mỗi bên bao nhiêu", "how many ... has each side",
# "khi nào", "ở đâu") asks for a fact, even when it names the sides.
_FACTUAL = re.compile(
    r"\b(bao nhieu|may (nguoi|ngay|nam|lan|ty|trieu|phan tram)|khi nao|luc nao|ngay nao|nam nao|o dau|"
    r"tai dau|noi nao|how (many|much|long|old)|when|where|what (date|year|day|time)|which (year|day|date|city))\b"
)


def is_who_question(question: str) -> bool:
    """True for questions about who accused, denied, responded... or what each side says; not for a
    question for a number, date or place about them ("how many ... has each side?")."""
    folded = " ".join(fold(question).split())
    if _FACTUAL.search(folded):
        return False
    return (
        any(p.search(folded) for p in _WHO)
        or bool(_TO_ACCUSE.search(" ".join(question.lower().split())))
        or (_SAYS.search(folded) is not None and asks_for_several(question))
    )


def names_no_topic(question: str) -> bool:
    """True when a who-question names nothing but the act ("Ai cáo buộc ai trong bài báo này?")."""
    words = re.findall(r"\w+", fold(question))
    return sum(w not in _FRAME_WORDS for w in words) < MIN_OWN_WORDS


def answer_by_party(
    snapshot: Snapshot, retrieval: Retrieval, answer: Answer, sentences: SentenceVectors | None = None
) -> Answer:
    """`answer` with its parties (and their quotes as its quotes) when the story has any."""
    if not retrieval.hits or not (
        answer.answered or names_no_topic(retrieval.question) or topic_support(retrieval) >= MIN_TOPIC_SUPPORT
    ):
        return answer
    if off_topic_in_english(retrieval):
        return replace(answer, answered=False, quotes=(), parties=())
    stories = story_assignments(snapshot)
    retrieved = story_articles(retrieval)
    parties = story_parties(
        snapshot,
        with_story(snapshot, retrieved, stories, retrieval.question),
        question=retrieval.question,
        stories=stories,
        retrieved=frozenset(retrieved),
        # A question that names nothing but the act has no topic to rank a party's statements by.
        query_vector=None if names_no_topic(retrieval.question) else retrieval.query_vector,
        sentences=sentences,
    )
    if not parties:
        return answer
    if not names_no_topic(retrieval.question):
        asked = frozenset(content_syllables(retrieval.question))
        quoted = quotes_of(parties)
        best = answer.quotes[0] if answer.answered and answer.quotes else None
        if (
            best is not None
            and (best.article_id, best.start) not in {(q.article_id, q.start) for q in quoted}
            and not asks_for_several(retrieval.question)
            and _overlap(best.text, asked) > max(_overlap(q.text, asked) for q in quoted)
        ):
            # One party's act is asked about ("Ai bác bỏ cáo buộc ...?") and the sentence that says it
            # best is no party's statement (an act the extractor did not read): the ranked quotes answer.
            return answer
        # The question may say who answers whom ("X đáp trả Y ra sao?"): the one answered comes first.
        resided = sides_from_question(parties, retrieval.question)
        if resided == parties and not asks_for_several(retrieval.question):
            resided = _asked_party_first(parties, asked)
        parties = resided
    return replace(answer, answered=True, parties=parties, quotes=tuple(dict.fromkeys(quotes_of(parties))))


# Verbs of answering: who a question puts before one answers, who it puts after one is answered.
_ANSWERING = re.compile(
    r"\b(?:dap tra|dap lai|phan ung|phan bac|bac bo|bac lai|tra loi|phan hoi|phu nhan|len tieng dap tra|"
    r"respond(?:s|ed)?(?: to)?|react(?:s|ed)?(?: to)?|hit back at|repl(?:y|ied|ies) to|answer(?:s|ed)?|"
    r"den(?:y|ies|ied)|reject(?:s|ed)?)\b"
)
_CAPITALISED = re.compile(rf"\b{CAPITAL}[\w-]*")


def sides_from_question(parties: tuple[Party, ...], question: str) -> tuple[Party, ...]:
    """The parties re-sided by what the question says of them, in side order, the ones answered first.

    "Những chính trị gia Nga nào đáp trả thượng nghị sĩ McCain?": McCain is answered, so he made the
    claims (side 0, first) even when his act reads as a criticism like theirs; "Bình Nhưỡng đáp trả ra
    sao?": Bình Nhưỡng answers (side 1). A party is named by the last proper word of its name or two of
    them. The parties as they were when the question names no one answering or answered.
    """
    answered: set[str] = set()
    answering: set[str] = set()
    folded = fold(question)
    if len(folded) != len(question):
        return parties  # offsets in the folded question would not be the question's
    for m in _ANSWERING.finditer(folded):
        # the question's capitalised words within a few words after the verb, and before it
        after = re.split(r",|\bvà\b|\band\b|\?", question[m.end() : m.end() + 60])[0]
        before = question[max(0, m.start() - 40) : m.start()]
        answered |= {fold(w) for w in _CAPITALISED.findall(after)} - _TITLE_WORDS
        answering |= {fold(w) for w in _CAPITALISED.findall(before.split(",")[-1])} - _TITLE_WORDS

    def named_by(party: Party, names: set[str]) -> bool:
        words = [fold(w) for w in _CAPITALISED.findall(party.speaker)]
        distinctive = [w for w in words if w not in _TITLE_WORDS]
        return bool(distinctive) and (distinctive[-1] in names or len(set(distinctive) & names) >= 2)

    resided, first = [], set()
    for k, party in enumerate(parties):
        if named_by(party, answered) and not named_by(party, answering):
            party = replace(party, side=0)
            first.add(k)
        elif named_by(party, answering) and not named_by(party, answered) and party.side == 0:
            party = replace(party, side=1)
        resided.append(party)
    if not first and resided == list(parties):
        return parties
    order = sorted(range(len(resided)), key=lambda k: (resided[k].side, k not in first, k))
    return tuple(resided[k] for k in order)


_SEVERAL = re.compile(
    r"\b(cac ben|moi ben|nhung ben|hai ben|ben nao|nhung ai|cac phia|moi phia|whom|each side|both sides|"
    r"which sides|who said what|parties)\b"
)


# A question that ends asking for a list as its object ("... công kích những ai?", "... những điểm nào?");
# "những ai đã lên tiếng ...?" asks for the parties instead.
_LISTING = re.compile(r"\b(?:nhung (?:ai|gi|dieu gi|diem nao|\w+ nao)|cac diem nao)\W*$")


def asks_to_list(question: str) -> bool:
    """True when a question ends asking for a list of things or people ("X đã công kích những ai?")."""
    return _LISTING.search(" ".join(fold(question).split())) is not None


def quotes_of(parties: tuple[Party, ...]) -> list[Quote]:
    """Every quote of the parties, in order."""
    return [q for p in parties for q in p.quotes]


def _overlap(text: str, asked: frozenset[str]) -> int:
    """How many of the question's content syllables `asked` the text holds."""
    return len(asked & set(syllables(text)))


def asks_for_several(question: str) -> bool:
    """True when a who-question asks for several parties: "ai ... ai", "các bên", "whom", "each side",
    or two questions in one ("X nói gì, và Y đáp lại ra sao?", "what did X say ... and how did Y answer?")."""
    folded = " ".join(fold(question).split())
    return (
        len(re.findall(r"\bai\b", folded)) >= 2
        or _SEVERAL.search(folded) is not None
        or len(_ASKING.findall(folded)) >= 2
    )


# What a question asks with: each one is a question of its own ("... gì, và ... ra sao?").
_ASKING = re.compile(r"\b(?:gi|ra sao|the nao|nhu the nao|what|how|who|which|why)\b")


def _asked_party_first(parties: tuple[Party, ...], asked: frozenset[str]) -> tuple[Party, ...]:
    """The parties with the one whose quotes share most of the question's content syllables moved to the front.

    "Ai buộc tội 4 người Trung Quốc?" asks about one act of the story: its
    party answers first, and the others follow in story order as context.
    """
    if not asked:
        return parties

    def overlap(party: Party) -> int:
        return max((_overlap(q.text, asked) for q in party.quotes), default=0)

    best = max(range(len(parties)), key=lambda i: (overlap(parties[i]), -i))
    return (parties[best], *parties[:best], *parties[best + 1 :])


def topic_support(retrieval: Retrieval, hit: Hit | None = None) -> float:
    """Share of the question's topic words (not its who-question frame) that a passage holds (the best one
    unless `hit` is given).

    The ordinary "not found" judgement counts every word of the question; the
    frame of a who-question ("who accuses ... and how do they respond") is in
    no article, least of all a Vietnamese one asked in English, so it would
    refuse questions whose topic the articles do cover. Across languages, names
    are what carry over: a question is also judged by its names alone (an English
    one is further checked by `off_topic_in_english`).
    """
    held = _held(retrieval, hit or retrieval.hits[0])
    asked = [_topic_words(retrieval.question), _names(retrieval.question)]
    return max((len(words & held) / len(words) for words in asked if words), default=0.0)


def _held(retrieval: Retrieval, hit: Hit) -> set[str]:
    """The folded words of the question a passage holds, as such or through a glossary synonym."""
    words = re.findall(r"\w+", fold(hit.chunk.search_text))
    present, text = set(words), f" {' '.join(words)} "
    for expansion in retrieval.expansions:
        # a token of two syllables is joined by "_" ("du_khach"): the passage holds them in a row
        if any(f" {t.replace('_', ' ')} " in text for t in expansion.tokens):
            present.update(expansion.matched)
    return present


def _names(question: str) -> frozenset[str]:
    """The folded topic words of the question's capitalised words after its first (its names)."""
    return _topic_words(" ".join(re.findall(r"(?<!^)(?<![.?!] )\b[A-ZĐ]\w*", question)))


def _checkable(retrieval: Retrieval) -> frozenset[str]:
    """The topic words of a question that a Vietnamese passage can show whatever the question's language: its
    names that some article holds ("Castelia"; not "Finance Ministry", English words no article has)
    and its glossary phrases ("steel" for "thép"), not the who-question frame."""
    known = set(retrieval.tokens)
    names = frozenset(w for w in _names(retrieval.question) if w in known)
    glossed = {w for e in retrieval.expansions for w in e.matched}
    return names | (_topic_words(" ".join(glossed)) - _FRAME_WORDS)


def off_topic_in_english(retrieval: Retrieval) -> bool:
    """True for a who-question in English whose names and glossary words ("the steel dispute") no passage near
    the best holds: what was found is another story, and no answer is better than its parties."""
    if question_language(retrieval.question) != "en" or names_no_topic(retrieval.question):
        return False
    checkable = _checkable(retrieval)
    if not checkable:
        return False
    best = max(len(checkable & _held(retrieval, hit)) / len(checkable) for hit in _near_best(retrieval))
    return best < MIN_TOPIC_SUPPORT


def _near_best(retrieval: Retrieval) -> list[Hit]:
    best = retrieval.hits[0].score
    return [hit for hit in retrieval.hits if hit.score >= STORY_RATIO * best]


def story_articles(retrieval: Retrieval) -> list[str]:
    """Ids of the story's articles: those of the passages scoring near the best, best first.

    The passages holding more of a question's topic go first: every dispute has parties that "cáo
    buộc" and "phản ứng", so the frame of a who-question can rank another story's passage first.
    """
    near = _near_best(retrieval)
    if not names_no_topic(retrieval.question):
        support = {id(hit): round(topic_support(retrieval, hit), 2) for hit in near}
        near.sort(key=lambda hit: -support[id(hit)])  # stable: equal support keeps the score order
    out: list[str] = []
    for hit in near:
        if hit.chunk.article_id not in out:
            out.append(hit.chunk.article_id)
    return out[:MAX_STORY_ARTICLES]


def with_story(snapshot: Snapshot, article_ids: list[str], stories: dict[str, int], question: str) -> list[str]:
    """The retrieved articles and, up to MAX_STORY_ARTICLES, the other articles of the first one's story
    (a follow-up that words the story differently still holds its parties), those holding most of the
    question's topic words first."""
    story = stories.get(article_ids[0]) if article_ids else None
    if story is None or len(article_ids) >= MAX_STORY_ARTICLES:
        return article_ids
    asked = _topic_words(question)
    others = [a for a, s in sorted(stories.items()) if s == story and a not in article_ids]
    held = {a: len(asked & set(re.findall(r"\w+", fold(snapshot.article(a).text)))) for a in others}
    others.sort(key=lambda a: -held[a])
    return [*article_ids, *others][:MAX_STORY_ARTICLES]


def story_parties(
    snapshot: Snapshot,
    article_ids: list[str],
    *,
    question: str = "",
    query_vector: np.ndarray | None = None,
    sentences: SentenceVectors | None = None,
    stories: dict[str, int] | None = None,
    retrieved: frozenset[str] | None = None,
) -> tuple[Party, ...]:
    """The parties of the given articles, at most MAX_PARTIES, grouped by side, in story order.

    `retrieved`: the articles the question's passages came from; another article of their story (one
    `with_story` added) is kept only when it shares a named party with them, so a story the grouping
    joined by mistake (two lawsuits before one court) does not bring its parties in.

    The answer keeps to the story of the first article: with `stories` (article id -> story id,
    `index.stories.story_assignments`) an article of another story is left out, one of the same
    story kept; without them (or for an article not grouped yet) an article must share a party
    with those before it. An article whose party the question names is kept whatever its story.

    When there are more, the parties kept are those that take a stance and
    whose statements share most words with `question`. With the question's
    embedding and the sentence vectors, a party's further quotes are the
    statements closest to what the question asks (see `_party`).
    """
    groups: list[list[Statement]] = []
    named = _question_names(question)
    asked_names = names_in(question)
    asked = _topic_words(question)
    story: list[list[list[Statement]]] = []  # per article, its parties
    for article_id in article_ids:
        article = snapshot.article(article_id)
        article_statements = load_statements(snapshot.index_dir, article)
        kept = [
            s
            for s in article_statements
            # the headline repeats a claim the body quotes; speech inside speech is the outer speaker's
            if s.paragraph != 0 and not nested_speaker(s, article_statements)
        ]
        article_groups = group_by_entity(kept, _one_party)
        if story:
            # named by the question with a name that tells a story from another: "Trump", not "Sở Y tế"
            asked_for = any(
                named and _names_party(g, named) and names_overlap(names_in(g[0].speaker.text), asked_names)
                for g in article_groups
            )
            same = _same_story(article_id, article_ids[0], stories or {})
            shares = _shares_party(article_groups, [g for a in story for g in a])
            if same is True and retrieved is not None and article_id not in retrieved and not shares and not asked_for:
                continue  # the story's other article, with none of the parties asked about
            # The stories may split one story (a short follow-up): a party in common and the question's
            # topic in the article still join it; a party in common alone does not (two stories quote
            # one embassy).
            if not asked_for and (
                (same is False and not (shares and _holds_topic(article, asked)))
                or (same is None and not shares)
            ):
                continue  # another story: its parties and quotes do not belong in this answer
        story.append(article_groups)
    for article_groups in story:
        for new_group in article_groups:
            for group in groups:
                if _one_party(group[0].speaker.text, new_group[0].speaker.text):
                    group.extend(new_group)
                    break
            else:
                groups.append(list(new_group))
    order = {id(g): k for k, g in enumerate(groups)}
    ranked = sorted(groups, key=lambda g: (-_weight(g, asked), order[id(g)]))[:MAX_PARTIES]
    ranked.sort(key=lambda g: order[id(g)])
    focused = [g for g in ranked if named and _names_party(g, named)]
    if len(focused) > MAX_FOCUSED:
        focused = []  # a name many parties share ("Ai cáo buộc Trung Quốc?") singles none of them out
    # A party the question names is what it asks about: its further statements are quoted too.
    extra = MAX_FOCUS_QUOTES if len(focused) <= 2 else MAX_FOCUS_QUOTES_MANY
    # "Ông X đã công kích những ai?", "X chỉ trích Y những điểm nào?": the claims of the party the question
    # names first (its subject) are the answer, so it has the quotes several parties would share.
    listed = _first_named(focused, question) if asks_to_list(question) else None
    relevance = _relevance(ranked, query_vector, sentences)
    # A story of few parties quotes each in more of its statements (the answer's quotes stay about
    # ANSWER_QUOTES): one party may stand for several forms of its name, each with its own claim.
    # ... only when the question names no topic: with one, the quotes are the party's words on it.
    each = (
        max(PARTY_QUOTES, min(MAX_FOCUS_QUOTES, ANSWER_QUOTES // max(len(ranked), 1)))
        if relevance is None
        else PARTY_QUOTES
    )
    parties = [
        _party(snapshot, g, MAX_LISTED_QUOTES if g is listed else extra, relevance)
        if any(g is f for f in focused)
        else _party(snapshot, g, each, relevance, narrow=True)
        for g in ranked
    ]
    # How central each party is: its weight's rank (a short answer shows the most central ones).
    by_weight = sorted(range(len(ranked)), key=lambda k: (-_weight(ranked[k], asked), k))
    parties = [replace(parties[k], central=rank) for rank, k in enumerate(by_weight)]
    parties.sort(key=lambda p: order[id(ranked[by_weight[p.central]])])
    # Those who accuse first, then the accused's responses, then those who only report or comment;
    # within a side, in story order.
    return tuple(sorted(parties, key=lambda p: p.side))


# Title words that do not identify a party ("Tổng thống Trump" is named by "Trump").
_TITLE_WORDS = frozenset(
    "ong ba co anh chi hlv ntk tong thong bo cuc so thu truong pho chu tich giam doc dai bieu su tt "
    "nguoi phat ngon ngoai thuong nghi si luat".split()
)


def _question_names(question: str) -> frozenset[str]:
    """The folded capitalised words of a question, its first word aside (names: "Trump", "Cục Hàng không")."""
    words = re.findall(r"\w+", question)[1:]
    return frozenset(fold(w) for w in words if w[:1].isupper()) - _TITLE_WORDS


def _first_named(groups: list[list[Statement]], question: str) -> list[Statement] | None:
    """Of the parties a question names, the one it names first (the subject of "X chỉ trích Y ..."), if any."""
    words = [fold(w) for w in re.findall(r"\w+", question)]

    def at(group: list[Statement]) -> int:
        names = {fold(w) for s in group for w in re.findall(r"\w+", s.speaker.text) if w[:1].isupper()}
        return min((k for k, w in enumerate(words) if w in names - _TITLE_WORDS), default=len(words))

    first = min(groups, key=at, default=None)
    return first if first is not None and at(first) < len(words) else None


def _names_party(group: list[Statement], named: frozenset[str]) -> bool:
    """True when the question names this party: most of its distinctive capitalised words (at least 2 or all)."""
    for s in group:
        words = {fold(w) for w in re.findall(r"\w+", s.speaker.text) if w[:1].isupper()} - _TITLE_WORDS
        if words and len(words & named) >= min(2, len(words)):
            return True
    return False


def _one_party(a: str, b: str) -> bool:
    """True when two clean names are one party (`same_party`, or one entity by `same_entity`)."""
    return same_party(a, b) or same_entity(a, b)


def _holds_topic(article: Article, asked: frozenset[str]) -> bool:
    """True when the article holds at least MIN_TOPIC_SUPPORT of the question's topic words (none: False)."""
    if not asked:
        return False
    words = set(re.findall(r"\w+", fold(article.text)))
    return len(asked & words) >= MIN_TOPIC_SUPPORT * len(asked)


def _same_story(article_id: str, first: str, stories: dict[str, int]) -> bool | None:
    """True when the stories put both articles in one story, False in two, None when one is not grouped."""
    if article_id not in stories or first not in stories:
        return None
    return stories[article_id] == stories[first]


def _shares_party(groups: list[list[Statement]], story: list[list[Statement]]) -> bool:
    """True when an article's parties and the story's share a name that tells a story from another
    (`index.stories.names_in`: "Bộ KH-ĐT" in "lãnh đạo Bộ KH&ĐT" and "Thứ trưởng Bộ KH-ĐT Trần Văn Lâm";
    not "Sở Y tế" or "UBND tỉnh", which every province has)."""
    story_names = set().union(*(names_in(h[0].speaker.text) for h in story))
    return any(names_overlap(names_in(g[0].speaker.text), story_names) for g in groups)


def nested_speaker(statement: Statement, statements: tuple[Statement, ...]) -> bool:
    """True when the statement's speaker lies inside what another speaker of the sentence says."""
    return any(
        other.sentence == statement.sentence
        and other.speaker != statement.speaker
        and not other.nominal
        and other.content.start <= statement.speaker.start < other.content.end
        for other in statements
    )


def same_party(a: str, b: str) -> bool:
    """True when two speaker spans name one party: the same words, or a person's shorter reference ("ông Tân").

    A representative named by the body it speaks for ("đại diện công ty TV Hub", "phía KTNN",
    "người phát ngôn Bộ Ngoại giao") is that body; a named person ("người phát ngôn ... Liu Pengyu")
    stays a party of their own, because their name is more than the body's.
    """
    a, b = _represented(a), _represented(b)
    wa, wb = _words(a), _words(b)
    if not wa or not wb:
        return a.lower() == b.lower()
    if wa == wb:
        return True
    small, large = (wa, wb) if len(wa) <= len(wb) else (wb, wa)
    short, long = (a, b) if len(wa) <= len(wb) else (b, a)
    # One word names the party only when it heads the longer span: "Mỹ" is "Mỹ và đồng minh",
    # not "Bộ trưởng Tài chính Mỹ Steven Mnuchin".
    heads = len(small) >= 2 or long.lower().startswith(short.lower())
    if small <= large and (_PERSON_REFERENCE.match(short) or (len(small) <= 3 and heads)):
        return True  # "ông Tân" for "HLV Võ Đình Tân", "Mỹ và đồng minh" for "Mỹ cùng các đồng minh gồm ..."
    if len(wa & wb) / len(wa | wb) >= 0.75:
        return True
    # A group named by its members' head ("các cơ quan ngoại giao của Trung Quốc tại EU ...", "... tại Na Uy ...")
    # is one party whichever places the sentence lists.
    # Plural is read from the places listed (the clean name has lost its "các"): "tại EU và 5 quốc gia",
    # "tại Na Uy, Canada, Anh ..."; one embassy "tại Na Uy" and another "tại Washington" stay two parties.
    split = [re.split(r"\btại\b|\bở\b", x, maxsplit=1) for x in (a, b)]
    heads = [_words(x[0]) for x in split]
    plural = all(len(x) == 2 and re.search(r",|\bvà\b|\bcùng\b", x[1]) for x in split)
    return plural and bool(heads[0]) and len(heads[0] & heads[1]) / len(heads[0] | heads[1]) >= 0.75


_PERSON_REFERENCE = re.compile(
    r"^(ông|bà|cô|anh|chị|hlv|ntk|đại biểu|thứ trưởng|tổng thống|tt|bộ trưởng|ngoại trưởng|thượng nghị sĩ|"
    r"nghị sĩ|mr|ms|mrs)\b",
    re.IGNORECASE,
)
# "đại diện X", "phía X", "người phát ngôn của X": X speaking through someone unnamed.
_REPRESENTATIVE = re.compile(
    r"^(?:(?:đại diện(?: phát ngôn)?|phía|bên|người phát ngôn|phát ngôn viên|người đại diện)(?: của| cho)?\s+)+",
    re.IGNORECASE,
)


def _represented(speaker: str) -> str:
    """The body a representative speaks for ("đại diện công ty TV Hub" -> "công ty TV Hub"), else the speaker."""
    rest = _REPRESENTATIVE.sub("", speaker.strip())
    return rest if _words(rest) else speaker


_GENERIC = frozenset("ông bà cô anh chị của tại các những một và này đó".split())


def _words(text: str) -> frozenset[str]:
    words = {w.strip(',.()–-"“”').lower() for w in text.split()}
    return frozenset(w for w in words if w and w not in _GENERIC)


def _weight(group: list[Statement], asked: frozenset[str]) -> float:
    """How much a party belongs in the answer: a stance, words the question names, several statements."""
    acts = {s.act for s in group}
    strongest = 2.0 if acts - {"say", "other"} else 1.0 if "say" in acts else 0.5
    said = set().union(*(_topic_words(f"{s.speaker.text} {s.sentence.text}") for s in group))
    relevance = len(asked & said) / len(asked) if asked else 0.0
    return strongest + 2.0 * relevance + 0.1 * min(len(group), 5)


def _topic_words(text: str) -> frozenset[str]:
    """Folded content syllables, without the words every who-question uses."""
    return frozenset(w for w in re.findall(r"\w+", fold(text)) if w not in _FRAME_WORDS and w not in STOPWORDS)


def _takes_stance(s: Statement) -> bool:
    return s.act not in _STANCE_RANK


def _carries_content(s: Statement) -> bool:
    """True when the sentence says what was claimed, not only that something was said ("đã lên tiếng chỉ trích")
    or what about ("lên tiếng về vụ việc của ca sĩ X": the topic, not the claim)."""
    words = s.content.text.split()
    return len(words) >= MIN_CONTENT_WORDS and not _TOPIC_ONLY.match(s.content.text)


# What a verb is about, not what it claims: "về ...", "trước ...", "liên quan đến ...".
_TOPIC_ONLY = re.compile(r"^(?:về|trước|đối với|liên quan (?:đến|tới)|xung quanh)\s", re.IGNORECASE)


def _party(
    snapshot: Snapshot,
    group: list[Statement],
    max_quotes: int = PARTY_QUOTES,
    relevance: _Relevance | None = None,
    *,
    narrow: bool = False,
) -> Party:
    """One party: its stance's quote first, then up to `max_quotes` in all; `narrow` (a party the question
    does not name) quotes further only its stances and its own words, never the reporter's narration."""
    # The party's first act that takes a stance, in story order; a plain statement only when it has none.
    main = min(group, key=lambda s: (_STANCE_RANK.get(s.act, 0), s.nominal, group.index(s)))
    if main.act in {"say", "other"} and relevance is not None:
        # No stance: of its plain statements, the one that best answers the question.
        plain = [s for s in group if s.act == main.act and _carries_content(s)]
        main = _next_quote(plain, [], relevance) or main
    # Its target: the first of the act's targets that names a party (a clause or "Tuyên bố trên" names none).
    targets = map(statement_target, [main, *(s for s in group if s.act == main.act and s is not main)])
    target = next((t for t in targets if t and not same_entity(t.name, main.speaker.text)), None)
    if main.act not in AIMED_ACTS:
        target = None  # "says Ronaldo", "responds Mỹ": these acts frame no one as their object
    chosen = [main]
    others = [s for s in group if s.sentence != main.sentence and _carries_content(s)]
    if _carries_content(main) and (narrow or max_quotes <= PARTY_QUOTES):
        # A second quote adds a claim: a further stance (a demand after a denial) or, when the
        # question has a topic to match, the party's own words on it; never a sentence where the
        # reporter narrates what it plainly said.
        others = [s for s in others if _takes_stance(s) or (relevance is not None and _own_words(s))]
    # The second quote says what the party claims when the first only names the act; otherwise it
    # is the party's further statement that best answers the question. A party the question names
    # is quoted in up to `max_quotes` of its statements.
    if not _carries_content(main):
        # "X lên tiếng về sự việc" only names the act: what X said in that act comes next, before the
        # rest of what X said ("bà X cho hay ..." after "bà X lên tiếng", both responses).
        pick = _next_quote([s for s in others if s.act == main.act], chosen, relevance)
        if pick is not None:
            chosen.append(pick)
    while len(chosen) < max(max_quotes, 2):
        pick = _next_quote(others, chosen, relevance)
        if pick is None:
            break
        chosen.append(pick)
    if max_quotes > PARTY_QUOTES and not narrow:
        chosen.sort(key=lambda s: (s.article_id != main.article_id, s.sentence.start))
    if not main.speaker_in_sentence:
        # The sentence only says "ông"/"cơ quan này": add the one that names the speaker.
        naming = next((s for s in group if s.sentence.start <= main.speaker.start < s.sentence.end), None)
        if naming is not None and naming.sentence != main.sentence:
            chosen.insert(0, naming)
    speaker = display_name([s.speaker.text for s in group if s.speaker_in_sentence] or [main.speaker.text])
    acts = {s.act for s in group}
    # A party that denies or rejects anywhere answers the accusations; one that accuses, charges,
    # sues, criticises, demands or threatens makes them; the rest only report or comment.
    side = 1 if acts & {"deny", "reject"} else 0 if acts & SIDES[0] else 1 if "respond" in acts else 2
    return Party(
        speaker=speaker,
        act=main.act,
        target=target.name if target else None,
        target_claim=target.claim if target else None,
        quotes=tuple(_quote(snapshot, s) for s in chosen),
        side=side,
    )


def _preference(s: Statement) -> tuple[bool, bool]:
    """How a further quote is preferred (lower first): a stance, then the party's own words."""
    return not _takes_stance(s), not _own_words(s)


def _own_words(s: Statement) -> bool:
    """True when the sentence gives what the party claims in its words: a quotation, or a claim that
    is most of the sentence ("X khẳng định ..."), not the reporter narrating it ("Sáng 1/7, ông X
    đã lên Twitter để chỉ trích ...")."""
    before = s.sentence.text[: max(0, s.content.start - s.sentence.start)].rstrip()
    quoted = before[-1:] in _OPENING_QUOTES
    return quoted or len(s.content.text.split()) >= OWN_WORDS_SHARE * len(s.sentence.text.split())


_OPENING_QUOTES = frozenset('"“«‘')


@dataclass(frozen=True)
class _Relevance:
    """The question's embedding and the unit vectors of the statements' sentences."""

    query: np.ndarray
    vectors: dict[tuple[str, int], np.ndarray]

    def to_question(self, s: Statement) -> float:
        """Cosine of the statement's sentence and the question (0 when its vector is unknown)."""
        v = self.vectors.get((s.article_id, s.sentence.start))
        return float(v @ self.query) if v is not None else 0.0

    def to_quoted(self, s: Statement, chosen: list[Statement]) -> float:
        """The highest cosine of the statement's sentence and a sentence already quoted."""
        v = self.vectors.get((s.article_id, s.sentence.start))
        if v is None:
            return 0.0
        quoted = [self.vectors.get((c.article_id, c.sentence.start)) for c in chosen]
        return max((float(v @ c) for c in quoted if c is not None), default=0.0)


def _relevance(
    groups: list[list[Statement]], query_vector: np.ndarray | None, sentences: SentenceVectors | None
) -> _Relevance | None:
    """The vectors that rank a party's statements against the question, or None without them."""
    if query_vector is None or sentences is None:
        return None
    keys = list(dict.fromkeys((s.article_id, s.sentence.start, s.sentence.text) for g in groups for s in g))
    found = sentences.lookup([text for _, _, text in keys]) if keys else None
    if found is None:
        return None
    vectors = {(a, start): v for (a, start, _), v in zip(keys, found) if v.any()}
    return _Relevance(query_vector, vectors)


def _next_quote(candidates: list[Statement], chosen: list[Statement], relevance: _Relevance | None) -> Statement | None:
    """The candidate to quote next, among those preferred most (`_preference`): without vectors the
    first in story order; with them the one closest to the question and least like what is already
    quoted (maximal marginal relevance: a party's statements are all on the story's topic, so the
    closest alone would often repeat the quote before)."""
    candidates = [s for s in candidates if s.sentence not in {c.sentence for c in chosen}]
    if not candidates:
        return None
    best = min(_preference(s) for s in candidates)
    candidates = [s for s in candidates if _preference(s) == best]
    if relevance is None:
        return candidates[0]
    return max(
        candidates,
        key=lambda s: MMR_LAMBDA * relevance.to_question(s) - (1 - MMR_LAMBDA) * relevance.to_quoted(s, chosen),
    )


def _quote(snapshot: Snapshot, s: Statement) -> Quote:
    article = snapshot.article(s.article_id)
    return Quote(
        text=s.sentence.text,
        article_id=article.id,
        title=article.title,
        url=article.url,
        paragraph=s.paragraph,
        start=s.sentence.start,
        end=s.sentence.end,
        score=1.0,
    )
