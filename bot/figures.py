"""Figures that change every year, each with its year and source: next year's update is this file.

A figure the domain notes mark [check] has `checked=False`; wherever it is shown, it is
hedged ("about", "check with your plan").
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Figure:
    """An amount set for one year by a rule, and where it comes from."""

    amount: Decimal
    year: int
    source: str
    checked: bool = True
    """False when the domain notes mark it [check]: shown hedged."""


PART_B_DEDUCTIBLE = Figure(
    Decimal("283.00"), 2026, "CMS, 2026 Medicare Parts A & B premiums and deductibles fact sheet"
)
"""Original Medicare: the yearly Part B deductible, before Medicare pays 80%."""
PART_B_COINSURANCE = Figure(Decimal(20), 2026, "CMS, Medicare Part B costs (42 CFR 410.152)")
"""Original Medicare: the percent of the Medicare-approved amount the patient pays."""

ACA_OOP_SELF = Figure(
    Decimal("10600.00"), 2026, "45 CFR 156.130; HHS 2026 payment notice, revised June 2025"
)
"""The most a plan may make one person pay in network in a year (also inside a family plan)."""
ACA_OOP_FAMILY = Figure(Decimal("21200.00"), 2026, ACA_OOP_SELF.source)

HSA_OOP_SELF = Figure(Decimal("8500.00"), 2026, "IRS Rev. Proc. 2025-19")
"""An HSA-qualified high-deductible plan: the highest out-of-pocket maximum, self-only."""
HSA_OOP_FAMILY = Figure(Decimal("17000.00"), 2026, HSA_OOP_SELF.source)
HDHP_MIN_DEDUCTIBLE_SELF = Figure(Decimal("1700.00"), 2026, HSA_OOP_SELF.source)

MEDICARE_ADVANTAGE_OOP = Figure(
    Decimal("9250.00"), 2026, "CMS, 2026 Medicare Advantage in-network maximum", checked=False
)
"""The most a Medicare Advantage plan may set as its in-network out-of-pocket maximum."""
PART_D_CAP = Figure(Decimal("2100.00"), 2026, "CMS, 2026 Part D redesign")
"""Part D (drugs a pharmacy dispenses): the yearly out-of-pocket cap."""

MEDICAID_NOMINAL_COPAY = Figure(
    Decimal("4.00"), 2026, "42 CFR 447.52 (nominal cost sharing, outpatient)", checked=False
)
"""Medicaid: about the most an outpatient service may cost at or below 100% of poverty."""

SPRAVATO_SESSION = (
    Figure(Decimal("907.00"), 2026, "Medicare 2026 national payment, G2082", checked=False),
    Figure(Decimal("1290.00"), 2026, "Medicare 2026 national payment, G2083", checked=False),
)
"""A whole Spravato session (drug, visit, 2-hour observation): 56 mg and 84 mg."""
