"""A logged prior authorization changes the estimate and the call script.

Every case: Spravato at $1,000 a session, 8 sessions, in network, a $1,500 deductible (none
met), 20% coinsurance, a $5,000 out-of-pocket maximum (none met). By the plan's cost sharing:
$1,500 of the first two sessions, then 20% of the other $6,500 = $1,300: $2,800 for the
patient, $5,200 for the plan. If the plan pays nothing: 8 x $1,000 = $8,000.
"""

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot import authorizations
from bot.engine import LogCall, Menu
from bot.render import Renderer
from tests.support.engine_chat import Chat, walk

CASE = {
    "treatment": "spravato",
    "coverage": "yes",
    "preauth": "yes",
    "network": "in",
    "price_per_session": "1000",
    "sessions": "8",
    "deductible": "1500",
    "deductible_met": "0",
    "cost_sharing": "coinsurance",
    "coinsurance_pct": "20",
    "oop_max": "5000",
    "oop_met": "0",
}
NEWS = {
    "pending": ("PA-1",),
    "approved": ("PA-3", "6", "12/1/2026", "5/1/2027"),
    "denied": ("PA-9", "11/20/2026"),
}


def chat_with(status: str, plan: dict[str, str] | None = None, news=None) -> Chat:
    chat = Chat()
    chat.begin()
    walk(chat, CASE | {"plan_type": "ppo"} | (plan or {}))
    chat.log_authorization(status, *(NEWS[status] if news is None else news))
    return chat


def shown(chat: Chat, template: str) -> str:
    return Renderer().render(chat.reply(template), "text").text


def estimate_of(chat: Chat):
    chat.send(Menu("estimate"))
    return chat.reply("estimate").context


def script_of(chat: Chat):
    """The full call script (the phone card is the reply to /callscript; the rest a tap on)."""
    chat.send(Menu("fullscript"))
    return chat.reply("callscript").context["script"]


@pytest.mark.parametrize(
    ("status", "lead"),
    [
        ("denied", "If the denial stands, the plan pays nothing: about $8,000 for you"),
        ("pending", "If it is denied and the denial stands, the plan pays nothing: about $8,000"),
    ],
)
def test_a_denial_or_a_pending_request_shows_the_cost_either_way(status, lead):
    chat = chat_with(status)
    context = estimate_of(chat)
    assert context["refused"].low.patient_total == context["refused"].high.patient_total == 8000
    assert context["estimate"].low.patient_total == context["estimate"].high.patient_total == 2800
    assert context["estimate"].low.insurer_total == 5200
    text = shown(chat, "estimate")
    assert lead in text
    assert text.index(lead) < text.index("About $2,800 for you for 8 sessions")


def test_an_appeal_that_succeeds_is_costed_as_covered_even_when_told_it_was_not():
    # Told "not covered": without the authorization news the plan pays nothing at all.
    chat = chat_with("denied", {"coverage": "no"})
    context = estimate_of(chat)
    assert context["estimate"].low.patient_total == 2800  # if the appeal succeeds
    assert context["refused"].low.patient_total == 8000


def test_an_approval_names_its_sessions_and_dates_and_the_sessions_beyond_it():
    chat = chat_with("approved")
    context = estimate_of(chat)
    assert context["refused"] is None and context["beyond_approval"] == 2  # 8 planned, 6 approved
    text = shown(chat, "estimate")
    assert "approved prior authorization PA-3: 6 sessions, from Dec 1, 2026 to May 1, 2027" in text
    assert "The last 2 of the sessions planned are beyond it: ask for a renewal" in text
    assert "pays nothing" not in text


def test_an_approval_of_every_planned_session_needs_no_renewal_line():
    chat = chat_with("approved", news=("PA-3", "8", "12/1/2026", "5/1/2027"))
    assert estimate_of(chat)["beyond_approval"] == 0
    assert "renewal" not in shown(chat, "estimate")


def test_without_authorization_news_the_estimate_says_nothing_of_one():
    chat = Chat()
    chat.begin()
    walk(chat, CASE | {"plan_type": "ppo"})
    context = estimate_of(chat)
    assert context["authorization"] is None and context["refused"] is None
    assert "prior authorization" not in shown(chat, "estimate").split("Based on")[0]


@pytest.mark.parametrize(
    ("plan", "clock"),
    [
        ({"plan_type": "ppo"}, "An employer or individual plan has up to 15 days"),
        (
            {"plan_type": "medicare", "medicare_kind": "advantage"},
            "Medicare Advantage plan has 7 calendar days for a standard request",
        ),
        ({"plan_type": "medicaid"}, "Medicaid plan has 7 calendar days"),
        ({"plan_type": "unknown"}, "Plans have up to 15 days"),
    ],
)
def test_a_pending_request_puts_its_follow_up_first_with_the_plans_decision_time(plan, clock):
    chat = chat_with("pending", plan)
    script = script_of(chat)
    assert script.first == "authorization_pending"
    assert script.first_steps == (
        "pending_status",
        "pending_missing",
        "pending_urgent",
        "pending_notice",
    )
    # Already submitted, with its number: no asking who submits it, how long, or its number.
    assert not {"who_submits", "decision_time", "auth_number"} & set(script.preauth.ask)
    assert "auth_number" not in script.write_down
    text = shown(chat, "callscript")
    follow_up = text.index("Your prior authorization is waiting for a decision: follow it up")
    assert follow_up < text.index("Before you call")
    assert "Ask whether the request (PA-1) has arrived complete" in text and clock in text
    assert "If they say no" in text  # what to do after a denial is still at the end


