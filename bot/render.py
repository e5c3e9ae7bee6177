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
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from index.answer import FRAMES, Answer, Quote
from index.build import BuildSummary
from index.parties import FRAMES as PARTY_FRAMES
from index.parties import Party, act_phrase
from index.store import ArticleInfo

MAX_MESSAGE = 4096  # Telegram's limit on a message's text, in UTF-16 code units
MAX_CALLBACK_DATA = 64  # bytes
MAX_BUTTON_TITLE = 40
MAX_LINES = 50  # per message: keeps a list well under Telegram's cap on links per message
MAX_URL = 2048  # longer addresses are shown as plain titles
ELLIPSIS = "…"

# Framing texts. Headers and "not found" are the CLI's (index.answer.FRAMES), so
# the bot and `storybot ask` word answers the same way.
TEXTS: dict[str, dict[str, str]] = {
    "vi": {
        "not_found_hint": "Gõ /sources để xem các bài báo đang có.",
        "you_asked": "Câu hỏi",
        "more": "tiếp",
        "full_paragraph": "Xem cả đoạn {paragraph}",
        "ask_usage": "Hãy gõ câu hỏi sau lệnh, ví dụ:\n/ask {example}",
        "empty_mention": "Bạn muốn hỏi gì về các bài báo? Ví dụ: {example}",
        "non_text": "Tôi chỉ đọc được tin nhắn chữ. Hãy gõ câu hỏi về các bài báo, ví dụ: {example}",
        "unknown_command": "Tôi không biết lệnh này. Gõ /help để xem các lệnh.",
        "rate_limited": "Bạn hỏi hơi nhanh: mỗi người được hỏi tối đa {limit} câu mỗi phút. "
        "Vui lòng thử lại sau {seconds} giây.",
        "admins_only": "Xin lỗi, chỉ quản trị viên của bot mới dùng được lệnh này.",
        "upload_refused": "Xin lỗi, chỉ quản trị viên của bot mới thêm được bài báo. "
        "Bạn vẫn có thể hỏi về các bài đang có (/sources).",
        "error": "Xin lỗi, đã có lỗi khi xử lý tin nhắn này. Vui lòng thử lại sau ít phút.",
        "unavailable": "Xin lỗi, kho bài báo tạm thời chưa dùng được. Vui lòng thử lại sau ít phút.",
        "paragraph_gone": "Bài báo này đã thay đổi hoặc không còn trong chỉ mục. Hãy hỏi lại để có trích dẫn mới.",
        "button_stale": "Nút này đã cũ. Gõ /start để có các câu hỏi mẫu mới.",
        "reindexing": "Đang cập nhật chỉ mục…",
        "reindex_failed": "Không cập nhật được chỉ mục: {error}",
        "sources_header": "Các bài báo đang có ({count}):",
        "sources_empty": "Chưa có bài báo nào trong chỉ mục.",
        "paragraph_chunks": "{chunks} đoạn",
        "upload_received": "Đã nhận {name}, đang lưu và lập chỉ mục…",
        "upload_added": "Đã thêm bài “{title}” ({name}).",
        "upload_replaced": "Đã thay bài {name} bằng bản mới: “{title}”.",
        "upload_same": "Bài {name} đã có với đúng nội dung này; không cần thay đổi gì.",
        "upload_exists": "Đã có bài {name} (“{old_title}”) với nội dung khác. Thay bằng bản mới (“{title}”)?",
        "upload_replace_button": "Thay bằng bản mới",
        "upload_keep_button": "Giữ bài cũ",
        "upload_kept": "Đã giữ bài cũ {name}; bản mới không được lưu.",
        "upload_expired": "Yêu cầu này đã hết hạn. Hãy gửi lại tệp.",
        "upload_bad_type": "Tôi chỉ nhận bài báo dạng tệp văn bản .txt hoặc .md (UTF-8), "
        "dòng đầu là tiêu đề. Tệp này là {name}.",
        "upload_too_big": "Tệp {name} quá lớn ({size} KB); giới hạn là {limit} KB. Hãy chia bài thành nhiều tệp.",
        "upload_unusable": "Không dùng được tệp {name}: {reason}.",
        "upload_no_paragraphs": "Tệp {name} chỉ có tiêu đề, chưa có đoạn văn nào. "
        "Dòng đầu là tiêu đề, các dòng sau là nội dung bài.",
        "upload_failed": "Đã lưu {name} nhưng chưa lập chỉ mục được: {error}",
        "summary": "Chỉ mục có {articles} bài báo, {chunks} đoạn ({seconds:.1f} giây).\n"
        "Bài báo: {added} mới, {changed} sửa, {removed} xóa, {unchanged} giữ nguyên.\n"
        "Đoạn: {embedded} mã hóa mới, {reused} dùng lại.",
        "summary_unchanged": "Không có gì thay đổi; chỉ mục đã mới nhất.",
        "summary_reembedded": "Mọi đoạn được mã hóa lại: {why}.",
        "summary_skipped": "Bỏ qua {file}: {reason}.",
        "summary_more_skipped": "… và {count} tệp khác bị bỏ qua (xem nhật ký).",
        "start": "<b>Xin chào!</b> Tôi trả lời câu hỏi về các bài báo bằng những câu trích <b>nguyên văn</b>, "
        "kèm nguồn.",
        "start_articles": "Tôi đang có {count} bài báo, ví dụ:",
        "start_how": "Cứ gõ câu hỏi, tiếng Việt có dấu hay không dấu đều được, hoặc tiếng Anh. "
        "Trong nhóm: dùng /ask câu hỏi, nhắc tên tôi hoặc trả lời tin nhắn của tôi.",
        "start_examples": "Bấm một câu hỏi mẫu để thử:",
        "help": "<b>Cách dùng</b>\n"
        "Gõ câu hỏi về các bài báo (tiếng Việt có dấu hay không dấu, hoặc tiếng Anh); "
        "tôi trả lời bằng câu trích nguyên văn, kèm tên bài và số đoạn. "
        "Nút dưới câu trả lời cho xem cả đoạn văn.\n"
        "Trong nhóm: /ask câu hỏi, nhắc tên tôi, hoặc trả lời tin nhắn của tôi.\n\n"
        "<b>Lệnh</b>\n"
        "/ask câu hỏi — hỏi\n"
        "/who [chủ đề] — các bên: ai cáo buộc, ai bác bỏ, ai nói gì\n"
        "/sources — các bài báo đang có\n"
        "/start — giới thiệu và câu hỏi mẫu\n"
        "/help — hướng dẫn này\n"
        "/reindex — cập nhật chỉ mục (quản trị viên)",
        "help_admin": "<b>Quản trị viên</b>\n"
        "Gửi một tệp .txt hoặc .md (UTF-8, dòng đầu là tiêu đề, tối đa {limit} KB) để thêm bài báo; "
        "tôi lưu và lập chỉ mục ngay. /reindex cập nhật chỉ mục khi thư mục bài báo thay đổi.",
    },
    "en": {
        "not_found_hint": "Type /sources to see the articles I have.",
        "you_asked": "Question",
        "more": "continued",
        "full_paragraph": "Full paragraph {paragraph}",
        "ask_usage": "Type your question after the command, e.g.:\n/ask {example}",
        "empty_mention": "What would you like to ask about the articles? For example: {example}",
        "non_text": "I can only read text messages. Type a question about the articles, e.g.: {example}",
        "unknown_command": "I don't know that command. Type /help to see the commands.",
        "rate_limited": "You are asking a bit fast: at most {limit} questions a minute per person. "
        "Please try again in {seconds} seconds.",
        "admins_only": "Sorry, only the bot's admins can use this command.",
        "upload_refused": "Sorry, only the bot's admins can add articles. "
        "You can still ask about the articles I have (/sources).",
        "error": "Sorry, something went wrong while handling this message. Please try again in a few minutes.",
        "unavailable": "Sorry, the articles are not available right now. Please try again in a few minutes.",
        "paragraph_gone": "This article has changed or is no longer indexed. Ask again for fresh quotes.",
        "button_stale": "This button is out of date. Type /start for fresh example questions.",
        "reindexing": "Updating the index…",
        "reindex_failed": "Could not update the index: {error}",
        "sources_header": "The articles I have ({count}):",
        "sources_empty": "No articles are indexed yet.",
        "paragraph_chunks": "{chunks} passages",
        "upload_received": "Got {name}; saving and indexing it…",
        "upload_added": "Added “{title}” ({name}).",
        "upload_replaced": "Replaced {name} with the new version: “{title}”.",
        "upload_same": "{name} is already here with exactly this content; nothing to do.",
        "upload_exists": "{name} already exists (“{old_title}”) with different content. "
        "Replace it with the new version (“{title}”)?",
        "upload_replace_button": "Replace it",
        "upload_keep_button": "Keep the old one",
        "upload_kept": "Kept the existing {name}; the new version was not saved.",
        "upload_expired": "This request has expired. Please send the file again.",
        "upload_bad_type": "I only take articles as .txt or .md text files (UTF-8), title on the first line. "
        "This file is {name}.",
        "upload_too_big": "{name} is too large ({size} KB); the limit is {limit} KB. Split the article into files.",
        "upload_unusable": "Cannot use {name}: {reason}.",
        "upload_no_paragraphs": "{name} has only a title and no paragraphs. "
        "Put the title on the first line and the article's text below it.",
        "upload_failed": "Saved {name} but could not index it: {error}",
        "summary": "The index has {articles} article(s), {chunks} passage(s) ({seconds:.1f} s).\n"
        "Articles: {added} added, {changed} changed, {removed} removed, {unchanged} unchanged.\n"
        "Passages: {embedded} embedded, {reused} reused.",
        "summary_unchanged": "Nothing changed; the index is up to date.",
        "summary_reembedded": "Every passage was embedded again: {why}.",
        "summary_skipped": "Skipped {file}: {reason}.",
        "summary_more_skipped": "… and {count} more skipped file(s) (see the log).",
        "start": "<b>Hello!</b> I answer questions about news articles with quotes taken <b>word for word</b> "
        "from them, each with its source.",
        "start_articles": "I have {count} article(s), for example:",
        "start_how": "Just type a question, in Vietnamese (with or without diacritics) or English. "
        "In a group: use /ask question, mention me, or reply to my message.",
        "start_examples": "Tap an example question to try:",
        "help": "<b>How to use</b>\n"
        "Type a question about the articles (Vietnamese with or without diacritics, or English); "
        "I answer with quotes taken word for word, with the article and paragraph number. "
        "The buttons under an answer show the whole paragraph.\n"
        "In a group: /ask question, mention me, or reply to my message.\n\n"
        "<b>Commands</b>\n"
        "/ask question — ask\n"
        "/who [topic] — the parties: who accused, who denied, who said what\n"
        "/sources — the articles I have\n"
        "/start — introduction and example questions\n"
        "/help — this help\n"
        "/reindex — update the index (admins)",
        "help_admin": "<b>Admins</b>\n"
        "Send a .txt or .md file (UTF-8, title on the first line, at most {limit} KB) to add an article; "
        "I save and index it at once. /reindex updates the index after the articles folder changed.",
    },
}

