"""Tests for bot.callscript and its templates: each tailoring rule, then a grid of answers.

Every rule is checked on the data (which item ids are included) and on what the person
reads (the chat text and the printable document), so wording cannot drift from the data.
"""

from __future__ import annotations

import itertools
import json
import re
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Mapping

import pytest
from markupsafe import escape

from bot.callscript import (
    MET,
    NOT_FOR_THE_INSURER,
    NOT_MET,
    TO_CHECK,
    Ask,
    CallScript,
    build_call_script,
)
from bot.engine import Reply
from bot.flow import UNKNOWN, Flow, Kind, Question
from bot.render import TEMPLATES_DIR, Renderer
from tests.support.flow_answers import completed
from tests.support.telegram_standin import MAX_TEXT_LENGTH, HtmlError, parse_html
from tests.support.telegram_standin import utf16_length as utf16

FLOW = Flow()
RENDERER = Renderer(FLOW)
TEMPLATES = ("callscript", "callscript_items", "callscript_document")
WRONG_CODES = ("J0222", "J3000")  # wrong or unconfirmed codes seen on blogs (domain notes)
HEADINGS = RENDERER.text.get_template("callscript_items.j2").module.headings
# What the user knows or gets from the clinic, not from the insurer.
NOT_FOR_INSURER = set(NOT_FOR_THE_INSURER)
NAMES = {"insurer": "Aetna", "bh_company": "Optum", "clinic": "Calm Mind Ketamine Clinic"}
NASTY_NAME = "<b>&*_\"'{{ 7 * 7 }}{% if %}</b>"
LONGEST_NAME = "\U0001f48a" * 100  # 100 characters, 2 UTF-16 code units each

HTML_TAG = re.compile(r"</?[A-Za-z]")
ENTITY = re.compile(r"&(#[0-9]+|#[xX][0-9A-Fa-f]+|[A-Za-z][A-Za-z0-9]*);")
EMPTY_ITEM = re.compile(r"^\s*(•|-|\[ \])?\s*$")


def chat(answers: Mapping[str, object], markup: str = "text") -> str:
    """The chat version of the script for these answers."""
    context = {"script": build_call_script(answers), "answers": answers}
    return RENDERER.render(Reply("callscript", context), markup).text


def document(answers: Mapping[str, object]) -> str:
    """The printable version of the script for these answers."""
    script = build_call_script(answers)
    return RENDERER.message("callscript_document", "text", script=script, answers=answers)


def everything(answers: Mapping[str, object]) -> str:
    """All the person reads: the chat text and the document."""
    return chat(answers) + "\n" + document(answers)


def ids(script: CallScript) -> list[str]:
    """The ids of the ask items, in order."""
    return [ask.id for ask in script.ask]


def ask(script: CallScript, item: str) -> Ask:
    """The ask item with this id."""
    return next(a for a in script.ask if a.id == item)


def unknown_everywhere(treatment: str = "unsure") -> dict[str, object]:
    """What "I don't know" to every question that applies leaves saved."""
    answers: dict[str, object] = {"treatment": treatment}
    for question in FLOW.questions[1:]:
        if question.applies(answers):
            answers[question.id] = question.unknown_value
    return answers


# Complete: any question the flow gains is answered too (by its kind's default).
SPRAVATO_PPO = completed(
    {
        **NAMES,
        "treatment": "spravato",
        "plan_type": "ppo",
        "bh_carveout": "no",
        "coverage": "yes",
        "benefit": "medical",
        "preauth": "yes",
        "referral": "no",
        "trials": 3,
        "network": "in",
        "deductible": "1500.00",
        "deductible_met": "500.00",
        "cost_sharing": "coinsurance",
        "coinsurance_pct": "20",
        "oop_max": "5000.00",
        "oop_met": "1000.00",
        "price_per_session": "885.00",
        "sessions": 8,
    },
    FLOW,
)
IV_PPO = {**SPRAVATO_PPO, "treatment": "iv_ketamine"}
del IV_PPO["benefit"]
IM_PPO = {**IV_PPO, "treatment": "im_ketamine"}
UNSURE_PPO = {**IV_PPO, "treatment": "unsure"}


# -- the data -----------------------------------------------------------------------------------


