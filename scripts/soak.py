"""Soak test: many users answering at once while the real bot is SIGKILLed and restarted.

Usage:
    python scripts/soak.py [--users 30] [--kills 20] [--seed 1] [--timeout 900]
                           [--workdir DIR] [--verbose]

Runs `python -m bot` (with this interpreter) against the Telegram Bot API stand-in
(tests/support/telegram_standin.py), served over HTTP on 127.0.0.1. Every simulated user walks
the whole conversation with answers of their own: the insurer "Insurer U<id>X", the clinic
"Clinic U<id>X", and branches and amounts derived from the user id and the seed. One driver
loop interleaves all users, so the bot serves them concurrently. At random moments (seeded)
the bot is killed with SIGKILL, often with answers in flight, and started again; every user
then asks where they are (/start, "Continue at question N of M") and carries on from there.

An answer counts as acknowledged once the bot has sent the question after it (or the summary,
after the last one). After every kill, and at the end, the soak checks that:

* every acknowledged answer is on disk, with its value, in that user's file;
* every user file opens (JSON and TinyDB's layout), and the temporary files a kill left behind
  are gone once the bot has started again (it removes them a few seconds after it is up; none
  is left at the end);
* after every restart each user resumes at the right question: /start says "Welcome back" (or
  that every question is answered), and Continue leads to the question after the last
  acknowledged one, or to the one after that if the answer in flight was applied;
* no answer was applied twice (the answer log repeats no entry), every answer matches the
  log and is the user's own, and no file or message holds another user's text.

It prints one JSON line of figures on stdout and a human summary on stderr (with --verbose, a
line per kill too). The exit status is 0 only if every figure in MUST_BE_ZERO is 0:
answers_lost, files_unreadable, duplicates, cross_talk, misapplied (an answer that is not the
user's own, or that the log disagrees with), wrong_resume, leftover_tmp, users_unfinished,
in_flight_dropped (an update the bot had confirmed to Telegram and never handled: no reply,
nothing saved; the durable inbox replays these) and inbox_left (updates still kept in the inbox
once every user has finished). The others describe the run: answers_checked (over all the
checks), answers_acknowledged, in_flight_applied (saved, but the reply died with the bot: the
replay or /start shows the next question), in_flight_unapplied (not yet confirmed to Telegram
when the bot died, and not yet handled when the user resumed), tmp_after_kills, tmp_planted
(a torn temp file left before each restart, as a kill mid-write leaves one), stalls,
telegram_errors, log_errors and the bot's exit_status at SIGTERM.
The defaults take under a minute on two cores.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tinydb import TinyDB

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from the checkout: the bot, and the stand-in the tests share

from bot.__main__ import LEFTOVERS_AFTER  # noqa: E402
from bot.flow import Flow  # noqa: E402
from bot.store import temp_path_for  # noqa: E402
from tests.support.bot_process import BotProcess  # noqa: E402
from tests.support.telegram_standin import FakeTelegram, StandInServer  # noqa: E402

FIRST_USER = 9_100_000
FLOW = Flow()
START_TIMEOUT = 30.0
STALL = 20.0
"""Seconds a user waits for a reply, with the bot up, before starting over with /start."""
MAX_STALLS = 3
THINK = 0.1
"""At most this many seconds between a reply and the user's next action."""
MUST_BE_ZERO = (
    "answers_lost",
    "files_unreadable",
    "duplicates",
    "cross_talk",
    "misapplied",
    "wrong_resume",
    "leftover_tmp",
    "users_unfinished",
    "in_flight_dropped",
    "inbox_left",
)

_PROGRESS_RE = re.compile(r"^Question (\d+) of (\d+)$", re.MULTILINE)
_RESUME_RE = re.compile(r"^Continue at question (\d+) of (\d+)$")
SAVED = "✓ Saved: "
_MARKER_RE = re.compile(r"U(\d+)X")
WRITES = frozenset({"sendmessage", "editmessagetext", "senddocument"})

