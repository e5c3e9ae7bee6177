"""What the bot says, as Telegram HTML: answers, paragraphs, article lists, help, summaries.

Pure functions from the core's results to message texts and inline keyboards.
Every piece of article or user text goes through `escape`. No message is
longer than Telegram's 4,096 characters: lengths are measured on the HTML
itself (never shorter than the text Telegram counts, which has the tags and
entities removed), in UTF-16 code units as Telegram counts.

The bot only renders: which sentences to quote is the retrieval core's choice.
"""

from __future__ import annotations

import hashlib
import html
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import InlineKeyboardButtonLimit, MessageLimit

from answer.render import act_phrase, act_words
from answer.timeline import Entry, Timeline
from answer.types import Answer, Party, Quote
from index.build import BuildSummary
from index.dates import format_date
from index.store import ArticleInfo
from index.stories import Story
from texts import CATALOGUES, FRAMES, PARTY_FRAMES, story_text, text

MAX_MESSAGE = int(MessageLimit.MAX_TEXT_LENGTH)  # Telegram's limit on a message's text, in UTF-16 code units
MAX_CALLBACK_DATA = int(InlineKeyboardButtonLimit.MAX_CALLBACK_DATA)  # bytes
MAX_NAME_SHOWN = 120  # characters of a file name echoed back
MAX_BUTTON_TITLE = 40
MAX_LINES = 50  # per message: keeps a list well under Telegram's cap on links per message
MAX_URL = 2048  # longer addresses are shown as plain titles
SOURCES_PER_PAGE = 10
ELLIPSIS = "…"


@dataclass(frozen=True)
class Outgoing:
    """One message to send: HTML text and an optional inline keyboard."""

    text: str
    keyboard: InlineKeyboardMarkup | None = None


@dataclass(frozen=True)
class ParagraphRef:
    """What a "full paragraph" button points at: a quote's place in an article."""

    language: str  # of the answer, so the paragraph's source line matches it
    article_key: str  # article_key(article_id)
    paragraph: int
    start: int
    end: int
    quote_hash: str  # text_hash(quote text): the article still has this text there


def display_name(value: str) -> str:
    """A file name or title fit to echo: without invisible and direction-changing characters (which could
    make "evil\u202etxt.exe" read as "evilexe.txt"), shortened."""
    visible = "".join(c for c in value if unicodedata.category(c) not in ("Cf", "Cc", "Co", "Cs"))
    return shorten(visible, MAX_NAME_SHOWN)


def escape(value: str) -> str:
    """Text made safe for Telegram HTML: &, < and > become entities."""
    return html.escape(value, quote=False)


def utf16_len(value: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji outside the BMP counts 2)."""
    return len(value.encode("utf-16-le")) // 2


def fits(message: str) -> bool:
    """True when the HTML `message` is within Telegram's limit."""
    return utf16_len(message) <= MAX_MESSAGE


# --- answers ---------------------------------------------------------------------------------


