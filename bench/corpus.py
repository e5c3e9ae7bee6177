"""Synthetic news-like corpora for the benchmark, made from the shared Vietnamese articles.

Every synthetic article is derived from one source article (its topic) by
drawing sentences mostly from that article and some from the others, in a new
order, grouped into short news-style paragraphs (1-4 sentences), with numbers
re-drawn and some names replaced by generated Vietnamese names. Titles vary.
So BM25 postings and embeddings are realistic and no two chunks are copies:
a 100,000-chunk corpus is not one paragraph repeated.

Article `i` depends only on `i` (its own seeded random generator), so a
smaller corpus is a prefix of a larger one and cached vectors are shared.
"""

from __future__ import annotations

import hashlib
import os
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from index.articles import load_article
from index.chunking import chunk_article, split_sentences

_ROOT = Path(__file__).resolve().parent.parent


def _xquad() -> Path:
    """The XQuAD-vi dev set: $STORYBOT_XQUAD, else shared/ beside the repository, else the tests' sample."""
    candidates = [
        Path(os.environ.get("STORYBOT_XQUAD", "/nonexistent")),
        _ROOT.parent / "shared" / "eval" / "xquad_vi_dev",
        Path("/work/shared/eval/xquad_vi_dev"),
        _ROOT / "tests" / "data" / "xquad_sample",
    ]
    return next(p for p in candidates if (p / "questions.jsonl").exists())


SHARED = _xquad()
SEED = 20240601

_FAMILY = "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Đinh Trịnh Mai Tạ".split()
_MIDDLE = "Văn Thị Hữu Đức Minh Quốc Thanh Ngọc Xuân Hoài Gia Bảo Khánh Thu Kim".split()
_GIVEN = (
    "An Bình Cường Dũng Hà Hải Hạnh Hiếu Hòa Hùng Hương Khoa Lan Linh Long Mai Nam Nga Phong Phúc "
    "Quân Quang Sơn Tâm Thảo Thắng Trang Trung Tuấn Tùng Vân Việt Vy Yến Đạt Nhung Thủy Tiến Lộc"
).split()
_PLACES = (
    "Hà Nội|Đà Nẵng|Huế|Cần Thơ|Hải Phòng|Nha Trang|Đà Lạt|Vinh|Quy Nhơn|Bắc Ninh|Thái Nguyên|Nam Định|"
    "Buôn Ma Thuột|Long An|Quảng Ninh|Lào Cai|Sa Pa|Phú Quốc|Vũng Tàu|Biên Hòa|Tokyo|Seoul|Bangkok|Paris|Berlin"
).split("|")
_TITLE_PREFIXES = (
    "Tin mới về",
    "Toàn cảnh",
    "Góc nhìn:",
    "Cập nhật:",
    "Hỏi đáp về",
    "Chuyên đề:",
    "Nhìn lại",
    "Điểm tin:",
    "Phân tích:",
    "Bên lề",
)
_NAME_RUN = re.compile(r"(?<=\s)(?:[A-ZĐÀ-Ỹ][\wÀ-ỹ]*)(?:\s+[A-ZĐÀ-Ỹ][\wÀ-ỹ]*){0,2}")
_NUMBER = re.compile(r"\d+")


@dataclass(frozen=True)
class Source:
    """A source article's title and sentences."""

    title: str
    sentences: tuple[str, ...]


def load_sources(root: Path = SHARED, seeds: Path | None = None) -> list[Source]:
    """Sentences of the shared articles (and the seed articles, when given), per article."""
    folders = [root / "articles"] + ([seeds] if seeds else [])
    sources = []
    for folder in folders:
        for path in sorted(folder.glob("*.txt")):
            article = load_article(folder, path)
            sentences = []
            for para in article.paragraphs:
                if para.debris or para.byline:
                    continue
                for a, b in split_sentences(article.text[para.start : para.end], para.start):
                    text = " ".join(article.text[a:b].split())
                    if len(text) >= 25:
                        sentences.append(text)
            if sentences:
                sources.append(Source(article.title, tuple(sentences)))
    return sources


