"""The medication history's three short forms, as data, and what each files in the history.

A medicine tried (TRIAL_FORM), a rating-scale score (SCORE_FORM) and the other treatments tried
(OTHER_FORM), each one question at a time like a clinic's form (bot/clinics.py); every question
has its template in templates/questions/, and "I don't know" is an answer wherever it can be.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.flow import UNKNOWN, YES_NO, Answers, Flow, Kind, Question, only, unless
from bot.history import (
    DOSE_LENGTH,
    DRUG_CLASSES,
    NAME_LENGTH,
    OTHER_TREATMENTS,
    OUTCOMES,
    SCALE_MAXIMUM,
    SCALES,
    History,
    Score,
    Trial,
)
from bot.medications import MEDICATIONS, find

MATCHED = "trial_medication"
"""Kept in a trial's draft beside its answers: the id of the medicine the name matched, or ""
(the form then asks its class)."""


@dataclass(frozen=True)
class _Unmatched:
    """The name typed matched no medicine in the list: its class is asked (a flow condition)."""

    def holds(self, answers: Answers) -> bool:
        return "trial_name" in answers and not answers.get(MATCHED)

    def may_hold(self, answers: Answers) -> bool:
        return "trial_name" not in answers or self.holds(answers)

    def questions(self) -> tuple[str, ...]:
        return ("trial_name",)


TRIAL_FORM = Flow(
    (
        Question("trial_name", Kind.TEXT, unknown_value=None, maximum=NAME_LENGTH),
        Question("trial_class", Kind.CHOICE, DRUG_CLASSES, when=_Unmatched()),
        Question("trial_dose", Kind.TEXT, maximum=DOSE_LENGTH),
        Question("trial_start", Kind.DATE, months=True),
        Question("trial_outcome", Kind.CHOICE, tuple(o for o in OUTCOMES if o != UNKNOWN)),
        Question(
            "trial_end",
            Kind.DATE,
            months=True,
            not_before="trial_start",
            when=unless("trial_outcome", "still_taking"),
        ),
    )
)
SCORE_FORM = Flow(
    (
        Question("score_scale", Kind.CHOICE, SCALES, unknown_value=None),
        *(
            Question(
                f"score_{scale}",
                Kind.COUNT,
                when=only("score_scale", scale),
                unknown_value=None,
                maximum=SCALE_MAXIMUM[scale],
            )
            for scale in SCALES
        ),
        Question("score_date", Kind.DATE, months=True),
    )
)
OTHER_FORM = Flow(tuple(Question(f"other_{t}", Kind.CHOICE, YES_NO) for t in OTHER_TREATMENTS))

HISTORY_FORMS = {"trial": TRIAL_FORM, "score": SCORE_FORM, "other": OTHER_FORM}
"""Each form by the kind of entry it makes."""


def matched(name: str) -> dict[str, str]:
    """What a typed medicine's name adds to the draft: the name as shown (the generic name
    when it is in the list) and the id it matched ("" when none)."""
    medication = find(name).medication
    if medication is None:
        return {"trial_name": name, MATCHED: ""}
    return {"trial_name": medication.name, MATCHED: medication.id}


def _known(value: object) -> Any:
    return None if value in (None, UNKNOWN) else value


def trial_of(said: Mapping[str, Any]) -> Trial:
    """The trial a finished TRIAL_FORM describes."""
    medication = MEDICATIONS.get(said.get(MATCHED) or "")
    return Trial(
        name=said["trial_name"],
        medication=medication.id if medication else None,
        drug_class=medication.drug_class if medication else _known(said.get("trial_class")),
        dose=_known(said.get("trial_dose")),
        start=_known(said.get("trial_start")),
        end=None if said.get("trial_outcome") == "still_taking" else _known(said.get("trial_end")),
        outcome=said.get("trial_outcome") or UNKNOWN,
    )


def trial_answers(trial: Trial) -> dict[str, Any]:
    """A saved trial as the form's answers (offered to keep when it is changed)."""
    answers: dict[str, Any] = {
        "trial_name": trial.name,
        MATCHED: trial.medication or "",
        "trial_dose": trial.dose or UNKNOWN,
        "trial_start": trial.start or UNKNOWN,
        "trial_outcome": trial.outcome,
    }
    if not trial.medication:
        answers["trial_class"] = trial.drug_class or UNKNOWN
    if trial.outcome != "still_taking":
        answers["trial_end"] = trial.end or UNKNOWN
    return answers


def score_of(said: Mapping[str, Any]) -> Score:
    scale = said["score_scale"]
    return Score(scale, int(said[f"score_{scale}"]), _known(said.get("score_date")))


def with_other(history: History, said: Mapping[str, Any]) -> History:
    """The history with the other treatments the form says were tried (kept if not known)."""
    tried = {t for t in OTHER_TREATMENTS if said.get(f"other_{t}") == "yes"}
    kept = {t for t in history.other if said.get(f"other_{t}") in (None, UNKNOWN)}
    return History(
        history.trials, history.scores, tuple(t for t in OTHER_TREATMENTS if t in tried | kept)
    )
