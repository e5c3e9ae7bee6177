"""Settings of fetching pages and following feeds, from the environment with command-line overrides."""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from index.errors import StorybotError

ENV = {
    "allow_private_urls": "STORYBOT_ALLOW_PRIVATE_URLS",
    "feeds_file": "STORYBOT_FEEDS_FILE",
    "feed_minutes": "STORYBOT_FEED_MINUTES",
}
DEFAULT_FEED_MINUTES = 15.0
MAX_PAGE_BYTES = 5_000_000  # news pages with inline scripts reach 2-3 MB; beyond this it is not an article
FETCH_TIMEOUT = 15.0  # seconds per network step (connect, each read)
MAX_REDIRECTS = 5
FEEDS_FILE_NAME = "feeds.json"


@dataclass(frozen=True)
class IngestSettings:
    """How links are fetched and feeds followed."""

    allow_private_urls: bool = False  # fetch loopback / private / link-local addresses too (tests, intranets)
    feeds_file: Path | None = None  # None: feeds.json next to the index folder (data/feeds.json by default)
    feed_seconds: float = DEFAULT_FEED_MINUTES * 60  # how often the bot polls followed feeds
    max_bytes: int = MAX_PAGE_BYTES
    timeout: float = FETCH_TIMEOUT
    max_redirects: int = MAX_REDIRECTS

    def feeds_path(self, index_dir: Path) -> Path:
        """The feed registry's file: the configured one, or feeds.json beside `index_dir`."""
        return self.feeds_file if self.feeds_file is not None else index_dir.parent / FEEDS_FILE_NAME


def add_arguments(parser: argparse.ArgumentParser, *, feeds: bool = True, polling: bool = False) -> None:
    """Add the ingestion options to `parser` (`polling`: the bot's feed schedule too)."""
    group = parser.add_argument_group("fetching links and feeds")
    group.add_argument(
        "--allow-private-urls",
        action="store_true",
        default=None,
        help="also fetch loopback, private and link-local addresses (an intranet, a local test server) "
        f"[env {ENV['allow_private_urls']}=1, default off: public addresses only]",
    )
    if feeds:
        group.add_argument(
            "--feeds-file",
            metavar="FILE",
            type=Path,
            help=f"the followed feeds' registry [env {ENV['feeds_file']}, default feeds.json beside the index "
            "folder, i.e. data/feeds.json]",
        )
    if polling:
        group.add_argument(
            "--feed-minutes",
            metavar="M",
            help=f"how often the bot checks followed feeds [env {ENV['feed_minutes']}, "
            f"default {DEFAULT_FEED_MINUTES:g}]",
        )


def ingest_settings(args: argparse.Namespace | None = None, env: Mapping[str, str] | None = None) -> IngestSettings:
    """IngestSettings from the environment, overridden by the command line; StorybotError when invalid."""
    env = os.environ if env is None else env
    allow = getattr(args, "allow_private_urls", None)
    if allow is None:
        allow = _flag(env.get(ENV["allow_private_urls"], ""))
    feeds_file = getattr(args, "feeds_file", None)
    if feeds_file is None and env.get(ENV["feeds_file"]):
        feeds_file = Path(env[ENV["feeds_file"]])
    minutes_text = getattr(args, "feed_minutes", None) or env.get(ENV["feed_minutes"]) or ""
    minutes = DEFAULT_FEED_MINUTES
    where = f"--feed-minutes / {ENV['feed_minutes']}"
    if minutes_text:
        try:
            minutes = float(minutes_text)
        except ValueError:
            raise StorybotError(f"{where} must be a number of minutes, not {minutes_text!r}") from None
        if not 0.01 <= minutes <= 24 * 60:
            raise StorybotError(f"{where} must be between 0.01 and 1440 minutes, not {minutes_text}")
    return IngestSettings(allow_private_urls=bool(allow), feeds_file=feeds_file, feed_seconds=minutes * 60)


def _flag(value: str) -> bool:
    value = value.strip().lower()
    if value in ("", "0", "false", "no", "off"):
        return False
    if value in ("1", "true", "yes", "on"):
        return True
    raise StorybotError(f"{ENV['allow_private_urls']} must be 1 or 0, not {value!r}")