COMMANDS = {
    "vi": (
        ("ask", "Hỏi về các bài báo"),
        ("who", "Các bên: ai cáo buộc, ai bác bỏ"),
        ("sources", "Các bài báo đang có"),
        ("start", "Giới thiệu và câu hỏi mẫu"),
        ("help", "Hướng dẫn"),
        ("reindex", "Cập nhật chỉ mục (quản trị viên)"),
    ),
    "en": (
        ("ask", "Ask about the articles"),
        ("who", "The parties: who accused, who denied"),
        ("sources", "The articles I have"),
        ("start", "Introduction and example questions"),
        ("help", "How to use the bot"),
        ("reindex", "Update the index (admins)"),
    ),
}


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


def text(language: str, key: str, **values: object) -> str:
    """A framing text in `language` ("vi" or "en"), formatted with already-escaped `values`."""
    return TEXTS[language if language in TEXTS else "vi"][key].format(**values)


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
    source = source_line(quote.title, quote.url, quote.paragraph, language)
    return f"<blockquote>{escape(quoted)}</blockquote>\n— {source}"


def source_line(title: str, url: str | None, paragraph: int, language: str) -> str:
    """ "Title, đoạn 5", the title linked when the article has a web address."""
    name = escape(title)
    if is_web_url(url):
        assert url is not None
        name = f'<a href="{html.escape(url, quote=True)}">{name}</a>'
    return f"{name}, {FRAMES[language]['paragraph']} {paragraph}"


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

