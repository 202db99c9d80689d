"""The appeal kit's letters, made as the bot makes them: text from the real templates, PDF laid
out by bot/pdf.py, read back with pypdf and drawn with pypdfium2; and the command line."""

from __future__ import annotations

import io
import json
import re
import stat
import subprocess
import sys
from datetime import date
from pathlib import Path

import pypdfium2
import pytest
from pypdf import PdfReader

from bot.documents import LETTERS, Sources, attach
from bot.history import History
from bot.render import Renderer

ROOT = Path(__file__).parent.parent
TODAY = date(2026, 12, 6)
RENDERER = Renderer()

PPO = {
    "answers": {
        "treatment": "spravato", "insurer": "Premera Blue Cross", "plan_type": "ppo",
        "clinic": "Calm Mind Clinic", "network": "in", "sessions": 12,
    },
    "history": {
        "trials": [
            {"name": "sertraline", "medication": "sertraline", "drug_class": "ssri",
             "dose": "150 mg a day", "start": "2025-01", "end": "2025-04", "outcome": "no_help"},
            {"name": "venlafaxine", "medication": "venlafaxine", "drug_class": "snri",
             "dose": "225 mg a day", "start": "2025-05-01", "end": "2025-07-15",
             "outcome": "side_effects"},
            {"name": "bupropion", "medication": "bupropion", "drug_class": "bupropion",
             "dose": "300 mg a day", "start": "2025-08", "end": "2025-11", "outcome": "no_help"},
            {"name": "aripiprazole", "medication": "aripiprazole",
             "drug_class": "atypical_antipsychotic", "dose": "5 mg a day", "start": "2025-12",
             "end": "2026-03", "outcome": "partial"},
        ],
        "scores": [{"scale": "phq9", "value": 21, "on": "2026-10"},
                   {"scale": "madrs", "value": 32, "on": "2026-10-20"}],
        "other": ["psychotherapy"],
    },
    "authorization": {"status": "denied", "number": "PA-55501", "letter_date": "2026-11-02"},
}  # fmt: skip
MEDICARE_ADVANTAGE = {
    "answers": {
        "treatment": "spravato", "insurer": "Humana Medicare Advantage", "plan_type": "medicare",
        "medicare_kind": "advantage", "clinic": "Lakeside REMS Center", "sessions": 8,
    },
    "history": {
        "trials": [
            {"name": "escitalopram", "medication": "escitalopram", "drug_class": "ssri",
             "dose": "20 mg", "start": "2026-01", "end": "2026-04", "outcome": "no_help"},
            {"name": "duloxetine", "medication": "duloxetine", "drug_class": "snri",
             "dose": "60 mg", "start": "2026-05", "end": "2026-08", "outcome": "no_help"},
        ],
    },
    "authorization": {"status": "denied", "number": "MA-778", "letter_date": "2026-11-20"},
}  # fmt: skip
CASES = {"ppo": PPO, "medicare_advantage": MEDICARE_ADVANTAGE}


def letter(case: dict, kind: str, *, pdf: bool) -> bytes:
    sources = Sources(
        case["answers"],
        clinic=None,
        now=TODAY.isoformat(),
        authorization=case["authorization"],
        history=History.from_dict(case["history"]),
    )
    name = f"letter_{kind}" if pdf else f"letter_{kind}_text"
    return RENDERER.file(attach(sources, name)[0]).content


def words(text: str) -> list[str]:
    return re.findall(r"[\w$%.,:;()'\u2019/-]+", text.replace("\u2022", "-"))


@pytest.mark.parametrize("kind", LETTERS)
@pytest.mark.parametrize("case", CASES)
def test_each_letter_is_a_one_or_two_page_pdf_with_the_same_words_as_its_text(case, kind):
    text = letter(CASES[case], kind, pdf=False).decode()
    pdf = PdfReader(io.BytesIO(letter(CASES[case], kind, pdf=True)))
    assert 1 <= len(pdf.pages) <= 2
    extracted = "\n".join(page.extract_text() for page in pdf.pages)
    assert " ".join(words(extracted)).replace(" ", "") == " ".join(words(text)).replace(" ", "")
    assert pdf.metadata.title == LETTERS[kind][1]


@pytest.mark.parametrize("kind", LETTERS)
@pytest.mark.parametrize("case", CASES)
def test_each_letter_holds_the_facts_and_leaves_only_marked_blanks(case, kind):
    text = letter(CASES[case], kind, pdf=False).decode()
    answers, history = CASES[case]["answers"], CASES[case]["history"]
    assert answers["insurer"] in text
    for trial in history["trials"]:
        assert trial["name"] in text and trial["dose"] in text
    assert all(f"{t['name']} (" in text for t in history["trials"])
    assert CASES[case]["authorization"]["number"] in text
    for bracket in re.findall(r"\[[^\]]*\]", text):
        assert bracket.startswith(("[to fill in: ", "[check")), bracket
    for leftover in ("None", "{{", "{%", "}}", "unknown", "____"):
        assert leftover not in text, leftover
    lowered = text.lower()
    for advice in ("you should take", "we recommend", "i recommend you", "guarantee of coverage"):
        assert advice not in lowered
    assert "not medical or legal advice" in lowered and "does not guarantee coverage" in lowered


