"""The appeal kit: what each letter says, from the answers, the logged denial and the medication
history. Pure: the words are in templates/letter_*.j2, the layout in bot/pdf.py.

Five drafts, each for the person (and the prescriber) to check, edit and sign:

- `necessity`: a letter of medical necessity for the prescriber to adapt;
- `appeal`: the patient's first appeal: an internal appeal (employer and individual plans), a
  reconsideration (Medicare Advantage), a redetermination (Original Medicare), an appeal to the
  plan (Medicaid managed care);
- `peer_to_peer`: a short script for the prescriber's office to ask for a peer-to-peer review;
- `expedited`: a request for an expedited (urgent) appeal;
- `external`: the next step once the first appeal is denied: external review, or Medicare's and
  Medicaid's own next levels.

Nothing here is advice: the letters set out facts the person gave and ask for what the rules
let them ask for. What the bot does not know is left as a blank marked to fill by hand.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot import appeals, authorizations, flow
from bot.appeals import AppealRule
from bot.history import History
from bot.payer_criteria import criteria_for
from bot.readiness import Readiness, readiness

KINDS = ("necessity", "appeal", "peer_to_peer", "expedited", "external")

PARITY_PLANS = (*appeals.COMMERCIAL_PLANS, flow.MEDICAID)
"""Plans federal parity law reaches: group plans, individual-market insurers and Medicaid managed
care; not Medicare (domain notes §6). Small self-funded employer plans (50 or fewer employees)
are exempt, which the letters say rather than decide."""


@dataclass(frozen=True)
class DecisionTimes:
    """How long a plan has to decide the first appeal (words in templates, by rule id)."""

    standard_days: int
    """For care not yet received (a service); a payment may take longer."""
    paid_days: int | None
    """For care already received (a claim), where the rule sets it."""
    expedited_hours: int
    checked: bool = True


DECISION_TIMES: Mapping[str, DecisionTimes] = {
    # 29 CFR 2560.503-1(i): 30 days pre-service, 60 post-service, 72 hours urgent.
    appeals.COMMERCIAL.id: DecisionTimes(30, 60, 72),
    # cms.gov Part C reconsideration: 30 days for a service, 60 for a payment, 72 h expedited
    # (7 days for a Part B drug: [check] in the domain notes).
    appeals.MEDICARE_ADVANTAGE.id: DecisionTimes(30, 60, 72, checked=False),
    # Original Medicare redetermination and Medicaid plan appeals: not in the domain notes'
    # sources; said hedged (cms.gov first level of appeal; 42 CFR 438.408(b)).
    appeals.ORIGINAL_MEDICARE.id: DecisionTimes(60, 60, 72, checked=False),
    appeals.MEDICAID.id: DecisionTimes(30, None, 72, checked=False),
}


@dataclass(frozen=True)
class Kit:
    """What one letter is made from."""

    kind: str
    today: date
    answers: Mapping[str, object]
    history: History
    readiness: Readiness
    denial: Mapping[str, Any] | None
    """The prior authorization logged last, if it was denied (number, letter date)."""
    rule: AppealRule
    deadline: date | None
    """The last day for the first appeal, from the denial letter's date; None if not known."""
    decision: DecisionTimes | None
    parity: bool | None
    """Whether parity law reaches this plan: True, False (Medicare), None (not known)."""
    criteria: tuple[Any, ...]
    """The published criteria of a few major payers for this treatment (bot/payer_criteria.py)."""

    @property
    def treatment(self) -> str:
        found = self.answers.get("treatment")
        return str(found) if found in flow.TREATMENTS else flow.UNSURE

    @property
    def medicare(self) -> bool:
        return self.answers.get("plan_type") == flow.MEDICARE

    def answer(self, question: str) -> object | None:
        """A known answer, or None (unknown, not answered)."""
        value = self.answers.get(question)
        return None if value in (None, flow.UNKNOWN, "") else value


def build(
    kind: str,
    answers: Mapping[str, object],
    history: History,
    authorization: Mapping[str, Any] | None,
    today: date,
) -> Kit:
    """The kit for one letter of `kind` (one of KINDS)."""
    if kind not in KINDS:
        raise ValueError(f"unknown letter kind {kind!r}")
    rule = appeals.rule_for(answers)
    denied = authorizations.status(authorization) == authorizations.DENIED
    denial = authorization if denied else None
    letter_date = (denial or {}).get("letter_date")
    known_date = isinstance(letter_date, str) and letter_date not in ("", flow.UNKNOWN)
    plan = answers.get("plan_type")
    parity = True if plan in PARITY_PLANS else False if plan == flow.MEDICARE else None
    treatment = answers.get("treatment")
    return Kit(
        kind=kind,
        today=today,
        answers=answers,
        history=history,
        readiness=readiness(history, today),
        denial=denial,
        rule=rule,
        deadline=appeals.deadline(letter_date, rule) if known_date else None,
        decision=DECISION_TIMES.get(rule.id),
        parity=parity,
        criteria=criteria_for(str(treatment)) if treatment in flow.TREATMENTS else (),
    )
