"""Latency of inline answers ("@bot question"): from the inline query reaching the stand-in Bot API to
the bot's answerInlineQuery, at about 1,000 chunks.

Builds (once, cached in --work) a synthetic corpus of news-like articles (bench/corpus.py) and its
index, runs the bot in this process against the tests' stand-in Bot API server (testing/), warms the
model up, then sends the inline queries one at a time. Both times are taken by the stand-in server's
clock. Telegram drops an inline answer after about 10 s; the target is p95 <= 1.5 s on 2 cores.

    OMP_NUM_THREADS=1 python bench/inline_latency.py            # 40 queries at ~1,000 chunks
    python bench/inline_latency.py --chunks 1000 -n 100 --json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path

from corpus import load_sources, write_corpus

from answer.engine import Engine
from bot.app import build_application, running
from bot.config import BotSettings
from index.config import Settings
from testing.fake_telegram import ALICE, FakeTelegram

QUESTIONS = [
    "Ai đã cáo buộc Trung Quốc?",
    "ai buoc toi 4 nguoi trung quoc",
    "Vinasun kiện Grab vì sao?",
    "Ronaldo bị cáo buộc trốn thuế bao nhiêu tiền?",
    "Who accused China of hacking?",
    "Nadal thắng Wawrinka với tỷ số nào?",
    "Thời tiết Hà Nội ngày mai thế nào?",
    "How do I bake sourdough bread?",
]
WARM_UP = 3


async def _run(engine: Engine, count: int) -> list[float]:
    # A fresh inbox each run: the stand-in server numbers its updates from 1000 again in a new process.
    with FakeTelegram() as fake, tempfile.TemporaryDirectory(prefix="storybot-inbox-") as inbox:
        settings = BotSettings(
            token=fake.token,
            base_url=fake.base_url,
            base_file_url=fake.base_file_url,
            inbox=Path(inbox) / "inbox.sqlite3",
            rate_limit=0,  # one reader sends every query: the per-user limit (20 a minute) would stop them
        )
        async with running(build_application(settings, engine), settings):
            for number in range(WARM_UP):
                await fake.wait_inline(fake.inline(QUESTIONS[number % len(QUESTIONS)] + " ?"), timeout=120)
            seconds = []
            for number in range(count):
                question = QUESTIONS[number % len(QUESTIONS)] + " " * (number // len(QUESTIONS))
                calls = len(fake.calls_of("answerInlineQuery"))
                sent = time.perf_counter()
                fake.inline(question, user=ALICE)
                # Any answer counts, also one the server refused as too late (over Telegram's 10 s).
                await fake.wait_for(lambda c=calls: len(fake.calls_of("answerInlineQuery")) > c, 120, "the answer")
                seconds.append(fake.calls_of("answerInlineQuery")[-1].at - sent)
            return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", "--queries", type=int, default=40, help="inline queries to time (default 40)")
    parser.add_argument("--chunks", type=int, default=1000, help="size of the synthetic corpus (default 1000)")
    parser.add_argument("--work", type=Path, help="folder for the corpus and index (default: a temporary one)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="storybot-inline-") as tmp:
        work = args.work or Path(tmp)
        counts = write_corpus(work / "articles", load_sources(), args.chunks)
        engine = Engine(Settings(articles_dir=work / "articles", index_dir=work / "index"))
        engine.rebuild(progress=False)
        seconds = sorted(asyncio.run(_run(engine, args.queries)))
    p95 = seconds[min(len(seconds) - 1, int(0.95 * len(seconds)))]
    figures = {
        **counts,
        "queries": len(seconds),
        "median_s": round(statistics.median(seconds), 3),
        "p95_s": round(p95, 3),
        "max_s": round(seconds[-1], 3),
    }
    if args.json:
        print(json.dumps(figures))
    else:
        print(
            f"{figures['queries']} inline queries over {counts['articles']} articles, {counts['chunks']} chunks: "
            f"median {figures['median_s']} s, p95 {figures['p95_s']} s, max {figures['max_s']} s"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
