"""The command line's web commands: add (by link), follow, unfollow, feeds, and ingest (one feed round)."""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from answer.engine import Engine
from index.articles import list_article_files
from index.config import Settings
from index.errors import StorybotError
from ingest import config as ingest_config
from ingest import feeds as feed_registry
from ingest.add import ArticleFile, Indexed, Reindex, Source, add_articles, update_index
from ingest.links import FAILED
from ingest.messages import IngestProblem, message
from ingest.uploads import safe_article_name

from .common import Common

EXIT_FAILED = 1  # some link or feed could not be used (the others were)
_LINK = re.compile(r"^(https?://|www\.)", re.IGNORECASE)  # a link, even where a file of that name exists


def add_parsers(sub: argparse._SubParsersAction, common: Common) -> None:
    """Add the web subcommands to the `storybot` parser, with the shared articles/index/model options."""
    shared = [common.paths, common.model]
    p = sub.add_parser(
        "add",
        parents=shared,
        help="add articles by link, file or folder: save them as article files, update the index",
        description="Fetch each web page, extract its story (title, date, author, site) without menus, ads "
        "or comments, save it in the articles folder under web/<site>/ with front matter, and update the "
        "index. A local .txt/.md file (or every one in a folder) is copied into the articles folder. An "
        "article already there (same address, or same text) is not added again. Exit status 1 when "
        "something could not be added.",
    )
    p.set_defaults(run=cmd_add)
    p.add_argument(
        "urls", nargs="+", metavar="URL|FILE|FOLDER", help="http(s) address of an article page, or a .txt/.md file"
    )
    p.add_argument("--json", action="store_true", help="print one JSON object per link or file")
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
    p.add_argument("--json", action="store_true", help="print one JSON object: feed, created, entries (or error)")
    ingest_config.add_arguments(p)

    for name, what, shape in (
        ("unfollow", "stop following a feed (articles added from it are kept)", "unfollowed (or error)"),
        ("feeds", "list the followed feeds and how each is doing", "feeds"),
    ):
        p = sub.add_parser(name, parents=shared, help=what)
        p.set_defaults(run=COMMANDS[name])
        if name == "unfollow":
            p.add_argument("url", metavar="FEED_URL", help="address of a followed feed")
        p.add_argument("--json", action="store_true", help=f"print one JSON object: {shape}")
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
    """`storybot add URL|FILE|FOLDER...`."""
    options = ingest_config.ingest_settings(args)
    sources = [source for item in args.urls for source in _sources(item)]
    outcome = add_articles(
        sources, settings.articles_dir, options, _reindex(settings), index_dir=settings.index_dir
    )
    for result in outcome.results:
        if args.json:
            print(json.dumps(result.to_json(), ensure_ascii=False), flush=True)
        else:
            where = f" [{result.article_id}]" if result.status == "added" else ""
            print(f"{result.url}: {result.describe('en')}{where}", flush=True)
    _report(outcome.indexed)
    return EXIT_FAILED if any(r.status == FAILED for r in outcome.results) else 0


def _sources(item: str) -> list[Source]:
    """A command-line argument as sources: a local file, every article file of a folder, or a link."""
    path = Path(item)
    if _LINK.match(item) or "://" in item:
        return [item]
    if not path.exists():
        raise StorybotError(
            f"{item} is neither a file or folder here nor a web address. Give an http(s) link, "
            "a .txt/.md article file, or a folder of them."
        )
    files = list_article_files(path) if path.is_dir() else [path]
    out: list[Source] = []
    for file in files:
        name = safe_article_name(file.name)
        if name is None:
            raise StorybotError(f"{file} is not a .txt or .md file; give article files, folders of them, or links")
        try:
            out.append(ArticleFile(name, file.read_bytes(), origin=str(file)))
        except OSError as err:
            raise StorybotError(f"cannot read {file}: {err.strerror or err}") from None
    return out


def cmd_follow(args: argparse.Namespace, settings: Settings) -> int:
    """`storybot follow FEED_URL`."""
    options = ingest_config.ingest_settings(args)
    path = options.feeds_path(settings.index_dir)
    try:
        feed, created, entries = feed_registry.follow(path, args.url, options)
    except IngestProblem as problem:
        if args.json:
            _print_json({"error": problem.describe("en"), "key": problem.key})
        print(f"storybot follow: {problem.describe('en')}", file=sys.stderr)
        return EXIT_FAILED
    if args.json:
        _print_json({"feed": feed.to_json(), "created": created, "entries": entries if created else None})
        return 0
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
        said = problem.describe("en").replace("/feeds", "storybot feeds")
        if args.json:
            _print_json({"error": said, "key": problem.key})
        print(f"storybot unfollow: {said}", file=sys.stderr)
        return EXIT_FAILED
    if args.json:
        _print_json({"unfollowed": feed.to_json()})
    else:
        print(message("en", "unfollowed", title=feed.title))
    return 0


def cmd_feeds(args: argparse.Namespace, settings: Settings) -> int:
    """`storybot feeds`."""
    options = ingest_config.ingest_settings(args)
    feeds = feed_registry.load(options.feeds_path(settings.index_dir))
    if args.json:
        _print_json({"feeds": [feed.to_json() for feed in feeds]})
    else:
        print("\n".join(feed_registry.describe_feeds(feeds, "en")).replace("/follow", "storybot follow"))
    return 0


def _print_json(record: dict[str, object]) -> None:
    print(json.dumps(record, ensure_ascii=False), flush=True)


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    """`storybot ingest`: one round over the followed feeds."""
    options = ingest_config.ingest_settings(args)
    path = options.feeds_path(settings.index_dir)
    followed = feed_registry.load(path)
    if not followed:
        print(message("en", "feeds_empty").replace("/follow", "storybot follow"))
        return 0
    indexed: list[Indexed] = []
    reindex = _reindex(settings)
    reports = feed_registry.run_round(settings, options, lambda added: indexed.append(update_index(added, reindex)))
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
    for outcome in indexed:
        _report(outcome)
    return EXIT_FAILED if any(r.problem is not None for r in reports) else 0


def _reindex(settings: Settings) -> Reindex:
    """Index the articles just added (the model is loaded only now: a run that adds nothing does not need it)."""
    return lambda added: Engine(settings).rebuild(progress=False, only=added)


def _report(indexed: Indexed | None) -> None:
    """The index update's summary on stderr; a failed update is the command's error (the files are kept)."""
    if indexed is None:
        return
    if indexed.error is not None:
        raise indexed.error
    if indexed.summary is not None:
        print(indexed.summary.describe(), file=sys.stderr)


COMMANDS = {"add": cmd_add, "follow": cmd_follow, "unfollow": cmd_unfollow, "feeds": cmd_feeds, "ingest": cmd_ingest}
