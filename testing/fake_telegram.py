"""A stand-in Bot API server for the tests: real HTTP on 127.0.0.1, Telegram's JSON, Telegram's rules.

It answers the methods the bot uses (getMe, getUpdates with long polling,
sendMessage, editMessageText, editMessageReplyMarkup, sendChatAction,
answerCallbackQuery, answerInlineQuery, setMyCommands with scopes,
deleteWebhook, setWebhook, getFile) and file downloads, and it
rejects what Telegram rejects: a callback query answered twice or after
`callback_ttl` seconds ("query is too old"), HTML it cannot parse (unknown or unbalanced
tags, a bare "<", a bad "&...;"), text over 4,096 UTF-16 code units, callback
data over 64 bytes, replies to unknown messages, a wrong token (401), an inline
answer with over 50 results, a result id over 64 bytes or repeated, an inline
query answered twice or after 10 s. Like Telegram it refuses a flood of messages with 429 "Too Many
Requests: retry after N" (parameters.retry_after): more than `flood_per_second` (30) messages in any
second, or more than `flood_per_group_minute` (20) in any minute to one group. Short bursts to one
private chat pass, as on Telegram ("we may allow short bursts"); its documented 1 a second is advice.

Tests inject updates (`private`, `group`, `sticker`, `document`, `press`,
`poll`...) and wait for what the bot sent (`wait_sent`); `fail` injects faults
before or after a call took effect (a dropped connection, a 5xx, a 429 with
its retry_after) and `hold` makes calls of a method hang, then fail without
effect, as calls cut short by a crash. Every sent message is kept as
HTML and as the plain text and entities Telegram would store.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.parser
import email.policy
import itertools
import json
import math
import re
import threading
import time
import urllib.parse
from collections import deque
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TOKEN = "123456789:AAFakeTokenForTheStorybotTests_abcdef"
BOT_ID = 123456789
BOT_USERNAME = "storybot_test_bot"
MAX_TEXT = 4096
MAX_CALLBACK_DATA = 64
MAX_CALLBACK_ANSWER = 200
MAX_CAPTION = 1024  # UTF-16 code units of a caption, after entities are parsed
MAX_PHOTO_BYTES = 10 * 1024 * 1024  # sendPhoto's limit on an uploaded photo
MAX_PHOTO_SIDES = 10000  # a photo's width + height
MAX_PHOTO_RATIO = 20
MAX_INLINE_RESULTS = 50  # answerInlineQuery: "No more than 50 results per query are allowed"
MAX_INLINE_ID = 64  # bytes of a result's id
INLINE_TTL = 10.0  # seconds an inline query can be answered
# Telegram's flood limits (core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this).
FLOOD_PER_SECOND = 30  # messages in any second, all chats together
FLOOD_PER_GROUP_MINUTE = 20  # messages in any minute to one group
SCOPES = {
    "default",
    "all_private_chats",
    "all_group_chats",
    "all_chat_administrators",
    "chat",
    "chat_administrators",
    "chat_member",
}

ALICE = {"id": 1001, "is_bot": False, "first_name": "Alice", "username": "alice", "language_code": "vi"}
BOB = {"id": 1002, "is_bot": False, "first_name": "Bob", "username": "bob", "language_code": "en"}
ADMIN = {"id": 4242, "is_bot": False, "first_name": "Admin", "username": "admin", "language_code": "vi"}
GROUP = {"id": -100200300, "type": "supergroup", "title": "Tin tức"}

# Update ids grow across every stand-in server of a test run, as Telegram's grow across restarts of a bot:
# a bot whose inbox outlives one server must not take a new update for one it already answered.
_UPDATE_IDS = itertools.count(1000)

CHAT_ACTIONS = {
    "typing",
    "upload_photo",
    "record_video",
    "upload_video",
    "record_voice",
    "upload_voice",
    "upload_document",
    "choose_sticker",
    "find_location",
    "record_video_note",
    "upload_video_note",
}


class ApiError(Exception):
    """A Bot API error answer: HTTP status and description."""

    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


def bad_request(description: str) -> ApiError:
    """A 400 answer, worded like Telegram's."""
    return ApiError(400, f"Bad Request: {description}")


# --- Telegram's HTML ------------------------------------------------------------------------------

_ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_TAG_NAME = re.compile(r"[a-zA-Z][a-zA-Z0-9-]*")
_ATTRIBUTE = re.compile(r"\s*([a-zA-Z][a-zA-Z0-9_-]*)(?:\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s\"'>]+))?")
_CHAR_ENTITY = re.compile(r"&(?:(lt|gt|amp|quot)|#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6}));")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, as Telegram counts."""
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _unescape(value: str, text: str, where: int) -> str:
    out, pos = [], 0
    for match in _CHAR_ENTITY.finditer(value):
        out.append(value[pos : match.start()])
        out.append(_entity_char(match))
        pos = match.end()
    rest = value[pos:]
    if "&" in rest:
        raise bad_request(f"can't parse entities: Unsupported HTML entity at byte offset {_byte_offset(text, where)}")
    out.append(rest)
    return "".join(out)


def _entity_char(match: re.Match[str]) -> str:
    named, decimal, hexadecimal = match.groups()
    if named:
        return _NAMED[named]
    code = int(decimal) if decimal else int(hexadecimal, 16)
    if not 0 < code <= 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        raise bad_request("can't parse entities: Invalid character entity")
    return chr(code)


def parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Parse Telegram HTML into plain text and message entities (offsets in UTF-16); ApiError if Telegram would."""
    plain: list[str] = []
    length = 0  # UTF-16 length of the plain text so far
    stack: list[tuple[str, int, dict[str, Any]]] = []
    entities: list[dict[str, Any]] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "&":
            match = _CHAR_ENTITY.match(text, i)
            if match is None:
                raise bad_request(
                    'can\'t parse entities: Character entity expected or "&" must be escaped as &amp; '
                    f"at byte offset {_byte_offset(text, i)}"
                )
            value = _entity_char(match)
            plain.append(value)
            length += utf16_len(value)
            i = match.end()
        elif char == "<":
            end = text.find(">", i)
            if text.startswith("</", i):
                name_match = _TAG_NAME.match(text, i + 2)
                if name_match is None or end < 0 or text[name_match.end() : end].strip():
                    where = _byte_offset(text, i)
                    raise bad_request(f"can't parse entities: Unexpected end tag at byte offset {where}")
                name = name_match.group().lower()
                if not stack:
                    raise bad_request(
                        f'can\'t parse entities: Unexpected end tag "{name}" at byte offset {_byte_offset(text, i)}'
                    )
                open_name, start, entity = stack.pop()
                if open_name != name:
                    raise bad_request(
                        f"can't parse entities: Can't find end tag corresponding to start tag \"{open_name}\""
                    )
                if length > start:
                    entity.update(offset=start, length=length - start)
                    entities.append(entity)
                i = end + 1
                continue
            name_match = _TAG_NAME.match(text, i + 1)
            if name_match is None:
                raise bad_request(
                    f'can\'t parse entities: Unsupported start tag "" at byte offset {_byte_offset(text, i)}'
                )
            name = name_match.group().lower()
            if name not in _ENTITY_TYPES:
                raise bad_request(
                    f'can\'t parse entities: Unsupported start tag "{name}" at byte offset {_byte_offset(text, i)}'
                )
            if end < 0:
                raise bad_request(f"can't parse entities: Unclosed start tag at byte offset {_byte_offset(text, i)}")
            attributes = _attributes(text, name_match.end(), end)
            entity = _start_entity(name, attributes, stack)
            stack.append((name, length, entity))
            i = end + 1
        else:
            plain.append(char)
            length += utf16_len(char)
            i += 1
    if stack:
        raise bad_request(f"can't parse entities: Can't find end tag corresponding to start tag \"{stack[-1][0]}\"")
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(plain), entities


def _attributes(text: str, start: int, end: int) -> dict[str, str]:
    attributes: dict[str, str] = {}
    pos = start
    body = text[:end]
    while pos < end:
        if not body[pos:].strip():
            break
        match = _ATTRIBUTE.match(body, pos)
        if match is None or match.end() == pos:
            raise bad_request(f"can't parse entities: Invalid tag attribute at byte offset {_byte_offset(text, pos)}")
        value = match.group(2) or ""
        if value[:1] in "\"'":
            value = value[1:-1]
        attributes[match.group(1).lower()] = _unescape(value, text, pos)
        pos = match.end()
    return attributes


_Open = list[tuple[str, int, dict[str, Any]]]  # open tags: name, plain-text offset, entity


def _start_entity(name: str, attributes: dict[str, str], stack: _Open) -> dict[str, Any]:
    kind = _ENTITY_TYPES[name]
    entity: dict[str, Any] = {"type": kind}
    open_names = {n for n, _, _ in stack}
    if kind == "blockquote" and "blockquote" in open_names:
        raise bad_request("can't parse entities: Blockquote entities can't be nested")
    if kind == "text_link":
        if "a" in open_names:
            raise bad_request("can't parse entities: Text links can't be nested")
        href = attributes.get("href", "")
        parts = urllib.parse.urlsplit(href)
        web = parts.scheme in ("http", "https")
        if parts.scheme not in ("http", "https", "tg", "mailto") or (web and not parts.netloc):
            raise bad_request(f'can\'t parse entities: Wrong HTTP URL specified: "{href}"')
        entity["url"] = href
    if name == "span" and attributes.get("class") != "tg-spoiler":
        raise bad_request('can\'t parse entities: Tag "span" must have class "tg-spoiler"')
    if kind == "blockquote" and "expandable" in attributes:
        entity["type"] = "expandable_blockquote"
    if kind == "custom_emoji":
        if "emoji-id" not in attributes:
            raise bad_request('can\'t parse entities: Tag "tg-emoji" must have attribute "emoji-id"')
        entity["custom_emoji_id"] = attributes["emoji-id"]
    return entity


def check_text(text: str, parse_mode: str | None) -> tuple[str, list[dict[str, Any]]]:
    """The text Telegram stores for a message, with its entities; ApiError when Telegram refuses it."""
    if parse_mode and parse_mode.upper() == "HTML":
        plain, entities = parse_html(text)
    elif parse_mode:
        raise bad_request(f"unsupported parse_mode {parse_mode!r} in this stand-in")
    else:
        plain, entities = text, []
    if not plain.strip():
        raise bad_request("message text is empty")
    if utf16_len(plain) > MAX_TEXT:
        raise bad_request("message is too long")
    return plain, entities


def check_caption(caption: str, parse_mode: str | None) -> tuple[str, list[dict[str, Any]]]:
    """A photo's caption as Telegram stores it (it may be empty); ApiError when Telegram refuses it."""
    if not caption:
        return "", []
    plain, entities = parse_html(caption) if parse_mode and parse_mode.upper() == "HTML" else (caption, [])
    if parse_mode and parse_mode.upper() != "HTML":
        raise bad_request(f"unsupported parse_mode {parse_mode!r} in this stand-in")
    if utf16_len(plain) > MAX_CAPTION:
        raise bad_request("message caption is too long")
    return plain, entities


