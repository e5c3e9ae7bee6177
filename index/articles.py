"""Reading articles: UTF-8 `.txt`/`.md` files with an optional front-matter block.

An article's `text` is the whole file as read (universal newlines) in Unicode
NFC; every offset elsewhere in the index points into it, so a quote can always
be checked as `article.text[start:end]`.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ArticlesFolderError
from .reasons import Reason
from .text import normalize

log = logging.getLogger(__name__)

ARTICLE_SUFFIXES = (".txt", ".md")
MAX_ARTICLE_BYTES = 5_000_000
FRONT_MATTER_KEYS = ("title", "url", "source", "date")

_SENTENCE_END = tuple('.!?…:;"”»)')
# Share buttons, comment counters and similar page furniture copied along with
# the story. Matched against a whole line, case-insensitively.
_DEBRIS_LINE = re.compile(
    r"^(chia sẻ|share|chia sẻ (zalo|facebook|fb|twitter|x|email)|share on \w+|bình luận( \(\d+\))?"
    r"|comments?( \(\d+\))?|xem thêm|đọc thêm|read more|tin liên quan|related( articles)?"
    r"|theo dõi .{0,40} trên google news|in bài|print|lưu|save|quảng cáo|advertisement"
    r"|\d+ (bình luận|comments?))$",
    re.IGNORECASE,
)
# A photo caption ends with its credit: "... tại Mỹ. Ảnh: Xinhua", "(Photo: AP)".
_CAPTION = re.compile(
    r"(^|[\s.(\[—–-])(ảnh|photo|hình|nguồn ảnh|image|video|clip)\s*:\s*[^.!?\n]{1,80}[)\]]?\s*$",
    re.IGNORECASE,
)
_BYLINE_MARK = re.compile(r"\((theo|nguồn|via|from)\s[^)]{1,60}\)$|^(theo|by|nguồn)\s", re.IGNORECASE)


@dataclass(frozen=True)
class Paragraph:
    """One paragraph of an article: a span of `Article.text`, numbered from 1 after the title."""

    number: int
    start: int
    end: int
    debris: bool = False  # page furniture (share label, photo caption): never quoted
    byline: bool = False  # author / source line near the top


@dataclass(frozen=True)
class Article:
    """An article as loaded from the articles folder."""

    id: str  # path relative to the articles folder, with forward slashes
    title: str
    text: str
    paragraphs: tuple[Paragraph, ...]
    content_hash: str
    url: str | None = None
    source: str | None = None
    date: str | None = None
    meta: dict[str, str] = field(default_factory=dict, compare=False)

    def paragraph_text(self, number: int) -> str:
        """The text of paragraph `number` (1-based)."""
        para = self.paragraphs[number - 1]
        return self.text[para.start : para.end]


@dataclass(frozen=True)
class SkippedFile:
    """A file in the articles folder that could not be used, and why."""

    path: Path
    why: Reason  # worded by the catalogues, in the reader's language

    @property
    def reason(self) -> str:
        """Why, in English (logs and the command line)."""
        return self.why.describe("en")

    def describe_reason(self, language: str) -> str:
        """Why, in `language`."""
        return self.why.describe(language)

    def __str__(self) -> str:
        return f"skipped {self.path}: {self.reason}"


def content_hash(text: str) -> str:
    """Stable hash of article text, used to detect changed articles."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def list_article_files(folder: Path) -> list[Path]:
    """Article files under `folder` (recursively), sorted; hidden files are ignored."""
    if not folder.exists():
        raise ArticlesFolderError(
            f"articles folder {folder} does not exist. Create it and put .txt or .md articles in it, "
            "or point --articles / STORYBOT_ARTICLES at the folder that holds them."
        )
    if not folder.is_dir():
        raise ArticlesFolderError(f"{folder} is not a folder. --articles / STORYBOT_ARTICLES must name a folder.")
    files = []
    for path in folder.rglob("*"):
        rel = path.relative_to(folder)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if path.is_file() and path.suffix.lower() in ARTICLE_SUFFIXES:
            files.append(path)
    return sorted(files)


def article_id(folder: Path, path: Path) -> str:
    """The id of the article at `path`: its path relative to the articles folder."""
    return path.relative_to(folder).as_posix()


