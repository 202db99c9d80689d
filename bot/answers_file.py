"""Reading an answers file for the command line (`python -m bot estimate ANSWERS.json`).

The file is a JSON object keyed by the conversation's answer ids, holding the
values the conversation stores: choice ids, numbers (or numeric strings) for
money and percents, integers for counts, and "unknown". Missing answers are
unknown. Numbers are read as `Decimal`, never float. See the README for the
schema and scripts/example_answers.json for an example.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from bot.estimate import MONEY_FIELDS, PERCENT_FIELDS
from bot.flow import UNKNOWN, Flow, Kind

MAX_MONEY = Decimal("1000000")
MAX_SESSIONS = 100


class AnswersFileError(ValueError):
    """An answers file we cannot use; `code` names the problem, `field` the answer."""

    def __init__(self, code: str, field: str = "", **details: Any) -> None:
        super().__init__(code, field)
        self.code = code
        self.field = field
        self.details = details


def load_answers(path: Path, flow: Flow | None = None) -> dict[str, Any]:
    """The answers in a file, validated and in the form the conversation stores them."""
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
    return {name: _value(flow or Flow(), name, value) for name, value in data.items()}


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
