"""`storybot chat`: the terminal surface of the bot, with the same answers.

Input goes through readline on a terminal (arrow keys, history kept in the user
data directory); output goes through rich, which wraps at word boundaries to
the terminal's width and colours only a terminal (NO_COLOR turns colour off).
Quotes are grouped under their article's title, the title written once. The chat speaks Vietnamese
until the user writes English (each question sets the language of the replies) or fixes the language
with /language or `storybot chat --language`.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TextIO

from rich.console import Console, Group
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from answer.engine import Engine
from answer.followup import Context, context_of
from answer.parties import TopicNeeded
from answer.question import reply_language
from answer.render import act_phrase
from answer.types import Answer, Party, Quote
from index.config import user_data_dir
from index.dates import format_date
from index.errors import StorybotError
from texts import CATALOGUES, CHAT_TEXTS, FRAMES, PARTY_FRAMES

HISTORY_FILE = "chat_history"
HISTORY_LENGTH = 1000
PROMPT = "? "


@dataclass(frozen=True)
class ChatCommand:
    """A slash command of the chat."""

    help: str  # the key of its line in /help (texts: CHAT)
    run: Callable[[Chat, str], bool]  # (chat, text after the command) -> False to quit


class Chat:
    """One terminal conversation over an Engine."""

    def __init__(
        self, engine: Engine, console: Console, *, history: Path | None = None, language: str | None = None
    ) -> None:
        self.engine = engine
        self.console = console
        self.history = history
        self.commands = commands()
        self.context: Context | None = None  # the last answer: a follow-up ("tại sao?") is read after it
        self.chosen = language  # set by the user (--language, /language): wins over the questions' language
        self.language = language or "vi"  # what the chat says is in this language

    def say(self, key: str, style: str = "", **values: object) -> None:
        """Print the chat's text `key` in the conversation's language."""
        self.console.print(Text(self.text(key, **values), style=style))

    def text(self, key: str, **values: object) -> str:
        """The chat's text `key` in the conversation's language."""
        return CHAT_TEXTS[self.language][key].format(**values)

    # --- input ---------------------------------------------------------------------------------

    def loop(self, stdin: TextIO) -> int:
        """Read questions until end of input; the exit status."""
        interactive = stdin.isatty()
        if interactive:
            self._load_history()
        try:
            while True:
                try:
                    line = input(PROMPT) if interactive else _read_line(stdin)
                except KeyboardInterrupt:
                    self.console.print()  # Ctrl-C clears the line, as in a shell
                    continue
                except EOFError:
                    if interactive:
                        self.console.print()
                    return 0
                if not self.handle(line):
                    return 0
        finally:
            if interactive:
                self._save_history()

    def handle(self, line: str) -> bool:
        """Answer one line (a question or a /command); False when the user asked to quit."""
        line = line.strip()
        if not line:
            return True
        try:
            if line.startswith("/"):
                name, _, rest = line[1:].partition(" ")
                command = self.commands.get(name.lower())
                if command is None:
                    self.say("unknown", "yellow", command=line.split()[0])
                    return True
                return command.run(self, rest.strip())
            # The question sets the language of the reply (and of what follows), unless the user chose one.
            self.language = reply_language(self.chosen, line)
            answer = self.engine.ask(line, context=self.context, language=self.language)
            self.context = context_of(answer)
            self.show_answer(answer)
        except KeyboardInterrupt:
            self.say("interrupted", "yellow")
        except StorybotError as err:
            self.say("error", "red", error=err)
        return True

    def _load_history(self) -> None:
        readline = _readline()
        if readline is None:
            return
        readline.set_history_length(HISTORY_LENGTH)
        if self.history is not None and self.history.is_file():
            # An unreadable history only costs the recall of old questions.
            with contextlib.suppress(OSError):
                readline.read_history_file(self.history)

    def _save_history(self) -> None:
        readline = _readline()
        if readline is None or self.history is None:
            return
        with contextlib.suppress(OSError):
            self.history.parent.mkdir(parents=True, exist_ok=True)
            readline.write_history_file(self.history)

    # --- output --------------------------------------------------------------------------------

    def welcome(self) -> None:
        """What the chat knows and how to use it."""
        articles = self.engine.articles()
        titles = "; ".join(f"“{a.title}”" for a in articles[:3])
        self.say("welcome", "bold", count=len(articles), titles=titles)
        self.say("how", "dim")
        self.console.print()

    def show_answer(self, answer: Answer) -> None:
        """An answer: quotes grouped under their article's title, or "not found" with a hint."""
        for notice in answer.notices:
            self.console.print(Text(notice, style="yellow"))
        self.console.print(render_answer(answer, self.language))
        self.console.print()


def render_answer(answer: Answer, language: str | None = None) -> Group:
    """The terminal rendering of an answer in `language` (by default the answer's own; wrapping is the
    console's, at word boundaries)."""
    language = language or answer.language
    frame = FRAMES[language]
    if not answer.answered:
        hint = CHAT_TEXTS[language]["not_found_hint"]
        return Group(Text(frame["not_found"], style="bold"), Text(hint, style="dim"))
    if answer.parties:  # a who-question: party by party, as the bot lists them
        return render_parties(answer.parties, language)
    parts: list[Text | Padding] = [Text(frame["header"], style="bold")]
    for quotes in group_by_article(answer.quotes):
        first = quotes[0]
        title = Text(first.title, style="bold cyan")
        if first.url:
            title.append(f"  {first.url}", style="dim")
        parts += [Text(""), title]
        for quote in quotes:
            body = Text(f"“{quote.text}”")
            body.append(f"  ({frame['paragraph']} {quote.paragraph})", style="dim")
            parts.append(Padding(body, (0, 0, 0, 2)))
    return Group(*parts)