def test_the_ppo_appeal_has_its_deadline_the_criteria_request_and_the_parity_request():
    text = letter(PPO, "appeal", pdf=False).decode()
    assert text.startswith("Request for internal appeal")
    assert "Send it by May 1, 2027: an internal appeal must be filed within 180 days" in text
    assert "Date of the denial letter: Nov 2, 2026" in text
    assert "29 CFR 2560.503-1" in text and "comparative analysis" in text
    assert "30 days to decide an appeal for care not yet received (60 days" in text
    assert "3 antidepressant trials of 6 weeks or more, from 3 classes" in text
    assert "augmentation tried" in text
    assert "PHQ-9 21 (October 2026); MADRS 32 (Oct 20, 2026)." in text


def test_the_medicare_advantage_appeal_is_a_reconsideration_within_60_days_without_parity():
    text = letter(MEDICARE_ADVANTAGE, "appeal", pdf=False).decode()
    assert text.startswith("Request for reconsideration")
    assert "Send it by Jan 19, 2027: a reconsideration must be asked" in text
    assert "180 days" not in text
    assert "parity" not in text.lower() and "2560.503-1" not in text
    assert (
        "G2082 (up to 56 mg) or G2083"
        in letter(MEDICARE_ADVANTAGE, "necessity", pdf=False).decode()
    )
    external = letter(MEDICARE_ADVANTAGE, "external", pdf=False).decode()
    assert external.startswith("After a denied reconsideration: the Independent Review Entity")


def test_the_letter_of_medical_necessity_lists_the_dated_trials_and_the_codes():
    text = letter(PPO, "necessity", pdf=False).decode()
    first = "1. sertraline (SSRI), 150 mg a day, January 2025 to April 2025 (at least 8 weeks): "
    assert first + "did not help enough." in text
    assert "2. venlafaxine (SNRI), 225 mg a day, May 1, 2025 to Jul 15, 2025 (10 weeks)" in text
    assert "REMS" in text and "J0013" in text and "ICD-10 [to fill in: " in text
    assert "Other treatments tried: psychotherapy." in text


def test_a_letter_without_a_history_or_a_denial_still_has_every_blank_marked():
    case = {"answers": {"treatment": "iv_ketamine"}, "history": {}, "authorization": None}
    for kind in LETTERS:
        text = letter(case, kind, pdf=False).decode()
        assert "[to fill in: each antidepressant" in text
        assert "None" not in text and "unknown" not in text


def test_a_page_draws_as_a_picture_with_ink_on_it(tmp_path):
    document = pypdfium2.PdfDocument(letter(PPO, "appeal", pdf=True))
    image = document[0].render(scale=1).to_pil().convert("L")
    assert image.size == (612, 792)  # US Letter at 72 dpi
    dark = sum(1 for value in image.get_flattened_data() if value < 128)
    assert 0.01 < dark / (612 * 792) < 0.2  # text on it, not a blank or black page


def test_the_command_line_writes_the_pdf_readable_by_its_owner_only(tmp_path):
    answers = tmp_path / "answers.json"
    answers.write_text(
        json.dumps(PPO["answers"] | {k: PPO[k] for k in ("history", "authorization")})
    )
    out = tmp_path / "appeal.pdf"
    result = subprocess.run(
        [sys.executable, "-m", "bot", "appeal", str(answers), "--kind", "appeal",
         "--out", str(out), "--date", "2026-12-06"],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )  # fmt: skip
    assert result.returncode == 0 and result.stderr == ""
    assert result.stdout.startswith(f"Saved {out} (readable only by you). It is a draft")
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert "PA-55501" in PdfReader(out).pages[0].extract_text()
    printed = subprocess.run(
        [sys.executable, "-m", "bot", "appeal", str(answers), "--kind", "peer_to_peer",
         "--out", "-", "--date", "2026-12-06"],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )  # fmt: skip
    assert printed.stdout.startswith("Peer-to-peer review: a script for the prescriber's office")


def test_a_bad_history_or_denial_in_the_file_is_one_clear_line(tmp_path):
    answers = tmp_path / "answers.json"
    for bad, said in (
        ({"history": {"trials": [{"name": "x", "outcome": "cured"}]}}, '"history" is not usable'),
        ({"authorization": {"status": "denied", "letter_date": "2026-13-01"}}, '"authorization"'),
    ):
        answers.write_text(json.dumps({"treatment": "spravato"} | bad))
        result = subprocess.run(
            [sys.executable, "-m", "bot", "appeal", str(answers), "--kind", "appeal",
             "--out", str(tmp_path / "x.pdf")],
            capture_output=True, text=True, cwd=ROOT, check=False,
        )  # fmt: skip
        assert result.returncode == 2 and said in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
        assert not (tmp_path / "x.pdf").exists()
