"""One turn of the conversation for one user: load the case, run the engine, save, reply.

Both channels go through here, so saving, de-duplication and storage faults
are handled once. An answer is on disk before the reply to it is returned.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from bot import engine
from bot.engine import Case, Event, Reply
from bot.flow import Flow
from bot.store import CorruptRecordError, ReminderIndex, Store

SCHEMA = 1
LOCK_STRIPES = 64
log = logging.getLogger(__name__)


def utc_now() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class Turn:
    """What one event did: the replies, and the user's reminder days if they changed."""

    replies: list[Reply]
    reminder_days: list[str] | None = None


class Conversation:
    """Runs the engine against the store, one event at a time."""

    def __init__(
        self,
        store: Store,
        flow: Flow | None = None,
        clock: Callable[[], datetime] = utc_now,
        reminder_index: ReminderIndex | None = None,
    ) -> None:
        self.store = store
        self.flow = flow or Flow()
        self.clock = clock
        self.reminder_index = reminder_index
        # Updates and reminders for one user may arrive on different threads: each user's
        # load-change-save runs alone. Striped locks keep memory flat however many users.
        self._locks = [threading.Lock() for _ in range(LOCK_STRIPES)]

    def handle(self, key: str, event: Event, update_id: int | None = None) -> list[Reply]:
        """Apply `event` to the user's saved case and return what to show them."""
        return self.turn(key, event, update_id).replies

    def turn(self, key: str, event: Event, update_id: int | None = None) -> Turn:
        """Apply `event` to the user's saved case: save, then say what to show and schedule.

        `update_id` (Telegram's) makes a redelivered update a no-op: it never
        applies an answer twice.
        """
        with self._locks[hash(key) % LOCK_STRIPES]:
            return self._turn(key, event, update_id)

    def _turn(self, key: str, event: Event, update_id: int | None) -> Turn:
        try:
            record = self.store.load(key) or {}
        except CorruptRecordError:
            log.error("record of user %s cannot be read; left untouched", key)
            return Turn([Reply("storage_error")])
        if update_id is not None and update_id <= record.get("last_update_id", -1):
            log.info("update %s already applied for user %s", update_id, key)
            return Turn([])
        now = self.clock()
        before = Case.from_dict(record.get("case"))
        outcome = engine.handle(self.flow, before, event, now)
        if outcome.erase:
            self.store.delete(key)
            log.info("user %s erased their data", key)
        elif outcome.changed:
            record = self._record(record, outcome.case, now, update_id)
            self.store.save(key, record)
        days = [] if outcome.erase else reminder_days(outcome.case)
        changed = days != reminder_days(before) or isinstance(event, engine.DeliverDue)
        if changed and self.reminder_index is not None:
            self.reminder_index.set(key, days)
        replies = [with_record(reply, record) for reply in outcome.replies]
        return Turn(replies, days if changed else None)

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


def reminder_days(case: Case) -> list[str]:
    """The days on which the case has reminders still to send."""
    return sorted({r["due"] for r in case.reminders if not r.get("sent_at")})


def with_record(reply: Reply, record: dict[str, Any]) -> Reply:
    """Give an export everything stored about the user: the whole record, not just the case."""
    if not any(a.document == "export" for a in reply.attachments):
        return reply
    attachments = tuple(
        replace(a, context={**a.context, "record": record}) if a.document == "export" else a
        for a in reply.attachments
    )
    return replace(reply, attachments=attachments)
