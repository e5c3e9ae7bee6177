"""Stories: the indexed articles grouped into the stories they tell, kept up to date one article at a time.

An article joins the story it is closest to among the most recently active ones (at most
RECENT_STORIES of them), or starts a story of its own. Closeness adds up the cosine of the
article's vector (the mean of its chunk vectors) with the story's centroid and
ENTITY_WEIGHT times the names the two share (capitalised runs of words and the speakers of
its statements, weighted by how rare each name is in the archive; `names_in` leaves out
what many stories share: Vietnam's places, kinds of bodies, lone syllables); a story whose
dates lie more than WINDOW_DAYS away is not a candidate. Adding an article thus costs
O(article): the archive is never grouped again. Groupings made before a change of these
rules are kept (followed stories refer to them); new articles are placed by the new ones.

The grouping lives beside the segments, in ``stories.sqlite`` of the index directory. It
records which segments it has taken in: a sync reads only the segments a build added since
(segments are immutable), and articles gone from the index leave their story. Every sync
is one SQLite transaction (BEGIN IMMEDIATE, so two processes take turns), so a crash
leaves the grouping as it was before it, and the next sync takes the articles in again.
"""

from __future__ import annotations

import json
import logging
import math
import re
import sqlite3
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from .articles import Article
from .dates import article_date, parse_date
from .statement_store import load_statements
from .store import Snapshot
from .text import CAPITAL, SMALL, fold

log = logging.getLogger(__name__)

STORIES_FILE = "stories.sqlite"
RECENT_STORIES = 300  # stories an article is compared with: the most recently active
WINDOW_DAYS = 21  # an article dated this far from every article of a story starts another one
JOIN_SCORE = 1.15  # cosine + ENTITY_WEIGHT * shared-name share needed to join a story
ENTITY_WEIGHT = 0.6  # measured with bench/stories_eval.py --grid --synthetic (BENCHMARKS.md)
MIN_COSINE = 0.80  # below this cosine, shared names alone do not make one story
HEAD_CHARS = 4000  # names are taken from the title and this much of the text
MAX_PARTIES = 8  # parties a story lists
MEMBER_NAMES = 20  # latest articles of a story whose names an article is compared with

_SCHEMA = """
CREATE TABLE IF NOT EXISTS stories (id INTEGER PRIMARY KEY, centroid BLOB NOT NULL, size INTEGER NOT NULL,
    first_date TEXT, last_date TEXT, touched INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS members (article_id TEXT PRIMARY KEY, content_hash TEXT NOT NULL,
    story_id INTEGER NOT NULL, title TEXT NOT NULL, url TEXT, date TEXT, vector BLOB NOT NULL,
    names TEXT NOT NULL, speakers TEXT NOT NULL, added INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS members_story ON members(story_id);
CREATE TABLE IF NOT EXISTS name_counts (name TEXT PRIMARY KEY, articles INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS segments_seen (name TEXT PRIMARY KEY);
"""

