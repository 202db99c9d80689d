"""The estimate by plan type, each case worked by hand (domain notes, sections 5 and 5b).

The arithmetic is written beside each case; every figure of the year comes from bot/figures.py
(2026: Part B deductible $283, HSA limit $8,500, the federal limit for one person $10,600,
Medicare Advantage limit $9,250 [check], Medicaid nominal copay about $4 [check]).
"""

from decimal import Decimal

import pytest

from bot.estimate import estimate
from bot.render import Renderer
from bot.replies import Reply
from tests.support.engine_chat import Chat, walk_to

D = Decimal
SPRAVATO_8 = {"treatment": "spravato", "coverage": "yes", "price_per_session": "1290.00"}
SPRAVATO_8 |= {"benefit": "medical"}  # the pharmacy benefit has cases of its own below
SPRAVATO_8 |= {"sessions": 8}


def total(answers: dict) -> tuple[Decimal, Decimal]:
    result = estimate(answers)
    return result.low.patient_total, result.high.patient_total


def ids(answers: dict) -> set[str]:
    return {a.id for a in estimate(answers).assumptions}


# -- Original Medicare -------------------------------------------------------------------------

ORIGINAL = {**SPRAVATO_8, "plan_type": "medicare", "medicare_kind": "original", "medigap": "no"}


def test_original_medicare_is_the_part_b_deductible_then_20_percent_with_no_cap() -> None:
    # $283 + 20% x (8 x $1,290 - $283) = $283 + 20% x $10,037 = $283 + $2,007.40 = $2,290.40
    result = estimate({**ORIGINAL, "deductible_met": "0.00"})
    assert (result.low.patient_total, result.high.patient_total) == (D("2290.40"), D("2290.40"))
    # Session 1: $283 + 20% x $1,007 = $484.40; then 20% x $1,290 = $258.00 each.
    assert [s.patient for s in result.low.per_session] == [D("484.40"), *[D("258.00")] * 7]
    assert "original_medicare" in ids(ORIGINAL)


def test_original_medicare_ignores_a_zero_maximum_and_plan_figures_in_a_file() -> None:
    # "0" typed for the out-of-pocket maximum (meaning "there is none") once gave $0.
    given = {**ORIGINAL, "deductible_met": "0.00", "oop_max": "0.00", "deductible": "1500.00"}
    given |= {"cost_sharing": "copay", "copay": "10.00", "network": "out"}
    assert total(given) == (D("2290.40"), D("2290.40"))
    (left_out,) = [a for a in estimate(given).assumptions if a.id == "ignored_for_plan"]
    assert set(left_out.params["questions"]) == {
        "oop_max",
        "deductible",
        "cost_sharing",
        "copay",
        "network",
    }


def test_part_b_deductible_partly_met() -> None:
    # $283 - $100 = $183 left; $183 + 20% x ($10,320 - $183) = $183 + $2,027.40 = $2,210.40
    assert total({**ORIGINAL, "deductible_met": "100.00"}) == (D("2210.40"), D("2210.40"))


def test_medigap_pays_the_20_percent() -> None:
    # Plan G-like: only the Part B deductible still due, $283.
    with_it = {**ORIGINAL, "deductible_met": "0.00", "medigap": "yes"}
    assert total(with_it) == (D("283.00"), D("283.00"))
    # Not known: from $283 (a supplement) to $2,290.40 (none).
    unsure = {**ORIGINAL, "deductible_met": "0.00", "medigap": "unknown"}
    assert total(unsure) == (D("283.00"), D("2290.40"))
    assert "medigap_unknown" in ids(unsure)


def test_medicare_kind_not_known_covers_both() -> None:
    # Asked as an Advantage plan (no deductible, 20%, maximum $3,000): 20% x $10,320 = $2,064.
    # As Original Medicare, with Medigap and the Part B deductible met not known: from $0
    # (a supplement, the deductible met) to $2,290.40 (neither). So $0 to $2,290.40.
    answers = {**SPRAVATO_8, "plan_type": "medicare", "medicare_kind": "unknown"}
    answers |= {"deductible": "0.00", "cost_sharing": "coinsurance", "coinsurance_pct": "20"}
    answers |= {"oop_max": "3000.00", "oop_met": "0.00", "network": "in"}
    assert total(answers) == (D("0.00"), D("2290.40"))
    assert "medicare_kind_unknown" in ids(answers)


