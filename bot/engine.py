"""The conversation engine: a pure function from (flow, case, event) to (case, replies).

It imports nothing from telegram, tinydb or jinja2: channels turn their input
into `Event`s and render the `Reply`s it returns; the store saves the `Case`.
Replies name a template and carry plain data; every word lives in templates/.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from bot.call_logging import CallLogging
from bot.calls import CALL_DETAILS, form_of
from bot.callscript import build_call_script
from bot.case import (
    ASKING,
    CLINIC,
    DONE,
    EDITING,
    LOGGING,
    NEW,
    Case,
    next_question,
    progress,
)
from bot.clinic_editing import REMOVING, ClinicEditing
from bot.clinics import CLINIC_FORM
from bot.crisis import Crisis, detect
from bot.events import (
    ANSWER,
    BACK,
    CANCEL_REMINDER,
    CLINIC_PRESS,
    COMMANDS,
    CONFIRM,
    EDIT,
    KEEP,
    MENU,
    MENU_ITEMS,
    REMIND,
    Back,
    Calls,
    CallScript,
    Cases,
    Clinics,
    Command,
    Delete,
    DeliverDue,
    Estimate,
    Event,
    Export,
    Help,
    LogCall,
    Press,
    Reminders,
    Reset,
    Review,
    Start,
    Text,
    Unsupported,
    command,
    decode,
)
from bot.flow import UNKNOWN, YES_NO, Flow, Kind, Question
from bot.parsing import (
    ParseError,
    is_unknown,
    normalize_text,
    parse_count,
    parse_date,
    parse_money,
    parse_percent,
    parse_text,
    parse_yes_no,
)
from bot.paying import financial_help
from bot.reminding import Reminding
from bot.replies import Button, Reply

__all__ = [  # what the channels and tests use, in one place
    "ANSWER",
    "ASKING",
    "BACK",
    "CANCEL_REMINDER",
    "CLINIC",
    "CLINIC_PRESS",
    "COMMANDS",
    "CONFIRM",
    "DONE",
    "EDIT",
    "EDITING",
    "KEEP",
    "LOGGING",
    "MENU",
    "MENU_ITEMS",
    "NEW",
    "REMIND",
    "Back",
    "Button",
    "CallScript",
    "Calls",
    "Case",
    "Cases",
    "Clinics",
    "Command",
    "Delete",
    "DeliverDue",
    "Estimate",
    "Event",
    "Export",
    "Help",
    "LogCall",
    "Outcome",
    "Press",
    "Reminders",
    "Reply",
    "Reset",
    "Review",
    "Start",
    "Text",
    "Unsupported",
    "command",
    "decode",
    "handle",
    "next_question",
    "progress",
]


@dataclass(frozen=True)
class Outcome:
    """The case after an event, what to show, and whether the case must be saved."""

    case: Case
    replies: list[Reply]
    changed: bool
    erase: bool = False
    """Everything stored about the user is to be erased (they confirmed /delete)."""


# -- the engine ---------------------------------------------------------------------------------


def _said(event: Event) -> str:
    """The words the user wrote in an event, if any: typed text, a command's words, a caption."""
    match event:
        case Text(text) | Command(_, text) | Unsupported(_, text):
            return text
    return ""


def handle(flow: Flow, case: Case, event: Event, now: datetime) -> Outcome:
    """Apply one event to a case; the input case is never modified."""
    return _Turn(flow, Case.from_dict(case.to_dict()), now).run(event)


