"""One turn of the conversation for one user: load the case, run the engine, save, reply.

Both channels go through here, so saving, de-duplication and storage faults
are handled once. An answer is on disk before the reply to it is returned.
"""

from __future__ import annotations

import errno
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, tzinfo
from typing import Any

from bot import caseload, engine
from bot.case import MalformedCase
from bot.engine import Case, Event, Reply
from bot.flow import Flow
from bot.languages import from_telegram, known
from bot.store import CorruptRecordError, ReminderIndex, Store

SCHEMA = 2
"""2: several cases (`case.others`); a record of schema 1 is read as one (bot/case.py)."""
LOCK_STRIPES = 64
RECENT_UPDATES = 200
"""How many of a user's latest update ids are kept to recognise a redelivered update."""
SEEN_UPDATES = 10_000
"""How many updates answered by this process are remembered, whatever they changed."""
DISK_FULL = (errno.ENOSPC, errno.EDQUOT)
log = logging.getLogger(__name__)


def utc_now() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class Turn:
    """What one event did: the replies, and the user's reminder days if they changed."""

    replies: list[Reply]
    reminder_days: list[str] | None = None
    failed: bool = False
    """Nothing could be applied (a storage fault, a bug): a redelivery may try again."""
    repeated: bool = False
    """The update was applied before (a redelivery): the replies show where the user is."""
    language: str | None = None
    """The user's language, if this turn changed it ("" once their data is erased): the
    channel's command menu for them follows it."""


class Conversation:
    """Runs the engine against the store, one event at a time."""

    def __init__(
        self,
        store: Store,
        flow: Flow | None = None,
        clock: Callable[[], datetime] = utc_now,
        reminder_index: ReminderIndex | None = None,
        zone: tzinfo = UTC,
        words: engine.ChoiceWords | None = None,
    ) -> None:
        self.store = store
        self.flow = flow or Flow()
        self.clock = clock
        self.zone = zone
        """The bot's time zone: "today", typed dates and reminder days are days there."""
        self.words = words
        """What users may type for the options of choice questions (the renderer's words)."""
        self.reminder_index = reminder_index
        self._disk_full = False
        """The disk was full at the last save: said once at CRITICAL, until a save works."""
        self._answered: OrderedDict[tuple[str, int], None] = OrderedDict()
        """(user, update id) of the latest updates this process answered, read-only ones too."""
        self._answered_lock = threading.Lock()
        # Updates and reminders for one user may arrive on different threads: each user's
        # load-change-save runs alone. Striped locks keep memory flat however many users.
        self._locks = [threading.Lock() for _ in range(LOCK_STRIPES)]

    def handle(
        self, key: str, event: Event, update_id: int | None = None, language: str | None = None
    ) -> list[Reply]:
        """Apply `event` to the user's saved case and return what to show them."""
        return self.turn(key, event, update_id, language).replies

    def turn(
        self, key: str, event: Event, update_id: int | None = None, language: str | None = None
    ) -> Turn:
        """Apply `event` to the user's saved case: save, then say what to show.

        `update_id` (Telegram's) makes a redelivered update harmless: one this process answered
        gets no second reply; one applied before a restart (its reply perhaps lost) is not
        applied again, and the user is shown where they are. Ids are recognised in a window of
        the user's latest ones, so a new sequence of ids (a new token, a long pause) is served.
        `language`: the user's app's (Telegram's `language_code`), for a new user.
        """
        with self._locks[hash(key) % LOCK_STRIPES]:
            if update_id is not None and self._seen(key, update_id):
                log.info("update %s of user %s was answered already", update_id, key)
                return Turn([])
            turn = self._turn(key, event, update_id, language)
            if update_id is not None and not turn.failed:
                self._remember(key, update_id)
            return turn

    def _seen(self, key: str, update_id: int) -> bool:
        with self._answered_lock:
            return (key, update_id) in self._answered

    def _remember(self, key: str, update_id: int) -> None:
        with self._answered_lock:
            self._answered[(key, update_id)] = None
            while len(self._answered) > SEEN_UPDATES:
                self._answered.popitem(last=False)

    def _turn(self, key: str, event: Event, update_id: int | None, language: str | None) -> Turn:
        """The turn, or, whatever fails, a reply saying nothing was changed (after the crisis
        resources, if the message needs them): never silence, never a half-applied change."""
        try:
            turn = self._apply(key, event, update_id, language)
        except (CorruptRecordError, MalformedCase) as error:
            log.error("record of user %s cannot be read (%s); left untouched", key, error)
            return _failed(event, "storage_error", language)
        except OSError as error:
            return _failed(event, self._storage_fault(key, error), language)
        except Exception:
            log.exception("the turn of user %s failed; nothing was saved", key)
            return _failed(event, "failed", language)
        self._disk_full = False
        return turn

    def _storage_fault(self, key: str, error: OSError) -> str:
        """Log a load or save the system refused, in one line; the reply's template."""
        if error.errno in DISK_FULL:
            if not self._disk_full:
                log.critical("the disk is full: answers cannot be saved (%s)", error.strerror)
            self._disk_full = True
            return "disk_full"
        log.error("storage of user %s failed: %s", key, error.strerror or error)
        return "storage_error"

    def _apply(self, key: str, event: Event, update_id: int | None, language: str | None) -> Turn:
        now = self.clock().astimezone(self.zone)
        found: dict[str, Any] = {}

        def change(saved: dict[str, Any] | None) -> dict[str, Any] | None:
            record = saved or {}
            if not isinstance(record, dict):
                raise MalformedCase("the record is not an object")
            before = Case.from_dict(record.get("case"))
            recent = _recent_updates(record)
            duplicate = update_id is not None and update_id in recent
            # A redelivered update that was applied already is not applied again: the user is
            # shown where they are instead, so a lost reply is never silence.
            outcome = engine.handle(
                self.flow,
                before,
                engine.Menu("continue") if duplicate else event,
                now,
                self.words,
                language,
            )
            # An export shows the record as it is now read (a record of an earlier schema too).
            shown = {**record, "schema": SCHEMA, "case": outcome.case.to_dict()}
            found.update(before=before, outcome=outcome, record=shown, duplicate=duplicate)
            if outcome.erase or not outcome.changed or duplicate:
                return None
            found["record"] = self._record(record, outcome.case, now, [*recent, update_id])
            return found["record"]

        self.store.update(key, change)
        before, outcome, record = found["before"], found["outcome"], found["record"]
        if found["duplicate"]:
            log.info(
                "update %s already applied for user %s: showing where they are", update_id, key
            )
            return Turn(outcome.replies, repeated=True)
        if outcome.erase:
            self.store.delete(key)
            log.info("user %s erased their data", key)
        days = [] if outcome.erase else reminder_days(outcome.case)
        changed = days != reminder_days(before) or isinstance(event, engine.DeliverDue)
        if changed and self.reminder_index is not None:
            try:
                self.reminder_index.set(key, days)
            except OSError as error:  # the answer is saved: only the index is behind
                log.error("the reminder index could not be updated for %s: %s", key, error)
        replies = [with_record(reply, record) for reply in outcome.replies]
        language = _language_change(before, outcome)
        return Turn(replies, days if changed else None, language=language)

    def case(self, key: str) -> Case:
        """The user's saved case (a new one if they have none)."""
        return Case.from_dict((self.store.load(key) or {}).get("case"))

    @staticmethod
    def _record(
        previous: dict[str, Any], case: Case, now: datetime, recent: list[int | None]
    ) -> dict[str, Any]:
        stamp = now.isoformat(timespec="seconds")
        record = {
            **{k: v for k, v in previous.items() if k != "last_update_id"},
            "schema": SCHEMA,
            "case": case.to_dict(),
            "created_at": previous.get("created_at", stamp),
            "updated_at": stamp,
        }
        ids = [i for i in recent if i is not None][-RECENT_UPDATES:]
        if ids:
            record["recent_updates"] = ids
        return record


