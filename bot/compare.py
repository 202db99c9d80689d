"""Clinics side by side: each one's cost to the patient, from the one estimate engine.

Each clinic is costed by `bot.estimate.estimate` with the person's own plan
answers and the clinic's network status, price (or package) and allowed amount
in place of the answers about "the clinic" (so the comparison and the estimate
can never disagree). Ranges are compared case by case: the lower ends together
(everything not known yet at its cheapest, the plan's unknowns being the same
for every clinic) and the upper ends together (everything at its dearest).

* `clear`: one clinic is cheapest in both cases (ties with it are marked too);
* `depends`: one clinic is cheapest in the lower case, another in the upper one;
  both are marked, and the words say which is which.

What would change the ranking is found by search: for the cheapest clinic and the
one that comes next (the other cheapest one, for `depends`), the allowed amount
of an out-of-network clinic whose amount is not known, and the price of the next
clinic, are moved a cent at a time (by bisection) to where the order flips.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal

from bot.answers import CENT, cents
from bot.clinics import MAX_PRICE, Clinic
from bot.estimate import ZERO, Estimate, estimate, totals

LOW, HIGH = 0, 1
"""Index of the cheapest and the dearest case in a (low, high) pair."""


@dataclass(frozen=True)
class Option:
    """One clinic, costed."""

    clinic: Clinic
    estimate: Estimate

    @property
    def patient(self) -> tuple[Decimal, Decimal]:
        """The patient's total in the cheapest and in the dearest case."""
        return self.estimate.low.patient_total, self.estimate.high.patient_total

    @property
    def insurer(self) -> tuple[Decimal, Decimal]:
        """What the plan pays, smallest first."""
        paid = (self.estimate.low.insurer_total, self.estimate.high.insurer_total)
        return min(paid), max(paid)

    @property
    def per_session(self) -> tuple[Decimal, Decimal]:
        """The patient's cost per planned session, in the cheapest and the dearest case."""
        low_n, high_n = self.estimate.sessions
        low, high = self.patient
        return cents(low / low_n), cents(high / high_n)


@dataclass(frozen=True)
class Lever:
    """A number of `clinic` that, past `threshold`, makes it cheaper or dearer than `other`.

    "allowed": `clinic` (out of network, its allowed amount not known) costs less than
    `other` from an allowed amount per session of `threshold` up. "price": `clinic` costs
    less than `other` at a price per session of `threshold` or less. `threshold` holds the
    value in the cheapest and in the dearest case: None where nothing in range flips it.
    """

    clinic: int
    other: int
    kind: str
    threshold: tuple[Decimal | None, Decimal | None]


@dataclass(frozen=True)
class Comparison:
    """The clinics, cheapest first, which are marked cheapest, and what would change that."""

    options: tuple[Option, ...]
    verdict: str
    """"none" (no clinic), "clear" or "depends"."""
    cheapest: tuple[int, ...]
    """Ids of the clinics marked cheapest (several when tied, two when it depends)."""
    cheapest_by_case: tuple[tuple[int, ...], tuple[int, ...]]
    """Ids cheapest in the lower and in the upper case."""
    levers: tuple[Lever, ...]

    def option(self, clinic_id: int) -> Option:
        return next(o for o in self.options if o.clinic.id == clinic_id)


def clinic_answers(answers: Mapping[str, object], clinic: Clinic) -> dict[str, object]:
    """The person's answers with the clinic's own in place of those about "the clinic"."""
    return {**answers, **clinic.answers()}


def clinic_estimate(answers: Mapping[str, object], clinic: Clinic) -> Estimate:
    """What the planned sessions at this clinic may cost: the estimate engine, nothing else."""
    return estimate(clinic_answers(answers, clinic), clinic.package)


def estimate_at(answers: Mapping[str, object], clinic: Clinic | None) -> Estimate:
    """The estimate for the answers, priced at the clinic chosen if there is one."""
    return estimate(answers) if clinic is None else clinic_estimate(answers, clinic)


