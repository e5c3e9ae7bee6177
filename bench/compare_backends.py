"""Same answers from both search backends? `storybot eval`'s run with the segmented index, then with Qdrant.

    python bench/compare_backends.py tests/data/xquad_sample [more datasets...]

For each dataset: the eval's figures with each backend (every figure should be within 0.01), and the
share of questions (every question the eval asks, ablations and held-out runs included) whose first
quote is the same (target >= 98%). Qdrant runs in qdrant-client's local mode in a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from answer.engine import Engine
from evaluation.evaluate import evaluate, format_report
from index.config import Settings
from index.embedding import load_encoder


def run(dataset: Path, settings: Settings, encoder: object, qdrant: Path | None) -> tuple[dict, list[tuple]]:
    """The eval's report and, in order, (question, first quote or None) of every question asked."""
    asked: list[tuple] = []
    original = Engine.ask

    def ask(self: Engine, question: str, *, top_k: int | None = None):  # type: ignore[no-untyped-def]
        answer = original(self, question, top_k=top_k)
        asked.append((question, answer.quotes[0].text if answer.quotes else None))
        return answer

    if qdrant is None:
        os.environ.pop("STORYBOT_QDRANT_PATH", None)
    else:
        os.environ["STORYBOT_QDRANT_PATH"] = str(qdrant)
    Engine.ask = ask  # type: ignore[method-assign]
    try:
        report = evaluate(dataset, settings, encoder)  # type: ignore[arg-type]
    finally:
        Engine.ask = original  # type: ignore[method-assign]
    return report, asked


def main() -> int:
    """Compare the backends on each dataset given; exit 1 when a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("datasets", nargs="+", type=Path)
    args = parser.parse_args()
    settings = Settings()
    encoder = load_encoder(settings.model, settings.query_prompt, settings.passage_prompt, settings.device)
    ok = True
    for dataset in args.datasets:
        base, base_asked = run(dataset, settings, encoder, None)
        with tempfile.TemporaryDirectory(prefix="storybot-qdrant-") as tmp:
            other, other_asked = run(dataset, settings, encoder, Path(tmp))
        print(f"== {dataset}\n-- segmented\n{format_report(base)}\n-- qdrant\n{format_report(other)}")
        worst = 0.0
        for group, figures in base.items():
            for key, value in figures.items():
                if key == "median_ms" or not isinstance(value, float):
                    continue
                worst = max(worst, abs(value - float(other.get(group, {}).get(key, float("nan")))))
        same = sum(a == b for a, b in zip(base_asked, other_asked))
        share = same / max(len(base_asked), 1)
        print(f"largest figure difference: {worst:.4f}; same first quote: {same}/{len(base_asked)} ({share:.1%})")
        ok = ok and worst <= 0.01 and share >= 0.98 and len(base_asked) == len(other_asked)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
