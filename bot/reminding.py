"""Reminders in the conversation: offer, set, list, cancel, and show them when due.

Plain functions of a turn of the engine; when reminders fall due is bot/reminders.py.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from bot import appeals, authorizations, caseload, reminders
from bot.appeal_kit import DECISION_TIMES
from bot.events import CancelReminder, CaseButton, Menu, Remind
from bot.flow import UNKNOWN
from bot.replies import Button, Reply

if TYPE_CHECKING:
    from bot.engine import Turn


def offers(turn: Turn, authorization: dict[str, Any] | None) -> list[Button]:
    """Buttons to set the reminders that fit (after a call: around its authorization news)."""
    rule = appeals.rule_for(turn.values())
    earlier = turn.case.authorizations[:-1] if authorization else turn.case.authorizations
    appealed = any(authorizations.status(a) == authorizations.DENIED for a in earlier)
    found = reminders.offers(turn.today, authorization, rule, appealed=appealed)
    return [button(kind, day) for kind, day in found]


def button(kind: str, day: date) -> Button:
    """The button that sets a reminder of `kind` on `day`."""
    return Button(Remind(kind, day.isoformat()), f"remind_{kind}", {"day": day})


def pending(turn: Turn) -> list[dict[str, Any]]:
    return [r for r in turn.case.reminders if not r.get("sent_at")]


def set_reminder(turn: Turn, kind: str, day_text: str) -> None:
    try:
        day = date.fromisoformat(day_text)
    except ValueError:
        day = None
    if day is None or not reminders.acceptable(kind, day, turn.today):
        turn.closed()
        return
    due = day.isoformat()
    same = [r for r in pending(turn) if (r["kind"], r["due"]) == (kind, due)]
    if same:
        turn.show("reminder_set", reminder=same[0], repeated=True)
        return
    latest = turn.case.authorizations[-1] if turn.case.authorizations else {}
    rule = appeals.rule_for(turn.values())
    letter = latest.get("letter_date", UNKNOWN)
    params = {
        "number": latest.get("number", UNKNOWN),
        "deadline": (
            appeals.deadline(letter, rule).isoformat()
            if kind == "appeal" and letter != UNKNOWN
            else None
        ),
        "appeal": rule.id,
        "end": latest.get("end") if kind == "approval_end" else None,
    }
    if kind == "decision" and (times := DECISION_TIMES.get(rule.id)):
        params |= {"days": times.standard_days, "sent": turn.today.isoformat()}
    if kind == "external" and letter != UNKNOWN:
        params["deadline"] = reminders.external_deadline(letter).isoformat()
    number = max((r["id"] for r in turn.case.reminders), default=0) + 1
    reminder = {"id": number, "kind": kind, "due": due, "created_at": turn.now}
    reminder["params"] = params
    turn.case.reminders.append(reminder)
    turn.changed = True
    turn.show("reminder_set", reminder=reminder, repeated=False)


def cancel(turn: Turn, number: str) -> None:
    found = [r for r in pending(turn) if str(r["id"]) == number]
    if not found:
        turn.closed()
        return
    turn.case.reminders.remove(found[0])
    turn.changed = True
    turn.show("reminder_cancelled", reminder=found[0])
    show(turn)


def show(turn: Turn) -> None:
    waiting = sorted(pending(turn), key=lambda r: r["due"])
    cancels = [
        Button(CancelReminder(str(r["id"])), "cancel_reminder", {"due": r["due"]}) for r in waiting
    ]
    turn.show(
        "reminders",
        buttons=[*cancels, *offers(turn, None), turn.resume_button()],
        reminders=waiting,
    )


def deliver_due(turn: Turn) -> None:
    """Show each reminder whose moment has come, once, in whichever open case it is: with
    several cases it names its case, and one of another case offers to switch to it."""
    now = datetime.fromisoformat(turn.now)
    several = bool(turn.case.others)
    for case, reminder in caseload.pending_reminders(turn.case):
        if reminders.due_at(reminder["due"], turn.zone) > now:
            continue
        reminder["sent_at"] = turn.now
        turn.changed = True
        summary = caseload.summary(case, current=case["number"] == turn.case.number)
        if summary.current:
            buttons = [Button(Menu("logcall"), "logcall"), Button(Menu("callscript"), "callscript")]
        else:
            switch = CaseButton(str(summary.number), "switch")
            buttons = [Button(switch, "case_switch", {"case": summary})]
        context = {"reminder": reminder, "case": summary if several else None}
        turn.replies.append(Reply("reminder", context, tuple(buttons), about=summary.about))
