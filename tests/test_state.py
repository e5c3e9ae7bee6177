"""The bot's state store (bot/state.py) against SQLite and a real PostgreSQL, and two replicas sharing one.

PostgreSQL: STORYBOT_TEST_DATABASE_URL names a database the tests may empty (`.ci/run` starts one with
`.ci/postgres` and sets it); without it those tests are skipped, saying so.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from telegram.ext import PicklePersistence

from answer.engine import Engine
from answer.followup import Context
from answer.types import Answer, Quote
from bot import talk
from bot.app import build_application, running
from bot.conversations import CHAT_DATA_ONLY, StatePersistence
from bot.feedback_store import FeedbackStore
from bot.inbox import Inbox
from bot.ratelimit import SharedRateLimiter
from bot.send_pace import SendPace
from bot.state import MIGRATIONS, StateInbox, StateStore, chat_data, metadata
from index.errors import StorybotError
from testing.fake_telegram import ALICE, FakeTelegram

from .test_bot_e2e import replica_settings

PG_URL = os.environ.get("STORYBOT_TEST_DATABASE_URL", "")
NO_PG = "STORYBOT_TEST_DATABASE_URL is not set (.ci/run starts PostgreSQL with .ci/postgres and sets it)"


def _empty_postgres() -> str:
    engine = sa.create_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE IF EXISTS updates"))
        metadata.drop_all(conn)
    engine.dispose()
    return PG_URL


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty state database of each kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'state.sqlite3'}"
    if not PG_URL:
        pytest.skip(NO_PG)
    return _empty_postgres()


@pytest.fixture
def store(url: str) -> Iterator[StateStore]:
    s = StateStore(url)
    yield s
    s.close()


def test_migrations_are_applied_once(url: str) -> None:
    first = StateStore(url)
    assert first.version == len(MIGRATIONS)
    first.close()
    again = StateStore(url)  # a restart, or a second replica: nothing applied twice
    with again.engine.connect() as conn:
        versions = conn.execute(sa.text("SELECT version FROM schema_version ORDER BY version")).scalars().all()
    assert versions == list(range(1, len(MIGRATIONS) + 1))
    again.close()


def test_inbox_hands_each_update_out_once_and_gives_up_on_a_crash_loop(store: StateStore) -> None:
    inbox = StateInbox(store, 42)
    inbox.add([{"update_id": 1, "message": {}}, {"update_id": 2, "message": {}}])
    inbox.add([{"update_id": 2, "message": {}}])  # fetched again before it was confirmed: kept once
    assert [p.update_id for p in inbox.pending()] == [1, 2]
    assert inbox.claim(1, {}) and not inbox.claim(1, {})
    inbox.finish(1)
    assert not inbox.claim(1, {})  # done
    for _ in range(3):
        assert inbox.claim(2, {})
        inbox.finish(2, done=False)  # its answer could not be sent: pending again
    assert [p.update_id for p in inbox.pending()] == [2]
    assert not inbox.claim(2, {})  # its handling started three times: given up
    assert inbox.outcomes() == {1: "handled", 2: "given up"}
    assert inbox.skip(3, {"update_id": 3}, "unreadable") and not inbox.skip(3, {"update_id": 3}, "unreadable")
    assert inbox.prune(now=time.time() + 3 * 24 * 3600) == 3 and inbox.outcomes() == {}


def test_inbox_is_keyed_by_bot(store: StateStore) -> None:
    # A data folder reused with another bot's token: its update 7 is not the first bot's update 7.
    first, second = StateInbox(store, 111), StateInbox(store, 222)
    assert first.claim(7, {"update_id": 7})
    first.finish(7)
    assert second.claim(7, {"update_id": 7})
    assert first.outcomes() == {7: "handled"} and second.outcomes() == {7: None}


def test_replicas_take_turns_from_one_pace_and_wait_out_a_429_together(url: str) -> None:
    stores = [StateStore(url), StateStore(url)]
    a, b = (SendPace(store, 77) for store in stores)
    # A burst of 4 goes at once, whichever replica sends it; the fifth waits about one interval.
    assert [a.turn("all", 0.05, 4), b.turn("all", 0.05, 4), a.turn("all", 0.05, 4), b.turn("all", 0.05, 4)] == [0.0] * 4
    assert 0.0 < b.turn("all", 0.05, 4) <= 0.05
    assert SendPace(stores[0], 78).turn("all", 0.05, 4) == 0.0  # another bot's pace is its own
    a.hold("all", 2.0, 0.05, 4)  # Telegram answered replica A with retry_after 2
    assert 1.9 <= b.turn("all", 0.05, 4) <= 2.2  # replica B waits it out too
    for store in stores:
        store.close()


def test_a_readers_limit_holds_across_replicas(url: str) -> None:
    stores = [StateStore(url), StateStore(url)]
    a, b = (SharedRateLimiter(3, store, 77) for store in stores)  # 3 interactions a minute
    verdicts = [r.check(501) for r in (a, b, a, b, a)]  # the proxy spreads one reader over both
    assert [v.allowed for v in verdicts] == [True, True, True, False, False]
    assert verdicts[3].notify and not verdicts[4].notify  # told once, not at every refusal
    assert 1 <= verdicts[3].retry_after <= 20  # one more every 20 s
    assert b.check(502).allowed and SharedRateLimiter(3, stores[0], 78).check(501).allowed  # others unaffected
    assert SharedRateLimiter(0, stores[0], 77).check(501).allowed  # 0: no limit
    for store in stores:
        store.close()


def test_two_replicas_claim_each_update_once(url: str) -> None:
    stores = [StateStore(url), StateStore(url)]
    replicas = [StateInbox(s, 9) for s in stores]
    wins: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(4)

    def work(inbox: StateInbox) -> None:
        start.wait()
        for uid in range(1, 41):
            if inbox.claim(uid, {"update_id": uid}):
                with lock:
                    wins.append(uid)
                inbox.finish(uid)

    threads = [threading.Thread(target=work, args=(r,)) for r in replicas for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(wins) == list(range(1, 41))  # every update once, none twice
    for s in stores:
        s.close()


def test_claims_of_another_replica_are_not_pending_until_they_expire(store: StateStore) -> None:
    a, b = StateInbox(store, 5, claim_seconds=60), StateInbox(store, 5, claim_seconds=60)
    assert a.claim(1, {"update_id": 1})
    assert b.pending() == [] and not b.claim(1, {"update_id": 1})  # a is answering it
    expired = StateInbox(store, 5, claim_seconds=0)
    with store.engine.begin() as conn:
        conn.execute(sa.text("UPDATE inbox_updates SET claimed_until = 0"))  # a died long ago
    assert [p.update_id for p in expired.pending()] == [1] and expired.claim(1, {"update_id": 1})


def test_lease_runs_a_round_once(store: StateStore) -> None:
    assert store.take_lease("feed-round:1", "a", 60)
    assert not store.take_lease("feed-round:1", "b", 60)
    assert store.take_lease("feed-round:1", "a", 60)  # the holder may renew it
    assert store.take_lease("feed-round:2", "b", 60)  # another lease
    store.release_lease("feed-round:1", "a")
    assert store.take_lease("feed-round:1", "b", 0.01)
    time.sleep(0.05)
    assert store.take_lease("feed-round:1", "a", 60)  # b's expired


def test_old_inbox_file_is_brought_in(tmp_path: Path) -> None:
    path = tmp_path / "telegram-inbox.sqlite3"
    with sqlite3.connect(path) as db:  # what bot/inbox.py wrote before the state store
        db.execute(
            "CREATE TABLE updates (update_id INTEGER PRIMARY KEY, body TEXT NOT NULL, received REAL NOT NULL, "
            "attempts INTEGER NOT NULL DEFAULT 0, done REAL, outcome TEXT)"
        )
        db.execute("INSERT INTO updates VALUES (5, '{\"update_id\": 5}', 1.0, 1, NULL, NULL)")
        db.execute("INSERT INTO updates VALUES (4, '{\"update_id\": 4}', 1.0, 1, 2.0, 'handled')")
    db.close()
    inbox = Inbox(path, bot_id=77)
    assert [(p.update_id, p.attempts) for p in inbox.pending()] == [(5, 1)]
    inbox.close()


def test_unreachable_database_is_a_clear_error() -> None:
    with pytest.raises(StorybotError, match="STORYBOT_DATABASE_URL"):
        StateStore("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")


@pytest.mark.skipif(not PG_URL, reason=NO_PG)
async def test_two_replicas_in_webhook_mode_answer_an_update_once(
    monkeypatch: pytest.MonkeyPatch, seed_engine: Engine
) -> None:
    """Two bots (as `storybot run` builds them) sharing PostgreSQL; Telegram's retry reaches both."""
    monkeypatch.setenv("STORYBOT_DATABASE_URL", _empty_postgres())
    with FakeTelegram() as fake:
        settings = replica_settings(fake)
        hooks = [s.webhook for s in settings]
        async with (
            running(build_application(settings[0], seed_engine), settings[0]),
            running(build_application(settings[1], seed_engine), settings[1]),
        ):
            message = fake.private("Ai đã cáo buộc Trung Quốc?")
            update = {"update_id": message.pop("update_id"), "message": message}
            headers = {"X-Telegram-Bot-Api-Secret-Token": "s"}
            async with httpx.AsyncClient() as client:
                replies = await asyncio.gather(*(client.post(h.url, json=update, headers=headers) for h in hooks))
            assert [r.status_code for r in replies] == [200, 200]
            await fake.wait_sent(ALICE["id"])
            await fake.idle(1.5)  # time for a second answer, were there one
            assert len(fake.sent_to(ALICE["id"])) == 1


