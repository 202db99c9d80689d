"""The prior authorization logged last, as the estimate and the call script read it.

An authorization is the dict a logged call files (bot/call_logging.py): its status
("pending", "approved" or "denied"), number, sessions, start and end dates, and the
date of a denial letter; "unknown" where the insurer did not say.

Once an authorization has been asked for, the plan's cost sharing is what it pays by
if it approves (or an appeal succeeds); while it is pending or after a denial, the
other case is that it pays nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.flow import UNKNOWN

PENDING, APPROVED, DENIED = "pending", "approved", "denied"
STATUSES = (PENDING, APPROVED, DENIED)

Authorization = Mapping[str, Any] | None


def status(authorization: Authorization) -> str | None:
    """ "pending", "approved" or "denied"; None when no authorization has been logged."""
    found = (authorization or {}).get("status")
    return found if found in STATUSES else None


def known(authorization: Authorization, key: str) -> bool:
    """Whether the insurer said what `key` (number, sessions, start, end...) is."""
    return (authorization or {}).get(key, UNKNOWN) not in (UNKNOWN, None)


def if_paid(answers: Mapping[str, object], authorization: Authorization) -> dict[str, object]:
    """The answers as the plan pays once it approves: covered, by its cost sharing."""
    if status(authorization) is None:
        return dict(answers)
    return {**answers, "coverage": "yes"}


def if_refused(
    answers: Mapping[str, object], authorization: Authorization
) -> dict[str, object] | None:
    """The answers as the plan pays if a denial stands (or a pending request is denied):
    nothing. None when there is no such case (nothing logged, or an approval)."""
    if status(authorization) not in (PENDING, DENIED):
        return None
    return {**answers, "coverage": "no"}


def sessions_beyond(authorization: Authorization, planned: int) -> int:
    """How many of the planned sessions an approval does not cover (they need a renewal)."""
    if status(authorization) != APPROVED or not known(authorization, "sessions"):
        return 0
    return max(planned - int(authorization["sessions"]), 0)
