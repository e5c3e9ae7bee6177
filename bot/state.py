"""The bot's state in one database: SQLite by default, PostgreSQL when several replicas share the work.

`STORYBOT_DATABASE_URL` names the database as SQLAlchemy does (`postgresql+psycopg://user:pw@host/db`,
`sqlite:////data/state.sqlite3`); without it, the bot keeps an SQLite file in its data folder. Written
with SQLAlchemy Core, so the same statements run on both; the one dialect-specific piece is
INSERT ... ON CONFLICT (DO NOTHING: the atomic "first one wins"; DO UPDATE: an upsert), which both have.

Schema changes are numbered migrations (`MIGRATIONS`), applied in order at start inside one
transaction and recorded in `schema_version`; on PostgreSQL an advisory lock keeps two replicas
starting together from applying them twice. All the state that replicas must share is here, but for
the followed feeds' list (a file in the shared data folder); per-user rate limits stay per process.

Tables:
- `inbox_updates`: the durable inbox (bot/inbox.py), keyed by (bot id, update id): a data folder
  reused with another bot's token, or Telegram restarting its update ids, cannot make a new update
  look handled. A replica claims an update with a conditional UPDATE (one row changes for one claimer
  only), so an update delivered to two replicas is answered once; done updates are pruned.
- `leases`: named leases with an expiry, so that work meant to happen once per round (a feed round)
  runs on one replica: taking one is an INSERT that conflicts, or an UPDATE of an expired one.
- `story_follows`: the stories a chat follows (/follow), with when it was last alerted (alerts about
  one story to one chat are batched); `story_alerted`: per subscription, the articles already told of
  (or there before the follow), so no article is alerted twice, even after a restart.
- `chat_data`: each chat's python-telegram-bot chat_data (the conversation bot/talk.py keeps, the
  language and links of bot/links.py), pickled, keyed by (bot id, chat id), with a stamp that changes at
  every write, so a replica reloads a chat only when another one changed it (bot/conversations.py).
- `feedback_answers`, `feedback_votes`: the answers sent with vote buttons and readers' votes on them,
  one per (answer, user) (bot/feedback_store.py).
- `send_pace`: the pace of the bot's messages, shared by its replicas so that together they stay within
  Telegram's per-bot flood limits (bot/send_pace.py); `user_pace`: each reader's `--rate-limit`, shared
  likewise (bot/ratelimit.py).
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from index.errors import StorybotError

log = logging.getLogger(__name__)

DATABASE_URL_ENV = "STORYBOT_DATABASE_URL"
DEFAULT_NAME = "telegram-inbox.sqlite3"  # the SQLite state database's default file, beside the index folder
MAX_ATTEMPTS = 3
KEEP_SECONDS = 2 * 24 * 3600  # Telegram keeps an unconfirmed update for 24 h; done ones are kept for dedup
CLAIM_SECONDS = 600.0  # a replica's claim older than this is taken to be a dead replica's
_MIGRATION_LOCK = 0x5707B07  # PostgreSQL advisory lock id held while migrating

metadata = sa.MetaData()
schema_version = sa.Table(
    "schema_version",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("applied", sa.Float, nullable=False),
)
inbox_updates = sa.Table(
    "inbox_updates",
    metadata,
    sa.Column("bot_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("update_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("received", sa.Float, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("claimed_by", sa.String(64)),
    sa.Column("claimed_until", sa.Float),
    sa.Column("done", sa.Float, index=True),
    sa.Column("outcome", sa.String(64)),
)
leases = sa.Table(
    "leases",
    metadata,
    sa.Column("name", sa.String(200), primary_key=True),
    sa.Column("holder", sa.String(64), nullable=False),
    sa.Column("expires", sa.Float, nullable=False),
)


story_follows = sa.Table(
    "story_follows",
    metadata,
    sa.Column("bot_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("chat_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("story_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("language", sa.String(8), nullable=False),
    sa.Column("created", sa.Float, nullable=False),
    sa.Column("last_alert", sa.Float),
)
story_alerted = sa.Table(
    "story_alerted",
    metadata,
    sa.Column("bot_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("chat_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("story_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("article_id", sa.String(500), primary_key=True),
)


chat_data = sa.Table(
    "chat_data",
    metadata,
    sa.Column("bot_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("chat_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("data", sa.LargeBinary, nullable=False),  # pickle of the chat's chat_data dict
    sa.Column("stamp", sa.String(32), nullable=False),  # new at every write
    sa.Column("updated", sa.Float, nullable=False),
)
send_pace = sa.Table(
    "send_pace",
    metadata,
    sa.Column("bot_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("key", sa.String(64), primary_key=True),  # "all", or "g<chat id>" for a group's own limit
    sa.Column("tat", sa.Float, nullable=False),  # the pace's theoretical arrival time (bot/send_pace.py)
)
user_pace = sa.Table(
    "user_pace",
    metadata,
    sa.Column("bot_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("user_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("tat", sa.Float, nullable=False),  # the user's theoretical arrival time (bot/ratelimit.py)
    sa.Column("warned", sa.Float),  # when the user was last told of the limit
)
feedback_answers = sa.Table(
    "feedback_answers",
    metadata,
    sa.Column("key", sa.String(16), primary_key=True),  # what the vote buttons carry
    sa.Column("question", sa.Text, nullable=False),
    sa.Column("answered", sa.Boolean, nullable=False),
    sa.Column("quotes", sa.Text, nullable=False),  # JSON: [{text, article_id, paragraph}]
    sa.Column("generation", sa.Text),
    sa.Column("language", sa.String(8), nullable=False),
    sa.Column("at", sa.Float, nullable=False, index=True),
)
feedback_votes = sa.Table(
    "feedback_votes",
    metadata,
    sa.Column("key", sa.String(16), sa.ForeignKey("feedback_answers.key"), primary_key=True),
    sa.Column("user_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("vote", sa.String(8), nullable=False),
    sa.Column("reason", sa.String(32)),
    sa.Column("at", sa.Float, nullable=False, index=True),
)


def _v1(conn: Connection) -> None:
    """The inbox and the leases."""
    for table in (inbox_updates, leases):
        table.create(conn, checkfirst=True)


def _v2(conn: Connection) -> None:
    """Bring in a pre-store inbox (bot/inbox.py's own SQLite file: table `updates`, keyed by update id only).

    Its unfinished updates are kept under bot id 0 and adopted by the first bot that opens the inbox.
    """
    if not sa.inspect(conn).has_table("updates"):
        return
    rows = conn.execute(sa.text("SELECT update_id, body, received, attempts FROM updates WHERE done IS NULL"))
    values = [
        {"bot_id": 0, "update_id": uid, "body": body, "received": received, "attempts": attempts}
        for uid, body, received, attempts in rows
    ]
    if values:
        conn.execute(inbox_updates.insert(), values)
    conn.execute(sa.text("DROP TABLE updates"))


def _v3(conn: Connection) -> None:
    """Followed stories and the articles already alerted."""
    for table in (story_follows, story_alerted):
        table.create(conn, checkfirst=True)


def _v4(conn: Connection) -> None:
    """Conversations: each chat's chat_data (before: PicklePersistence's file, one per process)."""
    chat_data.create(conn, checkfirst=True)


def _v5(conn: Connection) -> None:
    """Readers' votes and the answers they are about (before: feedback.sqlite3)."""
    for table in (feedback_answers, feedback_votes):
        table.create(conn, checkfirst=True)


