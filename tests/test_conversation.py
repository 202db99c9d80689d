"""The engine against the real store on disk: saving, de-duplication, faults, isolation."""

import json
from datetime import UTC, datetime

import pytest

from bot.conversation import Conversation
from bot.engine import (
    Answer,
    Confirm,
    Delete,
    DeliverDue,
    Export,
    Menu,
    Remind,
    Reset,
    Start,
    Text,
)
from bot.flow import Flow
from bot.render import Renderer
from bot.store import MemoryStore, ReminderIndex, UserStore

NOW = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)


@pytest.fixture(params=["disk", "memory"])
def conversation(request, tmp_path):
    store = UserStore(tmp_path) if request.param == "disk" else MemoryStore()
    return Conversation(store, clock=lambda: NOW)


def asked_after(question: str, answers: dict) -> tuple[str, int, int]:
    """The question the flow asks after `question`, its number and how many may be asked."""
    flow = Flow()
    ids = flow.counted(answers)
    following = ids[ids.index(question) + 1]
    return following, ids.index(following) + 1, len(ids)


def saved_answers(conversation: Conversation, key: str) -> dict:
    return conversation.case(key).values()


def test_an_answer_is_saved_before_the_reply_is_returned(tmp_path):
    conversation = Conversation(UserStore(tmp_path), clock=lambda: NOW)
    conversation.handle("42", Menu("begin"))
    replies = conversation.handle("42", Answer("treatment", "spravato"))
    assert replies[-1].context["question"] == "insurer"
    on_disk = json.loads((tmp_path / "users" / "42.json").read_text())
    record = on_disk["case"]["1"]
    assert record["case"]["answers"]["treatment"] == {
        "value": "spravato",
        "at": "2026-11-26T09:30:00+00:00",
    }
    assert record["schema"] == 2
    assert record["created_at"] == record["updated_at"] == "2026-11-26T09:30:00+00:00"


def test_a_redelivered_update_is_applied_once(conversation):
    conversation.handle("7", Menu("begin"), update_id=100)
    conversation.handle("7", Text("not sure"), update_id=101)
    conversation.handle("7", Text("Aetna"), update_id=102)
    # Telegram delivers 101 and 102 again after a restart: nothing may move.
    assert conversation.handle("7", Text("not sure"), update_id=101) == []
    assert conversation.handle("7", Text("Aetna"), update_id=102) == []
    answers = {"for_whom": "self", "treatment": "unsure", "insurer": "Aetna"}
    assert saved_answers(conversation, "7") == answers
    assert conversation.case("7").cursor == asked_after("insurer", answers)[0]


def test_nothing_is_written_for_events_that_change_nothing(tmp_path):
    conversation = Conversation(UserStore(tmp_path), clock=lambda: NOW)
    conversation.handle("9", Start())
    assert not (tmp_path / "users" / "9.json").exists()


def test_users_never_see_each_others_answers(conversation):
    for key, insurer in (("1", "Aetna"), ("2", "Cigna")):
        conversation.handle(key, Menu("begin"))
        conversation.handle(key, Text("spravato"))
        conversation.handle(key, Text(insurer))
    assert saved_answers(conversation, "1")["insurer"] == "Aetna"
    assert saved_answers(conversation, "2")["insurer"] == "Cigna"


def test_an_unreadable_file_is_reported_and_left_untouched(tmp_path):
    conversation = Conversation(UserStore(tmp_path), clock=lambda: NOW)
    conversation.handle("5", Menu("begin"))
    path = tmp_path / "users" / "5.json"
    path.write_bytes(b'{"case": {"1": {"case": {"answ')
    (reply,) = conversation.handle("5", Text("spravato"))
    assert reply.template == "storage_error"
    assert path.read_bytes() == b'{"case": {"1": {"case": {"answ'


def test_coming_back_later_resumes_at_the_same_question(tmp_path):
    first = Conversation(UserStore(tmp_path), clock=lambda: NOW)
    first.handle("3", Menu("begin"))
    first.handle("3", Text("spravato"))
    first.handle("3", Text("Aetna"))
    later = Conversation(UserStore(tmp_path), clock=lambda: NOW)  # a new process, days later
    (welcome,) = later.handle("3", Start())
    answers = {"for_whom": "self", "treatment": "spravato", "insurer": "Aetna"}
    following, n, total = asked_after("insurer", answers)
    assert welcome.context["returning"] and welcome.context["progress"] == (n, total)
    replies = later.handle("3", Menu("continue"))
    assert replies[-1].context["question"] == following


