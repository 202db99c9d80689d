"""What can help a person pay: the "Paying for it" section of the estimate.

A pure function of the saved answers and their estimate. It returns plain data,
the ids of the items that apply in the order to show them; every word lives in
templates/paying.j2 (one macro per id, and `section(items, answers)`).

The section shows when the treatment is not covered, when coverage is not
known, or when the dearest case of the estimate reaches `HIGH_COST`. Each item
then has its own condition, in `RULES`, the first rule for an id that holds
deciding it. Answers that are missing, "unknown" or not one of the question's
choices count as unknown.

Usage:
    paying = financial_help(answers, estimate(answers))
    Reply("estimate", {"estimate": ..., "answers": answers, "paying": paying})
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from bot.answers import Said
from bot.estimate import Estimate
from bot.flow import GOVERNMENT_PLANS, HDHP, SPRAVATO

HIGH_COST = Decimal("1000.00")
"""At or above this for the patient in the dearest case, the section shows even when covered."""


# The item ids, in the order they are shown.
GOOD_FAITH_ESTIMATE = "good_faith_estimate"
SPRAVATO_SAVINGS = "spravato_savings"
SUPERBILL = "superbill"
HSA_FSA = "hsa_fsa"
FSA = "fsa"
ASK_CLINIC = "ask_clinic"


@dataclass(frozen=True)
class Facts:
    """What the rules look at; None where the answer is not known."""

    treatment: str | None
    plan_type: str | None
    network: str | None
    """"in" or "out"."""
    covered: str
    """"yes", "no" or "unknown", as in the estimate."""

    @classmethod
    def of(cls, answers: Mapping[str, object], estimate: Estimate) -> Facts:
        said = Said(answers)
        return cls(
            treatment=said.choice("treatment"),
            plan_type=said.choice("plan_type"),
            network=said.choice("network"),
            covered=estimate.covered,
        )

    @property
    def pays_self(self) -> bool:
        """Not covered, or not known to be: the person may pay the clinic themselves."""
        return self.covered != "yes"

    @property
    def commercial(self) -> bool:
        """Not Medicare or Medicaid (an unknown plan type may be commercial): no manufacturer
        savings program, no employer FSA."""
        return self.plan_type not in GOVERNMENT_PLANS


Rule = tuple[str, Callable[[Facts], bool]]

RULES: tuple[Rule, ...] = (
    # No Surprises Act: uninsured and self-pay patients (domain notes, section 5).
    (GOOD_FAITH_ESTIMATE, lambda f: f.pays_self),
    # Spravato withMe savings: commercially insured patients only (domain notes, section 2).
    (SPRAVATO_SAVINGS, lambda f: f.treatment == SPRAVATO and f.commercial),
    # Out-of-network reimbursement: only for a treatment the plan covers (or may).
    (SUPERBILL, lambda f: f.network != "in" and f.covered in ("yes", "unknown")),
    # An HSA needs an HSA-eligible high-deductible plan; an FSA is offered by employers.
    (HSA_FSA, lambda f: f.plan_type == HDHP),
    (FSA, lambda f: f.commercial and f.plan_type != HDHP),
    (ASK_CLINIC, lambda f: True),
)
ITEM_IDS = tuple(item for item, _ in RULES)


def section_applies(estimate: Estimate) -> bool:
    """Whether to show the section: not covered, coverage not known, or a high dearest case."""
    return estimate.covered != "yes" or estimate.high.patient_total >= HIGH_COST


def financial_help(answers: Mapping[str, object], estimate: Estimate) -> tuple[str, ...]:
    """The ids of the items that apply, in the order to show them; () to show no section."""
    if not section_applies(estimate):
        return ()
    facts = Facts.of(answers, estimate)
    return tuple(item for item, holds in RULES if holds(facts))
