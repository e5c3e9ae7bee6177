"""Two bot replicas sharing one state database: a scheduled feed round runs once, its alerts go out once;
a conversation begun with one replica goes on with the other, and votes reach the store from either.

Two Applications, built as `storybot run` builds them, each with its own Engine over one index (as two
processes on one data volume), sharing the state database: one SQLite file, or the PostgreSQL that
STORYBOT_TEST_DATABASE_URL names (`.ci/run` sets it; without it that case is skipped, saying so).
Both schedule their first feed round for the same moment against a stand-in news site on 127.0.0.1
(tests/news_site.py); the round's lease (bot/state.py) lets one of them run it.
"""

from __future__ import annotations

import argparse
import json

import httpx
import pytest

from answer.engine import Engine
from bot import links
from bot.app import bot_id, build_application, inbox_path, running
from bot.config import Webhook
from bot.state import StateStore, StoryFollows, database_url
from cli.main import cmd_feedback
from index.embedding import Encoder
from index.stories import StoryStore
from ingest import feeds
from ingest.config import IngestSettings
from testing.fake_telegram import ADMIN, ALICE, FakeTelegram, Sent
from tests import news_site as site
from tests.news_site import NewsSite

from .test_bot_e2e import SEED_TEXT, engine, replica_settings  # noqa: F401 (fixture)
from .test_bot_talk import FIRST, READ_AS
from .test_state import NO_PG, PG_URL, _empty_postgres

# An earlier article of the story the feed's entry (site.CANG_CA) continues: a reader follows its story.
EARLIER = """\
---
date: 2025-05-15
---
Ngư dân Thọ Quang phản ánh nước thải cảng cá chảy ra vịnh Mân Quang

Hội Nghề cá phường Thọ Quang ngày 15/5 gửi đơn lên Ủy ban nhân dân quận Sơn Trà, phản ánh nước thải từ cảng cá \
Thọ Quang chảy ra vịnh Mân Quang.

Theo Hội Nghề cá phường Thọ Quang, nước thải có mùi hôi tràn qua cống ra biển mỗi khi triều xuống, ảnh hưởng đến \
ngư dân neo tàu ở âu thuyền.

Ban quản lý cảng cá Thọ Quang cho biết đang kiểm tra trạm xử lý nước thải và sẽ trả lời ngư dân trong tuần.
"""
FEED_SECONDS = 120.0  # the round's lease lasts 0.9 of this: no second round within the test


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The replicas' shared state database: "sqlite" (the default file beside the index) or PostgreSQL, empty."""
    if request.param == "postgresql":
        if not PG_URL:
            pytest.skip(NO_PG)
        monkeypatch.setenv("STORYBOT_DATABASE_URL", _empty_postgres())
    else:
        monkeypatch.delenv("STORYBOT_DATABASE_URL", raising=False)
    return request.param