def decode_article(raw: bytes, where: Path) -> str | SkippedFile:
    """Decode file bytes as UTF-8 text, or say why the file cannot be an article."""
    if not raw.strip():
        return SkippedFile(where, Reason.of("empty"))
    if len(raw) > MAX_ARTICLE_BYTES:
        return SkippedFile(where, Reason.of("too_large", mb=MAX_ARTICLE_BYTES // 1_000_000))
    if b"\x00" in raw[:8192]:
        return SkippedFile(where, Reason.of("binary"))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        return SkippedFile(where, Reason.of("not_utf8", line=line, byte=f"{raw[err.start]:#04x}"))
    text = normalize(text.replace("\r\n", "\n").replace("\r", "\n"))
    if not text.strip():
        return SkippedFile(where, Reason.of("no_text"))
    return text


def load_article(folder: Path, path: Path) -> Article | SkippedFile:
    """Load one article file, or describe why it was skipped."""
    try:
        raw = path.read_bytes()
    except OSError as err:
        return SkippedFile(path, Reason.of("unreadable", error=err.strerror or err))
    decoded = decode_article(raw, path)
    if isinstance(decoded, SkippedFile):
        return decoded
    return parse_article(article_id(folder, path), decoded)


def load_articles(folder: Path) -> tuple[list[Article], list[SkippedFile]]:
    """Load every article under `folder`; unusable files are returned, not raised."""
    articles, skipped = [], []
    for path in list_article_files(folder):
        result = load_article(folder, path)
        if isinstance(result, SkippedFile):
            log.warning("%s", result)
            skipped.append(result)
        else:
            articles.append(result)
    return articles, skipped


def parse_article(article_id: str, text: str) -> Article:
    """Split NFC article text into metadata, title and numbered paragraphs."""
    meta, body_start = _front_matter(text)
    lines = _lines(text, body_start)
    title = meta.get("title", "")
    first = next((ln for ln in lines if text[ln[0] : ln[1]].strip()), None)
    if first is not None and (not title or _clean_title(text[first[0] : first[1]]) == title):
        title = title or _clean_title(text[first[0] : first[1]])
        lines = [ln for ln in lines if ln[0] > first[0]]
    if not title:
        title = Path(article_id).stem
    paragraphs = _paragraphs(text, lines)
    return Article(
        id=article_id,
        title=title,
        text=text,
        paragraphs=tuple(paragraphs),
        content_hash=content_hash(text),
        url=meta.get("url"),
        source=meta.get("source"),
        date=meta.get("date"),
        meta=meta,
    )


def _front_matter(text: str) -> tuple[dict[str, str], int]:
    if not text.startswith("---\n"):
        return {}, 0
    end = text.find("\n---", 3)
    if end < 0:
        return {}, 0
    meta = {}
    for line in text[4:end].split("\n"):
        key, sep, value = line.partition(":")
        if sep and key.strip():
            meta[key.strip().lower()] = value.strip().strip("\"'")
    close = text.find("\n", end + 1)
    return meta, len(text) if close < 0 else close + 1


def _clean_title(line: str) -> str:
    return line.strip().lstrip("#").strip()


def _lines(text: str, start: int) -> list[tuple[int, int]]:
    """(start, end) of every line from `start`, trailing whitespace excluded."""
    spans, pos = [], start
    while pos <= len(text):
        nl = text.find("\n", pos)
        end = len(text) if nl < 0 else nl
        stripped_start = pos + (len(text[pos:end]) - len(text[pos:end].lstrip()))
        stripped_end = pos + len(text[pos:end].rstrip())
        spans.append((stripped_start, max(stripped_start, stripped_end)))
        if nl < 0:
            break
        pos = nl + 1
    return spans


def _paragraphs(text: str, lines: list[tuple[int, int]]) -> list[Paragraph]:
    """Group lines into paragraphs.

    Blank lines always separate paragraphs. Inside a block, each line is its
    own paragraph (news sites put one paragraph per line), except that a
    hard-wrapped block (lines of similar width) is joined, and a line that
    does not end a sentence is joined with a continuation that starts in
    lower case or with a digit (e.g. a formula broken as "O\\n2").
    """
    blocks: list[list[tuple[int, int]]] = [[]]
    for span in lines:
        if span[0] == span[1]:
            if blocks[-1]:
                blocks.append([])
        else:
            blocks[-1].append(span)
    spans: list[tuple[int, int]] = []
    for block in blocks:
        if not block:
            continue
        if _hard_wrapped(text, block):
            spans.append((block[0][0], block[-1][1]))
            continue
        current = block[0]
        for nxt in block[1:]:
            prev_text = text[current[0] : current[1]]
            next_char = text[nxt[0]]
            if not prev_text.endswith(_SENTENCE_END) and (next_char.islower() or next_char.isdigit()):
                current = (current[0], nxt[1])
            else:
                spans.append(current)
                current = nxt
        spans.append(current)
    paragraphs = []
    for number, (start, end) in enumerate(spans, 1):
        body = text[start:end]
        paragraphs.append(
            Paragraph(
                number=number,
                start=start,
                end=end,
                debris=is_debris(body),
                byline=number <= 3 and _looks_like_byline(body),
            )
        )
    return paragraphs


def _hard_wrapped(text: str, block: list[tuple[int, int]]) -> bool:
    if len(block) < 3:
        return False
    widths = [end - start for start, end in block[:-1]]
    return min(widths) >= 40 and max(widths) <= 100 and max(widths) - min(widths) <= 25


def is_debris(line: str) -> bool:
    """True for page furniture that is not article text: share labels, photo captions."""
    line = line.strip()
    if _DEBRIS_LINE.match(line):
        return True
    return len(line) <= 300 and bool(_CAPTION.search(line))


_CREDIT = re.compile(r"^[(\[]?(theo|nguồn|source|by|via)\s[^,;:]{1,60}[)\]]?\.?$", re.IGNORECASE)


def is_furniture(sentence: str) -> bool:
    """True for a sentence that credits rather than tells: "(Theo SCMP)", a photo caption, a byline."""
    sentence = sentence.strip()
    return bool(_CREDIT.match(sentence)) or is_debris(sentence) or _looks_like_byline(sentence)


def _looks_like_byline(line: str) -> bool:
    line = line.strip()
    if len(line) > 80 or line.endswith((".", "!", "?")):
        return False
    if _BYLINE_MARK.search(line):
        return True
    words = line.split()
    return 2 <= len(words) <= 5 and all(w[:1].isupper() for w in words)
