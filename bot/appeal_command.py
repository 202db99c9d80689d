"""`python -m bot appeal ANSWERS.json --kind KIND --out FILE`: one letter of the appeal kit.

The answers file is the estimate's (see bot/answers_file.py) with an optional `history` (the
medication history) and `authorization` (the denial: status, number, letter date). FILE ending
in .pdf gets the PDF, anything else the plain text; "-" prints the text. The file is written
readable by its owner only (0600): it holds health information.
"""

from __future__ import annotations

import os
import sys
from datetime import date
from pathlib import Path
from typing import TextIO

from bot.answers_file import AnswersFileError, load_appeal
from bot.documents import Sources, attach
from bot.estimate_command import report_bad_file
from bot.render import Renderer


def run(
    path: Path,
    *,
    kind: str,
    out: str,
    today: date,
    renderer: Renderer,
    stdout: TextIO = sys.stdout,
) -> int:
    """Write the letter; exit status 2 for a bad answers file."""
    try:
        answers, history, authorization = load_appeal(path)
    except AnswersFileError as error:
        return report_bad_file(path, error, renderer)
    pdf = out.lower().endswith(".pdf")
    name = f"letter_{kind}" if pdf else f"letter_{kind}_text"
    sources = Sources(
        answers, clinic=None, now=today.isoformat(), authorization=authorization, history=history
    )
    made = renderer.file(attach(sources, name)[0])
    if out == "-":
        stdout.write(made.content.decode())
        return 0
    _write_private(Path(out), made.content)
    text = renderer.file(attach(sources, f"letter_{kind}_text")[0]).content.decode()
    blanks = text.count("[to fill in: ") - text.count("[to fill in: ...]")
    stdout.write(renderer.message("appeal_written", "text", path=out, blanks=blanks) + "\n")
    return 0


def _write_private(path: Path, content: bytes) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)  # a file that was there before keeps no wider mode
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(content)
