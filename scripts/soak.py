"""Soak test: many users answering at once while the real bot is killed (SIGKILL) and restarted.

Usage:
    python scripts/soak.py [--users 30] [--kills 20] [--seed 1]

Runs `python -m bot` against the Telegram Bot API stand-in of tests/telegram_standin.py over
HTTP on 127.0.0.1. Users answer in rounds: every user's next answer is queued at once, so the
bot serves them concurrently; at random moments, often with updates in flight, the bot is
killed with SIGKILL and started again, and every user picks up with /start and "Continue".
An answer counts as acknowledged once the bot has sent the question after it. At the end it
checks that every acknowledged answer is on disk with its value, that every user file opens,
that every finished user has exactly their own answers (no answer applied twice or to the wrong
question, nothing from another user), and prints the figures as one JSON line.
Exit status 0 only if nothing was lost, unreadable, doubled or crossed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the stand-in is test infrastructure the scripts reuse

from telegram_standin import DEFAULT_TOKEN, FakeTelegram, StandInServer  # noqa: E402

WAIT = 30.0
# (a phrase of the question, its id, the answer user u types, the value stored)
SCRIPT = (
    ("Which treatment", "treatment", lambda u: "not sure", lambda u: "unsure"),
    (
        "name of your health insurer",
        "insurer",
        lambda u: f"Insurer-{u}-x",
        lambda u: f"Insurer-{u}-x",
    ),
    ("What type of plan", "plan_type", lambda u: "ppo", lambda u: "ppo"),
    ("separate company", "bh_carveout", lambda u: "no", lambda u: "no"),
    ("Does your plan cover", "coverage", lambda u: "yes", lambda u: "yes"),
    ("prior authorization required", "preauth", lambda u: "yes", lambda u: "yes"),
    ("referral required", "referral", lambda u: "no", lambda u: "no"),
    ("How many antidepressants", "trials", lambda u: str(2 + u % 5), lambda u: 2 + u % 5),
    ("Which clinic", "clinic", lambda u: f"Clinic-{u}-x", lambda u: f"Clinic-{u}-x"),
    ("in your plan's network", "network", lambda u: "in", lambda u: "in"),
    (
        "yearly deductible",
        "deductible",
        lambda u: str(1000 + u % 997),
        lambda u: f"{1000 + u % 997}.00",
    ),
    ("already paid this plan year", "deductible_met", lambda u: "0", lambda u: "0.00"),
    ("coinsurance (a percentage)", "cost_sharing", lambda u: "copay", lambda u: "copay"),
    ("copay per session", "copay", lambda u: str(20 + u % 30), lambda u: f"{20 + u % 30}.00"),
    (
        "out-of-pocket maximum for the year",
        "oop_max",
        lambda u: str(5000 + u % 997),
        lambda u: f"{5000 + u % 997}.00",
    ),
    ("toward the out-of-pocket maximum", "oop_met", lambda u: "0", lambda u: "0.00"),
    (
        "charge per session",
        "price_per_session",
        lambda u: str(400 + u % 997),
        lambda u: f"{400 + u % 997}.00",
    ),
    ("How many sessions", "sessions", lambda u: "6", lambda u: 6),
)
FIRST_USER = 9_100_000


class Bot:
    """The real bot process, pointed at the stand-in."""

    def __init__(self, server: StandInServer, fake: FakeTelegram, workdir: Path) -> None:
        self.fake = fake
        self.workdir = workdir
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")},
            "TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN,
            "TELEGRAM_API_BASE_URL": server.base_url,
            "BOT_DATA_DIR": str(workdir / "data"),
            "LOG_LEVEL": "WARNING",
        }
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        polls = self.polls()
        with (self.workdir / "bot.log").open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot"],
                cwd=self.workdir,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.fake.wait_for(lambda f: self.polls() > polls, WAIT)

    def polls(self) -> int:
        return sum(1 for name, _ in self.fake.calls if name == "getUpdates")

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(WAIT)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(WAIT)


def position(text: str) -> int | None:
    """Which step of the script a bot message asks, or None."""
    return next((i for i, (phrase, *_) in enumerate(SCRIPT) if phrase in text), None)


def run_soak(users: int, kills: int, seed: int, workdir: Path) -> dict:
    """Run the soak test and return its figures."""
    rng = random.Random(seed)
    started = time.monotonic()
    ids = [FIRST_USER + n for n in range(users)]
    step = dict.fromkeys(ids, 0)  # the step each user is answering
    acknowledged: dict[int, dict[str, object]] = {u: {} for u in ids}
    done: set[int] = set()
    fake = FakeTelegram()
    with StandInServer(fake) as server:
        bot = Bot(server, fake, workdir)
        bot.start()
        for user in ids:
            fake.send_text(user, "/start")
        settle(fake, {u: 0 for u in ids})
        for user in ids:
            fake.press(user, "Let's begin")
        settle(fake, {u: 1 for u in ids})
        killed = 0
        rounds_until_kill = 0
        rounds = 0
        while len(done) < users:
            rounds += 1
            if rounds > 3 * len(SCRIPT) + 3 * kills:
                raise RuntimeError("the users stopped making progress")
            active = [u for u in ids if u not in done]
            before = {u: len(fake.messages(u)) for u in active}
            for user in active:
                _, _, typed, _ = SCRIPT[step[user]]
                fake.send_text(user, typed(user))
            if killed < kills and rounds_until_kill == 0:
                time.sleep(rng.random() * 0.3)  # often with updates in flight
                bot.kill()
                killed += 1
                rounds_until_kill = 0  # kill again next round, until the kills are done
                note_acknowledged(fake, active, before, step, acknowledged, done)
                bot.start()
                resync(fake, active, step, done)
                continue
            rounds_until_kill -= 1
            settle(fake, before, more=1)
            note_acknowledged(fake, active, before, step, acknowledged, done)
        bot.stop()
    return verify(workdir, ids, acknowledged, killed, time.monotonic() - started)


def settle(fake: FakeTelegram, counts: dict[int, int], more: int = 1) -> None:
    """Wait until each user has at least `more` new bot messages."""
    fake.wait_for(lambda f: all(len(f.messages(u)) >= n + more for u, n in counts.items()), WAIT)


def note_acknowledged(fake, active, before, step, acknowledged, done) -> None:
    """An answer is acknowledged once the bot sent the next question (or the summary)."""
    for user in active:
        new = [m.get("text", "") for m in fake.messages(user)[before[user] :]]
        _, question, _, value = SCRIPT[step[user]]
        if any(position(text) == step[user] + 1 for text in new) or (
            step[user] == len(SCRIPT) - 1 and any(t.startswith("Your answers") for t in new)
        ):
            acknowledged[user][question] = value(user)
            step[user] += 1
            if step[user] == len(SCRIPT):
                done.add(user)


def resync(fake: FakeTelegram, active, step, done) -> None:
    """After a restart, each user asks where they are (/start, Continue) and goes on there."""
    before = {u: len(fake.messages(u)) for u in active}
    for user in active:
        fake.send_text(user, "/start")
    # A reply to an answer in flight may come first: wait for the welcome itself.
    fake.wait_for(
        lambda f: all(
            any(
                text.startswith(("Welcome back", "Hello."))
                for text in (m.get("text", "") for m in f.messages(u)[before[u] :])
            )
            for u in active
        ),
        WAIT,
    )
    waiting = {}
    for user in active:
        labels = [label for label, _ in fake.buttons(user)]
        # "Continue at question n", or "Let's begin" if no answer was saved before the kill.
        resume = next((b for b in labels if b.startswith(("Continue", "Let's begin"))), None)
        if resume is None:  # the answer in flight finished the conversation
            step[user] = len(SCRIPT)
            done.add(user)
            continue
        waiting[user] = len(fake.messages(user))
        fake.press(user, resume)
    settle(fake, waiting)
    for user in waiting:
        where = position(fake.last_text(user))
        if where is None:
            raise AssertionError(f"user {user} resumed at {fake.last_text(user)!r}")
        step[user] = where


def verify(workdir: Path, ids, acknowledged, kills: int, seconds: float) -> dict:
    """Compare what is on disk with what the bot acknowledged."""
    lost = unreadable = doubled = crossed = checked = 0
    for user in ids:
        path = workdir / "data" / "users" / f"{user}.json"
        try:
            text = path.read_text("utf-8")
            answers = json.loads(text)["case"]["1"]["case"]["answers"]
        except (OSError, ValueError, KeyError):
            unreadable += 1
            continue
        values = {q: a["value"] for q, a in answers.items()}
        for question, value in acknowledged[user].items():
            checked += 1
            lost += values.get(question) != value
        expected = {q: value(user) for _, q, _, value in SCRIPT}
        # Anything saved must be this user's own answer to that very question.
        doubled += sum(1 for q, v in values.items() if expected.get(q) != v)
        crossed += sum(f"-{other}-x" in text for other in ids if other != user)
    leftovers = list((workdir / "data" / "users").glob("*.tmp"))
    return {
        "kills": kills,
        "users": len(ids),
        "answers_checked": checked,
        "answers_lost": lost,
        "files_unreadable": unreadable + len(leftovers),
        "duplicates": doubled,
        "cross_talk": crossed,
        "seconds": round(seconds, 1),
    }


def main(argv: list[str] | None = None) -> int:
    """Run from the command line; exit 0 only if every must-be-zero figure is zero."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=30)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as workdir:
        figures = run_soak(args.users, args.kills, args.seed, Path(workdir))
    print(json.dumps(figures))
    print(
        f"soak: {figures['kills']} kills, {figures['users']} users, "
        f"{figures['answers_checked']} answers checked, {figures['answers_lost']} lost, "
        f"{figures['files_unreadable']} files unreadable, {figures['duplicates']} doubled, "
        f"{figures['cross_talk']} crossed, {figures['seconds']} s",
        file=sys.stderr,
    )
    bad = ("answers_lost", "files_unreadable", "duplicates", "cross_talk")
    return 0 if not any(figures[name] for name in bad) else 1


if __name__ == "__main__":
    sys.exit(main())
