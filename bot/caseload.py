"""A user's cases: the one being worked on, and the others, open or put aside. Pure.

A relative or a navigator keeps several cases apart: each has its own answers, calls,
clinics, history and reminders. The engine works on one `Case` at a time; the user's other
cases ride along in its `others`, each saved as a case is, and switching swaps one in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.case import ARCHIVED_KEPT, NEW, Case
from bot.flow import OTHER, SELF, UNKNOWN

KEPT_ON_START_OVER = ("for_whom", "patient_name")
"""Answers a case started over keeps: it is about the same person."""


@dataclass(frozen=True)
class Summary:
    """One case as /cases lists it."""

    number: int
    name: str | None
    """The name or label given to the patient, if any."""
    about: str
    """"self" or "other" (`for_whom`), "self" until it is answered."""
    treatment: str | None
    insurer: str | None
    last_call: str | None
    """The day of the latest call logged (ISO)."""
    next_reminder: str | None
    """The day of the next reminder still to come (ISO); none for a case put aside."""
    archived_at: str | None
    current: bool


def name(data: Mapping[str, Any]) -> str | None:
    """The name or label the user gave a case's patient (a case as saved), if any."""
    value = _value(data, "patient_name")
    return None if value in (None, UNKNOWN) else str(value)


def about(data: Mapping[str, Any]) -> str:
    """Whom a case (as saved) is about: "self" or "other"."""
    return whom(data.get("answers", {}))


def whom(answers: Mapping[str, Any]) -> str:
    """Whom a case with these answers (as saved) is about: "self" or "other"."""
    answer = answers.get("for_whom")
    return OTHER if answer and answer.get("value") == OTHER else SELF


def _value(data: Mapping[str, Any], question: str) -> Any:
    answer = data.get("answers", {}).get(question)
    return answer.get("value") if answer else None


def saved(case: Case) -> dict[str, Any]:
    """The case as it is kept among the others: without them, and without a question asked
    of it (a confirmation, a held answer: switching away answers no).

    Its mode and any form being filled in are kept, so switching back resumes them.
    """
    data = case.to_dict()
    del data["others"], data["language"]
    return data | {"confirming": None, "held": None}


def everything(case: Case) -> list[dict[str, Any]]:
    """Every case of the user as saved, the current one included, by number."""
    return sorted([saved(case), *case.others], key=lambda data: data["number"])


def summary(data: Mapping[str, Any], current: bool) -> Summary:
    calls = data.get("calls", [])
    pending = [r["due"] for r in data.get("reminders", []) if not r.get("sent_at")]
    archived_at = data.get("archived_at")
    treatment = _value(data, "treatment")
    insurer = _value(data, "insurer")
    return Summary(
        number=data["number"],
        name=name(data),
        about=about(data),
        treatment=None if treatment in (None, UNKNOWN) else str(treatment),
        insurer=None if insurer in (None, UNKNOWN) else str(insurer),
        last_call=max((str(c.get("date")) for c in calls if c.get("date")), default=None),
        next_reminder=None if archived_at else min(pending, default=None),
        archived_at=archived_at,
        current=current,
    )


def _view(case: Case) -> dict[str, Any]:
    """The case worked on as far as a summary reads it, without copying it (asked every turn)."""
    return {
        "number": case.number,
        "answers": case.answers,
        "calls": case.calls,
        "reminders": case.reminders,
        "archived_at": None,
    }


def current(case: Case) -> Summary:
    """The case worked on, as /cases lists it."""
    return summary(_view(case), current=True)


def summaries(case: Case) -> list[Summary]:
    """The cases as /cases lists them: the current one, the other open ones by number, then
    those put aside, the latest put aside first."""
    others = [summary(data, current=False) for data in case.others]
    open_ = sorted((s for s in others if not s.archived_at), key=lambda s: s.number)
    aside = sorted((s for s in others if s.archived_at), key=lambda s: str(s.archived_at))
    return [current(case), *open_, *reversed(aside)]


def open_count(case: Case) -> int:
    """Cases open (not put aside), the current one included."""
    return 1 + sum(1 for data in case.others if not data.get("archived_at"))


def find(case: Case, number: int) -> Mapping[str, Any] | None:
    """One of the other cases, by number."""
    return next((data for data in case.others if data["number"] == number), None)


def switch(case: Case, number: int) -> Case | None:
    """The user's cases with case `number` worked on (reopened if it was put aside); None if
    there is no such other case."""
    target = find(case, number)
    if target is None:
        return None
    rest = [data for data in case.others if data is not target]
    return Case.from_dict({**target, "archived_at": None, "others": [*rest, saved(case)]})


def _next_number(case: Case) -> int:
    return max(data["number"] for data in everything(case)) + 1


def add(case: Case) -> Case:
    """A new case worked on, the current one kept open among the others."""
    return Case(number=_next_number(case), others=[*case.others, saved(case)])


def _aside(data: dict[str, Any], now: str) -> dict[str, Any]:
    return data | {"archived_at": now}


def _aside_oldest_first(others: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted((d for d in others if d.get("archived_at")), key=lambda d: d["archived_at"])


def _trimmed(others: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The others without the oldest put aside past `ARCHIVED_KEPT`."""
    aside = _aside_oldest_first(others)
    dropped = {id(d) for d in aside[: max(len(aside) - ARCHIVED_KEPT, 0)]}
    return [d for d in others if id(d) not in dropped]


def oldest_dropped(case: Case) -> Mapping[str, Any] | None:
    """The case put aside that putting one more aside would remove, if the limit is reached."""
    aside = _aside_oldest_first(case.others)
    return aside[0] if len(aside) >= ARCHIVED_KEPT else None


def _replaced(others: list[dict[str, Any]]) -> Case:
    """The user's cases once the current one is gone (put aside or deleted): the open case
    with the highest number worked on, else a new case."""
    open_ = [d for d in others if not d.get("archived_at")]
    if not open_:
        numbers = [d["number"] for d in others]
        return Case(number=max(numbers, default=0) + 1, others=others)
    target = max(open_, key=lambda d: d["number"])
    rest = [d for d in others if d is not target]
    return Case.from_dict({**target, "others": rest})


def put_aside(case: Case, now: str) -> Case:
    """The current case put aside (kept, to reopen from /cases); another worked on."""
    return _replaced(_trimmed([*case.others, _aside(saved(case), now)]))


def delete(case: Case) -> Case:
    """The current case erased, with its answers, calls, clinics, history and reminders."""
    return _replaced(list(case.others))


def start_over(case: Case, now: str) -> Case:
    """The current case put aside and a new one begun for the same person: whom it is about,
    their name, their clinics and their medication history are kept."""
    kept = {q: a for q, a in case.answers.items() if q in KEPT_ON_START_OVER}
    fresh = Case(
        number=_next_number(case),
        answers=kept,
        clinics=case.clinics,
        history=case.history,
        mode=NEW,
    )
    fresh.others = _trimmed([*case.others, _aside(saved(case), now)])
    return Case.from_dict(fresh.to_dict())


def pending_reminders(case: Case) -> list[tuple[Mapping[str, Any], dict[str, Any]]]:
    """(case as saved, reminder) of every reminder still to send in the open cases; the
    reminders are the cases' own (marking one sent marks it in the case)."""
    found = [(_view(case), r) for r in case.reminders if not r.get("sent_at")]
    for data in case.others:
        if not data.get("archived_at"):
            found += [(data, r) for r in data.get("reminders", []) if not r.get("sent_at")]
    return found
