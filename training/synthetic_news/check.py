"""Check a part (or all parts) of the synthetic news corpus: every gold phrase, statement content
and sentence must be an exact NFC substring of its article. Prints counts; exits 1 on any error.

    python3 training/synthetic_news/check.py training/synthetic_news/part1 [more parts]
"""

from __future__ import annotations

import json
import sys
import unicodedata
from collections import Counter
from pathlib import Path

ACTS = {"accuse", "deny", "demand", "respond", "threaten", "sue", "reject", "criticize", "charge", "say", "other"}
LANGS = {"vi", "vi-noaccent", "en"}
KINDS = {"fact", "amount", "date", "place", "reason", "who_said", "cover", "none"}


def check_part(part: Path) -> tuple[list[str], Counter]:
    errors: list[str] = []
    counts: Counter = Counter()
    for article_path in sorted((part / "articles").glob("*.txt")):
        raw = article_path.read_text(encoding="utf-8")
        text = unicodedata.normalize("NFC", raw)
        where = article_path.name
        if raw != text:
            errors.append(f"{where}: not NFC")
        lines = text.split("\n")
        if len(lines) < 3 or not lines[0].strip() or lines[1].strip():
            errors.append(f"{where}: line 1 must be the title and line 2 blank")
        labels = part / "labels" / (article_path.stem + ".jsonl")
        if not labels.exists():
            errors.append(f"{where}: no labels file {labels}")
            continue
        counts["articles"] += 1
        counts["words"] += len(text.split())
        for n, line in enumerate(labels.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            at = f"{labels.name}:{n}"
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                errors.append(f"{at}: not JSON ({e})")
                continue
            kind = row.get("type")
            if kind == "question":
                if row.get("lang") not in LANGS:
                    errors.append(f"{at}: lang {row.get('lang')!r}")
                if row.get("kind") not in KINDS:
                    errors.append(f"{at}: kind {row.get('kind')!r}")
                gold = row.get("gold", [])
                if (row.get("kind") == "none") != (not gold):
                    errors.append(f"{at}: kind none needs gold [] and others a gold phrase")
                phrases = list(gold) + [p for alts in row.get("gold_alt", []) for p in alts]
                for p in phrases:
                    if unicodedata.normalize("NFC", p) not in text:
                        errors.append(f"{at}: gold not in article: {p!r}")
                counts["questions"] += 1
                counts[f"q_{row.get('lang')}"] += 1
                counts[f"kind_{row.get('kind')}"] += 1
            elif kind == "statement":
                if row.get("act") not in ACTS:
                    errors.append(f"{at}: act {row.get('act')!r}")
                sentence = unicodedata.normalize("NFC", row.get("sentence") or "")
                content = unicodedata.normalize("NFC", row.get("content") or "")
                speaker = row.get("speaker") or ""
                if not sentence or sentence not in text:
                    errors.append(f"{at}: sentence not in article: {sentence[:60]!r}")
                if not content or content not in sentence:
                    errors.append(f"{at}: content not in its sentence: {content[:60]!r}")
                if not speaker or unicodedata.normalize("NFC", speaker) not in text:
                    errors.append(f"{at}: speaker not in article: {speaker!r}")
                target = row.get("target")
                if target and unicodedata.normalize("NFC", target) not in text:
                    errors.append(f"{at}: target not in article: {target!r}")
                counts["statements"] += 1
                counts[f"act_{row.get('act')}"] += 1
            else:
                errors.append(f"{at}: type must be question or statement")
    return errors, counts


def main(argv: list[str]) -> int:
    total: Counter = Counter()
    all_errors: list[str] = []
    for arg in argv or [str(p) for p in sorted(Path(__file__).parent.glob("part*"))]:
        errors, counts = check_part(Path(arg))
        all_errors += [f"{arg}/{e}" for e in errors]
        total += counts
    for e in all_errors:
        print(e)
    print(", ".join(f"{k} {v}" for k, v in sorted(total.items())))
    return 1 if all_errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