def test_the_module_is_pure() -> None:
    code = (
        "import sys, bot.callscript;"
        "print(sorted({'jinja2', 'telegram', 'tinydb'} & set(sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_the_script_is_plain_json_able_data() -> None:
    script = build_call_script(unknown_everywhere())
    data = script.to_dict()
    assert json.loads(json.dumps(data))["ask"][0]["id"] == script.ask[0].id
    with pytest.raises(AttributeError):
        script.phone = "card"  # type: ignore[misc]


def test_the_templates_accept_the_object_or_its_dict() -> None:
    answers = {**SPRAVATO_PPO, "network": "out", "preauth": UNKNOWN}
    script = build_call_script(answers)
    for markup in ("html", "text"):
        as_object = RENDERER.render(
            Reply("callscript", {"script": script, "answers": answers}), markup
        )
        as_dict = RENDERER.render(
            Reply("callscript", {"script": script.to_dict(), "answers": answers}), markup
        )
        assert as_object.text == as_dict.text
    assert document(answers) == RENDERER.message(
        "callscript_document", "text", script=script.to_dict(), answers=answers
    )


# -- treatments and codes -----------------------------------------------------------------------


def test_spravato_asks_benefit_and_rems_centers_and_quotes_its_codes() -> None:
    script = build_call_script(SPRAVATO_PPO)
    assert "codes_spravato" in script.before
    assert not {"codes_iv", "codes_im"} & set(script.before)
    assert {"benefit", "spravato_codes", "in_network_options"} <= set(ids(script))
    assert "experimental" not in ids(script)
    text = everything(SPRAVATO_PPO)
    for words in (
        "G2082 (up to 56 mg)",
        "G2083 (over 56 mg)",
        "J0013 (from January 1, 2026; S0013 before 2026)",
        "99212-99215 plus 99415 (the first hour of monitoring) and 99416 (each added 30 minutes, "
        "an add-on to 99415)",
        "medical benefit or my pharmacy benefit",
        "in-network REMS-certified centers",
    ):
        assert words in text, words
    assert text.count("S0013") == text.count("S0013 before 2026")
    assert "J3490" not in text and "96365" not in text


def test_unknown_benefit_is_asked_before_what_is_known() -> None:
    script = build_call_script({**SPRAVATO_PPO, "benefit": UNKNOWN})
    assert ids(script)[0] == "benefit" and script.ask[0].unknown
    assert not any(a.unknown for a in script.ask[1:])
    known = build_call_script(SPRAVATO_PPO)
    assert not ask(known, "benefit").unknown
    assert "You noted: Benefit: Medical benefit" in chat(SPRAVATO_PPO)


def test_iv_ketamine_asks_about_exclusion_and_policy_with_hedged_codes() -> None:
    script = build_call_script(IV_PPO)
    assert script.before[-2:] == ("codes_iv", "diagnosis_codes")
    assert {"experimental", "medical_policy"} <= set(ids(script))
    assert not {"benefit", "spravato_codes"} & set(ids(script))
    text = everything(IV_PPO)
    for words in (
        "J3490 (unclassified drug) with 96365 (infusion, first hour); 96366 is added only when an "
        "infusion runs past 90 minutes",
        "confirm them with the clinic",
        "excluded as experimental or investigational",
        "written medical policy for ketamine",
        "What is its number?",
        "parity law, plans must disclose their medical-necessity criteria",
    ):
        assert words in text, words
    for spravato_only in ("J0013", "S0013", "G2082", "REMS", "withMe", "pharmacy benefit"):
        assert spravato_only not in text, spravato_only


def test_im_ketamine_quotes_j3490_with_96372() -> None:
    script = build_call_script(IM_PPO)
    assert "codes_im" in script.before and "codes_iv" not in script.before
    text = everything(IM_PPO)
    assert "J3490 (unclassified drug) with 96372" in text
    assert "confirm them with the clinic" in text
    assert "96365" not in text and "J0013" not in text


def test_unsure_covers_spravato_and_ketamine() -> None:
    script = build_call_script(UNSURE_PPO)
    assert {"codes_spravato", "codes_iv", "codes_im"} <= set(script.before)
    assert {"benefit", "spravato_codes", "experimental", "medical_policy"} <= set(ids(script))
    assert ask(script, "benefit").unknown  # never asked in the flow when unsure
    text = everything(UNSURE_PPO)
    for code in ("G2082", "G2083", "J0013", "J3490", "96365", "96366", "96372"):
        assert code in text, code
    assert "Spravato or ketamine (IV or IM)" in text
    assert "written medical policy for ketamine or esketamine" in text


def test_no_answer_counts_as_unsure_about_the_treatment() -> None:
    assert build_call_script({}).treatment == "unsure"
    assert build_call_script({}).before == build_call_script(UNSURE_PPO).before


def test_wrong_codes_are_never_used() -> None:
    sources = [(TEMPLATES_DIR / f"{name}.j2").read_text() for name in TEMPLATES]
    sources.append((TEMPLATES_DIR.parent / "bot" / "callscript.py").read_text())
    for code in WRONG_CODES:
        assert not any(code in source for source in sources), code


@pytest.mark.parametrize("answers", [SPRAVATO_PPO, IV_PPO, {}], ids=["spravato", "iv", "empty"])
def test_there_is_no_icd_code_for_trd(answers: dict[str, object]) -> None:
    assert "diagnosis_codes" in build_call_script(answers).before
    text = everything(answers)
    assert "no ICD-10 diagnosis code for treatment-resistant depression" in text
    assert "major depressive disorder codes, most often F32.2" in text
    assert "F33.2 (recurrent, severe)" in text
    assert "failed medication trials" in text


# -- the manufacturer's savings program, Medicare and Medicaid -----------------------------------


@pytest.mark.parametrize(
    ("answers", "offered"),
    [
        ({**SPRAVATO_PPO, "plan_type": "ppo"}, True),
        ({**SPRAVATO_PPO, "plan_type": "hdhp"}, True),
        ({**SPRAVATO_PPO, "plan_type": UNKNOWN}, True),
        ({**UNSURE_PPO, "plan_type": "hmo"}, True),
        ({**SPRAVATO_PPO, "plan_type": "medicare"}, False),
        ({**SPRAVATO_PPO, "plan_type": "medicaid"}, False),
        ({**IV_PPO, "plan_type": "ppo"}, False),
        ({**IM_PPO, "plan_type": "ppo"}, False),
    ],
)
def test_savings_program_only_for_commercially_insured_spravato(
    answers: dict[str, object], offered: bool
) -> None:
    assert ("savings_program" in build_call_script(answers).notes) == offered
    text = everything(answers)
    for words in ("withMe", "as little as $10"):
        assert (words in text) == offered, words
    if offered:
        assert "commercially insured patients only (not Medicare or Medicaid)" in text


@pytest.mark.parametrize("plan", ["medicare", "medicaid"])
def test_medicare_and_medicaid_have_their_own_notes(plan: str) -> None:
    spravato = build_call_script({**SPRAVATO_PPO, "plan_type": plan})
    assert plan in spravato.notes and "no_savings_program" in spravato.notes
    text = everything({**SPRAVATO_PPO, "plan_type": plan})
    assert "savings program for Spravato is for commercially insured patients only" in text
    assert "does not apply to Medicare or Medicaid" in text
    own = {
        "medicare": "follows Medicare's own rules or those of a Medicare Advantage plan",
        "medicaid": "ask which coverage and prior-authorization rules your state's Medicaid",
    }
    assert own[plan] in text
    iv = build_call_script({**IV_PPO, "plan_type": plan})
    assert plan in iv.notes and "no_savings_program" not in iv.notes
    assert "savings" not in everything({**IV_PPO, "plan_type": plan})
    assert not {"medicare", "medicaid"} & set(build_call_script(SPRAVATO_PPO).notes)


# -- plan, network and phone --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("plan", "referral", "asked"),
    [
        ("hmo", "no", True),
        ("pos", "no", True),
        ("hmo", "yes", True),
        ("ppo", "yes", True),
        ("ppo", UNKNOWN, True),
        ("ppo", None, True),
        ("ppo", "no", False),
        ("epo", "no", False),
    ],
)
def test_referral_is_asked_for_hmo_pos_or_when_needed_or_unknown(
    plan: str, referral: str | None, asked: bool
) -> None:
    answers = {**IV_PPO, "plan_type": plan, "referral": referral}
    if referral is None:
        del answers["referral"]
    assert ("referral" in ids(build_call_script(answers))) == asked
    text = chat(answers)
    assert ("must write the referral, and for how many visits" in text) == asked
    if plan in ("hmo", "pos"):
        assert "and yours is one of them" in text


