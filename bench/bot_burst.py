"""A burst of users at once against the real `storybot run`: everyone answered, nobody twice.

Starts the tests' stand-in Bot API server and `storybot run` (a separate
process, long polling, on a copy of the seed articles), waits until it polls,
then N users each send one question at the same moment. Reports how long
until the last answer, the update -> answer latency (median, p95, both taken
in the server), and counts unanswered questions and duplicate answers
(both must be 0). With --faults, 10% of sendMessage calls fail after delivery
(a 502 or a dropped connection) and one 429 is injected: still no duplicate.

    python bench/bot_burst.py              # 200 users
    python bench/bot_burst.py -n 500 --faults --json
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bot_latency import QUESTIONS, _machine, _percentile, _wait, emit, stop

from testing.fake_telegram import BOB, FakeTelegram

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", "--users", type=int, default=200, help="users asking at once (default 200)")
    parser.add_argument("--faults", action="store_true", help="fail 10%% of sends after delivery, and one 429")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="storybot-burst-"))
    shutil.copytree(ROOT / "seeds", work / "articles")
    fake = FakeTelegram().start()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "STORYBOT_"))}
    env |= {"TELEGRAM_BOT_TOKEN": fake.token, "TELEGRAM_BASE_URL": fake.base_url, "STORYBOT_RATE_LIMIT": "0"}
    argv = [sys.executable, "-m", "cli", "run", "--articles", str(work / "articles")]
    argv += ["--index-dir", str(work / "index")]
    with open(work / "bot.log", "w") as log:
        bot = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log)
    users = [{**BOB, "id": 9000 + n, "first_name": f"U{n}"} for n in range(args.users)]
    try:
        _wait(lambda: bool(fake.calls_of("getUpdates")) or bot.poll() is not None, 600, "the bot to start")
        if bot.poll() is not None:
            print((work / "bot.log").read_text(), file=sys.stderr)
            return 1
        if args.faults:
            fake.fail("sendMessage", args.users // 20, "502", after=True)
            fake.fail("sendMessage", args.users // 20, "disconnect", after=True)
            fake.fail("sendMessage", 1, "429", retry_after=1)
        started = time.perf_counter()
        asked = {}
        for n, user in enumerate(users):
            message = fake.private(QUESTIONS[n % 6], user=user)  # the six on-topic questions
            asked[user["id"]] = message
        _wait(lambda: {s.chat_id for s in fake.sent} >= set(asked), 900, "every user answered")
        last = time.perf_counter() - started
        time.sleep(2.0)  # late duplicates would arrive now
    finally:
        status = stop(bot)
        fake.stop()
    per_chat = {chat: [s for s in fake.sent if s.chat_id == chat] for chat in asked}
    latencies = [
        (replies[0].at - fake.delivered_at[asked[chat]["update_id"]]) * 1000
        for chat, replies in per_chat.items()
        if replies
    ]
    report = {
        "users": args.users,
        "faults": args.faults,
        "answered": sum(1 for r in per_chat.values() if r),
        "unanswered": sum(1 for r in per_chat.values() if not r),
        "duplicates": sum(max(0, len(r) - 1) for r in per_chat.values()),
        "apologies": sum(1 for s in fake.sent if "đã có lỗi" in s.text or "went wrong" in s.text),
        "last_answer_s": round(last, 1),
        "median_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(_percentile(latencies, 95), 1),
        "bot_exit_status": status,
        "machine": _machine(),
    }
    shutil.rmtree(work, ignore_errors=True)
    if not emit(report, as_json=args.json):
        print(
            f"{report['users']} users at once{' with send faults' if args.faults else ''}: "
            f"{report['answered']} answered, {report['unanswered']} unanswered, {report['duplicates']} duplicates, "
            f"{report['apologies']} apologies; last answer after {report['last_answer_s']} s; "
            f"update -> answer median {report['median_ms']} ms, p95 {report['p95_ms']} ms"
        )
    ok = report["unanswered"] == 0 and report["duplicates"] == 0 and status == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
