"""Clinics side by side: the estimate engine clinic by clinic, the cheapest marks, packages, levers.

Every figure is checked against `bot.estimate.estimate` run directly, or against arithmetic
worked by hand in a comment.
"""

from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.answers import CENT
from bot.clinics import Clinic, Package
from bot.compare import Comparison, Lever, clinic_answers, compare
from bot.estimate import estimate, totals
from bot.flow import UNKNOWN

D = Decimal

# Spravato, covered, in network, 20% coinsurance, the deductible all met, 8 sessions.
PLAN = {
    "treatment": "spravato",
    "coverage": "yes",
    "benefit": "medical",
    "network": "in",
    "cost_sharing": "coinsurance",
    "deductible": "1500.00",
    "deductible_met": "1500.00",
    "coinsurance_pct": "20",
    "oop_max": "4000.00",
    "oop_met": "0.00",
    "sessions": 8,
}
# The same with nothing of the deductible known to be met (scripts/example_clinics.json).
UNSURE = PLAN | {"deductible_met": UNKNOWN}


def clinic(clinic_id: int, network: str = "in", price=None, package=None, allowed=None) -> Clinic:
    return Clinic.from_dict(
        {
            "id": clinic_id,
            "name": f"Clinic {clinic_id}",
            "network": network,
            "price": price,
            "package": package,
            "allowed": allowed,
        }
    )


def cost(answers, moved: Clinic) -> tuple[Decimal, Decimal]:
    """The patient's totals at a clinic, straight from the estimate engine."""
    result = estimate(answers | moved.answers(), moved.package)
    return result.low.patient_total, result.high.patient_total


def patient(comparison: Comparison, clinic_id: int) -> tuple[Decimal, Decimal]:
    return comparison.option(clinic_id).patient


# -- the comparison is the estimate, clinic by clinic ------------------------------------------

VARIED = [
    clinic(1, "in", "885"),
    clinic(2, "out", "700", {"sessions": 6, "total": "4000"}),
    clinic(3, "out", "700", allowed="500"),
    clinic(4, UNKNOWN, None),
    clinic(5, "out", None, {"sessions": 10, "total": "4500.50"}, allowed="300"),
    clinic(6, "in", "0"),
]


@pytest.mark.parametrize(
    "answers",
    [
        PLAN,
        UNSURE,
        PLAN | {"coverage": UNKNOWN},
        PLAN | {"coverage": "no"},
        PLAN | {"cost_sharing": "copay", "copay": "40.00"},
        {"treatment": "unsure"},
        PLAN | {"oon_deductible": "3000.00", "oon_coinsurance_pct": "40"},
    ],
)
def test_each_option_is_the_estimate_for_that_clinic(answers):
    comparison = compare(answers, VARIED)
    assert {o.clinic.id for o in comparison.options} == {c.id for c in VARIED}
    for option in comparison.options:
        direct = estimate(answers | option.clinic.answers(), option.clinic.package)
        assert option.estimate == direct
        assert option.patient == (direct.low.patient_total, direct.high.patient_total)
        assert option.patient == totals(
            clinic_answers(answers, option.clinic), option.clinic.package
        )
        paid = (direct.low.insurer_total, direct.high.insurer_total)
        assert option.insurer == (min(paid), max(paid))
    # cheapest first: by the lower total, then the upper, then the order entered
    keys = [(*o.patient, o.clinic.id) for o in comparison.options]
    assert keys == sorted(keys)


def test_the_clinic_answers_replace_only_those_about_the_clinic():
    answers = clinic_answers(PLAN | {"allowed_per_session": "999.00"}, clinic(3, "out", "700"))
    assert answers["network"] == "out" and answers["price_per_session"] == "700.00"
    assert answers["allowed_per_session"] == UNKNOWN  # the clinic's own: not known
    assert answers["deductible"] == "1500.00" and answers["clinic"] == "Clinic 3"


# -- which clinics are marked cheapest ---------------------------------------------------------