# -- Medicare Advantage -------------------------------------------------------------------------


def test_medicare_advantage_unknown_maximum_is_bounded_by_cms_limit() -> None:
    # Deductible, met amounts and maximum not known, 20%: at worst a $9,250 deductible is
    # reached (8 x $1,290 = $10,320 allowed), and the maximum stops it there: $9,250.00
    # (an employer plan would go on to 20% of the rest, capped at $10,600).
    answers = {**SPRAVATO_8, "plan_type": "medicare", "medicare_kind": "advantage"}
    answers |= {"network": "in", "cost_sharing": "coinsurance", "coinsurance_pct": "20"}
    assert total(answers)[1] == D("9250.00")
    employer = {**answers, "plan_type": "ppo", "coverage_tier": "self"}
    employer.pop("medicare_kind")
    # $10,320 of deductible at most... capped by $10,600: the whole $10,320.
    assert total(employer)[1] == D("10320.00")


# -- Medicaid -----------------------------------------------------------------------------------

MEDICAID = {**SPRAVATO_8, "plan_type": "medicaid", "network": "in"}


def test_medicaid_copay_known() -> None:
    # No deductible: $3 x 8 = $24.
    answers = {**MEDICAID, "cost_sharing": "copay", "copay": "3.00"}
    assert total(answers) == (D("24.00"), D("24.00"))


def test_medicaid_cost_sharing_not_known_is_up_to_the_nominal_copay() -> None:
    # $0 to about $4 x 8 = $32, never the 50% coinsurance or a deductible of a commercial plan.
    answers = {**MEDICAID, "deductible": "10600.00", "oop_max": "10600.00"}
    assert total(answers) == (D("0.00"), D("32.00"))
    assert "medicaid" in ids(answers) and "ignored_for_plan" in ids(answers)


# -- high-deductible plans ----------------------------------------------------------------------

HDHP = {"treatment": "iv_ketamine", "coverage": "yes", "plan_type": "hdhp", "network": "in"}


def test_hdhp_copay_waits_for_the_deductible() -> None:
    # $3,000 deductible, none met, $50 copay, 8 x $1,000: sessions 1-3 pay the deductible
    # ($1,000 each, nothing of the allowed amount left for a copay), sessions 4-8 the copay:
    # $3,000 + 5 x $50 = $3,250 (a copay from the first session would be 8 x $50 = $400).
    answers = {**HDHP, "deductible": "3000.00", "deductible_met": "0.00"}
    answers |= {"cost_sharing": "copay", "copay": "50.00", "oop_max": "8000.00"}
    answers |= {"oop_met": "0.00", "price_per_session": "1000.00", "sessions": 8}
    assert total(answers) == (D("3250.00"), D("3250.00"))


@pytest.mark.parametrize(("tier", "high"), [("self", "8500.00"), ("family", "9240.00")])
def test_hdhp_unknown_maximum_is_bounded_by_the_hsa_limit(tier, high) -> None:
    # $3,000 deductible, 12 x $1,290 = $15,480, coinsurance not known (at most 50%):
    # $3,000 + 50% x $12,480 = $9,240; self-only, the HSA limit stops it at $8,500; in a family
    # plan one person's share stops at $10,600, which it does not reach.
    answers = {**HDHP, "coverage_tier": tier, "deductible": "3000.00", "deductible_met": "0.00"}
    answers |= {"cost_sharing": "coinsurance", "price_per_session": "1290.00", "sessions": 12}
    assert total(answers)[1] == D(high)