def _recent_updates(record: dict[str, Any]) -> list[int]:
    """The user's latest update ids applied (a record from before the window: its last one)."""
    recent = record.get("recent_updates")
    if recent is None:
        last = record.get("last_update_id")
        recent = [] if last is None else [last]
    if not isinstance(recent, list) or not all(
        isinstance(i, int) and not isinstance(i, bool) for i in recent
    ):
        raise MalformedCase("recent_updates")
    return recent


def _language_change(before: Case, outcome: engine.Outcome) -> str | None:
    """The user's language if the turn changed it; "" if it erased a chosen one."""
    if outcome.erase:
        return "" if before.language is not None else None
    after = outcome.case.language
    return known(after) if after != before.language else None


def _failed(event: Event, template: str, language: str | None) -> Turn:
    """Nothing was changed: say so, after the crisis resources if the words need them (in
    the language of the user's app: their record could not be read)."""
    replies = [*engine.crisis_replies(event), Reply(template)]
    spoken = from_telegram(language)
    return Turn([replace(r, language=spoken) for r in replies], failed=True)


def reminder_days(case: Case) -> list[str]:
    """The days on which the user's open cases have reminders still to send."""
    return sorted({r["due"] for _, r in caseload.pending_reminders(case)})


def with_record(reply: Reply, record: dict[str, Any]) -> Reply:
    """Give an export everything stored about the user: the whole record, not just the case."""
    if not any(a.document == "export" for a in reply.attachments):
        return reply
    attachments = tuple(
        replace(a, context={**a.context, "record": record}) if a.document == "export" else a
        for a in reply.attachments
    )
    return replace(reply, attachments=attachments)