def test_a_clear_winner():
    # In network, deductible met, 20%: $600 -> $120 x 8 = $960; $885 -> $177 x 8 = $1,416.
    comparison = compare(PLAN, [clinic(1, "in", "885"), clinic(2, "in", "600")])
    assert comparison.verdict == "clear"
    assert comparison.cheapest == (2,)
    assert comparison.cheapest_by_case == ((2,), (2,))
    assert [o.clinic.id for o in comparison.options] == [2, 1]
    assert patient(comparison, 2) == (D("960.00"), D("960.00"))
    assert patient(comparison, 1) == (D("1416.00"), D("1416.00"))


def test_an_exact_tie_marks_both():
    clinics = [clinic(1, "in", "885"), clinic(2, "in", "600"), clinic(3, "in", "600")]
    comparison = compare(PLAN, clinics)
    assert comparison.verdict == "clear"
    assert comparison.cheapest == (2, 3)
    assert patient(comparison, 2) == patient(comparison, 3)


def test_overlapping_ranges_where_the_winner_differs_by_case_depend():
    # Clinic 1, in network at $885: $177 x 8 = $1,416 with the deductible met; not met:
    # $885 + $615 (the deductible's last $615) + $54 + 5 x $177 ... = $2,616 (the estimate's
    # worked example). Clinic 2, out of network, 6 sessions for $4,000 then $700, allowed not
    # known: lower case allowed in full, 20% -> 4 x $133.33 + 2 x $133.33 + 2 x $140 = $1,079.98;
    # upper case nothing allowed: $4,000 + 2 x $700 = $5,400.
    clinics = [clinic(1, "in", "885"), clinic(2, "out", "700", {"sessions": 6, "total": "4000"})]
    comparison = compare(UNSURE, clinics)
    assert patient(comparison, 1) == (D("1416.00"), D("2616.00"))
    assert patient(comparison, 2) == (D("1079.98"), D("5400.00"))
    assert comparison.verdict == "depends"
    assert comparison.cheapest_by_case == ((2,), (1,))
    assert comparison.cheapest == (2, 1)


def test_overlapping_ranges_with_one_clinic_cheaper_in_both_cases_are_clear():
    # $600 in network: met $120 x 8 = $960; not met $600 + $600 + ($300 + $60) + 5 x $120 = $2,160.
    # $885: $1,416 to $2,616. The ranges overlap, yet $600 is cheaper in each case.
    comparison = compare(UNSURE, [clinic(1, "in", "885"), clinic(2, "in", "600")])
    assert patient(comparison, 2) == (D("960.00"), D("2160.00"))
    assert patient(comparison, 2)[1] > patient(comparison, 1)[0]  # they overlap
    assert comparison.verdict == "clear"
    assert comparison.cheapest == (2,)


def test_no_clinics_and_one_clinic():
    empty = compare(PLAN, [])
    assert (empty.verdict, empty.options, empty.cheapest, empty.levers) == ("none", (), (), ())
    one = compare(UNSURE, [clinic(1, "out", "700")])
    assert one.verdict == "clear" and one.cheapest == (1,) and one.levers == ()


# -- packages ----------------------------------------------------------------------------------


def test_a_package_for_fewer_sessions_than_planned_then_the_price_after_it():
    # 6 sessions for $3,000 ($500 each), then $700: 20% -> 6 x $100 + 2 x $140 = $880;
    # the plan pays 6 x $400 + 2 x $560 = $3,520.
    comparison = compare(PLAN, [clinic(1, "in", "700", {"sessions": 6, "total": "3000"})])
    (option,) = comparison.options
    schedule = option.estimate.low
    assert [s.patient for s in schedule.per_session] == [D("100.00")] * 6 + [D("140.00")] * 2
    assert option.patient == (D("880.00"), D("880.00"))
    assert option.insurer == (D("3520.00"), D("3520.00"))
    assert option.per_session == (D("110.00"), D("110.00"))


def test_a_package_for_more_sessions_than_planned_is_paid_in_full():
    # 4 sessions planned, 10 bought for $5,000 ($500 each): 4 x $100 + the 6 unused x $500
    # = $3,400, i.e. $850 per planned session (never $3,400 / 10 = $340).
    answers = PLAN | {"sessions": 4}
    comparison = compare(answers, [clinic(1, "in", None, {"sessions": 10, "total": "5000"})])
    (option,) = comparison.options
    assert option.estimate.sessions == (4, 4)
    assert option.estimate.low.unused == D("3000.00")
    assert option.patient == (D("3400.00"), D("3400.00"))
    assert option.insurer == (D("1600.00"), D("1600.00"))
    assert option.per_session == (D("850.00"), D("850.00"))
    assert option.per_session[0] != option.patient[0] / 10


