"""A story's timeline: every statement of its articles in date order, grouped by day.

A statement is dated by the sentence when it says when ("ngày 19/7", "20/7/2021", "hôm qua",
"hôm nay"), counted from its article's date, else by its article's date. A date the sentence
names that lies after the article's date is a deadline or a plan ("trước ngày 15/3"), not
when it was said: the article's date stands. "Cùng ngày" (the same day) is the last day the
article stated before the sentence. In an undated article a day and month the sentence names
still date it, without a year (ISO 8601's --MM-DD); a statement whose date neither its sentence
nor its article states is said to be so, last.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from index.dates import format_date, parse_date
from index.statement_store import load_statements
from index.store import Snapshot
from index.stories import Story
from texts import story_text

from .entities import statement_target
from .parties import AIMED_ACTS, nested_speaker
from .render import act_words

_DAY_MONTH = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})(?:/(\d{4}))?(?![\d/])")
YEAR_BACK_DAYS = 90  # a day/month this far after the article's date was last year's
_RELATIVE = {"hôm kia": -2, "hôm qua": -1, "hôm nay": 0, "sáng nay": 0, "chiều nay": 0, "tối nay": 0}
_RELATIVE_RE = re.compile(r"\b(" + "|".join(_RELATIVE) + r")\b", re.IGNORECASE)
# "trước ngày 15/3", "hạn chót 30/6": a deadline, not when something was said.
_SAME_DAY = re.compile(r"\bcùng ngày\b", re.IGNORECASE)
_DEADLINE = re.compile(r"\b(?:trước|đến|tới|hạn|hạn chót|chậm nhất|kể từ)\s+(?:ngày\s+)?$", re.IGNORECASE)


@dataclass(frozen=True)
class Entry:
    """One statement on the timeline: who did what, the verbatim sentence, and its source."""

    day: str | None  # YYYY-MM-DD; --MM-DD when no year is known; None when neither sentence nor article has a date
    dated_by: str  # "sentence" or "article"
    speaker: str
    act: str
    target: str | None  # the party the act is aimed at, by its name
    target_claim: str | None  # set when the act answers that party's claim ("cáo buộc của Mỹ"): its kind
    quote: str  # the sentence, verbatim
    article_id: str
    title: str
    url: str | None
    paragraph: int
    start: int
    end: int

    def to_json(self) -> dict[str, object]:
        """The entry as JSON-ready data."""
        return {
            "date": self.day, "dated_by": self.dated_by, "speaker": self.speaker, "act": self.act,
            "target": self.target, "target_claim": self.target_claim, "quote": self.quote,
            "article": self.article_id, "title": self.title, "url": self.url, "paragraph": self.paragraph,
            "start": self.start, "end": self.end,
        }


@dataclass(frozen=True)
class Timeline:
    """A story's statements in date order."""

    story: Story
    entries: tuple[Entry, ...]

    def days(self) -> list[tuple[str | None, list[Entry]]]:
        """The entries grouped by day, in order (undated ones last)."""
        out: list[tuple[str | None, list[Entry]]] = []
        for entry in self.entries:
            if out and out[-1][0] == entry.day:
                out[-1][1].append(entry)
            else:
                out.append((entry.day, [entry]))
        return out

    def to_json(self) -> dict[str, object]:
        """The timeline as JSON-ready data: the story and the days with their statements."""
        return {
            "story": self.story.to_json(),
            "days": [{"date": day, "statements": [e.to_json() for e in entries]} for day, entries in self.days()],
        }


def stated_date(sentence: str, article_day: date | None) -> date | None:
    """The day a sentence says it happened on, counted from its article's date; None when it says none."""
    found = _DAY_MONTH.search(sentence)
    if found is not None:
        day, month, year = int(found[1]), int(found[2]), found[3]
        if year is None and article_day is None:
            return None
        try:
            when = date(int(year) if year else article_day.year, month, day)  # type: ignore[union-attr]
        except ValueError:
            return None
        if year is None and article_day is not None and when > article_day + timedelta(days=YEAR_BACK_DAYS):
            when = when.replace(year=when.year - 1)  # "ngày 28/12" in an article of 3 January
        if article_day is None or when <= article_day:
            return when
        return None  # later than the article: a deadline or a plan
    relative = _RELATIVE_RE.search(sentence)
    if relative is not None and article_day is not None:
        return article_day + timedelta(days=_RELATIVE[relative[1].lower()])
    return None


