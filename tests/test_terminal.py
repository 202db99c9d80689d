"""End-to-end tests of the terminal channel: `python -m bot` as a real process behind a pipe.

Each run gets its own data directory and working directory (so no `.env` is read) and an
environment without TELEGRAM_BOT_TOKEN. Options are picked by number, as a person would.
"""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from bot.flow import Flow, Kind
from bot.render import Renderer
from tests.support.typed_choices import typed_forms

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 30
RENDERER = Renderer()

FLOW = Flow()
# What is typed at each question (choices by their number), and what is then saved.
TYPED = {
    "treatment": "1",  # Spravato
    "insurer": "Aetna & <Co>",
    "plan_type": "2",  # PPO
    "bh_carveout": "1",  # separate mental health company: yes
    "bh_company": "Optum",
    "coverage": "1",  # yes
    "benefit": "2",  # pharmacy
    "preauth": "1",  # yes
    "referral": "2",  # no
    "trials": "3",  # a typed value: the options are lettered
    "clinic": "Calm Mind Clinic",
    "network": "2",  # out of network
    "network_options": "1",  # yes
    "deductible": "$1,500",
    "deductible_met": "$500",
    "cost_sharing": "1",  # coinsurance
    "coinsurance_pct": "20%",
    "oop_max": "$5,000",
    "oop_met": "1,000",
    "price_per_session": "$885",
    "allowed_per_session": "$600",
    "sessions": "8",
}
SAVED = {
    "treatment": "spravato",
    "insurer": "Aetna & <Co>",
    "plan_type": "ppo",
    "bh_carveout": "yes",
    "bh_company": "Optum",
    "coverage": "yes",
    "benefit": "pharmacy",
    "preauth": "yes",
    "referral": "no",
    "trials": 3,
    "clinic": "Calm Mind Clinic",
    "network": "out",
    "network_options": "yes",
    "deductible": "1500.00",
    "deductible_met": "500.00",
    "cost_sharing": "coinsurance",
    "coinsurance_pct": "20",
    "oop_max": "5000.00",
    "oop_met": "1000.00",
    "price_per_session": "885.00",
    "allowed_per_session": "600.00",
    "sessions": 8,
}


def walk(typed: dict[str, str], saved: dict[str, object], until: str | None = None):
    """The lines to type, question by question as the flow asks them, and what they save.

    "Let's begin" first (the user's own case); a question `typed` does not name is answered
    "idk".
    """
    lines, answers = ["1"], {"for_whom": "self"}
    while question := next((q for q in FLOW.applicable(answers) if q.id not in answers), None):
        if question.id == until:
            break
        lines.append(typed.get(question.id, "idk"))
        answers[question.id] = saved.get(question.id, question.unknown_value)
    return tuple(lines), answers


FULL_CONVERSATION, FULL_SAVED = walk(TYPED, SAVED)
# Up to the deductible, knowing nothing: typed "I don't know" answers every kind of question.
TO_DEDUCTIBLE, _ = walk({}, {}, until="deductible")


def run_bot(tmp_path: Path, *lines: str, args: tuple[str, ...] = ("chat",)) -> str:
    """Run the bot with `lines` piped to it; return what it printed (stderr must be empty)."""
    result = bot_process(tmp_path, lines, args)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return result.stdout


def bot_process(
    tmp_path: Path, lines: tuple[str, ...], args: tuple[str, ...]
) -> subprocess.CompletedProcess[str]:
    """Run `python -m bot ARGS` to the end of its input."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in ("TELEGRAM_BOT_TOKEN", "TELEGRAM_API_BASE_URL", "LOG_LEVEL")
    }
    env["BOT_DATA_DIR"] = str(tmp_path / "data")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, (str(ROOT), env.get("PYTHONPATH"))))
    env["PYTHONIOENCODING"] = "utf-8"
    cwd = tmp_path / "cwd"
    cwd.mkdir(exist_ok=True)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input="".join(f"{line}\n" for line in lines),
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=cwd,
        env=env,
        timeout=TIMEOUT,
        check=False,
    )


def saved_case(tmp_path: Path) -> dict[str, Any]:
    """The case in the terminal user's TinyDB file."""
    database = json.loads((tmp_path / "data" / "users" / "terminal.json").read_text("utf-8"))
    return database["case"]["1"]["case"]