def test_a_package_total_is_split_to_the_cent():
    assert Package(3, D("1000.00")).parts() == (D("333.34"), D("333.33"), D("333.33"))
    assert sum(Package(7, D("100.00")).parts()) == D("100.00")
    # Not covered: each session is charged its part, in order, and they add up to the total.
    answers = PLAN | {"coverage": "no", "sessions": 3}
    (option,) = compare(answers, [clinic(1, "in", None, {"sessions": 3, "total": "1000"})]).options
    charged = [s.patient for s in option.estimate.low.per_session]
    assert charged == [D("333.34"), D("333.33"), D("333.33")]
    assert option.patient == (D("1000.00"), D("1000.00"))


def test_not_covered_means_the_patient_pays_the_charges_in_full():
    # $885 x 8 = $7,080; the package clinic $4,000 + 2 x $700 = $5,400; the plan pays nothing.
    clinics = [clinic(1, "in", "885"), clinic(2, "out", "700", {"sessions": 6, "total": "4000"})]
    comparison = compare(PLAN | {"coverage": "no"}, clinics)
    assert patient(comparison, 1) == (D("7080.00"), D("7080.00"))
    assert patient(comparison, 2) == (D("5400.00"), D("5400.00"))
    assert all(o.insurer == (D("0.00"), D("0.00")) for o in comparison.options)
    assert comparison.cheapest == (2,)


# -- what would change the ranking -------------------------------------------------------------


def assert_flips(answers, comparison: Comparison, lever: Lever) -> None:
    """Just past the threshold the mover is cheaper than the other clinic; just before, not."""
    mover = comparison.option(lever.clinic).clinic
    fixed = cost(answers, comparison.option(lever.other).clinic)
    assert lever.threshold != (None, None)
    for side, threshold in enumerate(lever.threshold):
        if threshold is None:
            continue
        if lever.kind == "allowed":
            past, before = threshold, threshold - CENT
        else:
            assert lever.kind == "price"
            past, before = threshold, threshold + CENT
        assert cost(answers, replace(mover, **{lever.kind: past}))[side] < fixed[side]
        assert cost(answers, replace(mover, **{lever.kind: before}))[side] >= fixed[side]


def test_the_levers_of_the_example_flip_the_order_where_they_say():
    # Clinic 2's allowed amount v (deductible met): $5,400 - 8v + 8 x 20% of v,
    # below Clinic 1's $1,416 from v = $622.51 (at $622.50 it is exactly $1,416.00). In the
    # dearest case, out of network means a separate $3,000 deductible, none met, then 50% and
    # no maximum: $5,400 - 8v + $3,000 + 50% x (8v - $3,000) = $6,900 - 4v at best $4,100 (v at
    # most $700), never below $2,616: no threshold on that side.
    # Clinic 1's price p (deductible met): 8 x 20% of p < $1,079.98 up to p = $674.97; with it
    # not met Clinic 1 is already the cheaper one, so that side has no threshold.
    clinics = [clinic(1, "in", "885"), clinic(2, "out", "700", {"sessions": 6, "total": "4000"})]
    comparison = compare(UNSURE, clinics)
    assert comparison.levers == (
        Lever(2, 1, "allowed", (D("622.51"), None)),
        Lever(1, 2, "price", (D("674.97"), None)),
    )
    for lever in comparison.levers:
        assert_flips(UNSURE, comparison, lever)


def test_a_price_lever_for_the_clinic_that_comes_next():
    # $885 vs $600 in network, deductible met: $885 becomes cheaper once 8 x 20% of p, each
    # rounded half up, is below $960: p = $599.97 ($119.99 a session); $599.98 rounds to $120.00.
    comparison = compare(PLAN, [clinic(1, "in", "885"), clinic(2, "in", "600")])
    assert comparison.levers == (Lever(1, 2, "price", (D("599.97"), D("599.97"))),)
    assert_flips(PLAN, comparison, comparison.levers[0])