@pytest.mark.parametrize(
    ("case", "item", "words", "noted"),
    [
        (
            {**IV_PPO, "network": "out", "network_options": "no"},
            "out_of_network_share",
            "Out of network, what is my deductible and how much of it is met",
            "You noted: Out-of-network deductible: $100",
        ),
        (
            {**SPRAVATO_PPO, "benefit": "pharmacy"},
            "drug_cost_share",
            "what do I pay for the Spravato itself: a copay or a coinsurance",
            "You noted: Drug cost sharing: ",
        ),
    ],
)
def test_out_of_network_and_drug_figures_have_items_of_their_own(case, item, words, noted):
    # Not answered: their own item asks them together, and none is asked in its own words.
    script = build_call_script(case)
    found = ask(script, item)
    assert found.unknown and found.questions
    assert all(FLOW[q].may_apply(case) for q in found.questions)
    assert "question" not in ids(script)
    assert words in everything(case)
    # Answered: the item moves among those noted already, with what was noted.
    answered = completed(case, FLOW)
    assert not ask(build_call_script(answered), item).unknown
    assert noted in chat(answered)


def test_out_of_network_asks_gap_exception_allowed_amounts_and_claims() -> None:
    out_items = {
        "network_gap",
        "allowed_amounts",
        "out_of_network_share",
        "superbill",
        "timely_filing",
        "mailing_address",
    }
    assert not out_items & set(ids(build_call_script(IV_PPO)))
    iv_out = {**IV_PPO, "network": "out", "network_options": "no"}
    assert out_items | {"in_network_options"} <= set(ids(build_call_script(iv_out)))
    text = everything(iv_out)
    for words in (
        "network-gap exception for Calm Mind Ketamine Clinic",
        "allowed amount for 96365 (and 96366, past 90 minutes) and the visit",
        "submit a superbill",
        "timely-filing limit",
        "mailing address do you have on file",
    ):
        assert words in text, words
    spravato_out = {**SPRAVATO_PPO, "network": "out"}
    assert "allowed amount for G2082 and G2083?" in chat(spravato_out)
    assert "allowed amount for 96372 and the visit?" in chat({**IM_PPO, "network": "out"})
    assert ask(build_call_script(spravato_out), "network_gap").unknown  # options not known