# A run of capitalised words (Vietnamese names capitalise every syllable), or an acronym.
_NAME = re.compile(rf"{CAPITAL}\w*(?:[ -]{CAPITAL}\w*)*")
_SENTENCE_START = re.compile(r"(?:^|[.!?:\n\"“”]\s*)$")
_TITLE_WORDS = frozenset(fold(w) for w in "Ông Bà Anh Chị Theo Trong Khi Sau Tại Người Những Các Một".split())
# A name after one of these is a place: places are shared by many stories and make none ("TP Nha Trang",
# "đường Trần Phú", "ở Hà Nội").
_PLACE_BEFORE = re.compile(
    r"\b(?:tp\.?|tỉnh|huyện|quận|xã|phường|thị xã|thị trấn|thành phố|đường|phố|ở|tại|từ|về)\s+$", re.IGNORECASE
)
# Heads of bodies and titles, capitalised as a name's first word while the rest of the word stays lowercase
# ("Sở Y tế", "Bộ Ngoại giao", "Liên đoàn Lao động"): such a run names a kind of body, not one. Not "Trung"
# or "Nhà": "Trung Quốc ngày 3/4", "Nhà Trắng cho biết" are names followed by other words.
_BODY_HEADS = frozenset(
    fold(w) for w in "Sở Bộ Cục Phòng Ban Viện Hội Ủy Tổng Liên Công Ngân Bệnh Tập Trường Đài Báo Hiệp Đảng Quỹ "
    "Hãng Cơ Chi Văn Tòa Giám Phó".split()
)
# Heads of a province's or district's bodies: "Sở GD-ĐT" is every province's, "Bộ GD-ĐT" the one ministry.
_LOCAL_HEADS = frozenset(fold(w) for w in "Sở Phòng Ban Chi".split())
_LOWER_NEXT = re.compile(rf"\s+{SMALL}")
# Vietnam's provinces, cities and regions (index/data/places.txt), lower case.
PLACES = frozenset(
    line.strip().lower()
    for line in (Path(__file__).parent / "data" / "places.txt").read_text(encoding="utf-8").splitlines()
    if line.strip() and not line.startswith("#")
)
# Abbreviations of kinds of bodies, shared by every story that has one ("UBND", "Công ty CP").
_GENERIC_ABBREVIATIONS = frozenset(
    fold(w) for w in "UBND HĐND TAND VKSND VKS HĐXX THPT CP TNHH MTV JSC CDC BHXH USD VND VĐV HLV HCV CLB PV "
    "CSGT CAND QĐ NĐ GD-ĐT GDĐT GTVT TN-MT TNMT KH-ĐT KHĐT LĐ-TB-XH LĐTBXH NN-PTNT NNPTNT VH-TT-DL VHTTDL TT-TT "
    "KH-CN KHCN PCCC ĐT".split()
)
# One Vietnamese syllable (folded): an optional initial, a vowel group and an optional final. Foreign and
# invented names ("Grab", "Kharan", "Vinasun") do not fit, and stay names.
_VIETNAMESE_SYLLABLE = re.compile(
    r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnpqrstvx])?[aeiouy]{1,3}(?:ch|ng|nh|[cmnpt])?"
)


@dataclass(frozen=True)
class StoryArticle:
    """One article of a story."""

    article_id: str
    title: str
    url: str | None
    date: str | None  # YYYY-MM-DD
    centrality: float  # cosine with the story's centroid


@dataclass(frozen=True)
class Story:
    """A story: its id, short name (its most central title), articles (by date), parties and date range."""

    id: int
    name: str
    articles: tuple[StoryArticle, ...]
    parties: tuple[str, ...]
    first_date: str | None
    last_date: str | None

    def to_json(self) -> dict[str, object]:
        """The story as JSON-ready data."""
        return {
            "id": self.id,
            "name": self.name,
            "first_date": self.first_date,
            "last_date": self.last_date,
            "parties": list(self.parties),
            "articles": [
                {"id": a.article_id, "title": a.title, "url": a.url, "date": a.date} for a in self.articles
            ],
        }


@dataclass(frozen=True)
class Joined:
    """An article a sync placed: its story, and whether it started it or is a new version of itself."""

    article_id: str
    story_id: int
    new_story: bool
    changed: bool = False


def article_names(article: Article, speakers: Iterable[str] = ()) -> set[str]:
    """The folded names an article mentions: in its title and head, and its speakers' (see `names_in`)."""
    found: set[str] = set()
    for text in (article.title, article.text[:HEAD_CHARS], *speakers):
        found |= names_in(text)
    return found