def test_an_allowed_lever_when_it_depends():
    # Clinic 1 in network at $500: $100 x 8 = $800 (deductible met) to 3 x $500 + 5 x $100
    # = $2,000 (not met). Clinic 3 out of network at $450, allowed not known: 8 x $90 = $720
    # (allowed in full) to 8 x $450 = $3,600 (nothing allowed). Clinic 2, $650 out: third.
    # Clinic 3 with allowed v: 8 x ($450 - v + 20% of v) < $800 from v = $437.51. Dearest (a
    # separate $3,000 out-of-network deductible, none met, 50%, no maximum): $3,600 for 8v up to
    # $3,000, then $5,100 - 4v, never below $2,000 for v up to $450: no threshold there.
    # Clinic 1 at price p: 8 x 20% of p < $720 up to p = $449.97; not met it already wins.
    clinics = [clinic(1, "in", "500"), clinic(2, "out", "650"), clinic(3, "out", "450")]
    comparison = compare(UNSURE, clinics)
    assert patient(comparison, 1) == (D("800.00"), D("2000.00"))
    assert patient(comparison, 3) == (D("720.00"), D("3600.00"))
    assert comparison.verdict == "depends" and comparison.cheapest == (3, 1)
    assert comparison.levers == (
        Lever(3, 1, "allowed", (D("437.51"), None)),
        Lever(1, 3, "price", (D("449.97"), None)),
    )
    for lever in comparison.levers:
        assert_flips(UNSURE, comparison, lever)


# -- properties --------------------------------------------------------------------------------

money = st.integers(min_value=0, max_value=150_000).map(lambda cents: D(cents) / 100)
clinics_strategy = st.lists(
    st.builds(
        lambda network, price, package, allowed: (network, price, package, allowed),
        st.sampled_from(["in", "out", UNKNOWN]),
        st.none() | money,
        st.none()
        | st.builds(
            lambda sessions, total: {"sessions": sessions, "total": str(total)},
            st.integers(1, 12),
            st.integers(0, 800_000).map(lambda cents: D(cents) / 100),
        ),
        st.none() | money,
    ),
    min_size=1,
    max_size=5,
)
plans = st.fixed_dictionaries(
    {
        "treatment": st.sampled_from(["spravato", "iv_ketamine", "unsure"]),
        "coverage": st.sampled_from(["yes", "no", UNKNOWN]),
        "network": st.just("in"),
        "cost_sharing": st.sampled_from(["coinsurance", "copay", UNKNOWN]),
        "deductible": st.sampled_from(["0.00", "1500.00", UNKNOWN]),
        "deductible_met": st.sampled_from(["0.00", "700.00", UNKNOWN]),
        "coinsurance_pct": st.sampled_from(["0", "20", "35", UNKNOWN]),
        "copay": st.sampled_from(["25.00", UNKNOWN]),
        "oop_max": st.sampled_from(["3000.00", UNKNOWN]),
        "oop_met": st.sampled_from(["0.00", UNKNOWN]),
        "sessions": st.sampled_from([1, 4, 8, 12, UNKNOWN]),
    }
)


def build(specs) -> list[Clinic]:
    return [
        clinic(number, network, price, package, allowed)
        for number, (network, price, package, allowed) in enumerate(specs, start=1)
    ]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answers=plans, specs=clinics_strategy)
def test_the_marked_cheapest_is_never_above_another_in_the_case_it_is_marked_for(answers, specs):
    comparison = compare(answers, build(specs))
    assert comparison.verdict in ("clear", "depends")
    for side, ids in enumerate(comparison.cheapest_by_case):
        for marked in ids:
            for option in comparison.options:
                assert patient(comparison, marked)[side] <= option.patient[side]
    if comparison.verdict == "clear":
        for marked in comparison.cheapest:
            for option in comparison.options:
                assert patient(comparison, marked)[0] <= option.patient[0]
                assert patient(comparison, marked)[1] <= option.patient[1]
    else:
        low, high = comparison.cheapest_by_case
        assert not set(low) & set(high)
        assert comparison.cheapest == (*low, *high)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answers=plans, specs=clinics_strategy)
def test_every_lever_flips_the_order_where_it_says(answers, specs):
    comparison = compare(answers, build(specs))
    for lever in comparison.levers:
        assert_flips(answers, comparison, lever)