def test_unknown_network_is_checked_by_npi_and_tax_id() -> None:
    assert "network" not in ids(build_call_script(IV_PPO))
    for network in (UNKNOWN, None):
        answers = {**IV_PPO, "network": network}
        if network is None:
            del answers["network"]
        network_ask = ask(build_call_script(answers), "network")
        assert network_ask.unknown and network_ask.questions == ("network",)
        assert (
            "Is Calm Mind Ketamine Clinic in network for this treatment? "
            "(Give the NPI and tax ID, not only the name.)" in chat(answers)
        )


def test_carve_out_calls_the_behavioral_health_company_by_name() -> None:
    answers = {**IV_PPO, "bh_carveout": "yes", "bh_company": "Optum"}
    script = build_call_script(answers)
    assert script.phone == "carveout" and "phone" in script.before
    assert not {"carveout", "bh_company"} & set(ids(script))
    for text in (chat(answers), document(answers)):
        assert "Call Optum, not the number on the front of your card" in text
    unnamed = {**answers, "bh_company": UNKNOWN}
    assert "bh_company" in ids(build_call_script(unnamed))
    assert "Call the company that manages your mental health care, not the number" in chat(unnamed)


def test_without_a_carve_out_call_the_card_and_ask_if_unknown() -> None:
    card = build_call_script(IV_PPO)
    assert card.phone == "card" and "carveout" not in ids(card)
    assert "Call the member services number on your card." in chat(IV_PPO)
    unknown = build_call_script({**IV_PPO, "bh_carveout": UNKNOWN})
    assert unknown.phone == "card" and ask(unknown, "carveout").unknown
    assert "managed by a separate company? If so, what is its phone number?" in chat(
        {**IV_PPO, "bh_carveout": UNKNOWN}
    )


# -- antidepressant trials and prior authorization ----------------------------------------------


@pytest.mark.parametrize(("trials", "below"), [(0, True), (1, True), (2, False), (5, False)])
def test_fewer_than_two_trials_explains_the_usual_criterion(trials: int, below: bool) -> None:
    answers = {**SPRAVATO_PPO, "trials": trials}
    script = build_call_script(answers)
    assert ("trials_below_usual" in script.notes) == below
    status = next(c.status for c in script.preauth.criteria if c.id == "failed_trials")
    assert status == (NOT_MET if below else MET)
    text = chat(answers)
    assert (f"You told me {trials} antidepressant" in text) == below
    if below:
        for words in (
            "at least 2 antidepressants from different classes",
            "adequate dose for at least 6 weeks in the current episode",
            "3 or 4, plus an augmentation trial",
            "not medical advice",
        ):
            assert words in text, words


def test_unknown_trials_asks_which_criteria_the_plan_uses() -> None:
    assert "criteria" not in ids(build_call_script(SPRAVATO_PPO))
    answers = {**SPRAVATO_PPO, "trials": UNKNOWN}
    script = build_call_script(answers)
    assert ask(script, "criteria").unknown and script.ask[0].id == "criteria"
    assert "trials_below_usual" not in script.notes
    status = next(c.status for c in script.preauth.criteria if c.id == "failed_trials")
    assert status == UNKNOWN
    assert "Which criteria does the plan use for treatment-resistant depression" in chat(answers)


def test_prior_authorization_lists_criteria_documents_and_questions() -> None:
    spravato = build_call_script(SPRAVATO_PPO).preauth
    assert spravato.required == "yes"
    assert [c.id for c in spravato.criteria] == [
        "age",
        "diagnosis",
        "psychiatrist",
        "failed_trials",
        "pdmp",
        "rems",
    ]
    assert all(c.status == TO_CHECK for c in spravato.criteria if c.id != "failed_trials")
    assert spravato.documents == ("trial_history", "rating_scale", "psychiatrist_letter")
    assert {"who_submits", "documents_needed", "decision_time", "approval_scope"} <= set(
        spravato.ask
    )
    assert spravato.ask[-1] == "auth_number"
    assert "rems" not in [c.id for c in build_call_script(IV_PPO).preauth.criteria]
    text = everything(SPRAVATO_PPO)
    for words in (
        "criteria vary by plan",
        "Age 18 or older.",
        "major depressive disorder by a mental health professional",
        "by or with a psychiatrist",
        "prescription-monitoring program (PDMP)",
        "REMS enrollment",
        "with dates and doses",
        "(PHQ-9, MADRS or HAM-D)",
        "letter from your psychiatrist",
        "Who submits it",
        "How long does a decision take?",
        "How many sessions (units) and which dates does an approval cover?",
        "What is the authorization number?",
    ):
        assert words in text, words


