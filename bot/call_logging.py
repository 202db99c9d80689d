"""Logging a call, as a mode of the engine: its details, the answers they gave, authorization news.

A call is kept as a `Draft` in the case until it is filed. Its three stages: the details
(CALL_DETAILS), the answers they gave (walking the unknown ones, or picking from the list),
and any authorization news (AUTHORIZATION).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from bot import appeals, authorizations, reminding
from bot.calls import AUTHORIZATION, CALL_DETAILS, form_of
from bot.case import LOGGING, Draft
from bot.events import Edit, Menu, Press
from bot.flow import UNKNOWN, Flow, Question
from bot.modes import Mode
from bot.paging import older_button, page
from bot.replies import Button

if TYPE_CHECKING:
    from bot.engine import Turn

DETAILS, ANSWERS, NEWS = "details", "answers", "authorization"
"""A call's stages."""


def log_call(turn: Turn) -> None:
    """Start logging a call (or go back to the one being logged)."""
    if turn.case.call is None:
        number = max((c["id"] for c in turn.case.calls), default=0) + 1
        turn.case.call = Draft(number, CALL_DETAILS.questions[0].id, stage=DETAILS)
        turn.changed = True
    turn.set_position(LOGGING, turn.case.cursor)
    turn.mode.resume()


def show_calls(turn: Turn, start: int = 0) -> None:
    """The calls logged, newest first, a page at a time."""
    shown = page(turn.case.calls, start)
    older = older_button("calls", shown)
    turn.show(
        "calls",
        buttons=[*older, Button(Menu("logcall"), "logcall"), turn.resume_button()],
        calls=list(shown.entries),
        page=shown,
        authorizations=turn.case.authorizations,
        answers=turn.values(),
    )


