"""Stories grouped as articles are indexed, their timeline (with a relative date), and the CLI commands."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from answer.engine import Engine
from answer.stories import find_story
from answer.timeline import same_day, stated_date, stated_day, story_timeline, timeline_text
from cli.main import main
from index.config import Settings
from index.store import open_snapshot
from index.stories import STORIES_FILE, StoryStore, sync_stories

from .conftest import LOOK_ALIKES

STORIES = Path(__file__).resolve().parent / "data" / "stories"


@pytest.fixture
def story_engine(tmp_path: Path, encoder) -> Engine:
    """An index of the first article of the Sao Mai story and of an unrelated one (the second comes later)."""
    folder = tmp_path / "articles"
    folder.mkdir()
    for name in ("a1_saomai.txt", "b1_hoaphong.txt"):
        shutil.copy(STORIES / name, folder / name)
    engine = Engine(Settings(articles_dir=folder, index_dir=tmp_path / "index"), encoder)
    engine.rebuild(progress=False)
    return engine


def test_a_second_article_joins_its_story_and_only_it_is_placed(story_engine):
    first = sync_stories(story_engine.snapshot)
    assert {j.article_id for j in first} == {"a1_saomai.txt", "b1_hoaphong.txt"}
    assert len({j.story_id for j in first}) == 2  # two stories
    assert sync_stories(story_engine.snapshot) == []  # nothing new: nothing placed again
    shutil.copy(STORIES / "a2_saomai.txt", story_engine.settings.articles_dir / "a2_saomai.txt")
    story_engine.rebuild(progress=False, only=["a2_saomai.txt"])
    [joined] = sync_stories(story_engine.snapshot)  # O(article): only the new article is placed
    assert joined.article_id == "a2_saomai.txt" and not joined.new_story
    with StoryStore(story_engine.settings.index_dir) as store:
        story = store.story(joined.story_id)
        assert story is not None
        assert [a.article_id for a in story.articles] == ["a1_saomai.txt", "a2_saomai.txt"]
        assert (story.first_date, story.last_date) == ("2024-03-11", "2024-03-13")
        assert story.name in {a.title for a in story.articles}
        assert any("Sao Mai" in p for p in story.parties)
        assert store.story_of("b1_hoaphong.txt") != joined.story_id
    # An article removed from the index leaves its story.
    (story_engine.settings.articles_dir / "a2_saomai.txt").unlink()
    story_engine.rebuild(progress=False)
    sync_stories(story_engine.snapshot)
    with StoryStore(story_engine.settings.index_dir) as store:
        assert "a2_saomai.txt" not in store.assignments()


def test_names_that_tell_a_story_are_neither_places_nor_kinds_of_bodies():
    from index.articles import parse_article
    from index.stories import article_names

    names = article_names(parse_article("nt1.txt", LOOK_ALIKES["nt1.txt"]))
    assert {"bien xanh", "luu quang nhut", "thach thi anh"} <= names
    # Not the city, the street, the capital, "UBND", nor a word like "đồng" that only looks capitalised.
    assert not names & {"nha trang", "tran phu", "ha noi", "ubnd", "dong", "duoc", "cong"}, names


def test_two_look_alike_incidents_are_two_stories_and_a_sequel_joins_its_own(look_alike_engine: Engine):
    sync_stories(look_alike_engine.snapshot)
    with StoryStore(look_alike_engine.settings.index_dir) as store:
        found = store.assignments()
    assert found["nt1.txt"] == found["nt3.txt"] != found["nt2.txt"]


def test_a_crashed_sync_leaves_the_stories_as_they_were(story_engine, monkeypatch):
    from index import stories

    def broken(*args, **kwargs):
        raise RuntimeError("power cut")

    monkeypatch.setattr(stories, "article_vector", broken)
    with pytest.raises(RuntimeError):
        sync_stories(story_engine.snapshot)
    monkeypatch.undo()
    with StoryStore(story_engine.settings.index_dir) as store:
        assert store.assignments() == {}
    assert len(sync_stories(story_engine.snapshot)) == 2
    assert (story_engine.settings.index_dir / STORIES_FILE).exists()


def test_stated_dates_are_counted_from_the_article():
    day = date(2024, 3, 13)
    assert stated_date("Công ty hôm qua bác bỏ cáo buộc", day) == date(2024, 3, 12)
    assert stated_date("Trong tuyên bố đưa ra ngày 20/7, phái đoàn cho biết", date(2021, 7, 21)) == date(2021, 7, 20)
    assert stated_date("ngày 28/12 ông nói", date(2025, 1, 3)) == date(2024, 12, 28)
    assert stated_date("yêu cầu giải trình trước ngày 15/3", date(2024, 3, 11)) is None  # a deadline
    assert stated_date("không có ngày", day) is None


def test_an_undated_article_is_dated_by_the_day_and_month_its_sentences_state():
    assert stated_day("Trong tuyên bố đưa ra ngày 20/7, phái đoàn cho biết", None) == "--07-20"
    assert stated_day("Chính phủ Mỹ hôm 19/7 cũng cáo buộc", None) == "--07-19"
    assert stated_day("Chính phủ Mỹ hôm 19/7 cũng cáo buộc", date(2021, 7, 21)) == "2021-07-19"
    assert stated_day("yêu cầu giải trình trước ngày 15/3", None) is None  # a deadline, not when it was said
    assert stated_day("ngày 31/2 ông nói", None) is None and stated_day("hôm qua ông nói", None) is None
    assert same_day("Trong tuyên bố ngày 20/7, Bắc Kinh nói. Báo cáo năm 2020 nêu", None) == "--07-20"
    assert same_day("Hạn chót trước ngày 30/7 đã qua.", None) is None and same_day("Không có.", None) is None


def test_the_seed_timeline_shows_the_dates_its_sentences_state(seed_engine):
    story = find_story(seed_engine, "")
    assert story is not None
    timeline = story_timeline(seed_engine.snapshot, story)
    assert [day for day, _ in timeline.days()] == ["--07-19", "--07-20", None]  # the seed article is undated
    [(_, on_20)] = [d for d in timeline.days() if d[0] == "--07-20"]
    # "Cùng ngày" (the same day) is the 20/7 the article stated three paragraphs before.
    speakers = ["phái đoàn ngoại giao Trung Quốc tại EU", "Đại sứ quán Trung Quốc tại Washington"]
    assert [e.speaker for e in on_20] == speakers
    vietnamese, english = timeline_text(timeline, "vi"), timeline_text(timeline, "en")
    assert "\n19/7\n• " in vietnamese and "\n20/7\n• " in vietnamese and "Không rõ" not in vietnamese
    assert "\nKhông nêu ngày (cả câu lẫn bài đều không ghi ngày)\n" in vietnamese
    assert "\n19 Jul\n• " in english
    assert "\nDate not stated (neither the sentence nor the article gives one)\n" in english
    assert json.loads(json.dumps(timeline.to_json()))["days"][0]["date"] == "--07-19"


def test_the_timeline_orders_statements_by_the_day_they_were_made(story_engine, capsys):
    shutil.copy(STORIES / "a2_saomai.txt", story_engine.settings.articles_dir / "a2_saomai.txt")
    story_engine.rebuild(progress=False, only=["a2_saomai.txt"])
    story = find_story(story_engine, "Sao Mai bỏ chuyến")
    assert story is not None and len(story.articles) == 2
    timeline = story_timeline(story_engine.snapshot, story)
    days = [day for day, _ in timeline.days()]
    assert days == sorted(days)
    # "hôm qua" in the article of 13/3 dates Sao Mai's denial on 12/3, between the two articles' dates.
    [denial] = [e for e in timeline.entries if "hôm qua bác bỏ" in e.quote]
    assert (denial.day, denial.dated_by) == ("2024-03-12", "sentence")
    assert denial.url == "https://tin.example/giao-thong/sao-mai-phan-hoi"
    article = story_engine.snapshot.article(denial.article_id)
    assert article.text[denial.start : denial.end] == denial.quote  # verbatim
    assert days[0] == "2024-03-11" and "2024-03-13" in days
    paths = ["--articles", str(story_engine.settings.articles_dir), "--index-dir", str(story_engine.settings.index_dir)]
    assert main(["timeline", *paths, "--json", str(story.id)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["story"]["id"] == story.id and data["days"][0]["date"] == "2024-03-11"
    assert main(["stories", *paths, "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)["stories"]
    assert sorted(len(s["articles"]) for s in listed) == [1, 2]
    assert main(["stories", *paths]) == 0
    assert "Stories (2):" in capsys.readouterr().out
    assert main(["timeline", *paths, "999"]) == 2
    assert "no story matches" in capsys.readouterr().err


def test_the_snapshot_of_a_story_index_is_unchanged_by_grouping(story_engine):
    before = sorted(p.name for p in story_engine.settings.index_dir.iterdir())
    sync_stories(open_snapshot(story_engine.settings.index_dir))
    after = sorted(p.name for p in story_engine.settings.index_dir.iterdir())
    assert set(after) - set(before) <= {STORIES_FILE}