def test_no_prior_authorization_keeps_a_short_confirmation() -> None:
    answers = {**SPRAVATO_PPO, "preauth": "no"}
    preauth = build_call_script(answers).preauth
    assert preauth.criteria == () and preauth.documents == ()
    assert preauth.ask == ("confirm_not_required",)
    text = chat(answers)
    assert "confirm that no prior authorization is needed for Spravato" in text
    assert "write down who said so" in text
    assert "criteria vary by plan" not in text


def test_unknown_prior_authorization_is_asked_and_explained() -> None:
    answers = {**IV_PPO, "preauth": UNKNOWN}
    script = build_call_script(answers)
    assert ask(script, "preauth").unknown and script.preauth.required == UNKNOWN
    assert "If prior authorization is required, this is what it usually takes." in chat(answers)


# -- costs --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cost_sharing", "copay_question"),
    [("copay", True), (UNKNOWN, True), (None, True), ("coinsurance", False)],
)
def test_cost_questions(cost_sharing: str | None, copay_question: bool) -> None:
    answers = {**IV_PPO, "cost_sharing": cost_sharing, "copay": "40.00"}
    del answers["coinsurance_pct"]
    if cost_sharing is None:
        del answers["cost_sharing"]
    script = build_call_script(answers)
    assert {"deductible", "cost_share", "out_of_pocket", "visit_limits"} <= set(ids(script))
    assert ("copay_before_deductible" in ids(script)) == copay_question
    text = chat(answers)
    for words in (
        "separate deductible for mental health",
        "in-network and out-of-network deductibles separate",
        "office visit, an outpatient infusion and a specialty drug",
        "out-of-pocket maximum, and how much of it have I met",
        "limit on sessions or visits per year",
    ):
        assert words in text, words
    assert ("copay apply before the deductible" in text) == copay_question


def test_unknown_costs_come_first_and_known_ones_are_shown() -> None:
    answers = {**IV_PPO, "deductible_met": UNKNOWN, "oop_max": UNKNOWN}
    del answers["oop_met"]
    script = build_call_script(answers)
    assert ids(script)[:2] == ["deductible", "out_of_pocket"]
    assert ask(script, "deductible").questions == ("deductible", "deductible_met")
    assert ask(script, "out_of_pocket").questions == ("oop_max", "oop_met")
    assert not ask(script, "cost_share").unknown
    assert "You noted: Cost sharing: Coinsurance (%); Coinsurance: 20%" in chat(answers)
    no_deductible = build_call_script({**IV_PPO, "deductible": "0.00"})
    assert ask(no_deductible, "deductible").questions == ("deductible",)


# -- coverage, denials, what to write down ------------------------------------------------------


def test_not_covered_asks_for_it_in_writing_and_puts_appeals_first() -> None:
    answers = {**IV_PPO, "coverage": "no"}
    script = build_call_script(answers)
    assert script.not_covered and "exclusion_in_writing" in ids(script)
    assert not build_call_script(IV_PPO).not_covered
    for text in (chat(answers), document(answers)):
        assert "denial or exclusion in writing, with the number of the policy" in text
        first = text.lower().index(HEADINGS["denied_first"].lower())
        assert first < text.lower().index(HEADINGS["before"].lower())
        assert HEADINGS["if_denied"].lower() not in text.lower()
    covered = chat(IV_PPO)
    assert covered.index(HEADINGS["if_denied"]) > covered.index(HEADINGS["write_down"])


def test_original_medicare_asks_only_what_medicare_leaves_open() -> None:
    answers = {**SPRAVATO_PPO, "plan_type": "medicare", "medicare_kind": "original"}
    answers |= {"medigap": "no", "deductible_met": UNKNOWN}
    for gone in ("network", "deductible", "cost_sharing", "oop_max", "bh_carveout"):
        answers.pop(gone, None)
    script = build_call_script(answers)
    asked = ids(script)
    assert "part_b_deductible" in asked and ask(script, "part_b_deductible").unknown
    for item in ("network", "in_network_options", "deductible", "cost_share", "out_of_pocket"):
        assert item not in asked, item
    assert "copay_before_deductible" not in asked and "spravato_codes" not in asked
    assert {"medicare_original", "assignment", "abn"} <= set(script.notes)
    assert "codes_spravato_medicare" in script.before
    text = everything(answers)
    assert "How much of my Part B deductible have I met this year?" in text
    assert "Advance Beneficiary Notice (ABN)" in text and "no drug code added" in text
    assert "J0013" not in text