def answer_some(conversation: Conversation, key: str, insurer: str) -> None:
    conversation.handle(key, Menu("begin"))
    conversation.handle(key, Text("spravato"))
    conversation.handle(key, Text(insurer))
    conversation.handle(key, Text("ppo"))


def test_export_holds_everything_stored_about_the_user(tmp_path):
    conversation = Conversation(UserStore(tmp_path), clock=lambda: NOW)
    answer_some(conversation, "11", "Aetna")
    conversation.handle("11", Reset())
    conversation.handle("11", Confirm("reset", "yes"))  # an earlier case, kept
    conversation.handle("11", Text("iv_ketamine"))
    (reply,) = conversation.handle("11", Export())
    assert [a.document for a in reply.attachments] == ["export", "callscript", "estimate", "chart"]
    files = {file.filename: file.content for file in Renderer().attachments(reply)}
    exported = json.loads(files["my-data.json"])
    assert exported["format"] == "ketamine-coverage-bot export"
    stored = json.loads((tmp_path / "users" / "11.json").read_text())["case"]["1"]
    assert exported["record"] == stored  # every stored item, nothing left out
    (earlier,) = exported["record"]["case"]["others"]
    assert earlier["answers"]["insurer"]["value"] == "Aetna"
    assert exported["record"]["case"]["answers"]["treatment"]["value"] == "iv_ketamine"
    assert "Your call script" in files["call-script.txt"].decode()
    assert "Cost estimate" in files["estimate.txt"].decode()


def test_delete_asks_first_then_leaves_nothing_on_disk_and_spares_others(tmp_path):
    conversation = Conversation(UserStore(tmp_path), clock=lambda: NOW)
    answer_some(conversation, "21", "Zyxwv Mutual Health")
    answer_some(conversation, "22", "Other User Insurance")
    (confirm,) = conversation.handle("21", Delete())
    assert confirm.template == "delete_confirm"
    conversation.handle("21", Confirm("delete", "no"))
    assert (tmp_path / "users" / "21.json").exists()
    conversation.handle("21", Delete())
    (done,) = conversation.handle("21", Confirm("delete", "yes"))
    assert done.template == "deleted"
    leftovers = [p for p in tmp_path.rglob("*") if p.is_file() and b"Zyxwv" in p.read_bytes()]
    assert leftovers == []
    assert not (tmp_path / "users" / "21.json").exists()
    assert saved_answers(conversation, "22")["insurer"] == "Other User Insurance"
    (welcome,) = conversation.handle("21", Start())
    assert not welcome.context.get("returning")  # a new user again


def test_a_forged_delete_confirmation_erases_nothing(tmp_path):
    conversation = Conversation(UserStore(tmp_path), clock=lambda: NOW)
    answer_some(conversation, "31", "Aetna")
    (reply,) = conversation.handle("31", Confirm("delete", "yes"))
    assert reply.template == "closed"
    assert saved_answers(conversation, "31")["insurer"] == "Aetna"


def test_the_reminder_index_follows_the_users_reminders(tmp_path):
    index = ReminderIndex(tmp_path)
    conversation = Conversation(UserStore(tmp_path), clock=lambda: NOW, reminder_index=index)
    turn = conversation.turn("41", Remind("call", "2026-11-29"))
    assert turn.reminder_days == ["2026-11-29"]
    conversation.handle("42", Remind("call", "2026-12-01"))
    assert dict(ReminderIndex(tmp_path).items()) == {
        "41": ["2026-11-29"],
        "42": ["2026-12-01"],
    }
    assert conversation.turn("41", Start()).reminder_days is None  # unchanged
    conversation.handle("41", Delete())
    turn = conversation.turn("41", Confirm("delete", "yes"))
    assert turn.reminder_days == []
    assert dict(ReminderIndex(tmp_path).items()) == {"42": ["2026-12-01"]}
    later = Conversation(
        UserStore(tmp_path),
        clock=lambda: datetime(2026, 12, 1, 15, tzinfo=UTC),
        reminder_index=index,
    )
    (reminder,) = later.handle("42", DeliverDue())
    assert reminder.template == "reminder"
    assert dict(index.items()) == {}
    assert later.handle("42", DeliverDue()) == []  # sent once
