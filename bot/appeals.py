"""Appeals by plan type: how long there is to appeal a denial, and how long the plan takes. Pure.

From the domain notes, section 6. When the plan type is not known (or is "other"), the
shortest deadline that may apply is used, and the person is told to go by their letter.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from bot import flow


@dataclass(frozen=True)
class AppealRule:
    """The first level of appeal for one kind of plan (its words are in templates, by id)."""

    id: str
    days: int
    """From the date of the notice (for Original Medicare, of receiving the summary notice)."""
    checked: bool = True
    """False where the domain notes mark the figure [check]: said hedged."""


COMMERCIAL = AppealRule("commercial", 180)
"""Employer and individual plans: internal appeal (healthcare.gov; 29 CFR 2560.503-1)."""
MEDICARE_ADVANTAGE = AppealRule("medicare_advantage", 60, checked=False)
"""A reconsideration request (cms.gov, Part C; some 2025 sources say 65 days)."""
ORIGINAL_MEDICARE = AppealRule("original_medicare", 120)
"""A redetermination (cms.gov, first level of appeal)."""
MEDICAID = AppealRule("medicaid", 60)
"""Medicaid managed care: an appeal to the plan (42 CFR 438.402(c)(2)), then a fair hearing."""
UNKNOWN_PLAN = AppealRule("unknown", 60)
"""The shortest deadline of those above: go by the date on the letter."""
MEDICARE_UNKNOWN = AppealRule("medicare_unknown", 60)
"""Medicare, Original or Advantage not known: the shorter of the two."""

COMMERCIAL_PLANS = tuple(p for p in flow.PLAN_TYPES if p not in (*flow.GOVERNMENT_PLANS, "other"))
WARNING_DAYS = 30
"""The appeal reminder comes this many days before the deadline (or tomorrow, if that is later)."""


def rule_for(answers: Mapping[str, object]) -> AppealRule:
    """The appeal rule of the plan these answers describe."""
    plan = answers.get("plan_type")
    if plan in COMMERCIAL_PLANS:
        return COMMERCIAL
    if plan == flow.MEDICAID:
        return MEDICAID
    if plan == flow.MEDICARE:
        kind = answers.get("medicare_kind")
        if kind == "original":
            return ORIGINAL_MEDICARE
        return MEDICARE_ADVANTAGE if kind == "advantage" else MEDICARE_UNKNOWN
    return UNKNOWN_PLAN


def deadline(letter_date: str, rule: AppealRule) -> date:
    """The last day to appeal, from the date on the denial letter."""
    return date.fromisoformat(letter_date) + timedelta(days=rule.days)


def reminder_day(letter_date: str, rule: AppealRule, today: date) -> date | None:
    """When to remind about the appeal: well before the deadline; None once it has passed."""
    return warning_day(deadline(letter_date, rule), today)


def warning_day(last: date, today: date) -> date | None:
    """A reminder WARNING_DAYS before `last`, or tomorrow if that is late; None once `last`
    has passed."""
    day = max(last - timedelta(days=WARNING_DAYS), today + timedelta(days=1))
    return day if day <= last else None
