"""The `storybot` command line: one function pair per subcommand (add_X builds its parser, cmd_X runs it).

To add a subcommand: write `add_X(sub, common)` (using the shared parent parsers
in `common` for the usual flags, and `p.set_defaults(run=cmd_X)`) and `cmd_X(args,
settings) -> exit status`, then list add_X in SUBCOMMANDS. Check the user's input
(folders, flags) before loading the model: see cli.prepare.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

from answer.engine import prepare_question
from answer.followup import Context
from answer.parties import MAX_STORY_ARTICLES
from answer.render import answer_json, answer_text, parties_text, party_json
from answer.search import RETRIEVAL_MODES
from bot import options
from index.config import Settings, default_paths, parse_top_k, settings_from_env
from index.errors import StorybotError
from ingest import config as ingest_config
from texts import catalogue

from . import stories, web
from .common import Common, common_parsers
from .prepare import Status, check_articles_dir, check_index_dir, example_topic, open_engine

log = logging.getLogger("storybot")

EXIT_USAGE = 2
DISTRIBUTION = "storybot-quotes"  # the name on PyPI; the command is `storybot`

DESCRIPTION = """\
storybot answers questions about news articles with quotes taken word for word
from them, each with its source. Articles are UTF-8 .txt or .md files; the first
line is the title, and an optional front-matter block (--- / key: value / ---)
may give title, url, source and date.
"""

EPILOG = """\
examples:
  storybot index                              build or update the index of the articles
  storybot ask "Ai đã cáo buộc Trung Quốc?"   answer one question
  storybot ask --json --questions qs.txt      answer many, one JSON object per line
  storybot who Vinasun                        the story's parties: who accused whom
  storybot chat                               ask questions interactively
  storybot add https://vnexpress.net/...      add an article by link
  storybot follow https://.../rss/tin.rss     follow a feed; storybot ingest adds its new entries
  TELEGRAM_BOT_TOKEN=... storybot run         start the Telegram bot
  storybot paths                              where the articles, the index and the history live