# Version i+1 is MIGRATIONS[i]; append only.
def _v6(conn: Connection) -> None:
    """The messages' pace shared by the replicas of one bot (bot/send_pace.py)."""
    send_pace.create(conn, checkfirst=True)


def _v7(conn: Connection) -> None:
    """The per-user limit shared by the replicas of one bot (bot/ratelimit.py)."""
    user_pace.create(conn, checkfirst=True)


MIGRATIONS: tuple[Callable[[Connection], None], ...] = (_v1, _v2, _v3, _v4, _v5, _v6, _v7)


def database_url(default_sqlite: Path, environ: dict[str, str] | None = None) -> str:
    """STORYBOT_DATABASE_URL, else an SQLite file at `default_sqlite`."""
    env = os.environ if environ is None else environ
    return env.get(DATABASE_URL_ENV, "").strip() or f"sqlite:///{default_sqlite}"


def _describe(url: str) -> str:
    """The database named without its password, for messages."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "(unreadable URL)"


class StateStore:
    """One database holding the bot's state; safe to share between threads."""

    def __init__(self, url: str) -> None:
        self.url = url
        try:
            parsed = sa.engine.make_url(url)
            if parsed.get_backend_name() == "sqlite" and parsed.database:
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            self.engine: Engine = sa.create_engine(parsed, pool_pre_ping=True)
            if self.engine.dialect.name == "sqlite":
                sa.event.listen(self.engine, "connect", _sqlite_pragmas)
            self.version = self._migrate()
        except (OSError, sa.exc.SQLAlchemyError, ImportError) as err:
            reason = getattr(err, "strerror", None) or str(getattr(err, "orig", None) or err).strip()
            raise StorybotError(
                f"cannot open the update inbox {_describe(url)} (the bot's state database) ({reason.splitlines()[0]}). "
                f"Set STORYBOT_DATABASE_URL to a reachable database, or give a writable SQLite file with --inbox / "
                f"STORYBOT_INBOX; a damaged SQLite file can be deleted (unanswered questions in it are then lost)."
            ) from None
        self.shared = self.engine.dialect.name != "sqlite"  # replicas may share it: claims expire slowly

    @property
    def dialect(self) -> str:
        """"sqlite" or "postgresql"."""
        return self.engine.dialect.name

    def _migrate(self) -> int:
        with self.engine.begin() as conn:
            if self.engine.dialect.name == "postgresql":
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:id)"), {"id": _MIGRATION_LOCK})
            schema_version.create(conn, checkfirst=True)
            current = conn.execute(sa.select(sa.func.max(schema_version.c.version))).scalar() or 0
            for version, migrate in enumerate(MIGRATIONS, start=1):
                if version > current:
                    migrate(conn)
                    conn.execute(schema_version.insert().values(version=version, applied=time.time()))
                    log.info("state database: migration %d applied (%s)", version, (migrate.__doc__ or "").strip())
            return max(current, len(MIGRATIONS))

    def insert(self, table: sa.Table) -> Any:
        """The dialect's INSERT, which has ON CONFLICT (SQLite and PostgreSQL spell it alike)."""
        if self.engine.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        return insert(table)

    def insert_new(self, conn: Connection, table: sa.Table, rows: list[dict[str, Any]]) -> int:
        """Insert the rows whose key is not there yet (INSERT ... ON CONFLICT DO NOTHING).

        How many were inserted: exact for one row (what leases rely on), 0 when unknown for several."""
        if not rows:
            return 0
        statement = self.insert(table).on_conflict_do_nothing()
        if len(rows) == 1:
            # Counted by RETURNING: psycopg reports rowcount -1 for this INSERT, which made a first
            # /follow on PostgreSQL look like "already following".
            key = next(iter(table.primary_key.columns))
            return len(conn.execute(statement.returning(key), rows[0]).all())
        return max(conn.execute(statement, rows).rowcount, 0)

    def upsert(self, conn: Connection, table: sa.Table, row: dict[str, Any]) -> None:
        """Insert `row`, or replace the other columns of the row with its key (INSERT ... ON CONFLICT DO UPDATE)."""
        statement = self.insert(table).values(row)
        keys = [c.name for c in table.primary_key.columns]
        changed = {name: statement.excluded[name] for name in row if name not in keys}
        conn.execute(statement.on_conflict_do_update(index_elements=keys, set_=changed))

    # -- leases --------------------------------------------------------------------------------

    def take_lease(self, name: str, holder: str, seconds: float) -> bool:
        """Hold lease `name` for `seconds` unless another holder has it; True when `holder` has it now."""
        now = time.time()
        with self.engine.begin() as conn:
            if self.insert_new(conn, leases, [{"name": name, "holder": holder, "expires": now + seconds}]):
                return True
            taken = conn.execute(
                leases.update()
                .where(leases.c.name == name, sa.or_(leases.c.expires < now, leases.c.holder == holder))
                .values(holder=holder, expires=now + seconds)
            )
            return taken.rowcount == 1

    def release_lease(self, name: str, holder: str) -> None:
        """Give lease `name` up early (only if `holder` holds it)."""
        with self.engine.begin() as conn:
            conn.execute(leases.delete().where(leases.c.name == name, leases.c.holder == holder))

    def close(self) -> None:
        """Close the database's connections."""
        self.engine.dispose()