# --- conversations (bot/conversations.py) ------------------------------------------------------------


def _conversation(question: str) -> dict:
    """A chat_data as bot/talk.py leaves it after answering `question` (message 10 was the answer)."""
    context = Context(question, ("a.txt",), 1000.0)
    return {talk.CHAT_KEY: {0: talk.Thread(last=context, answers={10: context})}}


async def test_a_conversation_written_by_one_replica_is_read_by_the_other(url: str) -> None:
    stores = [StateStore(url), StateStore(url)]
    a, b = (StatePersistence(s, 9) for s in stores)
    await a.update_chat_data(5, _conversation("Ai đã cáo buộc Trung Quốc?"))
    held_by_b: dict = {}
    await b.refresh_chat_data(5, held_by_b)
    assert held_by_b[talk.CHAT_KEY][0].last.question == "Ai đã cáo buộc Trung Quốc?"
    # B answers the follow-up: A, which answered the first question, reads B's turn before its next update.
    held_by_a = _conversation("Ai đã cáo buộc Trung Quốc?")
    held_by_b[talk.CHAT_KEY][0].last = Context("Na Uy phản ứng thế nào?", (), 2000.0)
    await b.update_chat_data(5, held_by_b)
    await a.refresh_chat_data(5, held_by_a)
    assert held_by_a[talk.CHAT_KEY][0].last.question == "Na Uy phản ứng thế nào?"
    # Nothing changed elsewhere since: a replica's own copy is left as it is (and not read again).
    held_by_a["storybot.language"] = "en"
    await a.refresh_chat_data(5, held_by_a)
    assert held_by_a["storybot.language"] == "en"
    # Another bot in the same database, and a chat the bot keeps nothing for, have no conversation.
    other_bot: dict = {}
    await StatePersistence(stores[0], 10).refresh_chat_data(5, other_bot)
    await a.update_chat_data(6, {})
    with stores[0].engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(chat_data)).scalar() == 1
    assert other_bot == {}
    await b.drop_chat_data(5)
    gone: dict = {}
    await StatePersistence(stores[0], 9).refresh_chat_data(5, gone)
    assert gone == {}
    for s in stores:
        s.close()