def test_if_they_say_no_on_an_employer_plan() -> None:
    # The appeal decision times are the appeal's (30 / 60 days, 72 hours), not the first
    # decision's (15 / 30 days): domain notes, section 6.
    assert build_call_script(SPRAVATO_PPO).if_denied == (
        "denial_in_writing",
        "internal_appeal",
        "external_review",
        "parity_red_flags",
    )
    text = everything(SPRAVATO_PPO)
    for words in (
        "denial in writing, with the number of the policy it is based on and the deadline",
        "within 180 days of the denial notice",
        "30 days for care not yet received, 60 days for care already received, or 72 hours",
        "denials based on medical judgement",
        "experimental or investigational",
        "go by the date on your denial letter",
        "fewer visits allowed, higher cost sharing, prior authorization required for mental "
        "health but not for comparable medical care, or no in-network provider",
    ):
        assert words in text, words
    assert "15 days" not in text


@pytest.mark.parametrize(
    ("plan", "items", "words"),
    [
        (
            {"plan_type": "medicare", "medicare_kind": "advantage"},
            ("medicare_advantage_appeal",),
            "reconsideration within 60 days of the notice (some sources say 65",
        ),
        (
            {"plan_type": "medicare", "medicare_kind": "original"},
            ("original_medicare_appeal",),
            "redetermination within 120 days of receiving your Medicare Summary Notice",
        ),
        (
            {"plan_type": "medicaid"},
            ("medicaid_appeal", "parity_red_flags"),
            "within 60 days of the notice; after its decision you can ask for a state fair hearing",
        ),
        (
            {},
            ("appeal_deadline_unknown", "external_review", "parity_red_flags"),
            "from 60 days of the notice (Medicare Advantage, Medicaid managed care) to 180 days",
        ),
    ],
)
def test_if_they_say_no_follows_the_plan_type(plan, items, words) -> None:
    answers = {**SPRAVATO_PPO, "plan_type": UNKNOWN, **plan}
    script = build_call_script(answers)
    assert script.if_denied == ("denial_in_writing", *items)
    text = everything(answers)
    assert words in text
    if answers["plan_type"] == "medicare":
        assert "parity" not in text.lower() and "1-800-MEDICARE" in text  # not Medicare's law


def test_write_down_has_blanks_in_the_document() -> None:
    assert build_call_script({}).write_down == (
        "date_time",
        "representative",
        "reference_number",
        "auth_number",
        "approved_units_dates",
    )
    text = document({})
    for line in (
        "Date and time of the call: ___",
        "Representative's name or ID: ___",
        "Call reference number: ___",
        "Authorization number: ___",
        "Approved sessions (units) and date range: ___",
        "Date of call: ___",
    ):
        assert line in text, line
    assert "[ ] " in text


def test_document_has_title_disclaimer_and_crisis_resources() -> None:
    text = document(SPRAVATO_PPO)
    assert text.startswith("Phone card for your call to Aetna\nRead this first: ")
    assert "\nYour call script for Aetna\n" in text  # the full checklist after the card
    assert "not a guarantee of coverage" in text
    assert "988" in text and "Suicide & Crisis Lifeline" in text


# -- unknowns -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answers",
    [unknown_everywhere(), unknown_everywhere("spravato"), {}],
    ids=["unknown-unsure", "unknown-spravato", "nothing-answered"],
)
def test_everything_unknown_asks_every_question_that_applies(answers: dict) -> None:
    script = build_call_script(answers)
    unknown = {
        q.id
        for q in FLOW.questions
        if q.applies(answers) and answers.get(q.id, UNKNOWN) in (UNKNOWN, "unsure")
    } - NOT_FOR_INSURER
    if script.treatment in ("spravato", "unsure"):
        unknown.add("benefit")
    asked = {q for a in script.ask if a.unknown for q in a.questions}
    assert unknown <= asked, unknown - asked
    assert {"coverage", "network", "preauth", "referral", "deductible", "cost_sharing"} <= asked
    assert {"out_of_pocket", "carveout", "criteria", "benefit"} <= set(ids(script))
    assert {"oop_max", "oop_met", "deductible_met", "bh_carveout", "plan_type"} <= asked
    text = chat(answers)
    assert text.index("Not known yet, so ask these first:") < text.index("1. ")


