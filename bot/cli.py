"""The `storybot` command line: index, ask, chat, eval and run (the Telegram bot)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import TextIO

from index.config import DEFAULT_INDEX_DIR, DEFAULT_TOP_K, MAX_TOP_K, Settings, parse_top_k, settings_from_env
from index.embedding import DEFAULT_MODEL
from index.engine import Engine, prepare_question
from index.errors import StorybotError
from index.search import RETRIEVAL_MODES

from . import options

log = logging.getLogger("storybot")

EXIT_USAGE = 2

DESCRIPTION = """\
storybot answers questions about news articles with quotes taken word for word
from them, each with its source. Articles are UTF-8 .txt or .md files; the first
line is the title, and an optional front-matter block (--- / key: value / ---)
may give title, url, source and date.
"""

EPILOG = """\
examples:
  storybot index                              build or update the index of seeds/
  storybot ask "Ai đã cáo buộc Trung Quốc?"   answer one question
  storybot ask --json --questions qs.txt      answer many, one JSON object per line
  storybot who Vinasun                        the story's parties: who accused whom
  storybot chat                               ask questions interactively
  TELEGRAM_BOT_TOKEN=... storybot run         start the Telegram bot
"""


def _common(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("articles, index and model")
    group.add_argument(
        "--articles",
        metavar="DIR",
        type=Path,
        help="folder of article files (.txt, .md) [env STORYBOT_ARTICLES, default seeds]",
    )
    group.add_argument(
        "--index-dir",
        metavar="DIR",
        type=Path,
        help=f"where the built index lives [env STORYBOT_INDEX_DIR, default {DEFAULT_INDEX_DIR}]",
    )
    group.add_argument(
        "--model",
        metavar="NAME",
        help="sentence-transformers model name or local path "
        f"[env STORYBOT_MODEL, default {DEFAULT_MODEL}, bundled and offline]",
    )
    group.add_argument(
        "--query-prompt",
        metavar="TEXT",
        help='text put before each question, e.g. "query: " for e5 models [env STORYBOT_QUERY_PROMPT, default none]',
    )
    group.add_argument(
        "--passage-prompt",
        metavar="TEXT",
        help='text put before each passage, e.g. "passage: " for e5 models [env STORYBOT_PASSAGE_PROMPT, default none]',
    )
    group.add_argument("--device", help="torch device for the model [env STORYBOT_DEVICE, default cpu]")
    group.add_argument("-v", "--verbose", action="count", default=0, help="more log output (-vv for debug)")


def _top_k(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-k",
        "--top-k",
        metavar="N",
        help=f"passages to return, 1-{MAX_TOP_K} [env STORYBOT_TOP_K, default {DEFAULT_TOP_K}]",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    parser = argparse.ArgumentParser(
        prog="storybot",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser(
        "index",
        help="build or update the index from the articles folder",
        description="Build the index, or update it: new and changed articles are embedded, removed ones "
        "dropped, unchanged chunks reuse their stored embeddings. Prints a summary.",
    )
    _common(p)
    p.add_argument(
        "--json",
        action="store_true",
        help="print the summary as one JSON object "
        "(articles, chunks, added, changed, removed, unchanged, embedded, reused, seconds, skipped)",
    )
    p.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show a progress bar while embedding (default: only on a terminal, for long builds)",
    )

    p = sub.add_parser(
        "ask",
        help="answer a question from the articles",
        description="Answer a question with verbatim quotes and their sources. The index is built or "
        "updated first when it is missing or older than the articles.",
    )
    _common(p)
    _top_k(p)
    p.add_argument("question", nargs="?", help="the question (Vietnamese, with or without diacritics, or English)")
    p.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object: question, answered, answer, quotes, passages, timings_ms",
    )
    p.add_argument(
        "--questions",
        metavar="FILE",
        type=Path,
        help="answer every line of FILE (plain text, or JSON objects with a 'question' key; - for stdin), "
        "one JSON object per line with --json",
    )

    p = sub.add_parser(
        "who",
        help="list the parties of a story and what each said",
        description="List the parties of the story about TOPIC (of every article when the index holds "
        "one story): who accused, charged, sued, criticised, denied, rejected, demanded or said what, "
        "to whom, each with a verbatim quote and its source.",
    )
    _common(p)
    p.add_argument("topic", nargs="?", default="", help="words naming the story, e.g. Vinasun (optional)")
    p.add_argument("--json", action="store_true", help="print one JSON object: topic, parties")

    p = sub.add_parser(
        "chat",
        help="ask questions interactively in the terminal",
        description="An interactive chat in the terminal that gives the same answers as the Telegram bot. "
        "Type a question and press Enter; an empty line or Ctrl-D quits.",
    )
    _common(p)
    _top_k(p)

    p = sub.add_parser(
        "eval",
        help="measure retrieval and answer quality on a development set",
        description="Run a development set through the same path as 'storybot ask' and print recall@1, "
        "recall@5, MRR, answer hit and no-answer accuracy per question group (Vietnamese, Vietnamese "
        "without diacritics, English, held-out, off-topic). The index is built in a temporary folder.",
    )
    _common(p)
    p.add_argument(
        "dataset",
        type=Path,
        help="a folder with articles/ and questions.jsonl, or a .jsonl file of questions about --articles",
    )
    p.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    p.add_argument(
        "--retrieval",
        choices=RETRIEVAL_MODES,
        default="hybrid",
        help="rank by the fusion (default), or by BM25 or the embedding alone, to see what the fusion adds",
    )
    p.add_argument(
        "--no-holdout",
        action="store_true",
        help="skip the held-out run (questions about articles left out of the index must be refused)",
    )

    p = sub.add_parser(
        "run",
        help="run the Telegram bot",
        description="Run the Telegram bot: long polling by default, a webhook with --webhook-url. "
        "The index is built or updated first when needed, and the bot switches to a rebuilt index "
        "without restarting.",
    )
    _common(p)
    _top_k(p)
    options.add_arguments(p)
    return parser


def settings_from_args(args: argparse.Namespace) -> Settings:
    """Environment settings overridden by the command line."""
    settings = settings_from_env()
    top_k = getattr(args, "top_k", None)
    return settings.with_overrides(
        articles_dir=args.articles,
        index_dir=args.index_dir,
        model=args.model,
        query_prompt=args.query_prompt,
        passage_prompt=args.passage_prompt,
        device=args.device,
        top_k=parse_top_k(top_k) if top_k is not None else None,
    )


def ensure_index(engine: Engine, *, err: TextIO) -> None:
    """Build or update the index when it is missing or older than the articles, saying so on `err`."""
    if not engine.is_stale():
        return
    print(f"Updating the index in {engine.settings.index_dir} from {engine.settings.articles_dir} ...", file=err)
    summary = engine.rebuild()
    print(summary.describe(), file=err)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `storybot` command."""
    parser = build_parser()
    args = parser.parse_args(argv)
    _configure_logging(args.verbose)
    try:
        settings = settings_from_args(args)
        return COMMANDS[args.command](args, settings)
    except StorybotError as err:
        print(f"storybot {args.command}: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


def _configure_logging(verbose: int) -> None:
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger().setLevel(level)
    if verbose < 2:
        for noisy in ("httpx", "sentence_transformers", "faiss", "bm25s"):
            logging.getLogger(noisy).setLevel(logging.WARNING)


def cmd_index(args: argparse.Namespace, settings: Settings) -> int:
    """`storybot index`."""
    engine = Engine(settings)
    summary = engine.rebuild(progress=args.progress)
    if args.json:
        print(json.dumps(summary.to_json(), ensure_ascii=False))
    else:
        print(summary.describe())
    return 0


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    """`storybot ask`."""
    if args.questions is None:
        if args.question is None:
            raise StorybotError('give a question, e.g. storybot ask "Ai đã cáo buộc Trung Quốc?", or --questions FILE')
        prepare_question(args.question)  # fail on an empty question before loading the model
    elif args.question is not None:
        raise StorybotError("give either a question or --questions FILE, not both")
    questions = _read_questions(args.questions) if args.questions is not None else None
    engine = Engine(settings)
    ensure_index(engine, err=sys.stderr)
    if questions is None:
        answer = engine.ask(args.question)
        for notice in answer.notices:
            print(f"Notice: {notice}", file=sys.stderr)
        print(json.dumps(answer.to_json(), ensure_ascii=False) if args.json else answer.text)
        return 0
    for line_number, question in questions:
        try:
            answer = engine.ask(question)
        except StorybotError as err:
            result: dict[str, object] = {"question": question, "line": line_number, "error": str(err)}
            print(json.dumps(result, ensure_ascii=False) if args.json else f"line {line_number}: {err}")
            continue
        if args.json:
            print(json.dumps(answer.to_json(), ensure_ascii=False), flush=True)
        else:
            print(f"Q: {answer.question}\n{answer.text}\n", flush=True)
    return 0


def _read_questions(path: Path) -> list[tuple[int, str]]:
    """(line number, question) for each non-blank line; StorybotError names a malformed line."""
    try:
        text = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise StorybotError(f"questions file {path} does not exist") from None
    except UnicodeDecodeError as err:
        raise StorybotError(f"questions file {path} is not UTF-8 text ({err.reason}); re-save it as UTF-8") from None
    except OSError as err:
        raise StorybotError(f"cannot read questions file {path}: {err.strerror}") from None
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        if line.startswith("{"):
            try:
                question = json.loads(line)["question"]
                if not isinstance(question, str):
                    raise TypeError("'question' is not a string")
            except (ValueError, KeyError, TypeError) as err:
                raise StorybotError(
                    f'{path}, line {number}: expected a JSON object with a "question" string ({err})'
                ) from None
            out.append((number, question))
        else:
            out.append((number, line))
    return out


def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    """`storybot chat`: a terminal conversation with the same answers as the bot."""
    engine = Engine(settings)
    ensure_index(engine, err=sys.stderr)
    titles = ", ".join(a.title for a in engine.articles()[:3])
    print(f"storybot: ask about {len(engine.articles())} article(s) ({titles}).")
    print("Type a question and press Enter (Vietnamese or English). An empty line or Ctrl-D quits.\n")
    while True:
        try:
            question = input("? ")
        except EOFError:
            print()
            return 0
        if not question.strip():
            return 0
        answer = engine.ask(question)
        for notice in answer.notices:
            print(notice)
        print(answer.text + "\n")


def cmd_who(args: argparse.Namespace, settings: Settings) -> int:
    """`storybot who [TOPIC]`."""
    from index.parties import parties_text
    from index.text import question_language

    engine = Engine(settings)
    ensure_index(engine, err=sys.stderr)
    parties = engine.who(args.topic)
    if args.json:
        print(json.dumps({"topic": args.topic, "parties": [p.to_json() for p in parties]}, ensure_ascii=False))
    else:
        print(parties_text(parties, question_language(args.topic) if args.topic.strip() else "vi"))
    return 0


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    """`storybot eval`."""
    from index.evaluate import evaluate, format_report

    if not args.dataset.exists():
        raise StorybotError(f"dataset {args.dataset} does not exist")
    report = evaluate(args.dataset, settings, holdout=not args.no_holdout, retrieval=args.retrieval)
    print(json.dumps(report, ensure_ascii=False, indent=1) if args.json else format_report(report))
    return 0


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    """`storybot run`: the Telegram bot."""
    from . import app

    return app.run(args, settings)


COMMANDS = {"index": cmd_index, "ask": cmd_ask, "who": cmd_who, "chat": cmd_chat, "eval": cmd_eval, "run": cmd_run}

if __name__ == "__main__":
    sys.exit(main())
