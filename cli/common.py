"""The parent parsers for the flags several `storybot` subcommands share (paths, model, -k)."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from index.config import DEFAULT_READER, DEFAULT_TOP_K, MAX_TOP_K, default_paths
from index.embedding import DEFAULT_MODEL


@dataclass(frozen=True)
class Common:
    """Parent parsers for the flags several subcommands share."""

    paths: argparse.ArgumentParser  # --articles, --index-dir
    articles: argparse.ArgumentParser  # --articles alone
    model: argparse.ArgumentParser  # --model, prompts, --device, -v
    top_k: argparse.ArgumentParser  # -k


def common_parsers() -> Common:
    """The shared parent parsers (see Common)."""
    defaults = default_paths()
    articles_help = f"folder of article files (.txt, .md) [env STORYBOT_ARTICLES, default {defaults.articles_dir}]"

    paths = argparse.ArgumentParser(add_help=False)
    group = paths.add_argument_group("articles and index")
    group.add_argument("--articles", metavar="DIR", type=Path, help=articles_help)
    group.add_argument(
        "--index-dir",
        metavar="DIR",
        type=Path,
        help=f"where the built index lives [env STORYBOT_INDEX_DIR, default {defaults.index_dir}]",
    )

    articles = argparse.ArgumentParser(add_help=False)
    articles.add_argument_group("articles").add_argument("--articles", metavar="DIR", type=Path, help=articles_help)

    model = argparse.ArgumentParser(add_help=False)
    group = model.add_argument_group("model")
    group.add_argument(
        "--model",
        metavar="NAME",
        help="sentence-transformers model name or local path "
        f"[env STORYBOT_MODEL, default {DEFAULT_MODEL}, bundled and offline]",
    )
    group.add_argument(
        "--query-prompt",
        metavar="TEXT",
        help="text put before each question [env STORYBOT_QUERY_PROMPT, default: the model's own, "
        '"query: " for e5 models]',
    )
    group.add_argument(
        "--passage-prompt",
        metavar="TEXT",
        help="text put before each passage [env STORYBOT_PASSAGE_PROMPT, default: the model's own, "
        '"passage: " for e5 models]',
    )
    group.add_argument("--device", help="torch device for the model [env STORYBOT_DEVICE, default cpu]")
    group.add_argument(
        "--reader",
        metavar="NAME",
        help="the model that reads each candidate sentence against the question and decides the quotes: "
        f"{DEFAULT_READER} (bundled), a folder written by make train-reader, a sentence-transformers "
        "CrossEncoder name or path, or none (sentence choice without a reader) "
        f"[env STORYBOT_READER, default {DEFAULT_READER}]",
    )
    group.add_argument("-v", "--verbose", action="count", default=0, help="more log output (-vv for debug)")

    top_k = argparse.ArgumentParser(add_help=False)
    top_k.add_argument(
        "-k",
        "--top-k",
        metavar="N",
        help=f"passages listed in the JSON answer, 1-{MAX_TOP_K} [env STORYBOT_TOP_K, default {DEFAULT_TOP_K}]",
    )
    return Common(paths=paths, articles=articles, model=model, top_k=top_k)