# The texts of /who, kept with the other framing texts.
for _lang, _texts in {
    "vi": {
        "who_none": "Chưa thấy bên nào lên tiếng trong các bài báo về chủ đề này.",
        "who_topic": "Chỉ mục có nhiều câu chuyện. Hãy gõ chủ đề sau lệnh, ví dụ:\n/who {example}",
        "who_button": "{number}. {speaker}",
    },
    "en": {
        "who_none": "No party speaks in the articles on this topic.",
        "who_topic": "The index holds several stories. Type a topic after the command, e.g.:\n/who {example}",
        "who_button": "{number}. {speaker}",
    },
}.items():
    TEXTS[_lang].update(_texts)


def render_parties(parties: Sequence[Party], language: str, *, head: Sequence[str] = ()) -> list[Outgoing]:
    """A who-question's answer: each party in bold with what it did and to whom, then its quotes and sources.

    Split between parties when it does not fit one message; each party has a
    "full paragraph" button under its message.
    """
    current = "\n\n".join([*head, f"<b>{escape(PARTY_FRAMES[language]['header'])}</b>"])
    messages: list[Outgoing] = []
    buttons: list[InlineKeyboardButton] = []
    for number, party in enumerate(parties, 1):
        act = act_phrase(party, language)
        lines = [f"{number}. <b>{escape(party.speaker)}</b>" + (f" — {escape(act)}" if act else "")]
        lines += [quote_block(q, language, limit=MAX_PARTY_QUOTE) for q in party.quotes]
        block = "\n".join(lines)
        if not fits(f"{current}\n\n{block}"):
            messages.append(Outgoing(current, _keyboard(buttons)))
            current, buttons = "", []
        current = f"{current}\n\n{block}" if current else block
        quote = party.quotes[-1]
        label = f"📄 {number}. " + text(language, "full_paragraph", paragraph=quote.paragraph)
        buttons.append(InlineKeyboardButton(label, callback_data=paragraph_callback(quote, language)))
    messages.append(Outgoing(current, _keyboard(buttons)))
    return messages


