"""The user's cases in the conversation: /cases, switching, adding, renaming, putting one
aside, deleting one. Plain functions of a turn of the engine; the cases are bot/caseload.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot import caseload
from bot.case import ARCHIVED_KEPT, OPEN_KEPT, Case
from bot.events import CaseButton, Confirm, Menu
from bot.flow import OTHER
from bot.paging import older_button, page
from bot.replies import Button

if TYPE_CHECKING:
    from bot.engine import Turn

DELETING = "casedelete"
"""`confirming` while deleting the case being worked on is asked."""


def show_cases(turn: Turn, start: int = 0) -> None:
    """The cases, a page at a time: the current one first, each other a tap away."""
    listed = caseload.summaries(turn.case)
    shown = page(list(reversed(listed)), start)  # `page` shows the end of a list first
    current = listed[0]
    buttons = [
        Button(CaseButton(str(s.number), "switch"), "case_switch", _named(s))
        for s in shown.entries
        if not s.current
    ]
    buttons += older_button("cases", shown)
    if caseload.open_count(turn.case) < OPEN_KEPT:
        buttons.append(Button(CaseButton("", "add"), "case_add"))
    if current.about == OTHER:
        buttons.append(Button(CaseButton("", "rename"), "case_rename", _named(current)))
    if turn.case.answers:
        buttons.append(Button(CaseButton("", "aside"), "case_aside", _named(current)))
        buttons.append(Button(CaseButton("", "delete"), "case_delete", _named(current)))
    buttons.append(turn.resume_button())
    turn.show(
        "cases",
        buttons=buttons,
        cases=shown.entries,
        page=shown,
        open_kept=OPEN_KEPT,
        full=caseload.open_count(turn.case) >= OPEN_KEPT,
    )


def _named(summary: caseload.Summary) -> dict[str, object]:
    """What a button needs to name a case."""
    return {"case": summary}


def current(turn: Turn) -> caseload.Summary:
    return caseload.current(turn.case)


def press(turn: Turn, button: CaseButton) -> None:
    """A case button: switch to a case, add one; rename, put aside or delete the current."""
    verb = button.verb
    if verb == "switch" and button.number.isdigit():
        switch(turn, int(button.number))
    elif button.number:
        turn.closed()
    elif verb == "add":
        add(turn)
    elif verb == "rename" and current(turn).about == OTHER:
        turn.edit(turn.flow["patient_name"])
    elif verb == "aside" and turn.case.answers:
        put_aside(turn)
    elif verb == "delete" and turn.case.answers:
        ask_delete(turn)
    else:
        turn.closed()


def _work_on(turn: Turn, case: Case, template: str, **context: object) -> None:
    """Work on `case` from now on: say so, with the way on in that case."""
    turn.case = case
    turn.changed = True
    turn.settle()
    turn.show(
        template,
        buttons=[
            turn.resume_button(),
            Button(Menu("review"), "review"),
            Button(Menu("cases"), "cases"),
        ],
        case=current(turn),
        progress=turn.mode.progress(),
        **context,
    )


def switch(turn: Turn, number: int) -> None:
    target = caseload.find(turn.case, number)
    if target is None:
        turn.closed()
        return
    if target.get("archived_at") and full(turn):
        return
    reopened = bool(target.get("archived_at"))
    switched = caseload.switch(turn.case, number)
    assert switched is not None
    _work_on(turn, switched, "case_switched", reopened=reopened)


def full(turn: Turn) -> bool:
    """Whether the most open cases are open; if so, say so."""
    if caseload.open_count(turn.case) < OPEN_KEPT:
        return False
    turn.show("cases_full", open_kept=OPEN_KEPT, buttons=[Button(Menu("cases"), "cases")])
    return True


def add(turn: Turn) -> None:
    """A new case, its first question asked."""
    if full(turn):
        return
    turn.case = caseload.add(turn.case)
    turn.changed = True
    turn.show("case_added")
    turn.mode.carry_on()


def put_aside(turn: Turn) -> None:
    was = current(turn)
    dropped = caseload.oldest_dropped(turn.case)
    case = caseload.put_aside(turn.case, turn.now)
    _work_on(
        turn,
        case,
        "case_aside",
        was=was,
        dropped=dropped and caseload.summary(dropped, current=False),
        kept=ARCHIVED_KEPT,
        fresh=not case.answers,
    )


def ask_erase(turn: Turn) -> None:
    """/delete: ask before erasing everything; with several cases, offer the current one
    alone too."""
    cases = len(turn.case.others) + 1
    one = Button(Confirm("delete", "one"), "delete_one", _named(current(turn)))
    turn.ask_to_confirm(
        "delete",
        labels={"cases": cases},
        between=[one] if cases > 1 else [],
        cases=cases,
        case=current(turn),
    )


def ask_delete(turn: Turn) -> None:
    """Ask before deleting the case being worked on (the only one: everything, as /delete)."""
    if not turn.case.others:
        ask_erase(turn)
        return
    turn.ask_to_confirm(DELETING, "case_delete", case=current(turn))


def confirm_delete(turn: Turn, confirmed: bool) -> None:
    turn.case.confirming = None
    turn.changed = True
    if not confirmed:
        turn.show("delete_cancelled")
        turn.mode.resume()
        return
    delete(turn)


def delete(turn: Turn) -> None:
    """Erase the case being worked on, and work on another."""
    was = current(turn)
    case = caseload.delete(turn.case)
    _work_on(turn, case, "case_deleted", was=was, fresh=not case.answers)
