"""Command-line options of `storybot run` (kept free of Telegram imports so --help is fast)."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the Telegram bot's options to `parser`."""
