"""The cost estimate: a pure function of the saved answers.

Sessions are costed one by one, in order, with running deductible and
out-of-pocket counters (see the README's "Cost estimate" section for the rules
and for every bound used when an answer is unknown). Money is `Decimal`; each
session's amounts are rounded to the cent, half up.

An answer that is unknown turns the estimate into a range: `low` puts every
unknown at its cheapest plausible value, `high` at its dearest. Each unknown's
"swing" (how much it alone moves the cost from the cheapest case) ranks what
to ask first.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal

from bot import figures
from bot.answers import Said, cents
from bot.clinics import Package
from bot.flow import IM_KETAMINE, IV_KETAMINE, SPRAVATO, UNKNOWN, UNSURE

ZERO = Decimal("0.00")
HUNDRED = Decimal(100)
FEDERAL_OOP_CAP = figures.ACA_OOP_SELF.amount
"""The ACA's out-of-pocket cap for one person (bot/figures.py)."""
COINSURANCE_BOUNDS = (Decimal(0), Decimal(50))
COPAY_BOUNDS = (ZERO, Decimal("100.00"))
# Prices per whole session (domain notes, section 2): Spravato's 2026 Medicare payments for
# the drug, the visit and the observation (56 or 84 mg), and the consumer-guide range per IV
# infusion (used for IM too: no better figure is known).
SPRAVATO_LOW, SPRAVATO_HIGH = (figure.amount for figure in figures.SPRAVATO_SESSION)
PRICE_BOUNDS = {
    SPRAVATO: (SPRAVATO_LOW, SPRAVATO_HIGH),
    IV_KETAMINE: (Decimal("400.00"), Decimal("800.00")),
    IM_KETAMINE: (Decimal("400.00"), Decimal("800.00")),
    UNSURE: (Decimal("400.00"), SPRAVATO_HIGH),
}
# Spravato's first month is 8 sessions; an IV series is commonly about 6.
SESSION_BOUNDS = {
    SPRAVATO: (8, 8),
    IV_KETAMINE: (6, 6),
    IM_KETAMINE: (6, 6),
    UNSURE: (6, 8),
}

LOW, HIGH = "low", "high"
STRUCTURAL = ("coverage", "network", "cost_sharing")
# Unknowns that only matter through another one move with it when ranking what to ask.
DEPENDENTS = {
    "network": ("allowed_per_session",),
    "cost_sharing": ("coinsurance_pct", "copay"),
    "deductible": ("deductible_met",),
    "oop_max": ("oop_met",),
}
MONEY_FIELDS = (
    "price_per_session",
    "allowed_per_session",
    "copay",
    "deductible",
    "deductible_met",
    "oop_max",
    "oop_met",
    "oon_deductible",
    "oon_deductible_met",
)
PERCENT_FIELDS = ("coinsurance_pct", "oon_coinsurance_pct")
# The order in which unknowns are considered (the flow's order); ties in ranking keep it.
UNKNOWN_ORDER = (
    "coverage",
    "network",
    "deductible",
    "deductible_met",
    "cost_sharing",
    "coinsurance_pct",
    "copay",
    "oop_max",
    "oop_met",
    "price_per_session",
    "allowed_per_session",
    "sessions",
)
_DEPENDENT = {dependent: parent for parent, deps in DEPENDENTS.items() for dependent in deps}


@dataclass(frozen=True)
class Plan:
    """One concrete case to cost: every value known."""

    covered: bool
    in_network: bool
    price: Decimal
    """Per session (after the package, when there is one)."""
    allowed: Decimal
    """The most the plan allows per session (a session's charge, if lower, is allowed in full)."""
    sessions: int
    coinsurance: Decimal | None
    """Percent of the allowed amount after the deductible; None means a copay."""
    copay: Decimal
    deductible: Decimal
    deductible_met: Decimal
    oop_max: Decimal
    oop_met: Decimal
    package: Package | None = None
    """Sessions bought together: the first ones are charged their share of its total."""

    def charges(self) -> tuple[tuple[Decimal, ...], Decimal]:
        """Each planned session's charge, and what is paid for package sessions left unused."""
        parts = self.package.parts() if self.package else ()
        used = parts[: self.sessions]
        rest = (self.price,) * (self.sessions - len(used))
        return used + rest, sum(parts[self.sessions :], ZERO)


