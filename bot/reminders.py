"""Reminders: what to offer after a call, and when a reminder is due. Pure.

A reminder is due on a day; channels deliver it at `DELIVERY_HOUR` that day in the bot's
time zone (`BOT_TIMEZONE`), or at once if that moment has passed (the bot was down).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from bot import appeals, authorizations
from bot.appeals import AppealRule

KINDS = ("call", "pa_pending", "appeal", "approval_end")
DELIVERY_HOUR = 10
"""In the bot's time zone: with the default (US Central) 11 in the East, 8 in the West,
when the insurers' phone lines open."""
CALL_DELAYS = (1, 3, 7)
"""Days from today offered for "remind me to call"."""
PENDING_DELAY = 7
"""Days after a pending prior authorization to check on it."""
RENEWAL_WARNING = 14
"""Days before an approval ends to ask about renewing it (a new authorization takes time)."""
LONGEST = timedelta(days=366)


def due_at(due: str, zone: tzinfo) -> datetime:
    """The moment a reminder for the day `due` (ISO date) is delivered, in the time `zone`."""
    return datetime.combine(date.fromisoformat(due), time(DELIVERY_HOUR), tzinfo=zone)


def offers(
    today: date, authorization: Mapping[str, Any] | None, appeal: AppealRule
) -> list[tuple[str, date]]:
    """(kind, day) of the reminders worth offering after a call (`appeal`: the plan's rule)."""
    found = [("call", today + timedelta(days=days)) for days in CALL_DELAYS]
    status = authorizations.status(authorization)
    if status == authorizations.PENDING:
        found.insert(0, ("pa_pending", today + timedelta(days=PENDING_DELAY)))
    if status == authorizations.APPROVED and authorizations.known(authorization, "end"):
        day = date.fromisoformat(authorization["end"]) - timedelta(days=RENEWAL_WARNING)
        if today < day:
            found.insert(0, ("approval_end", day))
    if status == authorizations.DENIED and authorizations.known(authorization, "letter_date"):
        day = appeals.reminder_day(authorization["letter_date"], appeal, today)
        if day is not None:
            found.insert(0, ("appeal", day))
    return found


def acceptable(kind: str, day: date, today: date) -> bool:
    """Whether a reminder of this kind may be set for this day (not past, within a year)."""
    return kind in KINDS and today < day <= today + LONGEST
