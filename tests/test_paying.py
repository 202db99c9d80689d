"""The "Paying for it" section: each item's condition both ways, and its text in both markups.

Items are chosen by bot.paying from real estimates (bot.estimate.estimate) and rendered with
the real templates through bot.render.Renderer; HTML is checked with the strict Telegram
stand-in's parser.
"""

from __future__ import annotations

import ast
import re
from decimal import Decimal
from pathlib import Path

import pytest
from jinja2 import UndefinedError

from bot.estimate import estimate
from bot.paying import (
    ASK_CLINIC,
    FSA,
    GOOD_FAITH_ESTIMATE,
    HIGH_COST,
    HSA_FSA,
    ITEM_IDS,
    SPRAVATO_SAVINGS,
    SUPERBILL,
    financial_help,
    section_applies,
)
from bot.render import TEMPLATES_DIR, Renderer
from tests.support.telegram_standin import parse_html

RENDERER = Renderer()
MARKUPS = ("html", "text")
COMMERCIAL = ("hmo", "ppo", "epo", "pos", "hdhp", "other")
GOVERNMENT = ("medicare", "medicaid")
TREATMENTS = ("spravato", "iv_ketamine", "im_ketamine", "unsure")
WRAPPER = '{% import "paying.j2" as p %}{{ p.section(items, answers) }}'

# Covered, in network, every figure known: $10 a session for 6 sessions, $60 in all.
CHEAP_COVERED = {
    "treatment": "iv_ketamine",
    "plan_type": "ppo",
    "coverage": "yes",
    "network": "in",
    "cost_sharing": "copay",
    "copay": "10.00",
    "deductible": "0.00",
    "oop_max": "5000.00",
    "oop_met": "0.00",
    "price_per_session": "400.00",
    "sessions": 6,
}
# Covered, in network, every figure known: $250 a session for 6 sessions, $1,500 in all.
DEAR_COVERED = CHEAP_COVERED | {"copay": "250.00"}
NOT_COVERED = {"treatment": "iv_ketamine", "plan_type": "ppo", "coverage": "no", "network": "in"}


def items_for(**answers: object) -> tuple[str, ...]:
    return financial_help(answers, estimate(answers))


def render(markup: str, items: tuple[str, ...], answers: dict) -> str:
    env = RENDERER.html if markup == "html" else RENDERER.text
    return env.from_string(WRAPPER).render(items=items, answers=answers)


def bullets(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("•")]


def item_text(item: str, **answers: object) -> str:
    """One item's plain text, as rendered inside the section."""
    (line,) = bullets(render("text", (item,), answers))
    return line


# -- when the section shows ---------------------------------------------------------------------


def test_no_section_when_covered_and_the_dearest_case_is_below_high_cost():
    result = estimate(CHEAP_COVERED)
    assert result.covered == "yes" and result.high.patient_total == Decimal("60.00")
    assert not section_applies(result)
    assert financial_help(CHEAP_COVERED, result) == ()


def test_section_shows_when_not_covered_even_if_cheap():
    answers = NOT_COVERED | {"price_per_session": "50.00", "sessions": 2}
    result = estimate(answers)
    assert result.covered == "no" and result.high.patient_total < HIGH_COST
    assert financial_help(answers, result)[-1] == ASK_CLINIC


def test_section_shows_when_coverage_is_unknown_even_if_cheap():
    answers = CHEAP_COVERED | {"coverage": "unknown", "price_per_session": "50.00", "sessions": 2}
    result = estimate(answers)
    assert result.covered == "unknown" and result.high.patient_total < HIGH_COST
    assert GOOD_FAITH_ESTIMATE in financial_help(answers, result)


def test_section_shows_when_covered_and_the_dearest_case_is_high():
    result = estimate(DEAR_COVERED)
    assert result.covered == "yes" and result.high.patient_total == Decimal("1500.00")
    assert financial_help(DEAR_COVERED, result) == (FSA, ASK_CLINIC)


@pytest.mark.parametrize(
    ("copay", "total", "shown"),
    [("125.00", "1000.00", True), ("124.99", "999.92", False), ("125.01", "1000.08", True)],
)
def test_boundary_exactly_at_high_cost(copay, total, shown):
    answers = CHEAP_COVERED | {"treatment": "spravato", "benefit": "medical"}
    answers |= {"copay": copay, "sessions": 8}
    result = estimate(answers)
    assert result.exact and result.high.patient_total == Decimal(total)
    assert section_applies(result) is shown
    assert bool(financial_help(answers, result)) is shown


def test_the_high_end_decides_not_the_low_end():
    # The copay is not known: $0 to $100 a session, 6 sessions -> $0 to $600; then $0 to $1,200.
    answers = {k: v for k, v in CHEAP_COVERED.items() if k != "copay"}
    low_range = estimate(answers)
    assert low_range.high.patient_total == Decimal("600.00")
    assert financial_help(answers, low_range) == ()
    answers["sessions"] = 12
    high_range = estimate(answers)
    assert high_range.low.patient_total == Decimal("0.00")
    assert high_range.high.patient_total == Decimal("1200.00")
    assert financial_help(answers, high_range) == (FSA, ASK_CLINIC)


