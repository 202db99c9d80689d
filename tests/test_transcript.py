"""scripts/transcript.py: a seeded random conversation renders every reply, the same way each run.

The walk presses buttons, types good and bad answers, sends commands, stickers, forged button
data and crisis messages, and lets reminders fall due; every reply it meets is rendered with
the real templates, so a template that fails on some state fails here.
"""

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "transcript.py"


def run(seed: int, steps: int) -> str:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--seed", str(seed), "--steps", str(steps)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_seeded_walk_renders_every_reply_and_is_repeatable() -> None:
    first = run(seed=7, steps=1500)
    assert first == run(seed=7, steps=1500)
    assert first.count("\n## ") == 1499
    templates = {line.split()[1] for line in first.splitlines() if line.startswith("-- ")}
    # The walk reaches the forms beside the questions, not only the questions.
    assert {"question", "summary", "call_logged", "clinics", "crisis", "reminder"} <= templates
