"""Reminders: what to offer after a call, and when a reminder is due. Pure.

A reminder is due on a day; channels deliver it at `DELIVERY_HOUR_UTC` that
day, or at once if that moment has passed (the bot was down).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

KINDS = ("call", "pa_pending", "appeal")
DELIVERY_HOUR_UTC = 14
"""Late morning across the US, where the insurers' phone lines are."""
APPEAL_DAYS = 180
"""An internal appeal is filed within 180 days of the denial notice."""
APPEAL_WARNING_DAYS = 30
"""Remind this many days before the appeal deadline."""
CALL_DELAYS = (1, 3, 7)
"""Days from today offered for "remind me to call"."""
PENDING_DELAY = 7
"""Days after a pending prior authorization to check on it."""
LONGEST = timedelta(days=366)


def due_at(due: str) -> datetime:
    """The moment a reminder for the day `due` (ISO date) is delivered."""
    return datetime.combine(date.fromisoformat(due), time(DELIVERY_HOUR_UTC), tzinfo=UTC)


def appeal_deadline(letter_date: str) -> date:
    """The last day to file an internal appeal, from the date on the denial letter."""
    return date.fromisoformat(letter_date) + timedelta(days=APPEAL_DAYS)


def offers(today: date, authorization: Mapping[str, Any] | None) -> list[tuple[str, date]]:
    """(kind, day) of the reminders worth offering after a call."""
    found = [("call", today + timedelta(days=days)) for days in CALL_DELAYS]
    status = authorization and authorization.get("status")
    if status == "pending":
        found.insert(0, ("pa_pending", today + timedelta(days=PENDING_DELAY)))
    letter = authorization and authorization.get("letter_date")
    if status == "denied" and letter and letter != "unknown":
        deadline = appeal_deadline(letter)
        warning = max(deadline - timedelta(days=APPEAL_WARNING_DAYS), today + timedelta(days=1))
        if warning <= deadline:
            found.insert(0, ("appeal", warning))
    return found


def acceptable(kind: str, day: date, today: date) -> bool:
    """Whether a reminder of this kind may be set for this day (not past, within a year)."""
    return kind in KINDS and today < day <= today + LONGEST
