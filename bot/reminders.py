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

KINDS = ("call", "pa_pending", "appeal", "approval_end", "decision", "external")
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
EXTERNAL_DAYS = 60
"""Days from the final denial to ask for an external review, at the earliest quoted (60 days
on healthcare.gov, 4 months in the regulation: domain notes, section 6): a reminder must come
before the earliest deadline that may apply."""


def due_at(due: str, zone: tzinfo) -> datetime:
    """The moment a reminder for the day `due` (ISO date) is delivered, in the time `zone`."""
    return datetime.combine(date.fromisoformat(due), time(DELIVERY_HOUR), tzinfo=zone)


def last_due_day(now: datetime, zone: tzinfo) -> date:
    """The latest day whose reminders are delivered by `now` (today from `DELIVERY_HOUR` on,
    else yesterday)."""
    local = now.astimezone(zone)
    return local.date() - timedelta(days=0 if local.time() >= time(DELIVERY_HOUR) else 1)


def offers(
    today: date,
    authorization: Mapping[str, Any] | None,
    appeal: AppealRule,
    *,
    appealed: bool = False,
) -> list[tuple[str, date]]:
    """(kind, day) of the reminders worth offering after a call (`appeal`: the plan's rule;
    `appealed`: a denial was logged before this one, so this may be the appeal's)."""
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
        if appealed and appeal.id == appeals.COMMERCIAL.id:
            day = appeals.warning_day(external_deadline(authorization["letter_date"]), today)
            if day is not None:
                found.insert(0, ("external", day))
    return found


def external_deadline(letter_date: str) -> date:
    """The last day to ask for an external review, at the earliest deadline quoted."""
    return date.fromisoformat(letter_date) + timedelta(days=EXTERNAL_DAYS)


def decision_due(today: date, days: int) -> date:
    """When an appeal sent today is to be decided, the plan having `days` (bot/appeal_kit.py):
    the day after, to check on it."""
    return today + timedelta(days=days + 1)


def acceptable(kind: str, day: date, today: date) -> bool:
    """Whether a reminder of this kind may be set for this day (not past, within a year)."""
    return kind in KINDS and today < day <= today + LONGEST
