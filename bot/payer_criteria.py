"""A few major payers' published criteria for ketamine and esketamine, as data. Pure.

Only what the domain notes (sections 3 and 6) say, each row with its source. A number the
notes do not give is None, never guessed. `checked` is the day the row was last compared with
its source text; `confirmed` is False where the notes mark it [check] or the source could not
confirm it: such a row is said hedged. Criteria vary by plan, and the bot says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.flow import IM_KETAMINE, IV_KETAMINE, SPRAVATO
from bot.readiness import BCBSMA_SEVERITY, Readiness, Requirement, evaluate

EXPERIMENTAL = "experimental"
"""Excluded as experimental/investigational: no criteria can be met."""
NOT_MEDICALLY_NECESSARY = "not_medically_necessary"
"""Considered not medically necessary: no criteria can be met."""
LABELLED_USE = "labelled_use"
"""Covered for its FDA-labelled uses, with no trial numbers in the notes."""
EXCLUDED = (EXPERIMENTAL, NOT_MEDICALLY_NECESSARY)


@dataclass(frozen=True)
class PayerCriteria:
    """One payer's published policy for one or more treatments."""

    payer: str
    policy: str | None
    """The policy's name or number as published; None when the notes give none."""
    treatments: tuple[str, ...]
    """bot.flow.TREATMENTS ids."""
    source: str
    requirement: Requirement | None = None
    """The numbers it asks; None where it has no criteria or the notes give none."""
    stance: str | None = None
    """Where it has no criteria: EXPERIMENTAL, NOT_MEDICALLY_NECESSARY or LABELLED_USE."""
    approval_months: int | None = None
    approval_days: int | None = None
    """How long a first approval lasts (one of the two, where the notes say)."""
    checked: str | None = None
    """ISO date this row was last checked against its source."""
    confirmed: bool = False


CRITERIA = (
    PayerCriteria(
        "aetna",
        "CPB 0938",
        (IV_KETAMINE, IM_KETAMINE),
        "Aetna CPB 0938, Ketamine for the Treatment of Depression (aetna.com)",
        stance=EXPERIMENTAL,
        checked="2026-12-06",
        confirmed=True,
    ),
    PayerCriteria(
        # 12 months is the notes' figure; summaries seen give it for UHC's Spravato
        # authorizations, not from this policy's own text.
        "unitedhealthcare",
        "2026D0069P",
        (SPRAVATO,),
        "UnitedHealthcare 2026D0069P, Ketalar and Spravato Medical Benefit Drug Policy",
        approval_months=12,
    ),
    PayerCriteria(
        "cigna_evicore",
        None,
        (SPRAVATO,),
        "eviCore esketamine guideline summaries; Cigna esketamine coverage summaries",
        requirement=Requirement(min_trials=2, min_classes=2, weeks=6),
        approval_months=6,
        checked="2026-12-06",
        confirmed=True,
    ),
    PayerCriteria(
        "premera",
        "5.01.609",
        (SPRAVATO,),
        "Premera 5.01.609",
        requirement=Requirement(min_trials=3, min_classes=2, with_augmentation=2, weeks=None),
    ),
    PayerCriteria(
        # "3-4 drugs plus an augmentation trial" (North Dakota 3, so Massachusetts 4, as on the
        # plan's prior-authorization form); IV ketamine under the Spravato criteria.
        "bcbs_massachusetts",
        "policy 087",
        (SPRAVATO, IV_KETAMINE),
        "BCBS Massachusetts medical policy 087 and its prior-authorization form",
        requirement=Requirement(
            min_trials=4, augmentation=True, scale_minimums=BCBSMA_SEVERITY, weeks=None
        ),
        approval_days=28,
    ),
    PayerCriteria(
        # The plan's page was found in two versions: one asks 3 antidepressants plus an
        # augmentation trial, the other 2 antidepressants and no augmentation.
        "bcbs_north_dakota",
        None,
        (SPRAVATO,),
        "BCBS North Dakota esketamine (Spravato) medical policy (bcbsnd.com)",
        requirement=Requirement(min_trials=3, augmentation=True, weeks=None),
    ),
    PayerCriteria(
        "bcbs_mississippi",
        "L.5.01.537",
        (SPRAVATO,),
        "BCBS Mississippi L.5.01.537, Spravato (esketamine) (bcbsms.com)",
        stance=NOT_MEDICALLY_NECESSARY,
        checked="2026-12-06",
        confirmed=True,
    ),
    PayerCriteria(
        # Part B, G2082/G2083, at REMS-enrolled sites (domain notes, section 5b).
        "medicare_mac",
        "A59250",
        (SPRAVATO,),
        "MAC billing and coding article A59250, Esketamine (cms.gov coverage database)",
        stance=LABELLED_USE,
        checked="2026-12-06",
        confirmed=True,
    ),
)


def criteria_for(treatment: str) -> tuple[PayerCriteria, ...]:
    """The rows that cover a treatment (a bot.flow.TREATMENTS id), in table order."""
    return tuple(row for row in CRITERIA if treatment in row.treatments)


def meets(row: PayerCriteria, readiness: Readiness) -> bool | None:
    """Whether the history meets a row: False where the payer excludes the treatment, None
    where the notes give no numbers or the history cannot tell."""
    if row.stance in EXCLUDED:
        return False
    return None if row.requirement is None else evaluate(row.requirement, readiness)
