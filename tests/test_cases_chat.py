"""Several named cases through the engine: a relative's or a navigator's cases kept apart
(answers, calls, clinics, history, reminders), switching, renaming, putting aside, reopening,
deleting one, starting over; and the wording for someone else."""

import json
import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from bot import caseload
from bot.case import ARCHIVED_KEPT, OPEN_KEPT
from bot.conversation import Conversation
from bot.engine import (
    CaseButton,
    Cases,
    Clinics,
    Delete,
    DeliverDue,
    Export,
    HistoryCommand,
    LogCall,
    Reminders,
    Reset,
    Review,
    Start,
)
from bot.render import Renderer
from bot.store import UserStore
from tests.support.engine_chat import NOW, Chat, walk

RENDERER = Renderer()
CLINIC = {
    "clinic_name": "Calm",
    "clinic_network": "in",
    "clinic_pricing": "session",
    "clinic_price": "500",
    "clinic_allowed": "skip",
    "clinic_note": "skip",
}
TRIAL = {
    "trial_name": "sertraline",
    "trial_dose": "100 mg",
    "trial_start": "March 2025",
    "trial_end": "June 2025",
    "trial_outcome": "no_help",
}
FIXTURES = Path(__file__).parent / "fixtures"


def tap_case(chat: Chat, label: str, name: str | None = None) -> None:
    """Press the case button `label` (for the case named `name`, if given)."""
    for reply in reversed(chat.replies):
        for button in reply.buttons:
            case = button.args.get("case")
            if button.label == label and (name is None or (case and case.name == name)):
                chat.send(button.press)
                return
    raise AssertionError(
        f"no {label} {name} in {[b.label for r in chat.replies for b in r.buttons]}"
    )


def text_of(chat: Chat, template: str) -> str:
    reply = chat.reply(template)
    assert reply is not None, [r.template for r in chat.replies]
    return RENDERER.render(reply, "text").text


def add_case(chat: Chat, name: str | None, **answers: str) -> None:
    """Add a case from /cases and answer its questions (for someone else, named `name`)."""
    chat.send(Cases())
    tap_case(chat, "case_add")
    assert chat.asking == "for_whom"
    walk(chat, {"for_whom": "other", "patient_name": name or "skip", **answers})


def log_call(chat: Chat, reference: str) -> None:
    """A call to the insurer today, with a reference number and no other news."""
    chat.send(LogCall())
    chat.tap("insurer")
    chat.tap("today")
    chat.say("Rene")
    chat.say(reference)
    chat.tap("calldone")
    chat.tap("none")
    if chat.asking == "call_note":
        chat.tap("unknown")


def first_case(chat: Chat, **answers: str) -> None:
    chat.begin()
    walk(chat, answers)


def navigator() -> Chat:
    """A user with three cases: their own (Aetna), Mom's (Cigna), Dad's (Medicare)."""
    chat = Chat()
    first_case(chat, insurer="Aetna")
    add_case(chat, "Mom", insurer="Cigna")
    add_case(chat, "Dad", insurer="Medicare Blue", plan_type="medicare")
    return chat


def insurers(chat: Chat) -> dict[str | None, str]:
    return {s.name: s.insurer for s in caseload.summaries(chat.case)}


def test_the_welcome_begins_for_the_user_or_for_someone_they_help():
    chat = Chat()
    (welcome,) = chat.send(Start())
    assert [RENDERER.label(b) for b in welcome.buttons] == [
        "Let's begin",
        "Begin for someone I help",
        "Español",
    ]
    chat.tap("begin")
    assert chat.answers() == {"for_whom": "self"} and chat.asking == "treatment"
    chat.send(Review())
    assert "Whose case: For me" in text_of(chat, "answers")


def test_questions_about_someone_else_say_they_and_their():
    chat = Chat()
    chat.send(Start())
    chat.tap("begin_other")
    assert chat.asking == "patient_name"
    chat.say("Mom")
    while chat.asking != "insurer":
        walk_one(chat)
    text = RENDERER.render(chat.last, "text").text
    assert "their health insurer" in text and "your health insurer" not in text
    mine = Chat()
    first_case(mine)
    mine.send(Cases())
    assert "Your own case" in text_of(mine, "cases")


def walk_one(chat: Chat) -> None:
    from tests.support.engine_chat import say_at

    say_at(chat, chat.asking, {})


