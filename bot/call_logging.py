"""Logging a call, as part of a turn of the engine: details, answers they gave, authorization.

A mixin of the engine's turn: it uses the turn's `ask`, `show`, `record` and the case.
"""

from __future__ import annotations

from bot.calls import AUTHORIZATION, CALL_DETAILS, form_of
from bot.case import ASKING, DONE, LOGGING, NEW, UNKNOWN_VALUES, next_question
from bot.events import EDIT, MENU, Press
from bot.flow import UNKNOWN, Flow, Question
from bot.replies import Button


class CallLogging:
    """Turn methods for /logcall and /calls."""

    def log_call(self) -> None:
        """Start logging a call (or go back to the one being logged)."""
        if self.case.call is None:
            number = max((c["id"] for c in self.case.calls), default=0) + 1
            self.case.call = {
                "id": number,
                "stage": "details",
                "cursor": CALL_DETAILS.questions[0].id,
                "answers": {},
                "changed": [],
                "walk": True,
            }
            self.changed = True
        self.set_position(LOGGING, self.case.cursor)
        self.resume_call()

    def call_question(self) -> Question | None:
        """The question of the call being logged that the user is on, if any."""
        cursor = self.case.call and self.case.call["cursor"]
        if not cursor:
            return None
        return (form_of(cursor) or self.flow)[cursor]

    def set_call_cursor(self, stage: str, cursor: str | None) -> None:
        self.case.call["stage"], self.case.call["cursor"] = stage, cursor
        self.changed = True

    def resume_call(self) -> None:
        """Show where the call being logged is: its question, or the choice of answers."""
        question = self.call_question()
        if question is not None:
            self.ask(question)
        elif self.case.call["walk"]:
            self.call_answers_menu()
        else:
            self.call_pick_list()

    def next_in_form(self, form: Flow) -> Question | None:
        said = self.case.call["answers"]
        return next((q for q in form.applicable(said) if q.id not in said), None)

    def unknown_after(self, after: str | None) -> Question | None:
        """The next question that applies and is still unknown, after `after` in flow order."""
        values = self.case.values()
        order = [q.id for q in self.flow.questions]
        start = order.index(after) + 1 if after in order else 0
        return next(
            (
                q
                for q in self.flow.applicable(values)
                if order.index(q.id) >= start and values.get(q.id, UNKNOWN) in UNKNOWN_VALUES
            ),
            None,
        )

    def call_advance(self, answered: str) -> None:
        """Go on through the call's details, the answers they gave, then authorization news."""
        stage = self.case.call["stage"]
        if stage == "details":
            question = self.next_in_form(CALL_DETAILS)
            if question is None:
                self.call_answers_menu()
                return
        elif stage == "answers" and self.case.call["walk"]:
            question = self.unknown_after(answered)
            if question is None:
                self.call_authorization()
                return
        elif stage == "answers":
            self.call_pick_list()
            return
        else:
            question = self.next_in_form(AUTHORIZATION)
            if question is None:
                self.finish_call()
                return
        self.set_call_cursor(stage, question.id)
        self.ask(question)

    def call_answers_menu(self) -> None:
        self.set_call_cursor("answers", None)
        self.case.call["walk"] = True
        unknown = self.unknown_count()
        buttons = [Button(Press(MENU, value="callwalk"), "callwalk", {"n": unknown})]
        buttons = (buttons if unknown else []) + [
            Button(Press(MENU, value="callpick"), "callpick"),
            Button(Press(MENU, value="calldone"), "calldone"),
        ]
        self.show("call_answers", buttons=buttons, unknown=unknown)

    def unknown_count(self) -> int:
        values = self.case.values()
        return sum(
            values.get(q.id, UNKNOWN) in UNKNOWN_VALUES for q in self.flow.applicable(values)
        )

    def call_pick_list(self) -> None:
        self.set_call_cursor("answers", None)
        self.case.call["walk"] = False
        values = self.case.values()
        applicable = self.flow.applicable(values)
        self.show(
            "answers",
            buttons=[
                *(Button(Press(EDIT, q.id), "edit", {"question": q.id}) for q in applicable),
                Button(Press(MENU, value="calldone"), "calldone"),
            ],
            rows=[(q.id, values.get(q.id)) for q in applicable],
            answers=values,
            logging=True,
            **self.sources(),
        )

    def call_pick(self, question: Question) -> None:
        if self.case.call["stage"] != "answers":
            self.closed()
            return
        self.case.call["walk"] = False
        self.set_call_cursor("answers", question.id)
        self.ask(question)

    def call_menu(self, item: str) -> None:
        call = self.case.call
        stage = call and self.case.mode == LOGGING and call["stage"]
        if item == "callwalk" and stage == "answers":
            self.case.call["walk"] = True
            question = self.unknown_after(None)
            if question is None:
                self.call_authorization()
            else:
                self.set_call_cursor("answers", question.id)
                self.ask(question)
        elif item == "callpick" and stage == "answers":
            self.call_pick_list()
        elif item == "calldone" and stage == "answers":
            self.call_authorization()
        elif item == "callcancel" and stage == "details":
            self.case.call = None
            self.leave_call()
            self.show("call_cancelled")
            self.resume()
        else:
            self.closed()

    def call_authorization(self) -> None:
        question = AUTHORIZATION.questions[0]
        self.set_call_cursor("authorization", question.id)
        self.ask(question)

    def leave_call(self) -> None:
        """Back to the main conversation: the summary if nothing is left to ask."""
        following = next_question(self.flow, self.case)
        if following is None:
            self.set_position(DONE, None)
        else:
            self.set_position(ASKING if self.case.answers else NEW, self.case.cursor)

    def finish_call(self) -> None:
        """File the call (and any authorization news) and say what it changed."""
        call, said = self.case.call, self.case.call["answers"]
        logged = {
            "id": call["id"],
            "party": said["call_party"],
            "date": said["call_date"],
            "rep": said.get("call_rep", UNKNOWN),
            "reference": said.get("call_reference", UNKNOWN),
            "logged_at": self.now,
            "changed": call["changed"],
        }
        self.case.calls.append(logged)
        authorization = None
        if said.get("pa_status", "none") != "none":
            authorization = {"call": call["id"], "recorded_at": self.now} | {
                key.removeprefix("pa_"): value
                for key, value in said.items()
                if key.startswith("pa_")
            }
            self.case.authorizations.append(authorization)
        self.case.call = None
        self.leave_call()
        self.show(
            "call_logged",
            buttons=[
                *self.reminder_offers(authorization),
                Button(Press(MENU, value="estimate"), "estimate"),
                Button(Press(MENU, value="logcall"), "logcall"),
                self.resume_button(),
            ],
            call=logged,
            authorization=authorization,
            answers=self.case.values(),
        )

    def show_calls(self) -> None:
        self.show(
            "calls",
            buttons=[Button(Press(MENU, value="logcall"), "logcall"), self.resume_button()],
            calls=list(reversed(self.case.calls)),
            authorizations=self.case.authorizations,
            answers=self.case.values(),
        )