def render_answer(
    answer: Answer, *, whole_paragraphs: frozenset[int] = frozenset(), echo_question: bool = False
) -> list[Outgoing]:
    """The messages that carry `answer`: quotes in blockquotes with sources, split at quote boundaries.

    `whole_paragraphs` holds the indices of quotes that already are their whole
    paragraph (no "full paragraph" button for them). `echo_question` puts the
    question on top, for answers to a tapped example.
    """
    lang = answer.language
    head = [f"<i>{escape(notice)}</i>" for notice in answer.notices]
    if echo_question:
        head.append(f"❓ <b>{escape(shorten(answer.question, 300))}</b>")
    if not answer.answered:
        body = "\n\n".join([*head, escape(FRAMES[lang]["not_found"]), text(lang, "not_found_hint")])
        return [Outgoing(_fit(body))]
    if answer.parties:
        return render_parties(answer.parties, lang, head=head)
    head.append(f"<b>{escape(FRAMES[lang]['header'])}</b>")
    several_articles = len({q.article_id for q in answer.quotes}) > 1
    messages: list[Outgoing] = []
    current = "\n\n".join(head)
    buttons: list[InlineKeyboardButton] = []
    shown: set[tuple[str, int]] = set()
    for index, quote in enumerate(answer.quotes):
        block = quote_block(quote, lang)
        if index > 0 and not fits(f"{current}\n\n{block}"):
            # Split at the quote boundary: what is there so far becomes a message of its own.
            messages.append(Outgoing(current, _keyboard(buttons)))
            current, buttons = "", []
        prefix = f"{current}\n\n" if current else ""
        if not fits(prefix + block):
            # A single quote too long even for a message of its own (with the header, if first): cut it.
            frame = utf16_len(prefix + quote_block(quote, lang, body=""))
            block = quote_block(quote, lang, limit=MAX_MESSAGE - frame)
        current = prefix + block
        where = (quote.article_id, quote.paragraph)
        if index not in whole_paragraphs and where not in shown:
            shown.add(where)
            label = text(lang, "full_paragraph", paragraph=quote.paragraph)
            if several_articles:
                label += f" · {shorten(quote.title, MAX_BUTTON_TITLE)}"
            buttons.append(InlineKeyboardButton(f"📄 {label}", callback_data=paragraph_callback(quote, lang)))
    messages.append(Outgoing(current, _keyboard(buttons)))
    return messages


def quote_block(quote: Quote, language: str, *, body: str | None = None, limit: int | None = None) -> str:
    """One quote in a blockquote with its source line beneath.

    With `limit`, a quote too long for one message is cut at a word boundary
    and ends with an ellipsis; the "full paragraph" button still shows it all.
    """
    quoted = quote.text if body is None else body
    if limit is not None:
        quoted = shorten_escaped(quoted, limit)
    source = source_line(quote.title, quote.url, quote.paragraph, language, date=quote.date)
    return f"<blockquote>{escape(quoted)}</blockquote>\n— {source}"


def source_line(title: str, url: str | None, paragraph: int, language: str, *, date: str | None = None) -> str:
    """ "Title, đoạn 5, 12/5/2025", the title linked when the article has a web address."""
    name = _title_link(title, url)
    when = format_date(date, language)
    return f"{name}, {FRAMES[language]['paragraph']} {paragraph}" + (f", {when}" if when else "")


def _title_link(title: str, url: str | None) -> str:
    """The article's title, escaped, linked when the article has a web address."""
    name = escape(title)
    if is_web_url(url):
        assert url is not None
        name = f'<a href="{html.escape(url, quote=True)}">{name}</a>'
    return name


def is_web_url(url: str | None) -> bool:
    """True for an http(s) address Telegram accepts as a link."""
    if not url:
        return False
    if len(url) > MAX_URL:
        return False
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and not any(c.isspace() for c in url)


def _keyboard(buttons: list[InlineKeyboardButton]) -> InlineKeyboardMarkup | None:
    return InlineKeyboardMarkup([[b] for b in buttons]) if buttons else None


def _fit(message: str) -> str:
    # A last resort for texts that are short by construction (notices, headers).
    return message if fits(message) else shorten_escaped(message, MAX_MESSAGE)


# --- parties: who accused whom ----------------------------------------------------------------

MAX_PARTY_QUOTE = 1200  # a party's quote longer than this is cut; its button shows the whole paragraph
SHORT_PARTIES = 5  # a who-answer shows the most central parties; "+N" shows the rest
MAX_SHORT_ANSWER = 1500  # characters of a who-answer on Telegram