# What a user is doing.
ACT = "act"  # about to answer the current question
ANSWERING = "answering"  # waiting for the question after their answer
RESYNC = "resync"  # about to send /start
WELCOMING = "welcoming"  # waiting for the welcome
RESUMING = "resuming"  # waiting for the question Continue leads to
DONE = "done"
FAILED = "failed"
WAITING = frozenset({ANSWERING, WELCOMING, RESUMING})


@dataclass(frozen=True)
class Step:
    """One answer of a user's plan: the question, how it is given, and the value stored."""

    question: str
    action: str  # "press" a button by its label, or "send" text
    text: str
    value: Any


@dataclass(frozen=True)
class Shown:
    """A question as the bot showed it."""

    question: str
    n: int
    refused: bool  # an explanation came first: the answer typed was not accepted


@dataclass
class User:
    """One simulated user: their plan, how far the bot has acknowledged it, what they do now."""

    id: int
    plan: list[Step]
    position: int = 0  # index in plan of the question the user is on
    acknowledged: dict[str, Any] = field(default_factory=dict)
    pending: bool = False  # the answer to plan[position] is sent and not acknowledged
    pending_update: int = 0  # its update_id
    pending_confirmed: bool = False  # the bot confirmed that update to Telegram, then died
    mode: str = RESYNC
    since: int = 0  # bot messages in the chat before the user's last action
    act_at: float = 0.0
    waited_from: float = 0.0
    message_id: int | None = None  # the message of the current question
    resume_n: int | None = None
    stalls: int = 0

    @property
    def marker(self) -> str:
        """The text in the user's answers that no other user's file or chat may contain."""
        return marker(self.id)


def marker(user: int) -> str:
    """A distinctive string for one user; no user's marker contains another's."""
    return f"U{user}X"


# What a user answers at each question, by its id: ("press", [(value, label), ...]) picks a
# button at random; a function (rng, user, answers so far) -> (typed text, value stored) types.
# A question not named here (one added to the flow) is answered "I don't know yet".
YES_NO = [("yes", "Yes"), ("no", "No")]
UNKNOWN = [("unknown", "I don't know yet")]


def _money(low: int, high: Any) -> Any:
    """A typed amount between `low` and `high` (an int, or a function of the answers)."""

    def answer(rng: random.Random, user: int, answers: dict[str, Any]) -> tuple[str, str]:
        top = high(answers) if callable(high) else high
        amount = rng.randint(low, top)
        return rng.choice([f"${amount:,}", str(amount)]), f"{amount}.00"

    return answer


def _named(prefix: str) -> Any:
    def answer(rng: random.Random, user: int, answers: dict[str, Any]) -> tuple[str, str]:
        return f"{prefix} {marker(user)}", f"{prefix} {marker(user)}"

    return answer


def _count(low: int, high: int) -> Any:
    def answer(rng: random.Random, user: int, answers: dict[str, Any]) -> tuple[str, int]:
        number = rng.randint(low, high)
        return str(number), number

    return answer


def _preauth(rng: random.Random, user: int, answers: dict[str, Any]) -> tuple[str, str]:
    typed = rng.choice(["yes", "no", "idk"])
    return typed, "unknown" if typed == "idk" else typed


def _percent(rng: random.Random, user: int, answers: dict[str, Any]) -> tuple[str, str]:
    percent = rng.randint(5, 50)
    return f"{percent}%", str(percent)