def render_parties(parties: tuple[Party, ...], language: str) -> Group:
    """Each party in bold with what it did and to whom, then its quotes; each article's title shown once."""
    frame = PARTY_FRAMES[language]
    if not parties:
        return Group(Text(frame["none"], style="bold"))
    parts: list[Text | Padding] = [Text(frame["header"], style="bold")]
    titled: set[str] = set()
    for number, party in enumerate(parties, 1):
        line = Text(f"{number}. ")
        line.append(party.speaker, style="bold")
        act = act_phrase(party, language)
        if act:
            line.append(f" — {act}")
        parts += [Text(""), line]
        for quote in party.quotes:
            if quote.article_id not in titled:  # the first quote from an article names it
                titled.add(quote.article_id)
                title = Text(quote.title, style="bold cyan")
                if quote.url:
                    title.append(f"  {quote.url}", style="dim")
                parts.append(Padding(title, (0, 0, 0, 3)))
            body = Text(f"“{quote.text}”")
            body.append(f"  ({frame['paragraph']} {quote.paragraph})", style="dim")
            parts.append(Padding(body, (0, 0, 0, 3)))
    return Group(*parts)


def group_by_article(quotes: tuple[Quote, ...]) -> list[list[Quote]]:
    """Quotes grouped by article, articles in the order of their first quote, quotes in answer order."""
    groups: dict[str, list[Quote]] = {}
    for quote in quotes:
        groups.setdefault(quote.article_id, []).append(quote)
    return list(groups.values())


# --- commands --------------------------------------------------------------------------------------


def _help(chat: Chat, _: str) -> bool:
    chat.say("help")
    table = Table.grid(padding=(0, 2))
    for name, command in chat.commands.items():
        table.add_row(Text(f"  /{name}", style="bold"), Text(chat.text(command.help)))
    chat.console.print(table)
    chat.say("keys", "dim")
    chat.console.print()
    return True


def _sources(chat: Chat, _: str) -> bool:
    articles = chat.engine.sources()  # the order the header names, as the bot's /sources
    if not articles:
        chat.say("sources_empty")
        return True
    chat.say("sources_header", "bold", count=len(articles))
    table = Table.grid(padding=(0, 1))
    for number, info in enumerate(articles, 1):
        title = Text(info.title, style="cyan")
        if info.date:
            title.append(f"  {format_date(info.date, chat.language)}", style="dim")
        if info.url:
            title.append(f"  {info.url}", style="dim")
        table.add_row(Text(f"{number:>3}."), title)
    chat.console.print(table)
    chat.console.print()
    return True


def _new(chat: Chat, _: str) -> bool:
    chat.context = None
    chat.say("new", "dim")
    return True


def _language(chat: Chat, wanted: str) -> bool:
    """/language vi|en: the chat speaks that language from now on, whatever the questions' language."""
    code = wanted.strip().lower()
    if code not in CATALOGUES:
        chat.say("language_usage")
        return True
    chat.chosen = chat.language = code
    chat.say("language_set")
    return True


def _quit(chat: Chat, _: str) -> bool:
    return False


def _who(chat: Chat, topic: str) -> bool:
    """/who [topic]: the story's parties, what each did and to whom, with their quotes."""
    if topic.strip():
        chat.language = reply_language(chat.chosen, topic)
    try:
        parties = chat.engine.who(topic)
    except TopicNeeded:  # several stories and no topic
        chat.say("who_topic", example=_example_topic(chat.engine))
    except StorybotError as err:
        chat.say("error", "red", error=err)
    else:
        chat.console.print(render_parties(parties, chat.language))
    chat.console.print()
    return True


def commands() -> dict[str, ChatCommand]:
    """The chat's slash commands, in the order /help lists them."""
    return {
        "help": ChatCommand("cmd_help", _help),
        "sources": ChatCommand("cmd_sources", _sources),
        "who": ChatCommand("cmd_who", _who),
        "new": ChatCommand("cmd_new", _new),
        "language": ChatCommand("cmd_language", _language),
        "quit": ChatCommand("cmd_quit", _quit),
    }


def _example_topic(engine: Engine) -> str:
    """A few words of the newest article's title, to show how /who takes a topic."""
    sources = engine.sources()
    return " ".join(sources[0].title.split()[:3]) if sources else "Vinasun"


def _readline() -> ModuleType | None:
    """The readline module: importing it gives input() line editing; absent on some platforms (Windows)."""
    try:
        import readline
    except ImportError:
        return None
    return readline


def _read_line(stdin: TextIO) -> str:
    line = stdin.readline()
    if not line:
        raise EOFError
    return line


def history_path() -> Path:
    """Where the chat keeps its question history."""
    return user_data_dir() / HISTORY_FILE


def make_console(stream: TextIO | None = None) -> Console:
    """A console on `stream` (stdout): colour only on a terminal and without NO_COLOR, width of the terminal."""
    return Console(file=stream or sys.stdout, highlight=False, emoji=False, markup=False)


def run_chat(
    engine: Engine, *, stdin: TextIO | None = None, stdout: TextIO | None = None, language: str | None = None
) -> int:
    """Welcome, then answer questions from `stdin` until Ctrl-D; the exit status. `language` ("vi" or "en")
    fixes the chat's language; by default it follows the questions, Vietnamese until one is in English."""
    chat = Chat(engine, make_console(stdout), history=history_path(), language=language)
    chat.welcome()
    return chat.loop(stdin or sys.stdin)