def test_a_question_no_item_was_made_for_is_asked_in_its_own_words(tmp_path) -> None:
    # A question added to the flow, with its template and nothing else, as the flow's
    # docstring says: the call script asks it while its answer is unknown.
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES_DIR, templates)
    (templates / "questions" / "added_question.j2").write_text(
        '{% set short = "Added" %}\n'
        "{% set prompt %}Is this a question added by the test?{% endset %}\n"
        "{% set help %}It is printed on the front of the card.{% endset %}\n"
    )
    insurer = [q.id for q in FLOW.questions].index("insurer")
    added = Question("added_question", Kind.TEXT)
    flow = Flow((*FLOW.questions[: insurer + 1], added, *FLOW.questions[insurer + 1 :]))
    renderer = Renderer(flow, templates)

    def shown(answers: dict) -> str:
        context = {"script": build_call_script(answers, flow), "answers": answers}
        return renderer.render(Reply("callscript", context), "text").text

    unknown = {"treatment": "spravato", "insurer": "Aetna", "added_question": UNKNOWN}
    (item,) = [
        a for a in build_call_script(unknown, flow).ask if a.questions == ("added_question",)
    ]
    assert item.unknown
    assert "Is this a question added by the test?" in shown(unknown)
    known = {**unknown, "added_question": "W123"}
    assert "added by the test" not in shown(known)
    assert "added by the test" not in chat(unknown)  # the flow as it is has no such question


def test_unknowns_come_first_then_flow_order() -> None:
    flow_order = [q.id for q in FLOW.questions]
    for answers in grid():
        script = build_call_script(answers)
        flags = [a.unknown for a in script.ask]
        assert flags == sorted(flags, reverse=True), ids(script)
        for group in (True, False):
            positions = [
                flow_order.index(a.questions[0])
                for a in script.ask
                if a.unknown == group and a.questions
            ]
            assert positions == sorted(positions), ids(script)


# -- every combination renders cleanly ----------------------------------------------------------


def grid() -> list[dict[str, object]]:
    """Answer combinations: a full product of the main choices, the rest varied alongside."""
    cycled = {
        "cost_sharing": ("coinsurance", "copay", UNKNOWN),
        "bh_carveout": ("yes", "no", UNKNOWN),
        "trials": (0, 1, 2, 4, UNKNOWN),
        "preauth": ("yes", "no", UNKNOWN),
        "referral": ("yes", "no", UNKNOWN),
        "benefit": ("medical", "pharmacy", UNKNOWN),
        "deductible": ("1500.00", "0.00", UNKNOWN),
    }
    product = itertools.product(
        ("spravato", "iv_ketamine", "im_ketamine", "unsure"),
        (*FLOW["plan_type"].choices, UNKNOWN),
        ("in", "out", UNKNOWN),
        ("yes", "no", UNKNOWN),
    )
    combos: list[dict[str, object]] = [unknown_everywhere(), unknown_everywhere("spravato"), {}]
    for n, (treatment, plan, network, coverage) in enumerate(product):
        answers = {
            **NAMES,
            "treatment": treatment,
            "plan_type": plan,
            "network": network,
            "coverage": coverage,
            **{qid: values[n % len(values)] for qid, values in cycled.items()},
        }
        combos.append({q: v for q, v in answers.items() if FLOW[q].applies(answers)})
    return combos


def paragraphs(text: str) -> list[str]:
    """A message's paragraphs: where a channel may split it."""
    return [p for p in re.split(r"\n\s*\n", text) if p.strip()]


def headings_are_followed_by_content(text: str, headings: set[str]) -> None:
    """Assert no heading is followed directly by another heading or by the end."""
    lines = [line for line in text.splitlines() if line.strip()]
    for number, line in enumerate(lines):
        if line in headings:
            assert number + 1 < len(lines) and lines[number + 1] not in headings, (line, text)


def check_clean(text: str, where: object) -> None:
    """Assert no template leftovers, no missing values and no empty items."""
    for leftover in ("None", "{{", "}}", "{%", "%}", "Undefined"):
        assert leftover not in text, (leftover, where)
    for line in text.splitlines():
        assert not (line.strip() and EMPTY_ITEM.match(line)), (line, where)
    assert "  " not in text.replace("\n    ", "\n"), where


def test_every_combination_renders_valid_clean_scripts() -> None:
    combos = grid()
    assert len(combos) > 300
    chat_headings = {h for key, h in HEADINGS.items() if key != "title"}
    document_headings = {h.upper() for h in chat_headings}
    for answers in combos:
        html, text, printable = chat(answers, "html"), chat(answers), document(answers)
        for version in (html, text, printable):
            check_clean(version, answers)
            for code in WRONG_CODES:
                assert code not in version
            assert "not a guarantee of payment" in version
            assert "written confirmation" in version
        for version in (text, printable):
            assert "&amp;" not in version and not HTML_TAG.search(version)
            assert not ENTITY.search(version)
        assert parse_html(html)[0] == text
        sections = ["before", "notes", "ask", "preauth", "write_down"]
        sections.append("denied_first" if build_call_script(answers).not_covered else "if_denied")
        for key in sections:
            assert f"\n<b>{HEADINGS[key]}</b>\n" in html, key
            assert f"\n{HEADINGS[key].upper()}\n" in printable, key
        bold = {f"<b>{h}</b>" for h in chat_headings}
        headings_are_followed_by_content(html, bold)
        headings_are_followed_by_content(text, chat_headings)
        headings_are_followed_by_content(printable, document_headings)
        for paragraph in paragraphs(html):
            shown, _ = parse_html(paragraph)
            assert 0 < utf16(shown.strip()) <= MAX_TEXT_LENGTH
        assert "______" in printable and "[ ]" in printable


