"""`python -m bot estimate`: the documented JSON, the text output, one clear line for bad files."""

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from bot.answers_file import AnswersFileError, load_answers
from bot.estimate import estimate

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "scripts" / "example_answers.json"


def run_cli(*args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot", "estimate", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=ROOT,
        check=False,
    )


def test_json_output_has_exactly_the_documented_shape():
    result = run_cli(EXAMPLE, "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {"low", "high", "unknowns", "assumptions"}
    for case in ("low", "high"):
        assert set(data[case]) == {"patient_total", "insurer_total", "per_session"}
        assert len(data[case]["per_session"]) == 8
        for session in data[case]["per_session"]:
            assert set(session) == {"patient", "insurer"}
            for amount in session.values():
                assert isinstance(amount, str) and Decimal(amount).as_tuple().exponent == -2
    # Deductible met unknown: from all of it met ($177 a session) to none of it.
    assert data["low"]["patient_total"] == "1416.00"
    assert data["high"]["patient_total"] == "2616.00"
    assert data["high"]["per_session"][:2] == [
        {"patient": "885.00", "insurer": "0.00"},
        {"patient": "669.00", "insurer": "216.00"},
    ]
    assert data["unknowns"] == ["deductible_met"]
    assert all(isinstance(a, str) and a for a in data["assumptions"])


def test_text_output_reads_like_the_chat():
    result = run_cli(EXAMPLE)
    assert result.returncode == 0, result.stderr
    assert "About $1,416 to $2,616 for you for 8 sessions" in result.stdout
    assert "Sessions 3 to 8: you $177, plan $708 each" in result.stdout
    assert "<b>" not in result.stdout


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[1", "is not valid JSON"),
        ("[1, 2]", "must hold a JSON object"),
        ('{"coverage": "maybe"}', '"coverage" must be one of yes, no, unknown'),
        ('{"deductible": -5}', '"deductible" cannot be negative'),
        ('{"deductible": 1e999}', '"deductible" is more than'),
        ('{"deductible": NaN}', "is not valid JSON"),
        ('{"coinsurance_pct": 120}', '"coinsurance_pct" is more than 100'),
        ('{"sessions": 2.5}', '"sessions" must be a whole number'),
        ('{"sessions": 0}', '"sessions" must be from 1 to 100'),
        ('{"sessions": true}', '"sessions" must be a whole number'),
        ('{"deductible": "lots"}', '"deductible" must be a number'),
        ('{"favourite_colour": "blue"}', '"favourite_colour" is not an answer id'),
    ],
)
def test_a_bad_file_gets_one_clear_line_and_status_2(tmp_path, content, message):
    path = tmp_path / "answers.json"
    path.write_text(content)
    result = run_cli(path)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr


def test_a_missing_file_gets_one_clear_line(tmp_path):
    result = run_cli(tmp_path / "nope.json")
    assert result.returncode == 2
    assert "cannot be read" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_numbers_are_read_as_decimal_and_stored_like_the_conversation(tmp_path):
    path = tmp_path / "answers.json"
    path.write_text(
        '{"deductible": 1500.1, "coinsurance_pct": 12.50, "oop_max": "4000",'
        ' "sessions": 6, "coverage": "unknown", "copay": null}'
    )
    answers = load_answers(path)
    assert answers == {
        "deductible": "1500.10",
        "coinsurance_pct": "12.5",
        "oop_max": "4000.00",
        "sessions": 6,
        "coverage": "unknown",
        "copay": "unknown",
    }
    assert estimate(answers).low.patient_total >= 0


def test_load_answers_raises_a_coded_error(tmp_path):
    path = tmp_path / "answers.json"
    path.write_text('{"network": "sideways"}')
    with pytest.raises(AnswersFileError) as raised:
        load_answers(path)
    assert (raised.value.code, raised.value.field) == ("bad_choice", "network")