def photo_size(content: bytes) -> tuple[int, int]:
    """A PNG's or JPEG's width and height; ApiError (as Telegram answers) for anything else."""
    if content[:8] == b"\x89PNG\r\n\x1a\n" and len(content) >= 24 and content[12:16] == b"IHDR":
        return int.from_bytes(content[16:20], "big"), int.from_bytes(content[20:24], "big")
    if content[:3] == b"\xff\xd8\xff":
        at = 2
        while at + 9 < len(content):  # walk the segments to a start-of-frame
            marker, length = content[at + 1], int.from_bytes(content[at + 2 : at + 4], "big")
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                return int.from_bytes(content[at + 7 : at + 9], "big"), int.from_bytes(content[at + 5 : at + 7], "big")
            at += 2 + length
    raise bad_request("IMAGE_PROCESS_FAILED")


@dataclass(frozen=True)
class Upload:
    """A file sent in a multipart/form-data request."""

    filename: str
    content: bytes


def check_markup(markup: Any) -> None:
    """Validate an inline keyboard the way Telegram does."""
    if markup is None:
        return
    if not isinstance(markup, dict) or not isinstance(markup.get("inline_keyboard"), list):
        raise bad_request("can't parse reply keyboard markup JSON object")
    for row in markup["inline_keyboard"]:
        if not isinstance(row, list):
            raise bad_request('can\'t parse inline keyboard button: Field "inline_keyboard" must be an Array of Array')
        for button in row:
            if not button.get("text"):
                raise bad_request("BUTTON_TEXT_EMPTY" if "text" in button else "can't parse inline keyboard button")
            data = button.get("callback_data")
            if data is not None and not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA:
                raise bad_request("BUTTON_DATA_INVALID")
            if data is None and "url" not in button:
                raise bad_request("can't parse inline keyboard button: Text buttons are unallowed here")


# --- what the bot sent -----------------------------------------------------------------------------


@dataclass
class Sent:
    """A message the bot sent (and its later edits)."""

    message_id: int
    chat_id: int
    html: str
    text: str  # as Telegram stores it: tags removed, entities decoded
    entities: list[dict[str, Any]]
    reply_to: int | None
    markup: dict[str, Any] | None
    at: float  # time.perf_counter() when the request arrived
    edits: int = 0
    photo: bytes | None = None  # a photo's bytes (its caption is `html` / `text`)

    def entity_texts(self, kind: str) -> list[str]:
        """The text covered by each entity of `kind` (e.g. "blockquote")."""
        data = self.text.encode("utf-16-le")
        return [
            data[2 * e["offset"] : 2 * (e["offset"] + e["length"])].decode("utf-16-le")
            for e in self.entities
            if e["type"] == kind
        ]

    @property
    def quotes(self) -> list[str]:
        """The blockquoted texts."""
        return self.entity_texts("blockquote")

    @property
    def buttons(self) -> list[dict[str, Any]]:
        """The inline keyboard's buttons, row by row."""
        if not self.markup:
            return []
        return [button for row in self.markup["inline_keyboard"] for button in row]


@dataclass
class Call:
    """One Bot API request as received."""

    method: str
    params: dict[str, Any]
    at: float


@dataclass
class Flood:
    """A message refused for flooding: Telegram's 429 with its retry_after."""

    method: str
    chat_id: int
    retry_after: int
    at: float


@dataclass
class _Failure:
    method: str
    times: int
    how: str  # "disconnect" or an HTTP status as text ("502", "429")
    after: bool = False  # fail only after the call took effect (e.g. the message was delivered)
    retry_after: int = 1  # for a 429
    skip: int = 0  # calls served normally before the failures start


