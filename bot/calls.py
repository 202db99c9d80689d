"""Logging a call to the insurer, the behavioral-health company or the clinic, as data.

A logged call has two short forms around it: its details (who, when, with
whom, the reference number) before the answers they gave, and any prior
authorization news after. Like the main flow, each question has a template in
templates/questions/.
"""

from __future__ import annotations

from bot.clinics import CLINIC_FORM, NOTE_LENGTH
from bot.flow import Flow, Kind, Question, only, unless
from bot.history_forms import HISTORY_FORMS

CALL_DETAILS = Flow(
    (
        Question(
            "call_party",
            Kind.CHOICE,
            ("insurer", "bh_company", "clinic", "other"),
            unknown_value=None,
        ),
        Question(
            "call_date",
            Kind.DATE,
            unknown_value=None,
            suggest=lambda answers: ("today", "yesterday"),
        ),
        Question("call_rep", Kind.TEXT),
        Question("call_reference", Kind.TEXT),
    )
)

AUTHORIZATION = Flow(
    (
        Question(
            "pa_status",
            Kind.CHOICE,
            ("none", "pending", "approved", "denied"),
            unknown_value=None,
        ),
        Question("pa_number", Kind.TEXT, when=unless("pa_status", "none")),
        Question(
            "pa_sessions", Kind.COUNT, when=only("pa_status", "approved"), minimum=1, maximum=100
        ),
        Question("pa_start", Kind.DATE, when=only("pa_status", "approved"), future=True),
        Question(
            "pa_end",
            Kind.DATE,
            when=only("pa_status", "approved"),
            future=True,
            not_before="pa_start",
        ),
        Question("pa_letter_date", Kind.DATE, when=only("pa_status", "denied")),
        Question("call_note", Kind.TEXT, maximum=NOTE_LENGTH),
    )
)

FORMS = (CALL_DETAILS, AUTHORIZATION, CLINIC_FORM, *HISTORY_FORMS.values())
"""The short forms beside the main flow: a call's details and news, a clinic, and the
medication history's entries."""


def form_of(question_id: str) -> Flow | None:
    """The form a question belongs to, or None for the main flow's questions."""
    return next((form for form in FORMS if question_id in form), None)