def test_hdhp_nothing_met_of_the_deductible_means_nothing_met_of_the_maximum() -> None:
    # $0 of a $3,500 deductible met, 6 x $450: every session is paid toward the deductible,
    # whatever is met of the maximum (it can only be $0 too): $2,700, never "$0 to $2,700".
    answers = {**HDHP, "deductible": "3500.00", "deductible_met": "0.00"}
    answers |= {"cost_sharing": "coinsurance", "coinsurance_pct": "20", "oop_max": "6000.00"}
    answers |= {"price_per_session": "450.00", "sessions": 6}
    result = estimate(answers)
    assert (result.low.patient_total, result.high.patient_total) == (D("2700.00"), D("2700.00"))
    assert "oop_met" not in [s.question for s in result.unknowns]  # it cannot move the cost


# -- a copay after the deductible ---------------------------------------------------------------

PPO_COPAY = {"treatment": "iv_ketamine", "coverage": "yes", "plan_type": "ppo", "network": "in"}
PPO_COPAY |= {"coverage_tier": "self", "deductible": "500.00", "deductible_met": "0.00"}
PPO_COPAY |= {"cost_sharing": "copay", "copay": "40.00", "oop_max": "5000.00", "oop_met": "0.00"}
PPO_COPAY |= {"price_per_session": "400.00", "sessions": 6}


def test_a_copay_after_the_deductible() -> None:
    # Session 1: $400 toward the deductible; session 2: the last $100, then the $40 copay;
    # sessions 3-6: $40. $400 + $140 + 4 x $40 = $700.
    result = estimate({**PPO_COPAY, "copay_deductible": "first"})
    assert [s.patient for s in result.low.per_session] == [
        D("400.00"),
        D("140.00"),
        *[D("40.00")] * 4,
    ]
    assert result.high.patient_total == D("700.00")


def test_a_copay_never_takes_more_than_the_allowed_amount_left() -> None:
    # $390 deductible: session 1 pays $390, then only $10 of the $400 is left: $10, not $40.
    answers = {**PPO_COPAY, "deductible": "390.00", "copay_deductible": "first"}
    assert estimate(answers).low.per_session[0].patient == D("400.00")
    assert total(answers) == (D("600.00"), D("600.00"))  # $400 + 5 x $40


def test_a_copay_before_or_after_the_deductible_not_known_is_a_range() -> None:
    # Waived: 6 x $40 = $240; first: $700.
    assert total({**PPO_COPAY, "copay_deductible": "waived"}) == (D("240.00"), D("240.00"))
    assert total({**PPO_COPAY, "copay_deductible": "unknown"}) == (D("240.00"), D("700.00"))


# -- family plans -------------------------------------------------------------------------------


@pytest.mark.parametrize("tier", ["family", "self"])
def test_one_persons_share_stops_at_the_self_only_limit(tier) -> None:
    # A $21,200 family maximum entered; 30 x $800 at 50%, no deductible: 50% x $24,000 =
    # $12,000, but one person's share stops at $10,600 (also when a maximum above it is typed).
    answers = {"treatment": "iv_ketamine", "coverage": "yes", "plan_type": "ppo", "network": "in"}
    answers |= {"coverage_tier": tier, "deductible": "0.00", "cost_sharing": "coinsurance"}
    answers |= {"coinsurance_pct": "50", "oop_max": "21200.00", "oop_met": "0.00"}
    answers |= {"price_per_session": "800.00", "sessions": 30}
    assert total(answers) == (D("10600.00"), D("10600.00"))


# -- every case reads well ----------------------------------------------------------------------

CASES = {
    "original": {**ORIGINAL, "deductible_met": "0.00"},
    "original, figures ignored": {**ORIGINAL, "oop_max": "0.00", "deductible": "1500.00"},
    "medigap unknown": {**ORIGINAL, "medigap": "unknown"},
    "medicare unknown": {**SPRAVATO_8, "plan_type": "medicare", "medicare_kind": "unknown"},
    "advantage": {**SPRAVATO_8, "plan_type": "medicare", "medicare_kind": "advantage"},
    "medicaid": MEDICAID,
    "hdhp": {**HDHP, "coverage_tier": "unknown"},
    "copay first": {**PPO_COPAY, "copay_deductible": "first"},
    "copay unknown": {**PPO_COPAY, "copay_deductible": "unknown"},
    "family": {**PPO_COPAY, "coverage_tier": "family"},
}


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("markup", ["html", "text"])
def test_each_case_renders_its_assumptions(name, markup) -> None:
    answers = CASES[name]
    result = estimate(answers)
    reply = Reply(
        "estimate", {"estimate": result, "answers": answers, "clinic": None, "paying": ()}
    )
    text = Renderer().render(reply, markup).text
    assert "None" not in text and "Based on" in text
    if name == "advantage":
        assert "about $9,250 (check it)" in text
    if name == "medicaid":
        assert "about $4 a session" in text and "5% of family income" in text
    if name == "original, figures ignored":
        assert "Left out, as your plan type does not use them: Out-of-pocket maximum" in text