PLAN = {
    "treatment": (
        "press",
        [
            ("spravato", "Spravato (esketamine nasal spray)"),
            ("iv_ketamine", "IV ketamine infusion"),
            ("im_ketamine", "IM ketamine injection"),
            ("unsure", "Not sure yet"),
        ],
    ),
    "insurer": _named("Insurer"),
    "plan_type": (
        "press",
        [("hmo", "HMO"), ("ppo", "PPO"), ("epo", "EPO"), ("medicare", "Medicare")],
    ),
    "bh_carveout": ("press", YES_NO),
    "bh_company": _named("Behavioral"),
    "coverage": ("press", [("yes", "Yes, covered"), ("no", "No, not covered"), *UNKNOWN]),
    "benefit": ("press", [("medical", "Medical benefit"), ("pharmacy", "Pharmacy benefit")]),
    "preauth": _preauth,
    "referral": ("press", [*YES_NO, *UNKNOWN]),
    "trials": _count(0, 30),
    "clinic": _named("Clinic"),
    "network": ("press", [("in", "In network"), ("out", "Out of network")]),
    "network_options": ("press", YES_NO),
    "deductible": _money(250, 6000),
    "deductible_met": _money(0, lambda answers: int(float(answers["deductible"]))),
    "cost_sharing": (
        "press",
        [("coinsurance", "Coinsurance (%)"), ("copay", "Copay ($ per session)")],
    ),
    "coinsurance_pct": _percent,
    "copay": _money(10, 150),
    "oop_max": _money(3000, 10000),
    "oop_met": _money(0, 2000),
    "price_per_session": _money(300, 1500),
    "allowed_per_session": _money(100, lambda answers: int(float(answers["price_per_session"]))),
    "sessions": _count(1, 60),
}


BEGUN = {"for_whom": "self"}
"""What "Let's begin" answers (the user's own case): the plan starts after it."""


def begun_at(plan: list[Step]) -> int:
    """The question number "Let's begin" leads to: the plan's first question's."""
    return FLOW.counted(BEGUN).index(plan[0].question) + 1


def plan_for(user: int, seed: int) -> list[Step]:
    """The answers `user` gives, in the order the flow asks: branches and amounts differ."""
    rng = random.Random(seed * 1_000_003 + user)
    steps: list[Step] = []
    answers: dict[str, Any] = dict(BEGUN)
    while question := next((q for q in FLOW.applicable(answers) if q.id not in answers), None):
        how = PLAN.get(question.id, ("press", None))
        if callable(how):
            text, value = how(rng, user, answers)
            steps.append(Step(question.id, "send", text, value))
        elif how[1] is None:  # pressed by its data: the label is the question's own
            value = "unsure" if question.unknown_value == "unsure" else "unknown"
            steps.append(Step(question.id, "press", f"a:{question.id}:{value}", value))
        else:
            value, label = rng.choice(how[1])
            steps.append(Step(question.id, "press", label, value))
        answers[question.id] = value
    return steps


def text_of(message: dict[str, Any]) -> str:
    """A message's text or caption."""
    return message.get("text", message.get("caption", ""))


def labels_of(message: dict[str, Any]) -> list[str]:
    """The labels of a message's inline buttons."""
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    return [button["text"] for row in rows for button in row]


def shown_question(message: dict[str, Any]) -> Shown | None:
    """Which question a bot message asks (read from its buttons' data), or None."""
    text = text_of(message)
    progress = _PROGRESS_RE.search(text)
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    data = [b.get("callback_data", "") for row in rows for b in row]
    asked = {d.split(":")[1] for d in data if d.split(":")[0] in ("a", "k")}
    if progress is None or len(asked) != 1:
        return None
    (question,) = asked
    # Before the progress line: the answer just typed, acknowledged ("✓ Saved: ..."), or why
    # what was typed was refused.
    before = [line for line in text[: progress.start()].splitlines() if line.strip()]
    refused = any(not line.startswith(SAVED) for line in before)
    return Shown(question, int(progress[1]), refused=refused)


def is_summary(text: str) -> bool:
    """Whether a bot message is the summary shown after the last question."""
    return text.startswith("Your answers")


def is_welcome(text: str) -> bool:
    """Whether a bot message is the welcome /start gives."""
    return text.startswith(("Welcome back", "Hello. I help you"))


