"""Parity red flags: what in the answers and the approval may be unequal treatment of mental
health care, each worded in templates with what to ask for. Pure.

Federal parity law bars a plan from limiting mental health care more than comparable medical
care (domain notes, section 6: NAMI's red flags; 29 CFR 2590.712). It reaches group plans,
individual-market insurers and Medicaid managed care, not Medicare, and not small self-funded
plans; `bot.appeal_kit.Kit.parity` says whether it applies. These are questions to ask, never
a finding that the plan broke the law.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.authorizations import sessions_beyond

FLAGS = ("prior_authorization", "no_network", "carve_out", "fewer_sessions", "referral")
"""Every red flag, in the order they are shown (worded in templates/appeal.j2)."""


def red_flags(
    answers: Mapping[str, object], authorization: Mapping[str, Any] | None = None
) -> tuple[str, ...]:
    """The flags the answers and the last approval raise, in FLAGS order."""
    planned = answers.get("sessions")
    raised = {
        "prior_authorization": answers.get("preauth") == "yes",
        "no_network": answers.get("network_options") == "no",
        "carve_out": answers.get("bh_carveout") == "yes",
        "fewer_sessions": isinstance(planned, int) and sessions_beyond(authorization, planned) > 0,
        "referral": answers.get("referral") == "yes",
    }
    return tuple(flag for flag in FLAGS if raised[flag])