def names_in(text: str) -> set[str]:
    """The folded names in `text` that can tell one story from another: its capitalised runs, but no
    places ("TP Nha Trang", "ở Hà Nội", "Nghệ An"), no generic bodies and abbreviations ("UBND", "Sở Y"
    of "Sở Y tế", "CP" of "Công ty CP"), and no lone Vietnamese syllable ("Sơn" of "anh Sơn", "Công" of
    "Công ty"), which many stories share."""
    found: set[str] = set()
    text = text.replace("&", "-")  # "Bộ KH&ĐT" is "Bộ KH-ĐT"
    for match in _NAME.finditer(text):
        if _PLACE_BEFORE.search(text[max(0, match.start() - 12) : match.start()]):
            continue
        words = match.group().split()
        if _SENTENCE_START.search(text[: match.start()]) and words:
            words = words[1:] if fold(words[0]) in _TITLE_WORDS or len(words) == 1 else words
        while words and (fold(words[0]) in _GENERIC_ABBREVIATIONS or (len(words) > 2 and words[0].lower() in PLACES)):
            words = words[1:]  # "CP Minh Khang" is Minh Khang, "Mỹ Anna Berg" Anna Berg; "UBND" no one
        if not words or fold(words[0]) in {"tp", "tp."}:
            continue  # "TP HCM": a place
        if fold(words[0]) in _BODY_HEADS and (
            _LOWER_NEXT.match(text, match.end())
            or (fold(words[0]) in _LOCAL_HEADS and all(fold(w) in _GENERIC_ABBREVIATIONS for w in words[1:]))
        ):
            continue  # "Sở Y" of "Sở Y tế", "Liên" of "Liên đoàn", "Sở GD-ĐT": a kind of body, not one
        if len(words) == 1 and _VIETNAMESE_SYLLABLE.fullmatch(fold(words[0])):
            continue  # a given name or one syllable of a word
        name = fold(" ".join(words))
        # compared with diacritics: "Nha Trang" is a city, "Nhà Trắng" the White House
        if len(name) >= 3 and name not in _TITLE_WORDS and " ".join(words).lower() not in PLACES:
            found.add(name)
    return found


def article_vector(snapshot: Snapshot, article_id: str) -> np.ndarray:
    """An article's unit vector: the mean of its chunk vectors."""
    rows = snapshot.article_vectors(article_id)
    mean = rows.mean(axis=0) if len(rows) else np.zeros(rows.shape[1], dtype=np.float32)
    norm = float(np.linalg.norm(mean))
    return (mean / norm if norm else mean).astype(np.float32)


