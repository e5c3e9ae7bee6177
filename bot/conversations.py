"""Conversations in the state database: python-telegram-bot's chat_data, shared by every replica.

A follow-up question ("còn Na Uy thì sao?") must be read in the context of the answer before it
(bot/talk.py), and a load balancer may hand it to another replica than the one that answered. So each
chat's chat_data lives in the state store (bot/state.py, table `chat_data`), pickled as PTB's
PicklePersistence pickled it, and this persistence is python-telegram-bot's own hook for it:

- `refresh_chat_data`, which the Application calls before it handles each update, reloads the chat
  when another replica wrote it since this one last read or wrote it (a stamp that changes at every
  write tells; an unchanged chat costs one small SELECT);
- `update_chat_data` writes a chat whose pickle changed; the Application calls it for the chats an
  update touched, right after the update is handled (bot/app.py: InboxApplication), so the other
  replicas see a new answer's context at once, not after an update interval;
- chats are loaded when first needed, not all at start.

The database calls are made on the event loop, as the inbox's are: each is one statement on a primary
key, and no other task can then run between a chat's read and its use. Two replicas changing one chat
at the same moment: the last write wins (a conversation is one person's, one message at a time).

A conversations file of PicklePersistence (`telegram-state.pickle`, the state before this store) is
brought in at the first start and renamed `...imported`; a chat already in the store keeps its newer state.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import secrets
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from telegram.ext import BasePersistence, PersistenceInput, PicklePersistence

from .state import StateStore
from .state import chat_data as chat_data_table  # `chat_data` is PTB's name for one chat's dict below

log = logging.getLogger(__name__)

CHAT_DATA_ONLY = PersistenceInput(bot_data=False, chat_data=True, user_data=False, callback_data=False)
IMPORTED_SUFFIX = ".imported"


def _digest(blob: bytes) -> bytes:
    return hashlib.blake2b(blob, digest_size=16).digest()


class StatePersistence(BasePersistence[dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """chat_data of bot `bot_id` in `store`; `legacy`: a PicklePersistence file to bring in once.

    Only chat_data is kept (as PicklePersistence was configured before): the bot keeps nothing in
    user_data, and its bot_data holds live objects (the engine, locks) that are built at each start.
    """

    def __init__(
        self, store: StateStore, bot_id: int, *, legacy: Path | None = None, update_interval: float = 5.0
    ) -> None:
        super().__init__(store_data=CHAT_DATA_ONLY, update_interval=update_interval)
        self.store = store
        self.bot_id = bot_id
        self.legacy = legacy
        # chat id -> (stamp, digest of the pickle) of the copy this process holds: a stamp it read or wrote.
        self._held: dict[int, tuple[str, bytes]] = {}

    def _key(self, chat_id: int) -> sa.ColumnElement[bool]:
        return sa.and_(chat_data_table.c.bot_id == self.bot_id, chat_data_table.c.chat_id == chat_id)

    # -- chat_data -------------------------------------------------------------------------------

    async def get_chat_data(self) -> dict[int, dict[Any, Any]]:
        """Nothing up front (each chat is loaded by refresh_chat_data when an update needs it); a
        conversations file left by PicklePersistence is brought into the store first."""
        if self.legacy is not None and self.legacy.exists():
            await self._bring_in(self.legacy)
        return {}

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[Any, Any]) -> None:
        """Replace `chat_data` by the stored copy when another replica wrote it since this one held it."""
        held = self._held.get(chat_id)
        query = sa.select(chat_data_table.c.stamp, chat_data_table.c.data).where(self._key(chat_id))
        if held is not None:
            query = query.where(chat_data_table.c.stamp != held[0])
        try:
            with self.store.engine.connect() as conn:
                row = conn.execute(query).first()
        except sa.exc.SQLAlchemyError as err:
            # Answer with what this process holds rather than not at all; the inbox reports the outage.
            log.warning("cannot read chat %s's conversation from the state database: %s", chat_id, err)
            return
        if row is None:
            return
        stamp, blob = row
        self._held[chat_id] = (stamp, _digest(blob))
        try:
            stored = pickle.loads(blob)
        except Exception as err:  # e.g. a class renamed by an upgrade: start that chat afresh
            log.warning("chat %s's stored conversation cannot be read (%s); it starts afresh", chat_id, err)
            return
        chat_data.clear()
        chat_data.update(stored)

    async def update_chat_data(self, chat_id: int, data: dict[Any, Any]) -> None:
        """Store the chat's data when it changed since this process last read or wrote it."""
        held = self._held.get(chat_id)
        if held is None and not data:
            return  # a chat the bot keeps nothing for (e.g. group chatter): no row
        blob = pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)
        digest = _digest(blob)
        if held is not None and held[1] == digest:
            return
        stamp = secrets.token_hex(8)
        row = {"bot_id": self.bot_id, "chat_id": chat_id, "data": blob, "stamp": stamp, "updated": time.time()}
        with self.store.engine.begin() as conn:
            self.store.upsert(conn, chat_data_table, row)
        self._held[chat_id] = (stamp, digest)

    async def drop_chat_data(self, chat_id: int) -> None:
        """Forget a chat."""
        with self.store.engine.begin() as conn:
            conn.execute(chat_data_table.delete().where(self._key(chat_id)))
        self._held.pop(chat_id, None)

    async def flush(self) -> None:
        """Nothing to do: every write is committed when it is made."""

    # -- the old conversations file --------------------------------------------------------------

    async def _bring_in(self, path: Path) -> None:
        """Copy PicklePersistence's chat_data into the store (chats not there yet), then rename the file."""
        old = PicklePersistence(path, store_data=CHAT_DATA_ONLY)
        old.set_bot(self.bot)
        try:
            with path.open("rb"):  # PicklePersistence reads an unreadable file as empty
                pass
            chats = await old.get_chat_data()
        except (OSError, TypeError) as err:
            reason = getattr(err, "strerror", None) or f"{err}: {err.__cause__ or ''}".rstrip(": ")
            log.error(
                "cannot read the conversations file %s (%s); it is left as it is and the bot starts without "
                "those conversations. Move it away (or delete it) to silence this message.", path, reason,
            )
            return
        now = time.time()
        rows = [
            {"bot_id": self.bot_id, "chat_id": int(chat_id), "stamp": secrets.token_hex(8), "updated": now,
             "data": pickle.dumps(dict(data), protocol=pickle.HIGHEST_PROTOCOL)}
            for chat_id, data in chats.items() if data
        ]
        with self.store.engine.begin() as conn:
            self.store.insert_new(conn, chat_data_table, rows)  # a chat already stored is newer: kept
        target = path.with_name(path.name + IMPORTED_SUFFIX)
        if target.exists():
            target = path.with_name(f"{path.name}.{int(now)}{IMPORTED_SUFFIX}")
        try:
            os.replace(path, target)
        except FileNotFoundError:  # another replica sharing the folder brought it in at the same time
            return
        except OSError as err:  # brought in all the same; the next start brings it in again, adding nothing
            log.warning("the conversations of %s are in the state database, but it cannot be renamed (%s)",
                        path, err.strerror)
            return
        log.info("conversations of %d chat(s) brought in from %s (now %s)", len(rows), path, target.name)

    # -- what this bot does not keep (store_data says so; PTB never calls these then) --------------

    async def get_user_data(self) -> dict[int, dict[Any, Any]]:
        """Not kept: empty."""
        return {}

    async def get_bot_data(self) -> dict[Any, Any]:
        """Not kept: empty."""
        return {}

    async def get_callback_data(self) -> Any:
        """Not kept."""
        return None

    async def get_conversations(self, name: str) -> dict[Any, Any]:
        """No ConversationHandler is persistent: empty."""
        return {}

    async def update_conversation(self, name: str, key: Any, new_state: object | None) -> None:
        """Not kept."""

    async def update_user_data(self, user_id: int, data: dict[Any, Any]) -> None:
        """Not kept."""

    async def update_bot_data(self, data: dict[Any, Any]) -> None:
        """Not kept."""

    async def update_callback_data(self, data: Any) -> None:
        """Not kept."""

    async def drop_user_data(self, user_id: int) -> None:
        """Not kept."""

    async def refresh_user_data(self, user_id: int, user_data: dict[Any, Any]) -> None:
        """Not kept."""

    async def refresh_bot_data(self, bot_data: dict[Any, Any]) -> None:
        """Not kept."""