def render_parties(
    parties: Sequence[Party], language: str, *, head: Sequence[str] = (), full: bool = False
) -> list[Outgoing]:
    """A who-question's answer: each party in bold with what it did and to whom, then its quotes and sources.

    Short by default: the SHORT_PARTIES most central parties (in the answer's order), one quote each
    (its stance) whole, as many as fit MAX_SHORT_ANSWER characters, and "+N" / "more
    quotes" buttons (callback `more:<language>:p|q`) for the rest. `full` lists every party with all its
    quotes, split between parties when it does not fit one message. Each party shown has a numbered
    "full paragraph" button.
    """
    header = "\n\n".join([*head, f"<b>{escape(PARTY_FRAMES[language]['header'])}</b>"])
    if full:
        return _render_all_parties(parties, language, header)
    # The most central parties whose whole quotes fit MAX_SHORT_ANSWER: a quote is never cut here (it must
    # stay word for word); a party that does not fit waits behind the "+N" button instead. When every quote
    # comes from one article, its title is said once, under the last quote, and each quote names its paragraph.
    ranked = sorted(range(len(parties)), key=lambda k: (parties[k].central, k))[:SHORT_PARTIES]
    one_article = len({parties[k].quotes[0].article_id for k in ranked}) == 1
    chosen: list[int] = []
    used = utf16_len(header)
    for k in ranked:
        cost = utf16_len("\n\n" + _short_block(len(chosen) + 1, parties[k], language, paragraph_only=one_article))
        if chosen and used + cost > MAX_SHORT_ANSWER:
            continue
        chosen.append(k)
        used += cost
    shown = [parties[k] for k in sorted(chosen)]
    blocks = [_short_block(n, p, language, paragraph_only=one_article) for n, p in enumerate(shown, 1)]
    if one_article:
        first = shown[0].quotes[0]
        blocks[-1] += "\n— " + _title_link(first.title, first.url)
    body = _fit("\n\n".join([header, *blocks]))
    buttons = [_paragraph_button(number, party.quotes[0], language) for number, party in enumerate(shown, 1)]
    hidden = len(parties) - len(shown)
    if hidden:
        buttons.append(
            InlineKeyboardButton(text(language, "more_parties", count=hidden), callback_data=f"more:{language}:p")
        )
    if any(len(p.quotes) > 1 for p in shown):
        buttons.append(InlineKeyboardButton(text(language, "more_quotes"), callback_data=f"more:{language}:q"))
    return [Outgoing(body, _keyboard(buttons))]


def _short_block(number: int, party: Party, language: str, *, paragraph_only: bool = False) -> str:
    """A party in the short who-answer: its line, its first quote whole, the quote's source (or its paragraph)."""
    quote = party.quotes[0]
    if paragraph_only:
        source = f"{FRAMES[language]['paragraph']} {quote.paragraph}"
    else:
        source = source_line(quote.title, quote.url, quote.paragraph, language)
    return f"{_party_line(number, party, language)}\n<blockquote>{escape(quote.text)}</blockquote>\n— {source}"


def _party_line(number: int, party: Party, language: str) -> str:
    act = act_phrase(party, language)
    return f"{number}. <b>{escape(party.speaker)}</b>" + (f" — {escape(act)}" if act else "")


def _paragraph_button(number: int, quote: Quote, language: str) -> InlineKeyboardButton:
    # Numbered after its party: no two buttons alike even when two quotes share a paragraph number.
    label = f"📄 {number}. " + text(language, "full_paragraph", paragraph=quote.paragraph)
    return InlineKeyboardButton(label, callback_data=paragraph_callback(quote, language))


def _render_all_parties(parties: Sequence[Party], language: str, header: str) -> list[Outgoing]:
    """Every party with all its quotes; a button per quoted paragraph (once each)."""
    current, messages = header, []
    buttons: list[InlineKeyboardButton] = []
    seen: set[tuple[str, int]] = set()
    for number, party in enumerate(parties, 1):
        lines = [_party_line(number, party, language)]
        lines += [quote_block(q, language, limit=MAX_PARTY_QUOTE) for q in party.quotes]
        block = "\n".join(lines)
        if not fits(f"{current}\n\n{block}"):
            messages.append(Outgoing(current, _keyboard(buttons)))
            current, buttons = "", []
        current = f"{current}\n\n{block}" if current else block
        for quote in party.quotes:
            if (quote.article_id, quote.paragraph) not in seen:
                seen.add((quote.article_id, quote.paragraph))
                buttons.append(_paragraph_button(number, quote, language))
    messages.append(Outgoing(current, _keyboard(buttons)))
    return messages