# -- each item's condition, both ways -----------------------------------------------------------


@pytest.mark.parametrize("coverage", ["no", "unknown", None])
def test_good_faith_estimate_for_anyone_who_may_pay_the_clinic(coverage):
    answers = {k: v for k, v in NOT_COVERED.items() if k != "coverage"}
    if coverage:
        answers["coverage"] = coverage
    assert items_for(**answers)[0] == GOOD_FAITH_ESTIMATE


def test_no_good_faith_estimate_when_covered():
    assert GOOD_FAITH_ESTIMATE not in items_for(**DEAR_COVERED)
    assert GOOD_FAITH_ESTIMATE not in items_for(**DEAR_COVERED | {"network": "out"})


@pytest.mark.parametrize("plan_type", [*COMMERCIAL, "unknown", None])
def test_spravato_savings_for_spravato_with_a_plan_that_may_be_commercial(plan_type):
    answers = {"treatment": "spravato", "coverage": "no"}
    if plan_type:
        answers["plan_type"] = plan_type
    assert SPRAVATO_SAVINGS in items_for(**answers)


@pytest.mark.parametrize("coverage", ["yes", "no", "unknown"])
@pytest.mark.parametrize("plan_type", GOVERNMENT)
def test_spravato_savings_never_for_medicare_or_medicaid(plan_type, coverage):
    answers = DEAR_COVERED | {"treatment": "spravato", "plan_type": plan_type, "coverage": coverage}
    items = items_for(**answers)
    assert items and SPRAVATO_SAVINGS not in items


@pytest.mark.parametrize("treatment", ["iv_ketamine", "im_ketamine", "unsure", None])
def test_spravato_savings_never_for_other_treatments(treatment):
    answers = {"plan_type": "ppo", "coverage": "no"}
    if treatment:
        answers["treatment"] = treatment
    items = items_for(**answers)
    assert items and SPRAVATO_SAVINGS not in items


def test_hsa_only_with_a_high_deductible_plan():
    assert HSA_FSA in items_for(**NOT_COVERED | {"plan_type": "hdhp"})
    assert FSA not in items_for(**NOT_COVERED | {"plan_type": "hdhp"})
    for plan_type in ("hmo", "ppo", "epo", "pos", "other", "unknown", *GOVERNMENT):
        assert HSA_FSA not in items_for(**NOT_COVERED | {"plan_type": plan_type}), plan_type


@pytest.mark.parametrize("plan_type", ["hmo", "ppo", "epo", "pos", "other", "unknown", None])
def test_fsa_alone_for_other_plans_that_may_be_commercial(plan_type):
    answers = dict(NOT_COVERED)
    if plan_type:
        answers["plan_type"] = plan_type
    else:
        del answers["plan_type"]
    assert FSA in items_for(**answers)


@pytest.mark.parametrize("plan_type", GOVERNMENT)
def test_no_hsa_or_fsa_with_medicare_or_medicaid(plan_type):
    items = items_for(**NOT_COVERED | {"plan_type": plan_type})
    assert items and not {HSA_FSA, FSA} & set(items)


@pytest.mark.parametrize("network", ["out", "unknown", None])
@pytest.mark.parametrize("coverage", ["yes", "unknown"])
def test_superbill_out_of_network_or_unknown_when_covered_or_unknown(network, coverage):
    answers = DEAR_COVERED | {"coverage": coverage}
    if network:
        answers["network"] = network
    else:
        del answers["network"]
    assert SUPERBILL in items_for(**answers)


@pytest.mark.parametrize("coverage", ["yes", "unknown"])
def test_no_superbill_in_network(coverage):
    items = items_for(**DEAR_COVERED | {"coverage": coverage})
    assert items and SUPERBILL not in items


@pytest.mark.parametrize("network", ["out", "unknown"])
def test_no_superbill_when_not_covered(network):
    items = items_for(**NOT_COVERED | {"network": network})
    assert items and SUPERBILL not in items


def test_ask_clinic_always_when_shown_and_last():
    for answers in (NOT_COVERED, DEAR_COVERED, {}, {"treatment": "spravato", "network": "out"}):
        assert items_for(**answers)[-1] == ASK_CLINIC, answers


def test_items_come_in_the_declared_order():
    answers = {"treatment": "spravato", "plan_type": "hdhp", "network": "out"}
    items = items_for(**answers)
    assert items == (GOOD_FAITH_ESTIMATE, SPRAVATO_SAVINGS, SUPERBILL, HSA_FSA, ASK_CLINIC)
    assert list(items) == sorted(items, key=ITEM_IDS.index)


def test_answers_that_are_not_a_choice_count_as_unknown():
    odd = {"treatment": "spravato", "plan_type": 5, "network": ["out"], "coverage": "no"}
    assert items_for(**odd) == (GOOD_FAITH_ESTIMATE, SPRAVATO_SAVINGS, FSA, ASK_CLINIC)
    assert HSA_FSA not in items_for(**odd | {"plan_type": "HDHP"})


