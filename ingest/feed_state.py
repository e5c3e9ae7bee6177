"""What a followed feed remembers about its entries, one record per entry, and reading older registries.

An entry is known by its id (the feed's <guid> or Atom <id>) or, without
one, by its address: never by a date, so entries that share a date, come out
of order or carry none are each handled. Each record says how the entry
ended: added, already present, refused, or waiting to be tried again.

Registries written before version 2 remembered only the addresses of the
entries dealt with (`seen`), and possibly a date up to which entries were
taken as dealt with; they are read into records (a date is dropped: the
entries it covered are recognised by their address, or found already
present in the articles folder by the next round). A followed feed is never
lost to an upgrade.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, fields

from index.errors import StorybotError
from index.identity import url_key

log = logging.getLogger(__name__)

REGISTRY_VERSION = 2
ADDED, PRESENT, REFUSED, RETRY = "added", "present", "refused", "retry"
KNOWN = "known"  # dealt with before version 2; how is not recorded
SETTLED = (ADDED, PRESENT, REFUSED, KNOWN)
MAX_RECORDS = 2000  # per feed (feeds list the latest few dozen entries)
MAX_TRIES = 8  # an entry that keeps failing for a passing reason is refused after this many tries


@dataclass
class EntryRecord:
    """One entry of a feed and how it ended (or when it is tried next)."""

    key: str  # "id:<guid>", "url:<canonical address>" or "title:<hash>" (see entry_key)
    link: str | None
    title: str
    status: str  # ADDED, PRESENT, REFUSED, RETRY or KNOWN
    decided_at: str = ""  # the round (ISO time) that last dealt with it
    article: str | None = None  # the article file it was added as, or found already present as
    reason: dict[str, object] | None = None  # a problem {"key": ..., "values": {...}}, or {"duplicate": "url"|"text"}
    tries: int = 0  # failed tries in a row (RETRY)
    next_try: float = 0.0  # epoch seconds (RETRY)


def entry_key(entry_id: str | None, link: str | None, title: str) -> str:
    """How an entry is remembered: its id, else its address, else a hash of its title."""
    if entry_id:
        return f"id:{entry_id}"
    if link:
        return f"url:{url_key(link)}"
    return "title:" + hashlib.sha1(" ".join(title.split()).encode("utf-8")).hexdigest()[:16]


class Memory:
    """A feed's records, looked up by an entry's key, or by its address for records keyed by address."""

    def __init__(self, records: list[EntryRecord]) -> None:
        self.records = records
        self._by_key = {r.key: r for r in records}
        # Records from before ids were kept, or of entries without one, are found by address too.
        self._by_url = {url_key(r.link): r for r in records if r.link and not r.key.startswith("id:")}

    def find(self, key: str, link: str | None) -> EntryRecord | None:
        """The record of the entry with this key (or, failing that, this address)."""
        found = self._by_key.get(key)
        if found is None and link:
            found = self._by_url.get(url_key(link))
        return found

    def put(self, record: EntryRecord) -> None:
        """Add or replace the record of `record.key`; the newest last."""
        old = self._by_key.pop(record.key, None)
        if old is not None:
            self.records.remove(old)
        self.records.append(record)
        self._by_key[record.key] = record
        if record.link and not record.key.startswith("id:"):
            self._by_url[url_key(record.link)] = record

    def trimmed(self) -> list[EntryRecord]:
        """The records, the oldest settled ones dropped beyond MAX_RECORDS (entries to retry are kept)."""
        extra = len(self.records) - MAX_RECORDS
        if extra <= 0:
            return list(self.records)
        out = []
        for record in self.records:
            if extra > 0 and record.status != RETRY:
                extra -= 1
                continue
            out.append(record)
        return out


_RECORD_FIELDS = {f.name for f in fields(EntryRecord)}


def upgrade(item: dict[str, object], version: int, known: set[str], where: str) -> dict[str, object]:
    """One feed of a registry of `version`, as the fields (`known`: their names) of the current Feed.

    Fields this version no longer has (a date watermark) are dropped with a note in the log.
    StorybotError when the feed has no address: nothing can be made of it.
    """
    if not isinstance(item, dict) or not isinstance(item.get("url"), str) or not item["url"]:
        raise StorybotError(f"the feed registry {where} has a feed without an address: {item!r:.200}")
    out = {k: v for k, v in item.items() if k in known}
    if version < 2:
        seen = item.get("seen") or []
        out["entries"] = [
            {"key": f"url:{link}", "link": link, "title": "", "status": KNOWN} for link in seen if isinstance(link, str)
        ]
    dropped = sorted(set(item) - known - {"seen"})
    if dropped:
        log.warning(
            "feed %s in %s: %s from an older registry no longer used; its entries are recognised by id or address",
            item["url"], where, ", ".join(dropped),
        )
    out["entries"] = [_record(r, where) for r in out.get("entries") or []]
    out.setdefault("title", url_key(str(item["url"])).split("/")[2])
    out.setdefault("followed_at", "")
    return out


def _record(raw: object, where: str) -> EntryRecord:
    if not isinstance(raw, dict) or not isinstance(raw.get("key"), str):
        raise StorybotError(f"the feed registry {where} has an entry record that is not one: {raw!r:.200}")
    return EntryRecord(**{k: v for k, v in raw.items() if k in _RECORD_FIELDS})