def _name(rng: random.Random) -> str:
    if rng.random() < 0.3:
        return rng.choice(_PLACES)
    return f"{rng.choice(_FAMILY)} {rng.choice(_MIDDLE)} {rng.choice(_GIVEN)}"


def _number(rng: random.Random, match: re.Match[str]) -> str:
    digits = len(match.group())
    if digits == 1:
        return str(rng.randint(0, 9))
    return str(rng.randint(10 ** (digits - 1), 10**digits - 1))


def _perturb(sentence: str, rng: random.Random) -> str:
    if rng.random() < 0.5:
        sentence = _NUMBER.sub(lambda m: _number(rng, m), sentence)
    if rng.random() < 0.35:
        runs = list(_NAME_RUN.finditer(sentence))
        if runs:
            run = rng.choice(runs)
            sentence = sentence[: run.start()] + _name(rng) + sentence[run.end() :]
    return sentence


def _title(source: Source, rng: random.Random, number: int) -> str:
    roll = rng.random()
    if roll < 0.4:
        words = rng.choice(source.sentences).rstrip(".!?…").split()
        start = rng.randint(0, max(0, len(words) - 8))
        return f"{source.title}: {' '.join(words[start : start + rng.randint(4, 8)])}"
    if roll < 0.8:
        return f"{rng.choice(_TITLE_PREFIXES)} {source.title} {_name(rng) if rng.random() < 0.5 else ''}".strip()
    return f"{source.title} (kỳ {number % 97 + 1})"


def synthetic_article(sources: list[Source], i: int) -> tuple[str, str]:
    """Article number `i`: (file name, file text). Deterministic in `i`."""
    rng = random.Random(SEED * 1_000_003 + i)
    topic = sources[rng.randrange(len(sources))]
    paragraphs = []
    for _ in range(rng.randint(3, 7)):
        sentences = []
        for _ in range(rng.choice((1, 1, 2, 2, 2, 3, 3, 4))):
            pool = topic if rng.random() < 0.75 else sources[rng.randrange(len(sources))]
            sentences.append(_perturb(rng.choice(pool.sentences), rng))
        paragraphs.append(" ".join(sentences))
    text = _title(topic, rng, i) + "\n\n" + "\n\n".join(paragraphs) + "\n"
    return f"{i:06d}.txt", text


def write_corpus(folder: Path, sources: list[Source], chunks: int, *, articles: int | None = None) -> dict[str, int]:
    """Write synthetic articles 0, 1, ... into `folder` until `chunks` chunks (or `articles` articles).

    Existing identical files are left untouched (their mtime too), so an index
    built over the folder stays current across runs. Returns counts.
    """
    folder.mkdir(parents=True, exist_ok=True)
    total = n = 0
    wanted = set()
    while (articles is None and total < chunks) or (articles is not None and n < articles):
        name, text = synthetic_article(sources, n)
        path = folder / name
        wanted.add(name)
        data = text.encode("utf-8")
        if not path.exists() or path.read_bytes() != data:
            path.write_bytes(data)
        total += len(chunk_article(load_article(folder, path)))
        n += 1
    for path in folder.glob("*.txt"):
        if path.name not in wanted:
            path.unlink()
    return {"articles": n, "chunks": total}


def iter_articles(sources: list[Source], start: int = 0) -> Iterator[tuple[str, str]]:
    """Synthetic articles from number `start` on."""
    i = start
    while True:
        yield synthetic_article(sources, i)
        i += 1


def folder_digest(folder: Path) -> str:
    """A short hash of the files' names and contents (what a cached result is keyed by)."""
    h = hashlib.sha256()
    for path in sorted(folder.glob("*.txt")):
        h.update(path.name.encode())
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()[:16]