class _Turn(CallLogging, Reminding, ClinicEditing):
    """One event applied to a (private copy of a) case."""

    def __init__(self, flow: Flow, case: Case, now: datetime) -> None:
        self.flow = flow
        self.case = case
        self.now = now.isoformat(timespec="seconds")
        self.changed = False
        self.erase = False
        self.replies: list[Reply] = []

    def run(self, event: Event) -> Outcome:
        # Before anything else, in every state: a message about suicide, self-harm or an
        # overdose gets the crisis resources, and nothing of it is stored or changed.
        crisis = detect(said) if (said := _said(event)) else None
        if crisis is not None:
            self.crisis(crisis)
            return Outcome(self.case, self.replies, changed=False)
        confirming = isinstance(event, Press) and event.action == CONFIRM
        if self.case.confirming and not confirming and not isinstance(event, DeliverDue):
            self.case.confirming = None  # anything the user does cancels the question
            self.changed = True
        self.dispatch(event)
        return Outcome(self.case, self.replies, self.changed, self.erase)

    def dispatch(self, event: Event) -> None:
        match event:
            case Command(command, _):
                self.dispatch(command)
            case Start():
                self.welcome()
            case Help(unknown_command):
                self.show("help", unknown_command=unknown_command, buttons=[self.resume_button()])
            case Review():
                self.review()
            case Estimate():
                self.estimate()
            case CallScript():
                self.call_script()
            case Reset():
                self.ask_reset()
            case Export():
                self.export()
            case LogCall():
                self.log_call()
            case Calls():
                self.show_calls()
            case Cases():
                self.show("cases", cases=self.case.archived, buttons=[self.resume_button()])
            case Reminders():
                self.show_reminders()
            case Clinics():
                self.show_clinics()
            case DeliverDue():
                self.deliver_due()
            case Delete():
                self.ask_delete()
            case Back():
                self.back()
            case Text(text):
                self.text(text)
            case Unsupported(edited):
                self.show("unsupported", edited=edited)
                self.resume()
            case Press():
                self.press(event)

    # -- replies --

    def show(self, template: str, *, buttons=(), **context: Any) -> None:
        self.replies.append(Reply(template, context, tuple(buttons)))

    def closed(self) -> None:
        self.replies.append(Reply("closed", notice=True))

    def ask(self, question: Question, error: ParseError | None = None) -> None:
        """Show a question, with its buttons, progress and any error in what was typed."""
        values = self.case.values()
        editing = self.case.mode == EDITING
        logging_call = self.case.mode == LOGGING
        in_clinic = question.id in CLINIC_FORM
        form = form_of(question.id)
        saved = self.saved_answer(question)
        aside = logging_call or in_clinic
        position = None if aside else progress(self.flow, self.case, question.id)
        buttons = [
            Button(Press(ANSWER, question.id, choice), "choice") for choice in question.choices
        ]
        buttons += [
            Button(Press(ANSWER, question.id, value), "suggestion", {"value": value})
            for value in (() if question.choices else question.suggest(values))
        ]
        if question.unknown_value is not None and question.unknown_value not in question.choices:
            buttons.append(Button(Press(ANSWER, question.id, UNKNOWN), "unknown"))
        if saved is not None:
            buttons.append(Button(Press(KEEP, question.id), "keep"))
        if in_clinic:
            if question is not CLINIC_FORM.questions[0]:
                buttons.append(Button(Press(BACK, question.id), "back"))
            buttons.append(Button(Press(CLINIC_PRESS, "", "cancel"), "clinic_cancel"))
        elif logging_call:
            end = "callcancel" if form is CALL_DETAILS else None if form else "calldone"
            buttons += [Button(Press(MENU, value=end), end)] if end else []
        elif editing or (position and position[0] > 1):
            buttons.append(Button(Press(BACK, question.id), "back"))
        self.show(
            "question",
            buttons=buttons,
            question=question.id,
            kind=str(question.kind),
            progress=None if editing else position,
            editing=editing,
            logging=logging_call,
            clinic_form=in_clinic and {"changing": bool(self.case.clinic_draft["original"])},
            saved=saved["value"] if saved else None,
            error=error and {"code": error.code, **error.details},
            answers=self.answers_with_call(),
        )

    def saved_answer(self, question: Question) -> dict[str, Any] | None:
        """The saved answer offered to keep: a main answer, or a clinic's when changing it."""
        if question.id in CLINIC_FORM:
            return self.clinic_saved_value(question)
        return None if form_of(question.id) else self.case.answers.get(question.id)

    def answers_with_call(self) -> dict[str, Any]:
        """The answers, with what was said on the call or of the clinic being entered."""
        said = self.case.call["answers"] if self.case.call else {}
        draft = self.case.clinic_draft["answers"] if self.case.clinic_draft else {}
        return self.case.values() | said | draft

    def summary(self) -> None:
        """The answers, then the estimate and the call script built from them."""
        values = self.case.values()
        rows = [(q.id, values.get(q.id)) for q in self.flow.applicable(values)]
        self.show(
            "summary",
            rows=rows,
            unknown=[qid for qid, value in rows if value in (UNKNOWN, "unsure")],
            answers=values,
        )
        self.estimate()
        self.call_script()

    def current_answers(self) -> dict[str, Any]:
        """The answers to the questions that apply (an answer left behind by a change is not)."""
        values = self.case.values()
        return {q.id: values[q.id] for q in self.flow.applicable(values) if q.id in values}

    def estimate(self) -> None:
        answers = self.current_answers()
        buttons = [Button(Press(MENU, value="table"), "table")]
        if self.case.mode != DONE:
            buttons.append(self.resume_button())
        result = self.case_estimate()
        self.show(
            "estimate",
            buttons=buttons,
            estimate=result,
            answers=answers,
            clinic=self.chosen(),
            paying=financial_help(answers, result),
        )

    def call_script(self) -> None:
        answers = self.current_answers()
        buttons = [
            Button(Press(MENU, value="download"), "download"),
            Button(Press(MENU, value="logcall"), "logcall"),
        ]
        if self.case.mode == DONE:
            buttons += [Button(Press(MENU, value=m), m) for m in ("review", "reset")]
        else:
            buttons.append(self.resume_button())
        self.show("callscript", buttons=buttons, script=build_call_script(answers), answers=answers)

    def welcome(self) -> None:
        if not self.case.answers:
            self.show("welcome", buttons=[Button(Press(MENU, value="begin"), "begin")])
            return
        self.show(
            "welcome",
            buttons=[
                self.resume_button(),
                Button(Press(MENU, value="review"), "review"),
                Button(Press(MENU, value="reset"), "reset"),
            ],
            returning=True,
            progress=self.resume_progress(),
            logging=self.case.mode == LOGGING,
        )

    def resume_progress(self) -> tuple[int, int] | None:
        question = None if self.case.mode in (LOGGING, CLINIC) else self.current_question()
        return progress(self.flow, self.case, question.id) if question else None

    def resume_button(self) -> Button:
        if self.case.mode == LOGGING:
            return Button(Press(MENU, value="logcall"), "callresume")
        if self.case.mode == CLINIC:
            return Button(Press(CLINIC_PRESS, "", "resume"), "clinic_resume")
        position = self.resume_progress()
        if position is None:
            return Button(Press(MENU, value="summary"), "summary")
        if not self.case.answers:
            return Button(Press(MENU, value="continue"), "begin")
        n, total = position
        return Button(Press(MENU, value="continue"), "resume", {"n": n, "total": total})

    def review(self) -> None:
        values = self.case.values()
        applicable = self.flow.applicable(values) if values else []
        self.show(
            "answers",
            buttons=[
                *(Button(Press(EDIT, q.id), "edit", {"question": q.id}) for q in applicable),
                self.resume_button(),
            ],
            rows=[(q.id, values.get(q.id)) for q in applicable],
            answers=values,
            **self.sources(),
        )

    def sources(self) -> dict[str, Any]:
        """When each answer was given, and the calls it may have come from."""
        return {"given": self.case.answers, "calls": {c["id"]: c for c in self.case.calls}}

    # -- moving through the questions --

    def current_question(self) -> Question | None:
        """The question the user is on: the cursor if it still applies, else the next one."""
        if self.case.mode == LOGGING:
            return self.call_question()
        if self.case.mode == CLINIC:
            return self.clinic_question()
        values = self.case.values()
        cursor = self.case.cursor
        if cursor in self.flow and self.flow[cursor].applies(values) and self.case.mode != DONE:
            return self.flow[cursor]
        return next_question(self.flow, self.case, after=cursor)

    def go(self, question: Question | None) -> None:
        """Ask `question`, or show the summary once nothing is left to ask."""
        if question is None:
            self.set_position(DONE, None)
            self.summary()
        else:
            self.set_position(EDITING if self.case.mode == EDITING else ASKING, question.id)
            self.ask(question)

    def set_position(self, mode: str, cursor: str | None) -> None:
        if (self.case.mode, self.case.cursor) != (mode, cursor):
            self.case.mode, self.case.cursor = mode, cursor
            self.changed = True

    def resume(self) -> None:
        """Ask the current question again, if there is one."""
        if self.case.mode == LOGGING:
            self.resume_call()
        elif self.case.mode == CLINIC:
            self.resume_clinic()
        elif self.case.mode in (ASKING, EDITING):
            self.go(self.current_question())

    def advance(self, answered: str) -> None:
        """Go on after an answer: onwards when walking, back to the summary when editing."""
        if self.case.mode == LOGGING:
            self.call_advance(answered)
        elif self.case.mode == CLINIC:
            self.clinic_advance(answered)
        elif self.case.mode == EDITING:
            question = next_question(self.flow, self.case)
            if question is not None:
                self.set_position(ASKING, question.id)
            self.go(question)
        else:
            self.go(next_question(self.flow, self.case, after=answered))

    def back(self) -> None:
        if self.case.mode == LOGGING:
            self.resume_call()
            return
        if self.case.mode == CLINIC:
            self.clinic_back()
            return
        if self.case.mode == NEW:
            self.welcome()
            return
        if self.case.mode == EDITING:
            following = next_question(self.flow, self.case)
            self.set_position(*((DONE, None) if following is None else (ASKING, following.id)))
            self.review()
            return
        applicable = self.flow.applicable(self.case.values())
        current = self.current_question() if self.case.mode == ASKING else None
        before = applicable[: applicable.index(current)] if current in applicable else applicable
        self.set_position(ASKING, (before[-1] if before else applicable[0]).id)
        self.ask(self.flow[self.case.cursor])

    # -- input --

    def crisis(self, crisis: Crisis) -> None:
        """Crisis resources first, in the message's language; then a gentle way back."""
        way_back = self.resume_button()
        self.show(
            "crisis",
            buttons=[Button(way_back.press, "crisis_continue", {"language": crisis.language})],
            language=crisis.language,
            danger=crisis.danger,
        )

    def text(self, text: str) -> None:
        if self.case.mode in (ASKING, EDITING, LOGGING, CLINIC):
            question = self.current_question()
            if question is not None:
                self.answer(question, text, typed=True)
                return
            if self.case.mode in (LOGGING, CLINIC):
                self.resume()
                return
        if self.case.mode == DONE:
            finished = ("summary", "estimate", "callscript", "review", "reset")
            self.show("finished", buttons=[Button(Press(MENU, value=m), m) for m in finished])
        else:
            self.welcome()

    def press(self, press: Press) -> None:
        if press.action == MENU and press.value in MENU_ITEMS and not press.question:
            self.menu(press.value)
        elif press.action == CONFIRM and press.question and press.question == self.case.confirming:
            self.confirm(press.question, press.value == "yes")
        elif press.action == REMIND and not self.case.confirming:
            self.set_reminder(press.question, press.value)
        elif press.action == CANCEL_REMINDER and not press.question:
            self.cancel_reminder(press.value)
        elif press.action == CLINIC_PRESS:
            self.clinic_press(press)
        elif press.action == EDIT and press.question in self.flow and not press.value:
            self.edit(self.flow[press.question])
        elif press.action in (ANSWER, KEEP, BACK) and self.is_current(press.question):
            question = (form_of(press.question) or self.flow)[press.question]
            if press.action == ANSWER:
                self.answer(question, press.value, typed=False)
            elif press.action == KEEP and (saved := self.saved_answer(question)) is not None:
                if question.id in CLINIC_FORM:
                    self.clinic_answer(question, saved["value"])
                self.advance(question.id)
            elif press.action == BACK:
                self.back()
            else:
                self.closed()
        else:
            self.closed()

    def is_current(self, question_id: str) -> bool:
        asking = (ASKING, EDITING, LOGGING, CLINIC)
        current = self.current_question() if self.case.mode in asking else None
        return current is not None and current.id == question_id

    def menu(self, item: str) -> None:
        if item == "review":
            self.review()
        elif item == "estimate":
            self.estimate()
        elif item == "callscript":
            self.call_script()
        elif item == "table":
            answers = self.current_answers()
            self.show(
                "estimate_table",
                estimate=self.case_estimate(),
                answers=answers,
                clinic=self.chosen(),
            )
        elif item == "download":
            answers = self.current_answers()
            context = {"script": build_call_script(answers), "answers": answers}
            self.replies.append(
                Reply("callscript_sent", context, attachments=("callscript_document",))
            )
        elif item == "reset":
            self.ask_reset()
        elif item == "logcall":
            self.log_call()
        elif item == "calls":
            self.show_calls()
        elif item.startswith("call"):
            self.call_menu(item)
        elif item == "summary" and next_question(self.flow, self.case) is None:
            self.go(None)
        elif self.case.mode == LOGGING:
            self.resume_call()
        else:
            if self.case.mode in (NEW, DONE):
                self.set_position(ASKING, None)
            self.go(self.current_question())

    def edit(self, question: Question) -> None:
        if not question.applies(self.case.values()):
            self.closed()
            return
        if self.case.mode == LOGGING:
            self.call_pick(question)
            return
        self.set_position(EDITING, question.id)
        self.ask(question)

    def answer(self, question: Question, raw: str, *, typed: bool) -> None:
        """Validate and save an answer, then move on; on bad input, explain and ask again."""
        try:
            value = self.parse(question, raw, typed=typed)
        except ParseError as error:
            if not typed:
                self.closed()  # forged or outdated button data: nothing we offered
                return
            self.ask(question, error)
            return
        except _NotOffered:
            self.closed()
            return
        if question.id in CLINIC_FORM:
            self.clinic_answer(question, value)
        elif form_of(question.id):
            self.case.call["answers"][question.id] = value
            self.changed = True
        else:
            self.record(question, value)
        if not typed:
            self.replies.append(
                Reply(
                    "answered",
                    {"question": question.id, "value": value, "answers": self.answers_with_call()},
                    replaces_pressed=True,
                )
            )
        self.advance(question.id)

    def parse(self, question: Question, raw: str, *, typed: bool) -> Any:
        """The value to store for `raw`, or ParseError."""
        if question.unknown_value is not None and (
            is_unknown(raw) if typed else raw == UNKNOWN == question.unknown_value
        ):
            return question.unknown_value
        if question.kind == Kind.CHOICE:
            choice = _match_choice(question, raw) if typed else raw
            if choice not in question.choices:
                if not typed:
                    raise _NotOffered
                raise ParseError("pick_a_button")
            return choice
        if not typed and raw not in question.suggest(self.case.values()):
            raise _NotOffered
        if question.kind == Kind.DATE:
            return self.parse_date(question, raw)
        value = _parse_typed(question, raw)
        self.check_limit(question, value)
        return str(value) if isinstance(value, Decimal) else value

    def parse_date(self, question: Question, raw: str) -> str:
        """An ISO date; not after today unless the question allows it, not before its pair."""
        today = datetime.fromisoformat(self.now).date()
        value = parse_date(raw, today=today, past=not question.future).isoformat()
        earliest = self.answers_with_call().get(question.not_before or "")
        if earliest not in (None, UNKNOWN) and value < earliest:  # ISO dates sort as strings
            raise ParseError("before", other=question.not_before, date=earliest)
        return value

    def check_limit(self, question: Question, value: Any) -> None:
        limit = self.case.values().get(question.at_most) if question.at_most else None
        if limit not in (None, UNKNOWN) and value > Decimal(limit):
            raise ParseError("more_than", other=question.at_most, limit=Decimal(limit))

    def record(self, question: Question, value: Any) -> None:
        """Save an answer, and clear answers it makes impossible (a met amount above a limit)."""
        previous = self.case.answers.get(question.id)
        if previous is not None and previous["value"] == value:
            return
        entry: dict[str, Any] = {"value": value, "at": self.now}
        if self.case.call is not None:
            entry["source"] = {"call": self.case.call["id"]}
            if question.id not in self.case.call["changed"]:
                self.case.call["changed"].append(question.id)
        self.case.answers[question.id] = entry
        self.case.log.append({"question": question.id, **entry})
        self.changed = True
        for other in self.flow.questions:
            saved = self.case.answers.get(other.id)
            if other.at_most != question.id or saved is None or saved["value"] == UNKNOWN:
                continue
            if value != UNKNOWN and Decimal(saved["value"]) > Decimal(value):
                del self.case.answers[other.id]
                self.case.log.append({"question": other.id, "cleared": True, "at": self.now})

    # -- starting over --

    def ask_reset(self) -> None:
        if not self.case.answers:
            self.welcome()
            return
        self.ask_to_confirm("reset")

    def ask_to_confirm(self, what: str) -> None:
        self.case.confirming = what
        self.changed = True
        self.show(
            f"{what}_confirm",
            buttons=[
                Button(Press(CONFIRM, what, "yes"), f"{what}_yes"),
                Button(Press(CONFIRM, what, "no"), f"{what}_no"),
            ],
        )

    def confirm(self, what: str, confirmed: bool) -> None:
        if what.startswith(REMOVING):
            self.confirm_remove_clinic(what, confirmed)
        elif what == "delete":
            self.confirm_delete(confirmed)
        else:
            self.confirm_reset(confirmed)

    def confirm_reset(self, confirmed: bool) -> None:
        self.case.confirming = None
        self.changed = True
        if not confirmed:
            self.show("reset_cancelled")
            if self.case.mode == DONE:
                self.summary()
            else:
                self.resume()
            return
        earlier = {
            "archived_at": self.now,
            "answers": self.case.answers,
            "log": self.case.log,
            "calls": self.case.calls,
            "authorizations": self.case.authorizations,
        }
        archived = [*self.case.archived, earlier]
        # The clinics are kept: their prices do not depend on the plan (none is chosen yet).
        self.case = Case(
            archived=archived,
            mode=ASKING,
            reminders=self.case.reminders,
            clinics=self.case.clinics,
        )
        self.show("reset_done")
        self.go(self.flow.questions[0])

    # -- their data --

    def export(self) -> None:
        """Everything stored, as a JSON file, with the call script and estimate to print."""
        answers = self.current_answers()
        result = self.case_estimate()
        context = {
            "answers": answers,
            "script": build_call_script(answers),
            "estimate": result,
            "paying": financial_help(answers, result),
            "clinic": self.chosen(),
            "exported_at": self.now,
        }
        attachments = ("export", "callscript_document", "estimate_document")
        self.replies.append(Reply("export_sent", context, attachments=attachments))

    def ask_delete(self) -> None:
        self.ask_to_confirm("delete")

    def confirm_delete(self, confirmed: bool) -> None:
        self.case.confirming = None
        self.changed = True
        if confirmed:
            self.erase = True
            self.case = Case()
            self.show("deleted")
        else:
            self.show("delete_cancelled")


class _NotOffered(Exception):
    """A button value the bot never offered for this question."""


def _match_choice(question: Question, raw: str) -> str | None:
    """The choice a typed answer names (its id, or yes/no in plain words)."""
    text = normalize_text(raw).lower()
    if text in question.choices:
        return text
    if question.choices == YES_NO:
        return parse_yes_no(text)
    return None


def _parse_typed(question: Question, raw: str) -> Decimal | int | str:
    """Parse a typed value according to the question's kind."""
    if question.kind == Kind.MONEY:
        if question.maximum is None:
            return parse_money(raw)
        return parse_money(raw, maximum=Decimal(question.maximum))
    if question.kind == Kind.PERCENT:
        return parse_percent(raw)
    if question.kind == Kind.COUNT:
        return parse_count(raw, minimum=question.minimum, maximum=question.maximum or 100)
    return parse_text(raw, max_length=question.maximum or 100)
