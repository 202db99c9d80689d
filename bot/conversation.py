"""One turn of the conversation for one user: load the case, run the engine, save, reply.

Both channels go through here, so saving, de-duplication and storage faults
are handled once. An answer is on disk before the reply to it is returned.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from bot import engine
from bot.engine import Case, Event, Reply
from bot.flow import Flow
from bot.store import CorruptRecordError, Store

SCHEMA = 1
log = logging.getLogger(__name__)


def utc_now() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)


class Conversation:
    """Runs the engine against the store, one event at a time."""

    def __init__(
        self, store: Store, flow: Flow | None = None, clock: Callable[[], datetime] = utc_now
    ) -> None:
        self.store = store
        self.flow = flow or Flow()
        self.clock = clock

    def handle(self, key: str, event: Event, update_id: int | None = None) -> list[Reply]:
        """Apply `event` to the user's saved case and return what to show them.

        `update_id` (Telegram's) makes a redelivered update a no-op: it never
        applies an answer twice.
        """
        try:
            record = self.store.load(key) or {}
        except CorruptRecordError:
            log.error("record of user %s cannot be read; left untouched", key)
            return [Reply("storage_error")]
        if update_id is not None and update_id <= record.get("last_update_id", -1):
            log.info("update %s already applied for user %s", update_id, key)
            return []
        now = self.clock()
        outcome = engine.handle(self.flow, Case.from_dict(record.get("case")), event, now)
        if outcome.erase:
            self.store.delete(key)
            log.info("user %s erased their data", key)
        elif outcome.changed:
            record = self._record(record, outcome.case, now, update_id)
            self.store.save(key, record)
        return [_with_record(reply, record) for reply in outcome.replies]

    def case(self, key: str) -> Case:
        """The user's saved case (a new one if they have none)."""
        return Case.from_dict((self.store.load(key) or {}).get("case"))

    @staticmethod
    def _record(
        previous: dict[str, Any], case: Case, now: datetime, update_id: int | None
    ) -> dict[str, Any]:
        stamp = now.isoformat(timespec="seconds")
        record = {
            **previous,
            "schema": SCHEMA,
            "case": case.to_dict(),
            "created_at": previous.get("created_at", stamp),
            "updated_at": stamp,
        }
        if update_id is not None:
            record["last_update_id"] = update_id
        return record


def _with_record(reply: Reply, record: dict[str, Any]) -> Reply:
    """Give an export everything stored about the user: the whole record, not just the case."""
    if "export" not in reply.attachments:
        return reply
    return replace(reply, context={**reply.context, "record": record})