def render_who(parties: Sequence[Party], language: str, *, buttons: bool = True) -> list[Outgoing]:
    """/who: one line per party (who, what, to whom, source), a button per party that shows its quote.

    Without `buttons` the list goes bare: the party buttons then sit under the story map (map_keyboard).
    """
    if not parties:
        return [Outgoing(text(language, "who_none"))]
    lines = [f"<b>{escape(PARTY_FRAMES[language]['header'])}</b>"]
    for number, party in enumerate(parties, 1):
        act = act_phrase(party, language)
        quote = party.quotes[-1]
        lines.append(
            f"{number}. <b>{escape(shorten(party.speaker, 120))}</b>"
            + (f" — {escape(shorten(act, 120))}" if act else "")
            + f"\n    <i>{source_line(quote.title, quote.url, quote.paragraph, language)}</i>"
        )
    chunks = pack_lines(lines)
    keyboard = _keyboard(party_buttons(parties, language)) if buttons else None
    # The buttons go under the last message, where the list ends.
    return [Outgoing(chunk, keyboard if k == len(chunks) - 1 else None) for k, chunk in enumerate(chunks)]


def party_buttons(parties: Sequence[Party], language: str) -> list[InlineKeyboardButton]:
    """A button per party, numbered as /who lists them, that shows the paragraph of its latest quote."""
    buttons = []
    for number, party in enumerate(parties, 1):
        label = "💬 " + text(language, "who_button", number=number, speaker=shorten(party.speaker, MAX_BUTTON_TITLE))
        buttons.append(InlineKeyboardButton(label, callback_data=paragraph_callback(party.quotes[-1], language)))
    return buttons


def map_keyboard(parties: Sequence[Party], language: str, story_id: int | None) -> InlineKeyboardMarkup | None:
    """The buttons under the story map: each party's quote, then "follow this story" (when the map has one)."""
    rows = [[b] for b in party_buttons(parties, language)]
    if story_id is not None:
        rows.append([follow_button(story_id, language)])
    return InlineKeyboardMarkup(rows) if rows else None


# --- following a story ---------------------------------------------------------------------------


def follow_callback(story_id: int, language: str) -> str:
    """Callback data of a "follow this story" button: fs:<language>:<story id> (story ids are integers)."""
    data = f"fs:{language}:{story_id}"
    assert len(data.encode()) <= MAX_CALLBACK_DATA
    return data


def follow_button(story_id: int, language: str) -> InlineKeyboardButton:
    """The "follow this story" button, under an answer or a story map."""
    label = story_text(language, "follow_button")
    return InlineKeyboardButton(label, callback_data=follow_callback(story_id, language))


def with_follow(keyboard: InlineKeyboardMarkup | None, story_id: int, language: str) -> InlineKeyboardMarkup:
    """`keyboard` with a "follow this story" row added at its end."""
    rows = [list(row) for row in keyboard.inline_keyboard] if keyboard else []
    return InlineKeyboardMarkup([*rows, [follow_button(story_id, language)]])


# --- full paragraphs ---------------------------------------------------------------------------


def article_key(article_id: str) -> str:
    """A short, stable key for an article id, to fit callback data's 64 bytes."""
    return hashlib.sha1(article_id.encode("utf-8")).hexdigest()[:10]


def text_hash(value: str) -> str:
    """A short hash of a quote's text, to check that the article still holds it."""
    return hashlib.sha1(value.encode("utf-8")).hexdigest()[:6]


def paragraph_callback(quote: Quote, language: str) -> str:
    """Callback data of the "full paragraph" button under a quote (well under 64 bytes)."""
    key, digest = article_key(quote.article_id), text_hash(quote.text)
    data = f"para:{language}:{key}:{quote.paragraph}:{quote.start}:{quote.end}:{digest}"
    assert len(data.encode()) <= MAX_CALLBACK_DATA
    return data


def parse_paragraph_callback(data: str) -> ParagraphRef | None:
    """The ParagraphRef in a "full paragraph" button's data, or None when malformed."""
    parts = data.split(":")
    if len(parts) != 7 or parts[0] != "para" or parts[1] not in CATALOGUES:
        return None
    try:
        paragraph, start, end = int(parts[3]), int(parts[4]), int(parts[5])
    except ValueError:
        return None
    return ParagraphRef(parts[1], parts[2], paragraph, start, end, parts[6])


