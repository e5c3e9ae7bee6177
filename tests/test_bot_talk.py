# ruff: noqa: F811 (the fixtures imported from test_bot_e2e are named as the tests' arguments)
"""Talking like a bot people keep, end to end against the stand-in Bot API: follow-up questions (by reply
and by time, /new, across a restart), inline mode, votes on answers and their export, menus per scope."""

from __future__ import annotations

import argparse
import json
import logging
import sqlite3
import time

import pytest
from telegram.ext import PicklePersistence

from answer.engine import Engine
from answer.followup import Context, complete, prefer_story
from bot import talk
from bot.commands import ADMIN_COMMANDS, READER_COMMANDS
from bot.conversations import CHAT_DATA_ONLY
from bot.feedback_store import open_feedback
from cli.main import cmd_feedback
from testing.fake_telegram import ADMIN, ALICE, BOB, FakeTelegram, Sent

from .test_bot_e2e import SEED_TEXT, ask, engine, fake, seed_bot, serving  # noqa: F401 (fixtures)
from .test_state import OLD_FEEDBACK_SCHEMA

FIRST = "Trung Quốc phản ứng thế nào khi bị cáo buộc tấn công mạng?"
READ_AS = "Hiểu tiếp câu hỏi trước"


# --- the completion rules, without the model ---------------------------------------------------


@pytest.mark.parametrize(
    ("previous", "question", "kind", "expected"),
    [
        (FIRST, "còn Na Uy thì sao?", "contrast", "Na Uy phản ứng thế nào khi bị cáo buộc tấn công mạng?"),
        ("Vinasun kiện Grab và Uber về chuyện gì?", "tại sao?", "wh", "tại sao Vinasun kiện Grab và Uber về chuyện?"),
        ("Who accused China of hacking?", "what about Norway?", "contrast", "Who accused Norway of hacking?"),
        ("McCain nói gì về Nga?", "What did he say about Lavrov?", "pronoun", "What did McCain say about Lavrov?"),
        ("Ronaldo bị cáo buộc điều gì?", "bao nhiêu tiền?", "fragment", "bao nhiêu tiền (Ronaldo bị cáo buộc điều)?"),
    ],
)
def test_an_elliptic_question_is_completed_from_the_previous_one(previous, question, kind, expected):
    follow = complete(question, previous)
    assert (follow.kind, follow.question) == (kind, expected)


@pytest.mark.parametrize(
    "question",
    ["Ai đã cáo buộc Trung Quốc?", "Mẹ của Á hậu Huyền My chính thức lên tiếng vào hôm nào?", "Who accused China?"],
)
def test_a_question_that_stands_on_its_own_is_left_alone(question):
    follow = complete(question, FIRST)
    assert not follow.elliptic and follow.question == question
    assert not complete("tại sao?", None).elliptic  # nothing before it: nothing to complete from


def test_the_previous_story_is_preferred_not_required(seed_engine: Engine):
    from answer.search import search

    retrieval = search(seed_engine.snapshot, seed_engine.encoder, "Na Uy", k=5)
    article = retrieval.hits[-1].chunk.article_id
    moved = prefer_story(retrieval, (article,))
    assert [h.chunk_id for h in moved.hits] == [h.chunk_id for h in retrieval.hits]  # one article: same order
    assert all(b.score > a.score for a, b in zip(retrieval.hits, moved.hits))
    assert prefer_story(retrieval, ()) is retrieval


def test_a_follow_up_in_context_is_answered_as_the_completed_question(seed_engine: Engine):
    first = seed_engine.ask(FIRST)
    follow = seed_engine.ask("còn Na Uy thì sao?", context=Context(first.question, ("x",)))
    assert follow.question.startswith("Na Uy") and follow.notices and READ_AS in follow.notices[0]
    alone = seed_engine.ask("còn Na Uy thì sao?")
    assert not any(READ_AS in n for n in alone.notices)


# --- the bot ---------------------------------------------------------------------------------------


def _answer_messages(fake: FakeTelegram, user: dict, asked_id: int) -> list[Sent]:
    return [s for s in fake.sent_to(user["id"]) if s.reply_to == asked_id]