class LoggingCall(Mode):
    """A call being logged: what they said is kept in the call's draft until it is filed."""

    aside: ClassVar[str | None] = "call"

    @property
    def call(self) -> Draft:
        return self.turn.case.call

    def question(self) -> Question | None:
        cursor = self.call and self.call.cursor
        if not cursor:
            return None
        return (form_of(cursor) or self.turn.flow)[cursor]

    def header(self, question: Question) -> Mapping[str, Any]:
        return {"progress": None, "header": "call"}

    def question_buttons(self, question: Question) -> list[Button]:
        form = form_of(question.id)
        end = "callcancel" if form is CALL_DETAILS else None if form else "calldone"
        return [Button(Menu(end), end)] if end else []

    def resume_button(self) -> Button:
        return Button(Menu("logcall"), "callresume")

    def saved(self, question: Question) -> Mapping[str, Any] | None:
        return None if form_of(question.id) else self.turn.case.answers.get(question.id)

    def store(self, question: Question, value: Any) -> None:
        if form_of(question.id):
            self.call.answers[question.id] = value
            self.turn.changed = True
        else:
            self.turn.record(question, value)  # a main answer, marked as heard on this call

    # -- moving --

    def resume(self) -> None:
        """Show where the call being logged is: its question, or the choice of answers."""
        question = self.question()
        if question is not None:
            self.turn.ask(question)
        elif self.call.walk:
            self.answers_menu()
        else:
            self.pick_list()

    back = resume

    def advance(self, answered: str) -> None:
        """Go on through the call's details, the answers they gave, then authorization news."""
        stage = self.call.stage
        if stage == DETAILS:
            question = self.next_in(CALL_DETAILS)
            if question is None:
                self.answers_menu()
                return
        elif stage == ANSWERS and self.call.walk:
            question = self.unknown_after(answered)
            if question is None:
                self.authorization()
                return
        elif stage == ANSWERS:
            self.pick_list()
            return
        else:
            question = self.next_in(AUTHORIZATION)
            if question is None:
                self.finish()
                return
        self.set_cursor(stage, question.id)
        self.turn.ask(question)

    def edit(self, question: Question) -> None:
        """An answer picked from the list: what they said about it."""
        if self.call.stage != ANSWERS:
            self.turn.closed()
            return
        self.call.walk = False
        self.set_cursor(ANSWERS, question.id)
        self.turn.ask(question)

    def actions(self) -> Mapping[Press, Callable[[], None]]:
        if self.call.stage == ANSWERS:
            return {
                Menu("callwalk"): self.walk,
                Menu("callpick"): self.pick_list,
                Menu("calldone"): self.authorization,
            }
        if self.call.stage == DETAILS:
            return {Menu("callcancel"): self.cancel}
        return {}

    # -- the steps --

    def set_cursor(self, stage: str, cursor: str | None) -> None:
        self.call.stage, self.call.cursor = stage, cursor
        self.turn.changed = True

    def next_in(self, form: Flow) -> Question | None:
        return form.first_unanswered(self.call.answers)

    def unknown_after(self, after: str | None) -> Question | None:
        """The next question that applies and is still unknown, after `after` in flow order."""
        flow, values = self.turn.flow, self.turn.values()

        def known(question: Question) -> bool:
            return not flow.is_unknown(question.id, values.get(question.id))

        return flow.after(values, after, skip=known)

    def unknown_count(self) -> int:
        flow, values = self.turn.flow, self.turn.values()
        return sum(flow.is_unknown(q.id, values.get(q.id)) for q in flow.applicable(values))

    def answers_menu(self) -> None:
        self.set_cursor(ANSWERS, None)
        self.call.walk = True
        unknown = self.unknown_count()
        buttons = [Button(Menu("callwalk"), "callwalk", {"n": unknown})] if unknown else []
        buttons += [Button(Menu("callpick"), "callpick"), Button(Menu("calldone"), "calldone")]
        self.turn.show("call_answers", buttons=buttons, unknown=unknown)

    def walk(self) -> None:
        self.call.walk = True
        question = self.unknown_after(None)
        if question is None:
            self.authorization()
        else:
            self.set_cursor(ANSWERS, question.id)
            self.turn.ask(question)

    def pick_list(self) -> None:
        self.set_cursor(ANSWERS, None)
        self.call.walk = False
        turn = self.turn
        values = turn.values()
        applicable = turn.flow.applicable(values)
        turn.show(
            "answers",
            buttons=[
                *(Button(Edit(q.id), "edit", {"question": q.id}) for q in applicable),
                Button(Menu("calldone"), "calldone"),
            ],
            rows=[(q.id, values.get(q.id)) for q in applicable],
            answers=values,
            logging=True,
            **turn.sources(),
        )

    def authorization(self) -> None:
        question = AUTHORIZATION.questions[0]
        self.set_cursor(NEWS, question.id)
        self.turn.ask(question)

    def cancel(self) -> None:
        self.turn.case.call = None
        self.turn.leave_form()
        self.turn.show("call_cancelled")
        self.turn.mode.resume()

    def finish(self) -> None:
        """File the call (and any authorization news) and say what it changed."""
        turn, call = self.turn, self.call
        said = call.answers
        logged = {
            "id": call.id,
            "party": said["call_party"],
            "date": said["call_date"],
            "rep": said.get("call_rep", UNKNOWN),
            "reference": said.get("call_reference", UNKNOWN),
            "logged_at": turn.now,
            "changed": call.changed,
        }
        if said.get("call_note", UNKNOWN) != UNKNOWN:
            logged["note"] = said["call_note"]
        turn.case.calls.append(logged)
        authorization = None
        if said.get("pa_status", "none") != "none":
            authorization = {"call": call.id, "recorded_at": turn.now} | {
                key.removeprefix("pa_"): value
                for key, value in said.items()
                if key.startswith("pa_")
            }
            turn.case.authorizations.append(authorization)
        turn.case.call = None
        turn.leave_form()
        turn.show(
            "call_logged",
            buttons=[
                *reminding.offers(turn, authorization),
                *_appeal_button(authorization),
                Button(Menu("estimate"), "estimate"),
                Button(Menu("logcall"), "logcall"),
                turn.resume_button(),
            ],
            call=logged,
            authorization=authorization,
            appeal=_appeal(authorization, turn.values()),
            answers=turn.values(),
        )


def _appeal_button(authorization: dict[str, Any] | None) -> list[Button]:
    """After a denial (or while a request waits), the appeal kit is a tap away."""
    waiting = (authorizations.DENIED, authorizations.PENDING)
    return (
        [Button(Menu("appeal"), "appeal")]
        if authorizations.status(authorization) in waiting
        else []
    )


def _appeal(authorization: dict[str, Any] | None, answers: dict[str, Any]) -> dict | None:
    """For a denial with its letter's date: the plan's appeal rule and the last day to appeal."""
    letter = (authorization or {}).get("letter_date", UNKNOWN)
    if authorizations.status(authorization) != authorizations.DENIED or letter == UNKNOWN:
        return None
    rule = appeals.rule_for(answers)
    return {"rule": rule.id, "deadline": appeals.deadline(letter, rule)}