@dataclass(frozen=True)
class SessionCost:
    """What one session costs the patient and the insurer."""

    patient: Decimal
    insurer: Decimal


@dataclass(frozen=True)
class Schedule:
    """Every session's cost, in order, and the totals."""

    per_session: tuple[SessionCost, ...]
    unused: Decimal = ZERO
    """Paid for package sessions beyond those planned (the patient's; no plan pays it)."""

    @property
    def patient_total(self) -> Decimal:
        return sum((s.patient for s in self.per_session), self.unused)

    @property
    def insurer_total(self) -> Decimal:
        return sum((s.insurer for s in self.per_session), ZERO)

    def runs(self) -> list[tuple[int, int, SessionCost]]:
        """(first, last, cost) for each run of sessions that cost the same, numbered from 1."""
        runs: list[tuple[int, int, SessionCost]] = []
        for number, cost in enumerate(self.per_session, start=1):
            if runs and runs[-1][2] == cost:
                runs[-1] = (runs[-1][0], number, cost)
            else:
                runs.append((number, number, cost))
        return runs


@dataclass(frozen=True)
class Swing:
    """How far one unknown alone moves the patient's total.

    Moved alone from the cheapest case (everything else at its cheapest), and alone from the
    dearest case; unknowns are ranked by the first, then the second.
    """

    question: str
    from_cheapest: tuple[Decimal, Decimal]
    from_dearest: tuple[Decimal, Decimal]

    @property
    def rank(self) -> tuple[Decimal, Decimal]:
        return tuple(high - low for low, high in (self.from_cheapest, self.from_dearest))

    @property
    def moves(self) -> tuple[Decimal, Decimal]:
        """The move to tell the user about: from the cheapest case, if it moves that one."""
        low, high = self.from_cheapest
        return self.from_cheapest if high > low else self.from_dearest


@dataclass(frozen=True)
class Assumption:
    """An assumption the estimate rests on: an id (worded in templates) and its figures."""

    id: str
    params: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Estimate:
    """The range of what the planned sessions may cost, and what it rests on."""

    low: Schedule
    high: Schedule
    sessions: tuple[int, int]
    unknowns: tuple[Swing, ...]
    """The unknowns that matter, the widest first."""
    assumptions: tuple[Assumption, ...]
    covered: str
    """"yes", "no" or "unknown": whether the treatment is covered."""

    @property
    def exact(self) -> bool:
        return self.low.patient_total == self.high.patient_total


def cost_sessions(plan: Plan) -> Schedule:
    """Cost each session in order, advancing the deductible and out-of-pocket counters."""
    charges, unused = plan.charges()
    if not plan.covered:
        return Schedule(tuple(SessionCost(charge, ZERO) for charge in charges), unused)
    deductible_left = max(plan.deductible - plan.deductible_met, ZERO)
    oop_left = max(plan.oop_max - plan.oop_met, ZERO)
    sessions = []
    for charge in charges:
        allowed = min(plan.allowed, charge)
        balance_bill = ZERO if plan.in_network else charge - allowed
        if plan.coinsurance is None:
            share = min(plan.copay, allowed)  # the deductible does not apply to a copay
        else:
            toward_deductible = min(deductible_left, allowed)
            deductible_left -= toward_deductible
            rest = allowed - toward_deductible
            share = toward_deductible + rest * plan.coinsurance / HUNDRED
        share = min(cents(share), oop_left)
        oop_left -= share
        sessions.append(SessionCost(share + balance_bill, allowed - share))
    return Schedule(tuple(sessions), unused)


