"""bot.answers.Said: the one typed reading of saved answers (estimate, paying help, call script)."""

from decimal import Decimal

from bot.answers import Said
from bot.flow import UNKNOWN, Flow

FLOW = Flow()


def test_a_question_s_own_dont_know_value_is_not_known() -> None:
    said = Said({"treatment": "unsure", "coverage": UNKNOWN, "network": "in"})
    assert not said.known("treatment") and said.choice("treatment") is None
    assert not said.known("coverage") and said.choice("coverage") is None
    assert not said.known("deductible")  # not answered
    assert said.known("network") and said.choice("network") == "in"


def test_a_choice_the_question_does_not_offer_is_not_read() -> None:
    assert Said({"network": "sideways", "coverage": 1}).choice("network") is None
    assert Said({"coverage": 1}).choice("coverage") is None


def test_amounts_are_decimal_to_the_cent_and_bad_ones_are_unknown() -> None:
    said = Said({"deductible": "1250.505", "copay": "abc", "coinsurance_pct": "20.00"})
    assert said.money("deductible") == Decimal("1250.51")
    assert said.money("copay") is None and said.money("oop_max") is None
    assert said.percent("coinsurance_pct") == Decimal(20)


def test_counts_are_whole_numbers_not_booleans() -> None:
    said = Said({"trials": 0, "sessions": True, "deductible": "3"})
    assert said.count("trials") == 0
    assert said.count("sessions") is None
    assert said.count("deductible") is None


def test_the_flow_says_what_counts_as_unknown() -> None:
    assert FLOW.is_unknown("treatment", "unsure") and FLOW.is_unknown("insurer", UNKNOWN)
    assert FLOW.is_unknown("insurer", None)
    assert not FLOW.is_unknown("insurer", "unsure")  # only the treatment's "not sure" is
