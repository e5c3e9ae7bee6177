"""Following a story end to end: /follow, alerts for new articles only, batching, restarts, a blocked chat."""

from __future__ import annotations

import asyncio
import unicodedata

import pytest

from answer.engine import Engine
from bot import alerts, render
from bot.app import bot_id, inbox_path
from bot.state import StateStore, StoryFollows, database_url
from testing.fake_telegram import ADMIN, ALICE, BOB, GROUP, FakeTelegram

from .test_bot_e2e import ask, bot_settings, engine, fake, serving  # noqa: F401 (fixtures)

NORWAY = unicodedata.normalize("NFC", """\
Na Uy yêu cầu Trung Quốc trả lời về chiến dịch tin tặc toàn cầu

Bộ Ngoại giao Na Uy ngày 22/7 triệu tập đại diện Đại sứ quán Trung Quốc tại Na Uy.

Mỹ và đồng minh cáo buộc Bắc Kinh đứng sau chiến dịch tin tặc toàn cầu.

Ngoại trưởng Na Uy Ine Eriksen Soreide cho biết: “Chúng tôi yêu cầu Trung Quốc chấm dứt tấn công mạng”.

Đại sứ quán Trung Quốc tại Na Uy bác bỏ cáo buộc tin tặc và gọi đó là hành động thao túng chính trị.
""")
AGAIN = unicodedata.normalize("NFC", """\
Trung Quốc tiếp tục bác cáo buộc tin tặc của Mỹ và đồng minh

Đại sứ quán Trung Quốc tại Na Uy ngày 23/7 tiếp tục bác bỏ cáo buộc tin tặc của Mỹ và đồng minh.

Người phát ngôn Đại sứ quán Trung Quốc tại Na Uy nói: “Bắc Kinh không đứng sau chiến dịch tin tặc toàn cầu”.

Bộ Ngoại giao Na Uy yêu cầu Trung Quốc cung cấp bằng chứng về các cuộc tấn công mạng.
""")


# One statement (the minister's), dated the day before AGAIN: an alert about both tells it first.
SUMMONED = unicodedata.normalize("NFC", """\
---
date: 2025-07-22
---
Na Uy triệu tập đại diện Trung Quốc vì chiến dịch tin tặc

Bộ Ngoại giao Na Uy ngày 22/7 triệu tập đại diện Đại sứ quán Trung Quốc tại Na Uy về chiến dịch tin tặc.

Ngoại trưởng Na Uy Ine Eriksen Soreide cho biết: “Chúng tôi yêu cầu Trung Quốc chấm dứt tấn công mạng”.
""")


def _follows(engine: Engine, fake: FakeTelegram) -> StoryFollows:  # noqa: F811
    path = inbox_path(bot_settings(fake), engine.settings.index_dir)
    return StoryFollows(StateStore(database_url(path)), bot_id(fake.token))


async def _add(engine: Engine, name: str, body: str) -> None:  # noqa: F811
    (engine.settings.articles_dir / name).write_text(body, encoding="utf-8")
    await asyncio.to_thread(engine.rebuild, progress=False)


def _alerts(fake: FakeTelegram, chat: int) -> list:  # noqa: F811
    return [s for s in fake.sent_to(chat) if s.text.startswith("🔔")]


