"""One person's case: their answers, where they are in the conversation, what they logged.

Also what every part of the engine asks of a case: where is the user (`progress`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from bot.flow import SELF, Flow
from bot.history import History, InvalidHistory

NEW, ASKING, EDITING, DONE, LOGGING = "new", "asking", "editing", "done", "logging"
CLINIC = "clinic"
"""Mode while a clinic is being added or changed."""
HISTORY = "history"
"""Mode while a medicine, a score or the other treatments are being entered."""
MODE_NAMES = (NEW, ASKING, EDITING, DONE, LOGGING, CLINIC, HISTORY)


class MalformedCase(ValueError):
    """A saved case that does not have the shape of one (it is reported, never overwritten)."""


LOG_KEPT = 1000
"""Changes kept in a case's log: far more than a case needs, and a record stays small."""
OPEN_KEPT = 20
"""Cases open at once: a family's, or a navigator's week, with room to spare."""
ARCHIVED_KEPT = 20
"""Cases put aside (by /reset or from /cases); putting one more aside removes the oldest."""


@dataclass
class Draft:
    """A form being filled in beside the questions: a call being logged, a clinic being entered.

    What it says is kept here until the form is done, then filed in the case (a call, a clinic).
    """

    id: int
    """The number the call or clinic will have (a clinic being changed keeps its own)."""
    cursor: str | None
    """The form's question the user is on; None between a call's stages."""
    answers: dict[str, Any] = field(default_factory=dict)
    """What was said so far, by question id."""
    stage: str = ""
    """A call's stage: "details", "answers" (what they said), "authorization"; a history
    entry's form: "trial", "score", "other"."""
    changed: list[str] = field(default_factory=list)
    """A call: the main answers it changed, in order."""
    walk: bool = True
    """A call: walking through the unknown answers (else picking them from the list)."""
    original: dict[str, Any] = field(default_factory=dict)
    """A clinic being changed: its saved answers, offered to keep."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Draft | None:
        if not data:
            return None
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


@dataclass
class Case:
    """One person's answers and where they are in the conversation."""

    answers: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Question id -> {"value": stored value, "at": ISO time it was given}."""
    log: list[dict[str, Any]] = field(default_factory=list)
    """Every answer given, changed or cleared, oldest first (the newest `LOG_KEPT`)."""
    mode: str = NEW
    cursor: str | None = None
    confirming: str | None = None
    """"reset" or "delete" while the user is asked to confirm it."""
    number: int = 1
    """This case's number among the user's cases (bot/caseload.py), from 1, never reused."""
    archived_at: str | None = None
    """When the case was put aside (only ever set on one of `others`)."""
    language: str | None = None
    """The language the user chose, or Telegram's on their first message ("es"); None:
    English. The user's, not one case's: switching cases keeps it (bot/engine.py)."""
    others: list[dict[str, Any]] = field(default_factory=list)
    """The user's other cases, each saved as a case is (without `others`), open or put aside:
    the engine works on one case at a time, and switching swaps one in (bot/caseload.py)."""

    def record_change(self, entry: dict[str, Any]) -> None:
        """Add to the change log, forgetting the oldest entries past `LOG_KEPT` (the answers
        themselves are all kept: only the history of how they changed is shortened)."""
        self.log.append(entry)
        del self.log[:-LOG_KEPT]

    calls: list[dict[str, Any]] = field(default_factory=list)
    """Calls logged: who, when, with whom, the reference number, what changed."""
    authorizations: list[dict[str, Any]] = field(default_factory=list)
    """Prior authorizations heard of on a call: number, status, sessions, dates."""
    call: Draft | None = None
    """The call being logged: its stage, where it is, and what was said so far."""
    reminders: list[dict[str, Any]] = field(default_factory=list)
    """Reminders set: id, kind, due day, and when each was sent."""
    clinics: list[dict[str, Any]] = field(default_factory=list)
    """Clinics being compared, in the order they were added (bot.clinics.Clinic.to_dict)."""
    clinic_draft: Draft | None = None
    """The clinic being added or changed: its id, where the form is, what was said so far."""
    history: dict[str, Any] = field(default_factory=dict)
    """The medication history (bot.history.History.to_dict): medicines, scores, treatments."""
    history_draft: Draft | None = None
    """The history entry being added or changed (its number, 0 for a new one)."""
    chosen_clinic: int | None = None
    """Id of the clinic chosen in /clinics: its prices are the estimate's."""
    held: dict[str, Any] | None = None
    """A typed answer held back until the user says it was meant for the current question
    (it looked like the previous answer sent again): {"question": id, "text": what was typed};
    "text" None once the user said it was sent again (not asked twice for that question)."""

    def values(self) -> dict[str, Any]:
        """Question id -> stored value."""
        return {qid: answer["value"] for qid, answer in self.answers.items()}

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able copy, for the store."""
        drafts = {name: asdict(d) if (d := getattr(self, name)) else None for name in _DRAFTS}
        return _copy(self.__dict__ | drafts)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Case:
        """The case saved as `data` (a new case for None); MalformedCase if it is not one.

        A case saved before there were several (with `archived`, no `number`) is read as
        several: each earlier case becomes a case to reopen, nothing left out.
        """
        if not data:
            return cls()
        if not isinstance(data, Mapping):
            raise MalformedCase("the case is not an object")
        data = _migrated(data)
        _check_shape(data)
        others = data.get("others", [])
        if not isinstance(others, list):
            raise MalformedCase("others")
        for other in others:
            _check_shape(other)
            if "others" in other:
                raise MalformedCase("others")
        known = {k: v for k, v in _copy(data).items() if k in cls.__dataclass_fields__}
        drafts = {name: Draft.from_dict(known.get(name)) for name in _DRAFTS}
        return cls(**known | drafts)


_DRAFTS = ("call", "clinic_draft", "history_draft")
_LISTS = ("log", "calls", "authorizations", "reminders", "clinics")
_OPTIONAL_TEXT = ("cursor", "confirming", "archived_at", "language")


def _migrated(data: Mapping[str, Any]) -> dict[str, Any]:
    """A case as saved today from one saved before named cases (schema 1): the earlier cases
    kept by /reset become cases put aside, numbered in the order they were made, the current
    one last; each that was answered is about the user (the questions said "you" then).
    A case saved today is returned as it is."""
    data = dict(data)
    if "number" in data:
        return data
    earlier = data.pop("archived", [])
    if not isinstance(earlier, list) or not all(isinstance(kept, Mapping) for kept in earlier):
        raise MalformedCase("archived")
    others = [
        _about_the_user(
            {
                "number": number,
                "archived_at": str(kept.get("archived_at") or "") or None,
                "answers": kept.get("answers", {}),
                "log": kept.get("log", []),
                "calls": kept.get("calls", []),
                "authorizations": kept.get("authorizations", []),
                "mode": ASKING,
            }
        )
        for number, kept in enumerate(earlier, start=1)
    ]
    return _about_the_user(data) | {"number": len(earlier) + 1, "others": others}


def _about_the_user(data: dict[str, Any]) -> dict[str, Any]:
    """An answered case from before `for_whom` was asked, as about the user, since its first
    answer."""
    answers = data.get("answers") or {}
    if not isinstance(answers, dict) or not answers or "for_whom" in answers:
        return data
    first = min(
        (
            str(answer["at"])
            for answer in answers.values()
            if isinstance(answer, Mapping) and answer.get("at")
        ),
        default=data.get("archived_at") or "",
    )
    return data | {"answers": {"for_whom": {"value": SELF, "at": first}, **answers}}


def _check_shape(data: Mapping[str, Any]) -> None:
    """What the engine relies on in a saved case, or MalformedCase saying what is wrong."""
    if not isinstance(data, Mapping):
        raise MalformedCase("the case is not an object")
    if not isinstance(data.get("number", 1), int) or isinstance(data.get("number"), bool):
        raise MalformedCase("number")
    answers = data.get("answers", {})
    if not isinstance(answers, dict) or not all(
        isinstance(a, dict) and "value" in a for a in answers.values()
    ):
        raise MalformedCase("answers")
    if data.get("mode", NEW) not in MODE_NAMES:
        raise MalformedCase("mode")
    for name in _OPTIONAL_TEXT:
        if not isinstance(data.get(name), str | None):
            raise MalformedCase(name)
    for name in _LISTS:
        value = data.get(name, [])
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            raise MalformedCase(name)
    for name in _DRAFTS:
        draft = data.get(name)
        if draft is not None and not (isinstance(draft, dict) and {"id", "cursor"} <= set(draft)):
            raise MalformedCase(name)
    if not isinstance(data.get("chosen_clinic"), int | None):
        raise MalformedCase("chosen_clinic")
    try:
        History.from_dict(data.get("history", {}))
    except InvalidHistory as error:
        raise MalformedCase("history") from error
    held = data.get("held")
    if held is not None and not (
        isinstance(held, dict) and isinstance(held.get("question"), str) and "text" in held
    ):
        raise MalformedCase("held")


def progress(flow: Flow, case: Case, question_id: str | None = None) -> tuple[int, int] | None:
    """(n, total) of a question among those counted (`Flow.counted`), or None if it does not
    apply or is not counted.

    The total counts the questions that may still apply, so it only ever shrinks
    as answers rule branches out.
    """
    values = case.values()
    question_id = question_id or case.cursor
    possible = flow.counted(values)
    if question_id not in possible or not flow[question_id].applies(values):
        return None
    return possible.index(question_id) + 1, len(possible)


def _copy(data: dict[str, Any]) -> dict[str, Any]:
    # A case is JSON by design (it is stored as JSON); a JSON round trip copies it several
    # times faster than copy.deepcopy.
    return json.loads(json.dumps(data))