def read_case(path: Path) -> dict[str, Any] | None:
    """The case in a user's file; None if there is none; ValueError if the file does not open."""
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return None
    except UnicodeDecodeError as error:
        raise ValueError(str(error)) from error
    with TinyDB(path, access_mode="r") as database:
        document = database.table("case").get(doc_id=1)
    case = (document or {}).get("case")
    if (
        not isinstance(case, dict)
        or case != data["case"]["1"]["case"]
        or not isinstance(case.get("answers"), dict)
        or not isinstance(case.get("log"), list)
    ):
        raise ValueError(f"{path} does not hold a case in TinyDB's layout")
    return case


def temp_files(users_dir: Path) -> set[str]:
    """Names of the temporary files of interrupted writes in the users directory."""
    with contextlib.suppress(FileNotFoundError):
        return {name for name in os.listdir(users_dir) if name.endswith(".tmp")}
    return set()


def log_errors(bot: BotProcess) -> int:
    """Lines of the bot's log that report an error or a traceback."""
    return sum(1 for line in bot.log().splitlines() if "Traceback" in line or " ERROR " in line)


class Observer:
    """Which chats the bot wrote to since the last look, from the stand-in's record of calls."""

    def __init__(self, fake: FakeTelegram) -> None:
        self.fake = fake
        self.seen = len(fake.calls)

    def wait(self, until: float) -> set[int]:
        """Wait until the bot calls the stand-in or `until` passes; return the chats written."""
        seen = self.seen

        def ready(fake: FakeTelegram) -> bool:
            return len(fake.calls) > seen or time.monotonic() >= until

        with contextlib.suppress(TimeoutError):
            self.fake.wait_for(ready, max(until - time.monotonic(), 0.0) + 0.05)
        new = self.fake.calls[seen:]
        self.seen = seen + len(new)
        return {params.get("chat_id") for name, params in new if name.lower() in WRITES}