def test_a_pending_request_comes_first_even_when_told_it_is_not_covered():
    chat = chat_with("pending", {"coverage": "no"})
    script = script_of(chat)
    assert script.first == "authorization_pending" and script.not_covered
    assert "If they say no" in shown(chat, "callscript")


def test_an_approval_stops_asking_for_what_it_already_says():
    chat = chat_with("approved")
    script = script_of(chat)
    assert script.first is None
    assert script.preauth.status == "approved"
    assert script.preauth.ask == ("approval_codes", "renewal")
    assert script.preauth.criteria == () and script.preauth.documents == ()
    assert not {"auth_number", "approved_units_dates"} & set(script.write_down)
    text = shown(chat, "callscript")
    assert "Your plan approved prior authorization PA-3: 6 sessions" in text
    assert "How is it renewed before May 1, 2027" in text
    assert "56 or 84 mg" in text
    assert "What is the authorization number?" not in text


def test_an_approval_without_its_number_or_units_still_asks_for_them():
    chat = chat_with("approved", news=("skip", "skip", "skip", "skip"))
    script = script_of(chat)
    assert script.preauth.ask == ("approval_codes", "renewal", "approval_scope", "auth_number")
    assert {"auth_number", "approved_units_dates"} <= set(script.write_down)
    assert "How is it renewed," in shown(chat, "callscript")  # no end date to name


def test_a_denial_keeps_the_criteria_and_says_the_letter_names_those_not_met():
    chat = chat_with("denied")
    script = script_of(chat)
    assert script.preauth.status == "denied" and script.preauth.criteria
    assert "auth_number" not in script.preauth.ask
    assert "The denial letter should say which criteria were not met" in shown(chat, "callscript")


@pytest.mark.parametrize(
    ("record", "status"),
    [
        (None, None),
        ({}, None),
        ({"status": "approved"}, "approved"),
        ({"status": "none"}, None),
        ({"status": "forged"}, None),
    ],
)
def test_status_reads_only_the_statuses_a_call_files(record, status):
    assert authorizations.status(record) == status


def test_the_refused_case_exists_only_while_a_denial_may_stand():
    answers = {"coverage": "yes"}
    assert authorizations.if_refused(answers, {"status": "approved"}) is None
    assert authorizations.if_refused(answers, None) is None
    assert authorizations.if_refused(answers, {"status": "denied"}) == {"coverage": "no"}
    assert authorizations.if_paid({"coverage": "no"}, {"status": "pending"}) == {"coverage": "yes"}
    assert authorizations.if_paid({"coverage": "no"}, None) == {"coverage": "no"}


def test_the_readme_shows_a_real_medicare_advantage_denial():
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    block = readme.split("  A Medicare Advantage denial (", 1)[1].split("  ```\n", 2)[1]
    chat = Chat(now=datetime(2026, 12, 2, 15, 0, tzinfo=UTC))
    chat.begin()
    walk(
        chat,
        CASE
        | {"plan_type": "medicare", "medicare_kind": "advantage", "benefit": "medical"}
        | {"deductible": "0", "price_per_session": "1290", "oop_max": "4500", "insurer": "Humana"},
    )
    chat.send(LogCall())
    for press in ("insurer", "today"):
        chat.tap(press)
    for typed in ("Dana", "REF-7781"):
        chat.say(typed)
    chat.tap("calldone")
    chat.tap("denied")
    chat.say("PA-55012")
    chat.say("11/30/2026")
    chat.tap("unknown")  # no note
    seen = [shown(chat, "call_logged")]
    renderer = Renderer()
    seen.append(" ".join(renderer.label(b) for b in chat.last.buttons))
    chat.send(next(b.press for b in chat.last.buttons if b.label == "remind_appeal"))
    seen.append(shown(chat, "reminder_set"))
    seen.append(estimate_text(chat))
    script_of(chat)
    seen.append(shown(chat, "callscript"))
    everything = "\n".join(seen)
    lines = [line.strip() for line in block.splitlines()]
    for line in lines:
        if line and line != "..." and not line.startswith("["):
            assert line in everything, line
    for label in re.findall(r"\[([^]]+)\]", block):
        assert label in everything, label


def estimate_text(chat: Chat) -> str:
    estimate_of(chat)
    return shown(chat, "estimate")