def label(name: str, **args: object) -> str:
    """A button label, as buttons.j2 words it."""
    labels = RENDERER.text.get_template("buttons.j2").module
    return str(getattr(labels, name)(**args)).strip()


def prompt(question: str) -> str:
    """The plain-text prompt of a question, as the templates word it."""
    template = RENDERER.text.get_template(f"questions/{question}.j2")
    return str(template.make_module({"answers": {}}).prompt)


def test_full_conversation_is_saved_and_summarised(tmp_path: Path) -> None:
    out = run_bot(tmp_path, *FULL_CONVERSATION)

    summary = out[out.index("Your answers\n") :]
    for line in (
        "• Treatment: Spravato (esketamine nasal spray)",
        "• Insurer: Aetna & <Co>",
        "• Plan type: PPO",
        "• Mental health company: Optum",
        "• Benefit: Pharmacy benefit",
        "• Antidepressants tried: 3",
        "• Clinic: Calm Mind Clinic",
        "• Clinic in network: Out of network",
        "• Deductible: $1,500",
        "• Deductible met so far: $500",
        "• Coinsurance: 20%",
        "• Out-of-pocket maximum: $5,000",
        "• Out-of-pocket met so far: $1,000",
        "• Price per session: $885",
        "• Allowed amount per session: $600",
        "• Sessions planned: 8",
    ):
        assert line in summary
    assert "Copay" not in summary
    assert "&amp;" not in out and "<b>" not in out
    assert "Is Calm Mind Clinic in your plan's network?" in out

    case = saved_case(tmp_path)
    assert {qid: answer["value"] for qid, answer in case["answers"].items()} == FULL_SAVED
    assert case["mode"] == "done"

    again = run_bot(tmp_path, "/start")
    assert again.count("Welcome back.") == 2  # once on opening, once for /start
    assert "You have answered every question." in again
    assert f"  1) {label('summary')}" in again.splitlines()
    assert saved_case(tmp_path)["answers"] == case["answers"]


@pytest.mark.parametrize("shift", [0, 1, 2])
def test_choices_typed_as_labels_ids_and_near_misses_are_understood(
    tmp_path: Path, shift: int
) -> None:
    # Three walks, so that each choice question is typed each way once (no option numbers).
    forms = ("label", "id", "near miss")
    choices = [question for question in SAVED if FLOW[question].kind == Kind.CHOICE]
    typed = dict(TYPED)
    for number, question in enumerate(choices):
        typed[question] = typed_forms(RENDERER, question, SAVED[question])[
            forms[(number + shift) % 3]
        ]
    lines, expected = walk(typed, SAVED)
    out = run_bot(tmp_path, *lines)
    assert "didn't recognise" not in out and "Did you mean" not in out
    saved = {qid: answer["value"] for qid, answer in saved_case(tmp_path)["answers"].items()}
    assert saved == expected


