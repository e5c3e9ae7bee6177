"""Latency of the Telegram bot: from an update reaching the bot to its answer's sendMessage.

Starts the tests' stand-in Bot API server and the real `storybot run` (a
separate process, long polling, on a copy of the seed articles), warms the
model up, then sends N private questions one at a time. For each, the
stand-in server notes when the getUpdates response carrying the update was
handed over and when the sendMessage answering it arrived; both times are
taken in the server, so no clock is shared between processes.

    python bench/bot_latency.py            # 50 questions
    python bench/bot_latency.py -n 200 --json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from testing.fake_telegram import ALICE, FakeTelegram

ROOT = Path(__file__).resolve().parent.parent


QUESTIONS = [
    "Ai đã cáo buộc Trung Quốc?",
    "ai buoc toi 4 nguoi trung quoc",
    "Ai là tác giả bài viết?",
    "Có bao nhiêu máy chủ của Trung Quốc bị kiểm soát?",
    "Who accused China of hacking?",
    "Đại sứ quán Trung Quốc tại Mỹ nói gì?",
    "Thời tiết Hà Nội ngày mai thế nào?",
    "How do I bake sourdough bread?",
]
WARM_UP = 5


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", "--questions", type=int, default=50, help="questions to time (default 50)")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="storybot-bench-"))
    shutil.copytree(ROOT / "seeds", work / "articles")
    fake = FakeTelegram().start()
    command = shutil.which("storybot", path=str(Path(sys.executable).parent)) or "storybot"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "STORYBOT_"))}
    env |= {"TELEGRAM_BOT_TOKEN": fake.token, "TELEGRAM_BASE_URL": fake.base_url, "STORYBOT_RATE_LIMIT": "0"}
    started = time.perf_counter()
    bot = subprocess.Popen(
        [command, "run", "--articles", str(work / "articles"), "--index-dir", str(work / "index")],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(work / "bot.log", "w"),  # noqa: SIM115 - kept open for the bot's lifetime
    )
    try:
        _wait(lambda: bool(fake.calls_of("getUpdates")) or bot.poll() is not None, 600, "the bot to start")
        if bot.poll() is not None:
            print((work / "bot.log").read_text(), file=sys.stderr)
            return 1
        startup = time.perf_counter() - started
        for n in range(WARM_UP):
            _ask(fake, QUESTIONS[n % len(QUESTIONS)])
        latencies, answered = [], 0
        for n in range(args.questions):
            latency, quoted = _ask(fake, QUESTIONS[n % len(QUESTIONS)])
            latencies.append(latency)
            answered += quoted
    finally:
        status = stop(bot)
        fake.stop()
    report = {
        "questions": len(latencies),
        "answered_with_quotes": answered,
        "median_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(_percentile(latencies, 95), 1),
        "mean_ms": round(statistics.fmean(latencies), 1),
        "min_ms": round(min(latencies), 1),
        "max_ms": round(max(latencies), 1),
        "startup_s": round(startup, 1),
        "bot_exit_status": status,
        "machine": _machine(),
    }
    shutil.rmtree(work, ignore_errors=True)
    if not emit(report, as_json=args.json):
        print(f"bot started (model loaded, seed index built) in {report['startup_s']} s; exit status {status}")
        print(
            f"{report['questions']} questions ({answered} answered with quotes), update -> sendMessage: "
            f"median {report['median_ms']} ms, p95 {report['p95_ms']} ms "
            f"(mean {report['mean_ms']}, min {report['min_ms']}, max {report['max_ms']})"
        )
    return 0 if status == 0 else 1


def stop(bot: subprocess.Popen[bytes]) -> int:
    """Stop the bot as Ctrl-C would (killed if it takes over 30 s); its exit status."""
    bot.send_signal(signal.SIGINT)
    try:
        return bot.wait(30)
    except subprocess.TimeoutExpired:
        bot.kill()
        return bot.wait()


def emit(report: dict, *, as_json: bool) -> bool:
    """Print `report` as one JSON object (True), or its machine line, for the caller's own lines (False)."""
    if as_json:
        print(json.dumps(report, ensure_ascii=False))
        return True
    m = report["machine"]
    print(f"machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB RAM, load {m['load']}, {m['python']}")
    return False


def _ask(fake: FakeTelegram, question: str) -> tuple[float, bool]:
    """One question; (milliseconds from getUpdates handing it over to the answer's sendMessage, quoted?)."""
    message = fake.private(question)
    update_id = message["update_id"]

    def answer() -> list:
        return [s for s in fake.sent_to(ALICE["id"]) if s.reply_to == message["message_id"]]

    _wait(lambda: bool(answer()), 60, f"the answer to {question!r}")
    sent = answer()[0]
    return (sent.at - fake.delivered_at[update_id]) * 1000, bool(sent.quotes)


def _wait(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.002)


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))]


def _machine() -> dict[str, object]:
    cpu = platform.processor() or platform.machine()
    memory = 0.0
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = int(line.split()[1]) / 1024 / 1024
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "memory_gb": round(memory, 1),
        "load": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "python": platform.python_version(),
    }


if __name__ == "__main__":
    sys.exit(main())