def test_three_cases_keep_their_own_answers_calls_clinics_history_and_reminders():
    chat = navigator()
    assert insurers(chat) == {None: "Aetna", "Mom": "Cigna", "Dad": "Medicare Blue"}
    assert chat.answers()["insurer"] == "Medicare Blue"  # the case added last is worked on
    # Dad's case: a call, a clinic, a medicine, a reminder.
    log_call(chat, "REF-DAD")
    assert [c["reference"] for c in chat.case.calls] == ["REF-DAD"]
    chat.send(Reminders())
    chat.tap("remind_call")
    chat.send(Clinics())
    chat.tap("clinic_add")
    walk(chat, CLINIC | {"clinic_name": "Dad's Clinic"})
    chat.send(HistoryCommand())
    chat.tap("history_add_trial")
    walk(chat, TRIAL)
    dad = caseload.saved(chat.case)
    # Mom's case has none of it.
    chat.send(Cases())
    tap_case(chat, "case_switch", "Mom")
    assert chat.reply("case_switched") is not None
    assert chat.answers()["insurer"] == "Cigna"
    assert (chat.case.calls, chat.case.clinics, chat.case.reminders) == ([], [], [])
    assert chat.case.history.get("trials", []) == []
    # Dad's is kept whole among the others, and comes back as it was.
    assert caseload.find(chat.case, dad["number"]) == dad
    chat.send(Cases())
    tap_case(chat, "case_switch", "Dad")
    assert caseload.saved(chat.case) == dad


def test_switching_back_resumes_the_question_the_case_was_at():
    chat = Chat()
    first_case(chat, insurer="Aetna")
    add_case(chat, "Mom")
    chat.send(Cases())
    tap_case(chat, "case_add")
    walk_to_question(chat, "plan_type", {"for_whom": "other", "patient_name": "Jo"})
    chat.send(Cases())
    tap_case(chat, "case_switch", "Mom")
    chat.send(Cases())
    tap_case(chat, "case_switch", "Jo")
    switched = chat.reply("case_switched")
    assert switched.context["progress"] is not None
    assert "stopped at question" in text_of(chat, "case_switched")
    chat.tap("resume")
    assert chat.asking == "plan_type"


def walk_to_question(chat: Chat, question: str, answers: dict) -> None:
    from tests.support.engine_chat import walk_to

    walk_to(chat, question, answers)


def test_a_reminder_names_its_case_and_switching_to_it_is_one_tap():
    chat = navigator()
    chat.send(Cases())
    tap_case(chat, "case_switch", "Mom")
    chat.send(Reminders())
    chat.tap("remind_call")
    due = chat.case.reminders[0]["due"]
    chat.send(Cases())
    tap_case(chat, "case_switch", "Dad")
    chat.now = NOW + timedelta(days=8)
    chat.send(DeliverDue())
    (reminder,) = [r for r in chat.replies if r.template == "reminder"]
    assert reminder.context["case"].name == "Mom"
    assert reminder.about == "other"
    text = RENDERER.render(reminder, "text").text
    assert "Mom" in text and "call their insurer" in text
    assert caseload.find(chat.case, reminder.context["case"].number)["reminders"][0]["sent_at"]
    assert due <= chat.now.date().isoformat()
    tap_case(chat, "case_switch", "Mom")
    assert chat.answers()["insurer"] == "Cigna"
    chat.send(DeliverDue())  # delivered once
    assert [r for r in chat.replies if r.template == "reminder"] == []


def test_renaming_a_case_changes_its_name_everywhere():
    chat = navigator()
    chat.send(Cases())
    tap_case(chat, "case_rename", "Dad")
    assert chat.asking == "patient_name"
    chat.say("Papa")
    assert set(insurers(chat)) == {None, "Mom", "Papa"}
    chat.send(Cases())
    assert "Papa" in text_of(chat, "cases")