MAX_MARKED_PARAGRAPH = 1200  # characters of a paragraph shown around a marked quote


def render_paragraph(
    title: str,
    url: str | None,
    paragraph: int,
    body: str,
    language: str,
    *,
    date: str | None = None,
    mark: tuple[int, int] | None = None,
) -> list[Outgoing]:
    """A whole paragraph in a blockquote with its source, over several messages if it is very long.

    With `mark` (the quote's offsets in `body`), the quote is shown in bold, and a paragraph longer
    than MAX_MARKED_PARAGRAPH is cut around it (at sentence ends or spaces, with ellipses): one message.
    """
    source = f"— {source_line(title, url, paragraph, language, date=date)}"
    if mark is not None and 0 <= mark[0] < mark[1] <= len(body):
        return [Outgoing(f"<blockquote>{_marked(body, *mark)}</blockquote>\n{source}")]
    budget = MAX_MESSAGE - utf16_len(f"<blockquote></blockquote>\n{source}") - 16
    pieces = split_plain(body, budget)
    out = []
    for number, piece in enumerate(pieces, 1):
        suffix = f" ({text(language, 'more')} {number}/{len(pieces)})" if len(pieces) > 1 else ""
        out.append(Outgoing(f"<blockquote>{escape(piece)}</blockquote>\n{source}{suffix}"))
    return out


def _marked(body: str, start: int, end: int) -> str:
    """`body` escaped with body[start:end] in bold, cut to about MAX_MARKED_PARAGRAPH characters around it."""
    spare = max(0, MAX_MARKED_PARAGRAPH - (end - start)) // 2
    lo, hi = max(0, start - spare), min(len(body), end + spare)
    if lo > 0:
        cut = max(body.rfind(". ", lo, start), body.rfind(" ", lo, start))
        lo = cut + 1 if cut >= lo else lo
    if hi < len(body):
        cut = body.find(" ", end, hi)
        hi = cut if cut != -1 else hi
    before, quote, after = body[lo:start].lstrip(), body[start:end], body[end:hi].rstrip()
    if utf16_len(escape(quote)) > MAX_MESSAGE - 600:
        quote = shorten_escaped(quote, MAX_MESSAGE - 600)
    return (
        (ELLIPSIS if lo > 0 else "")
        + escape(before)
        + f"<b>{escape(quote)}</b>"
        + escape(after)
        + (ELLIPSIS if hi < len(body) else "")
    )


# --- article list, start, help -----------------------------------------------------------------


