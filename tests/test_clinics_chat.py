"""/clinics through the real engine: add, change, remove, choose; bad input; limits; old buttons."""

from decimal import Decimal

import pytest

from bot.clinics import MAX_CLINICS, Clinic, Package
from bot.compare import clinic_estimate
from bot.engine import (
    CLINIC,
    Answer,
    CallScript,
    ClinicButton,
    Clinics,
    Confirm,
    Edit,
    Estimate,
    Export,
    Reset,
    Review,
)
from bot.estimate import estimate
from bot.render import Renderer
from tests.support.engine_chat import Chat, walk

PLAN = {
    "treatment": "iv_ketamine",
    "insurer": "Aetna",
    "plan_type": "ppo",
    "bh_carveout": "no",
    "coverage": "yes",
    "preauth": "yes",
    "referral": "no",
    "trials": "3",
    "clinic": "Somewhere",
    "network": "in",
    "deductible": "$2,000",
    "deductible_met": "0",
    "cost_sharing": "coinsurance",
    "coinsurance_pct": "20%",
    "oop_max": "$5,000",
    "oop_met": "0",
    "price_per_session": "$700",
    "sessions": "6",
}
BRIGHT = {
    "clinic_name": "Bright Clinic",
    "clinic_network": "in",
    "clinic_pricing": "session",
    "clinic_price": "$600",
    "clinic_allowed": "I don't know",
    "clinic_note": "skip",
}
CALM = {
    "clinic_name": "Calm Center",
    "clinic_network": "out",
    "clinic_pricing": "package",
    "clinic_package_sessions": "6",
    "clinic_package_total": "$2,400",
    "clinic_after_price": "I don't know",
    "clinic_allowed": "I don't know",
    "clinic_note": "20 minutes away",
}
CHEAP = {
    "clinic_name": "Cheap <b>Co</b> & Sons",
    "clinic_network": "out",
    "clinic_pricing": "session",
    "clinic_price": "350",
    "clinic_allowed": "$200",
    "clinic_note": "skip",
}


def planned() -> Chat:
    chat = Chat()
    chat.begin()
    walk(chat, PLAN)
    return chat


def add(chat: Chat, answers: dict[str, str]) -> None:
    chat.send(Clinics())
    chat.tap("clinic_add")
    walk(chat, answers)


@pytest.fixture
def three() -> Chat:
    chat = planned()
    for clinic in (BRIGHT, CALM, CHEAP):
        add(chat, clinic)
    return chat


def test_three_clinics_entered_in_chat_are_stored_and_compared(three: Chat) -> None:
    assert three.case.clinics == [
        {
            "id": 1,
            "name": "Bright Clinic",
            "network": "in",
            "price": "600.00",
            "allowed": None,
            "note": "",
        },
        {
            "id": 2,
            "name": "Calm Center",
            "network": "out",
            "price": None,
            "allowed": None,
            "note": "20 minutes away",
            "package": {"sessions": 6, "total": "2400.00"},
        },
        {
            "id": 3,
            "name": "Cheap <b>Co</b> & Sons",
            "network": "out",
            "price": "350.00",
            "allowed": "200.00",
            "note": "",
        },
    ]
    saved = three.reply("clinic_saved")
    assert saved is not None and saved.context["clinic"].name == "Cheap <b>Co</b> & Sons"
    comparison = three.reply("clinics").context["comparison"]
    # Hand arithmetic (deductible $2,000, 20%, OOP $5,000, 6 sessions):
    # Calm: $400 a session from the package; allowed $400 (low) -> 5 x 400 + 80 = $2,080,
    #       allowed $0 (high) -> $2,400. Cheap: 6 x (200 to the deductible + 150 balance) = $2,100.
    # Bright: 2,000 + 20% of 1,600 = $2,320.
    totals = [(o.clinic.name, o.patient) for o in comparison.options]
    assert totals == [
        ("Calm Center", (Decimal("2080.00"), Decimal("2400.00"))),
        ("Cheap <b>Co</b> & Sons", (Decimal("2100.00"), Decimal("2100.00"))),
        ("Bright Clinic", (Decimal("2320.00"), Decimal("2320.00"))),
    ]
    assert comparison.verdict == "depends"
    assert comparison.cheapest_by_case == ((2,), (3,))
    labels = [b.label for b in three.reply("clinics").buttons]
    assert labels.count("clinic_open") == 3 and "clinic_add" in labels