def _sqlite_pragmas(dbapi_conn: Any, _record: object) -> None:
    # WAL: readers never wait for the writer; FULL: a stored batch of updates survives a power cut,
    # since Telegram forgets them once confirmed. busy_timeout: threads and processes take turns.
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _alive(holder: str) -> bool:
    """Whether the process named in a claim's holder ("pid-...") still runs on this machine."""
    try:
        os.kill(int(holder.split("-", 1)[0]), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True


@dataclass(frozen=True)
class Pending:
    """An update stored in the inbox and not yet done."""

    update_id: int
    body: dict[str, Any]
    attempts: int


class StateInbox:
    """The durable inbox of one bot in a state store (see bot/inbox.py for why it exists)."""

    def __init__(self, store: StateStore, bot_id: int, *, claim_seconds: float | None = None) -> None:
        self.store = store
        self.bot_id = bot_id
        self.holder = f"{os.getpid()}-{id(self):x}-{time.time_ns() % 10**9}"  # this process, in claims
        self.claim_seconds = CLAIM_SECONDS if claim_seconds is None else claim_seconds
        self._lock = threading.Lock()
        self._in_flight: set[int] = set()
        with store.engine.begin() as conn:
            if bot_id:  # adopt what a pre-store inbox left unanswered
                conn.execute(inbox_updates.update().where(inbox_updates.c.bot_id == 0).values(bot_id=bot_id))
            if not store.shared:
                # SQLite lives on one machine: the claims of a process that died (a crash) are free now,
                # so its updates are answered at the next start rather than after CLAIM_SECONDS.
                c = inbox_updates.c
                holders = conn.execute(sa.select(c.claimed_by).where(c.claimed_by.is_not(None)).distinct())
                dead = [h for (h,) in holders if not _alive(h)]
                if dead:
                    conn.execute(
                        inbox_updates.update().where(c.claimed_by.in_(dead)).values(claimed_by=None, claimed_until=None)
                    )

    def _key(self, update_id: int) -> sa.ColumnElement[bool]:
        return sa.and_(inbox_updates.c.bot_id == self.bot_id, inbox_updates.c.update_id == update_id)

    def _row(self, update_id: int, body: dict[str, Any], now: float) -> dict[str, Any]:
        return {
            "bot_id": self.bot_id,
            "update_id": int(update_id),
            "body": json.dumps(body, ensure_ascii=False),
            "received": now,
            "attempts": 0,
        }

    def close(self) -> None:
        """Close the database."""
        self.store.close()

    def add(self, bodies: list[dict[str, Any]]) -> None:
        """Store fetched updates (raw JSON objects with an update_id) in one transaction; known ids are kept."""
        now = time.time()
        with self.store.engine.begin() as conn:
            self.store.insert_new(conn, inbox_updates, [self._row(int(b["update_id"]), b, now) for b in bodies])

    def skip(self, update_id: int, body: dict[str, Any], outcome: str) -> bool:
        """Store an update as done without handling it; False when it already was (so it is reported once)."""
        now = time.time()
        with self.store.engine.begin() as conn:
            self.store.insert_new(conn, inbox_updates, [self._row(update_id, body, now)])
            marked = conn.execute(
                inbox_updates.update()
                .where(self._key(update_id), inbox_updates.c.done.is_(None))
                .values(done=now, outcome=outcome)
            )
            return marked.rowcount == 1

    def claim(self, update_id: int, body: dict[str, Any]) -> bool:
        """Start handling an update: True unless it is done, being handled (here or by another replica),
        or given up after MAX_ATTEMPTS."""
        now = time.time()
        with self._lock:
            if update_id in self._in_flight:
                return False
            self._in_flight.add(update_id)
        claimed = False
        try:
            with self.store.engine.begin() as conn:
                self.store.insert_new(conn, inbox_updates, [self._row(update_id, body, now)])
                free = sa.or_(inbox_updates.c.claimed_until.is_(None), inbox_updates.c.claimed_until < now)
                # One conditional UPDATE: of two replicas claiming at once, only one changes the row.
                taken = conn.execute(
                    inbox_updates.update()
                    .where(
                        self._key(update_id), inbox_updates.c.done.is_(None), free,
                        inbox_updates.c.attempts < MAX_ATTEMPTS,
                    )
                    .values(
                        attempts=inbox_updates.c.attempts + 1,
                        claimed_by=self.holder,
                        claimed_until=now + self.claim_seconds,
                    )
                )
                claimed = taken.rowcount == 1
                if not claimed:
                    given_up = conn.execute(
                        inbox_updates.update()
                        .where(self._key(update_id), inbox_updates.c.done.is_(None), free,
                               inbox_updates.c.attempts >= MAX_ATTEMPTS)
                        .values(done=now, outcome="given up")
                    )
                    if given_up.rowcount:
                        log.error("update %d given up: its handling was interrupted %d times", update_id,
                                  MAX_ATTEMPTS)
        finally:
            if not claimed:
                with self._lock:
                    self._in_flight.discard(update_id)
        return claimed

    def finish(self, update_id: int, *, done: bool = True, outcome: str = "handled") -> None:
        """End handling an update: done, or (`done` False) left pending to be handled again later."""
        values: dict[str, Any] = {"claimed_by": None, "claimed_until": None}
        if done:
            values |= {"done": time.time(), "outcome": outcome}
        try:
            with self.store.engine.begin() as conn:
                conn.execute(
                    inbox_updates.update()
                    .where(self._key(update_id), inbox_updates.c.claimed_by == self.holder)
                    .values(**values)
                )
        finally:
            with self._lock:
                self._in_flight.discard(update_id)

    def pending(self, *, older_than: float = 0.0) -> list[Pending]:
        """Updates not done and not being handled, oldest first; `older_than` seconds since they were received."""
        now = time.time()
        c = inbox_updates.c
        query = (
            sa.select(c.update_id, c.body, c.attempts)
            .where(
                c.bot_id == self.bot_id, c.done.is_(None), c.received <= now - older_than,
                sa.or_(c.claimed_until.is_(None), c.claimed_until < now),
            )
            .order_by(c.update_id)
        )
        with self.store.engine.connect() as conn:
            rows = conn.execute(query).all()
        with self._lock:
            busy = set(self._in_flight)
        return [Pending(int(uid), json.loads(body), attempts) for uid, body, attempts in rows if uid not in busy]

    def prune(self, now: float | None = None) -> int:
        """Forget done updates older than KEEP_SECONDS; how many were removed."""
        cutoff = (time.time() if now is None else now) - KEEP_SECONDS
        with self.store.engine.begin() as conn:
            c = inbox_updates.c
            return conn.execute(
                inbox_updates.delete().where(c.bot_id == self.bot_id, c.done.is_not(None), c.done < cutoff)
            ).rowcount

    def outcomes(self) -> dict[int, str | None]:
        """update_id -> outcome (None while pending), for tests and diagnostics."""
        c = inbox_updates.c
        with self.store.engine.connect() as conn:
            rows = conn.execute(sa.select(c.update_id, c.outcome).where(c.bot_id == self.bot_id)).all()
        return {int(uid): outcome for uid, outcome in rows}


@dataclass(frozen=True)
class Follow:
    """A chat's subscription to a story."""

    chat_id: int
    story_id: int
    language: str
    last_alert: float | None


class StoryFollows:
    """The stories followed by the chats of one bot, in a state store."""

    def __init__(self, store: StateStore, bot_id: int) -> None:
        self.store = store
        self.bot_id = bot_id

    def _key(self, chat_id: int, story_id: int, table: sa.Table = story_follows) -> sa.ColumnElement[bool]:
        return sa.and_(table.c.bot_id == self.bot_id, table.c.chat_id == chat_id, table.c.story_id == story_id)

    def follow(self, chat_id: int, story_id: int, language: str, known_articles: list[str]) -> bool:
        """Follow a story; its `known_articles` count as told. False when the chat already follows it."""
        row = {"bot_id": self.bot_id, "chat_id": chat_id, "story_id": story_id, "language": language,
               "created": time.time(), "last_alert": None}
        with self.store.engine.begin() as conn:
            if not self.store.insert_new(conn, story_follows, [row]):
                return False
            self._mark(conn, chat_id, story_id, known_articles)
            return True

    def unfollow(self, chat_id: int, story_id: int) -> bool:
        """Stop following; False when the chat did not follow it."""
        with self.store.engine.begin() as conn:
            conn.execute(story_alerted.delete().where(self._key(chat_id, story_id, story_alerted)))
            return conn.execute(story_follows.delete().where(self._key(chat_id, story_id))).rowcount == 1

    def unfollow_chat(self, chat_id: int) -> int:
        """Drop every subscription of a chat (it blocked the bot, or left); how many."""
        with self.store.engine.begin() as conn:
            for table in (story_alerted, story_follows):
                removed = conn.execute(
                    table.delete().where(table.c.bot_id == self.bot_id, table.c.chat_id == chat_id)
                ).rowcount
            return removed

    def of_chat(self, chat_id: int) -> list[Follow]:
        """The chat's subscriptions, oldest first."""
        return [f for f in self.all() if f.chat_id == chat_id]

    def all(self) -> list[Follow]:
        """Every subscription of this bot."""
        c = story_follows.c
        query = sa.select(c.chat_id, c.story_id, c.language, c.last_alert).where(c.bot_id == self.bot_id)
        with self.store.engine.connect() as conn:
            rows = conn.execute(query.order_by(c.created)).all()
        return [Follow(int(chat), int(story), language, last) for chat, story, language, last in rows]

    def alerted(self, chat_id: int, story_id: int) -> set[str]:
        """The articles this subscription was told of (or that were there when it began)."""
        c = story_alerted.c
        with self.store.engine.connect() as conn:
            rows = conn.execute(sa.select(c.article_id).where(self._key(chat_id, story_id, story_alerted))).all()
        return {article for (article,) in rows}

    def told(self, chat_id: int, story_id: int, articles: list[str], when: float | None) -> None:
        """Record an alert about `articles`, sent at `when` (None: a part of one, its time left as it was)."""
        with self.store.engine.begin() as conn:
            self._mark(conn, chat_id, story_id, articles)
            if when is not None:
                conn.execute(story_follows.update().where(self._key(chat_id, story_id)).values(last_alert=when))

    def _mark(self, conn: Connection, chat_id: int, story_id: int, articles: list[str]) -> None:
        rows = [{"bot_id": self.bot_id, "chat_id": chat_id, "story_id": story_id, "article_id": a} for a in articles]
        self.store.insert_new(conn, story_alerted, rows)