class StoryStore:
    """The stories of one index directory (see the module's docstring). Not shared between threads."""

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = index_dir
        path = index_dir / STORIES_FILE
        try:
            self.db = sqlite3.connect(path, isolation_level=None, timeout=30)
            self.db.executescript(_SCHEMA)
        except sqlite3.Error as err:  # a read-only index: group in memory, for this process only
            log.info("stories kept in memory (%s cannot be written: %s)", path, err)
            self.db = sqlite3.connect(":memory:", isolation_level=None)
            self.db.executescript(_SCHEMA)

    def close(self) -> None:
        """Close the database."""
        self.db.close()

    def __enter__(self) -> StoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- keeping up with the index ------------------------------------------------------------

    def sync(self, snapshot: Snapshot) -> list[Joined]:
        """Place the articles the index gained since the last sync; drop those it lost. What was placed."""
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            joined = self._sync(snapshot)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return joined

    def _sync(self, snapshot: Snapshot) -> list[Joined]:
        seen = {name for (name,) in self.db.execute("SELECT name FROM segments_seen")}
        joined: list[Joined] = []
        candidates: _Candidates | None = None
        for index, segment in enumerate(snapshot.segments):
            if segment.name in seen:
                continue
            live = set(snapshot.segment_articles(index))
            hashes = {row[0]: row[3] for row in segment.all_rows("files") if row[0] in live}
            for article_id in sorted(live):
                row = self.db.execute(
                    "SELECT content_hash FROM members WHERE article_id = ?", (article_id,)
                ).fetchone()
                if row is not None and row[0] == hashes.get(article_id, row[0]):
                    continue  # a merged segment's article, already placed
                if candidates is None:
                    candidates = _Candidates(self.db)
                if row is not None:
                    self._remove(article_id)
                    candidates = _Candidates(self.db)
                joined.append(self._place(snapshot, snapshot.article(article_id), candidates, changed=row is not None))
            self.db.execute("INSERT OR IGNORE INTO segments_seen VALUES (?)", (segment.name,))
        (count,) = self.db.execute("SELECT COUNT(*) FROM members").fetchone()
        if count != snapshot.manifest.article_count:
            present = {a.id for a in snapshot.articles()}
            for (article_id,) in self.db.execute("SELECT article_id FROM members").fetchall():
                if article_id not in present:
                    self._remove(article_id)
        names = {ref.name for ref in snapshot.manifest.segments}
        self.db.executemany("DELETE FROM segments_seen WHERE name = ?", [(n,) for n in seen - names])
        return joined

    def _place(self, snapshot: Snapshot, article: Article, candidates: _Candidates, *, changed: bool) -> Joined:
        vector = article_vector(snapshot, article.id)
        statements = load_statements(snapshot.index_dir, article)
        speakers = [s.speaker.text for s in statements if s.paragraph > 0]
        names = article_names(article, speakers)
        dated = article_date(article)
        story_id = candidates.best(vector, names, dated)
        (touched,) = self.db.execute("SELECT COALESCE(MAX(touched), 0) + 1 FROM stories").fetchone()
        new = story_id is None
        if story_id is None:
            cur = self.db.execute(
                "INSERT INTO stories (centroid, size, first_date, last_date, touched) VALUES (?, 0, ?, ?, ?)",
                (np.zeros_like(vector).tobytes(), dated, dated, touched),
            )
            story_id = int(cur.lastrowid or 0)
        centroid, size, first, last = self._story_row(story_id)
        centroid = centroid + vector
        first = min(filter(None, (first, dated)), default=None)
        last = max(filter(None, (last, dated)), default=None)
        self.db.execute(
            "UPDATE stories SET centroid = ?, size = ?, first_date = ?, last_date = ?, touched = ? WHERE id = ?",
            (centroid.astype(np.float32).tobytes(), size + 1, first, last, touched, story_id),
        )
        self.db.execute(
            "INSERT OR REPLACE INTO members VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (article.id, article.content_hash, story_id, article.title, article.url, dated, vector.tobytes(),
             json.dumps(sorted(names), ensure_ascii=False), json.dumps(speakers, ensure_ascii=False), touched),
        )
        self.db.executemany(
            "INSERT INTO name_counts VALUES (?, 1) ON CONFLICT(name) DO UPDATE SET articles = articles + 1",
            [(n,) for n in names],
        )
        candidates.update(story_id, centroid, names, first, last)
        return Joined(article.id, story_id, new, changed)

    def _story_row(self, story_id: int) -> tuple[np.ndarray, int, str | None, str | None]:
        blob, size, first, last = self.db.execute(
            "SELECT centroid, size, first_date, last_date FROM stories WHERE id = ?", (story_id,)
        ).fetchone()
        return np.frombuffer(blob, dtype=np.float32).copy(), int(size), first, last

    def _remove(self, article_id: str) -> None:
        row = self.db.execute(
            "SELECT story_id, vector, names FROM members WHERE article_id = ?", (article_id,)
        ).fetchone()
        if row is None:
            return
        story_id, blob, names = row
        self.db.execute("DELETE FROM members WHERE article_id = ?", (article_id,))
        self.db.executemany(
            "UPDATE name_counts SET articles = articles - 1 WHERE name = ?", [(n,) for n in json.loads(names)]
        )
        centroid, size, _, _ = self._story_row(story_id)
        if size <= 1:
            self.db.execute("DELETE FROM stories WHERE id = ?", (story_id,))
            return
        dates = [d for (d,) in self.db.execute("SELECT date FROM members WHERE story_id = ?", (story_id,)) if d]
        self.db.execute(
            "UPDATE stories SET centroid = ?, size = ?, first_date = ?, last_date = ? WHERE id = ?",
            ((centroid - np.frombuffer(blob, dtype=np.float32)).tobytes(), size - 1,
             min(dates, default=None), max(dates, default=None), story_id),
        )

    # -- reading -------------------------------------------------------------------------------

    def story_of(self, article_id: str) -> int | None:
        """The id of the story holding an article, or None."""
        row = self.db.execute("SELECT story_id FROM members WHERE article_id = ?", (article_id,)).fetchone()
        return int(row[0]) if row else None

    def story(self, story_id: int) -> Story | None:
        """One story, or None when there is no such story."""
        row = self.db.execute("SELECT centroid FROM stories WHERE id = ?", (story_id,)).fetchone()
        if row is None:
            return None
        centroid = np.frombuffer(row[0], dtype=np.float32)
        norm = float(np.linalg.norm(centroid)) or 1.0
        members = self.db.execute(
            "SELECT article_id, title, url, date, vector, speakers FROM members WHERE story_id = ?", (story_id,)
        ).fetchall()
        articles = [
            StoryArticle(a, title, url, dated, float(np.frombuffer(v, dtype=np.float32) @ centroid) / norm)
            for a, title, url, dated, v, _ in members
        ]
        name = max(articles, key=lambda a: (a.centrality, a.article_id)).title if articles else ""
        articles.sort(key=lambda a: (a.date or "9999", a.article_id))
        counts: Counter[str] = Counter()
        shown: dict[str, str] = {}
        for *_, speakers in members:
            for speaker in json.loads(speakers):
                key = fold(speaker)
                shown.setdefault(key, speaker)
                counts[key] += 1
        parties = tuple(shown[k] for k, _ in counts.most_common(MAX_PARTIES))
        dates = [a.date for a in articles if a.date]
        return Story(story_id, name, tuple(articles), parties, min(dates, default=None), max(dates, default=None))

    def stories(self) -> list[Story]:
        """Every story, the most recently active first."""
        ids = [i for (i,) in self.db.execute("SELECT id FROM stories ORDER BY last_date DESC, touched DESC")]
        return [s for s in map(self.story, ids) if s is not None]

    def assignments(self) -> dict[str, int]:
        """Article id -> story id, for every grouped article."""
        return {a: int(s) for a, s in self.db.execute("SELECT article_id, story_id FROM members")}