async def test_an_old_conversations_file_is_brought_in_once(url: str, tmp_path: Path) -> None:
    path = tmp_path / "telegram-state.pickle"
    old = PicklePersistence(path, store_data=CHAT_DATA_ONLY)  # what the bot kept before the state store
    await old.update_chat_data(7, _conversation("Trung Quốc phản ứng thế nào?"))
    await old.update_chat_data(8, _conversation("an older turn"))
    await old.flush()
    store = StateStore(url)
    newer = StatePersistence(store, 1)
    await newer.update_chat_data(8, _conversation("a newer turn, already in the store"))
    persistence = StatePersistence(store, 1, legacy=path)
    assert await persistence.get_chat_data() == {}  # chats are loaded when an update needs them
    assert not path.exists() and (tmp_path / "telegram-state.pickle.imported").exists()
    seven: dict = {}
    eight: dict = {}
    await persistence.refresh_chat_data(7, seven)
    await persistence.refresh_chat_data(8, eight)
    assert seven[talk.CHAT_KEY][0].answers[10].question == "Trung Quốc phản ứng thế nào?"
    assert eight[talk.CHAT_KEY][0].last.question == "a newer turn, already in the store"
    # A damaged file is left where it is, and the bot starts without it.
    path.write_bytes(b"not a pickle")
    assert await StatePersistence(store, 1, legacy=path).get_chat_data() == {}
    assert path.read_bytes() == b"not a pickle"
    store.close()