# -- user text ----------------------------------------------------------------------------------


def test_names_are_escaped_in_html_and_verbatim_in_text() -> None:
    answers = {**SPRAVATO_PPO, "network": "out", "bh_carveout": "yes"}
    answers |= dict.fromkeys(NAMES, NASTY_NAME)
    html = chat(answers, "html")
    assert str(escape(NASTY_NAME)) in html
    for paragraph in paragraphs(html):
        try:
            parse_html(paragraph)
        except HtmlError as error:
            pytest.fail(f"{error}\n{paragraph}")
    shown = parse_html(html)[0]
    assert shown == chat(answers)
    for text in (shown, document(answers)):
        assert NASTY_NAME in text and "49" not in text
        assert text.count(NASTY_NAME) >= 4  # title, card, phone, clinic, ...


def test_longest_names_fit_each_paragraph() -> None:
    answers = {**SPRAVATO_PPO, "network": "out", "bh_carveout": "yes"}
    answers |= dict.fromkeys(NAMES, LONGEST_NAME)
    html = chat(answers, "html")
    assert LONGEST_NAME in html
    for paragraph in paragraphs(html):
        assert utf16(parse_html(paragraph)[0].strip()) <= MAX_TEXT_LENGTH


# -- the phone card -----------------------------------------------------------------------------

PERSONAS = {
    # Ana: Spravato on an employer PPO, in network; her benefit (medical or pharmacy) unknown.
    "ana": {
        "treatment": "spravato", "insurer": "Aetna", "plan_type": "ppo", "bh_carveout": "no",
        "coverage": "yes", "benefit": UNKNOWN, "preauth": "yes", "referral": "no", "trials": 3,
        "clinic": "Calm Mind Clinic", "network": "in", "deductible": "2500.00",
        "deductible_met": "900.00", "cost_sharing": "coinsurance", "coinsurance_pct": "20",
        "oop_max": "7000.00", "oop_met": "1100.00", "price_per_session": "1050.00", "sessions": 12,
    },
    # Sam: IV ketamine on an HDHP, an out-of-network clinic, "idk" to nearly everything else.
    "sam": {
        "treatment": "iv_ketamine", "plan_type": "hdhp", "network": "out",
        "deductible": "3200.00", "deductible_met": "0.00", "price_per_session": "500.00",
        "sessions": 6,
    },
    # Rosa: Spravato on Original Medicare with a Medigap plan.
    "rosa": {
        "treatment": "spravato", "insurer": "Medicare", "plan_type": "medicare",
        "medicare_kind": "original", "medigap": "yes",
    },
}  # fmt: skip


def card(answers: Mapping[str, object], markup: str = "text") -> str:
    script = build_call_script(answers)
    return RENDERER.message("callscript_card", markup, script=script, answers=answers)


@pytest.mark.parametrize("who", [*PERSONAS, "ana, not covered"])
def test_the_phone_card_fits_one_message_and_one_page_and_opens_with_what_to_say(who):
    answers = PERSONAS[who.split(",")[0]] | ({"coverage": "no"} if "not covered" in who else {})
    html, text = card(answers, "html"), card(answers)
    assert utf16(html) <= MAX_TEXT_LENGTH
    parse_html(html)  # Telegram accepts it
    printed = [row for line in text.split("\n") for row in textwrap.wrap(line, 80) or [""]]
    assert len(printed) <= 60  # one printed page
    title, opening, *rest = text.split("\n")
    assert title.startswith("Phone card for your call")
    assert opening.startswith("Read this first: \"Hi, I'm calling about coverage for ")
    questions = [line for line in rest if re.match(r"\d\. ", line)]
    assert 3 <= len(questions) <= 5 and all("____" in q for q in questions)
    assert text.index("name and a reference number") < text.index(questions[0])
    if "not covered" in who:
        assert questions[0].startswith("1. Why is Spravato not covered?")
        assert "policy" in questions[1]


def test_the_phone_card_asks_what_these_answers_leave_open_first():
    assert build_call_script(PERSONAS["ana"]).card[0] == "benefit"  # she does not know it
    assert build_call_script(PERSONAS["sam"]).card[:2] == ("coverage", "preauth")
    rosa = build_call_script(PERSONAS["rosa"]).card
    assert "network_npi" not in rosa and "carveout" not in rosa  # no networks in Original Medicare
    assert "Medicare-approved amount" in card(PERSONAS["rosa"])