class _Candidates:
    """The stories an article may join (the RECENT_STORIES most recently active), held for one sync."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        rows = db.execute(
            "SELECT id, centroid, first_date, last_date FROM stories ORDER BY touched DESC LIMIT ?", (RECENT_STORIES,)
        ).fetchall()
        self.ids = [int(r[0]) for r in rows]
        self.centroids = {int(r[0]): np.frombuffer(r[1], dtype=np.float32).copy() for r in rows}
        self.dates = {int(r[0]): (r[2], r[3]) for r in rows}
        # The names of each story's latest MEMBER_NAMES articles, one set per article: an article is
        # compared with each (a story's union of names would grow until it matched everything).
        self.names: dict[int, list[set[str]]] = {i: [] for i in self.ids}
        self._idfs: dict[str, float] = {}
        (self.total,) = db.execute("SELECT COUNT(*) FROM members").fetchone()
        if self.ids:
            marks = ",".join("?" * len(self.ids))
            for story_id, names in db.execute(
                f"SELECT story_id, names FROM members WHERE story_id IN ({marks}) ORDER BY added DESC", self.ids
            ):
                if len(self.names[int(story_id)]) < MEMBER_NAMES:
                    self.names[int(story_id)].append(set(json.loads(names)))

    def update(self, story_id: int, centroid: np.ndarray, names: set[str], first: str | None, last: str | None) -> None:
        """Take in what placing an article changed."""
        if story_id not in self.centroids:
            self.ids.append(story_id)
            self.names[story_id] = []
        self.centroids[story_id] = centroid
        self.names[story_id].insert(0, names)
        del self.names[story_id][MEMBER_NAMES:]
        self.total += 1
        self._idfs.clear()  # the counts changed
        self.dates[story_id] = (first, last)

    def best(self, vector: np.ndarray, names: set[str], dated: str | None) -> int | None:
        """The story the article joins, or None for a story of its own."""
        if not self.ids:
            return None
        own = sum(map(self._idf, names))
        best_id, best_score = None, JOIN_SCORE
        for story_id in self.ids:
            if not _within(dated, self.dates[story_id]):
                continue
            centroid = self.centroids[story_id]
            norm = float(np.linalg.norm(centroid))
            cosine = float(vector @ centroid) / norm if norm else 0.0
            if cosine < MIN_COSINE:
                continue
            shared = max((self._shared(names, own, other) for other in self.names[story_id]), default=0.0)
            score = cosine + ENTITY_WEIGHT * shared
            if score >= best_score:
                best_id, best_score = story_id, score
        return best_id

    def _shared(self, names: set[str], own: float, other: set[str]) -> float:
        """How much two articles' names overlap, weighted by rarity: the shared weight over the geometric
        mean of the two articles' (1 for the same names, 0 for none). The geometric mean, not Dice's
        arithmetic one: a short follow-up whose few names the first long article all has still scores.

        A name counts as shared when the other article has it or a form of it (`same_name`: "Anna
        Berg" and "Mỹ Anna Berg", "Trần Văn Lâm" and "Bộ KH-ĐT Trần Văn Lâm")."""
        both = sum(self._idf(n) for n in names if _named_in(n, other))
        return min(1.0, both / (math.sqrt(own * sum(map(self._idf, other))) or 1.0))

    def _idf(self, name: str) -> float:
        weight = self._idfs.get(name)
        if weight is None:
            row = self.db.execute("SELECT articles FROM name_counts WHERE name = ?", (name,)).fetchone()
            weight = self._idfs[name] = math.log(1 + (self.total + 1) / ((row[0] if row else 0) + 1))
        return weight


def same_name(a: str, b: str) -> bool:
    """True when two folded names (`names_in`) are one: equal, or one of two words or more that begins or
    ends the other ("anna berg" and "anna berg" of "My Anna Berg", "bo kh-dt" and "bo kh-dt tran
    van lam")."""
    if a == b:
        return True
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return " " in short and (long.endswith(" " + short) or long.startswith(short + " "))


def names_overlap(a: set[str], b: set[str]) -> bool:
    """True when two sets of folded names (`names_in`) share a name (`same_name`)."""
    return any(_named_in(x, b) for x in a)


def _named_in(name: str, names: set[str]) -> bool:
    """True when `names` holds `name` or a form of it (`same_name`)."""
    return name in names or any(same_name(name, other) for other in names)


def _within(dated: str | None, span: tuple[str | None, str | None]) -> bool:
    """True when `dated` lies within WINDOW_DAYS of the story's dates (or either is undated)."""
    day = parse_date(dated)
    first, last = (parse_date(d) for d in span)
    if day is None or first is None or last is None:
        return True
    return _days(day, first) <= WINDOW_DAYS and _days(last, day) <= WINDOW_DAYS


def _days(a: date, b: date) -> int:
    return (b - a).days


def sync_stories(snapshot: Snapshot) -> list[Joined]:
    """Bring the stories of the snapshot's index directory up to date with it; what was placed."""
    with StoryStore(snapshot.index_dir) as store:
        return store.sync(snapshot)


_ASSIGNED: dict[tuple[str, str], dict[str, int]] = {}  # (index dir, generation) -> article id -> story id
_ASSIGNED_LOCK = threading.Lock()
ASSIGNED_KEPT = 4  # generations whose grouping is held in memory


def story_assignments(snapshot: Snapshot) -> dict[str, int]:
    """Article id -> story id for the snapshot's articles, the stories synced with it first.

    Read once per generation (a question's answer asks for it, the grouping only changes with a
    build). Empty when the grouping cannot be read or written (a locked or broken stories.sqlite):
    the caller then judges which articles tell one story by other means.
    """
    key = (str(snapshot.index_dir), snapshot.generation)
    with _ASSIGNED_LOCK:
        if key in _ASSIGNED:
            return _ASSIGNED[key]
        try:
            with StoryStore(snapshot.index_dir) as store:
                store.sync(snapshot)
                assigned = store.assignments()
        except sqlite3.Error as err:
            log.warning("stories of %s not read (%s): party answers judge stories by their parties", key[0], err)
            return {}
        while len(_ASSIGNED) >= ASSIGNED_KEPT:
            _ASSIGNED.pop(next(iter(_ASSIGNED)))
        _ASSIGNED[key] = assigned
        return assigned
