"""`python -m bot estimate ANSWERS.json [--json]`: the cost estimate from an answers file."""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

from bot.answers_file import AnswersFileError, load_answers
from bot.documents import DOCUMENTS, Sources
from bot.engine import Reply
from bot.estimate import Estimate, Schedule, estimate
from bot.render import Renderer

USAGE_ERROR = 2


def run(path: Path, *, as_json: bool, renderer: Renderer, out: TextIO = sys.stdout) -> int:
    """Print the estimate for the answers in `path`; exit status 2 for a bad file."""
    try:
        answers = load_answers(path)
    except AnswersFileError as error:
        return report_bad_file(path, error, renderer)
    if as_json:
        json.dump(to_json(estimate(answers), renderer), out, indent=2)
        out.write("\n")
        return 0
    context = DOCUMENTS["estimate"].build(Sources(answers, clinic=None, now=""))
    for template in ("estimate", "estimate_table"):
        out.write(renderer.render(Reply(template, context), "text").text + "\n\n")
    return 0


def report_bad_file(path: Path, error: AnswersFileError, renderer: Renderer) -> int:
    """Say in one line on stderr what is wrong with an answers file; the exit status."""
    line = renderer.message(
        "answers_file_error",
        "text",
        path=str(path),
        code=error.code,
        field=error.field,
        details=error.details,
    )
    print(line, file=sys.stderr)
    return USAGE_ERROR


def to_json(result: Estimate, renderer: Renderer) -> dict[str, Any]:
    """The documented JSON shape: amounts as decimal strings with two decimals."""
    module = renderer.text.get_template("assumptions.j2").module
    return {
        "low": _schedule(result.low),
        "high": _schedule(result.high),
        "unknowns": [swing.question for swing in result.unknowns],
        "assumptions": [str(getattr(module, a.id)(**a.params)).strip() for a in result.assumptions],
    }


def _schedule(schedule: Schedule) -> dict[str, Any]:
    return {
        "patient_total": _amount(schedule.patient_total),
        "insurer_total": _amount(schedule.insurer_total),
        "per_session": [
            {"patient": _amount(s.patient), "insurer": _amount(s.insurer)}
            for s in schedule.per_session
        ],
    }


def _amount(value: Decimal) -> str:
    return f"{value:.2f}"