"""


Subparsers = argparse._SubParsersAction  # argparse's own type for `add_subparsers()`


def add_index(sub: Subparsers, common: Common) -> None:
    """`storybot index`."""
    p = sub.add_parser(
        "index",
        parents=[common.paths, common.model],
        help="build or update the index from the articles folder",
        description="Build the index, or update it: new and changed articles are embedded, removed ones "
        "dropped, unchanged chunks reuse their stored embeddings. Prints a summary.",
    )
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
    p.set_defaults(run=cmd_index)


def add_ask(sub: Subparsers, common: Common) -> None:
    """`storybot ask`."""
    p = sub.add_parser(
        "ask",
        parents=[common.paths, common.model, common.top_k],
        help="answer a question from the articles",
        description="Answer a question with verbatim quotes and their sources. The index is built or "
        "updated first when it is missing or older than the articles.",
    )
    p.add_argument("question", nargs="?", help="the question (Vietnamese, with or without diacritics, or English)")
    p.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object: question, answered, confidence, answer, quotes, passages, timings_ms",
    )
    p.add_argument(
        "--questions",
        metavar="FILE",
        type=Path,
        help="answer every line of FILE (plain text, or JSON objects with a 'question' key; - for stdin), "
        "one JSON object per line with --json",
    )
    p.add_argument(
        "--context",
        metavar="PREVIOUS",
        help='the previous question of the conversation: an elliptic question ("tại sao?", "còn Mỹ thì sao?") '
        "is answered as the question it completes to, as the bot and the chat do",
    )
    p.set_defaults(run=cmd_ask)


def add_who(sub: Subparsers, common: Common) -> None:
    """`storybot who`."""
    p = sub.add_parser(
        "who",
        parents=[common.paths, common.model],
        help="list the parties of a story and what each said",
        description="List the parties of the story about TOPIC (of every article when the index holds "
        "one story): who accused, charged, sued, criticised, denied, rejected, demanded or said what, "
        "to whom, each with a verbatim quote and its source.",
    )
    p.add_argument("topic", nargs="?", default="", help="words naming the story, e.g. Vinasun (optional)")
    p.add_argument("--json", action="store_true", help="print one JSON object: topic, parties")
    p.add_argument("--png", metavar="FILE", type=Path, help="also draw the story map (who did what to whom) into FILE")
    p.set_defaults(run=cmd_who)


def add_chat(sub: Subparsers, common: Common) -> None:
    """`storybot chat`."""
    p = sub.add_parser(
        "chat",
        parents=[common.paths, common.model],
        help="ask questions interactively in the terminal",
        description="An interactive chat in the terminal that gives the same answers as the Telegram bot. "
        "The model is loaded once and the index updated first when the articles changed. Type a question "
        "and press Enter; arrow keys edit and recall earlier questions; Ctrl-C clears the line; Ctrl-D quits.",
    )
    p.add_argument(
        "--language",
        choices=("vi", "en"),
        help="the chat's language (default: Vietnamese, English after a question in English; /language changes it)",
    )
    p.set_defaults(run=cmd_chat)


def add_eval(sub: Subparsers, common: Common) -> None:
    """`storybot eval`."""
    p = sub.add_parser(
        "eval",
        parents=[common.articles, common.model],
        help="measure retrieval and answer quality on a development set",
        description="Run a development set through the same path as 'storybot ask' and print recall@1, "
        "recall@5, MRR, answer hit and no-answer accuracy per question group (Vietnamese, Vietnamese "
        "without diacritics, English, ablated, held-out, off-topic). The index is built in a temporary folder.",
    )
    p.add_argument(
        "dataset",
        type=Path,
        help="a folder with articles/ and questions.jsonl, or a .jsonl file of questions (or of two-turn "
        "conversations, like tests/data/conversations.jsonl) about --articles",
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
    p.add_argument(
        "--ablations",
        type=int,
        metavar="N",
        help="questions asked again with their answer sentence deleted from the article, which must be "
        "refused (one index update each; 0 skips them) [default 120]",
    )
    p.set_defaults(run=cmd_eval)


def add_run(sub: Subparsers, common: Common) -> None:
    """`storybot run`."""
    p = sub.add_parser(
        "run",
        parents=[common.paths, common.model],
        help="run the Telegram bot",
        description="Run the Telegram bot: long polling by default, a webhook with --webhook-url. "
        "The index is built or updated first when needed (with the model the bot then uses), and the bot "
        "switches to a rebuilt index without restarting.",
    )
    options.add_arguments(p)
    ingest_config.add_arguments(p, polling=True)
    p.set_defaults(run=cmd_run)


def add_check(sub: Subparsers, common: Common) -> None:
    """`storybot check`."""
    p = sub.add_parser(
        "check",
        parents=[common.paths],
        help="check that the index is readable, without loading the model (a health check)",
        description="Open the current index and read its article list, without loading the model. Exit "
        "status 0 when it is readable (a warning if the articles changed since), 1 when it is not.",
    )
    p.set_defaults(run=cmd_check)


def add_paths(sub: Subparsers, common: Common) -> None:
    """`storybot paths`."""
    p = sub.add_parser(
        "paths",
        parents=[common.paths],
        help="show where the articles, the index and the chat history live",
        description="Print the folders storybot uses, after flags and STORYBOT_* variables: inside a "
        "checkout its seeds/ and data/index, elsewhere the user data directory.",
    )
    p.set_defaults(run=cmd_paths)


def add_feedback(sub: Subparsers, common: Common) -> None:
    """`storybot feedback`."""
    p = sub.add_parser(
        "feedback",
        parents=[common.paths],
        help="export readers' votes on the bot's answers as an eval set",
        description="Print the votes readers gave the bot's answers (👍 / 👎 and why), kept in the bot's state "
        "database (STORYBOT_DATABASE_URL, else the SQLite file beside the index folder). With --json, one line "
        "per vote in the layout 'storybot eval' reads: a 👍 answer's quotes become "
        'its gold, a 👍 "not found" must be refused, a 👎 is marked "expect": "review" until its answer is written.',
    )
    p.add_argument("--json", action="store_true", help="one JSON object per line: an eval set")
    p.add_argument("--days", type=float, default=0, help="only votes of the last DAYS days (default: all)")
    p.set_defaults(run=cmd_feedback)


def cmd_feedback(args: argparse.Namespace, settings: Settings) -> int:
    """`storybot feedback`: the readers' votes, as an eval set with --json."""
    import time

    from bot.feedback_store import export, open_feedback

    store = open_feedback(settings.index_dir, create=False)
    try:
        votes = store.votes(since=time.time() - args.days * 86400 if args.days > 0 else 0.0)
    finally:
        store.close()
    for line in export(votes):
        if args.json:
            print(json.dumps(line, ensure_ascii=False))
        else:
            print(f"{line['vote']:>4}  {line.get('reason') or '':<11}  {line['question']}")
    if not args.json:
        print(f"{len(votes)} vote(s)", file=sys.stderr)
    return 0


SUBCOMMANDS: list[Callable[[Subparsers, Common], None]] = [
    add_index,
    add_ask,
    add_who,
    add_chat,
    add_eval,
    add_feedback,
    add_run,
    add_check,
    add_paths,
    web.add_parsers,
    stories.add_parsers,
]


