"""The clinics being compared: the list, one clinic, choosing and removing; entering one is a mode.

A clinic is entered through CLINIC_FORM (bot/clinics.py), one question at a time, like a
call's details; what was said is kept in a `Draft` until the clinic is saved.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from bot.case import CLINIC, Draft
from bot.clinics import CLINIC_FORM, MAX_CLINICS, Clinic, clinics_of
from bot.compare import clinic_answers, clinic_estimate, compare
from bot.events import BackFrom, ClinicButton, Menu, Press
from bot.flow import Question
from bot.modes import Mode
from bot.paying import financial_help
from bot.replies import Button

if TYPE_CHECKING:
    from bot.engine import Turn

REMOVING = "clinic"
"""`confirming` while removal of a clinic is asked: "clinic<id>"."""


# -- reading --


def find(turn: Turn, clinic_id: str | int) -> Clinic | None:
    return next((c for c in clinics_of(turn.case.clinics) if str(c.id) == str(clinic_id)), None)


def chosen(turn: Turn) -> Clinic | None:
    """The chosen clinic, while it is still the clinic the answers name."""
    clinic = find(turn, turn.case.chosen_clinic or "")
    if clinic is None or turn.values().get("clinic") != clinic.name:
        return None
    return clinic


# -- the list and one clinic --


def show_clinics(turn: Turn) -> None:
    clinics = clinics_of(turn.case.clinics)
    buttons = [
        Button(ClinicButton(str(c.id), "show"), "clinic_open", {"name": c.name}) for c in clinics
    ]
    if len(clinics) < MAX_CLINICS:
        buttons.append(Button(ClinicButton("", "add"), "clinic_add"))
    if len(clinics) > 1:
        buttons.append(Button(Menu("clinic_chart"), "clinic_chart"))
    buttons.append(turn.resume_button())
    answers = turn.current_answers()
    comparison = compare(answers, clinics)
    picked = chosen(turn)
    # What can help paying, judged on the clinic chosen, else on the cheapest.
    shown = comparison.option(picked.id) if picked else next(iter(comparison.options), None)
    turn.show(
        "clinics",
        buttons=buttons,
        comparison=comparison,
        chosen=picked.id if picked else None,
        answers=answers,
        limit=MAX_CLINICS,
        paying=financial_help(clinic_answers(answers, shown.clinic), shown.estimate)
        if shown
        else (),
    )


def show_clinic(turn: Turn, clinic: Clinic) -> None:
    picked = chosen(turn)
    is_chosen = picked is not None and picked.id == clinic.id
    buttons = [] if is_chosen else [Button(ClinicButton(str(clinic.id), "choose"), "clinic_choose")]
    buttons += [
        Button(ClinicButton(str(clinic.id), "edit"), "clinic_edit"),
        Button(ClinicButton(str(clinic.id), "remove"), "clinic_remove"),
        Button(ClinicButton("", "list"), "clinic_list"),
    ]
    answers = turn.current_answers()
    turn.show(
        "clinic",
        buttons=buttons,
        clinic=clinic,
        estimate=clinic_estimate(answers, clinic),
        chosen=is_chosen,
        answers=answers,
    )


def press(turn: Turn, button: ClinicButton) -> None:
    """A clinic button: what it does depends on its verb and that the clinic still exists.

    (Cancel and Resume of the form are the form's own: `EnteringClinic.actions`.)
    """
    verb, clinic = button.verb, find(turn, button.clinic)
    if verb == "list" and not button.clinic:
        show_clinics(turn)
    elif verb == "add" and not button.clinic:
        start(turn, None)
    elif clinic is None:
        turn.closed()
    elif verb == "show":
        show_clinic(turn, clinic)
    elif verb == "edit":
        start(turn, clinic)
    elif verb == "choose":
        choose(turn, clinic)
    elif verb == "remove":
        turn.ask_to_confirm(f"{REMOVING}{clinic.id}", "clinic_remove", clinic=clinic)
    else:
        turn.closed()


def confirm_remove(turn: Turn, what: str, confirmed: bool) -> None:
    turn.case.confirming = None
    turn.changed = True
    clinic = find(turn, what.removeprefix(REMOVING))
    if clinic is None:
        turn.closed()
        return
    if confirmed:
        turn.case.clinics = [c for c in turn.case.clinics if c["id"] != clinic.id]
        if turn.case.chosen_clinic == clinic.id:
            turn.case.chosen_clinic = None
        turn.show("clinic_removed", clinic=clinic)
    show_clinics(turn)


def choose(turn: Turn, clinic: Clinic) -> None:
    """Use this clinic's prices for the estimate and its name in the call script."""
    apply(turn, clinic)
    turn.show(
        "clinic_chosen",
        buttons=[
            Button(Menu("estimate"), "estimate"),
            Button(Menu("callscript"), "callscript"),
            Button(ClinicButton("", "list"), "clinic_list"),
            turn.resume_button(),
        ],
        clinic=clinic,
    )


def apply(turn: Turn, clinic: Clinic) -> None:
    """Choose the clinic: its answers (name, network, prices) replace those given before."""
    turn.case.chosen_clinic = clinic.id
    turn.changed = True
    for question, value in clinic.answers().items():
        previous = turn.case.answers.get(question)
        if previous is not None and previous["value"] == value:
            continue
        entry: dict[str, Any] = {"value": value, "at": turn.now, "source": {"clinic": clinic.id}}
        turn.case.answers[question] = entry
        turn.case.log.append({"question": question, **entry})


def start(turn: Turn, clinic: Clinic | None) -> None:
    """Add a clinic (None) or change one: walk CLINIC_FORM, keeping saved values."""
    if clinic is None and len(turn.case.clinics) >= MAX_CLINICS:
        turn.show("clinics_full", limit=MAX_CLINICS)
        show_clinics(turn)
        return
    number = max((c["id"] for c in turn.case.clinics), default=0) + 1
    original = clinic.form_answers() if clinic else {}
    turn.case.clinic_draft = Draft(
        clinic.id if clinic else number,
        CLINIC_FORM.questions[0].id,
        answers=dict(original),
        original=original,
    )
    turn.set_position(CLINIC, turn.case.cursor)
    turn.changed = True
    turn.mode.resume()


class EnteringClinic(Mode):
    """A clinic being added or changed, one question of CLINIC_FORM at a time."""

    aside: ClassVar[str | None] = "clinic"

    @property
    def draft(self) -> Draft:
        return self.turn.case.clinic_draft

    def question(self) -> Question | None:
        return CLINIC_FORM.get(self.draft.cursor) if self.draft else None

    def header(self, question: Question) -> Mapping[str, Any]:
        changing = "clinic_changing" if self.draft.original else "clinic_adding"
        return {"progress": None, "header": changing}

    def question_buttons(self, question: Question) -> list[Button]:
        first = question is CLINIC_FORM.questions[0]
        back = [] if first else [Button(BackFrom(question.id), "back")]
        return [*back, Button(ClinicButton("", "cancel"), "clinic_cancel")]

    def resume_button(self) -> Button:
        return Button(ClinicButton("", "resume"), "clinic_resume")

    def saved(self, question: Question) -> Mapping[str, Any] | None:
        """The value a clinic being changed has for this question (offered to keep)."""
        original = self.draft.original
        return {"value": original[question.id]} if question.id in original else None

    def store(self, question: Question, value: Any) -> None:
        self.draft.answers[question.id] = value
        self.turn.changed = True

    def actions(self) -> Mapping[Press, Callable[[], None]]:
        return {ClinicButton("", "cancel"): self.cancel, ClinicButton("", "resume"): self.resume}

    def resume(self) -> None:
        question = self.question()
        if question is None:  # a draft without a question left: file what it has
            self.finish()
        else:
            self.turn.ask(question)

    def advance(self, answered: str) -> None:
        """On to the next question of the form that applies, or file the clinic."""
        following = CLINIC_FORM.after(self.draft.answers, answered)
        if following is None:
            self.finish()
            return
        self.move_to(following)

    def back(self) -> None:
        """The previous question of the form; before the first, the list of clinics."""
        previous = CLINIC_FORM.before(self.draft.answers, self.draft.cursor)
        if previous is None:
            self.cancel()
        else:
            self.move_to(previous)

    def move_to(self, question: Question) -> None:
        self.draft.cursor = question.id
        self.turn.changed = True
        self.turn.ask(question)

    def cancel(self) -> None:
        self.turn.case.clinic_draft = None
        self.turn.changed = True
        self.turn.leave_form()
        self.turn.show("clinic_cancelled")
        show_clinics(self.turn)

    def finish(self) -> None:
        """Save the clinic entered (replacing the one changed) and show the comparison."""
        turn, draft = self.turn, self.draft
        applicable = CLINIC_FORM.applicable(draft.answers)
        said = {q.id: draft.answers[q.id] for q in applicable if q.id in draft.answers}
        clinic = Clinic.from_form(draft.id, said)
        stored = clinic.to_dict()
        existing = [i for i, c in enumerate(turn.case.clinics) if c["id"] == clinic.id]
        if existing:
            turn.case.clinics[existing[0]] = stored
        else:
            turn.case.clinics.append(stored)
        turn.case.clinic_draft = None
        turn.changed = True
        turn.leave_form()
        if turn.case.chosen_clinic == clinic.id:
            apply(turn, clinic)  # the estimate follows the clinic's new prices
        turn.show("clinic_saved", clinic=clinic, changed=bool(existing))
        show_clinics(turn)
