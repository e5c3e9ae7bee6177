"""A burst of users at once against the real `storybot run`: everyone answered, nobody twice.

Starts the tests' stand-in Bot API server and `storybot run` (a separate
process, on a copy of the seed articles), waits until it is ready, then N
users each send one question at the same moment. Reports how long until the
last answer, the update -> answer latency (median, p95, both taken in this
process's clock) after each bot answered WARM_UP questions, and counts unanswered questions and duplicate answers (both
must be 0). With --faults, 10% of sendMessage calls fail after delivery (a 502
or a dropped connection) and one 429 is injected: still no duplicate.

Without --replicas the bot long-polls (as `storybot run` does by default).
With --replicas R, R bot processes run in webhook mode sharing one index and
one state database (an SQLite file in the data folder, or --database-url),
told they are R (STORYBOT_REPLICAS); this script plays Telegram and the proxy:
it posts each update to the next replica in turn, 40 at a time (Telegram's
default max_connections), and with --redeliver F also posts a fraction F of
the updates to a second replica, as Telegram's retry of a timed-out delivery
would land on another replica behind the proxy.

    python bench/bot_burst.py              # 200 users, long polling
    python bench/bot_burst.py -n 500 --faults --json
    python bench/bot_burst.py --replicas 2 --redeliver 0.1 --database-url postgresql+psycopg://...
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from bot_latency import QUESTIONS, WARM_UP, _machine, _percentile, _wait, emit, stop

from testing.fake_telegram import BOB, FakeTelegram

ROOT = Path(__file__).resolve().parent.parent
SECRET = "burst-secret"
CONNECTIONS = 40  # Telegram's default max_connections for a webhook


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start(argv: list[str], env: dict[str, str], log_path: Path, cpu: int | None = None) -> subprocess.Popen[bytes]:
    with open(log_path, "w") as log:
        bot = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log)
    if cpu is not None:  # before it loads anything: its threads inherit the affinity
        os.sched_setaffinity(bot.pid, {cpu % (os.cpu_count() or 1)})
    return bot


def _post(client: httpx.Client, url: str, update: dict) -> None:
    reply = client.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
    if reply.status_code != 200:
        raise RuntimeError(f"{url} answered {reply.status_code} to update {update['update_id']}")


def _most_in_any(times: list[float], span: float) -> int:
    """The most of `times` that fall in any window of `span` seconds."""
    times, most, first = sorted(times), 0, 0
    for last, at in enumerate(times):
        while at - times[first] >= span:
            first += 1
        most = max(most, last - first + 1)
    return most


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", "--users", type=int, default=200, help="users asking at once (default 200)")
    parser.add_argument("--faults", action="store_true", help="fail 10%% of sends after delivery, and one 429")
    parser.add_argument("--replicas", type=int, default=0, help="webhook replicas (default 0: one long-polling bot)")
    parser.add_argument("--redeliver", type=float, default=0.0, help="fraction of updates posted to two replicas")
    parser.add_argument("--database-url", help="shared state database (default: SQLite in the data folder)")
    parser.add_argument("--pin", action="store_true",
                        help="pin replica n to CPU n (each replica gets a core of its own, as on its own machine)")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="storybot-burst-"))
    shutil.copytree(ROOT / "seeds", work / "articles")
    fake = FakeTelegram().start()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "STORYBOT_"))}
    env |= {"TELEGRAM_BOT_TOKEN": fake.token, "TELEGRAM_BASE_URL": fake.base_url, "STORYBOT_RATE_LIMIT": "0"}
    if args.database_url:
        env["STORYBOT_DATABASE_URL"] = args.database_url
    argv = [sys.executable, "-m", "cli", "run", "--articles", str(work / "articles")]
    argv += ["--index-dir", str(work / "index")]
    bots: list[subprocess.Popen[bytes]] = []
    hooks: list[str] = []
    users = [{**BOB, "id": 9000 + n, "first_name": f"U{n}"} for n in range(args.users)]
    try:
        if not args.replicas:
            bots.append(_start(argv, env, work / "bot.log", 0 if args.pin else None))
            _wait(lambda: bool(fake.calls_of("getUpdates")) or bots[0].poll() is not None, 600, "the bot to start")
        for n in range(args.replicas):  # one after the other: the first builds the index the others open
            port = _free_port()
            hooks.append(f"http://127.0.0.1:{port}/storybot")
            hook_env = env | {"STORYBOT_REPLICAS": str(args.replicas), "STORYBOT_WEBHOOK_URL": hooks[-1],
                              "STORYBOT_WEBHOOK_PORT": str(port), "STORYBOT_WEBHOOK_SECRET": SECRET}
            bots.append(_start(argv, hook_env, work / f"bot-{n + 1}.log", n if args.pin else None))
            _wait(lambda n=n: len(fake.calls_of("setWebhook")) > n or bots[-1].poll() is not None, 600,
                  f"replica {n + 1} to start")
        for bot, log in zip(bots, sorted(work.glob("bot*.log"))):
            if bot.poll() is not None:
                print(log.read_text(), file=sys.stderr)
                return 1
        # Warm up each bot as a running one would be (its first questions load caches), then measure.
        for n in range(max(1, len(hooks))):
            warm = {**BOB, "id": 8000 + n, "first_name": f"W{n}"}
            with httpx.Client(timeout=60.0) as client:
                for question in QUESTIONS[:WARM_UP]:
                    message = fake.private(question, user=warm)
                    if hooks:
                        _post(client, hooks[n], {"update_id": message.pop("update_id"), "message": message})
            _wait(lambda warm=warm: len(fake.sent_to(warm["id"])) >= WARM_UP, 300, f"bot {n + 1} to warm up")
        fake.sent.clear()
        if args.faults:
            fake.fail("sendMessage", args.users // 20, "502", after=True)
            fake.fail("sendMessage", args.users // 20, "disconnect", after=True)
            fake.fail("sendMessage", 1, "429", retry_after=1)
        asked: dict[int, float] = {}  # chat -> when its update left "Telegram"
        updates = []
        for n, user in enumerate(users):
            message = fake.private(QUESTIONS[n % 6], user=user)  # the six on-topic questions
            updates.append({"update_id": message.pop("update_id"), "message": message})
        started = time.perf_counter()
        redelivered = 0
        if hooks:
            every = round(1 / args.redeliver) if args.redeliver > 0 and len(hooks) > 1 else 0
            with httpx.Client(timeout=30.0) as client, ThreadPoolExecutor(CONNECTIONS) as pool:
                jobs = []
                for n, update in enumerate(updates):
                    asked[update["message"]["chat"]["id"]] = time.perf_counter()
                    jobs.append(pool.submit(_post, client, hooks[n % len(hooks)], update))
                    if every and n % every == 0:  # the same update, to another replica
                        redelivered += 1
                        jobs.append(pool.submit(_post, client, hooks[(n + 1) % len(hooks)], update))
                for job in jobs:
                    job.result()
        else:
            for update in updates:
                asked[update["message"]["chat"]["id"]] = fake.delivered_at.get(update["update_id"], started)
        _wait(lambda: {s.chat_id for s in fake.sent} >= set(asked), 900, "every user answered")
        last = time.perf_counter() - started
        time.sleep(2.0)  # late duplicates would arrive now
    finally:
        statuses = [stop(bot) for bot in bots]
        fake.stop()
    per_chat = {chat: [s for s in fake.sent if s.chat_id == chat] for chat in asked}
    latencies = [
        (replies[0].at - (asked[chat] if hooks else fake.delivered_at[updates[i]["update_id"]])) * 1000
        for i, (chat, replies) in enumerate(per_chat.items())
        if replies
    ]
    report = {
        "users": args.users,
        "faults": args.faults,
        "replicas": args.replicas,
        "pinned": args.pin,
        "redelivered": redelivered,
        "database": (args.database_url or "sqlite").split(":", 1)[0],
        "answered": sum(1 for r in per_chat.values() if r),
        "unanswered": sum(1 for r in per_chat.values() if not r),
        "duplicates": sum(max(0, len(r) - 1) for r in per_chat.values()),
        "apologies": sum(1 for s in fake.sent if "đã có lỗi" in s.text or "went wrong" in s.text),
        "floods": len(fake.floods),
        "most_messages_in_a_second": _most_in_any([s.at for s in fake.sent], 1.0),
        # when the last answer to the users each replica was sent first came (balance between replicas)
        "last_answer_by_replica_s": [
            round(max(per_chat[u["id"]][0].at for u in users[r :: len(hooks)] if per_chat[u["id"]]) - started, 1)
            for r in range(len(hooks))
        ],
        "first_answer_s": round(min(s.at for s in fake.sent) - started, 1),
        "last_answer_s": round(last, 1),
        "median_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(_percentile(latencies, 95), 1),
        "bot_exit_status": max(statuses),
        "machine": _machine(),
    }
    shutil.rmtree(work, ignore_errors=True)
    if not emit(report, as_json=args.json):
        how = f"{args.replicas} webhook replicas" if hooks else "one long-polling bot"
        print(
            f"{report['users']} users at once ({how}){' with send faults' if args.faults else ''}: "
            f"{report['answered']} answered, {report['unanswered']} unanswered, {report['duplicates']} duplicates, "
            f"{report['apologies']} apologies, {report['floods']} 429s (most in a second: "
            f"{report['most_messages_in_a_second']}); last answer after {report['last_answer_s']} s; "
            f"update -> answer median {report['median_ms']} ms, p95 {report['p95_ms']} ms"
        )
    ok = report["unanswered"] == 0 and report["duplicates"] == 0 and report["bot_exit_status"] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
