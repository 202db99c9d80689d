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
from bot.flow import (
    HDHP,
    IM_KETAMINE,
    IV_KETAMINE,
    MEDICAID,
    MEDICARE,
    SPRAVATO,
    UNKNOWN,
    UNSURE,
    Flow,
)

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
# Under the pharmacy benefit the drug is priced apart: its 2019 list price per session (56 or
# 84 mg, drug only), and the visit with its observation about the rest of a whole session
# (2026 Medicare payment less that list price: $907 - $590, $1,290 - $885).
DRUG_PRICE_BOUNDS = (Decimal("590.00"), Decimal("885.00"))
VISIT_BOUNDS = (SPRAVATO_LOW - DRUG_PRICE_BOUNDS[0], SPRAVATO_HIGH - DRUG_PRICE_BOUNDS[1])
# Spravato's first month is 8 sessions; an IV series is commonly about 6.
SESSION_BOUNDS = {
    SPRAVATO: (8, 8),
    IV_KETAMINE: (6, 6),
    IM_KETAMINE: (6, 6),
    UNSURE: (6, 8),
}

LOW, HIGH = "low", "high"
STRUCTURAL = (
    "coverage",
    "network",
    "cost_sharing",
    "medicare_kind",
    "medigap",
    "coverage_tier",
    "copay_deductible",
    "benefit",
    "drug_cost_sharing",
)
"""Choice answers the estimate reads (None when not known)."""
DIMENSIONS = (
    "medicare_kind",
    "medigap",
    "benefit",
    "cost_sharing",
    "copay_deductible",
    "drug_cost_sharing",
)
"""Unknown choices that change the rules: each possibility is costed, the cheapest kept for
the lower case and the dearest for the higher one, in this order."""
ORIGINAL, ADVANTAGE, MEDICAID_RULES, HDHP_RULES, COMMERCIAL = (
    "original_medicare",
    "medicare_advantage",
    "medicaid",
    "hdhp",
    "commercial",
)
MEDICAID_COINSURANCE_BOUNDS = (Decimal(0), Decimal(20))
"""Medicaid: at most 20% of the state's payment, above 150% of poverty (42 CFR 447.52)."""
HDHP_MIN_DEDUCTIBLE = {
    "self": figures.HDHP_MIN_DEDUCTIBLE_SELF.amount,
    "family": Decimal("3400.00"),
}
# Unknowns that only matter through another one move with it when ranking what to ask.
DEPENDENTS = {
    "network": ("allowed_per_session",),
    "cost_sharing": ("coinsurance_pct", "copay", "copay_deductible"),
    "medicare_kind": ("medigap",),
    "benefit": (
        "drug_price_per_session",
        "drug_cost_sharing",
        "drug_copay",
        "drug_coinsurance_pct",
    ),
    "deductible": ("deductible_met",),
    "oop_max": ("oop_met",),
    "oon_deductible": ("oon_deductible_met",),
    "oon_oop_max": ("oon_oop_met",),
    "drug_cost_sharing": ("drug_copay", "drug_coinsurance_pct"),
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
    "oon_oop_max",
    "oon_oop_met",
    "drug_price_per_session",
    "drug_copay",
)
PERCENT_FIELDS = ("coinsurance_pct", "oon_coinsurance_pct", "drug_coinsurance_pct")
# The order in which unknowns are considered (the flow's order); ties in ranking keep it.
UNKNOWN_ORDER = (
    "medicare_kind",
    "medigap",
    "coverage_tier",
    "coverage",
    "benefit",
    "network",
    "deductible",
    "deductible_met",
    "cost_sharing",
    "coinsurance_pct",
    "copay",
    "copay_deductible",
    "oop_max",
    "oop_met",
    "oon_deductible",
    "oon_deductible_met",
    "oon_coinsurance_pct",
    "oon_oop_max",
    "oon_oop_met",
    "price_per_session",
    "drug_price_per_session",
    "drug_cost_sharing",
    "drug_copay",
    "drug_coinsurance_pct",
    "allowed_per_session",
    "sessions",
)
_FLOW = Flow()
_DEPENDENT = {dependent: parent for parent, deps in DEPENDENTS.items() for dependent in deps}
"""Each dependent's parent (for the drug's figures: its cost sharing, itself under `benefit`)."""


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
    oop_max: Decimal | None
    """None: no yearly limit (Original Medicare, and Medicaid's income-based cap, not modelled)."""
    oop_met: Decimal
    package: Package | None = None
    """Sessions bought together: the first ones are charged their share of its total."""
    copay_after_deductible: bool = False
    """The deductible is paid before any copay (always so on a high-deductible plan)."""
    drug: Decimal = ZERO
    """Spravato under the pharmacy benefit: the drug's price per session, apart from the visit."""
    drug_coinsurance: Decimal | None = None
    """Percent of the drug's price; None means `drug_copay`."""
    drug_copay: Decimal = ZERO
    drug_after_deductible: bool = False
    """The drug's price goes toward the deductible first (a high-deductible plan)."""
    drug_in_charge: bool = False
    """The clinic's charge is for the whole session, the drug included (the benefit not being
    known, it was asked as such): under the pharmacy benefit the drug is that much of it."""

    def charges(self) -> tuple[tuple[Decimal, ...], Decimal]:
        """Each planned session's charge, and what is paid for package sessions left unused."""
        parts = self.package.parts() if self.package else ()
        used = parts[: self.sessions]
        rest = (self.price,) * (self.sessions - len(used))
        return used + rest, sum(parts[self.sessions :], ZERO)