def test_a_case_put_aside_keeps_everything_sends_no_reminders_and_reopens():
    chat = navigator()
    chat.send(Reminders())
    chat.tap("remind_call")
    dad = caseload.saved(chat.case)
    chat.send(Cases())
    tap_case(chat, "case_aside", "Dad")
    assert "Put aside: Dad" in text_of(chat, "case_aside")
    assert chat.answers()["insurer"] == "Cigna"  # the open case with the highest number
    chat.now = NOW + timedelta(days=30)
    chat.send(DeliverDue())
    assert chat.reply("reminder") is None
    chat.send(Cases())
    assert "Put aside on" in text_of(chat, "cases")
    tap_case(chat, "case_switch", "Dad")
    assert chat.reply("case_switched").context["reopened"]
    reopened = caseload.saved(chat.case)
    assert reopened["archived_at"] is None
    assert {k: v for k, v in reopened.items() if k != "archived_at"} == {
        k: v for k, v in dad.items() if k != "archived_at"
    }
    chat.send(DeliverDue())
    assert chat.reply("reminder") is not None  # open again: its reminder comes


def test_deleting_one_case_asks_first_and_keeps_the_others():
    chat = navigator()
    chat.send(Cases())
    tap_case(chat, "case_delete", "Dad")
    assert chat.last.template == "case_delete_confirm"
    chat.tap("case_delete_no")
    assert set(insurers(chat)) == {None, "Mom", "Dad"}
    chat.send(Cases())
    tap_case(chat, "case_delete", "Dad")
    chat.tap("case_delete_yes")
    assert insurers(chat) == {None: "Aetna", "Mom": "Cigna"}
    assert "Deleted: Dad" in text_of(chat, "case_deleted")
    assert "Dad" not in json.dumps(chat.case.to_dict())


def test_delete_offers_everything_or_only_the_case_worked_on():
    chat = navigator()
    chat.send(Delete())
    text = text_of(chat, "delete_confirm")
    assert "all 3 of your cases" in text
    labels = [RENDERER.label(b) for b in chat.last.buttons]
    assert labels == ["Yes, delete everything (3 cases)", "Delete only Dad", "No, keep it"]
    chat.tap("one")
    assert insurers(chat) == {None: "Aetna", "Mom": "Cigna"}
    assert not chat.send(Delete()) or True
    chat.tap("yes")
    outcome_erased = chat.reply("deleted")
    assert outcome_erased is not None and chat.case.others == [] and chat.case.answers == {}


def test_starting_over_puts_the_answers_aside_for_the_same_person():
    chat = Chat()
    first_case(chat, insurer="Aetna")
    add_case(chat, "Mom", insurer="Cigna")
    chat.send(Clinics())
    chat.tap("clinic_add")
    walk(chat, CLINIC)
    chat.send(Reset())
    assert "Mom" in text_of(chat, "reset_confirm")
    chat.tap("reset_yes")
    assert chat.asking == "treatment"  # whom it is for and the name are kept
    assert chat.answers() == {"for_whom": "other", "patient_name": "Mom"}
    assert [c["name"] for c in chat.case.clinics] == ["Calm"]
    aside = [s for s in caseload.summaries(chat.case) if s.archived_at]
    assert [(s.name, s.insurer) for s in aside] == [("Mom", "Cigna")]


def test_no_more_than_the_open_cases_kept():
    chat = Chat()
    first_case(chat)
    for n in range(OPEN_KEPT - 1):
        start_case(chat, f"P{n}")
    chat.send(Cases())
    assert "case_add" not in [b.label for b in chat.last.buttons]
    assert "20 open, the most I keep" in text_of(chat, "cases")
    chat.send(CaseButton("", "add"))  # an old button
    assert chat.last.template == "cases_full"
    assert caseload.open_count(chat.case) == OPEN_KEPT


def test_putting_one_more_aside_than_kept_removes_the_oldest_put_aside():
    chat = Chat()
    first_case(chat)
    for n in range(ARCHIVED_KEPT + 2):
        start_case(chat, f"P{n}")
        chat.send(Cases())
        tap_case(chat, "case_aside", f"P{n}")
    aside = [s.name for s in caseload.summaries(chat.case) if s.archived_at]
    assert len(aside) == ARCHIVED_KEPT
    assert "P0" not in aside and "P1" not in aside and f"P{ARCHIVED_KEPT + 1}" in aside
    assert "was removed" in text_of(chat, "case_aside")


def start_case(chat: Chat, name: str) -> None:
    """Add a case for someone else and give only their name."""
    chat.send(Cases())
    tap_case(chat, "case_add")
    chat.tap("other")
    chat.say(name)