async def test_two_replicas_run_a_feed_round_once_and_alert_its_followers_once(
    database: str, engine: Engine, encoder: Encoder, news_site: NewsSite,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (engine.settings.articles_dir / "cang_ca_truoc.txt").write_text(EARLIER, encoding="utf-8")
    engine.rebuild(progress=False)
    with StoryStore(engine.settings.index_dir) as stories:
        stories.sync(engine.snapshot)
        story = stories.story_of("cang_ca_truoc.txt")
    assert story is not None
    ingest = IngestSettings(allow_private_urls=True, timeout=5.0, feed_seconds=FEED_SECONDS)
    monkeypatch.setattr(links, "FIRST_ROUND_AFTER", 2.0)  # both replicas' first rounds: 2 s after start
    with FakeTelegram() as fake:
        settings = replica_settings(fake, ingest=ingest)
        state = inbox_path(settings[0], engine.settings.index_dir)
        assert database_url(state).startswith("sqlite:" if database == "sqlite" else "postgresql")
        store = StateStore(database_url(state))
        follows = StoryFollows(store, bot_id(fake.token))
        assert follows.follow(ALICE["id"], story, "vi", ["cang_ca_truoc.txt"])
        # The admin followed the outlet's feed (one entry, site.CANG_CA): its round reports to the admin.
        feeds.follow(ingest.feeds_path(engine.settings.index_dir), news_site.url(site.ATOM), ingest,
                     report_chat=ADMIN["id"], language="vi")
        fetched = news_site.hits.get(site.ATOM, 0)
        for user in (ADMIN, ALICE):  # the bot may write to those who wrote to it
            fake.private("/start", user=user)

        def reports() -> list[Sent]:
            return [s for s in fake.sent_to(ADMIN["id"]) if s.text.startswith("Nguồn “")]

        def alerts() -> list[Sent]:
            return [s for s in fake.sent_to(ALICE["id"]) if s.text.startswith("🔔")]

        other = Engine(engine.settings, encoder)  # the second replica's own engine over the same index
        async with (
            running(build_application(settings[0], engine), settings[0]),
            running(build_application(settings[1], other), settings[1]),
        ):
            await fake.wait_for(lambda: reports() and alerts(), timeout=60, what="the round's report and alert")
            [report] = reports()
            assert report.text.split("\n") == [
                "Nguồn “Tin Nhanh Miền Trung - Môi trường”: đã thêm 1 bài mới:",
                f"• Đã thêm “{site.CANG_CA_TITLE}” (5 đoạn, Tin Nhanh Miền Trung, 16/5/2025).",
            ]
            assert site.CANG_CA_TITLE in alerts()[0].text
            await fake.idle(3.0)  # time for a second round, report or alert, were there one
            assert len(reports()) == 1 and len(alerts()) == 1
        assert news_site.hits[site.ATOM] == fetched + 1  # one round read the feed
        added = sorted((engine.settings.articles_dir / "web").rglob("*.txt"))
        assert len(added) == 1  # the entry was saved once
        assert [a.title for a in engine.snapshot.articles() if a.id.startswith("web/")] == [site.CANG_CA_TITLE]
        assert follows.alerted(ALICE["id"], story) == {"cang_ca_truoc.txt", added[0].relative_to(
            engine.settings.articles_dir).as_posix()}
        store.close()


async def _deliver(hook: Webhook, update: dict) -> None:
    """POST an update to one replica's webhook, as the load balancer in front of the replicas would."""
    async with httpx.AsyncClient() as client:
        answered = await client.post(hook.url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": hook.secret})
    assert answered.status_code == 200


async def _ask(fake: FakeTelegram, hook: Webhook, question: str, **kw: object) -> list[Sent]:
    """Ask through replica `hook`; the answer's messages, once its last one (with the vote buttons) is there."""
    asked = fake.private(question, **kw)
    await _deliver(hook, fake.take_update())

    def answer() -> list[Sent]:
        return [s for s in fake.sent_to(ALICE["id"]) if s.reply_to == asked["message_id"]]

    await fake.wait_for(lambda: any(_votes(s) for s in answer()), what=f"the answer to {question!r}")
    return answer()


def _votes(sent: Sent) -> list[str]:
    return [b["callback_data"] for b in sent.buttons if b.get("callback_data", "").startswith("fb:")]


async def test_a_conversation_and_its_votes_go_on_at_the_other_replica(
    database: str, engine: Engine, encoder: Encoder, capsys: pytest.CaptureFixture[str]  # noqa: F811
) -> None:
    with FakeTelegram() as fake:
        settings = replica_settings(fake)
        hooks = [s.webhook for s in settings]
        other = Engine(engine.settings, encoder)  # the second replica's own engine over the same index
        async with (
            running(build_application(settings[0], engine), settings[0]),
            running(build_application(settings[1], other), settings[1]),
        ):
            first = await _ask(fake, hooks[0], FIRST)  # replica A answers
            assert not any(READ_AS in s.text for s in first)
            # A second later the follow-up reaches replica B, which reads it in the context of A's answer.
            await fake.idle(1.0)
            follow = await _ask(fake, hooks[1], "còn Na Uy thì sao?")
            assert READ_AS in follow[0].text and "Na Uy phản ứng" in follow[0].text
            # A reply to B's answer goes to A: B's turn is there too.
            await fake.idle(1.0)
            again = await _ask(fake, hooks[0], "tại sao?", reply_to=follow[-1].message_id)
            assert READ_AS in again[0].text and "Na Uy" in again[0].text
            # Votes on A's answer: 👎 tapped through B, then the reason through A.
            voted = next(s for s in first if _votes(s))
            fake.press(voted, _votes(voted)[1])
            await _deliver(hooks[1], fake.take_update())
            await fake.wait_for(lambda: voted.edits == 1, what="the reasons shown")
            wrong = next(b["callback_data"] for b in voted.buttons if b["callback_data"].endswith(":w"))
            fake.press(voted, wrong)
            await _deliver(hooks[0], fake.take_update())
            await fake.wait_for(lambda: voted.edits == 2, what="the reason marked")
    # `storybot feedback` exports the one vote (replaced once) from the shared store.
    assert cmd_feedback(argparse.Namespace(json=True, days=0), engine.settings) == 0
    [line] = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert (line["question"], line["vote"], line["expect"], line["reason"]) == (FIRST, "down", "review", "wrong_quote")
    assert line["wrong_quotes"] and all(q in SEED_TEXT for q in line["wrong_quotes"])  # the quotes A gave


async def test_a_readers_rate_limit_holds_across_the_replicas(database: str, engine: Engine, encoder: Encoder) -> None:  # noqa: F811
    with FakeTelegram() as fake:
        settings = replica_settings(fake, rate_limit=2)  # two questions a minute
        hooks = [s.webhook for s in settings]
        other = Engine(engine.settings, encoder)
        async with (
            running(build_application(settings[0], engine), settings[0]),
            running(build_application(settings[1], other), settings[1]),
        ):
            await _ask(fake, hooks[0], FIRST)
            await _ask(fake, hooks[1], "Ai đã cáo buộc Trung Quốc?")
            fake.private("Na Uy nói gì?")  # the third, through the first replica again: over the limit
            await _deliver(hooks[0], fake.take_update())
            def notices() -> list[Sent]:
                return [s for s in fake.sent_to(ALICE["id"]) if s.text.startswith("Bạn gửi hơi nhanh")]

            await fake.wait_for(notices, what="the rate-limit notice")
            await fake.idle(1.0)
            [notice] = notices()
            assert "tối đa 2 câu hỏi" in notice.text
            assert len([s for s in fake.sent_to(ALICE["id"]) if _votes(s)]) == 2  # the third was not answered