def render_who(parties: Sequence[Party], language: str) -> list[Outgoing]:
    """/who: one line per party (who, what, to whom, source), a button per party that shows its quote."""
    if not parties:
        return [Outgoing(text(language, "who_none"))]
    lines = [f"<b>{escape(PARTY_FRAMES[language]['header'])}</b>"]
    buttons = []
    for number, party in enumerate(parties, 1):
        act = act_phrase(party, language)
        quote = party.quotes[-1]
        lines.append(
            f"{number}. <b>{escape(shorten(party.speaker, 120))}</b>"
            + (f" — {escape(shorten(act, 120))}" if act else "")
            + f"\n    <i>{source_line(quote.title, quote.url, quote.paragraph, language)}</i>"
        )
        label = "💬 " + text(language, "who_button", number=number, speaker=shorten(party.speaker, MAX_BUTTON_TITLE))
        buttons.append(InlineKeyboardButton(label, callback_data=paragraph_callback(quote, language)))
    chunks = pack_lines(lines)
    # The buttons go under the last message, where the list ends.
    return [Outgoing(chunk, _keyboard(buttons) if k == len(chunks) - 1 else None) for k, chunk in enumerate(chunks)]


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
    if len(parts) != 7 or parts[0] != "para" or parts[1] not in TEXTS:
        return None
    try:
        paragraph, start, end = int(parts[3]), int(parts[4]), int(parts[5])
    except ValueError:
        return None
    return ParagraphRef(parts[1], parts[2], paragraph, start, end, parts[6])


def render_paragraph(title: str, url: str | None, paragraph: int, body: str, language: str) -> list[Outgoing]:
    """A whole paragraph in a blockquote with its source, over several messages if it is very long."""
    source = f"— {source_line(title, url, paragraph, language)}"
    budget = MAX_MESSAGE - utf16_len(f"<blockquote></blockquote>\n{source}") - 16
    pieces = split_plain(body, budget)
    out = []
    for number, piece in enumerate(pieces, 1):
        suffix = f" ({text(language, 'more')} {number}/{len(pieces)})" if len(pieces) > 1 else ""
        out.append(Outgoing(f"<blockquote>{escape(piece)}</blockquote>\n{source}{suffix}"))
    return out


# --- article list, start, help -----------------------------------------------------------------


def render_sources(articles: Sequence[ArticleInfo], language: str) -> list[Outgoing]:
    """The indexed articles, numbered, titles linked; several messages for a long list."""
    if not articles:
        return [Outgoing(text(language, "sources_empty"))]
    lines = [f"<b>{text(language, 'sources_header', count=len(articles))}</b>"]
    for number, info in enumerate(articles, 1):
        name = escape(shorten(info.title, 300))
        if is_web_url(info.url):
            assert info.url is not None
            name = f'<a href="{html.escape(info.url, quote=True)}">{name}</a>'
        lines.append(f"{number}. {name}")
    return [Outgoing(chunk) for chunk in pack_lines(lines)]


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
        body += "\n\n" + text(language, "help_admin", limit=upload_limit_kb)
    return Outgoing(body)


def render_summary(summary: BuildSummary, language: str) -> str:
    """A build summary for an admin (after /reindex or an upload), within one message."""
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
        lines.append(text(language, "summary_reembedded", why=escape(summary.reembedded_all)))
    if not summary.changed_anything:
        lines.append(text(language, "summary_unchanged"))
    skipped = [
        text(language, "summary_skipped", file=escape(s.path.name), reason=escape(s.reason.rstrip(".")))
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
    messages: list[str] = []
    current, count = "", 0
    for line in lines:
        candidate = f"{current}\n{line}" if current else line
        if fits(candidate) and count < MAX_LINES:
            current, count = candidate, count + 1
        else:
            messages.append(current)
            current, count = line, 1
    if current:
        messages.append(current)
    return messages
