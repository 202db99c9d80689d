"""The soak test (scripts/soak.py), short: the real bot SIGKILLed under concurrent users.

Six users each answer a whole conversation while `python -m bot` is killed three times and
restarted: nothing acknowledged may be lost, no file unreadable, no answer doubled or crossed,
and every user resumes where they were. Then the soak's own checks are shown to catch what
they look for, on files written by the bot's store and then damaged.
"""

import importlib.util
import json
import sys
from pathlib import Path

from bot.store import UserStore

ROOT = Path(__file__).resolve().parent.parent


def load_soak():
    """Load scripts/soak.py, which is not in a package."""
    spec = importlib.util.spec_from_file_location("soak", ROOT / "scripts" / "soak.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["soak"] = module  # dataclasses look their module up while it is executed
    spec.loader.exec_module(module)
    return module


soak = load_soak()


def test_six_users_through_three_sigkills_lose_nothing(tmp_path):
    figures = soak.run_soak(6, 3, 1, tmp_path, timeout=120)

    must_be_zero = {name: figures[name] for name in soak.MUST_BE_ZERO}
    assert must_be_zero == dict.fromkeys(soak.MUST_BE_ZERO, 0), figures["problems"]
    assert figures["kills"] >= 3
    assert figures["users"] == 6
    users = range(soak.FIRST_USER, soak.FIRST_USER + 6)
    answers = sum(len(soak.plan_for(user, 1)) for user in users)
    assert figures["answers_acknowledged"] == answers  # every user got to the summary
    assert figures["answers_checked"] > answers  # checked after each kill, and at the end
    assert figures["tmp_planted"] == 3  # a torn write before each restart, cleaned up at start
    assert figures["exit_status"] == 0  # SIGTERM at the end stops it cleanly


def finished(tmp_path, users: int):
    """A soak whose users have all finished, with the files the bot's store writes."""
    run = soak.Soak(users, 0, 1, tmp_path, timeout=10, verbose=False)
    store = UserStore(tmp_path / "data")
    for user in run.users:
        answers = {step.question: {"value": step.value, "at": "t"} for step in user.plan}
        log = [{"question": step.question, "value": step.value, "at": "t"} for step in user.plan]
        store.save(str(user.id), {"schema": 1, "case": {"answers": answers, "log": log}})
        user.acknowledged = {step.question: step.value for step in user.plan}
        user.position, user.mode = len(user.plan), soak.DONE
    return run


def edit_case(run, user, change) -> None:
    path = run.users_dir / f"{user.id}.json"
    data = json.loads(path.read_text())
    change(data["case"]["1"]["case"])
    path.write_text(json.dumps(data))


def test_the_checks_pass_intact_files(tmp_path):
    run = finished(tmp_path, users=3)
    run.check_disk(final=True)
    figures = run.tally(0.0)
    assert soak.passed(figures), figures["problems"]
    assert figures["answers_checked"] == figures["answers_acknowledged"] > 0


def test_the_checks_catch_loss_torn_files_doubles_cross_talk_and_leftovers(tmp_path):
    run = finished(tmp_path, users=4)
    lossy, torn, doubled, crossed = run.users
    edit_case(run, lossy, lambda case: case["answers"].pop("insurer"))
    (run.users_dir / f"{torn.id}.json").write_text('{"case": {"1": {"case": {"answ')
    edit_case(run, doubled, lambda case: case["log"].append(dict(case["log"][-1])))
    clinic = f"Clinic {lossy.marker}"
    edit_case(run, crossed, lambda case: case["answers"]["clinic"].update(value=clinic))
    (run.users_dir / f".{doubled.id}.json.0123456789abcdef.tmp").write_text("{")

    run.check_disk(final=True)
    figures = run.tally(0.0)

    # The insurer, every answer of the torn file, and the clinic overwritten by another's.
    assert figures["answers_lost"] == 1 + len(torn.plan) + 1
    assert figures["files_unreadable"] == 1
    assert figures["duplicates"] == 1
    assert figures["cross_talk"] == 1
    assert figures["misapplied"] == 2  # the clinic, which the log does not have either
    assert figures["leftover_tmp"] == 1
    assert not soak.passed(figures)