# -- the words ----------------------------------------------------------------------------------

# Answers that, together, bring out every item and every variant of its wording.
CASES = [
    {},
    NOT_COVERED,
    DEAR_COVERED,
    DEAR_COVERED | {"network": "out"},
    {"treatment": "spravato", "plan_type": "hdhp", "coverage": "unknown", "network": "unknown"},
    {"treatment": "spravato", "plan_type": "medicaid", "coverage": "no"},
    {"treatment": "im_ketamine", "plan_type": "medicare", "coverage": "unknown"},
]


def test_the_cases_show_every_item():
    shown = {item for answers in CASES for item in items_for(**answers)}
    assert shown == set(ITEM_IDS)


@pytest.mark.parametrize("answers", CASES)
@pytest.mark.parametrize("markup", MARKUPS)
def test_section_renders_a_heading_and_one_full_bullet_per_item(answers, markup):
    items = items_for(**answers)
    text = render(markup, items, answers)
    lines = text.split("\n")
    heading = "<b>Paying for it</b>" if markup == "html" else "Paying for it"
    assert lines[0] == heading
    assert lines[1:] == bullets(text) and len(lines) == len(items) + 1
    for line in lines[1:]:
        assert line.startswith("• ") and len(line.removeprefix("• ").strip()) > 20, line
    assert "None" not in text and "Undefined" not in text
    assert not re.search(r"https?://|www\.", text)  # no links that were not checked
    if markup == "text":
        assert "<" not in text and "&" not in text


@pytest.mark.parametrize("answers", CASES)
def test_html_parses_as_telegram_html_and_says_what_the_text_says(answers):
    items = items_for(**answers)
    plain, entities = parse_html(render("html", items, answers))
    assert plain == render("text", items, answers)
    assert entities and all(entity["type"] == "bold" for entity in entities)
    first = entities[0]
    assert plain[first["offset"] : first["offset"] + first["length"]] == "Paying for it"


@pytest.mark.parametrize("markup", MARKUPS)
def test_no_items_renders_nothing(markup):
    assert render(markup, (), NOT_COVERED) == ""


def test_every_item_id_has_its_macro_and_nothing_else_does():
    module = RENDERER.text.get_template("paying.j2").module
    macros = {name for name in dir(module) if not name.startswith("_")}
    assert macros == {*ITEM_IDS, "section"}


@pytest.mark.parametrize("markup", MARKUPS)
def test_an_unknown_item_id_fails_loudly(markup):
    with pytest.raises(UndefinedError, match="no_such_item"):
        render(markup, ("no_such_item",), {})


def test_good_faith_estimate_states_who_it_is_for_and_the_dispute_rule():
    line = item_text(GOOD_FAITH_ESTIMATE, plan_type="ppo")
    for words in ("pay the clinic yourself", "Good Faith Estimate", "$400 or more", "120 days"):
        assert words in line
    assert "Medicare" not in line
    for plan_type in GOVERNMENT:
        caveat = "With Medicare or Medicaid these rules work differently"
        assert caveat in item_text(GOOD_FAITH_ESTIMATE, plan_type=plan_type)


def test_spravato_savings_states_its_conditions():
    line = item_text(SPRAVATO_SAVINGS, treatment="spravato")
    for words in (
        "commercial health insurance",
        "not Medicare or Medicaid",
        "Spravato withMe",
        "$10 per treatment",
        "yearly limit",
        "prior authorization",
        "whether you qualify",
    ):
        assert words in line


def test_hsa_and_fsa_are_worded_with_their_conditions_and_no_promise():
    hsa = item_text(HSA_FSA, plan_type="hdhp")
    fsa = item_text(FSA, plan_type="ppo")
    assert "HSA-eligible" in hsa and "high-deductible" in hsa and "FSA" in hsa
    assert "employer offers" in fsa and "HSA" not in fsa
    for line in (hsa, fsa):
        assert "IRS rules" in line and "check with your plan administrator" in line


def test_superbill_lists_the_fields_of_the_domain_notes():
    line = item_text(SUPERBILL, network="out")
    fields = (
        "name and address",
        "NPI",
        "tax ID",
        "date of service",
        "ICD-10",
        "CPT/HCPCS",
        "place of service",
        "amount you paid",
    )
    for field in fields:
        assert field in line, field
    assert "out of your plan's network" in line


def test_ask_clinic_names_the_options_without_promising_them():
    line = item_text(ASK_CLINIC)
    for words in ("package", "sliding-scale", "payment plan", "Not every clinic does"):
        assert words in line


# -- the module stays pure ----------------------------------------------------------------------


def test_paying_imports_nothing_from_telegram_tinydb_or_jinja2():
    source = Path(__file__).resolve().parent.parent / "bot" / "paying.py"
    imported = set()
    for node in ast.walk(ast.parse(source.read_text())):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert imported and not imported & {"telegram", "tinydb", "jinja2", "markupsafe"}
    assert (TEMPLATES_DIR / "paying.j2").is_file()