def render_sources(sources: Sequence[ArticleInfo], language: str, page: int = 0) -> Outgoing:
    """One page of the article list (in the order given, Engine.sources'): numbered, dated, titles linked.

    Longer lists get "newer / older" buttons whose callback data is
    `src:<language>:<page>`; a page out of range shows the last one.
    """
    if not sources:
        return Outgoing(text(language, "sources_empty"))
    pages = -(-len(sources) // SOURCES_PER_PAGE)
    page = min(max(page, 0), pages - 1)
    first = page * SOURCES_PER_PAGE
    header = "sources_header" if pages == 1 else "sources_page"
    lines = [f"<b>{text(language, header, count=len(sources), page=page + 1, pages=pages)}</b>"]
    # A full page always fits one message: each line gets an equal share of it.
    budget = (MAX_MESSAGE - utf16_len(lines[0])) // SOURCES_PER_PAGE - 1
    for number, source in enumerate(sources[first : first + SOURCES_PER_PAGE], first + 1):
        details = [escape(shorten(v, 60)) for v in (format_date(source.date, language), source.source) if v]
        tail = f" — {', '.join(details)}" if details else ""
        url = source.url
        link = f'<a href="{html.escape(url, quote=True)}"></a>' if url and is_web_url(url) else ""
        if utf16_len(link) > budget // 2:
            link = ""  # an address that long is shown as a plain title
        room = budget - utf16_len(f"{number}. {tail}") - utf16_len(link)
        name = escape(shorten_escaped(" ".join(source.title.split()), room))
        lines.append(f"{number}. {link[:-4]}{name}</a>{tail}" if link else f"{number}. {name}{tail}")
    buttons = [
        InlineKeyboardButton(text(language, key), callback_data=f"src:{language}:{target}")
        for key, target in (("sources_newer", page - 1), ("sources_older", page + 1))
        if 0 <= target < pages
    ]
    return Outgoing(_fit("\n".join(lines)), InlineKeyboardMarkup([buttons]) if buttons else None)


def render_start(articles: Sequence[ArticleInfo], examples: Sequence[tuple[int, str]], language: str) -> Outgoing:
    """The /start message: what the bot knows, how to ask, and example questions as buttons.

    `examples` are (index in the configured list, question) pairs; the button's
    callback data carries the index.
    """
    parts = [text(language, "start")]
    if articles:
        titles = "\n".join(f"• {escape(shorten(a.title, 120))}" for a in articles[:5])
        parts.append(f"{text(language, 'start_articles', count=len(articles))}\n{titles}")
    parts.append(text(language, "start_how"))
    keyboard = None
    if examples:
        parts.append(text(language, "start_examples"))
        keyboard = InlineKeyboardMarkup(
            [[InlineKeyboardButton(shorten(q, 100), callback_data=f"ask:{i}")] for i, q in examples]
        )
    return Outgoing(_fit("\n\n".join(parts)), keyboard)


def render_help(language: str, *, admin: bool, upload_limit_kb: int) -> Outgoing:
    """The /help message; admins also read how to add articles."""
    body = text(language, "help")
    if admin:
        body += "\n\n" + text(language, "help_admin", limit=upload_limit_kb) + "\n" + text(language, "help_admin_web")
    return Outgoing(body)


def render_summary(summary: BuildSummary, language: str) -> str:
    """A build summary for an admin (after /reindex or an upload), within one message."""
    if not summary.changed_anything:
        # Nothing was built: a build's counts and seconds would only say "0 added ... (0.0 s)".
        lines = [text(language, "summary_unchanged", articles=summary.articles, chunks=summary.chunks)]
    else:
        lines = [
            text(
                language,
                "summary",
                articles=summary.articles,
                chunks=summary.chunks,
                seconds=summary.seconds,
                added=summary.added,
                changed=summary.changed,
                removed=summary.removed,
                unchanged=summary.unchanged,
                embedded=summary.embedded,
                reused=summary.reused,
            )
        ]
    if summary.reembedded_all:
        lines.append(text(language, "summary_reembedded", why=escape(summary.reembedded_all.describe(language))))
    skipped = [
        text(language, "summary_skipped", file=escape(s.path.name), reason=escape(s.describe_reason(language)))
        for s in summary.skipped
    ]
    for number, line in enumerate(skipped):
        rest = text(language, "summary_more_skipped", count=len(skipped) - number)
        if not fits("\n".join([*lines, line, rest])):
            lines.append(rest)
            break
        lines.append(line)
    return "\n".join(lines)


# --- text helpers ------------------------------------------------------------------------------


def shorten(value: str, limit: int) -> str:
    """`value` cut to at most `limit` characters at a word boundary, with an ellipsis when cut."""
    value = " ".join(value.split())
    if len(value) <= limit:
        return value
    cut = value[: limit - 1]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    return cut.rstrip(" ,;:") + ELLIPSIS


def shorten_escaped(value: str, limit: int) -> str:
    """Plain `value` cut so that its escaped form plus an ellipsis fits in `limit` UTF-16 units."""
    if utf16_len(escape(value)) <= limit:
        return value
    piece = split_plain(value, limit - 1)[0]
    return piece.rstrip(" ,;:") + ELLIPSIS


def split_plain(value: str, budget: int) -> list[str]:
    """Plain text cut into pieces whose escaped forms each fit in `budget` UTF-16 units.

    Cuts at the last sentence end or space before the limit when there is one
    in the piece's second half, so words stay whole.
    """
    pieces = []
    rest = value
    while utf16_len(escape(rest)) > budget:
        size, cost = 0, 0
        for char in rest:
            cost += utf16_len(escape(char))
            if cost > budget:
                break
            size += 1
        cut = size
        sentence_end = max(rest.rfind(mark, 0, size) for mark in (". ", "! ", "? ", "… "))
        space = max(rest.rfind(" ", 0, size), rest.rfind("\n", 0, size))
        if sentence_end > size // 2:
            cut = sentence_end + 2  # after the mark and its space
        elif space > size // 2:
            cut = space + 1
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest or not pieces:
        pieces.append(rest)
    return pieces


def pack_lines(lines: Sequence[str]) -> list[str]:
    """Lines (each short enough for a message) joined into as few messages as fit."""
    return [message for message, _ in pack_lines_counted(lines)]


def pack_lines_counted(lines: Sequence[str]) -> list[tuple[str, int]]:
    """As pack_lines, each message with how many of `lines` it and the messages before it hold."""
    messages: list[tuple[str, int]] = []
    current, count = "", 0
    for done, line in enumerate(lines):
        candidate = f"{current}\n{line}" if current else line
        if fits(candidate) and count < MAX_LINES:
            current, count = candidate, count + 1
        else:
            messages.append((current, done))
            current, count = line, 1
    if current:
        messages.append((current, len(lines)))
    return messages


# --- stories, timelines, maps ------------------------------------------------------------------


TIMELINE_PER_PAGE = 6  # statements per page: six long quotes still fit one message
MAX_STATEMENT_QUOTE = 500  # characters of a quote on a timeline page (the whole sentence is in its article)
MAX_STORIES_SHOWN = 30
PAGE_BUDGET = MAX_MESSAGE - 700  # a timeline page's statements; the rest for its header and note
DAY_HEADING_ROOM = 60  # a day's heading, counted with each statement that may start a day
MAX_CAPTION = 1024  # Telegram's limit on a photo's caption (UTF-16 code units, after entities are parsed)


def render_stories(stories: Sequence[Story], language: str) -> list[Outgoing]:
    """/stories: each story's number, name, articles and dates, the most recently active first."""
    if not stories:
        return [Outgoing(escape(story_text(language, "none")))]
    lines = [f"<b>{escape(story_text(language, 'list_header', count=len(stories)))}</b>"]
    for story in stories[:MAX_STORIES_SHOWN]:
        span = list(dict.fromkeys(format_date(d, language) for d in (story.first_date, story.last_date) if d))
        dates = f", {' – '.join(span)}" if span else ""
        line = story_text(language, "line", id=story.id, name=shorten(story.name, 150), articles=len(story.articles),
                          dates=dates)
        parties = f"\n    <i>{escape(shorten('; '.join(story.parties), 200))}</i>" if story.parties else ""
        lines.append(escape(line) + parties)
    if len(stories) > MAX_STORIES_SHOWN:
        lines.append(escape(story_text(language, "more_stories", count=len(stories) - MAX_STORIES_SHOWN)))
    return [Outgoing(chunk) for chunk in pack_lines(lines)]


def timeline_stamp(timeline: Timeline) -> str:
    """A short fingerprint of a timeline's statements: a page button knows which timeline it paged."""
    keys = "|".join(f"{e.article_id}:{e.start}" for e in timeline.entries)
    return hashlib.blake2b(keys.encode("utf-8"), digest_size=4).hexdigest()


def timeline_callback(language: str, story_id: int, page: int, stamp: str) -> str:
    """A timeline page button's data: `tl:<language>:<story id>:<page>:<stamp>` (under 64 bytes)."""
    data = f"tl:{language}:{story_id}:{page}:{stamp}"
    assert len(data.encode("utf-8")) <= MAX_CALLBACK_DATA
    return data


def _statement_block(entry: Entry, language: str) -> str:
    """One statement: speaker → act, the verbatim quote, its source (a link when it has a web address)."""
    act = act_words(entry.act, entry.target, entry.target_claim, language)
    who = f"<b>{escape(shorten(entry.speaker, 120))}</b>" + (f" → {escape(shorten(act, 160))}" if act else "")
    source = escape(story_text(language, "statement_source", title=shorten(entry.title, 120),
                               paragraph=entry.paragraph))
    if entry.url and is_web_url(entry.url) and len(entry.url) <= MAX_URL:
        source = f'<a href="{html.escape(entry.url, quote=True)}">{source}</a>'
    return f"• {who}\n<blockquote>{escape(shorten(entry.quote, MAX_STATEMENT_QUOTE))}</blockquote>\n— <i>{source}</i>"


def timeline_pages(timeline: Timeline, language: str) -> list[list[tuple[Entry, str]]]:
    """The statements cut into pages: at most TIMELINE_PER_PAGE each, and each page within one message."""
    pages: list[list[tuple[Entry, str]]] = []
    used = 0
    for entry in timeline.entries:
        block = _statement_block(entry, language)
        cost = utf16_len(block) + DAY_HEADING_ROOM
        if not pages or len(pages[-1]) == TIMELINE_PER_PAGE or used + cost > PAGE_BUDGET:
            pages.append([])
            used = 0
        pages[-1].append((entry, block))
        used += cost
    return pages


def render_timeline(timeline: Timeline, language: str, page: int = 0, *, note: str = "") -> Outgoing:
    """One page of a story's timeline: days in order, each statement as speaker → act, its verbatim quote,
    its source; "previous / next" buttons when there are more pages (a page out of range shows the last)."""
    story = timeline.story
    header = f"<b>{escape(story_text(language, 'timeline_header', name=shorten(story.name, 200)))}</b>"
    pages = timeline_pages(timeline, language)
    if not pages:
        return Outgoing(f"{header}\n{escape(story_text(language, 'no_statements'))}")
    page = min(max(page, 0), len(pages) - 1)
    if len(pages) > 1:
        header += f" — {escape(story_text(language, 'page', page=page + 1, pages=len(pages)))}"
    parts = [header] + ([f"<i>{escape(note)}</i>"] if note else [])
    day: str | bool | None = False  # no day heading yet
    for entry, block in pages[page]:
        if entry.day != day:
            day = entry.day
            heading = format_date(entry.day, language) or story_text(language, "undated")
            parts.append(f"\n📅 <b>{escape(heading)}</b>")
        parts.append(block)
    stamp = timeline_stamp(timeline)
    buttons = [
        InlineKeyboardButton(story_text(language, key),
                             callback_data=timeline_callback(language, story.id, target, stamp))
        for key, target in (("previous", page - 1), ("next", page + 1))
        if 0 <= target < len(pages)
    ]
    return Outgoing("\n".join(parts), InlineKeyboardMarkup([buttons]) if buttons else None)


def map_caption(name: str, language: str) -> str:
    """The story map's caption (HTML), within Telegram's 1,024 characters."""
    # Telegram counts the caption without its tags and entities: a frame and 300 characters stay far below
    return escape(story_text(language, "map_caption", name=shorten(name, MAX_CAPTION - 724)))


def render_alert(story_name: str, entries: Sequence[Entry], language: str) -> list[tuple[str, int]]:
    """An alert about a followed story: its name, then each new statement (speaker → act, quote, link).

    One or more messages, each with how many of `entries` it and the messages before it tell, so that a
    part Telegram refused can be sent again without the parts that went out."""
    header = f"🔔 <b>{escape(story_text(language, 'alert_header', name=shorten(story_name, 200)))}</b>"
    blocks = [_statement_block(e, language) for e in entries]
    return [(message, max(0, lines - 1)) for message, lines in pack_lines_counted([header, *blocks])]


def render_following(names: Sequence[tuple[int, str]], language: str) -> Outgoing:
    """/following: the followed stories, by number and name."""
    if not names:
        return Outgoing(escape(story_text(language, "following_none")))
    lines = [f"<b>{escape(story_text(language, 'following_header', count=len(names)))}</b>"]
    lines += [escape(f"#{number} {shorten(name, 150)}") for number, name in names]
    return Outgoing(_fit("\n".join(lines[:MAX_LINES])))
