"""How long the story map takes to draw: 12 parties (the most drawn) and 15 (three counted as "+3 more").

    python -m bench.map_speed [--runs 7]

Prints the median and the slowest of --runs draws after one warm-up draw (matplotlib loads its fonts
on the first figure). Target (issue "Follow a story"): <= 1 s for 12 parties.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

from answer.story_map import MAX_NODES, draw_map
from answer.types import Party


def parties(count: int) -> tuple[Party, ...]:
    """`count` parties, each accusing another: every node has an arrow and a label to place."""
    return tuple(
        Party(
            speaker=f"Bên số {k} ở Hà Nội", act="accuse", target=f"Bên số {(k + 5) % count} ở Hà Nội", quotes=(), side=0
        )
        for k in range(count)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    draw_map(parties(2), "en")
    load = os.getloadavg()[0]
    cpu = platform.processor() or platform.machine()
    print(f"{time.strftime('%Y-%m-%d')}, {cpu}, {os.cpu_count()} cores, load {load:.1f}")
    for count in (MAX_NODES, MAX_NODES + 3):
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            draw_map(parties(count), "vi")
            times.append(time.perf_counter() - started)
        print(
            f"{count} parties: median {statistics.median(times):.2f} s, slowest {max(times):.2f} s ({args.runs} draws)"
        )


if __name__ == "__main__":
    main()