# -- Spravato under the pharmacy benefit --------------------------------------------------------

PHARMACY = {"treatment": "spravato", "coverage": "yes", "benefit": "pharmacy", "network": "in"}
PHARMACY |= {"coverage_tier": "self", "cost_sharing": "coinsurance", "coinsurance_pct": "20"}
PHARMACY |= {"price_per_session": "400.00", "drug_price_per_session": "800.00", "sessions": 8}
PHARMACY |= {"oop_max": "8000.00", "oop_met": "0.00"}


def test_the_drug_has_its_own_cost_share_beside_the_visit() -> None:
    # PPO, $1,000 deductible, none met. Visit: $400, $400, then $200 + 20% x $200 = $240, then
    # 5 x $80 = $1,440. Drug: a $50 copay from the first session, 8 x $50 = $400. $1,840 in all;
    # the plan pays 8 x ($400 + $800) - $1,840 = $7,760.
    answers = {**PHARMACY, "plan_type": "ppo", "deductible": "1000.00", "deductible_met": "0.00"}
    answers |= {"drug_cost_sharing": "copay", "drug_copay": "50.00"}
    result = estimate(answers)
    assert (result.low.patient_total, result.low.insurer_total) == (D("1840.00"), D("7760.00"))
    assert result.exact and "pharmacy_benefit" in ids(answers)


def test_on_an_hdhp_the_drug_waits_for_the_deductible_too() -> None:
    # $3,000 deductible, none met; visit 20%, drug 25%. Session 1: visit $400 and drug $800
    # toward the deductible ($1,200); session 2 the same ($1,200; $600 left); session 3: visit
    # $400, drug $200 + 25% x $600 = $350 ($750); sessions 4-8: $80 + $200 = $280, 5 x $280 =
    # $1,400. $1,200 + $1,200 + $750 + $1,400 = $4,550.
    answers = {**PHARMACY, "plan_type": "hdhp", "deductible": "3000.00", "deductible_met": "0.00"}
    answers |= {"drug_cost_sharing": "coinsurance", "drug_coinsurance_pct": "25"}
    result = estimate(answers)
    assert [s.patient for s in result.low.per_session[:3]] == [
        D("1200.00"),
        D("1200.00"),
        D("750.00"),
    ]
    assert total(answers) == (D("4550.00"), D("4550.00"))


def test_the_drugs_price_not_known_is_its_list_price_range() -> None:
    # Deductible $0, drug copay $0 to $100 and price $590 to $885 not known, visit 20% of $400:
    # low 8 x $80 = $640 (a $0 copay); high 8 x ($80 + $100) = $1,440 (a $100 copay, at most
    # the drug's price). With the drug at 50% of $885 the high case would be dearer still:
    # 8 x ($80 + $442.50) = $4,180, so the high case takes it.
    answers = {**PHARMACY, "plan_type": "ppo", "deductible": "0.00"}
    answers.pop("drug_price_per_session")
    assert total(answers) == (D("640.00"), D("4180.00"))


WHICH_BENEFIT = {"treatment": "spravato", "coverage": "yes", "plan_type": "ppo", "network": "in"}
WHICH_BENEFIT |= {"coverage_tier": "self", "deductible": "0.00", "cost_sharing": "coinsurance"}
WHICH_BENEFIT |= {"coinsurance_pct": "20", "oop_max": "10000.00", "oop_met": "0.00"}
WHICH_BENEFIT |= {"price_per_session": "1000.00", "sessions": 8}


