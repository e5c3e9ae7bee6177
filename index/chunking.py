"""Chunks: paragraph-sized passages of an article, with sentence spans for quoting.

A chunk is one paragraph, or, for a long paragraph, a run of whole sentences
from it. Offsets are into `Article.text`, so `article.text[chunk.start:chunk.end]`
is the chunk's text and every sentence span is a verbatim quote candidate.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass

from .articles import Article, Paragraph
from .text import CAPITAL, SMALL

# Long enough that most news and encyclopedia paragraphs stay whole (the unit a
# reader cites), short enough that a chunk stays about one topic.
MAX_CHUNK_CHARS = 1500
# A sentence longer than this is not merged with its neighbours inside quotation marks.
MAX_QUOTED_RUN = 450

_ABBREVIATIONS = frozenset(
    "tp q p ths ts pgs gs bs ks mr mrs ms dr st jr sr no vs etc inc ltd co corp gen col lt sgt u.s".split()
)
# Sentence end: terminal punctuation, optional closing quotes/brackets, spaces.
_BOUNDARY = re.compile(r"[.!?…]+[\"'”’»)\]]*\s+")
_OPENERS = "\"'“‘«([-–—"
_WORD_BEFORE = re.compile(r"([\w.]+)[.!?…]*$")
# A photo credit run into the next sentence, as scraped pages do: "... Ảnh: REUTERS Sau quyết định ...".
# The credit is one to three capitalised or domain-like tokens; the sentence goes on with a capital.
_CREDIT_RUN_ON = re.compile(
    r"\b(?:Ảnh|Photo|Nguồn ảnh|Nguồn)\s*:\s*(?:[A-ZĐ0-9][A-ZĐ0-9./&-]*|\S+\.(?:vn|com|net|org))"
    rf"(?:\s+(?:[A-ZĐ0-9][A-ZĐ0-9./&-]*))?(?:\s+(?:[A-ZĐ0-9][A-ZĐ0-9./&-]*))?(?=\s+{CAPITAL}{SMALL})"
)
# Initials of a name ("M.K. Stalin", "ông N.V.A.", "J. Smith"): capitals, each followed by a dot.
_INITIALS = re.compile(r"(?:[^\W\d_]\.)*[^\W\d_]", re.UNICODE)


@dataclass(frozen=True)
class Chunk:
    """A passage of an article, the unit of retrieval."""

    article_id: str
    paragraph: int  # 1-based paragraph number in the article
    start: int
    end: int
    text: str  # exactly article.text[start:end]
    sentences: tuple[tuple[int, int], ...]  # absolute (start, end) of each sentence
    search_text: str  # what is embedded and indexed: title, role label and text
    key: str  # hash of search_text: unchanged chunks reuse their embedding


def split_sentences(text: str, offset: int = 0) -> list[tuple[int, int]]:
    """Sentence spans of `text`, shifted by `offset`.

    Splits after . ! ? … when a new sentence plausibly starts, but not after
    common abbreviations ("TP. HCM", "Mr.") or initials ("J. Smith"), and not
    inside a quotation ("... Trung Quốc. Có lý do ...", người phát ngôn nói)
    unless the quoted run gets too long to read as one quote.
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        end = match.start() + len(match.group().rstrip())
        following = text[match.end() :].lstrip(_OPENERS)[:1]
        if not (following.isupper() or following.isdigit()):
            continue
        candidate = text[start:end]
        word = _WORD_BEFORE.search(text[start : match.start() + 1])
        raw = word.group(1).rstrip(".") if word else ""
        token = raw.lower()
        if token in _ABBREVIATIONS or _is_initials(raw):
            continue
        if _inside_quotation(candidate) and len(candidate) < MAX_QUOTED_RUN:
            continue
        spans.append((start, end))
        start = match.end()
    if text[start:].strip():
        spans.append((start, len(text.rstrip())))
    return [(offset + a, offset + b) for a, b in _split_credits(text, spans) if b > a]


def _split_credits(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Cut each span after a photo credit that runs into the next sentence, so the caption is a sentence of its own."""
    out = []
    for start, end in spans:
        for match in _CREDIT_RUN_ON.finditer(text, start, end):
            out.append((start, match.end()))
            rest = text[match.end() : end]
            start = match.end() + len(rest) - len(rest.lstrip())  # the next sentence starts after the spaces
        out.append((start, end))
    return out


def _is_initials(token: str) -> bool:
    """A single letter, or dotted capitals like "M.K" or "N.V.A": initials, not a sentence end."""
    if len(token) == 1:
        return token.isalpha()
    return "." in token and token.isupper() and _INITIALS.fullmatch(token) is not None


def _inside_quotation(text: str) -> bool:
    straight = text.count('"') % 2 == 1
    curly = text.count("“") > text.count("”")
    return straight or curly


def chunk_article(article: Article) -> list[Chunk]:
    """Split an article into chunks; debris paragraphs are left out."""
    chunks = []
    for para in article.paragraphs:
        if para.debris:
            continue
        sentences = split_sentences(article.text[para.start : para.end], para.start)
        for group in _group_sentences(sentences):
            start, end = group[0][0], group[-1][1]
            text = article.text[start:end]
            search_text = search_text_for(article, para, text)
            chunks.append(
                Chunk(
                    article_id=article.id,
                    paragraph=para.number,
                    start=start,
                    end=end,
                    text=text,
                    sentences=tuple(group),
                    search_text=search_text,
                    key=hashlib.sha256(search_text.encode("utf-8")).hexdigest()[:32],
                )
            )
    return chunks


def _group_sentences(sentences: list[tuple[int, int]]) -> list[list[tuple[int, int]]]:
    """Runs of consecutive sentences of about equal length, each under MAX_CHUNK_CHARS."""
    if not sentences:
        return []
    total = sentences[-1][1] - sentences[0][0]
    if total <= MAX_CHUNK_CHARS:
        return [sentences]
    target = total / math.ceil(total / MAX_CHUNK_CHARS)
    groups: list[list[tuple[int, int]]] = [[]]
    for span in sentences:
        if groups[-1] and span[1] - groups[-1][0][0] > target * 1.15:
            groups.append([])
        groups[-1].append(span)
    return groups


def search_text_for(article: Article, para: Paragraph, text: str) -> str:
    """What is embedded and indexed for `text` of paragraph `para`: title, role label, text."""
    # The title gives every chunk its topic; a byline is labelled so that
    # "who wrote this?" finds it, although the label is never quoted.
    label = "Tác giả bài viết, nguồn (author, byline): " if para.byline else ""
    return f"{article.title}\n{label}{text}"
