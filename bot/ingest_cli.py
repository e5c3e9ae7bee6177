"""The command line's web commands: add (by link), follow, unfollow, feeds, and ingest (one feed round)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from index.config import Settings
from index.engine import Engine
from ingest import config as ingest_config
from ingest import feeds as feed_registry
from ingest.links import FAILED, add_links, added_files
from ingest.messages import IngestProblem, message

if TYPE_CHECKING:
    from .cli import Common

EXIT_FAILED = 1  # some link or feed could not be used (the others were)


def add_parsers(sub: argparse._SubParsersAction, common: Common) -> None:
    """Add the web subcommands to the `storybot` parser, with the shared articles/index/model options."""
    shared = [common.paths, common.model]
    p = sub.add_parser(
        "add",
        parents=shared,
        help="add articles by link: fetch the pages, save them as article files, update the index",
        description="Fetch each web page, extract its story (title, date, author, site) without menus, ads "
        "or comments, save it in the articles folder under web/<site>/ with front matter, and update the "
        "index. A page already there (same address, or same text) is not added again. Exit status 1 when "
        "a link could not be added.",
    )
    p.set_defaults(run=cmd_add)
    p.add_argument("urls", nargs="+", metavar="URL", help="http(s) address of an article page")
    p.add_argument("--json", action="store_true", help="print one JSON object per link")
    ingest_config.add_arguments(p, feeds=False)

    p = sub.add_parser(
        "follow",
        parents=shared,
        help="follow an RSS/Atom feed: its entries are added by `storybot ingest` and by the running bot",
        description="Read the feed once to check it, then register it in the feed registry. Its entries "
        "are added by the next `storybot ingest` (e.g. from cron) or by the running bot, which checks "
        "followed feeds every --feed-minutes.",
    )
    p.set_defaults(run=cmd_follow)
    p.add_argument("url", metavar="FEED_URL", help="address of an RSS or Atom feed")
    ingest_config.add_arguments(p)

    for name, what in (("unfollow", "stop following a feed (articles added from it are kept)"),
                       ("feeds", "list the followed feeds and how each is doing")):
        p = sub.add_parser(name, parents=shared, help=what)
        p.set_defaults(run=COMMANDS[name])
        if name == "unfollow":
            p.add_argument("url", metavar="FEED_URL", help="address of a followed feed")
        ingest_config.add_arguments(p)

    p = sub.add_parser(
        "ingest",
        parents=shared,
        help="one round over the followed feeds: add their new entries and update the index (for cron)",
        description="Read every followed feed that is due (a failing feed waits longer after each failure), "
        "add its new entries as `storybot add` would, and update the index once. Exit status 1 when a "
        "feed could not be read.",
    )
    p.set_defaults(run=cmd_ingest)
    p.add_argument("--json", action="store_true", help="print one JSON object per feed")
    ingest_config.add_arguments(p)


def cmd_add(args: argparse.Namespace, settings: Settings) -> int:
    """`storybot add URL...`."""
    options = ingest_config.ingest_settings(args)
    results = add_links(args.urls, settings.articles_dir, options, settings.index_dir)
    for result in results:
        if args.json:
            print(json.dumps(result.to_json(), ensure_ascii=False), flush=True)
        else:
            where = f" [{result.article_id}]" if result.status == "added" else ""
            print(f"{result.url}: {result.describe('en')}{where}", flush=True)
    added = added_files(results)
    if added:
        _rebuild(settings, added)
    return EXIT_FAILED if any(r.status == FAILED for r in results) else 0


def cmd_follow(args: argparse.Namespace, settings: Settings) -> int:
    """`storybot follow FEED_URL`."""
    options = ingest_config.ingest_settings(args)
    path = options.feeds_path(settings.index_dir)
    try:
        feed, created, entries = feed_registry.follow(path, args.url, options)
    except IngestProblem as problem:
        print(f"storybot follow: {problem.describe('en')}", file=sys.stderr)
        return EXIT_FAILED
    if not created:
        print(message("en", "already_following", title=feed.title))
        return 0
    minutes = f"{options.feed_seconds / 60:g}"
    print(message("en", "following", title=feed.title, entries=entries, minutes=minutes))
    print(f"Registered in {path}. `storybot ingest` adds its entries now; a running bot does it on its schedule.")
    return 0


def cmd_unfollow(args: argparse.Namespace, settings: Settings) -> int:
    """`storybot unfollow FEED_URL`."""
    options = ingest_config.ingest_settings(args)
    try:
        feed = feed_registry.unfollow(options.feeds_path(settings.index_dir), args.url)
    except IngestProblem as problem:
        print(f"storybot unfollow: {problem.describe('en').replace('/feeds', 'storybot feeds')}", file=sys.stderr)
        return EXIT_FAILED
    print(message("en", "unfollowed", title=feed.title))
    return 0


def cmd_feeds(args: argparse.Namespace, settings: Settings) -> int:
    """`storybot feeds`."""
    options = ingest_config.ingest_settings(args)
    feeds = feed_registry.load(options.feeds_path(settings.index_dir))
    print("\n".join(feed_registry.describe_feeds(feeds, "en")).replace("/follow", "storybot follow"))
    return 0


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    """`storybot ingest`: one round over the followed feeds."""
    options = ingest_config.ingest_settings(args)
    path = options.feeds_path(settings.index_dir)
    followed = feed_registry.load(path)
    if not followed:
        print(message("en", "feeds_empty").replace("/follow", "storybot follow"))
        return 0
    reports = feed_registry.run_round(settings, options, lambda added: _rebuild(settings, added))
    for report in reports:
        if args.json:
            record = {
                "feed": report.feed_url,
                "title": report.title,
                "error": report.problem.describe("en") if report.problem else None,
                "entries": [o.to_json() for o in report.entries],
            }
            print(json.dumps(record, ensure_ascii=False))
            continue
        lines = feed_registry.describe_report(report, "en", waiting=True)
        if report.problem is not None and not lines:  # still failing: say so on every cron run
            lines = [f"Feed “{report.title}”: {report.problem.describe('en')}"]
        print("\n".join(lines) or f"Feed “{report.title}”: no new entries.")
    if not args.json and not reports:
        print(message("en", "round_nothing", feeds=len(followed)))
    return EXIT_FAILED if any(r.problem is not None for r in reports) else 0


def _rebuild(settings: Settings, added: list[str]) -> None:
    """Index the articles just added (the model is loaded only now: a run that adds nothing does not need it)."""
    summary = Engine(settings).rebuild(progress=False, only=added)
    print(summary.describe(), file=sys.stderr)


COMMANDS = {"add": cmd_add, "follow": cmd_follow, "unfollow": cmd_unfollow, "feeds": cmd_feeds, "ingest": cmd_ingest}