class Soak:
    """One soak run: the users, the bot, the kills and the tally."""

    def __init__(
        self,
        users: int,
        kills: int,
        seed: int,
        workdir: Path,
        timeout: float,
        verbose: bool,
    ) -> None:
        self.users = [User(u, plan_for(u, seed)) for u in range(FIRST_USER, FIRST_USER + users)]
        self.kills = kills
        self.rng = random.Random(seed)
        self.workdir = workdir
        self.users_dir = workdir / "data" / "users"
        self.timeout = timeout
        self.verbose = verbose
        self.killed = 0
        self.figures: Counter[str] = Counter()
        self.lost: set[tuple[int, str]] = set()
        self.unreadable: set[int] = set()
        self.problems: list[str] = []
        self.fake = FakeTelegram()
        self.bot: BotProcess | None = None
        self.observer: Observer | None = None

    def run(self) -> dict[str, Any]:
        """Drive every user to the end through the kills; return the figures."""
        started = time.monotonic()
        with StandInServer(self.fake) as server:
            self.bot = BotProcess(server, self.workdir, log_level="WARNING")
            try:
                self.bot.start(self.fake, START_TIMEOUT)
                self.observer = Observer(self.fake)
                self.drive(started + self.timeout)
                self.figures["exit_status"] = self.bot.stop()
            finally:
                self.bot.kill()
        self.check_disk(final=True)
        return self.tally(time.monotonic() - started)

    def drive(self, deadline: float) -> None:
        """The driver loop: users act, the bot answers, and now and then it is killed."""
        total = sum(len(user.plan) for user in self.users)
        # Thresholds may repeat: then the bot dies again while users are resuming.
        thresholds = sorted(self.rng.randint(1, max(total - 1, 1)) for _ in range(self.kills))
        kill_at: float | None = None
        while time.monotonic() < deadline:
            finished = all(user.mode in (DONE, FAILED) for user in self.users)
            if finished and self.killed >= self.kills:
                return
            now = time.monotonic()
            acknowledged = sum(len(user.acknowledged) for user in self.users)
            due = self.killed < self.kills and (finished or acknowledged >= thresholds[self.killed])
            if kill_at is None and due:
                # A moment later, so that answers are in flight and files being written.
                kill_at = now + self.rng.uniform(0.0, 0.25)
            if kill_at is not None and now >= kill_at:
                self.crash_and_restart()
                kill_at = None
                continue
            for user in self.users:
                if user.mode in (ACT, RESYNC) and now >= user.act_at:
                    self.act(user)
                elif user.mode in WAITING and now - user.waited_from > STALL:
                    self.stalled(user)
            timers = [user.act_at for user in self.users if user.mode in (ACT, RESYNC)]
            until = min([now + 0.25, *timers, *([kill_at] if kill_at else [])])
            assert self.observer is not None
            touched = self.observer.wait(until)
            for user in self.users:
                if user.id in touched and user.mode in WAITING:
                    self.observe(user)
        self.problems.append(f"time is up after {self.timeout:.0f} s")

    def crash_and_restart(self) -> None:
        """SIGKILL the bot, check the disk, start it again, and have everyone resume."""
        assert self.bot is not None
        self.bot.kill()
        self.killed += 1
        for user in self.users:
            if user.mode in WAITING:
                self.observe(user)  # what the bot said before it died counts
        # getUpdates with offset N tells Telegram that every update before N was handled.
        offsets = [p.get("offset") or 0 for name, p in self.fake.calls if name == "getUpdates"]
        confirmed = max(offsets, default=0)
        for user in self.users:
            if user.pending and user.pending_update < confirmed:
                user.pending_confirmed = True
        self.check_disk(final=False)
        self.figures["tmp_after_kills"] += len(temp_files(self.users_dir))
        self.plant_torn_write()
        leftovers = temp_files(self.users_dir)
        self.bot.start(self.fake, START_TIMEOUT)
        # The bot removes leftovers from before its start once it is up (LEFTOVERS_AFTER
        # seconds later); newer temp files are live writes.
        deadline = time.monotonic() + LEFTOVERS_AFTER + START_TIMEOUT
        while leftovers & temp_files(self.users_dir) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.figures["leftover_tmp"] += len(leftovers & temp_files(self.users_dir))
        if self.verbose:
            done = sum(user.position == len(user.plan) for user in self.users)
            acknowledged = sum(len(user.acknowledged) for user in self.users)
            print(
                f"kill {self.killed}/{self.kills}: {acknowledged} answers acknowledged,"
                f" {done} users done, {len(leftovers)} temp files before the restart",
                file=sys.stderr,
            )
        now = time.monotonic()
        for user in self.users:
            if user.mode != FAILED:
                user.mode = RESYNC
                user.act_at = now + self.rng.uniform(0.0, 0.3)

    def plant_torn_write(self) -> None:
        """Leave what a kill in the middle of a save leaves: half a record in a temp file.

        A kill rarely lands inside the few milliseconds of a write, so each restart gets one,
        named as the bot names its temp files; start-up must remove it and nothing else.
        """
        files = sorted(self.users_dir.glob("*.json")) if self.users_dir.is_dir() else []
        if not files:
            return
        target = self.rng.choice(files)
        content = target.read_bytes()
        torn = temp_path_for(target)
        torn.write_bytes(content[: len(content) // 2])
        torn.chmod(0o600)
        self.figures["tmp_planted"] += 1

    def act(self, user: User) -> None:
        """Send /start (to find out where the bot has the user) or the current answer."""
        user.since = len(self.fake.messages(user.id))
        user.waited_from = time.monotonic()
        if user.mode == RESYNC:
            self.fake.send_text(user.id, "/start")
            user.mode = WELCOMING
            return
        step = user.plan[user.position]
        if step.action == "press":
            update_id = self.press(user, step.text, user.message_id)
            if update_id is None:
                return
        else:
            update_id = self.fake.send_text(user.id, step.text)
        user.pending, user.pending_update, user.pending_confirmed = (
            True,
            update_id,
            False,
        )
        user.mode = ANSWERING

    def press(self, user: User, label: str, message_id: int | None) -> int | None:
        """Press a button of a bot message: its update_id, or None (the user fails) if absent."""
        try:
            return self.fake.press(user.id, label, message_id=message_id)
        except AssertionError as error:
            self.fail(user, f"cannot press {label!r}: {str(error).splitlines()[0]}")
            return None

    def observe(self, user: User) -> None:
        """Read the bot's new messages to the user, in order, while the user waits."""
        messages = self.fake.messages(user.id)
        handlers = {
            ANSWERING: self.on_answered,
            WELCOMING: self.on_welcome,
            RESUMING: self.on_resumed,
        }
        while user.mode in WAITING and user.since < len(messages):
            message = messages[user.since]
            user.since += 1
            handlers[user.mode](user, message)

    def on_answered(self, user: User, message: dict[str, Any]) -> None:
        """After an answer: the next question (or the summary) acknowledges it."""
        text = text_of(message)
        shown = shown_question(message)
        following = self.following(user)
        if shown is not None and following is not None and shown.question == following:
            self.acknowledge(user)
            self.ready(user, message)
        elif following is None and is_summary(text):
            self.acknowledge(user)
            user.mode = DONE
        elif (
            shown is not None
            and shown.refused
            and shown.question == user.plan[user.position].question
        ):
            self.fail(user, f"the bot refused {user.plan[user.position]}: {text[:200]!r}")
        # Anything else is about an earlier update; the reply is still to come.

    def on_welcome(self, user: User, message: dict[str, Any]) -> None:
        """After /start: a reply to an answer in flight may come first, then the welcome."""
        text = text_of(message)
        shown = shown_question(message)
        following = self.following(user)
        if user.pending and (
            (shown is not None and following is not None and shown.question == following)
            or (following is None and is_summary(text))
        ):
            self.acknowledge(user)
        if not is_welcome(text):
            return
        if user.acknowledged and not text.startswith("Welcome back"):
            self.wrong(user, f"not welcomed back: {text[:80]!r}")
        labels = labels_of(message)
        resume = next((label for label in labels if _RESUME_RE.match(label)), None)
        if resume is not None and user.position < len(user.plan):
            user.resume_n = int(_RESUME_RE.match(resume)[1])
        elif "Let's begin" in labels and not user.acknowledged:
            resume, user.resume_n = "Let's begin", begun_at(user.plan)
        elif "See my summary" in labels and "answered every question" in text:
            if user.pending and user.position == len(user.plan) - 1:
                self.acknowledge(user)  # the last answer was saved; its summary was not sent
            if user.position < len(user.plan):
                self.wrong(user, f"done at {user.plan[user.position].question}")
                user.mode = FAILED
            else:
                user.mode = DONE
            return
        else:
            self.wrong(user, f"welcome without the right button: {labels}")
            user.mode = FAILED
            return
        user.since = len(self.fake.messages(user.id))
        user.waited_from = time.monotonic()
        if self.press(user, resume, message["message_id"]) is not None:
            user.mode = RESUMING

    def on_resumed(self, user: User, message: dict[str, Any]) -> None:
        """After Continue: the question after the last acknowledged answer, or the one after."""
        shown = shown_question(message)
        if shown is None:
            return  # a second welcome, from a /start sent before the last kill
        expected = user.plan[user.position].question
        if shown.question == expected:
            if user.pending:
                # Never applied, never answered: the user has to send it again.
                dropped = "in_flight_dropped" if user.pending_confirmed else "in_flight_unapplied"
                self.figures[dropped] += 1
                user.pending = False
        elif user.pending and shown.question == self.following(user):
            self.acknowledge(user)
            self.figures["in_flight_applied"] += 1
        else:
            self.wrong(user, f"resumed at {shown.question}, expected {expected}")
            where = [i for i, step in enumerate(user.plan) if step.question == shown.question]
            if not where:
                user.mode = FAILED
                return
            user.position, user.pending = where[0], False
        if shown.n != user.resume_n:
            self.wrong(user, f"Continue said question {user.resume_n}, the bot asked {shown.n}")
        self.ready(user, message)

    def following(self, user: User) -> str | None:
        """The question after the user's current one, or None after the last."""
        index = user.position + 1
        return user.plan[index].question if index < len(user.plan) else None

    def acknowledge(self, user: User) -> None:
        """The bot has moved past the user's answer: it must be on disk from now on."""
        step = user.plan[user.position]
        user.acknowledged[step.question] = step.value
        user.position += 1
        user.pending = False

    def ready(self, user: User, message: dict[str, Any]) -> None:
        """The user is looking at a question and will answer it after a moment."""
        user.message_id = message["message_id"]
        user.mode = ACT
        user.act_at = time.monotonic() + self.rng.uniform(0.0, THINK)

    def stalled(self, user: User) -> None:
        """No reply in STALL seconds with the bot up: start over with /start, a few times."""
        self.figures["stalls"] += 1
        user.stalls += 1
        if user.stalls > MAX_STALLS:
            self.fail(user, f"no reply {user.stalls} times while {user.mode}")
            return
        user.mode = RESYNC
        user.act_at = time.monotonic()

    def wrong(self, user: User, what: str) -> None:
        """The bot did not resume the user where it should have."""
        self.figures["wrong_resume"] += 1
        self.problems.append(f"user {user.id}: {what}")

    def fail(self, user: User, what: str) -> None:
        """The user cannot go on; they count as unfinished."""
        user.mode = FAILED
        self.problems.append(f"user {user.id}: {what}")

    def check_disk(self, *, final: bool) -> None:
        """Every acknowledged answer on disk in its user's file; at the end, everything else too."""
        for user in self.users:
            path = self.users_dir / f"{user.id}.json"
            self.figures["answers_checked"] += len(user.acknowledged)
            try:
                case = read_case(path)
            except (OSError, ValueError, KeyError, TypeError) as error:
                self.unreadable.add(user.id)
                self.problems.append(f"user {user.id}: file unreadable: {error}")
                case = None
            answers = (case or {}).get("answers", {})
            for question, value in user.acknowledged.items():
                saved = answers.get(question, {}).get("value")
                if saved != value and (user.id, question) not in self.lost:
                    self.lost.add((user.id, question))
                    self.problems.append(f"user {user.id}: {question} is {saved!r}, not {value!r}")
            if final and case is not None:
                self.check_case(user, case, path.read_text("utf-8"))
        if final:
            self.figures["leftover_tmp"] += len(temp_files(self.users_dir))
            inbox = self.users_dir.parent / "inbox"
            self.figures["inbox_left"] += len(list(inbox.iterdir())) if inbox.exists() else 0

    def check_case(self, user: User, case: dict[str, Any], text: str) -> None:
        """One user's final file: no doubled or foreign answer, the log agrees, no cross-talk."""
        own = BEGUN | {step.question: step.value for step in user.plan}
        for question, answer in case["answers"].items():
            if own.get(question, object()) != answer.get("value"):
                self.figures["misapplied"] += 1
                self.problems.append(f"user {user.id}: {question} = {answer.get('value')!r}")
        last: dict[str, Any] = {}
        for entry in case["log"]:
            question, value = entry.get("question"), entry.get("value")
            if not entry.get("cleared") and question in last and last[question] == value:
                self.figures["duplicates"] += 1
                self.problems.append(f"user {user.id}: {question} = {value!r} logged twice")
            last[question] = None if entry.get("cleared") else value
        for question, answer in case["answers"].items():
            if last.get(question) != answer.get("value"):
                self.figures["log_mismatch"] += 1
                self.problems.append(f"user {user.id}: the log disagrees on {question}")
        chat = "\n".join(text_of(message) for message in self.fake.messages(user.id))
        for where, content in (("file", text), ("chat", chat)):
            others = {int(found) for found in _MARKER_RE.findall(content)} - {user.id}
            crossed = others & {other.id for other in self.users}
            if crossed:
                self.figures["cross_talk"] += len(crossed)
                self.problems.append(f"user {user.id}: {where} holds text of users {crossed}")

    def tally(self, seconds: float) -> dict[str, Any]:
        """The figures, as printed."""
        figures = self.figures
        return {
            "kills": self.killed,
            "users": len(self.users),
            "answers_checked": figures["answers_checked"],
            "answers_acknowledged": sum(len(user.acknowledged) for user in self.users),
            "answers_lost": len(self.lost),
            "files_unreadable": len(self.unreadable),
            "duplicates": figures["duplicates"],
            "cross_talk": figures["cross_talk"],
            "misapplied": figures["misapplied"] + figures["log_mismatch"],
            "wrong_resume": figures["wrong_resume"],
            "leftover_tmp": figures["leftover_tmp"],
            "inbox_left": figures["inbox_left"],
            "users_unfinished": sum(user.mode != DONE for user in self.users),
            "in_flight_applied": figures["in_flight_applied"],
            "in_flight_dropped": figures["in_flight_dropped"],
            "in_flight_unapplied": figures["in_flight_unapplied"],
            "tmp_after_kills": figures["tmp_after_kills"],
            "tmp_planted": figures["tmp_planted"],
            "stalls": figures["stalls"],
            "telegram_errors": len(self.fake.errors),
            "log_errors": log_errors(self.bot) if self.bot is not None else 0,
            "exit_status": figures["exit_status"],
            "seconds": round(seconds, 1),
            "problems": self.problems[:20],
            "notes": [
                f"Telegram refused {method} {count} times: {description}"
                for (method, description), count in Counter(self.fake.errors).most_common()
            ],
        }


def run_soak(
    users: int,
    kills: int,
    seed: int,
    workdir: Path,
    *,
    timeout: float = 900.0,
    verbose=False,
) -> dict[str, Any]:
    """Run the soak test with its data in `workdir` (new or empty) and return its figures."""
    workdir.mkdir(parents=True, exist_ok=True)
    if (workdir / "data").exists():
        raise ValueError(f"{workdir} holds data of an earlier run; give an empty directory")
    return Soak(users, kills, seed, workdir, timeout, verbose).run()


def passed(figures: dict[str, Any]) -> bool:
    """Whether every must-be-zero figure is zero."""
    return not any(figures[name] for name in MUST_BE_ZERO)


def main(argv: list[str] | None = None) -> int:
    """Run from the command line; exit 0 only if every must-be-zero figure is zero."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=30, help="simulated users (30)")
    parser.add_argument("--kills", type=int, default=20, help="SIGKILLs of the bot (20)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the random choices (1)")
    parser.add_argument("--timeout", type=float, default=900.0, help="give up after (900 s)")
    parser.add_argument("--workdir", type=Path, help="keep the data and bot.log here")
    parser.add_argument("--verbose", action="store_true", help="a line on stderr per kill")
    args = parser.parse_args(argv)
    if args.users < 1 or args.kills < 0:
        parser.error("--users must be at least 1 and --kills at least 0")
    with contextlib.ExitStack() as stack:
        workdir = args.workdir or Path(stack.enter_context(tempfile.TemporaryDirectory()))
        figures = run_soak(
            args.users,
            args.kills,
            args.seed,
            workdir,
            timeout=args.timeout,
            verbose=args.verbose,
        )
    print(json.dumps({k: v for k, v in figures.items() if k not in ("problems", "notes")}))
    verdict = "PASS" if passed(figures) else "FAIL"
    print(
        f"soak {verdict}: {figures['kills']} kills, {figures['users']} users,"
        f" {figures['answers_checked']} answer checks: {figures['answers_lost']} lost,"
        f" {figures['files_unreadable']} files unreadable, {figures['duplicates']} duplicates,"
        f" {figures['cross_talk']} cross-talk, {figures['misapplied']} misapplied,"
        f" {figures['wrong_resume']} wrong resumes, {figures['leftover_tmp']} temp files left,"
        f" {figures['users_unfinished']} users unfinished; {figures['seconds']} s",
        file=sys.stderr,
    )
    for problem in figures["problems"]:
        print(f"  {problem}", file=sys.stderr)
    for note in figures["notes"] if args.verbose else ():
        print(f"  note: {note}", file=sys.stderr)
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