def stated_day(sentence: str, article_day: date | None) -> str | None:
    """The day a sentence says it happened on as YYYY-MM-DD (see stated_date); in an undated article a day
    and month without a year as --MM-DD ("ngày 19/7" -> "--07-19"); None when it says none."""
    when = stated_date(sentence, article_day)
    if when is not None:
        return when.isoformat()
    found = _DAY_MONTH.search(sentence)
    if article_day is not None or found is None or found[3] is not None:
        return None
    if _DEADLINE.search(sentence[: found.start()]):
        return None
    day, month = int(found[1]), int(found[2])
    try:
        date(2000, month, day)  # a leap year: 29/2 is a day
    except ValueError:
        return None
    return f"--{month:02d}-{day:02d}"


def same_day(before: str, article_day: date | None) -> str | None:
    """The day "cùng ngày" means: the last day stated in `before` (the article's text before the sentence)."""
    found = list(_DAY_MONTH.finditer(before))
    if not found:
        return None
    last = found[-1]
    return stated_day(before[max(0, last.start() - 20) : last.end()], article_day)  # with the words before it


def _day_key(day: str | None) -> str:
    # Dated days first, in order; then days without a year; then statements with no date at all.
    if day is None:
        return "9999-99-99"
    return "9998" + day[1:] if day.startswith("--") else day


def story_timeline(snapshot: Snapshot, story: Story) -> Timeline:
    """Every statement of the story's articles (headlines and speech inside speech aside), by date."""
    keyed: list[tuple[tuple[str, str, int], Entry]] = []
    for number, member in enumerate(story.articles):
        try:
            article = snapshot.article(member.article_id)
        except KeyError:
            continue  # removed since the stories were synced
        article_day = parse_date(member.date)
        statements = load_statements(snapshot.index_dir, article)
        for s in statements:
            if s.paragraph == 0 or nested_speaker(s, statements):
                continue
            when = stated_day(s.sentence.text, article_day)
            if when is None and _SAME_DAY.search(s.sentence.text):
                when = same_day(article.text[: s.sentence.start], article_day)
            day = when or (article_day.isoformat() if article_day else None)
            target = statement_target(s) if s.act in AIMED_ACTS else None  # none for "nói", "phản hồi"
            entry = Entry(
                day=day,
                dated_by="sentence" if when else "article",
                speaker=s.speaker.text,
                act=s.act,
                target=target.name if target else None,
                target_claim=target.claim if target else None,
                quote=s.sentence.text,
                article_id=article.id,
                title=article.title,
                url=article.url,
                paragraph=s.paragraph,
                start=s.sentence.start,
                end=s.sentence.end,
            )
            keyed.append(((_day_key(entry.day), f"{number:06d}", s.sentence.start), entry))
    keyed.sort(key=lambda pair: pair[0])
    seen: set[tuple[str, int]] = set()
    entries = []
    for _, entry in keyed:  # one sentence, one line: its first speaker ("Hãng Cánh Én", not also "Cánh Én")
        key = (entry.article_id, entry.start)
        if key not in seen:
            seen.add(key)
            entries.append(entry)
    return Timeline(story, tuple(entries))


def timeline_text(timeline: Timeline, language: str) -> str:
    """The timeline as plain text: days, then speaker -> act -> "quote" -> source."""
    lines = [story_text(language, "timeline_header", name=timeline.story.name)]
    if not timeline.entries:
        lines.append(story_text(language, "no_statements"))
    for day, entries in timeline.days():
        lines.append("\n" + (format_date(day, language) or story_text(language, "undated")))
        for e in entries:
            lines.append(f"• {entry_act(e, language)}\n  “{e.quote}”\n  — {e.title}" + (f" ({e.url})" if e.url else ""))
    return "\n".join(lines)


def entry_act(entry: Entry, language: str) -> str:
    """"speaker → act target" of an entry."""
    act = act_words(entry.act, entry.target, entry.target_claim, language)
    return f"{entry.speaker} → {act}" if act else entry.speaker