async def _ask_and_settle(fake: FakeTelegram, text: str, user: dict = ALICE, **kw: object) -> list[Sent]:
    """Ask, then wait until the answer's last message (the one with the vote buttons) arrived."""
    message = fake.private(text, user=user, **kw)
    await fake.wait_for(
        lambda: any(
            b.get("callback_data", "").startswith("fb:")
            for s in _answer_messages(fake, user, message["message_id"])
            for b in s.buttons
        )
        or any("Cuộc trò chuyện mới" in s.text for s in _answer_messages(fake, user, message["message_id"])),
        what=f"the answer to {text!r}",
    )
    return _answer_messages(fake, user, message["message_id"])


async def test_follow_ups_by_time_and_by_reply_new_and_a_restart(fake: FakeTelegram, engine: Engine) -> None:
    async with serving(fake, engine):
        first = await _ask_and_settle(fake, FIRST)
        assert not any(READ_AS in s.text for s in first)
        # Within 10 minutes in a private chat: read in the context of the last answer.
        follow = await _ask_and_settle(fake, "còn Na Uy thì sao?")
        assert READ_AS in follow[0].text and "Na Uy phản ứng" in follow[0].text
        assert all(q in SEED_TEXT for s in follow for q in s.quotes)
    # A restart keeps the conversation: the last answer (by time) and each answer (by reply).
    async with serving(fake, engine):
        again = await _ask_and_settle(fake, "tại sao?")
        assert READ_AS in again[0].text and "Na Uy" in again[0].text
        replied = await _ask_and_settle(fake, "tại sao?", reply_to=first[0].message_id)
        assert READ_AS in replied[0].text and "Trung Quốc phản ứng" in replied[0].text
        # /new forgets it: the same words are now a question of their own.
        await _ask_and_settle(fake, "/new")
        alone = await _ask_and_settle(fake, "còn Na Uy thì sao?")
        assert not any(READ_AS in s.text for s in alone)


async def test_a_reply_in_a_group_continues_that_answer(fake: FakeTelegram, engine: Engine) -> None:
    async with serving(fake, engine):
        asked = fake.group(f"@{fake.username} {FIRST}")
        await fake.wait_for(lambda: _answer_messages_in(fake, asked), what="the group answer")
        answer = _answer_messages_in(fake, asked)[0]
        follow = fake.group("còn Na Uy thì sao?", reply_to=answer.message_id)
        await fake.wait_for(lambda: _answer_messages_in(fake, follow), what="the follow-up's answer")
        assert READ_AS in _answer_messages_in(fake, follow)[0].text


def _answer_messages_in(fake: FakeTelegram, asked: dict) -> list[Sent]:
    return [s for s in fake.sent_to(asked["chat"]["id"]) if s.reply_to == asked["message_id"]]