# --- readers' votes (bot/feedback_store.py) ----------------------------------------------------------

QUOTE = Quote("Trung Quốc bác bỏ cáo buộc.", "a.txt", "Tin", None, 2, 0, 27, 0.9)


def _answer(question: str, answered: bool = True) -> Answer:
    return Answer(question, answered, (QUOTE,) if answered else (), (), "vi", 0.8)


def test_votes_are_replaced_counted_and_seen_by_every_replica(url: str) -> None:
    stores = [StateStore(url), StateStore(url)]
    a, b = FeedbackStore(stores[0]), FeedbackStore(stores[1])
    key = a.add_answer(_answer("Ai đã cáo buộc Trung Quốc?"), "g1", now=100.0)
    refused = a.add_answer(_answer("Giá vàng hôm nay?", answered=False), "g1", now=100.0)
    assert len(key) == 8 and key != refused
    # The taps reach replica B: the answer A stored is known there; a reader's second tap replaces the first.
    assert b.vote(key, ALICE["id"], "up", now=200.0)
    assert b.vote(key, ALICE["id"], "down", "wrong_quote", now=300.0)
    assert a.vote(refused, 42, "up", now=400.0)
    assert not b.vote("00000000", ALICE["id"], "up")  # an answer the store never had: a stale button
    with pytest.raises(ValueError, match="unknown vote"):
        b.vote(key, 1, "sideways")
    votes = a.votes()
    assert [(v.key, v.user_id, v.vote, v.reason) for v in votes] == [
        (key, ALICE["id"], "down", "wrong_quote"), (refused, 42, "up", None)
    ]
    assert votes[0].quotes == ({"text": QUOTE.text, "article_id": "a.txt", "paragraph": 2},) and votes[0].answered
    assert votes[1].quotes == () and not votes[1].answered and votes[1].generation == "g1"
    assert [v.key for v in b.votes(since=350.0)] == [refused]
    assert b.counts(since=0.0) == {"answers": 2, "up": 1, "down": 1, "wrong_quote": 1, "elsewhere": 0}
    assert b.language(key) == "vi" and b.language("00000000") is None
    for s in stores:
        s.close()


OLD_FEEDBACK_SCHEMA = """
CREATE TABLE answers (key TEXT PRIMARY KEY, question TEXT NOT NULL, answered INTEGER NOT NULL,
    quotes TEXT NOT NULL, generation TEXT, language TEXT NOT NULL, at REAL NOT NULL);
CREATE TABLE votes (key TEXT NOT NULL REFERENCES answers(key), user_id INTEGER NOT NULL, vote TEXT NOT NULL,
    reason TEXT, at REAL NOT NULL, PRIMARY KEY (key, user_id));
"""  # what bot/feedback_store.py wrote to feedback.sqlite3 before the state store


def test_an_old_votes_file_is_brought_in_once(url: str, tmp_path: Path) -> None:
    path = tmp_path / "feedback.sqlite3"
    with sqlite3.connect(path) as db:
        db.executescript(OLD_FEEDBACK_SCHEMA)
        db.execute("INSERT INTO answers VALUES ('0a0b0c0d', 'Ai?', 1, '[{\"text\": \"q\"}]', 'g0', 'en', 10.0)")
        db.execute("INSERT INTO votes VALUES ('0a0b0c0d', 5, 'up', NULL, 11.0)")
        db.execute("INSERT INTO votes VALUES ('ffffffff', 5, 'up', NULL, 12.0)")  # SQLite let it in; no answer
    db.close()
    store = StateStore(url)
    feedback = FeedbackStore(store, legacy=path)
    assert [(v.key, v.user_id, v.vote, v.question, v.answered, v.generation) for v in feedback.votes()] == [
        ("0a0b0c0d", 5, "up", "Ai?", True, "g0")
    ]
    assert not path.exists() and (tmp_path / "feedback.sqlite3.imported").exists()
    assert feedback.vote("0a0b0c0d", 6, "down", "elsewhere")  # a button under an answer sent before
    assert feedback.language("0a0b0c0d") == "en"
    assert len(FeedbackStore(store, legacy=path).votes()) == 2  # brought in once
    path.write_bytes(b"garbage, not SQLite" * 100)
    with pytest.raises(StorybotError, match=r"cannot read the votes in .*feedback\.sqlite3"):
        FeedbackStore(store, legacy=path)
    assert path.exists()  # left for the operator
    store.close()
