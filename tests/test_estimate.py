"""The cost estimate: the worked examples of the domain notes, ranges, and properties."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.estimate import (
    FEDERAL_OOP_CAP,
    Plan,
    cost_sessions,
    estimate,
)

D = Decimal


def plan(**overrides) -> Plan:
    values = dict(
        covered=True,
        in_network=True,
        price=D("100.00"),
        allowed=D("100.00"),
        sessions=1,
        coinsurance=D(20),
        copay=D("0.00"),
        deductible=D("0.00"),
        deductible_met=D("0.00"),
        oop_max=D("100000.00"),
        oop_met=D("0.00"),
    )
    return Plan(**(values | overrides))


def one(**overrides) -> tuple[Decimal, Decimal]:
    (session,) = cost_sessions(plan(**overrides)).per_session
    return session.patient, session.insurer


# -- the worked examples of the domain notes (section 5) ----------------------------------------


def test_healthcare_gov_coinsurance_with_the_deductible_met_and_not_met():
    assert one(deductible=D(500), deductible_met=D(500)) == (D("20.00"), D("80.00"))
    assert one(deductible=D(500), deductible_met=D(0)) == (D("100.00"), D("0.00"))


def test_cms_jane():
    jane = dict(deductible=D(1500), coinsurance=D(20), oop_max=D(5000))
    assert one(**jane, price=D(125), allowed=D(125)) == (D("125.00"), D("0.00"))
    assert one(**jane, deductible_met=D(1500), price=D(75), allowed=D(75))[0] == D("15.00")
    after_max = dict(deductible_met=D(1500), oop_met=D(5000), price=D(200), allowed=D(200))
    assert one(**jane, **after_max) == (D("0.00"), D("200.00"))


def test_bcbs_texas_coinsurance_stops_at_the_out_of_pocket_maximum():
    texas = dict(deductible=D(5000), deductible_met=D(5000), coinsurance=D(20), oop_max=D(6000))
    assert one(**texas, oop_met=D(5000), price=D(200), allowed=D(200)) == (D("40.00"), D("160.00"))
    schedule = cost_sessions(
        plan(**texas, oop_met=D(5000), price=D(200), allowed=D(200), sessions=30)
    )
    assert schedule.patient_total == D("1000.00")  # coinsurance totals $1,000, then stops
    assert schedule.per_session[24].patient == D("40.00")
    assert schedule.per_session[25].patient == D("0.00")
    assert schedule.insurer_total == D("5000.00")


@pytest.mark.parametrize(
    ("deductible", "coinsurance", "price", "patient", "insurer"),
    [
        (4000, 25, 200, "50.00", "150.00"),  # BCBS Illinois
        (4000, 30, 300, "90.00", "210.00"),  # BCBS New Mexico
    ],
)
def test_bcbs_after_the_deductible(deductible, coinsurance, price, patient, insurer):
    met = dict(deductible=D(deductible), deductible_met=D(deductible))
    assert one(**met, coinsurance=D(coinsurance), price=D(price), allowed=D(price)) == (
        D(patient),
        D(insurer),
    )


def test_virginia_marketplace_out_of_pocket_cap():
    surgery = dict(price=D(20000), allowed=D(20000), deductible=D(1300), coinsurance=D(20))
    assert one(**surgery)[0] == D("5040.00")  # uncapped
    assert one(**surgery, oop_max=D(4400)) == (D("4400.00"), D("15600.00"))


def test_balance_bill_out_of_network_only():
    met = dict(deductible=D(100), deductible_met=D(100), price=D(100), allowed=D(70))
    assert one(**met, in_network=False) == (D("44.00"), D("56.00"))  # $14 share + $30 above
    assert one(**met, in_network=True) == (D("14.00"), D("56.00"))


def test_not_covered_pays_the_price_and_counts_toward_nothing():
    schedule = cost_sessions(plan(covered=False, price=D(450), sessions=3, oop_max=D(100)))
    assert [s.patient for s in schedule.per_session] == [D("450.00")] * 3
    assert schedule.insurer_total == 0


def test_copay_skips_the_deductible_and_is_at_most_the_allowed_amount():
    copay = dict(coinsurance=None, copay=D(40), deductible=D(2000))
    assert one(**copay) == (D("40.00"), D("60.00"))
    assert one(**copay, price=D(30), allowed=D(30)) == (D("30.00"), D("0.00"))


def test_session_amounts_are_rounded_half_up_to_the_cent():
    assert one(price=D("100.05"), allowed=D("100.05"), coinsurance=D(10))[0] == D("10.01")


def test_the_deductible_is_used_up_across_sessions():
    schedule = cost_sessions(plan(deductible=D(250), price=D(100), allowed=D(100), sessions=4))
    assert [s.patient for s in schedule.per_session] == [D(100), D(100), D(60), D(20)]


# -- the estimate from answers -------------------------------------------------------------------

KNOWN = {
    "treatment": "iv_ketamine",
    "coverage": "yes",
    "network": "in",
    "cost_sharing": "coinsurance",
    "deductible": "1500.00",
    "deductible_met": "500.00",
    "coinsurance_pct": "20",
    "oop_max": "4000.00",
    "oop_met": "500.00",
    "price_per_session": "600.00",
    "sessions": 6,
}


def test_with_no_unknowns_low_equals_high():
    result = estimate(KNOWN)
    assert result.exact and result.unknowns == ()
    # $1,000 of deductible, then 20%: 600 + 400 + 20% of 200, then 120 a session.
    assert [s.patient for s in result.low.per_session] == [
        D("600.00"),
        D("440.00"),
        D("120.00"),
        D("120.00"),
        D("120.00"),
        D("120.00"),
    ]
    assert result.low.patient_total + result.low.insurer_total == D("3600.00")


def test_coverage_unknown_ranges_from_covered_to_not_covered():
    result = estimate(KNOWN | {"coverage": "unknown"})
    assert result.low.patient_total == estimate(KNOWN).low.patient_total
    assert result.high.patient_total == D("3600.00")
    (first, *_) = result.unknowns
    assert first.question == "coverage"
    assert first.moves == (D("1520.00"), D("3600.00"))


def test_deductible_met_unknown_ranges_from_met_to_nothing_met():
    result = estimate(KNOWN | {"deductible_met": "unknown", "oop_met": "0"})
    assert result.low.per_session[0].patient == D("120.00")
    assert result.high.per_session[0].patient == D("600.00")
    assert result.unknowns[0].question == "deductible_met"


def test_unknown_out_of_pocket_maximum_is_at_most_the_federal_cap():
    answers = KNOWN | {"oop_max": "unknown", "oop_met": "unknown", "price_per_session": "9000"}
    result = estimate(answers | {"sessions": 20, "coinsurance_pct": "50", "deductible_met": "0"})
    assert result.high.patient_total == FEDERAL_OOP_CAP
    # What was already paid toward the deductible counts toward the cap too.
    result = estimate(answers | {"sessions": 20, "coinsurance_pct": "50"})
    assert result.high.patient_total == FEDERAL_OOP_CAP - D("500.00")


def test_everything_unknown_gives_an_honest_range_and_asks_coverage_first():
    result = estimate({})
    assert result.low.patient_total == D("0.00")
    assert result.high.patient_total == D("10320.00")  # 8 whole sessions at $1,290, not covered
    assert result.sessions == (6, 8)
    assert [s.question for s in result.unknowns][:2] == ["coverage", "network"]
    assert {a.id for a in result.assumptions} >= {"price_range", "sessions_default"}


def test_unknown_allowed_amount_out_of_network_goes_down_to_nothing():
    answers = KNOWN | {"network": "out", "deductible_met": "1500", "oop_met": "1500"}
    result = estimate(answers)
    assert result.low.patient_total == D("720.00")  # allowed = price: 20% of $600, 6 times
    assert result.high.patient_total == D("3600.00")  # allowed $0: the whole price
    assert result.unknowns[0].question == "allowed_per_session"


def test_a_separate_out_of_network_deductible_and_coinsurance_are_used():
    answers = KNOWN | {
        "network": "out",
        "allowed_per_session": "500",
        "oon_deductible": "3000",
        "oon_deductible_met": "0",
        "oon_coinsurance_pct": "40",
        "oop_max": "20000",
    }
    first = estimate(answers).low.per_session[0]
    assert first == (first.__class__(D("600.00"), D("0.00")))  # 500 toward the deductible + 100


def test_copay_unknown_and_cost_sharing_unknown_are_ranged():
    result = estimate(KNOWN | {"cost_sharing": "unknown", "coinsurance_pct": "unknown"})
    assert result.low.patient_total < result.high.patient_total
    assert "cost_sharing" in [s.question for s in result.unknowns]


def test_not_covered_lists_the_assumption():
    result = estimate(KNOWN | {"coverage": "no"})
    assert result.low.patient_total == D("3600.00") and result.exact
    assert "not_covered" in {a.id for a in result.assumptions}


# -- properties ----------------------------------------------------------------------------------

money = st.decimals(min_value=0, max_value=5000, places=2, allow_nan=False, allow_infinity=False)
percent = st.integers(min_value=0, max_value=100).map(Decimal)
either = st.booleans()


@st.composite
def plans(draw, covered=either, in_network=either):
    price = draw(money)
    deductible = draw(money)
    oop_max = draw(money)
    return plan(
        covered=draw(covered),
        in_network=draw(in_network),
        price=price,
        allowed=draw(st.decimals(min_value=0, max_value=price, places=2)),
        sessions=draw(st.integers(min_value=1, max_value=20)),
        coinsurance=draw(st.one_of(st.none(), percent)),
        copay=draw(money),
        deductible=deductible,
        deductible_met=draw(st.decimals(min_value=0, max_value=deductible, places=2)),
        oop_max=oop_max,
        oop_met=draw(st.decimals(min_value=0, max_value=oop_max, places=2)),
    )


@given(plans(covered=st.just(True)))
@settings(max_examples=300, deadline=None)
def test_patient_share_plus_insurer_equals_the_allowed_amount(p):
    balance_bill = 0 if p.in_network else p.price - p.allowed
    for session in cost_sessions(p).per_session:
        assert session.patient - balance_bill + session.insurer == p.allowed
        assert session.patient >= 0 and session.insurer >= 0


@given(plans(covered=st.just(True), in_network=st.just(True)))
@settings(max_examples=300, deadline=None)
def test_covered_in_network_spending_never_exceeds_the_out_of_pocket_maximum(p):
    assert cost_sessions(p).patient_total <= p.oop_max - p.oop_met


@given(plans(covered=st.just(True)), percent, percent)
@settings(max_examples=300, deadline=None)
def test_more_coinsurance_never_costs_less(p, a, b):
    lower, higher = sorted((a, b))
    cheaper = cost_sessions(plan(**(p.__dict__ | {"coinsurance": lower})))
    dearer = cost_sessions(plan(**(p.__dict__ | {"coinsurance": higher})))
    assert cheaper.patient_total <= dearer.patient_total


answer_values = st.fixed_dictionaries(
    {},
    optional={
        "treatment": st.sampled_from(["spravato", "iv_ketamine", "im_ketamine", "unsure"]),
        "plan_type": st.sampled_from(["ppo", "hdhp", "medicare", "medicaid", "other", "unknown"]),
        "medicare_kind": st.sampled_from(["original", "advantage", "unknown"]),
        "medigap": st.sampled_from(["yes", "no", "unknown"]),
        "coverage_tier": st.sampled_from(["self", "family", "unknown"]),
        "copay_deductible": st.sampled_from(["first", "waived", "unknown"]),
        "coverage": st.sampled_from(["yes", "no", "unknown"]),
        "network": st.sampled_from(["in", "out", "unknown"]),
        "cost_sharing": st.sampled_from(["coinsurance", "copay", "unknown"]),
        "deductible": st.one_of(st.just("unknown"), money.map(str)),
        "deductible_met": st.one_of(st.just("unknown"), money.map(str)),
        "coinsurance_pct": st.one_of(st.just("unknown"), percent.map(str)),
        "copay": st.one_of(st.just("unknown"), money.map(str)),
        "oop_max": st.one_of(st.just("unknown"), money.map(str)),
        "oop_met": st.one_of(st.just("unknown"), money.map(str)),
        "price_per_session": st.one_of(st.just("unknown"), money.map(str)),
        "allowed_per_session": st.one_of(st.just("unknown"), money.map(str)),
        "sessions": st.one_of(st.just("unknown"), st.integers(min_value=1, max_value=30)),
    },
)


@given(answer_values)
@settings(max_examples=300, deadline=None)
def test_low_is_never_more_than_high_and_swings_stay_inside_the_range(answers):
    result = estimate(answers)
    low, high = result.low.patient_total, result.high.patient_total
    assert low <= high
    for swing in result.unknowns:
        for a, b in (swing.from_cheapest, swing.from_dearest):
            assert low <= a <= high and low <= b <= high
    assert all(isinstance(s.patient, Decimal) for s in result.high.per_session)