def version_text() -> str:
    """`storybot --version`: the version and the default folders."""
    try:
        version = metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        version = "(not installed)"
    defaults = default_paths()
    return (
        f"storybot {version} ({DISTRIBUTION}, Python {sys.version.split()[0]})\n"
        f"articles: {defaults.articles_dir}\nindex:    {defaults.index_dir}\n"
        f"(defaults of the {defaults.origin}; see `storybot paths`)"
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    parser = argparse.ArgumentParser(
        prog="storybot",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=version_text())
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    common = common_parsers()
    for add in SUBCOMMANDS:
        add(sub, common)
    return parser


def parse_args(parser: argparse.ArgumentParser, argv: list[str] | None) -> argparse.Namespace:
    """Parse `argv`; an unknown flag gets the usage of its subcommand, not the top-level one."""
    words = sys.argv[1:] if argv is None else argv
    top_level = {o for a in parser._actions for o in a.option_strings}
    for word in words:  # an unknown option before the command: say so, not "COMMAND is required"
        if not word.startswith("-"):
            break
        if word.split("=", 1)[0] not in top_level:
            parser.error(f"unrecognized option {word}; the options come after the command, see storybot --help")
    args, extra = parser.parse_known_args(argv)
    if extra:
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        sub.choices[args.command].error(f"unrecognized arguments: {' '.join(extra)}")
    return args


def settings_from_args(args: argparse.Namespace) -> Settings:
    """Environment settings overridden by the command line."""
    settings = settings_from_env()
    top_k = getattr(args, "top_k", None)
    return settings.with_overrides(
        articles_dir=getattr(args, "articles", None),
        index_dir=getattr(args, "index_dir", None),
        model=getattr(args, "model", None),
        query_prompt=getattr(args, "query_prompt", None),
        passage_prompt=getattr(args, "passage_prompt", None),
        device=getattr(args, "device", None),
        reader=getattr(args, "reader", None),
        top_k=parse_top_k(top_k) if top_k is not None else None,
    )


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `storybot` command."""
    parser = build_parser()
    args = parse_args(parser, argv)
    _configure_logging(getattr(args, "verbose", 0))
    try:
        settings = settings_from_args(args)
        return args.run(args, settings)
    except StorybotError as err:
        print(f"storybot {args.command}: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(file=sys.stderr)
        if args.command in ("index", "add", "ingest"):  # say what a stopped build kept (nothing is lost)
            print(catalogue("en").SUMMARY["interrupted"], file=sys.stderr)
        return 130


def _configure_logging(verbose: int) -> None:
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger().setLevel(level)
    # These libraries print through handlers of their own: passing their records on to
    # ours as well printed every line twice (once bare, once with a timestamp).
    for own_handler in ("huggingface_hub", "transformers"):
        logging.getLogger(own_handler).propagate = False
    if verbose < 2:
        for noisy in ("httpx", "sentence_transformers", "faiss", "bm25s"):
            logging.getLogger(noisy).setLevel(logging.WARNING)


def status_for(args: argparse.Namespace) -> Status:
    """Step-by-step progress on stderr: always for interactive commands, on a terminal for the others."""
    return Status(sys.stderr, steps=args.command in ("chat", "run") or sys.stderr.isatty())


def cmd_index(args: argparse.Namespace, settings: Settings) -> int:
    """`storybot index`."""
    check_articles_dir(settings.articles_dir)
    check_index_dir(settings.index_dir)
    status = status_for(args)
    engine = open_engine(settings, status, update=False)
    status.start(f"Indexing {settings.articles_dir} into {settings.index_dir}")
    summary = engine.rebuild(progress=args.progress)
    status.done()
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
    if args.context is not None and args.questions is not None:
        raise StorybotError("--context goes with one question, not with --questions")
    questions = _read_questions(args.questions) if args.questions is not None else None
    check_articles_dir(settings.articles_dir)
    check_index_dir(settings.index_dir)
    engine = open_engine(settings, status_for(args))
    if questions is None:
        context = Context(" ".join(args.context.split())) if args.context else None
        answer = engine.ask(args.question, context=context)
        for notice in answer.notices:
            print(f"Notice: {notice}", file=sys.stderr)
        print(json.dumps(answer_json(answer), ensure_ascii=False) if args.json else answer_text(answer))
        return 0
    for line_number, question in questions:
        try:
            answer = engine.ask(question)
        except StorybotError as err:
            result: dict[str, object] = {"question": question, "line": line_number, "error": str(err)}
            print(json.dumps(result, ensure_ascii=False) if args.json else f"line {line_number}: {err}")
            continue
        if args.json:
            print(json.dumps(answer_json(answer), ensure_ascii=False), flush=True)
        else:
            print(f"Q: {answer.question}\n{answer_text(answer)}\n", flush=True)
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
    from .chat import run_chat

    check_articles_dir(settings.articles_dir)
    check_index_dir(settings.index_dir)
    engine = open_engine(settings, status_for(args))
    return run_chat(engine, language=args.language)


def cmd_who(args: argparse.Namespace, settings: Settings) -> int:
    """`storybot who [TOPIC]`."""
    from answer.question import question_language

    files = check_articles_dir(settings.articles_dir)
    if not args.topic.strip() and files > MAX_STORY_ARTICLES:  # said before the model loads
        raise StorybotError(
            f"the articles folder holds {files} articles, more than one story: name the story, "
            f'e.g. storybot who "{example_topic(settings.articles_dir)}"'
        )
    check_index_dir(settings.index_dir)
    engine = open_engine(settings, status_for(args))
    parties = engine.who(args.topic)
    if args.png is not None:
        from answer.story_map import draw_map

        try:
            args.png.write_bytes(draw_map(parties, "vi", args.topic).png)
        except OSError as err:
            raise StorybotError(f"cannot write the map to {args.png}: {err.strerror or err}") from err
    if args.json:
        print(json.dumps({"topic": args.topic, "parties": [party_json(p) for p in parties]}, ensure_ascii=False))
    else:
        print(parties_text(parties, question_language(args.topic) if args.topic.strip() else "vi"))
    return 0


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    """`storybot eval`."""
    from evaluation.conversations import evaluate_conversations, format_conversation_report, is_conversation_file
    from evaluation.evaluate import ABLATIONS, evaluate, format_report

    if is_conversation_file(args.dataset):  # two-turn conversations (tests/data/conversations.jsonl)
        check_articles_dir(settings.articles_dir)
        talk = evaluate_conversations(args.dataset, settings)
        print(json.dumps(talk, ensure_ascii=False, indent=1) if args.json else format_conversation_report(talk))
        return 0
    if not args.dataset.exists():
        raise StorybotError(
            f"dataset {args.dataset} does not exist. Give a folder with articles/ and questions.jsonl, "
            "e.g. tests/data/xquad_sample."
        )
    if args.dataset.is_file():  # questions about --articles
        check_articles_dir(settings.articles_dir)
    ablations = ABLATIONS if args.ablations is None else args.ablations
    if ablations < 0:
        raise StorybotError(f"--ablations must be 0 or more, not {ablations}")
    report = evaluate(
        args.dataset, settings, holdout=not args.no_holdout, ablations=ablations, retrieval=args.retrieval
    )
    print(json.dumps(report, ensure_ascii=False, indent=1) if args.json else format_report(report))
    return 0


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    """`storybot run`: the Telegram bot."""
    from bot import app

    check_articles_dir(settings.articles_dir)
    check_index_dir(settings.index_dir)
    return app.run(args, settings, lambda: open_engine(settings, Status(sys.stderr)))


def cmd_check(args: argparse.Namespace, settings: Settings) -> int:
    """`storybot check`: the index opens and lists its articles; the model is not loaded."""
    from index.build import is_stale
    from index.store import open_snapshot

    check_index_dir(settings.index_dir, writable=False)
    try:
        snapshot = open_snapshot(settings.index_dir)
    except StorybotError as err:
        print(f"storybot check: error: {err}", file=sys.stderr)
        return 1
    try:
        articles = snapshot.articles()
        manifest = snapshot.manifest
        print(
            f"ok: index {snapshot.generation} in {settings.index_dir}: {len(articles)} article(s), "
            f"{snapshot.size} chunk(s), model {manifest.model}, built {manifest.built_at}"
        )
    finally:
        snapshot.close()
    try:
        if is_stale(settings):
            print(f"note: articles in {settings.articles_dir} changed since; `storybot index` updates the index")
    except StorybotError as err:
        print(f"note: {err}")
    return 0


def cmd_paths(args: argparse.Namespace, settings: Settings) -> int:
    """`storybot paths`."""
    from .chat import history_path

    origin = default_paths().origin
    print(f"articles:     {settings.articles_dir.absolute()}")
    print(f"index:        {settings.index_dir.absolute()}")
    print(f"chat history: {history_path()}")
    print(f"model:        {settings.model}")
    print(f"(defaults of the {origin}; STORYBOT_ARTICLES / STORYBOT_INDEX_DIR or the flags override them)")
    return 0
