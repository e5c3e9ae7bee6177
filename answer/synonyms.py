"""Query expansion from a glossary of interchangeable phrases (answer/data/synonyms.txt).

News writing paraphrases: a question about who "cáo buộc" (accused) China must
also find the sentence where the US "quy trách nhiệm" (assigned responsibility).
An English question about a Vietnamese article meets the text only through
names and through glossary pairs such as "hack" / "tin tặc". Expansion terms
are searched at reduced weight, so they add evidence without outranking the
question's own words.
"""

from __future__ import annotations

import functools
import itertools
import re
from dataclasses import dataclass
from pathlib import Path

from index.text import syllables

GLOSSARY = Path(__file__).parent / "data" / "synonyms.txt"


@dataclass(frozen=True)
class Phrase:
    """One member of a synonym group."""

    text: str
    syllables: tuple[str, ...]  # folded
    trigger: bool  # a question containing it expands to the rest of its group
    case_sensitive: bool  # written in capitals: matches only when the question does too


@dataclass(frozen=True)
class Glossary:
    """Synonym groups, indexed by the first syllable of each trigger phrase."""

    groups: tuple[tuple[Phrase, ...], ...]
    by_first: dict[str, tuple[tuple[int, Phrase], ...]]


def parse_glossary(text: str) -> Glossary:
    """Parse glossary text: one group per line, phrases separated by '|', '#' comments."""
    groups = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        group = []
        for raw in line.split("|"):
            raw = raw.strip()
            trigger = not (raw.startswith("(") and raw.endswith(")"))
            phrase = raw.strip("()").strip()
            sylls = tuple(syllables(phrase))
            if sylls:
                case_sensitive = phrase.isupper() and len(phrase.replace(".", "")) <= 4
                group.append(Phrase(phrase, sylls, trigger, case_sensitive))
        if len(group) > 1:
            groups.append(tuple(group))
    by_first: dict[str, list[tuple[int, Phrase]]] = {}
    for gi, group in enumerate(groups):
        for phrase in group:
            if phrase.trigger:
                by_first.setdefault(phrase.syllables[0], []).append((gi, phrase))
    return Glossary(tuple(groups), {k: tuple(v) for k, v in by_first.items()})


@functools.lru_cache(maxsize=1)
def default_glossary() -> Glossary:
    """The glossary shipped with storybot."""
    return parse_glossary(GLOSSARY.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Expansion:
    """A phrase found in the question and the tokens of its synonyms."""

    matched: tuple[str, ...]  # folded syllables of the phrase as the question has it
    tokens: tuple[str, ...]  # lexical tokens of the group's other phrases


def expand(question: str, glossary: Glossary | None = None) -> list[Expansion]:
    """The glossary phrases in `question`, each with the tokens it expands to.

    Multi-syllable phrases contribute their bigrams (a Vietnamese word is the
    unit that carries the meaning; its syllables alone are ambiguous),
    single-syllable phrases their syllable.
    """
    glossary = glossary or default_glossary()
    sylls = syllables(question)
    out = []
    for i, syll in enumerate(sylls):
        for gi, phrase in glossary.by_first.get(syll, ()):
            n = len(phrase.syllables)
            if tuple(sylls[i : i + n]) != phrase.syllables:
                continue
            if phrase.case_sensitive and not re.search(rf"\b{re.escape(phrase.text)}(?!\w)", question):
                continue
            tokens: dict[str, None] = {}
            for other in glossary.groups[gi]:
                if other.syllables == phrase.syllables:
                    continue
                s = other.syllables
                for token in [f"{a}_{b}" for a, b in itertools.pairwise(s)] if len(s) > 1 else [s[0]]:
                    tokens.setdefault(token, None)
            out.append(Expansion(phrase.syllables, tuple(tokens)))
    return out