@dataclass(frozen=True)
class SessionCost:
    """What one session costs the patient and the insurer; how the patient's part is made up
    (the cost chart shades it) does not make two sessions' costs differ."""

    patient: Decimal
    insurer: Decimal
    deductible: Decimal = field(default=ZERO, compare=False)
    """Of the patient's part: what went toward the deductible."""
    beyond_allowed: Decimal = field(default=ZERO, compare=False)
    """Of the patient's part: the charge above the plan's allowed amount (out of network)."""
    capped: bool = field(default=False, compare=False)
    """The out-of-pocket maximum lowered the patient's share (or took it to nothing)."""
    covered: bool = field(default=True, compare=False)
    """False: the plan pays nothing, the patient the whole price."""


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
        extra = ZERO if plan.drug_in_charge else plan.drug
        costs = (SessionCost(charge + extra, ZERO, covered=False) for charge in charges)
        return Schedule(tuple(costs), unused)
    deductible_left = max(plan.deductible - plan.deductible_met, ZERO)
    oop_left = None if plan.oop_max is None else max(plan.oop_max - plan.oop_met, ZERO)
    visit_first = plan.coinsurance is not None or plan.copay_after_deductible
    sessions = []
    for whole in charges:
        drug_price = min(plan.drug, whole) if plan.drug_in_charge else plan.drug
        charge = whole - drug_price if plan.drug_in_charge else whole
        allowed = min(plan.allowed, charge)
        balance_bill = ZERO if plan.in_network else charge - allowed
        deductible_before = deductible_left
        visit, deductible_left = _share(
            allowed, plan.coinsurance, plan.copay, visit_first, deductible_left
        )
        drug, deductible_left = _share(
            drug_price,
            plan.drug_coinsurance,
            plan.drug_copay,
            plan.drug_after_deductible,
            deductible_left,
        )
        share = cents(visit + drug)
        capped = oop_left is not None and share > oop_left
        if oop_left is not None:
            share = min(share, oop_left)
            oop_left -= share
        toward = min(cents(deductible_before - deductible_left), share)
        insurer = allowed + drug_price - share
        sessions.append(SessionCost(share + balance_bill, insurer, toward, balance_bill, capped))
    return Schedule(tuple(sessions), unused)


