"""The soak test's short version: the real bot killed with SIGKILL while users answer."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

from soak import run_soak


def test_kills_lose_no_acknowledged_answer_and_mix_no_users(tmp_path):
    figures = run_soak(users=6, kills=3, seed=7, workdir=tmp_path)
    assert figures["kills"] == 3
    assert figures["answers_checked"] > 0
    assert figures["answers_lost"] == 0
    assert figures["files_unreadable"] == 0
    assert figures["duplicates"] == 0
    assert figures["cross_talk"] == 0