def estimate(answers: Mapping[str, object], package: Package | None = None) -> Estimate:
    """The estimate for saved answers (question id -> stored value; missing means unknown).

    With a `package`, its sessions are charged their share of its total and the rest
    `price_per_session` (bot/compare.py prices each clinic this way).
    """
    case = _Known.from_answers(answers, package)
    unknowns = case.unknowns()
    cheapest = dict.fromkeys(unknowns, LOW)
    dearest = dict.fromkeys(unknowns, HIGH)
    low, high = case.schedule(cheapest), case.schedule(dearest)
    swings = []
    for question in unknowns:
        if question in _DEPENDENT and _DEPENDENT[question] in unknowns:
            continue  # ranked with the question it depends on
        moved = [q for q in (question, *DEPENDENTS.get(question, ())) if q in unknowns]
        up = case.schedule(cheapest | dict.fromkeys(moved, HIGH)).patient_total
        down = case.schedule(dearest | dict.fromkeys(moved, LOW)).patient_total
        swing = Swing(question, (low.patient_total, up), (down, high.patient_total))
        if any(swing.rank):
            swings.append(swing)
    return Estimate(
        low=low,
        high=high,
        sessions=(len(low.per_session), len(high.per_session)),
        unknowns=tuple(sorted(swings, key=lambda s: s.rank, reverse=True)),
        assumptions=case.assumptions(unknowns),
        covered=case.coverage or UNKNOWN,
    )


def totals(
    answers: Mapping[str, object], package: Package | None = None
) -> tuple[Decimal, Decimal]:
    """The patient's total in the cheapest and in the dearest case (the estimate's range).

    The same arithmetic as `estimate`, without ranking the unknowns: for searching.
    """
    case = _Known.from_answers(answers, package)
    unknowns = case.unknowns()
    return tuple(case.schedule(dict.fromkeys(unknowns, side)).patient_total for side in (LOW, HIGH))


