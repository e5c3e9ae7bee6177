"""Everything storybot says to people, one catalogue per language: vi.py and en.py (a translator edits one file).

The rest of the code takes its words from here: answer frames, the bot's messages and menu, the outcomes of
adding articles, the terminal chat. Developer messages that are only logged stay where they are raised.
"""

from __future__ import annotations

from types import ModuleType

from . import en, vi

CATALOGUES: dict[str, ModuleType] = {"vi": vi, "en": en}
# The sections every catalogue has.
SECTIONS = ("ANSWER", "PARTIES", "ACTS", "BOT", "COMMANDS", "INGEST", "SUMMARY", "STORIES", "CHAT")


def catalogue(language: str) -> ModuleType:
    """The catalogue of `language` ("vi" or "en"; anything else is taken as Vietnamese)."""
    return CATALOGUES.get(language, vi)


FRAMES = {language: c.ANSWER for language, c in CATALOGUES.items()}
TRUNCATION_NOTICE = {language: c.ANSWER["truncated"] for language, c in CATALOGUES.items()}
PARTY_FRAMES = {language: c.PARTIES for language, c in CATALOGUES.items()}
ACT_WORDS = {language: c.ACTS for language, c in CATALOGUES.items()}
COMMANDS = {language: c.COMMANDS for language, c in CATALOGUES.items()}
CHAT_TEXTS = {language: c.CHAT for language, c in CATALOGUES.items()}


def text(language: str, key: str, **values: object) -> str:
    """A Telegram message in `language`, formatted with already-escaped `values`."""
    return catalogue(language).BOT[key].format(**values)


def message(language: str, key: str, **values: object) -> str:
    """The outcome or problem `key` of adding articles, in `language`, filled in with `values`."""
    return catalogue(language).INGEST[key].format(**values)


def story_text(language: str, key: str, **values: object) -> str:
    """A text about stories (lists, timelines, maps, alerts) in `language`, formatted with `values`."""
    return catalogue(language).STORIES[key].format(**values)