def test_the_comparison_agrees_with_the_estimate_engine(three: Chat) -> None:
    comparison = three.reply("clinics").context["comparison"]
    answers = three.case.values()
    for option in comparison.options:
        overlay = {**answers, **option.clinic.answers()}
        assert option.estimate == estimate(overlay, option.clinic.package)


@pytest.mark.parametrize(
    ("question", "typed", "code"),
    [
        ("clinic_price", "-$50", "negative"),
        ("clinic_package_sessions", "0", "out_of_range"),
        ("clinic_package_total", "lots", "not_a_number"),
        ("clinic_name", "x" * 61, "too_long"),
        ("clinic_note", "y" * 201, "too_long"),
    ],
)
def test_bad_input_is_explained_and_asked_again_without_losing_anything(
    three: Chat, question: str, typed: str, code: str
) -> None:
    before = three.case.to_dict()["clinics"]
    three.send(Clinics())
    three.tap("clinic_add")
    pricing = "package" if "package" in question else "session"
    answers = {**BRIGHT, "clinic_pricing": pricing, "clinic_package_sessions": "3"}
    while three.asking != question:
        three.say(answers[three.asking])
    three.say(typed)
    assert three.asking == question
    assert three.last.context["error"]["code"] == code
    assert three.case.to_dict()["clinics"] == before


def test_choosing_a_clinic_prices_the_estimate_and_names_it_in_the_call_script(
    three: Chat,
) -> None:
    three.send(ClinicButton("2", "show"))
    card = three.reply("clinic")
    assert card.context["clinic"].name == "Calm Center"
    three.tap("clinic_choose")
    assert three.case.chosen_clinic == 2
    values = three.case.values()
    assert values["clinic"] == "Calm Center"
    assert values["network"] == "out"
    assert values["price_per_session"] == "unknown"
    assert three.case.answers["clinic"]["source"] == {"clinic": 2}

    three.send(Estimate())
    shown = three.reply("estimate")
    calm = Clinic(2, "Calm Center", "out", None, Package(6, Decimal("2400.00")), None, "")
    assert shown.context["clinic"].id == 2
    assert shown.context["estimate"] == clinic_estimate(three.case.values(), calm)
    assert shown.context["estimate"].low.patient_total == Decimal("2080.00")

    three.send(CallScript())
    script = three.reply("callscript_card")
    assert script.context["answers"]["clinic"] == "Calm Center"
    assert "clinic_ids" in script.context["script"].before


def test_answers_taken_from_the_chosen_clinic_are_listed_with_their_source(three: Chat) -> None:
    # /answers once crashed here: an answer from a clinic has no call to name.
    three.send(ClinicButton("2", "show"))
    three.tap("clinic_choose")
    three.send(Review())
    text = Renderer().render(three.reply("answers"), "html").text
    assert "Calm Center (Nov 26, 2026, from the clinic you chose)" in text
    assert "Aetna (Nov 26, 2026)" in text


def test_changing_the_chosen_clinic_keeps_the_estimate_in_step(three: Chat) -> None:
    three.send(ClinicButton("1", "choose"))
    three.send(ClinicButton("1", "edit"))
    assert three.asking == "clinic_name"
    assert three.last.context["saved"] == "Bright Clinic"
    assert "keep" in [b.label for b in three.last.buttons]
    while three.asking != "clinic_price":
        three.tap("keep")
    three.say("$500")
    while three.asking is not None:
        three.tap("keep")
    assert [c["price"] for c in three.case.clinics] == ["500.00", None, "350.00"]
    assert three.case.values()["price_per_session"] == "500.00"
    three.send(Estimate())
    # 5 x 500 to the $2,000 deductible... 2,000 + 20% of 1,000 = $2,200.
    assert three.reply("estimate").context["estimate"].low.patient_total == Decimal("2200.00")