@pytest.mark.parametrize("data", ["s:99:switch", "s:1:rename", "s::nothing", "s:x:switch"])
def test_forged_case_buttons_are_closed(data):
    from bot.events import decode

    chat = navigator()
    before = chat.case.to_dict()
    press = decode(data)
    if press is None:
        return  # refused before it reaches the engine
    chat.send(press)
    assert chat.last.template == "closed"
    assert chat.case.to_dict() == before


# -- a record from before named cases --------------------------------------------------------


@pytest.fixture
def old_record(tmp_path):
    """A record written by the code before named cases (tests/fixtures, made by walking that
    code: two cases started over, a call in each, a pending authorization with a reminder, a
    clinic and a medicine in the current one), on disk."""
    users = tmp_path / "users"
    users.mkdir(mode=0o700)
    shutil.copy(FIXTURES / "record_schema1.json", users / "5550001.json")
    (users / "5550001.json").chmod(0o600)
    return tmp_path


def test_a_record_from_before_named_cases_opens_with_nothing_lost(old_record):
    old = json.loads((old_record / "users" / "5550001.json").read_text())["case"]["1"]["case"]
    conversation = Conversation(UserStore(old_record), clock=lambda: NOW)
    case = conversation.case("5550001")
    # The current case: everything it had, and it is about the user.
    for name in ("log", "calls", "authorizations", "reminders", "clinics", "history", "mode"):
        assert getattr(case, name) == old[name], name
    assert {k: v for k, v in case.answers.items() if k != "for_whom"} == old["answers"]
    assert case.answers["for_whom"]["value"] == "self"
    # Each earlier case: a case put aside, with everything that was kept of it.
    assert len(case.others) == len(old["archived"]) == 2
    for earlier, other in zip(
        old["archived"], sorted(case.others, key=lambda d: d["number"]), strict=True
    ):
        assert other["archived_at"] == earlier["archived_at"]
        for name in ("log", "calls", "authorizations"):
            assert other[name] == earlier[name], name
        assert {k: v for k, v in other["answers"].items() if k != "for_whom"} == earlier["answers"]
    # It can be reopened and worked on, and the record is saved in the new shape.
    replies = conversation.handle("5550001", Cases())
    listed = replies[0].context["cases"]
    assert [s.insurer for s in listed] == ["Blue Cross", "Aetna", "Cigna"]
    aetna = listed[1]
    replies = conversation.handle("5550001", caseload_switch(aetna.number))
    assert replies[0].template == "case_switched"
    reopened = conversation.case("5550001")
    assert reopened.answers["insurer"]["value"] == "Aetna"
    assert [c["reference"] for c in reopened.calls] == ["REF-2"]
    saved = json.loads((old_record / "users" / "5550001.json").read_text())
    assert saved["case"]["1"]["schema"] == 2
    assert "archived" not in saved["case"]["1"]["case"]


def caseload_switch(number: int):
    from bot.events import CaseButton

    return CaseButton(str(number), "switch")


def test_the_export_holds_every_case(old_record):
    conversation = Conversation(UserStore(old_record), clock=lambda: NOW)
    conversation.handle("5550001", Start())
    (reply,) = conversation.handle("5550001", Export())
    export = next(a for a in reply.attachments if a.document == "export")
    record = export.context["record"]["case"]
    assert {other["answers"]["insurer"]["value"] for other in record["others"]} == {
        "Cigna",
        "Aetna",
    }
    assert record["answers"]["insurer"]["value"] == "Blue Cross"


def test_the_forms_and_buttons_of_someone_elses_case_speak_of_them():
    chat = Chat()
    chat.send(Start())
    chat.tap("begin_other")
    walk(chat, {"patient_name": "Mom", "plan_type": "ppo"})
    chat.send(HistoryCommand())
    chat.tap("history_add_trial")
    chat.say("sertraline")
    chat.say("100 mg")
    assert "When did they start sertraline?" in RENDERER.render(chat.last, "text").text
    chat.send(Review())
    tier = next(
        b for b in chat.last.buttons if b.label == "edit" and b.press.question == "coverage_tier"
    )
    chat.send(tier.press)
    rendered = RENDERER.render(chat.last, "text")
    assert "Does the plan cover just them, or their family too?" in rendered.text
    assert [label for row in rendered.keyboard for label, _ in row][:2] == [
        "Just them",
        "Their family too",
    ]