async def test_a_followed_story_alerts_once_per_new_article_batched_and_after_restarts(
    fake: FakeTelegram, engine: Engine, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    monkeypatch.setattr(alerts, "ALERT_EVERY", 4.0)  # the 15-minute batching window, shortened
    async with serving(fake, engine):
        followed = await ask(fake, "/follow tin tặc Trung Quốc")
        assert followed.text.startswith("Đã theo dõi câu chuyện #1 ")
        assert (await ask(fake, "/follow 1")).text.startswith("Bạn đã theo dõi câu chuyện #1")
        assert (await ask(fake, "/following")).text.startswith("Bạn đang theo dõi 1 câu chuyện:")
        await fake.idle(1.0)
        assert _alerts(fake, ALICE["id"]) == []  # the article already there is never alerted

        await _add(engine, "na_uy.txt", NORWAY)
        await fake.wait_for(lambda: len(_alerts(fake, ALICE["id"])) == 1, what="the first alert, at once")
        [first] = _alerts(fake, ALICE["id"])
        assert "Tin mới trong câu chuyện bạn theo dõi" in first.text
        assert first.quotes and all(q.rstrip("…") in NORWAY for q in first.quotes)  # verbatim
        assert "Na Uy yêu cầu Trung Quốc trả lời về chiến dịch tin tặc toàn cầu, đoạn " in first.text

        await _add(engine, "lan_hai.txt", AGAIN)  # within the window: waits for it
        await fake.idle(1.5)
        assert len(_alerts(fake, ALICE["id"])) == 1
        await fake.wait_for(lambda: len(_alerts(fake, ALICE["id"])) == 2, timeout=10, what="the batched alert")
        second = _alerts(fake, ALICE["id"])[1]
        assert second.quotes and all(q.rstrip("…") in AGAIN for q in second.quotes)

    async with serving(fake, engine):  # a restart, and the same round again: nothing twice
        await asyncio.to_thread(engine.rebuild, progress=False)
        await fake.idle(1.5)
        assert len(_alerts(fake, ALICE["id"])) == 2
        assert (await ask(fake, "/unfollow 1")).text.startswith("Đã thôi theo dõi câu chuyện #1")
        assert (await ask(fake, "/following")).text.startswith("Bạn chưa theo dõi")


async def test_an_alert_in_parts_refused_halfway_resends_only_what_did_not_go_out(
    fake: FakeTelegram, engine: Engine, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    monkeypatch.setattr(render, "MAX_LINES", 1)  # the heading, then each statement, in a message of its own
    monkeypatch.setattr(alerts, "RETRY_FAILED", 1.0)
    async with serving(fake, engine):
        assert (await ask(fake, "/follow 1")).text.startswith("Đã theo dõi câu chuyện #1 ")
        before = len(fake.sent_to(ALICE["id"]))
        # The heading and the first article's one statement go out; the first of the second's is refused.
        fake.fail("sendMessage", 1, "502", skip=2)
        (engine.settings.articles_dir / "trieu_tap.txt").write_text(SUMMONED, encoding="utf-8")
        await _add(engine, "lan_hai.txt", "---\ndate: 2025-07-23\n---\n" + AGAIN)

        def quotes() -> list[str]:
            return [q.rstrip("…") for s in fake.sent_to(ALICE["id"])[before:] for q in s.quotes]

        await fake.wait_for(lambda: any(q in AGAIN for q in quotes()) and len(_alerts(fake, ALICE["id"])) == 2,
                            timeout=20, what="the alert sent again after the refused part")
        await fake.idle(2.5)  # time for a third try, were there one
        sent = quotes()
        assert len(_alerts(fake, ALICE["id"])) == 2  # the first try's heading, and the retry's
        [told] = [q for q in sent if q in SUMMONED]  # the first article's statement, once
        assert "Chúng tôi yêu cầu Trung Quốc chấm dứt tấn công mạng" in told
        assert len(sent) == len(set(sent))  # no statement twice
        assert len([q for q in sent if q in AGAIN]) >= 2


async def test_a_chat_that_blocked_the_bot_is_unsubscribed(fake: FakeTelegram, engine: Engine) -> None:  # noqa: F811
    async with serving(fake, engine):
        assert (await ask(fake, "/follow 1", user=BOB)).text.startswith("Following story #1 ")
        assert (await ask(fake, "/follow 1")).text.startswith("Đã theo dõi câu chuyện #1 ")
        assert [f.chat_id for f in _follows(engine, fake).all()] == [BOB["id"], ALICE["id"]]
        fake.fail("sendMessage", 1, "403")  # Bob blocked the bot: his alert, the first sent, is refused
        await _add(engine, "na_uy.txt", NORWAY)
        await fake.wait_for(lambda: len(_alerts(fake, ALICE["id"])) == 1, what="Alice's alert")
        await fake.wait_for(lambda: [f.chat_id for f in _follows(engine, fake).all()] == [ALICE["id"]],
                            what="Bob unsubscribed")
        assert _alerts(fake, BOB["id"]) == []


async def test_in_a_group_only_its_admins_follow_a_story(fake: FakeTelegram, engine: Engine) -> None:  # noqa: F811
    async with serving(fake, engine):
        fake.group("/follow 1", user=ALICE)
        [refused] = await fake.wait_sent(GROUP["id"], 1)
        assert refused.text == "Trong nhóm, chỉ quản trị viên của nhóm mới đăng ký theo dõi được."
        fake.group("/follow 1", user=ADMIN)
        followed = (await fake.wait_sent(GROUP["id"], 2))[1]
        assert followed.text.startswith("Đã theo dõi câu chuyện #1 ")
        assert [f.chat_id for f in _follows(engine, fake).all()] == [GROUP["id"]]


def _callback_answer(fake: FakeTelegram, query_id: str) -> str:  # noqa: F811
    [call] = [c for c in fake.calls_of("answerCallbackQuery") if c.params["callback_query_id"] == query_id]
    return str(call.params.get("text", ""))


async def test_the_follow_button_under_an_answer_and_under_the_map(fake: FakeTelegram, engine: Engine) -> None:  # noqa: F811
    async with serving(fake, engine):
        answer = await ask(fake, "Có bao nhiêu máy chủ của Trung Quốc bị kiểm soát?")
        follow = next(b for b in answer.buttons if b["text"] == "🔔 Theo dõi câu chuyện này")
        assert follow["callback_data"] == "fs:vi:1"  # the story of the answer's quote; ids are integers
        fake.press(answer, follow["callback_data"])
        [followed] = (await fake.wait_sent(ALICE["id"], 2))[1:]
        assert followed.text.startswith("Đã theo dõi câu chuyện #1 ") and followed.reply_to == answer.message_id
        assert [(f.chat_id, f.story_id) for f in _follows(engine, fake).all()] == [(ALICE["id"], 1)]

        overview = await ask(fake, "/who tin tặc Trung Quốc")
        [story_map] = (await fake.wait_sent(ALICE["id"], 4))[3:]
        assert overview.text.startswith("Các bên trong câu chuyện:") and story_map.photo is not None
        *parties, follow_map = story_map.buttons
        assert follow_map["callback_data"] == "fs:vi:1" and len(parties) >= 8
        assert all(len(b["callback_data"].encode()) <= 64 for b in story_map.buttons)
        again = fake.press(story_map, follow_map["callback_data"])  # already following: said in an alert
        await fake.wait_for(lambda: fake.callback_answered(again), what="the second tap answered")
        assert _callback_answer(fake, again).startswith("Bạn đã theo dõi câu chuyện #1")
        assert len(_follows(engine, fake).all()) == 1 and len(fake.sent_to(ALICE["id"])) == 4

        # A party's button under the map opens that party's quote, as a reply to the map.
        justice = next(b for b in parties if "Bộ Tư pháp" in b["text"])
        fake.press(story_map, justice["callback_data"])
        [paragraph] = (await fake.wait_sent(ALICE["id"], 5))[4:]
        assert paragraph.reply_to == story_map.message_id
        assert any("buộc tội 4 người Trung Quốc đại lục" in q for q in paragraph.quotes)

        gone = fake.press(story_map, "fs:vi:999", forged=True)  # a story no longer indexed
        await fake.wait_for(lambda: fake.callback_answered(gone), what="the gone story's tap answered")
        assert "không còn trong chỉ mục" in _callback_answer(fake, gone)

        english = await ask(fake, "How many Chinese servers were controlled?", user=BOB)
        [english_follow] = [b for b in english.buttons if b["callback_data"].startswith("fs:")]
        assert english_follow == {"text": "🔔 Follow this story", "callback_data": "fs:en:1"}


async def test_in_a_group_only_an_admin_follows_by_the_button(fake: FakeTelegram, engine: Engine) -> None:  # noqa: F811
    async with serving(fake, engine):
        fake.group("/who", user=ALICE)
        story_map = (await fake.wait_sent(GROUP["id"], 2))[1]
        follow = story_map.buttons[-1]["callback_data"]
        refused = fake.press(story_map, follow, user=ALICE)
        await fake.wait_for(lambda: fake.callback_answered(refused), what="Alice's tap answered")
        assert _callback_answer(fake, refused) == "Trong nhóm, chỉ quản trị viên của nhóm mới đăng ký theo dõi được."
        assert _follows(engine, fake).all() == [] and len(fake.sent_to(GROUP["id"])) == 2
        fake.press(story_map, follow, user=ADMIN)
        followed = (await fake.wait_sent(GROUP["id"], 3))[2]
        assert followed.text.startswith("Đã theo dõi câu chuyện #1 ")  # said in the group, for all to see
        assert [f.chat_id for f in _follows(engine, fake).all()] == [GROUP["id"]]


READERS = [{"id": 7000 + n, "is_bot": False, "first_name": f"Độc giả {n}", "language_code": "vi"} for n in range(40)]
GROUPS = [{"id": -100900000 - n, "type": "supergroup", "title": f"Nhóm {n}"} for n in range(2)]


def _most_in_any(times: list[float], span: float) -> int:
    """The most of `times` that fall in any window of `span` seconds."""
    times = sorted(times)
    most, first = 0, 0
    for last, at in enumerate(times):
        while at - times[first] >= span:
            first += 1
        most = max(most, last - first + 1)
    return most


async def test_alerts_to_many_followers_keep_within_the_flood_limits_and_a_429_loses_nothing(
    fake: FakeTelegram, engine: Engine, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    monkeypatch.setattr(alerts, "ALERT_EVERY", 0.0)  # every new article alerts at once
    chats = [u["id"] for u in READERS] + [g["id"] for g in GROUPS]
    for group in GROUPS:
        fake.group_owners[group["id"]] = ADMIN["id"]
    async with serving(fake, engine):
        for reader in READERS:
            fake.private("/follow 1", user=reader)
        for group in GROUPS:
            fake.message("/follow 1", user=ADMIN, chat=group)
        await fake.wait_for(lambda: all(fake.sent_to(c) for c in chats), timeout=60, what="every /follow answered")
        assert len(_follows(engine, fake).all()) == 42

        await _add(engine, "na_uy.txt", NORWAY)
        await fake.wait_for(lambda: all(_alerts(fake, c) for c in chats), timeout=60, what="an alert to each chat")
        await fake.idle(1.0)
        assert all(len(_alerts(fake, c)) == 1 for c in chats)  # exactly one each
        assert fake.floods == []  # the bot kept within the limits itself: Telegram never had to refuse
        assert _most_in_any([s.at for s in fake.sent], 1.0) <= 30  # the 42 replies and 42 alerts too
        assert all(_most_in_any([s.at for s in fake.sent_to(g["id"])], 60.0) <= 20 for g in GROUPS)

        # A Telegram stricter than the bot's pace (8 a second) answers 429 with retry_after: the bot
        # waits it out and sends again; every follower still gets its alert once.
        fake.flood_per_second = 8
        await _add(engine, "lan_hai.txt", AGAIN)
        await fake.wait_for(lambda: all(len(_alerts(fake, c)) == 2 for c in chats), timeout=90,
                            what="the second alert to each chat, through the 429s")
        await fake.idle(1.5)
        assert all(len(_alerts(fake, c)) == 2 for c in chats)  # none lost, none twice
        assert fake.floods and all(f.retry_after >= 1 and f.method == "sendMessage" for f in fake.floods)
        assert all(q.rstrip("…") in AGAIN for c in chats for q in _alerts(fake, c)[1].quotes)
