"""Reading an answers file for the command line (`python -m bot estimate|compare|appeal ...`).

The file is a JSON object keyed by the conversation's answer ids, holding the
values the conversation stores: choice ids, numbers (or numeric strings) for
money and percents, integers for counts, and "unknown". Missing answers are
unknown. Numbers are read as `Decimal`, never float. An optional top-level
`clinics` list holds the clinics to compare (`python -m bot compare`; the
estimate ignores it), each checked by `bot.clinics.Clinic.from_dict`; `history` and
`authorization` are what the appeal kit reads (`python -m bot appeal`). See the
README for the schema, scripts/example_answers.json and
scripts/example_clinics.json for examples.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from bot.authorizations import STATUSES
from bot.clinics import MAX_CLINICS, Clinic, InvalidClinic
from bot.estimate import MONEY_FIELDS, PERCENT_FIELDS
from bot.flow import UNKNOWN, Flow, Kind
from bot.history import History, InvalidHistory

MAX_MONEY = Decimal("1000000")
MAX_SESSIONS = 100
MAX_NUMBER = 100
"""The longest authorization or claim number taken."""
CLINICS = "clinics"
"""The top-level key of the clinics to compare."""
HISTORY, AUTHORIZATION = "history", "authorization"
"""The top-level keys the appeal kit reads (`python -m bot appeal`): the medication history
(bot/history.py) and the prior authorization or claim that was denied."""
AUTHORIZATION_FIELDS = frozenset({"status", "number", "letter_date"})
NOT_ANSWERS = (CLINICS, HISTORY, AUTHORIZATION)
CLINIC_FIELDS = frozenset({"name", "network", "price", "package", "allowed", "note"})
PACKAGE_FIELDS = frozenset({"sessions", "total"})
_SHOWN_NAME = 40
"""How much of a clinic's name an error line quotes."""


class AnswersFileError(ValueError):
    """An answers file we cannot use; `code` names the problem, `field` the answer."""

    def __init__(self, code: str, field: str = "", **details: Any) -> None:
        super().__init__(code, field)
        self.code = code
        self.field = field
        self.details = details


def load_answers(path: Path, flow: Flow | None = None) -> dict[str, Any]:
    """The answers in a file, validated and in the form the conversation stores them.

    A `clinics` list is left out (and not checked): only `load_comparison` reads it.
    """
    data = _read_object(path)
    return _answers(data, flow or Flow())


def load_comparison(path: Path, flow: Flow | None = None) -> tuple[dict[str, Any], list[Clinic]]:
    """The answers in a file and its clinics (ids 1 to n in file order), all validated."""
    data = _read_object(path)
    items = data.get(CLINICS)
    return _answers(data, flow or Flow()), _clinics([] if items is None else items)


def load_appeal(
    path: Path, flow: Flow | None = None
) -> tuple[dict[str, Any], History, dict[str, Any] | None]:
    """The answers in a file, its medication history and the denial to appeal, validated."""
    data = _read_object(path)
    try:
        history = History.from_dict(data.get(HISTORY, {}))
    except InvalidHistory as error:
        raise AnswersFileError(
            "bad_history", HISTORY, problem=error.code, problem_details=error.details
        ) from error
    return _answers(data, flow or Flow()), history, _authorization(data.get(AUTHORIZATION))


def _authorization(item: Any) -> dict[str, Any] | None:
    """The denial (or other news) of a prior authorization: a status, its number, its date."""
    if item is None:
        return None
    if not isinstance(item, dict) or set(item) - AUTHORIZATION_FIELDS:
        raise AnswersFileError("bad_authorization", AUTHORIZATION)
    if item.get("status") not in STATUSES:
        raise AnswersFileError("bad_authorization", AUTHORIZATION)
    number, letter_date = item.get("number", UNKNOWN), item.get("letter_date", UNKNOWN)
    if not isinstance(number, str) or not 0 < len(number) <= MAX_NUMBER:
        raise AnswersFileError("bad_authorization", AUTHORIZATION)
    if letter_date != UNKNOWN:
        try:
            date.fromisoformat(str(letter_date))
        except ValueError as error:
            raise AnswersFileError("bad_authorization", AUTHORIZATION) from error
    return {"status": item["status"], "number": number, "letter_date": letter_date}