def test_a_clinic_no_longer_named_in_the_answers_no_longer_prices_the_estimate(
    three: Chat,
) -> None:
    three.send(ClinicButton("2", "choose"))
    three.send(Review())
    three.send(Edit("clinic"))
    three.say("Another place")
    three.send(Estimate())
    assert three.reply("estimate").context["clinic"] is None


def test_removing_asks_first_and_a_removed_clinics_buttons_are_closed(three: Chat) -> None:
    three.send(ClinicButton("3", "choose"))
    three.send(ClinicButton("3", "show"))
    three.tap("clinic_remove")
    assert three.reply("clinic_remove_confirm") is not None
    three.tap("clinic_remove_no")
    assert len(three.case.clinics) == 3
    three.send(ClinicButton("3", "remove"))
    three.send(Confirm("clinic3", "yes"))
    assert [c["id"] for c in three.case.clinics] == [1, 2]
    assert three.case.chosen_clinic is None
    assert three.reply("clinic_removed") is not None
    for verb in ("show", "edit", "choose", "remove"):
        three.send(ClinicButton("3", verb))
        assert [r.template for r in three.replies] == ["closed"]
    three.send(Confirm("clinic3", "yes"))
    assert [r.template for r in three.replies] == ["closed"]


def test_cancel_and_back_inside_the_form(three: Chat) -> None:
    three.send(Clinics())
    three.tap("clinic_add")
    three.say("Half Done")
    three.tap("in")
    assert three.asking == "clinic_pricing"
    three.tap("back")
    assert three.asking == "clinic_network"
    three.tap("back")
    assert three.asking == "clinic_name"
    three.tap("clinic_cancel")
    assert three.reply("clinic_cancelled") is not None
    assert len(three.case.clinics) == 3
    assert three.case.clinic_draft is None
    assert three.case.mode != CLINIC
    # A press of the form's buttons afterwards is closed, not applied.
    three.send(Answer("clinic_network", "in"))
    assert [r.template for r in three.replies] == ["closed"]


def test_leaving_the_form_half_way_and_coming_back(three: Chat) -> None:
    three.send(Clinics())
    three.tap("clinic_add")
    three.say("Later Clinic")
    three.send(Estimate())
    three.tap("clinic_resume")
    assert three.asking == "clinic_network"
    walk(three, {**BRIGHT, "clinic_name": "unused"})
    assert [c["name"] for c in three.case.clinics][-1] == "Later Clinic"


def test_at_most_max_clinics_and_a_forged_add_is_refused(three: Chat) -> None:
    for number in range(MAX_CLINICS - 3):
        add(three, {**BRIGHT, "clinic_name": f"Clinic {number}"})
    assert len(three.case.clinics) == MAX_CLINICS
    three.send(Clinics())
    assert "clinic_add" not in [b.label for b in three.last.buttons]
    three.send(ClinicButton("", "add"))
    assert three.reply("clinics_full").context["limit"] == MAX_CLINICS
    assert len(three.case.clinics) == MAX_CLINICS
    assert three.case.clinic_draft is None


def test_forged_clinic_presses_are_closed(three: Chat) -> None:
    before = three.case.to_dict()
    for press in (
        ClinicButton("99", "show"),
        ClinicButton("x", "edit"),
        ClinicButton("1", "explode"),
        ClinicButton("", "cancel"),
        ClinicButton("", "resume"),
        Confirm("clinic1", "yes"),
    ):
        three.send(press)
        assert [r.template for r in three.replies] == ["closed"], press
    assert three.case.to_dict() == before


def test_export_and_reset_keep_the_clinics(three: Chat) -> None:
    three.send(ClinicButton("1", "choose"))
    three.send(Export())
    estimate = next(a for a in three.reply("export_sent").attachments if a.document == "estimate")
    assert estimate.context["clinic"].id == 1
    three.send(Reset())
    three.tap("reset_yes")
    assert len(three.case.clinics) == 3
    assert three.case.chosen_clinic is None
