"""Time to the first answer in `storybot chat`, as `make run` starts it without a Telegram token.

Runs the real command (a new process each time) on a copy of seeds/, pipes one question into it,
and measures from the process start to the answer's first line on stdout. "fresh" runs start
with no index (the chat builds it in the same process, with the model it then answers with);
"built" runs find the index current. Also prints the model load time the chat itself reports.

    python bench/first_answer.py          # 3 runs of each
    python bench/first_answer.py -n 5
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "ai buoc toi 4 nguoi trung quoc\n"
ANSWER_START = "Theo các bài báo:"


def one_run(articles: Path, index: Path) -> tuple[float, float]:
    """(seconds from start to the answer, seconds the model load took by the chat's own report)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STORYBOT_", "TELEGRAM_"))}
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "cli", "chat", "--articles", str(articles), "--index-dir", str(index)],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(QUESTION)
    process.stdin.close()
    answered = None
    for line in process.stdout:
        if line.startswith(ANSWER_START):
            answered = time.perf_counter() - started
            break
    process.stdout.read()
    err = process.stderr.read() if process.stderr else ""
    if process.wait(timeout=120) != 0 or answered is None:
        raise SystemExit(f"storybot chat failed:\n{err}")
    model = re.search(r"Loading the model .*\n  done in ([\d.]+) s", err)
    return answered, float(model.group(1)) if model else float("nan")


def main() -> None:
    """Print the medians of each kind of run."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=3, help="runs of each kind (default 3)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="storybot-first-answer-") as tmp:
        articles = Path(tmp) / "articles"
        shutil.copytree(ROOT / "seeds", articles)
        results: dict[str, list[tuple[float, float]]] = {"fresh": [], "built": []}
        for run in range(args.n):
            index = Path(tmp) / f"index-{run}"
            results["fresh"].append(one_run(articles, index))
            results["built"].append(one_run(articles, index))
    print(
        f"{platform.node()}: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}, Python "
        f"{platform.python_version()}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
    )
    for kind, runs in results.items():
        totals = [t for t, _ in runs]
        models = [m for _, m in runs]
        print(
            f"{kind}: first answer {statistics.median(totals):.2f} s median (min {min(totals):.2f}, max "
            f"{max(totals):.2f}; {len(runs)} runs); model load {statistics.median(models):.2f} s median"
        )


if __name__ == "__main__":
    main()