def test_bad_input_is_explained_and_nothing_is_saved(tmp_path: Path) -> None:
    out = run_bot(
        tmp_path,
        *TO_DEDUCTIBLE,
        "-5",
        "abc",
        "1,5",
        "$1,000",
        "idk",  # deductible met so far
        "1",  # coinsurance
        "150%",
        "/quit",
    )
    deductible = re.escape(prompt("deductible"))
    asked = re.findall(rf"^Question (\d+) of (\d+)\n{deductible}$", out, re.MULTILINE)
    assert len(asked) == 4 and len(set(asked)) == 1
    for explanation in ("can't be negative", "amount in dollars", "comma"):
        assert re.search(rf"{explanation}.*\n\nQuestion \d+ of \d+\n{deductible}\n", out), (
            explanation
        )
    coinsurance = re.escape(prompt("coinsurance_pct"))
    assert re.search(rf"more than 100%.*\n\nQuestion \d+ of \d+\n{coinsurance}\n", out)

    case = saved_case(tmp_path)
    assert case["answers"]["deductible"]["value"] == "1000.00"
    assert "coinsurance_pct" not in case["answers"]
    logged = [entry["question"] for entry in case["log"]]
    assert logged.count("deductible") == 1
    assert "coinsurance_pct" not in logged
    assert case["cursor"] == "coinsurance_pct"

    again = run_bot(tmp_path, "/start", "1")
    assert "Welcome back." in again
    stopped = re.search(r"You stopped at question (\d+) of (\d+)\.", again)
    assert stopped
    n, total = stopped.groups()
    assert f"  1) {label('resume', n=n, total=total)}" in again.splitlines()
    assert re.search(rf"^Question {n} of {total}\n{coinsurance}$", again, re.MULTILINE)


def test_without_a_token_a_one_line_notice_goes_to_stderr(tmp_path: Path) -> None:
    result = bot_process(tmp_path, (), ())
    assert result.returncode == 0, result.stderr
    notice = RENDERER.message("terminal_notice", "text")
    assert "\n" not in notice and "TELEGRAM_BOT_TOKEN" in notice
    assert result.stderr.splitlines() == [notice]
    assert "TELEGRAM_BOT_TOKEN" not in result.stdout
    assert "Let's begin" in result.stdout

    explicit = bot_process(tmp_path, (), ("chat",))
    assert explicit.returncode == 0 and explicit.stderr == ""


def test_the_end_shows_the_estimate_and_the_call_script_and_saves_the_printable_file(
    tmp_path: Path,
) -> None:
    earlier = tmp_path / "cwd" / "call-script.txt"
    earlier.parent.mkdir(parents=True, exist_ok=True)
    earlier.write_text("an older copy")
    saved = earlier.with_name("call-script-2.txt")
    out = run_bot(tmp_path, *FULL_CONVERSATION, "2")  # 2) Download the call script
    estimate = out[out.index("Cost estimate\n") :]
    assert "for you for 8 sessions" in estimate
    assert f"  1) {label('fullscript')}" in out.splitlines()
    assert f"  2) {label('download')}" in out.splitlines()
    assert f"The printable call script is saved as {saved}." in out
    assert "The copy saved before is still there: call-script.txt." in out
    assert earlier.read_text() == "an older copy"  # not overwritten
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600  # it holds their insurance details
    printable = saved.read_text("utf-8")
    assert "Aetna & <Co>" in printable and "G2082" in printable and "____" in printable

    per_session = run_bot(tmp_path, "/estimate", "1")  # 1) Cost per session
    assert "Cost per session\n" in per_session and "you $" in per_session


def test_a_reminder_that_fell_due_is_shown_when_the_terminal_starts(tmp_path: Path) -> None:
    out = run_bot(tmp_path, "/reminders", "1")  # 1) remind me to call tomorrow
    assert "Reminder set" in out
    path = tmp_path / "data" / "users" / "terminal.json"
    database = json.loads(path.read_text("utf-8"))
    database["case"]["1"]["case"]["reminders"][0]["due"] = "2026-01-01"
    path.write_text(json.dumps(database), "utf-8")
    out = run_bot(tmp_path)
    assert out.index("Reminder: call your insurer") < out.index("Hello. I help you")
    assert "Reminder:" not in run_bot(tmp_path)  # shown once