@dataclass(frozen=True)
class _Known:
    """What the answers say, with None for what is not known."""

    treatment: str
    coverage: str | None
    network: str | None
    cost_sharing: str | None
    values: Mapping[str, Decimal | int | None]
    """Money and percents as Decimal, sessions as int; None when unknown."""
    package: Package | None = None

    @classmethod
    def from_answers(cls, answers: Mapping[str, object], package: Package | None = None) -> _Known:
        said = Said(answers)
        values: dict[str, Decimal | int | None] = {name: said.money(name) for name in MONEY_FIELDS}
        values |= {name: said.percent(name) for name in PERCENT_FIELDS}
        sessions = values["sessions"] = said.count("sessions") or None  # 0 sessions: not known
        if (
            package
            and values["price_per_session"] is None
            and sessions is not None
            and sessions <= package.sessions
        ):
            # Every planned session is in the package: the price after it plays no part.
            values["price_per_session"] = max(package.parts())
        return cls(
            treatment=said.choice("treatment") or UNSURE,
            coverage=said.choice("coverage"),
            network=said.choice("network"),
            cost_sharing=said.choice("cost_sharing"),
            values=values,
            package=package,
        )

    def unknowns(self) -> tuple[str, ...]:
        """The questions whose answers are unknown, in flow order."""
        known = {q: getattr(self, q) for q in STRUCTURAL} | dict(self.values)
        return tuple(q for q in UNKNOWN_ORDER if known[q] is None)

    def schedule(self, sides: Mapping[str, str]) -> Schedule:
        """The schedule with each unknown on the given side.

        With the cost-sharing mode unknown, both are costed and the worse one is taken for
        the dearest case, the better one for the cheapest.
        """
        modes = [self.cost_sharing] if self.cost_sharing else ["coinsurance", "copay"]
        schedules = [cost_sessions(self.plan(sides, mode)) for mode in modes]
        pick = max if sides.get("cost_sharing") == HIGH else min
        return pick(schedules, key=lambda s: s.patient_total)

    def plan(self, sides: Mapping[str, str], mode: str) -> Plan:
        """The concrete plan with each unknown at its cheapest or dearest plausible value."""

        def pick(question: str, cheapest, dearest):
            known = self.values.get(question)
            if known is not None:
                return known
            return dearest if sides.get(question) == HIGH else cheapest

        price = pick("price_per_session", *PRICE_BOUNDS[self.treatment])
        charge = max((price, *(self.package.parts() if self.package else ())))
        in_network = self.network == "in" if self.network else sides.get("network") != HIGH
        # Out of network, an unknown allowed amount ranges from the charge (no balance bill)
        # down to nothing (no out-of-network benefit, as with most HMO and EPO plans).
        allowed = charge if in_network else ZERO
        allowed = pick("allowed_per_session", charge, allowed)
        # What is known to be met bounds the unknown limits from below.
        known = {k: self.values[k] or ZERO for k in ("deductible_met", "oop_met")}
        top = min(self.values["oop_max"] or FEDERAL_OOP_CAP, FEDERAL_OOP_CAP)
        deductible = pick("deductible", known["deductible_met"], max(top, known["deductible_met"]))
        deductible_met = min(pick("deductible_met", deductible, ZERO), deductible)
        oop_max = pick("oop_max", max(deductible, known["oop_met"]), FEDERAL_OOP_CAP)
        plan = Plan(
            covered=self.coverage == "yes" if self.coverage else sides.get("coverage") != HIGH,
            in_network=in_network,
            price=price,
            allowed=min(allowed, charge),
            sessions=pick("sessions", *SESSION_BOUNDS[self.treatment]),
            coinsurance=pick("coinsurance_pct", *COINSURANCE_BOUNDS)
            if mode == "coinsurance"
            else None,
            copay=pick("copay", *COPAY_BOUNDS),
            deductible=deductible,
            deductible_met=deductible_met,
            oop_max=oop_max,
            oop_met=pick("oop_met", oop_max, min(deductible_met, oop_max)),
            package=self.package,
        )
        return plan if in_network else self.out_of_network(plan)

    def out_of_network(self, plan: Plan) -> Plan:
        """Use a separate out-of-network deductible and coinsurance, when they were given."""
        deductible = self.values["oon_deductible"]
        if deductible is not None:
            met = min(self.values["oon_deductible_met"] or ZERO, deductible)
            plan = replace(plan, deductible=deductible, deductible_met=met)
        coinsurance = self.values["oon_coinsurance_pct"]
        if coinsurance is not None and plan.coinsurance is not None:
            plan = replace(plan, coinsurance=coinsurance)
        return plan

    def assumptions(self, unknowns: tuple[str, ...]) -> tuple[Assumption, ...]:
        """What the estimate assumes, as ids with their figures."""
        found = [Assumption("one_plan_year")]
        if self.coverage == "no":
            found.append(Assumption("not_covered"))
        if "price_per_session" in unknowns:
            low, high = PRICE_BOUNDS[self.treatment]
            basis = {SPRAVATO: "spravato", UNSURE: "both"}.get(self.treatment, "guides")
            found.append(Assumption("price_range", {"low": low, "high": high, "basis": basis}))
        if self.treatment == SPRAVATO:
            found.append(Assumption("spravato_price_is_all_in"))
        if "sessions" in unknowns:
            low, high = SESSION_BOUNDS[self.treatment]
            found.append(Assumption("sessions_default", {"low": low, "high": high}))
        if self.network == "in" and self.values["allowed_per_session"] is None:
            found.append(Assumption("allowed_is_price"))
        if self.network != "in" and "allowed_per_session" in unknowns:
            found.append(Assumption("allowed_unknown"))
        if self.network != "in" and self.values["oon_deductible"] is None:
            found.append(Assumption("out_of_network_same_cost_sharing"))
        if self.cost_sharing != "coinsurance":
            found.append(Assumption("copay_skips_deductible"))
        if "coinsurance_pct" in unknowns and self.cost_sharing != "copay":
            low, high = COINSURANCE_BOUNDS
            found.append(Assumption("coinsurance_bounds", {"low": low, "high": high}))
        if "copay" in unknowns and self.cost_sharing != "coinsurance":
            low, high = COPAY_BOUNDS
            found.append(Assumption("copay_bounds", {"low": low, "high": high}))
        if "deductible" in unknowns:
            found.append(Assumption("deductible_bounds", {"cap": FEDERAL_OOP_CAP}))
        if "deductible_met" in unknowns:
            found.append(Assumption("deductible_met_bounds"))
        if "oop_max" in unknowns:
            found.append(Assumption("oop_max_bounds", {"cap": FEDERAL_OOP_CAP}))
        if "oop_met" in unknowns:
            found.append(Assumption("oop_met_bounds"))
        found.append(Assumption("individual_plan"))
        return tuple(found)
