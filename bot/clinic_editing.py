"""The clinics being compared, as part of a turn of the engine: list, add, change, remove, choose.

A mixin of the engine's turn: it uses the turn's `ask`, `show`, `closed`,
`current_answers`, `leave_call` and the case. A clinic is entered through
CLINIC_FORM (bot/clinics.py), one question at a time, like a call's details.
"""

from __future__ import annotations

from typing import Any

from bot.case import CLINIC
from bot.clinics import CLINIC_FORM, MAX_CLINICS, Clinic, clinics_of
from bot.compare import clinic_answers, clinic_estimate, compare
from bot.estimate import Estimate, estimate
from bot.events import CLINIC_PRESS, CONFIRM, MENU, Press
from bot.flow import Question
from bot.paying import financial_help
from bot.replies import Button

REMOVING = "clinic"
"""`confirming` while removal of a clinic is asked: "clinic<id>"."""


class ClinicEditing:
    """Turn methods for /clinics."""

    # -- reading --

    def clinics(self) -> list[Clinic]:
        return clinics_of(self.case.clinics)

    def find_clinic(self, clinic_id: str | int) -> Clinic | None:
        return next((c for c in self.clinics() if str(c.id) == str(clinic_id)), None)

    def chosen(self) -> Clinic | None:
        """The chosen clinic, while it is still the clinic the answers name."""
        clinic = self.find_clinic(self.case.chosen_clinic or "")
        if clinic is None or self.case.values().get("clinic") != clinic.name:
            return None
        return clinic

    def case_estimate(self) -> Estimate:
        """The estimate for the answers, priced at the chosen clinic if there is one."""
        answers = self.current_answers()
        clinic = self.chosen()
        return estimate(answers) if clinic is None else clinic_estimate(answers, clinic)

    # -- the list and one clinic --

    def show_clinics(self) -> None:
        clinics = self.clinics()
        buttons = [
            Button(Press(CLINIC_PRESS, str(c.id), "show"), "clinic_open", {"name": c.name})
            for c in clinics
        ]
        if len(clinics) < MAX_CLINICS:
            buttons.append(Button(Press(CLINIC_PRESS, "", "add"), "clinic_add"))
        buttons.append(self.resume_button())
        answers = self.current_answers()
        comparison = compare(answers, clinics)
        chosen = self.chosen()
        # What can help paying, judged on the clinic chosen, else on the cheapest.
        shown = comparison.option(chosen.id) if chosen else next(iter(comparison.options), None)
        self.show(
            "clinics",
            buttons=buttons,
            comparison=comparison,
            chosen=chosen.id if chosen else None,
            answers=answers,
            limit=MAX_CLINICS,
            paying=financial_help(clinic_answers(answers, shown.clinic), shown.estimate)
            if shown
            else (),
        )

    def show_clinic(self, clinic: Clinic) -> None:
        chosen = self.chosen()
        buttons = []
        if chosen is None or chosen.id != clinic.id:
            buttons.append(Button(Press(CLINIC_PRESS, str(clinic.id), "choose"), "clinic_choose"))
        buttons += [
            Button(Press(CLINIC_PRESS, str(clinic.id), "edit"), "clinic_edit"),
            Button(Press(CLINIC_PRESS, str(clinic.id), "remove"), "clinic_remove"),
            Button(Press(CLINIC_PRESS, "", "list"), "clinic_list"),
        ]
        answers = self.current_answers()
        self.show(
            "clinic",
            buttons=buttons,
            clinic=clinic,
            estimate=clinic_estimate(answers, clinic),
            chosen=chosen is not None and chosen.id == clinic.id,
            answers=answers,
        )

    def clinic_press(self, press: Press) -> None:
        """A clinic button: what it does depends on its verb and that the clinic still exists."""
        verb, clinic = press.value, self.find_clinic(press.question)
        drafting = self.case.mode == CLINIC and self.case.clinic_draft is not None
        if verb == "list" and not press.question:
            self.show_clinics()
        elif verb == "add" and not press.question:
            self.start_clinic(None)
        elif verb in ("cancel", "resume") and not press.question and drafting:
            self.cancel_clinic() if verb == "cancel" else self.resume_clinic()
        elif clinic is None:
            self.closed()
        elif verb == "show":
            self.show_clinic(clinic)
        elif verb == "edit":
            self.start_clinic(clinic)
        elif verb == "choose":
            self.choose_clinic(clinic)
        elif verb == "remove":
            self.case.confirming = f"{REMOVING}{clinic.id}"
            self.changed = True
            self.show(
                "clinic_remove_confirm",
                buttons=[
                    Button(Press(CONFIRM, self.case.confirming, "yes"), "clinic_remove_yes"),
                    Button(Press(CONFIRM, self.case.confirming, "no"), "clinic_remove_no"),
                ],
                clinic=clinic,
            )
        else:
            self.closed()

    def confirm_remove_clinic(self, what: str, confirmed: bool) -> None:
        self.case.confirming = None
        self.changed = True
        clinic = self.find_clinic(what.removeprefix(REMOVING))
        if clinic is None:
            self.closed()
            return
        if confirmed:
            self.case.clinics = [c for c in self.case.clinics if c["id"] != clinic.id]
            if self.case.chosen_clinic == clinic.id:
                self.case.chosen_clinic = None
            self.show("clinic_removed", clinic=clinic)
        self.show_clinics()

    def choose_clinic(self, clinic: Clinic) -> None:
        """Use this clinic's prices for the estimate and its name in the call script."""
        self.apply_clinic(clinic)
        self.show(
            "clinic_chosen",
            buttons=[
                Button(Press(MENU, value="estimate"), "estimate"),
                Button(Press(MENU, value="callscript"), "callscript"),
                Button(Press(CLINIC_PRESS, "", "list"), "clinic_list"),
                self.resume_button(),
            ],
            clinic=clinic,
        )

    def apply_clinic(self, clinic: Clinic) -> None:
        """Choose the clinic: its answers (name, network, prices) replace those given before."""
        self.case.chosen_clinic = clinic.id
        self.changed = True
        for question, value in clinic.answers().items():
            previous = self.case.answers.get(question)
            if previous is not None and previous["value"] == value:
                continue
            entry: dict[str, Any] = {
                "value": value,
                "at": self.now,
                "source": {"clinic": clinic.id},
            }
            self.case.answers[question] = entry
            self.case.log.append({"question": question, **entry})

    # -- the form --

    def start_clinic(self, clinic: Clinic | None) -> None:
        """Add a clinic (None) or change one: walk CLINIC_FORM, keeping saved values."""
        if clinic is None and len(self.case.clinics) >= MAX_CLINICS:
            self.show("clinics_full", limit=MAX_CLINICS)
            self.show_clinics()
            return
        number = max((c["id"] for c in self.case.clinics), default=0) + 1
        original = clinic.form_answers() if clinic else {}
        self.case.clinic_draft = {
            "id": clinic.id if clinic else number,
            "cursor": CLINIC_FORM.questions[0].id,
            "answers": dict(original),
            "original": original,
        }
        self.set_position(CLINIC, self.case.cursor)
        self.changed = True
        self.resume_clinic()

    def clinic_question(self) -> Question | None:
        draft = self.case.clinic_draft
        cursor = draft and draft["cursor"]
        if cursor not in CLINIC_FORM:
            return None
        return CLINIC_FORM[cursor]

    def resume_clinic(self) -> None:
        question = self.clinic_question()
        if question is None:  # a draft without a question left: file what it has
            self.finish_clinic()
        else:
            self.ask(question)

    def clinic_saved_value(self, question: Question) -> dict[str, Any] | None:
        """The value a clinic being changed has for this question (offered to keep)."""
        original = self.case.clinic_draft["original"] if self.case.clinic_draft else {}
        return {"value": original[question.id]} if question.id in original else None

    def clinic_answer(self, question: Question, value: Any) -> None:
        self.case.clinic_draft["answers"][question.id] = value
        self.changed = True

    def clinic_advance(self, answered: str) -> None:
        """On to the next question of the form that applies, or file the clinic."""
        said = self.case.clinic_draft["answers"]
        order = [q.id for q in CLINIC_FORM.questions]
        following = next(
            (q for q in CLINIC_FORM.applicable(said) if order.index(q.id) > order.index(answered)),
            None,
        )
        if following is None:
            self.finish_clinic()
            return
        self.case.clinic_draft["cursor"] = following.id
        self.changed = True
        self.ask(following)

    def clinic_back(self) -> None:
        """The previous question of the form; before the first, the list of clinics."""
        said = self.case.clinic_draft["answers"]
        current = self.case.clinic_draft["cursor"]
        before = [q for q in CLINIC_FORM.applicable(said) if q.id != current]
        order = [q.id for q in CLINIC_FORM.questions]
        before = [q for q in before if order.index(q.id) < order.index(current)]
        if not before:
            self.cancel_clinic()
            return
        self.case.clinic_draft["cursor"] = before[-1].id
        self.changed = True
        self.ask(before[-1])

    def cancel_clinic(self) -> None:
        self.case.clinic_draft = None
        self.changed = True
        self.leave_call()
        self.show("clinic_cancelled")
        self.show_clinics()

    def finish_clinic(self) -> None:
        """Save the clinic entered (replacing the one changed) and show the comparison."""
        draft = self.case.clinic_draft
        applicable = CLINIC_FORM.applicable(draft["answers"])
        said = {q.id: draft["answers"][q.id] for q in applicable if q.id in draft["answers"]}
        clinic = Clinic.from_form(draft["id"], said)
        stored = clinic.to_dict()
        existing = [i for i, c in enumerate(self.case.clinics) if c["id"] == clinic.id]
        if existing:
            self.case.clinics[existing[0]] = stored
        else:
            self.case.clinics.append(stored)
        self.case.clinic_draft = None
        self.changed = True
        self.leave_call()
        if self.case.chosen_clinic == clinic.id:
            self.apply_clinic(clinic)  # the estimate follows the clinic's new prices
        self.show("clinic_saved", clinic=clinic, changed=bool(existing))
        self.show_clinics()