def test_the_benefit_not_known_costs_both_with_the_drug_inside_the_clinics_price() -> None:
    # Medical benefit: 20% x 8 x $1,000 = $1,600.
    # Pharmacy benefit: the $1,000 is the drug ($590 to $885) and the visit (the rest).
    #   Cheapest: drug $590 at a $0 copay, 20% x $410 = $82 a session: 8 x $82 = $656.
    #   Dearest: drug $885 at 50% = $442.50, 20% x $115 = $23: 8 x $465.50 = $3,724
    #   (a $100 drug copay would give 8 x $123 = $984 only).
    # So $656 to $3,724, and the benefit is what to ask first.
    result = estimate(WHICH_BENEFIT)
    assert (result.low.patient_total, result.high.patient_total) == (D("656.00"), D("3724.00"))
    assert result.unknowns[0].question == "benefit"
    assert not {s.question for s in result.unknowns} & {"drug_cost_sharing", "drug_copay"}
    assert "benefit_unknown" in ids(WHICH_BENEFIT)
    # The plan pays the rest of the same $8,000 in each case.
    assert result.high.insurer_total == D("8000.00") - D("3724.00")


def test_a_known_medical_benefit_is_one_figure() -> None:
    answers = WHICH_BENEFIT | {"benefit": "medical"}
    assert total(answers) == (D("1600.00"), D("1600.00"))
    assert "benefit_unknown" not in ids(answers)


def test_the_benefit_does_not_matter_for_ketamine_or_original_medicare() -> None:
    ketamine = WHICH_BENEFIT | {"treatment": "iv_ketamine"}
    assert total(ketamine) == (D("1600.00"), D("1600.00"))
    original = {**SPRAVATO_8, "plan_type": "medicare", "medicare_kind": "original"}
    original |= {"medigap": "no", "deductible_met": "283.00", "benefit": "unknown"}
    assert total(original) == (D("2064.00"), D("2064.00"))  # 20% x 8 x $1,290
    assert "benefit" not in {s.question for s in estimate(original).unknowns}


@pytest.mark.parametrize("markup", ["html", "text"])
def test_the_pharmacy_benefit_is_explained(markup) -> None:
    answers = {**PHARMACY, "plan_type": "ppo", "deductible": "0.00"}
    answers.pop("drug_price_per_session")
    result = estimate(answers)
    reply = Reply(
        "estimate", {"estimate": result, "answers": answers, "clinic": None, "paying": ()}
    )
    text = Renderer().render(reply, markup).text
    assert "Spravato under the pharmacy benefit" in text and "its 2019 list price" in text
    assert "None" not in text


@pytest.mark.parametrize(
    ("benefit", "asked"),
    [
        ("pharmacy", "for the visit and the 2-hour observation, without the drug?"),
        ("medical", "What does the clinic charge per session?"),
        ("unknown", "What does the clinic charge per session?"),
    ],
)
def test_the_price_is_asked_as_the_estimate_reads_it(benefit, asked) -> None:
    chat = Chat()
    chat.begin()
    walk_to(chat, "price_per_session", {"treatment": "spravato", "benefit": benefit})
    assert asked in Renderer().render(chat.last, "text").text


def test_a_deductible_of_zero_leaves_nothing_to_meet_and_nothing_to_assume() -> None:
    # The flow does not ask what is met of a $0 deductible: the estimate neither assumes a range
    # for it nor ranks it. 20% x 8 x $1,290 = $2,064.
    answers = {**SPRAVATO_8, "plan_type": "ppo", "network": "in", "deductible": "0.00"}
    answers |= {"cost_sharing": "coinsurance", "coinsurance_pct": "20", "coverage_tier": "self"}
    answers |= {"oop_max": "5000.00", "oop_met": "0.00"}
    result = estimate(answers)
    assert (result.low.patient_total, result.high.patient_total) == (D("2064.00"), D("2064.00"))
    assert "deductible_met_bounds" not in ids(answers)
    # Medicare not known to be Advantage: the Part B deductible still has to be met.
    medicare = answers | {"plan_type": "medicare", "medicare_kind": "unknown", "medigap": "no"}
    assert "deductible_met_bounds" in ids(medicare)