@dataclass
class FakeTelegram:
    """The stand-in server. Use as a context manager, or start()/stop()."""

    token: str = TOKEN
    bot_id: int = BOT_ID
    username: str = BOT_USERNAME
    port: int = 0
    calls: list[Call] = field(default_factory=list)
    sent: list[Sent] = field(default_factory=list)
    commands: dict[str, list[dict[str, str]]] = field(default_factory=dict)  # default scope, by language
    # (scope type, chat id or 0, language code or "") -> commands
    scoped_commands: dict[tuple[str, int, str], list[dict[str, str]]] = field(default_factory=dict)
    inline_answers: dict[str, dict[str, Any]] = field(default_factory=dict)  # inline query id -> the answer
    webhook_url: str = ""
    webhook_secret: str = ""
    delivered_at: dict[int, float] = field(default_factory=dict)  # update_id -> when getUpdates handed it over
    callback_ttl: float = 15.0  # seconds a callback query can be answered (Telegram: about 15)
    group_owners: dict[int, int] = field(default_factory=lambda: {GROUP["id"]: ADMIN["id"]})  # chat -> its creator
    flood_per_second: int = FLOOD_PER_SECOND
    flood_per_group_minute: int = FLOOD_PER_GROUP_MINUTE
    floods: list[Flood] = field(default_factory=list)  # the 429s answered for flooding

    def __post_init__(self) -> None:
        self._lock = threading.Condition()
        self._updates: list[dict[str, Any]] = []
        self._update_ids = _UPDATE_IDS
        self._message_ids = itertools.count(1)
        self._query_ids = itertools.count(1)
        self._messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._chats: dict[int, dict[str, Any]] = {}
        self._files: dict[str, tuple[str, bytes]] = {}
        self._queries: dict[str, tuple[bool, float]] = {}  # callback query id -> (answered, pushed at)
        self._inline: dict[str, float] = {}  # inline query id -> pushed at
        self._inline_text: dict[str, str] = {}  # inline query id -> its text
        self._held: set[str] = set()
        self._failures: list[_Failure] = []
        self._recent: deque[float] = deque()  # when the messages of the last second were accepted
        self._recent_in: dict[int, deque[float]] = {}  # group -> when its messages of the last minute were
        self._closing = False
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # lifecycle

    def start(self) -> FakeTelegram:
        """Start serving on 127.0.0.1 (a free port unless `port` was given)."""
        fake = self

        class Handler(_Handler):
            server_fake = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-telegram", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; pending long polls return at once."""
        with self._lock:
            self._closing = True
            self._lock.notify_all()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> FakeTelegram:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """What the bot takes as --base-url."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """Where files are downloaded from."""
        return f"http://127.0.0.1:{self.port}/file/bot"

    # injecting updates

    def push(self, payload: dict[str, Any]) -> int:
        """Queue an update (without update_id) for getUpdates; returns its update_id."""
        with self._lock:
            update_id = next(self._update_ids)
            self._updates.append({"update_id": update_id, **payload})
            self._lock.notify_all()
        return update_id

    def take_update(self) -> dict[str, Any]:
        """Take the update queued last out of the getUpdates queue: webhook tests POST it themselves, to
        the replica of their choice (as a load balancer would)."""
        with self._lock:
            return self._updates.pop()

    def message(
        self,
        text: str | None = None,
        *,
        user: dict[str, Any] = ALICE,
        chat: dict[str, Any] | None = None,
        reply_to: int | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """Send a message from `user` to the bot (private chat unless `chat` is given); returns the message."""
        chat = chat or {"id": user["id"], "type": "private", "first_name": user["first_name"]}
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat,
            "from": user,
            **extra,
        }
        if text is not None:
            message["text"] = text
            entities = _auto_entities(text)
            if entities:
                message["entities"] = entities
        with self._lock:
            if reply_to is not None:
                message["reply_to_message"] = self._shallow(chat["id"], reply_to)
            self._messages[(chat["id"], message["message_id"])] = message
            self._chats[chat["id"]] = chat
        update_id = self.push({"message": message})
        return {**message, "update_id": update_id}

    def private(self, text: str, user: dict[str, Any] = ALICE, **kw: Any) -> dict[str, Any]:
        """A private text message to the bot."""
        return self.message(text, user=user, **kw)

    def group(self, text: str, user: dict[str, Any] = ALICE, **kw: Any) -> dict[str, Any]:
        """A text message in the test group."""
        return self.message(text, user=user, chat=GROUP, **kw)

    def sticker(self, user: dict[str, Any] = ALICE, chat: dict[str, Any] | None = None) -> dict[str, Any]:
        """A sticker."""
        sticker = {
            "file_id": "CAACAgIAAxkBAAEBsticker",
            "file_unique_id": "AgADsticker",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": "😀",
        }
        return self.message(None, user=user, chat=chat, sticker=sticker)

    def photo(self, user: dict[str, Any] = ALICE) -> dict[str, Any]:
        """A photo without caption."""
        sizes = [{"file_id": "AgACphoto", "file_unique_id": "AQADphoto", "width": 90, "height": 90}]
        return self.message(None, user=user, photo=sizes)

    def document(
        self,
        file_name: str,
        content: bytes,
        *,
        user: dict[str, Any] = ADMIN,
        chat: dict[str, Any] | None = None,
        mime_type: str = "text/plain",
        file_size: int | None = None,
        without_size: bool = False,
    ) -> dict[str, Any]:
        """A document: its content can then be fetched with getFile and downloaded.

        `without_size` leaves `file_size` out, as Telegram may for a document it has not measured.
        """
        number = len(self._files) + 1
        file_id = f"BQACAgIAAxkBAAIdoc{number:04d}"
        with self._lock:
            self._files[file_id] = (f"documents/file_{number}{_suffix(file_name)}", content)
        document = {
            "file_id": file_id,
            "file_unique_id": f"AgADdoc{number}",
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": len(content) if file_size is None else file_size,
        }
        if without_size:
            del document["file_size"]
        return self.message(None, user=user, chat=chat, document=document)

    def press(self, sent: Sent, callback_data: str, user: dict[str, Any] = ALICE, *, forged: bool = False) -> str:
        """Tap the button with `callback_data` under a message the bot sent; returns the query id.

        `forged` sends data no button under the message has (an old client, a modified one).
        """
        if not forged and callback_data not in [b.get("callback_data") for b in sent.buttons]:
            raise AssertionError(f"no button {callback_data!r} under message {sent.message_id}")
        query_id = str(next(self._query_ids))
        with self._lock:
            message = self._messages[(sent.chat_id, sent.message_id)]
            self._queries[query_id] = (False, time.monotonic())
        self.push(
            {
                "callback_query": {
                    "id": query_id,
                    "from": user,
                    "message": message,
                    "chat_instance": "42",
                    "data": callback_data,
                }
            }
        )
        return query_id

    def inline(self, query: str, user: dict[str, Any] = ALICE, chat_type: str = "sender") -> str:
        """A reader types "@bot `query`" in some chat; returns the inline query id."""
        query_id = str(next(self._query_ids))
        with self._lock:
            self._inline[query_id] = time.monotonic()
            self._inline_text[query_id] = query
        self.push(
            {"inline_query": {"id": query_id, "from": user, "query": query, "offset": "", "chat_type": chat_type}}
        )
        return query_id

    def choose(self, query_id: str, result_id: str, user: dict[str, Any] = ALICE) -> None:
        """The reader sends one of the results the bot offered (inline feedback on in @BotFather)."""
        with self._lock:
            answer = self.inline_answers.get(query_id)
        if answer is None or result_id not in [r["id"] for r in answer["results"]]:
            raise AssertionError(f"no result {result_id!r} offered for inline query {query_id}")
        self.push({"chosen_inline_result": {"result_id": result_id, "from": user, "query": answer["query"]}})

    async def wait_inline(self, query_id: str, timeout: float = 30.0) -> dict[str, Any]:
        """Wait until the bot answered inline query `query_id`; the answer's parameters."""
        await self.wait_for(lambda: query_id in self.inline_answers, timeout, f"answer to inline query {query_id}")
        return self.inline_answers[query_id]

    def poll(self, user: dict[str, Any] = ALICE, *, persistent_ids: bool = False) -> dict[str, Any]:
        """A poll sent to the bot; without `persistent_ids` as an older Bot API server sends it (no
        `persistent_id` on its options), which python-telegram-bot 22.8 cannot parse."""
        options = [{"text": t, "voter_count": 0} for t in ("Có", "Không")]
        if persistent_ids:
            for number, option in enumerate(options):
                option["persistent_id"] = f"opt{number}"
        poll = {
            "id": "5000",
            "question": "Ai đã cáo buộc Trung Quốc?",
            "options": options,
            "total_voter_count": 0,
            "is_closed": False,
            "is_anonymous": True,
            "type": "regular",
            "allows_multiple_answers": False,
        }
        return self.message(None, user=user, poll=poll)

    def fail(
        self, method: str, times: int = 1, how: str = "disconnect", *, after: bool = False, retry_after: int = 1,
        skip: int = 0,
    ) -> None:
        """Make the next `times` calls of `method` fail (after `skip` calls served): drop the connection, or
        answer an HTTP error.

        With `after`, the call first takes effect (a message is delivered) and only its answer is lost or
        replaced by the error, as when a proxy or the network fails on the way back.
        """
        with self._lock:
            self._failures.append(_Failure(method, times, how, after, retry_after, skip))

    def hold(self, method: str) -> None:
        """Make calls of `method` hang until `release` or `stop`, then fail (502) without having taken effect."""
        with self._lock:
            self._held.add(method)

    def release(self, method: str) -> None:
        """End `hold`: held calls fail, later ones are served."""
        with self._lock:
            self._held.discard(method)
            self._lock.notify_all()

    def unacknowledged(self) -> list[int]:
        """Update ids the bot has not yet confirmed (with a later getUpdates offset)."""
        with self._lock:
            return [u["update_id"] for u in self._updates]

    # inspecting

    def calls_of(self, method: str) -> list[Call]:
        """The requests of one method, in order."""
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def sent_to(self, chat_id: int) -> list[Sent]:
        """Messages the bot sent to a chat, in order."""
        with self._lock:
            return [s for s in self.sent if s.chat_id == chat_id]

    def callback_answered(self, query_id: str) -> bool:
        """True once the bot answered the callback query (in time)."""
        with self._lock:
            return self._queries.get(query_id, (False, 0.0))[0]

    async def wait_sent(self, chat_id: int, count: int = 1, timeout: float = 30.0) -> list[Sent]:
        """Wait until the bot sent `count` messages to `chat_id` (counted from the start); returns them."""
        await self.wait_for(lambda: len(self.sent_to(chat_id)) >= count, timeout, f"{count} message(s) to {chat_id}")
        return self.sent_to(chat_id)

    async def wait_for(self, condition: Any, timeout: float = 30.0, what: str = "condition") -> bool:
        """Wait (without blocking the event loop) until `condition()` is true."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout} s waiting for {what}; sent: {self.describe()}")
            await asyncio.sleep(0.01)
        return True

    async def idle(self, seconds: float = 0.5) -> None:
        """Let the bot work for a while (to check that it stays silent)."""
        await asyncio.sleep(seconds)

    def describe(self) -> str:
        """What the bot sent so far, for assertion messages."""
        with self._lock:
            return "; ".join(f"[{s.chat_id}] {s.text[:120]!r}" for s in self.sent) or "nothing"

    # the API

    def handle(self, method: str, params: dict[str, Any]) -> Any:
        """Answer one Bot API call; ApiError for a Telegram error."""
        now = time.perf_counter()
        with self._lock:
            self.calls.append(Call(method, params, now))
            held = method in self._held
            while method in self._held and not self._closing:
                self._lock.wait(0.1)
            if held:
                raise ApiError(502, "Bad Gateway")  # a held call never takes effect
        name = "api_" + re.sub(r"(?<!^)(?=[A-Z])", "_", method).lower()
        func = getattr(self, name, None)
        if func is None:
            raise ApiError(404, "Not Found")
        if method.startswith("send") and method != "sendChatAction":
            self._check_flood(method, params)
        return func(params, now)

    def _check_flood(self, method: str, params: dict[str, Any]) -> None:
        """Count a message against the flood limits; Telegram's 429 with retry_after when it is over them."""
        try:
            chat_id = int(params.get("chat_id", ""))
        except ValueError:
            return  # the method itself answers "chat not found"
        with self._lock:
            now = time.perf_counter()
            windows = [(self._recent, 1.0, self.flood_per_second)]
            if chat_id < 0:  # groups, supergroups and channels have negative ids
                windows.append((self._recent_in.setdefault(chat_id, deque()), 60.0, self.flood_per_group_minute))
            for times, span, limit in windows:
                while times and times[0] <= now - span:
                    times.popleft()
                if len(times) >= limit:
                    retry = max(1, math.ceil(times[0] + span - now))  # until the oldest leaves the window
                    self.floods.append(Flood(method, chat_id, retry, now))
                    raise ApiError(429, f"Too Many Requests: retry after {retry}", {"retry_after": retry})
            for times, _, _ in windows:
                times.append(now)

    def api_get_me(self, params: dict[str, Any], now: float) -> Any:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Storybot",
            "username": self.username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
        }

    def api_get_updates(self, params: dict[str, Any], now: float) -> Any:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        deadline = time.monotonic() + timeout
        with self._lock:
            if self.webhook_url:
                raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook")
            while True:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
                remaining = deadline - time.monotonic()
                if self._updates or remaining <= 0 or self._closing:
                    break
                self._lock.wait(remaining)
            batch = self._updates[:limit]
            handed = time.perf_counter()
            for update in batch:
                self.delivered_at.setdefault(update["update_id"], handed)
            return batch

    def api_delete_webhook(self, params: dict[str, Any], now: float) -> Any:
        with self._lock:
            self.webhook_url = ""
            if _flag(params.get("drop_pending_updates")):
                self._updates.clear()
        return True

    def api_set_webhook(self, params: dict[str, Any], now: float) -> Any:
        url = params.get("url", "")
        if url and not url.startswith("https://") and not url.startswith("http://127.0.0.1"):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        with self._lock:
            self.webhook_url = url
            self.webhook_secret = params.get("secret_token", "")
        return True

    def api_set_my_commands(self, params: dict[str, Any], now: float) -> Any:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request("commands must be a list of at most 100 BotCommand")
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", command.get("command", "")):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(command.get("description", "")) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        scope = params.get("scope") or {"type": "default"}
        if scope.get("type") not in SCOPES:
            raise bad_request("BOT_COMMAND_SCOPE_INVALID")
        if scope["type"] in ("chat", "chat_administrators", "chat_member") and "chat_id" not in scope:
            raise bad_request("chat not found")
        language = params.get("language_code") or ""
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise bad_request("LANG_CODE_INVALID")
        with self._lock:
            if scope["type"] == "default":
                self.commands[language] = commands
            self.scoped_commands[(scope["type"], int(scope.get("chat_id") or 0), language)] = commands
        return True

    def api_answer_inline_query(self, params: dict[str, Any], now: float) -> Any:
        query_id = str(params.get("inline_query_id", ""))
        results = params.get("results")
        if not isinstance(results, list):
            raise bad_request("can't parse inline query results JSON object")
        if len(results) > MAX_INLINE_RESULTS:
            raise bad_request("RESULTS_TOO_MUCH")
        ids = []
        for result in results:
            result_id = str(result.get("id", ""))
            if not 1 <= len(result_id.encode("utf-8")) <= MAX_INLINE_ID:
                raise bad_request("RESULT_ID_INVALID")
            ids.append(result_id)
            if result.get("type") != "article":
                raise bad_request("RESULT_TYPE_INVALID")  # the stand-in knows articles only
            if not result.get("title"):
                raise bad_request("RESULT_TITLE_EMPTY")
            content = result.get("input_message_content") or {}
            if "message_text" not in content:
                raise bad_request("MESSAGE_EMPTY")
            check_text(str(content["message_text"]), content.get("parse_mode"))
            check_markup(result.get("reply_markup"))
        if len(set(ids)) != len(ids):
            raise bad_request("RESULT_ID_DUPLICATE")
        button = params.get("button")
        if button is not None:
            if not button.get("text"):
                raise bad_request("BUTTON_TEXT_EMPTY")
            start = button.get("start_parameter")
            if start is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", start):
                raise bad_request("START_PARAM_INVALID")
        with self._lock:
            pushed = self._inline.get(query_id)
            if pushed is None or query_id in self.inline_answers or time.monotonic() - pushed > INLINE_TTL:
                raise bad_request("query is too old and response timeout expired or query ID is invalid")
            self.inline_answers[query_id] = {
                "results": results,
                "cache_time": int(params.get("cache_time") or 300),
                "button": button,
                "query": self._inline_text.get(query_id, ""),
            }
        return True

    def _editable(self, chat_id: int, message_id: int) -> dict[str, Any]:
        """The bot's own message to edit (call under the lock), or Telegram's 400 for it."""
        message = self._messages.get((chat_id, message_id))
        if message is None:
            raise bad_request("message to edit not found")
        if message["from"]["id"] != self.bot_id:
            raise bad_request("message can't be edited")
        return message

    def api_edit_message_reply_markup(self, params: dict[str, Any], now: float) -> Any:
        chat = self._chat(params)
        message_id = int(params.get("message_id") or 0)
        markup = params.get("reply_markup")
        check_markup(markup)
        with self._lock:
            message = self._editable(chat["id"], message_id)
            if message.get("reply_markup") == markup:
                raise bad_request(
                    "message is not modified: specified new message content and reply markup are exactly the "
                    "same as a current content and reply markup of the message"
                )
            if markup:
                message["reply_markup"] = markup
            else:
                message.pop("reply_markup", None)
            for sent in self.sent:
                if (sent.chat_id, sent.message_id) == (chat["id"], message_id):
                    sent.markup = markup
                    sent.edits += 1
            return message

    def api_send_chat_action(self, params: dict[str, Any], now: float) -> Any:
        self._chat(params)
        if params.get("action") not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    def api_send_message(self, params: dict[str, Any], now: float) -> Any:
        chat = self._chat(params)
        text, entities = check_text(str(params.get("text", "")), params.get("parse_mode"))
        markup = params.get("reply_markup")
        check_markup(markup)
        reply_to = self._reply_to(chat, params)
        with self._lock:
            message_id = next(self._message_ids)
            message: dict[str, Any] = {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": chat,
                "from": self.api_get_me({}, now),
                "text": text,
            }
            if entities:
                message["entities"] = entities
            if markup:
                message["reply_markup"] = markup
            if reply_to is not None:
                message["reply_to_message"] = self._shallow(chat["id"], reply_to)
            self._messages[(chat["id"], message_id)] = message
            html = str(params.get("text", ""))
            self.sent.append(Sent(message_id, chat["id"], html, text, entities, reply_to, markup, now))
        return message

    def _reply_to(self, chat: dict[str, Any], params: dict[str, Any]) -> int | None:
        """The message a new one answers (reply_parameters), None when none or gone and allowed."""
        reply = params.get("reply_parameters")
        if not reply:
            return None
        reply_to = int(reply["message_id"])
        with self._lock:
            known = (chat["id"], reply_to) in self._messages
        if not known:
            if not reply.get("allow_sending_without_reply"):
                raise bad_request("message to be replied not found")
            return None
        return reply_to

    def api_send_photo(self, params: dict[str, Any], now: float) -> Any:
        """sendPhoto: an uploaded PNG or JPEG (multipart) or a photo's file_id, with an optional caption."""
        chat = self._chat(params)
        photo = params.get("photo")
        if isinstance(photo, Upload):
            content = photo.content
            if not content:
                raise bad_request("file must be non-empty")
            if len(content) > MAX_PHOTO_BYTES:
                raise bad_request("PHOTO_SAVE_FILE_INVALID")
            width, height = photo_size(content)
            if width + height > MAX_PHOTO_SIDES or max(width, height) > MAX_PHOTO_RATIO * min(width, height):
                raise bad_request("PHOTO_INVALID_DIMENSIONS")
        else:
            with self._lock:
                known = self._files.get(str(photo or ""))
            if known is None:
                raise bad_request("wrong file identifier/HTTP URL specified")
            content = known[1]
            width, height = photo_size(content)
        caption = str(params.get("caption", ""))
        plain, entities = check_caption(caption, params.get("parse_mode"))
        markup = params.get("reply_markup")
        check_markup(markup)
        reply_to = self._reply_to(chat, params)
        with self._lock:
            message_id = next(self._message_ids)
            file_id = f"photo{message_id:06d}{self.bot_id}"
            self._files[file_id] = (f"photos/file_{message_id}.png", content)
            size = {"file_id": file_id, "file_unique_id": "u" + file_id[-8:], "width": width, "height": height,
                    "file_size": len(content)}
            message: dict[str, Any] = {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": chat,
                "from": self.api_get_me({}, now),
                "photo": [size],
            }
            if plain:
                message["caption"] = plain
            if entities:
                message["caption_entities"] = entities
            if markup:
                message["reply_markup"] = markup
            if reply_to is not None:
                message["reply_to_message"] = self._shallow(chat["id"], reply_to)
            self._messages[(chat["id"], message_id)] = message
            self.sent.append(Sent(message_id, chat["id"], caption, plain, entities, reply_to, markup, now,
                                  photo=content))
        return message

    def api_edit_message_text(self, params: dict[str, Any], now: float) -> Any:
        chat = self._chat(params)
        message_id = int(params.get("message_id") or 0)
        text, entities = check_text(str(params.get("text", "")), params.get("parse_mode"))
        markup = params.get("reply_markup")
        check_markup(markup)
        with self._lock:
            message = self._editable(chat["id"], message_id)
            if (
                message.get("text") == text
                and message.get("entities", []) == entities
                and (message.get("reply_markup") == markup)
            ):
                raise bad_request(
                    "message is not modified: specified new message content and reply markup are exactly the "
                    "same as a current content and reply markup of the message"
                )
            message.update(text=text, entities=entities, edit_date=int(time.time()))
            if markup:
                message["reply_markup"] = markup
            else:
                message.pop("reply_markup", None)
            for sent in self.sent:
                if (sent.chat_id, sent.message_id) == (chat["id"], message_id):
                    sent.html, sent.text, sent.entities, sent.markup = str(params["text"]), text, entities, markup
                    sent.edits += 1
            return message

    def api_answer_callback_query(self, params: dict[str, Any], now: float) -> Any:
        query_id = str(params.get("callback_query_id", ""))
        if len(str(params.get("text", ""))) > MAX_CALLBACK_ANSWER:
            raise bad_request("MESSAGE_TOO_LONG")
        with self._lock:
            answered, pushed = self._queries.get(query_id, (True, 0.0))
            if answered or time.monotonic() - pushed > self.callback_ttl:
                raise bad_request("query is too old and response timeout expired or query ID is invalid")
            self._queries[query_id] = (True, pushed)
        return True

    def api_get_file(self, params: dict[str, Any], now: float) -> Any:
        file_id = str(params.get("file_id", ""))
        with self._lock:
            found = self._files.get(file_id)
        if found is None:
            raise bad_request("invalid file_id")
        path, content = found
        if len(content) > 20 * 1024 * 1024:
            raise bad_request("file is too big")
        return {"file_id": file_id, "file_unique_id": "u" + file_id[-8:], "file_size": len(content), "file_path": path}

    def file_content(self, path: str) -> bytes | None:
        """The bytes served at a file_path, or None."""
        with self._lock:
            for file_path, content in self._files.values():
                if file_path == path:
                    return content
        return None

    def api_get_chat_member(self, params: dict[str, Any], now: float) -> Any:
        """getChatMember: the group's creator ("creator"), anyone else a plain "member"; in a private chat, its user."""
        chat = self._chat(params)
        user_id = int(params.get("user_id") or 0)
        user = next((u for u in (ALICE, BOB, ADMIN) if u["id"] == user_id), None)
        if user is None:
            raise bad_request("PARTICIPANT_ID_INVALID")
        if chat["type"] == "private" or self.group_owners.get(chat["id"]) == user_id:
            return {"status": "creator", "user": user, "is_anonymous": False}
        return {"status": "member", "user": user}

    def _chat(self, params: dict[str, Any]) -> dict[str, Any]:
        try:
            chat_id = int(params.get("chat_id", ""))
        except ValueError:
            raise bad_request("chat not found") from None
        with self._lock:
            chat = self._chats.get(chat_id)
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def _shallow(self, chat_id: int, message_id: int) -> dict[str, Any]:
        # Telegram nests one level of reply_to_message, no more.
        message = dict(self._messages[(chat_id, message_id)])
        message.pop("reply_to_message", None)
        return message

    def take_failure(self, method: str) -> _Failure | None:
        """The failure to inject into this call of `method`, if any."""
        with self._lock:
            for failure in self._failures:
                if failure.method == method and failure.times > 0:
                    if failure.skip > 0:
                        failure.skip -= 1
                        return None
                    failure.times -= 1
                    return failure
        return None