async def test_inline_query_offers_quotes_and_its_chosen_result_is_seen(
    fake: FakeTelegram, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot")
    async with serving(fake, engine):
        query = fake.inline("Oslo tuyên bố điều gì?", user=BOB)
        answer = await fake.wait_inline(query)
        results = answer["results"]
        assert 1 <= len(results) <= 5 and answer["cache_time"] == 60 and answer["button"] is None
        for result in results:
            html = result["input_message_content"]["message_text"]
            assert html.startswith("<blockquote>") and "— " in html
        who = await fake.wait_inline(fake.inline("Ai đã cáo buộc Trung Quốc?"))
        assert who["results"] and "<b>" in who["results"][0]["input_message_content"]["message_text"]
        refused = await fake.wait_inline(fake.inline("Giá vàng SJC hôm nay bao nhiêu một lượng?"))
        assert refused["results"] == [] and "Không tìm thấy" in refused["button"]["text"]
        fake.choose(query, results[0]["id"], user=BOB)
        await fake.wait_for(lambda: f"inline result {results[0]['id']} chosen" in caplog.text, what="the choice")


async def test_a_vote_is_changed_exported_and_counted(fake: FakeTelegram, engine: Engine, capsys) -> None:
    async with serving(fake, engine):
        answer = await _ask_and_settle(fake, FIRST)
        last = next(s for s in answer if any(b.get("callback_data", "").startswith("fb:") for b in s.buttons))
        votes = [b["callback_data"] for b in last.buttons if b["callback_data"].startswith("fb:")]
        assert len(votes) == 2 and all(len(v.encode()) <= 64 for v in votes)
        up, down = votes
        await _tap(fake, last, up, "👍 answered")
        await fake.wait_for(lambda: last.edits == 1, what="👍 marked")
        await _tap(fake, last, down, "👎 answered")
        await fake.wait_for(lambda: last.edits == 2, what="the reasons shown")
        wrong = next(b["callback_data"] for b in last.buttons if b["callback_data"].endswith(":w"))
        await _tap(fake, last, wrong, "reason answered")
        await fake.wait_for(lambda: last.edits == 3, what="the reason marked")
        store = open_feedback(engine.settings.index_dir)
        [vote] = store.votes()
        store.close()
        assert (vote.vote, vote.reason, vote.user_id, vote.question) == ("down", "wrong_quote", ALICE["id"], FIRST)
        assert vote.generation and vote.quotes
        # The admins' weekly counts; a reader is refused.
        counts = (await _ask_and_settle_plain(fake, "/feedback", ADMIN)).text
        assert "👍 0, 👎 1" in counts and "trích dẫn sai: 1" in counts
        assert "quản trị" in (await _ask_and_settle_plain(fake, "/feedback", ALICE)).text
    # The command itself, without main(), whose logging set-up would outlive this test.
    assert cmd_feedback(argparse.Namespace(json=True, days=0), engine.settings) == 0
    [line] = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert line["question"] == FIRST and line["expect"] == "review" and line["reason"] == "wrong_quote"
    assert line["wrong_quotes"] == [q["text"] for q in vote.quotes]


async def _tap(fake: FakeTelegram, sent: Sent, data: str, what: str) -> None:
    query = fake.press(sent, data)
    await fake.wait_for(lambda: fake.callback_answered(query), what=what)


async def _ask_and_settle_plain(fake: FakeTelegram, text: str, user: dict) -> Sent:
    return await ask(fake, text, user=user)


async def test_command_menus_per_scope_and_language(seed_bot: FakeTelegram) -> None:
    fake = seed_bot
    await fake.wait_for(lambda: len(fake.scoped_commands) >= 8, what="the menus")
    names = {key: [c["command"] for c in commands] for key, commands in fake.scoped_commands.items()}
    readers, admins = list(READER_COMMANDS), [*READER_COMMANDS, *ADMIN_COMMANDS]
    for language in ("", "en"):
        assert names[("default", 0, language)] == readers
        assert names[("all_private_chats", 0, language)] == readers
        assert names[("all_chat_administrators", 0, language)] == admins
        assert names[("chat", ADMIN["id"], language)] == admins
    assert "reindex" not in names[("default", 0, "")] and "new" in names[("default", 0, "")]
    english = dict((c["command"], c["description"]) for c in fake.scoped_commands[("default", 0, "en")])
    assert english["new"] == "Start a new conversation"


async def test_a_readers_link_is_explained(seed_bot: FakeTelegram) -> None:
    reply = await ask(seed_bot, "https://vnexpress.net/mot-bai-bao.html")
    assert "không tự đọc các đường link" in reply.text and "Không tìm thấy" not in reply.text


async def test_conversations_and_votes_kept_before_the_state_store_are_brought_in(
    fake: FakeTelegram, engine: Engine, capsys
) -> None:
    data = engine.settings.index_dir.parent  # where the bot kept both files, beside the index folder
    old = PicklePersistence(data / "telegram-state.pickle", store_data=CHAT_DATA_ONLY)
    await old.update_chat_data(ALICE["id"], {talk.CHAT_KEY: {0: talk.Thread(last=Context(FIRST, (), time.time()))}})
    with sqlite3.connect(data / "feedback.sqlite3") as db:
        db.executescript(OLD_FEEDBACK_SCHEMA)
        db.execute("INSERT INTO answers VALUES ('0a0b0c0d', 'Ai đã cáo buộc Trung Quốc?', 1, '[]', 'g0', 'vi', 1.0)")
        db.execute("INSERT INTO votes VALUES ('0a0b0c0d', 5, 'down', 'elsewhere', 2.0)")
    db.close()
    async with serving(fake, engine):
        # The reader's conversation before the upgrade goes on.
        follow = await _ask_and_settle(fake, "còn Na Uy thì sao?")
        assert READ_AS in follow[0].text and "Na Uy phản ứng" in follow[0].text
    imported = sorted(p.name for p in data.glob("*.imported"))
    assert imported == ["feedback.sqlite3.imported", "telegram-state.pickle.imported"]
    assert cmd_feedback(argparse.Namespace(json=True, days=0), engine.settings) == 0
    [line] = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert (line["question"], line["expect"], line["reason"]) == ("Ai đã cáo buộc Trung Quốc?", "review", "elsewhere")