def _share(
    amount: Decimal,
    coinsurance: Decimal | None,
    copay: Decimal,
    deductible_first: bool,
    deductible_left: Decimal,
) -> tuple[Decimal, Decimal]:
    """The patient's share of one allowed amount, and what is left of the deductible after it:
    the deductible first (if it applies), then the coinsurance of the rest, or the copay if
    anything of the amount is left."""
    toward = min(deductible_left, amount) if deductible_first else ZERO
    rest = amount - toward
    after = min(copay, rest) if coinsurance is None else rest * coinsurance / HUNDRED
    return toward + after, deductible_left - toward


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


def _ignored_for_plan(answers: Mapping[str, object]) -> tuple[str, ...]:
    """Answers (from a file) to questions the plan type rules out: Original Medicare's figures
    are the law's, Medicaid has no deductible or maximum."""
    plan_free = {q: v for q, v in answers.items() if q not in ("plan_type", "medicare_kind")}
    return tuple(
        q
        for q in answers
        if q in _FLOW and not _FLOW[q].may_apply(answers) and _FLOW[q].may_apply(plan_free)
    )


@dataclass(frozen=True)
class _Known:
    """What the answers say, with None for what is not known."""

    treatment: str
    plan_type: str | None
    choices: Mapping[str, str | None]
    """The STRUCTURAL choices, None when not known."""
    values: Mapping[str, Decimal | int | None]
    """Money and percents as Decimal, sessions as int; None when unknown."""
    package: Package | None = None
    ignored: tuple[str, ...] = ()
    """Answers given (in a file) to questions this plan type does not ask."""

    @classmethod
    def from_answers(cls, answers: Mapping[str, object], package: Package | None = None) -> _Known:
        ignored = _ignored_for_plan(answers)
        said = Said({q: v for q, v in answers.items() if q not in ignored})
        given = Said(answers)
        ignored = tuple(q for q in ignored if given.known(q))  # "unknown" is not worth saying
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
            plan_type=said.choice("plan_type"),
            choices={name: said.choice(name) for name in STRUCTURAL},
            values=values,
            package=package,
            ignored=ignored,
        )

    @property
    def coverage(self) -> str | None:
        return self.choices["coverage"]

    @property
    def network(self) -> str | None:
        return self.choices["network"]

    @property
    def cost_sharing(self) -> str | None:
        return self.choices["cost_sharing"]

    def unknowns(self) -> tuple[str, ...]:
        """The answers not known that may change the cost, in flow order."""
        known = dict(self.choices) | dict(self.values)
        return tuple(q for q in UNKNOWN_ORDER if known[q] is None and self._matters(q))

    def _matters(self, question: str) -> bool:
        """Whether the rules of this plan type read the answer at all."""
        if question == "medicare_kind":
            return self.plan_type == MEDICARE
        if question == "medigap":
            return self.plan_type == MEDICARE and self.choices["medicare_kind"] != "advantage"
        if question == "coverage_tier":
            return self.plan_type == HDHP
        if question == "deductible_met" and ORIGINAL not in self.regimes():
            return self.values["deductible"] != ZERO  # nothing to meet (the flow skips it)
        if question == "oon_deductible_met":
            return self.values["oon_deductible"] != ZERO
        if question == "benefit":
            return self.treatment == SPRAVATO and self.regimes() != (ORIGINAL,)
        if question.startswith("drug_"):
            return self._matters("benefit") and self.choices["benefit"] != "medical"
        return True

    @property
    def pharmacy(self) -> bool:
        """Spravato known to be under the pharmacy benefit: the drug is costed apart from the
        visit, the clinic's price being for the visit alone."""
        return self._matters("benefit") and self.choices["benefit"] == "pharmacy"

    def _own_figures(self) -> bool:
        """The plan sets its own deductible and maximum (not Original Medicare or Medicaid)."""
        return any(r in (COMMERCIAL, HDHP_RULES, ADVANTAGE) for r in self.regimes())

    def regimes(self) -> tuple[str, ...]:
        """The sets of rules that may apply: both Medicare ones while the kind is not known."""
        if self.plan_type == MEDICARE:
            kind = self.choices["medicare_kind"]
            return {"original": (ORIGINAL,), "advantage": (ADVANTAGE,)}.get(
                kind, (ORIGINAL, ADVANTAGE)
            )
        return {MEDICAID: (MEDICAID_RULES,), HDHP: (HDHP_RULES,)}.get(self.plan_type, (COMMERCIAL,))

    def schedule(self, sides: Mapping[str, str]) -> Schedule:
        """The schedule with each unknown on the given side.

        For an unknown choice that changes the rules (DIMENSIONS), each possibility is costed and
        the dearer one taken for the dearest case, the cheaper one for the cheapest.
        """
        return self._best(sides, {}, DIMENSIONS)

    def _best(
        self, sides: Mapping[str, str], chosen: dict[str, str | None], dimensions
    ) -> Schedule:
        if not dimensions:
            return cost_sessions(self.plan(sides, chosen))
        dimension, *rest = dimensions
        schedules = [
            self._best(sides, chosen | {dimension: option}, rest)
            for option in self._options(dimension, chosen)
        ]
        pick = max if sides.get(dimension) == HIGH else min
        return pick(schedules, key=lambda s: s.patient_total)

    def _options(self, dimension: str, chosen: Mapping[str, str | None]) -> tuple[str | None, ...]:
        known = self.choices[dimension]
        if dimension == "medicare_kind":
            return self.regimes()  # the dimension's options are sets of rules
        regime = chosen["medicare_kind"]
        if dimension == "medigap":
            return ((known,) if known else ("yes", "no")) if regime == ORIGINAL else (None,)
        if dimension == "cost_sharing":
            if regime == ORIGINAL:
                return ("coinsurance",)  # Part B: 20% of the approved amount
            if regime == MEDICAID_RULES and not known:
                return ("copay",)  # not known: up to the nominal copay
            return (known,) if known else ("coinsurance", "copay")
        if dimension == "benefit":
            if not self._matters("benefit"):
                return (None,)
            if known:
                return (known,)
            return (None,) if regime == ORIGINAL else ("medical", "pharmacy")  # Part B
        if dimension == "drug_cost_sharing":
            pharmacy = chosen["benefit"] == "pharmacy"
            return ((known,) if known else ("copay", "coinsurance")) if pharmacy else (None,)
        # copay_deductible: whether the deductible comes before the copay.
        if chosen["cost_sharing"] != "copay":
            return (None,)
        if regime in (HDHP_RULES, MEDICAID_RULES):
            return ("first",) if regime == HDHP_RULES else ("waived",)
        return (known,) if known else ("waived", "first")

    def _picker(self, sides: Mapping[str, str]):
        """pick(question, cheapest, dearest): the answer if known, else the value of its side."""

        def pick(question: str, cheapest, dearest):
            known = self.values.get(question)
            if known is not None:
                return known
            return dearest if sides.get(question) == HIGH else cheapest

        return pick

    def plan(self, sides: Mapping[str, str], chosen: Mapping[str, str | None]) -> Plan:
        """The concrete plan with each unknown at its cheapest or dearest plausible value."""

        pick = self._picker(sides)
        regime = chosen["medicare_kind"]
        bounds = VISIT_BOUNDS if self.pharmacy else PRICE_BOUNDS[self.treatment]
        price = pick("price_per_session", *bounds)
        charge = max((price, *(self.package.parts() if self.package else ())))
        in_network = self.network == "in" if self.network else sides.get("network") != HIGH
        if regime == ORIGINAL:
            in_network = True  # no networks: the Medicare-approved amount, assignment accepted
        # Out of network, an unknown allowed amount ranges from the charge (no balance bill)
        # down to nothing (no out-of-network benefit, as with most HMO and EPO plans).
        allowed = charge if in_network else ZERO
        allowed = charge if regime == ORIGINAL else pick("allowed_per_session", charge, allowed)
        mode = chosen["cost_sharing"]
        common = dict(
            covered=self.coverage == "yes" if self.coverage else sides.get("coverage") != HIGH,
            in_network=in_network,
            price=price,
            allowed=min(allowed, charge),
            sessions=pick("sessions", *SESSION_BOUNDS[self.treatment]),
            package=self.package,
            copay_after_deductible=chosen["copay_deductible"] == "first",
            **self._drug(pick, regime, chosen),
        )
        if regime == ORIGINAL:
            part_b = figures.PART_B_DEDUCTIBLE.amount
            twenty = ZERO if chosen["medigap"] == "yes" else figures.PART_B_COINSURANCE.amount
            met = min(pick("deductible_met", part_b, ZERO), part_b)
            return Plan(
                **common,
                coinsurance=twenty,
                copay=ZERO,
                deductible=part_b,
                deductible_met=met,
                oop_max=None,
                oop_met=ZERO,
            )
        if regime == MEDICAID_RULES:
            return Plan(
                **common,
                coinsurance=pick("coinsurance_pct", *MEDICAID_COINSURANCE_BOUNDS)
                if mode == "coinsurance"
                else None,
                copay=pick("copay", ZERO, figures.MEDICAID_NOMINAL_COPAY.amount),
                deductible=ZERO,
                deductible_met=ZERO,
                oop_max=None,
                oop_met=ZERO,
            )
        plan = Plan(
            **common,
            coinsurance=pick("coinsurance_pct", *COINSURANCE_BOUNDS)
            if mode == "coinsurance"
            else None,
            copay=pick("copay", *COPAY_BOUNDS),
            **self._limits(pick, regime, sides),
        )
        return plan if in_network else self.out_of_network(plan, sides)

    def _drug(self, pick, regime: str, chosen: Mapping[str, str | None]) -> dict[str, object]:
        """Spravato under the pharmacy benefit: the drug's price and its own cost share, from
        the first session (on a high-deductible plan, after the deductible)."""
        if chosen["benefit"] != "pharmacy":
            return {}
        mode = chosen["drug_cost_sharing"]
        medicaid = regime == MEDICAID_RULES
        copays = (ZERO, figures.MEDICAID_NOMINAL_COPAY.amount) if medicaid else COPAY_BOUNDS
        percents = MEDICAID_COINSURANCE_BOUNDS if medicaid else COINSURANCE_BOUNDS
        return {
            "drug": pick("drug_price_per_session", *DRUG_PRICE_BOUNDS),
            "drug_coinsurance": pick("drug_coinsurance_pct", *percents)
            if mode == "coinsurance"
            else None,
            "drug_copay": pick("drug_copay", *copays),
            "drug_after_deductible": regime == HDHP_RULES,
            "drug_in_charge": not self.pharmacy,
        }

    def _limits(self, pick, regime: str, sides: Mapping[str, str]) -> dict[str, Decimal]:
        """The deductible and out-of-pocket maximum, and what is met of them."""
        tier = self.choices["coverage_tier"]
        tier = tier or ("family" if sides.get("coverage_tier") == HIGH else "self")
        if regime == ADVANTAGE:
            cap = figures.MEDICARE_ADVANTAGE_OOP.amount
        elif regime == HDHP_RULES and tier == "self":
            cap = figures.HSA_OOP_SELF.amount
        else:
            cap = FEDERAL_OOP_CAP  # the most one person pays, also inside a family plan
        entered = self.values["oop_max"]
        if entered is not None and regime != ADVANTAGE:
            entered = min(entered, FEDERAL_OOP_CAP)  # a family maximum: one person's share stops
        known = {k: self.values[k] or ZERO for k in ("deductible_met", "oop_met")}
        top = min(entered or cap, cap)
        lowest = HDHP_MIN_DEDUCTIBLE[tier] if regime == HDHP_RULES else ZERO
        deductible = pick(
            "deductible",
            max(known["deductible_met"], lowest),
            max(top, known["deductible_met"], lowest),
        )
        deductible_met = min(pick("deductible_met", deductible, ZERO), deductible)
        if entered is None:
            oop_max = pick("oop_max", max(deductible, known["oop_met"]), cap)
        else:
            oop_max = entered
        # On a high-deductible plan, while the deductible is not met, nothing but the deductible
        # itself has counted toward the maximum.
        unmet = regime == HDHP_RULES and deductible_met < deductible
        most = min(deductible_met, oop_max) if unmet else oop_max
        oop_met = pick("oop_met", most, min(deductible_met, oop_max))
        return {
            "deductible": deductible,
            "deductible_met": deductible_met,
            "oop_max": oop_max,
            "oop_met": oop_met,
        }

    def out_of_network(self, plan: Plan, sides: Mapping[str, str]) -> Plan:
        """Out of network: the plan's out-of-network deductible, coinsurance and maximum, which
        the in-network counters never cap. Not known: from the in-network figures (and what is
        met of them) to a separate deductible of twice the in-network one, none of it met, 50%
        and no maximum."""

        pick = self._picker(sides)
        given = {q: self.values[q] is not None for q in ("oon_deductible", "oon_oop_max")}
        deductible = pick("oon_deductible", plan.deductible, plan.deductible * 2)
        met = pick(
            "oon_deductible_met",
            deductible if given["oon_deductible"] else plan.deductible_met,
            ZERO,
        )
        coinsurance = self.values["oon_coinsurance_pct"]
        if coinsurance is None:
            # A copay plan keeps its copay out of network; with a coinsurance, the dearer case
            # is 50% (or the in-network percentage, if higher).
            high = plan.coinsurance is not None and sides.get("oon_coinsurance_pct") == HIGH
            coinsurance = max(plan.coinsurance, Decimal(50)) if high else plan.coinsurance
        oop_max = pick("oon_oop_max", plan.oop_max, None)
        if oop_max is not None and oop_max == ZERO and given["oon_oop_max"]:
            oop_max = None  # 0 typed: there is no out-of-network maximum
        if oop_max is None:
            oop_met = ZERO
        else:
            lowest = oop_max if given["oon_oop_max"] else plan.oop_met
            oop_met = min(pick("oon_oop_met", lowest, min(met, oop_max)), oop_max)
        return replace(
            plan,
            deductible=deductible,
            deductible_met=min(met, deductible),
            coinsurance=coinsurance,
            oop_max=oop_max,
            oop_met=oop_met,
        )

    def assumptions(self, unknowns: tuple[str, ...]) -> tuple[Assumption, ...]:
        """What the estimate assumes, as ids with their figures."""
        regimes = self.regimes()
        own_limits = [r for r in regimes if r in (COMMERCIAL, HDHP_RULES, ADVANTAGE)]
        found = [Assumption("one_plan_year")]
        if self.ignored:
            found.append(Assumption("ignored_for_plan", {"questions": self.ignored}))
        if self.coverage == "no":
            found.append(Assumption("not_covered"))
        found += self._plan_assumptions(regimes)
        if "price_per_session" in unknowns:
            low, high = PRICE_BOUNDS[self.treatment]
            basis = {SPRAVATO: "spravato", UNSURE: "both"}.get(self.treatment, "guides")
            basis = "visit" if self.pharmacy else basis
            low, high = VISIT_BOUNDS if self.pharmacy else (low, high)
            found.append(Assumption("price_range", {"low": low, "high": high, "basis": basis}))
        if "benefit" in unknowns:
            low, high = DRUG_PRICE_BOUNDS
            found.append(Assumption("benefit_unknown", {"low": low, "high": high}))
        if self.pharmacy:
            low, high = DRUG_PRICE_BOUNDS
            drug = {"low": low, "high": high, "known": "drug_price_per_session" not in unknowns}
            found.append(Assumption("pharmacy_benefit", drug))
        elif self.treatment == SPRAVATO:
            found.append(Assumption("spravato_price_is_all_in"))
        if "sessions" in unknowns:
            low, high = SESSION_BOUNDS[self.treatment]
            found.append(Assumption("sessions_default", {"low": low, "high": high}))
        if own_limits or MEDICAID_RULES in regimes:
            found += self._network_assumptions(unknowns)
        if own_limits:
            found += self._limit_assumptions(unknowns, own_limits)
        elif ORIGINAL in regimes and "deductible_met" in unknowns:
            found.append(Assumption("deductible_met_bounds"))
        return tuple(found)

    def _plan_assumptions(self, regimes: tuple[str, ...]) -> list[Assumption]:
        found = []
        if len(regimes) > 1:
            found.append(Assumption("medicare_kind_unknown"))
        if ORIGINAL in regimes:
            part_b = {"deductible": figures.PART_B_DEDUCTIBLE.amount}
            found.append(Assumption("original_medicare", part_b))
            medigap = self.choices["medigap"]
            if medigap != "no":
                found.append(Assumption("medigap" if medigap == "yes" else "medigap_unknown"))
        if MEDICAID_RULES in regimes:
            copay = {"copay": figures.MEDICAID_NOMINAL_COPAY.amount}
            found.append(Assumption("medicaid", copay))
        if HDHP_RULES in regimes:
            found.append(Assumption("hdhp_deductible_first"))
        return found

    def _network_assumptions(self, unknowns: tuple[str, ...]) -> list[Assumption]:
        found = []
        if self.network == "in" and self.values["allowed_per_session"] is None:
            found.append(Assumption("allowed_is_price"))
        if self.network != "in" and "allowed_per_session" in unknowns:
            found.append(Assumption("allowed_unknown"))
        oon = ("oon_deductible", "oon_coinsurance_pct", "oon_oop_max")
        if self.network != "in" and any(q in unknowns for q in oon) and self._own_figures():
            found.append(Assumption("out_of_network_same_cost_sharing"))
        return found

    def _limit_assumptions(self, unknowns: tuple[str, ...], regimes: list[str]) -> list[Assumption]:
        found = []
        if self.cost_sharing != "coinsurance" and regimes != [HDHP_RULES]:
            copay_first = self.choices["copay_deductible"]
            found.append(
                Assumption(
                    {"first": "copay_after_deductible", None: "copay_deductible_unknown"}.get(
                        copay_first, "copay_skips_deductible"
                    )
                )
            )
        if "coinsurance_pct" in unknowns and self.cost_sharing != "copay":
            low, high = COINSURANCE_BOUNDS
            found.append(Assumption("coinsurance_bounds", {"low": low, "high": high}))
        if "copay" in unknowns and self.cost_sharing != "coinsurance":
            low, high = COPAY_BOUNDS
            found.append(Assumption("copay_bounds", {"low": low, "high": high}))
        cap = {
            ADVANTAGE: figures.MEDICARE_ADVANTAGE_OOP,
            HDHP_RULES: figures.HSA_OOP_SELF
            if self.choices["coverage_tier"] == "self"
            else figures.ACA_OOP_SELF,
        }.get(regimes[-1], figures.ACA_OOP_SELF)
        limit = {"cap": cap.amount, "checked": cap.checked, "rule": regimes[-1]}
        if "deductible" in unknowns:
            found.append(Assumption("deductible_bounds", limit))
        if "deductible_met" in unknowns:
            found.append(Assumption("deductible_met_bounds"))
        if "oop_max" in unknowns:
            found.append(Assumption("oop_max_bounds", limit))
        if "oop_met" in unknowns:
            found.append(Assumption("oop_met_bounds"))
        if ADVANTAGE not in regimes:
            family = self.choices["coverage_tier"] == "family"
            found.append(
                Assumption(
                    "family_self_cap" if family else "individual_plan", {"cap": FEDERAL_OOP_CAP}
                )
            )
        return found