def test_export_saves_four_files_said_apart_and_delete_removes_them(tmp_path: Path) -> None:
    cwd = tmp_path / "cwd"
    out = run_bot(tmp_path, *FULL_CONVERSATION, "/export")
    names = ("my-data.json", "call-script.txt", "estimate.txt", "cost-chart.png")
    for name in names:
        assert stat.S_IMODE((cwd / name).stat().st_mode) == 0o600
    assert f"Everything stored about you is saved as {cwd / 'my-data.json'}" in out
    assert f"The cost estimate is saved as {cwd / 'estimate.txt'}." in out
    assert f"The printable call script is saved as {cwd / 'call-script.txt'}." in out
    assert f"The cost chart is saved as {cwd / 'cost-chart.png'}, a picture to open." in out
    again = run_bot(tmp_path, "/export")  # a second export keeps the first
    for name in ("my-data-2.json", "call-script-2.txt", "estimate-2.txt"):
        assert f"saved as {cwd / name}" in again
        assert stat.S_IMODE((cwd / name).stat().st_mode) == 0o600
    (cwd / "notes.txt").write_text("the user's own file")
    erased = bot_process(tmp_path, ("/delete", "1"), ("chat",))  # 1) Yes, delete everything
    assert erased.returncode == 0 and "erased their data" in erased.stderr  # the operator's log
    assert "The files saved here were removed too:" in erased.stdout
    assert f"• {cwd / 'estimate-2.txt'}" in erased.stdout
    assert sorted(path.name for path in cwd.iterdir()) == ["notes.txt"]
    assert not (tmp_path / "data" / "users" / "terminal.json").exists()


def test_a_medicine_noted_and_a_letter_saved_as_pdf_and_text_for_the_owner_only(
    tmp_path: Path,
) -> None:
    cwd = tmp_path / "cwd"
    medicine = ("/history", "1", "Zoloft", "150 mg a day", "3/2025", "1", "6/2025")
    out = run_bot(tmp_path, "/start", *medicine, "/appeal", "1")  # 1) the letter of necessity
    assert "1. sertraline (SSRI), 150 mg a day, March 2025 to June 2025" in out
    pdf, text = cwd / "letter-of-medical-necessity.pdf", cwd / "letter-of-medical-necessity.txt"
    assert f"The letter is saved as {pdf} (the PDF), readable only by you." in out
    assert f"The letter is saved as {text} (the text, to edit)" in out
    for path in (pdf, text):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "sertraline (SSRI), 150 mg a day" in text.read_text()
    assert "sertraline (SSRI), 150 mg a day" in " ".join(
        PdfReader(pdf).pages[0].extract_text().split()
    )


# In Spanish: typed as a Spanish speaker types (an option's Spanish name without accents, "sí").
SPANISH_TYPED = {
    "treatment": "1",
    "insurer": "Aetna",
    "plan_type": "ppo",
    "coverage_tier": "tambien a mi familia",
    "bh_carveout": "no",
    "coverage": "sí",
}
SPANISH_SAVED = {
    "treatment": "spravato",
    "insurer": "Aetna",
    "plan_type": "ppo",
    "coverage_tier": "family",
    "bh_carveout": "no",
    "coverage": "yes",
}


def test_the_terminal_in_spanish(tmp_path: Path) -> None:
    """`python -m bot chat --lang es`: the same questions in Spanish, Spanish typed answers
    read, whatever LANG says; /idioma offers English."""
    lines, saved = walk(SPANISH_TYPED, SPANISH_SAVED, until="benefit")
    spanish = RENDERER.speaking("es")
    out = run_bot(tmp_path, *lines, "/estimate", "/idioma", args=("chat", "--lang", "es"))

    assert spanish.message("terminal_help", "text").splitlines()[0] in out
    assert spanish.message("welcome", "text").splitlines()[0] in out
    assert spanish.message("language_set", "text") not in out  # --lang es was not news
    assert "  1) English\n  2) Español" in out  # /idioma's choice
    case = saved_case(tmp_path)
    assert case["language"] == "es"
    assert {q: a["value"] for q, a in case["answers"].items()} == saved
