"""`storybot stories` and `storybot timeline`: the stories of the index, and one story's statements by date."""

from __future__ import annotations

import argparse
import json

from answer.question import question_language
from answer.stories import all_stories, find_story
from answer.timeline import story_timeline, timeline_text
from index.config import Settings
from index.dates import format_date
from index.errors import StorybotError
from texts import story_text

from .common import Common
from .prepare import Status, check_index_dir, open_engine


def add_parsers(sub: argparse._SubParsersAction, common: Common) -> None:
    """Add `stories` and `timeline` to the `storybot` parser."""
    shared = [common.paths, common.model]
    p = sub.add_parser(
        "stories",
        parents=shared,
        help="list the stories the articles tell (articles grouped as they are indexed)",
        description="List the stories: the indexed articles grouped by what they share (the parties and "
        "names they mention, how close their texts are, their dates), each with its id, name, articles, "
        "parties and dates, the most recently active first.",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object: stories")
    p.set_defaults(run=cmd_stories)
    p = sub.add_parser(
        "timeline",
        parents=shared,
        help="what each party of a story said, day by day",
        description="Every statement of the story named by STORY (its id from `storybot stories`, or words "
        "naming it; the latest story when omitted) in date order: the article's date, or the date the "
        "sentence states (\"ngày 19/7\", \"hôm qua\"), with the verbatim quote and its source.",
    )
    p.add_argument("story", nargs="?", default="", help="a story id (e.g. 3) or words naming the story")
    p.add_argument("--json", action="store_true", help="print one JSON object: story, days")
    p.set_defaults(run=cmd_timeline)


def cmd_stories(args: argparse.Namespace, settings: Settings) -> int:
    """`storybot stories`."""
    check_index_dir(settings.index_dir)
    stories = all_stories(open_engine(settings, Status(steps=False)))
    if args.json:
        print(json.dumps({"stories": [s.to_json() for s in stories]}, ensure_ascii=False))
        return 0
    if not stories:
        print(story_text("en", "none"))
        return 0
    print(story_text("en", "list_header", count=len(stories)))
    for s in stories:
        span = list(dict.fromkeys(format_date(d, "en") for d in (s.first_date, s.last_date) if d))
        dates = f", {' – '.join(span)}" if span else ""
        print(story_text("en", "line", id=s.id, name=s.name, articles=len(s.articles), dates=dates))
        if s.parties:
            print("   " + "; ".join(s.parties))
    return 0


def cmd_timeline(args: argparse.Namespace, settings: Settings) -> int:
    """`storybot timeline [STORY]`."""
    check_index_dir(settings.index_dir)
    engine = open_engine(settings, Status(steps=False))
    story = find_story(engine, args.story)
    if story is None:
        raise StorybotError(f"no story matches {args.story!r}: see `storybot stories` for their ids")
    timeline = story_timeline(engine.snapshot, story)
    if args.json:
        print(json.dumps(timeline.to_json(), ensure_ascii=False))
    else:
        print(timeline_text(timeline, question_language(args.story) if args.story.strip() else "vi"))
    return 0