def _flag(value: Any) -> bool:
    return value in (True, "true", "True", "1")


def _suffix(name: str) -> str:
    return "." + name.rsplit(".", 1)[-1] if "." in name else ""


def _auto_entities(text: str) -> list[dict[str, Any]]:
    """The entities Telegram's clients add: a leading /command and @mentions."""
    entities = []
    command = re.match(r"/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?", text)
    if command:
        entities.append({"type": "bot_command", "offset": 0, "length": utf16_len(command.group())})
    for match in re.finditer(r"(?<![\w@])@[A-Za-z0-9_]{5,32}", text):
        entities.append(
            {"type": "mention", "offset": utf16_len(text[: match.start()]), "length": utf16_len(match.group())}
        )
    return entities


# Form fields that hold JSON (python-telegram-bot sends everything form-encoded).
_JSON_FIELDS = {
    "reply_markup",
    "reply_parameters",
    "link_preview_options",
    "commands",
    "allowed_updates",
    "scope",
    "results",
    "button",
}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Small answers written without Nagle's delay, as one packet: otherwise the
    # client's delayed ACK adds 40 ms to some requests, which Telegram does not.
    disable_nagle_algorithm = True
    server_fake: FakeTelegram

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output clean

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        fake = self.server_fake
        url = urllib.parse.urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        path = urllib.parse.unquote(url.path)  # python-telegram-bot quotes file URLs (":" -> %3A)
        file_match = re.fullmatch(r"/file/bot([^/]+)/(.+)", path)
        if file_match:
            content = fake.file_content(file_match.group(2)) if file_match.group(1) == fake.token else None
            if content is None:
                self._reply(404, b"Not Found", "text/plain")
            else:
                self._reply(200, content, "application/octet-stream")
            return
        match = re.fullmatch(r"/bot([^/]+)/([A-Za-z]+)", path)
        if match is None:
            self._json(404, {"ok": False, "error_code": 404, "description": "Not Found"})
            return
        if match.group(1) != fake.token:
            self._json(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
            return
        method = match.group(2)
        failure = fake.take_failure(method)
        if failure is not None and not failure.after:
            self._fail(failure)
            return
        try:
            params = self._params(url.query, body)
            result = fake.handle(method, params)
            if failure is not None:
                self._fail(failure)  # the call took effect; its answer is lost
                return
        except ApiError as err:
            answer = {"ok": False, "error_code": err.code, "description": err.description}
            if err.parameters:
                answer["parameters"] = err.parameters
            self._json(err.code, answer)
            return
        except (ValueError, KeyError, TypeError) as err:
            self._json(400, {"ok": False, "error_code": 400, "description": f"Bad Request: {err}"})
            return
        self._json(200, {"ok": True, "result": result})

    def _fail(self, failure: _Failure) -> None:
        if failure.how == "disconnect":
            self.close_connection = True
            self.connection.shutdown(2)  # no answer at all: what a dropped connection looks like
            return
        code = int(failure.how)
        answer: dict[str, Any] = {"ok": False, "error_code": code, "description": HTTPStatus(code).phrase}
        if code == 429:
            answer["parameters"] = {"retry_after": failure.retry_after}
            answer["description"] = f"Too Many Requests: retry after {failure.retry_after}"
        self._json(code, answer)

    def _params(self, query: str, body: bytes) -> dict[str, Any]:
        kind = self.headers.get("Content-Type", "").split(";")[0].strip()
        if kind == "application/json":
            return json.loads(body or b"{}")
        if kind == "multipart/form-data":
            return _multipart(self.headers.get("Content-Type", ""), body)
        fields = urllib.parse.parse_qs(query, keep_blank_values=True)
        fields.update(urllib.parse.parse_qs(body.decode("utf-8"), keep_blank_values=True))
        params: dict[str, Any] = {}
        for key, values in fields.items():
            value = values[-1]
            params[key] = json.loads(value) if key in _JSON_FIELDS else value
        return params

    def _json(self, code: int, payload: dict[str, Any]) -> None:
        self._reply(code, json.dumps(payload, ensure_ascii=False).encode("utf-8"), "application/json")

    def _reply(self, code: int, body: bytes, kind: str) -> None:
        head = (
            f"HTTP/1.1 {code} {HTTPStatus(code).phrase}\r\nServer: fake-telegram\r\n"
            f"Content-Type: {kind}\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up (a cancelled poll)
            self.wfile.write(head.encode("latin-1") + body)


def _multipart(content_type: str, body: bytes) -> dict[str, Any]:
    """A multipart/form-data body's fields (files as Upload), read with the standard library's MIME parser."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1")
    parsed = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    if not parsed.is_multipart():
        raise ApiError(400, "Bad Request: can't parse multipart/form-data")
    params: dict[str, Any] = {}
    for part in parsed.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        content = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        if filename is not None:
            params[name] = Upload(filename, content)
        else:
            value = content.decode(part.get_content_charset() or "utf-8")
            params[name] = json.loads(value) if name in _JSON_FIELDS else value
    return params