def _read_object(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise AnswersFileError("unreadable", reason=str(error)) from error
    try:
        data = json.loads(text, parse_float=Decimal, parse_constant=_reject_constant)
    except (json.JSONDecodeError, ValueError) as error:
        raise AnswersFileError("not_json", reason=str(error)) from error
    if not isinstance(data, dict):
        raise AnswersFileError("not_an_object")
    return data


def _answers(data: dict[str, Any], flow: Flow) -> dict[str, Any]:
    return {
        name: _value(flow, name, value) for name, value in data.items() if name not in NOT_ANSWERS
    }


def _clinics(items: Any) -> list[Clinic]:
    """Each clinic checked by `Clinic.from_dict`; an error names its position (from 1).

    Besides what `from_dict` checks: no keys it would silently ignore (a misspelt "prcie"),
    a null network is not known, and no two clinics share a name (the JSON names them).
    """
    if not isinstance(items, list):
        raise AnswersFileError("clinics_not_a_list", CLINICS)
    if len(items) > MAX_CLINICS:
        raise AnswersFileError("too_many_clinics", CLINICS, count=len(items), limit=MAX_CLINICS)
    clinics: list[Clinic] = []
    seen: dict[str, int] = {}
    for position, item in enumerate(items, start=1):
        where = {"position": position, "name": _shown_name(item)}
        if isinstance(item, dict):
            extra = sorted(set(item) - CLINIC_FIELDS)
            package = item.get("package")
            if not extra and isinstance(package, dict):
                extra = [f"package.{key}" for key in sorted(set(package) - PACKAGE_FIELDS)]
            if extra:
                raise AnswersFileError("unknown_clinic_field", CLINICS, key=extra[0], **where)
            if item.get("network", UNKNOWN) is None:
                item = {**item, "network": UNKNOWN}
            item = {**item, "id": position}
        try:
            clinic = Clinic.from_dict(item)
        except InvalidClinic as error:
            raise AnswersFileError(
                "bad_clinic", CLINICS, problem=error.code, problem_details=error.details, **where
            ) from error
        key = clinic.name.casefold()
        if key in seen:
            raise AnswersFileError("same_clinic_name", CLINICS, first=seen[key], **where)
        seen[key] = position
        clinics.append(clinic)
    return clinics


def _shown_name(item: Any) -> str:
    """The clinic's name as an error line quotes it: JSON-quoted, on one line, shortened."""
    name = item.get("name") if isinstance(item, dict) else None
    if not isinstance(name, str) or not name.strip():
        return ""
    name = name.strip()
    if len(name) > _SHOWN_NAME:
        name = name[: _SHOWN_NAME - 1] + "\u2026"
    return json.dumps(name, ensure_ascii=False)


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number")


def _value(flow: Flow, name: str, value: Any) -> Any:
    if value == UNKNOWN or value is None:
        return UNKNOWN
    if name in PERCENT_FIELDS:
        return str(_number(name, value, maximum=Decimal(100)).normalize())
    if name in MONEY_FIELDS:
        return str(_number(name, value, maximum=MAX_MONEY).quantize(Decimal("0.01")))
    if name not in flow:
        raise AnswersFileError("unknown_field", name)
    question = flow[name]
    if question.kind == Kind.CHOICE:
        allowed = (*question.choices, question.unknown_value)
        if value not in allowed:
            raise AnswersFileError("bad_choice", name, allowed=[a for a in allowed if a])
        return value
    if question.kind == Kind.COUNT:
        maximum = MAX_SESSIONS if name == "sessions" else (question.maximum or 100)
        if not isinstance(value, int) or isinstance(value, bool):
            raise AnswersFileError("not_an_integer", name)
        if not question.minimum <= value <= maximum:
            raise AnswersFileError("out_of_range", name, minimum=question.minimum, maximum=maximum)
        return value
    if not isinstance(value, str):
        raise AnswersFileError("not_text", name)
    return value


def _number(name: str, value: Any, *, maximum: Decimal) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | Decimal | str):
        raise AnswersFileError("not_a_number", name)
    try:
        number = Decimal(value) if not isinstance(value, Decimal) else value
    except InvalidOperation as error:
        raise AnswersFileError("not_a_number", name) from error
    if not number.is_finite():
        raise AnswersFileError("not_a_number", name)
    if number < 0:
        raise AnswersFileError("negative", name)
    if number > maximum:
        raise AnswersFileError("too_large", name, maximum=maximum)
    return number
