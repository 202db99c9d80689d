"""`python -m bot compare ANSWERS.json [--json]`: the clinics of an answers file side by side.

The file is the estimate's answers file with a top-level `clinics` list (see the
README's "Comparing clinics"). Each clinic is costed by bot.compare, which uses the
estimate engine itself, so the comparison and `python -m bot estimate` never disagree.
"""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

from bot.answers_file import AnswersFileError, load_comparison
from bot.compare import Comparison, compare
from bot.engine import Reply
from bot.estimate_command import report_bad_file
from bot.render import Renderer


def run(path: Path, *, as_json: bool, renderer: Renderer, out: TextIO = sys.stdout) -> int:
    """Print the comparison for the answers and clinics in `path`; exit status 2 for a bad file."""
    try:
        answers, clinics = load_comparison(path)
    except AnswersFileError as error:
        return report_bad_file(path, error, renderer)
    comparison = compare(answers, clinics)
    if as_json:
        json.dump(to_json(comparison), out, indent=2, ensure_ascii=False)
        out.write("\n")
        return 0
    context = {"comparison": comparison, "answers": answers, "chosen": None}
    out.write(renderer.render(Reply("comparison", context), "text").text + "\n")
    return 0


def to_json(comparison: Comparison) -> dict[str, Any]:
    """The documented JSON shape: amounts as decimal strings with two decimals, null if none."""
    name = {option.clinic.id: option.clinic.name for option in comparison.options}
    sessions = comparison.options[0].estimate.sessions if comparison.options else None
    return {
        "sessions": None if sessions is None else list(sessions),
        "verdict": comparison.verdict,
        "cheapest": [name[i] for i in comparison.cheapest],
        "cheapest_by_case": {
            case: [name[i] for i in ids]
            for case, ids in zip(("low", "high"), comparison.cheapest_by_case, strict=True)
        },
        "clinics": [
            {
                "id": option.clinic.id,
                "name": option.clinic.name,
                "network": option.clinic.network,
                "patient": _pair(option.patient),
                "insurer": _pair(option.insurer),
                "per_session": _pair(option.per_session),
                "cheapest": option.clinic.id in comparison.cheapest,
            }
            for option in comparison.options
        ],
        "levers": [
            {
                "clinic": name[lever.clinic],
                "other": name[lever.other],
                "kind": lever.kind,
                "threshold": _pair(lever.threshold),
            }
            for lever in comparison.levers
        ],
    }


def _pair(values: tuple[Decimal | None, Decimal | None]) -> dict[str, str | None]:
    low, high = values
    return {"low": _amount(low), "high": _amount(high)}


def _amount(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"