def compare(answers: Mapping[str, object], clinics: list[Clinic]) -> Comparison:
    """Cost every clinic for the same plan and sessions, and rank them for the patient."""
    order = {clinic.id: index for index, clinic in enumerate(clinics)}
    options = sorted(
        (Option(clinic, clinic_estimate(answers, clinic)) for clinic in clinics),
        key=lambda o: (*o.patient, order[o.clinic.id]),
    )
    if not options:
        return Comparison((), "none", (), ((), ()), ())
    by_case = tuple(_cheapest(options, side) for side in (LOW, HIGH))
    if by_case[LOW] == by_case[HIGH] or set(by_case[LOW]) & set(by_case[HIGH]):
        common = tuple(i for i in by_case[LOW] if i in by_case[HIGH])
        verdict, cheapest = "clear", common
    else:
        verdict, cheapest = "depends", (*by_case[LOW], *by_case[HIGH])
    rival = by_case[HIGH][0] if verdict == "depends" else _next_after(options, cheapest)
    levers = () if rival is None else _levers(answers, options, cheapest[0], rival)
    return Comparison(tuple(options), verdict, cheapest, by_case, levers)


def _cheapest(options: list[Option], side: int) -> tuple[int, ...]:
    best = min(o.patient[side] for o in options)
    return tuple(o.clinic.id for o in options if o.patient[side] == best)


def _next_after(options: list[Option], cheapest: tuple[int, ...]) -> int | None:
    return next((o.clinic.id for o in options if o.clinic.id not in cheapest), None)


def _levers(
    answers: Mapping[str, object], options: list[Option], first: int, second: int
) -> tuple[Lever, ...]:
    """What would make `second` cheaper than `first`, or keep `first` the cheaper one."""
    a = next(o.clinic for o in options if o.clinic.id == first)
    b = next(o.clinic for o in options if o.clinic.id == second)
    levers = []
    for mover, other in ((a, b), (b, a)):
        if mover.network == "out" and mover.allowed is None:
            # A higher allowed amount only ever lowers what the patient pays out of network.
            top = max((mover.price or ZERO, *(mover.package.parts() if mover.package else ())))
            levers.append(_lever(answers, mover, other, "allowed", top or Decimal(MAX_PRICE)))
    if b.package is None and b.price is not None:
        levers.append(_lever(answers, b, a, "price", b.price))
    return tuple(lever for lever in levers if lever is not None)


def _lever(
    answers: Mapping[str, object], mover: Clinic, other: Clinic, kind: str, top: Decimal
) -> Lever | None:
    """Where, between nothing and `top`, one number of `mover` flips its order with `other`."""
    fixed = totals(clinic_answers(answers, other), other.package)

    def cost(value: Decimal, side: int) -> Decimal:
        moved = replace(mover, **{kind: value})
        return totals(clinic_answers(answers, moved), moved.package)[side]

    thresholds: list[Decimal | None] = []
    for side in (LOW, HIGH):
        if kind == "allowed":  # the smallest allowed amount at which the mover is cheaper
            found = _first(lambda v, s=side: cost(v, s) < fixed[s], ZERO, top)
            thresholds.append(None if found in (None, ZERO) else found)
        else:  # the highest price at which the mover is cheaper
            found = _first(lambda v, s=side: cost(v, s) >= fixed[s], ZERO, top)
            thresholds.append(None if found in (None, ZERO) else found - CENT)
    if thresholds == [None, None]:
        return None
    return Lever(mover.id, other.id, kind, (thresholds[0], thresholds[1]))


def _first(holds: Callable[[Decimal], bool], low: Decimal, high: Decimal) -> Decimal | None:
    """The smallest amount in cents within [low, high] for which `holds` (monotone) is true."""
    if not holds(high):
        return None
    lo, hi = int(low / CENT), int(high / CENT)
    while lo < hi:
        middle = (lo + hi) // 2
        if holds(middle * CENT):
            hi = middle
        else:
            lo = middle + 1
    return lo * CENT


__all__ = [
    "Comparison",
    "Lever",
    "Option",
    "clinic_answers",
    "clinic_estimate",
    "compare",
]
