"""Benchmark: whole conversations through the real Application against a store of N users.

Usage:
    python scripts/bench.py                      sizes 100,10000,100000; JSON on stdout,
                                                 the table on stderr
    python scripts/bench.py --quick              sizes 100,1000 and few conversations (the test)
    python scripts/bench.py --sizes 100,5000 --conversations 200 --concurrency 16
    python scripts/bench.py --table              the table on stdout instead of the JSON
    python scripts/bench.py --data-dir DIR       pre-fill under DIR (kept) instead of a temp dir
    python scripts/bench.py --sizes 1000000 --parts startup,backup
                                                 only some parts (workload, startup, backup,
                                                 naive): the million-user point
    python scripts/bench.py --profile 100000     the conversation workload at N=100000 under
                                                 cProfile (main thread and every worker thread):
                                                 the top 25 functions by cumulative time, the
                                                 same restricted to the per-update path (bot,
                                                 telegram, tinydb, jinja2, json, os), then ms
                                                 per update of its main parts and the time
                                                 spent waiting for the store's locks

For each size N the store (one TinyDB file per user, ``BOT_DATA_DIR/users/<id>.json``) is first
pre-filled with N users, untimed: the files are written directly, with the bytes and modes
``UserStore.save`` produces for records taken from a real conversation (users at every step of
it, one in 100 with a reminder in ``reminders.json``), and a few are checked with
``UserStore.load``. Then, each in a fresh process so that sizes do not pollute each other:

* the workload (``--worker N``): simulated users hold whole conversations through the REAL
  python-telegram-bot ``Application`` built by ``TelegramChannel.build`` (the bot's per-user
  update processor, ``AIORateLimiter`` with the 30 msg/s limit off, the real ``Conversation``
  and ``UserStore`` on disk): /start, "Let's begin", every question answered with realistic
  typed values (``$1,500``, ``1.2k``, ``20%``, an occasional typo that is asked again) or
  buttons ("I don't know yet", suggestions), until the summary, estimate and call script; one
  in four is a pre-filled user who comes back half-way and presses "Continue". ``--concurrency``
  users are in flight at once, their updates interleaved; each waits for the bot's answer before
  sending the next update, like a person. Updates are handed to ``Application.update_queue`` as
  ``Update.de_json`` of the JSON Telegram would send; an update's latency runs from just before
  ``de_json`` to the last reply the bot sent to the network for it. ``--repeats`` runs per size,
  each in a fresh process; the run with the median updates/s is reported. The network is a
  lean in-process ``BaseRequest`` (``LeanTelegram`` below), not tests/support/telegram_standin.py's
  ``StandInRequest``: the stand-in validates HTML, deep-copies, keeps every message and call,
  and answers each request in a worker thread of the same default executor the bot uses for its
  disk I/O, so it would both show up in the profile and compete with the bot for its threads.
  The test suite already checks every message against the strict stand-in. Peak RSS is the
  worker's VmHWM.
* start-up: a real ``python -m bot`` (TELEGRAM_BOT_TOKEN set, TELEGRAM_API_BASE_URL pointing at
  tests/support/telegram_standin.py's ``StandInServer`` on 127.0.0.1, BOT_DATA_DIR the pre-filled
  directory) is timed from its launch to its first getUpdates call (median of ``--startup-runs``),
  then stopped; its own VmHWM at that moment is reported too.
* backup and restore: ``scripts/backup.py --out`` of the pre-filled directory, then
  ``--restore`` of that archive into an empty directory, each a process of its own, timed, with
  its peak RSS (its VmHWM, read as it runs); the restore must report every file restored.
* the naive baseline (``--naive N``): ONE shared TinyDB file with its default ``JSONStorage``,
  pre-filled with N documents (one per user, the same records), and the same answers saved with
  ``table.update`` on it: up to ``--naive-writes`` writes, fewer if ``--naive-budget`` seconds
  run out (at least 3), so writes per second is extrapolated from those.

On the same disk, at the start and again beside each size (shared disks drift; the median is
reported): the raw limit, an atomic write of a user-sized file (temp file, write, flush, fsync,
``os.replace``, fsync of the directory) as often as possible, one after the other.

Output (stdout, JSON):
    {"sizes": {"100": {"updates_per_second", "p50_ms", "p99_ms", "peak_rss_mb", "startup_s",
                       "naive_writes_per_second", ...}, ...},
     "raw_fsync_writes_per_second", "raw_fsync_samples",
     "targets": {name: {"target", "value", "met"}}, "seconds", "config"}
Targets are reported, never asserted: per-update cost (ms per update, from updates/s) at the
largest size within 1.5x of the smallest; updates/s at least half the raw fsync limit; at least
100x the naive baseline's writes/s at the largest size; start-up under 1.5 s and peak RSS under
150 MB at the largest size; backup and restore each under 100 MB of peak RSS at the largest size.
A target whose part was not run (``--parts``) is left out. Exit status 0 unless a run failed (a
conversation did not finish, an error was logged, a subprocess died).
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import contextlib
import cProfile
import io
import json
import logging
import os
import pstats
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TOKEN = "123456:BENCH-token"
BOT_ID = 1000
PREFILL_BASE = 10_000_000
"""Pre-filled users are PREFILL_BASE + i for i in range(N)."""
CONVERSATION_BASE = 90_000_000
"""Users who hold a conversation for the first time."""
FIRST_UPDATE_ID = 1_000_000
"""Above every last_update_id of the pre-filled records."""
MARK = "@@U@@"
"""Stands for the user id in the record templates."""
REMINDER_EVERY = 100
"""One pre-filled user in this many has a reminder (and an entry in reminders.json)."""
RETURNING_EVERY = 4
"""One conversation in this many is a pre-filled user coming back half-way."""
MAX_UPDATES_PER_CONVERSATION = 120
TARGETS = {
    "per_update_cost_scaling": 1.5,
    "fraction_of_raw_fsync": 0.5,
    "speedup_vs_naive": 100.0,
    "startup_s": 1.5,
    "peak_rss_mb": 150.0,
    "backup_peak_rss_mb": 100.0,
    "restore_peak_rss_mb": 100.0,
}
PARTS = ("workload", "startup", "backup", "naive")
HOT_PATH = (
    r"/bot/|telegram/|tinydb/|jinja2/|markupsafe/|json/|posixpath|pathlib"
    r"|\{built-in method (posix|_json)"
)
"""What --profile's second listing keeps: the per-update path, not the event loop's plumbing."""
log = logging.getLogger("bench")


# --------------------------------------------------------------------------------------------
# Records for the pre-fill, taken from a real conversation


def record_templates() -> tuple[list[str], str, list[int]]:
    """(record JSON for each step of a whole conversation, the same done + a reminder, asking).

    Each text has MARK where the user id goes; `asking` lists the indexes of the records of
    users who are half-way (they can "Continue").
    """
    from bot.conversation import Conversation
    from bot.events import Reminders, Start, Text, decode
    from bot.store import MemoryStore, UserStore

    now = datetime.now(UTC).replace(hour=9, minute=30, second=0, microsecond=0)
    store = MemoryStore()
    conversation = Conversation(store, clock=lambda: now)
    key = "u" + MARK.strip("@")
    # What this person answers, by question id; a question not named here is "I don't know".
    said: dict[str, Any] = {
        "treatment": decode("a:treatment:spravato"),
        "insurer": Text(f"Blue Cross Blue Shield {MARK}"),
        "plan_type": decode("a:plan_type:ppo"),
        "bh_carveout": decode("a:bh_carveout:yes"),
        "bh_company": Text("Magellan Health"),
        "coverage": decode("a:coverage:yes"),
        "benefit": decode("a:benefit:medical"),
        "preauth": decode("a:preauth:yes"),
        "referral": decode("a:referral:no"),
        "trials": Text("3"),
        "clinic": Text(f"Calm Mind Clinic {MARK}"),
        "network": decode("a:network:out"),
        "network_options": decode("a:network_options:unknown"),
        "deductible": Text("$1,500"),
        "deductible_met": Text("250"),
        "cost_sharing": decode("a:cost_sharing:coinsurance"),
        "coinsurance_pct": Text("20%"),
        "oop_max": Text("$6,000"),
        "oop_met": Text("1.2k"),
        "price_per_session": Text("$700"),
        "allowed_per_session": Text("$450"),
        "sessions": Text("8"),
    }
    texts: list[str] = []
    asking: list[int] = []
    event: Any = Start()
    update_id = 0
    while event is not None:  # the conversation as the flow asks it, to the summary
        update_id += 1
        replies = conversation.handle(key, event, update_id)
        record = store.load(key)
        if record is not None:
            text = _record_text(record)
            if not texts or texts[-1] != text:
                texts.append(text)
                if record["case"]["mode"] == "asking" and record["case"]["answers"]:
                    asking.append(len(texts) - 1)
        asked = [r.context["question"] for r in replies if r.template == "question"]
        if update_id == 1:
            event = decode("m::begin")
        else:
            event = (said.get(asked[-1]) or decode(f"a:{asked[-1]}:unknown")) if asked else None
    conversation.handle(key, Reminders(), update_id + 1)
    day = (now.date() + timedelta(days=7)).isoformat()
    conversation.handle(key, decode(f"t:call:{day}"), update_id + 2)
    reminded = _record_text(store.load(key))
    assert f'"due":"{day}"' in reminded, "the reminder was not set"
    # The layout UserStore.save writes, checked against the real thing.
    with tempfile.TemporaryDirectory() as scratch:
        real = UserStore(scratch)
        real.save("x", json.loads(reminded))
        assert real.path_for("x").read_text("utf-8") == user_file_text(reminded)
    return texts, reminded, asking


def _record_text(record: dict[str, Any]) -> str:
    # bot.store._dumps: what UserStore writes.
    return json.dumps(record, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def user_file_text(record_text: str) -> str:
    """The whole TinyDB file of one user: table "case", document 1."""
    return '{"case":{"1":' + record_text + "}}"


def prefill_record(templates: list[str], reminded: str, i: int) -> str:
    """The record template of pre-filled user number i."""
    return reminded if i % REMINDER_EVERY == 0 else templates[i % len(templates)]


def prefill(data_dir: Path, n: int) -> dict[str, Any]:
    """Write n users' files (and reminders.json) as UserStore would; return what was written."""
    from bot.store import AtomicJSONStorage, ReminderIndex, UserStore

    started = time.perf_counter()
    templates, reminded, asking = record_templates()
    store = UserStore(data_dir)  # creates data_dir and users/ with mode 0o700
    parts = [user_file_text(t).encode().split(MARK.encode()) for t in templates]
    reminded_parts = user_file_text(reminded).encode().split(MARK.encode())
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
    umask = os.umask(0)
    os.umask(umask)
    fix_mode = (0o600 & ~umask) != 0o600
    users = store.users_dir
    total = 0
    reminder_day = json.loads(reminded)["case"]["reminders"][0]["due"]
    index: dict[str, list[str]] = {}
    for i in range(n):
        uid = str(PREFILL_BASE + i).encode()
        pieces = reminded_parts if i % REMINDER_EVERY == 0 else parts[i % len(parts)]
        data = uid.join(pieces)
        fd = os.open(users / f"{PREFILL_BASE + i}.json", flags, 0o600)
        try:
            if fix_mode:
                os.fchmod(fd, 0o600)
            os.write(fd, data)
        finally:
            os.close(fd)
        total += len(data)
        if i % REMINDER_EVERY == 0:
            index[str(PREFILL_BASE + i)] = [reminder_day]
    AtomicJSONStorage(data_dir / "reminders.json").write({"due": {"1": index}})
    os.sync()  # the files on disk before anything is timed; not timed itself
    seconds = time.perf_counter() - started
    # Check a few with the real store: they load, they are this user's, the modes are right.
    rng = random.Random(n)
    for i in {0, n - 1, *(rng.randrange(n) for _ in range(5))}:
        key = str(PREFILL_BASE + i)
        record = store.load(key)
        expected = json.loads(prefill_record(templates, reminded, i).replace(MARK, key))
        assert record == expected, f"pre-filled user {key} does not load as written"
        assert (store.path_for(key).stat().st_mode & 0o777) == 0o600
    assert (users.stat().st_mode & 0o777) == 0o700
    assert len(ReminderIndex(data_dir).items()) == len(index)
    return {
        "seconds": seconds,
        "users": n,
        "mean_file_bytes": total / max(n, 1),
        "asking": asking,
        "templates": len(templates),
    }


# --------------------------------------------------------------------------------------------
# The network, faked in process


class LeanTelegram:
    """Answers the Bot API calls the bot makes, remembers per chat the newest keyboard."""

    def __init__(self) -> None:
        self.bot_user = {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "Coverage Bot",
            "username": "coverage_bench_bot",
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self._sender = {k: self.bot_user[k] for k in ("id", "is_bot", "first_name", "username")}
        self._next_message_id = 1
        self.keyboards: dict[int, dict[str, Any]] = {}
        """Chat -> the newest bot message with an inline keyboard."""
        self.finished: set[int] = set()
        """Chats that got the call script (the end of the conversation)."""
        self.last_sent: dict[int, float] = {}
        """Chat -> perf_counter() of the bot's latest call about it."""
        self.callbacks: dict[str, int] = {}
        self.calls = 0

    def answer(self, method: str, params: dict[str, Any]) -> Any:
        """The result of one call."""
        self.calls += 1
        name = method.lower()
        now = time.perf_counter()
        if name == "answercallbackquery":
            chat = self.callbacks.pop(str(params.get("callback_query_id")), None)
            if chat is not None:
                self.last_sent[chat] = now
            return True
        if name in ("sendmessage", "editmessagetext", "senddocument"):
            chat = int(params["chat_id"])
            self.last_sent[chat] = now
            return self._message(name, chat, params)
        if name == "getme":
            return self.bot_user
        if name == "getupdates":
            return []
        return True  # setMyCommands, deleteWebhook, close, ...

    def _message(self, name: str, chat: int, params: dict[str, Any]) -> dict[str, Any]:
        if name == "editmessagetext":
            message_id = int(params["message_id"])
            newest = self.keyboards.get(chat)
            if newest is not None and newest["message_id"] == message_id:
                del self.keyboards[chat]  # an edit without reply_markup removes the keyboard
        else:
            message_id = self._next_message_id
            self._next_message_id += 1
        message: dict[str, Any] = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": chat, "type": "private", "first_name": "Bench"},
            "from": self._sender,
        }
        if name == "senddocument":
            message["document"] = {"file_id": f"f{message_id}", "file_unique_id": f"u{message_id}"}
            if "caption" in params:
                message["caption"] = params["caption"]
        else:
            message["text"] = params.get("text", "")
        markup = params.get("reply_markup")
        if isinstance(markup, str):
            markup = json.loads(markup)
        if markup and markup.get("inline_keyboard"):
            message["reply_markup"] = markup
            if name != "editmessagetext":
                self.keyboards[chat] = message
            data = {b.get("callback_data") for row in markup["inline_keyboard"] for b in row}
            if "m::download" in data:
                self.finished.add(chat)
        return message


def lean_request(network: LeanTelegram):
    """A python-telegram-bot BaseRequest that answers from `network` in the event loop."""
    from telegram.request import BaseRequest

    class LeanRequest(BaseRequest):
        async def initialize(self) -> None:
            """Nothing to set up."""

        async def shutdown(self) -> None:
            """Nothing to release."""

        @property
        def read_timeout(self) -> float | None:
            return 5.0

        async def do_request(
            self,
            url: str,
            method: str,
            request_data: Any = None,
            read_timeout: Any = BaseRequest.DEFAULT_NONE,
            write_timeout: Any = BaseRequest.DEFAULT_NONE,
            connect_timeout: Any = BaseRequest.DEFAULT_NONE,
            pool_timeout: Any = BaseRequest.DEFAULT_NONE,
        ) -> tuple[int, bytes]:
            params = request_data.parameters if request_data is not None else {}
            result = network.answer(url.rsplit("/", 1)[-1], params)
            return 200, json.dumps({"ok": True, "result": result}).encode()

    return LeanRequest()


# --------------------------------------------------------------------------------------------
# Simulated users

INSURERS = (
    "Aetna",
    "Blue Cross Blue Shield of Texas",
    "UnitedHealthcare Choice Plus",
    "Cigna",
    "Kaiser Permanente",
    "Humana Gold Plus",
    "Anthem BCBS",
    "Molina Healthcare (Medicaid)",
)
CARVEOUTS = ("Magellan Health", "Optum Behavioral Health", "Carelon Behavioral Health")
CLINICS = ("Calm Mind Clinic", "Riverside Ketamine Center", "Dr. Patel's office", "Klarity")
BAD_INPUT = {"money": ("1,5", "-200", "about a grand"), "percent": ("150%",), "count": ("lots",)}


def _money_text(rng: random.Random, amount: int) -> str:
    style = rng.randrange(4)
    if style == 0:
        return f"${amount:,}"
    if style == 1 and amount >= 1000 and amount % 100 == 0:
        return f"{amount / 1000:g}k"
    if style == 2:
        return f"{amount}.00"
    return str(amount)


class SimUser:
    """One person going through the questions, with their own (seeded) answers and habits."""

    def __init__(self, uid: int, rng: random.Random, returning: bool = False) -> None:
        self.uid = uid
        self.returning = returning
        self.rng = rng
        self.updates = 0
        self.reasked = 0
        self.started = False
        self.plan = self._plan(rng)
        self.given: dict[str, int] = {}

    @staticmethod
    def _plan(rng: random.Random) -> dict[str, list[str]]:
        """Question id -> what this user sends for it, in order ("a:..." is a button press)."""
        deductible = rng.choice((0, 500, 1500, 2000, 3000, 6500))
        oop_max = rng.choice((0, 4000, 6000, 8700))
        price = rng.choice((450, 600, 885, 1100))
        choices = {
            "treatment": rng.choice(("spravato", "iv_ketamine", "im_ketamine", "unsure")),
            "plan_type": rng.choice(("hmo", "ppo", "epo", "pos", "hdhp", "medicare", "other")),
            "bh_carveout": rng.choice(("yes", "no", "no")),
            "coverage": rng.choice(("yes", "no", "yes")),
            "benefit": rng.choice(("medical", "pharmacy")),
            "preauth": rng.choice(("yes", "no")),
            "referral": rng.choice(("yes", "no")),
            "network": rng.choice(("in", "out", "in")),
            "network_options": rng.choice(("yes", "no")),
            "cost_sharing": rng.choice(("coinsurance", "copay")),
        }
        typed = {
            "insurer": rng.choice(INSURERS),
            "bh_company": rng.choice(CARVEOUTS),
            "trials": rng.choice(("2", "3", "four", "5", "6 meds")),
            "clinic": rng.choice(CLINICS),
            "deductible": _money_text(rng, deductible),
            "deductible_met": _money_text(rng, deductible * rng.choice((0, 1, 2)) // 4),
            "coinsurance_pct": rng.choice(("20%", "30", "12.5%", "40 %")),
            "copay": _money_text(rng, rng.choice((25, 40, 75))),
            "oop_max": _money_text(rng, oop_max),
            "oop_met": _money_text(rng, oop_max * rng.choice((0, 1, 3)) // 4),
            "price_per_session": _money_text(rng, price),
            "allowed_per_session": _money_text(rng, price * 3 // 4),
            "sessions": rng.choice(("6", "8", "12", "eight")),
        }
        kinds = {
            "deductible": "money",
            "deductible_met": "money",
            "copay": "money",
            "oop_max": "money",
            "oop_met": "money",
            "price_per_session": "money",
            "allowed_per_session": "money",
            "coinsurance_pct": "percent",
            "trials": "count",
            "sessions": "count",
        }
        plan: dict[str, list[str]] = {}
        for qid, value in choices.items():
            if qid != "treatment" and rng.random() < 0.12:
                value = "unknown"
            if value in ("yes", "no") and rng.random() < 0.2:
                plan[qid] = [value.capitalize()]  # typed instead of pressed
            else:
                plan[qid] = [f"a:{qid}:{value}"]
        for qid, value in typed.items():
            if rng.random() < 0.1:
                plan[qid] = [f"a:{qid}:unknown"]
                continue
            inputs = [value]
            kind = kinds.get(qid)
            if kind and rng.random() < 0.08:
                inputs.insert(0, rng.choice(BAD_INPUT[kind]))  # a typo, asked again
            plan[qid] = inputs
        return plan

    def next_update(self, network: LeanTelegram, update_id: int) -> dict[str, Any] | None:
        """The next update this user sends, or None when the conversation is over."""
        if not self.started:
            self.started = True
            return self._text(update_id, "/start")
        if self.uid in network.finished:
            return None
        message = network.keyboards.get(self.uid)
        if message is None:
            raise RuntimeError(f"user {self.uid}: no question to answer")
        data = [d for row in message["reply_markup"]["inline_keyboard"] for d in _datas(row)]
        for menu in ("m::begin", "m::continue", "m::summary"):
            if menu in data:
                return self._press(update_id, message, menu)
        question = next((d.split(":")[1] for d in data if d[:2] in ("a:", "b:")), None)
        if question is None:
            raise RuntimeError(f"user {self.uid}: no question in the keyboard {data}")
        count = self.given.get(question, 0)
        self.given[question] = count + 1
        if count:
            self.reasked += 1
        inputs = self.plan.get(question, [])
        answer = inputs[count] if count < len(inputs) else f"a:{question}:unknown"
        if answer.startswith("a:"):
            if answer not in data:
                answer = f"a:{question}:unknown"
            return self._press(update_id, message, answer)
        return self._text(update_id, answer)

    def _user(self) -> dict[str, Any]:
        return {"id": self.uid, "is_bot": False, "first_name": "Bench", "language_code": "en"}

    def _text(self, update_id: int, text: str) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": update_id,
            "from": self._user(),
            "chat": {"id": self.uid, "first_name": "Bench", "type": "private"},
            "date": int(time.time()),
            "text": text,
        }
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text)}]
        return {"update_id": update_id, "message": message}

    def _press(self, update_id: int, message: dict[str, Any], data: str) -> dict[str, Any]:
        return {
            "update_id": update_id,
            "callback_query": {
                "id": f"{self.uid}-{update_id}",
                "from": self._user(),
                "message": message,
                "chat_instance": str(-self.uid),
                "data": data,
            },
        }


def _datas(row: list[dict[str, Any]]) -> list[str]:
    return [b.get("callback_data", "") for b in row]


# --------------------------------------------------------------------------------------------
# The workload


class ErrorCount(logging.Handler):
    """Counts log records at ERROR and above."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.count = 0
        self.first: str | None = None

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1
        if self.first is None:
            self.first = record.getMessage()


class ProfilingExecutor(concurrent.futures.ThreadPoolExecutor):
    """The default executor, with each job profiled in its worker thread (cProfile sees one)."""

    def __init__(self, max_workers: int) -> None:
        super().__init__(max_workers=max_workers)
        self.profiles: list[cProfile.Profile] = []
        self._local = threading.local()
        self._lock = threading.Lock()

    def submit(self, fn, /, *args, **kwargs):
        def profiled():
            profile = getattr(self._local, "profile", None)
            if profile is None:
                profile = self._local.profile = cProfile.Profile()
                with self._lock:
                    self.profiles.append(profile)
            return profile.runcall(fn, *args, **kwargs)

        return super().submit(profiled)


class TimedLock:
    """A lock that adds up how long its takers waited for it (--profile only)."""

    def __init__(self, lock: Any) -> None:
        self._lock = lock
        self.waited = 0.0
        self.acquired = 0

    def __enter__(self) -> TimedLock:
        started = time.perf_counter()
        self._lock.acquire()
        self.waited += time.perf_counter() - started  # updated while holding the lock
        self.acquired += 1
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._lock.release()


def percentile(values: list[float], fraction: float) -> float:
    """The value at `fraction` of the sorted values (nearest rank)."""
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[index]


async def _workload(
    data_dir: Path,
    n: int,
    conversations: int,
    concurrency: int,
    seed: int,
    warmup: int,
    executor: concurrent.futures.Executor | None = None,
    instrument: bool = False,
    templates: tuple[list[str], str, list[int]] | None = None,
) -> dict[str, Any]:
    from telegram import Update

    from bot.channels.telegram import TelegramChannel
    from bot.conversation import Conversation
    from bot.render import Renderer
    from bot.store import ReminderIndex, UserStore

    loop = asyncio.get_running_loop()
    if executor is not None:
        loop.set_default_executor(executor)
    errors = ErrorCount()
    logging.getLogger().addHandler(errors)
    store = UserStore(data_dir)
    conversation = Conversation(store, reminder_index=ReminderIndex(data_dir))
    if instrument:  # how long turns wait for the store's lock and the per-user lock stripes
        store._locks = [TimedLock(lock) for lock in store._locks]
        conversation._locks = [TimedLock(lock) for lock in conversation._locks]
    channel = TelegramChannel(conversation, Renderer())
    network = LeanTelegram()
    app = channel.build(
        TOKEN,
        "http://telegram.invalid",
        request=lean_request(network),
        get_updates_request=lean_request(network),
        overall_max_rate=0,  # Telegram's 30 messages a second would be all this measures
    )
    # Know when the Application has finished an update: wrap the bot's own update processor.
    waiting: dict[int, asyncio.Future] = {}
    processor = app.update_processor
    inner = processor.do_process_update

    async def tracked(update: object, coroutine: Any) -> None:
        try:
            await inner(update, coroutine)
        finally:
            future = waiting.pop(getattr(update, "update_id", -1), None)
            if future is not None and not future.done():
                future.set_result(time.perf_counter())

    processor.do_process_update = tracked

    templates_, _, asking = templates or record_templates()
    rng = random.Random(seed)
    next_update = [FIRST_UPDATE_ID]
    returned: set[int] = set()

    def half_way_user() -> int | None:
        """A pre-filled user who stopped half-way (and has no reminder), not chosen before."""
        for _ in range(10_000):
            i = rng.randrange(n)
            if i % REMINDER_EVERY and i % len(templates_) in asking and i not in returned:
                returned.add(i)
                record = store.load(str(PREFILL_BASE + i))  # still half-way (a reused dir)?
                if record is not None and record["case"]["mode"] == "asking":
                    return PREFILL_BASE + i
        return None

    def make_users(count: int, first: int) -> list[SimUser]:
        users = []
        for number in range(first, first + count):
            uid = None
            if number % RETURNING_EVERY == RETURNING_EVERY - 1:
                uid = half_way_user()
            returning = uid is not None
            if uid is None:
                uid = CONVERSATION_BASE + seed * 1_000_000 + number
            users.append(SimUser(uid, random.Random(rng.random()), returning))
        return users

    latencies: list[float] = []
    handed = [0]

    async def converse(user: SimUser, record: bool) -> None:
        while True:
            update_id = next_update[0]
            next_update[0] += 1
            raw = user.next_update(network, update_id)
            if raw is None:
                return
            user.updates += 1
            handed[0] += 1
            if user.updates > MAX_UPDATES_PER_CONVERSATION:
                raise RuntimeError(f"user {user.uid}: the conversation does not end")
            future = loop.create_future()
            waiting[update_id] = future
            started = time.perf_counter()
            await app.update_queue.put(Update.de_json(raw, app.bot))
            finished = await asyncio.wait_for(future, 60)
            sent = network.last_sent.get(user.uid, 0.0)
            if record:
                latencies.append((sent if sent >= started else finished) - started)

    async def run_all(users: list[SimUser], record: bool) -> None:
        queue = list(reversed(users))

        async def lane() -> None:
            while queue:
                await converse(queue.pop(), record)

        async with asyncio.TaskGroup() as lanes:  # one failing cancels the others
            for _ in range(min(concurrency, len(users))):
                lanes.create_task(lane())

    warm = make_users(warmup, 0)
    timed = make_users(conversations, warmup)
    async with app:
        await app.start()
        try:
            await run_all(warm, record=False)
            cpu_before = time.process_time()
            started = time.perf_counter()
            await run_all(timed, record=True)
            elapsed = time.perf_counter() - started
            cpu = time.process_time() - cpu_before
        finally:
            await app.stop()
    logging.getLogger().removeHandler(errors)
    unfinished = [u.uid for u in [*warm, *timed] if u.uid not in network.finished]
    for user in timed[:20]:  # the answers really are on disk
        record = store.load(str(user.uid))
        if record is None or record["case"]["mode"] != "done":
            unfinished.append(user.uid)
    updates = len(latencies)
    locks: dict[str, Any] = {}
    if instrument:
        locks = {
            "store_lock_wait_s": sum(lock.waited for lock in store._locks),
            "store_lock_acquired": sum(lock.acquired for lock in store._locks),
            "stripe_lock_wait_s": sum(lock.waited for lock in conversation._locks),
            "stripe_lock_acquired": sum(lock.acquired for lock in conversation._locks),
        }
    return {
        **locks,
        "updates_all": handed[0],
        "conversations": len(timed),
        "returning": sum(u.returning for u in timed),
        "updates": updates,
        "updates_per_conversation": updates / max(len(timed), 1),
        "reasked": sum(u.reasked for u in timed),
        "seconds": elapsed,
        "updates_per_second": updates / elapsed,
        "per_update_ms": 1000 * elapsed / updates,
        "cpu_ms_per_update": 1000 * cpu / updates,
        "p50_ms": 1000 * percentile(latencies, 0.50),
        "p99_ms": 1000 * percentile(latencies, 0.99),
        "mean_ms": 1000 * statistics.fmean(latencies),
        "errors": errors.count,
        "first_error": errors.first,
        "unfinished": len(unfinished),
        "network_calls": network.calls,
    }


def peak_rss_mb(pid: int | str = "self") -> float:
    """VmHWM of a process, in MB (ru_maxrss for this process if /proc is missing)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    if pid == "self":
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return float("nan")


def run_worker(args: argparse.Namespace) -> int:
    """--worker N: the workload on the pre-filled directory; one JSON line on stdout."""
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    result = asyncio.run(
        _workload(
            Path(args.data_dir),
            args.worker,
            args.conversations,
            args.concurrency,
            args.seed,
            args.warmup,
        )
    )
    result["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(result))
    return 0


# --------------------------------------------------------------------------------------------
# References


def raw_fsync_rate(directory: Path, size: int, seconds: float) -> float:
    """Atomic writes (temp, write, flush, fsync, replace, fsync dir) of `size` bytes a second."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / "raw.json"
    payload = os.urandom(size // 2).hex().encode()[:size]
    count = 0
    started = time.perf_counter()
    while time.perf_counter() - started < seconds or count < 20:
        tmp = directory / f".raw.json.{count}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        with open(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
        dir_fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        count += 1
    return count / (time.perf_counter() - started)


def run_naive(args: argparse.Namespace) -> int:
    """--naive N: one shared TinyDB file (default JSONStorage), N documents; writes a second."""
    from tinydb import TinyDB

    n = args.naive
    directory = Path(args.data_dir)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "naive.json"
    templates, reminded, _ = record_templates()
    started = time.perf_counter()
    with path.open("w", encoding="utf-8") as handle:  # the pre-fill, untimed
        handle.write('{"_default":{')
        for i in range(n):
            if i:
                handle.write(",")
            uid = str(PREFILL_BASE + i)
            handle.write(f'"{i + 1}":' + prefill_record(templates, reminded, i).replace(MARK, uid))
        handle.write("}}")
    prefill_seconds = time.perf_counter() - started
    size_mb = path.stat().st_size / 1e6
    rng = random.Random(args.seed)
    writes = 0
    started = time.perf_counter()
    with TinyDB(path) as db:  # the default: JSONStorage, read and rewritten on every write
        while writes < args.naive_writes and (
            writes < 3 or time.perf_counter() - started < args.naive_budget
        ):
            doc_id = rng.randrange(n) + 1
            text = templates[rng.randrange(len(templates))]
            db.update(
                json.loads(text.replace(MARK, str(PREFILL_BASE + doc_id - 1))), doc_ids=[doc_id]
            )
            writes += 1
    elapsed = time.perf_counter() - started
    print(
        json.dumps(
            {
                "naive_writes_per_second": writes / elapsed,
                "naive_seconds_per_write": elapsed / writes,
                "naive_writes_timed": writes,
                "naive_file_mb": size_mb,
                "naive_prefill_s": prefill_seconds,
            }
        )
    )
    path.unlink()
    return 0


def measure_startup(data_dir: Path, runs: int) -> dict[str, Any]:
    """Seconds from launching `python -m bot` to its first getUpdates (median of `runs`)."""
    from tests.support.telegram_standin import FakeTelegram, StandInServer

    class FirstPoll(FakeTelegram):
        def __init__(self) -> None:
            super().__init__(TOKEN)
            self.first_poll: float | None = None
            self.polled = threading.Event()

        def call(self, method, params=None, files=None, **kwargs):
            if method.lower() == "getupdates" and self.first_poll is None:
                self.first_poll = time.perf_counter()
                self.polled.set()
            return super().call(method, params, files, **kwargs)

    times: list[float] = []
    rss: list[float] = []
    for _ in range(runs):
        fake = FirstPoll()
        with StandInServer(fake) as server, tempfile.TemporaryDirectory() as cwd:
            env = {
                k: v
                for k, v in os.environ.items()
                if not k.startswith(("TELEGRAM_", "WEBHOOK_", "BOT_"))
            }
            env |= {
                "TELEGRAM_BOT_TOKEN": TOKEN,
                "TELEGRAM_API_BASE_URL": server.base_url,
                "BOT_DATA_DIR": str(data_dir),
                "LOG_LEVEL": "WARNING",
                "PYTHONPATH": str(ROOT),
            }
            log_path = Path(cwd) / "bot.log"
            with log_path.open("wb") as log_file:
                started = time.perf_counter()
                process = subprocess.Popen(
                    [sys.executable, "-m", "bot"],
                    cwd=cwd,  # no .env of ours is read
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=log_file,
                    stderr=subprocess.STDOUT,
                )
                try:
                    deadline = time.perf_counter() + 60
                    while not fake.polled.wait(0.01):
                        if process.poll() is not None or time.perf_counter() > deadline:
                            raise RuntimeError(
                                "the bot did not poll: " + log_path.read_text()[-2000:]
                            )
                    times.append(fake.first_poll - started)
                    rss.append(peak_rss_mb(process.pid))
                finally:
                    if process.poll() is None:
                        process.send_signal(signal.SIGTERM)
                        fake.wake()
                        try:
                            process.wait(15)
                        except subprocess.TimeoutExpired:
                            process.kill()
                            process.wait()
            output = log_path.read_text()
            if "Traceback" in output or "ERROR" in output:
                raise RuntimeError("the bot logged an error at start-up: " + output[-2000:])
    return {
        "startup_s": statistics.median(times),
        "startup_runs_s": times,
        "bot_rss_at_first_poll_mb": statistics.median(rss),
    }


def _timed_process(argv: list[str]) -> tuple[float, float, str]:
    """Run a process to its end: seconds, its peak RSS in MB, its stdout.

    The peak is the process's own VmHWM, read every 20 ms while it runs (it only grows):
    ``ru_maxrss`` from ``wait4`` would count this parent's size at the fork, which Linux
    carries over the exec."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(argv, stdout=out, stderr=err, cwd=ROOT)
        peak = 0.0
        while process.poll() is None:
            reading = peak_rss_mb(process.pid)
            peak = max(peak, reading) if reading == reading else peak  # NaN once it has exited
            time.sleep(0.02)
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        if process.returncode != 0:
            raise RuntimeError(f"{argv} failed: {err.read().decode()[-2000:]}")
        return seconds, peak, out.read().decode()


def measure_backup(data_dir: Path, root: Path, n: int) -> dict[str, Any]:
    """scripts/backup.py: a backup of the pre-filled directory, then its restore into an
    empty one; seconds and peak RSS of each, the archive's size."""
    script = str(ROOT / "scripts" / "backup.py")
    archive = root / f"backup-{n}.tar.gz"
    restored = root / f"restored-{n}"
    try:
        backup_s, backup_rss, said = _timed_process(
            [sys.executable, script, "--data-dir", str(data_dir), "--out", str(archive)]
        )
        # The pre-filled users, and those the workload added.
        users = int(re.match(r"backup: (\d+) users, 0 corrupt", said)[1])  # type: ignore[index]
        if users < n:
            raise RuntimeError(f"the backup of {n} users said: {said}")
        archive_mb = archive.stat().st_size / 1e6
        restore_s, restore_rss, said = _timed_process(
            [sys.executable, script, "--restore", str(archive), "--data-dir", str(restored)]
        )
        if f"restore: {users + 1} files restored" not in said:  # and reminders.json
            raise RuntimeError(f"the restore of {users} users said: {said}")
    finally:
        archive.unlink(missing_ok=True)
        shutil.rmtree(restored, ignore_errors=True)
    return {
        "backup_s": backup_s,
        "backup_peak_rss_mb": backup_rss,
        "archive_mb": archive_mb,
        "restore_s": restore_s,
        "restore_peak_rss_mb": restore_rss,
    }


# --------------------------------------------------------------------------------------------
# The parent: everything, per size


def _child(args: list[str]) -> dict[str, Any]:
    process = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), *args],
        capture_output=True,
        text=True,
        timeout=900,
    )
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{process.stderr[-4000:]}")
    return json.loads(process.stdout.strip().splitlines()[-1])


def run_all(args: argparse.Namespace) -> int:
    """Every size, the references, the targets; JSON on stdout, the table on stderr."""
    started = time.perf_counter()
    sizes = [int(s) for s in args.sizes.split(",")]
    parts = set(args.parts.split(","))
    root = Path(args.data_dir) if args.data_dir else Path(tempfile.mkdtemp(prefix="bench-"))
    root.mkdir(parents=True, exist_ok=True)
    results: dict[str, dict[str, Any]] = {}
    failed: list[str] = []
    load_before = os.getloadavg()
    raw_samples: list[float] = []
    try:
        templates, _, _ = record_templates()
        raw_size = len(user_file_text(templates[-1]))  # a finished user's file
        raw_samples.append(raw_fsync_rate(root / "raw", raw_size, args.raw_seconds))
        say(f"raw atomic write + fsync: {raw_samples[-1]:.0f}/s")
        for n in sizes:
            data_dir = root / f"n{n}"
            if data_dir.exists():
                shutil.rmtree(data_dir)
            filled = prefill(data_dir, n)
            say(f"N={n}: pre-filled in {filled['seconds']:.1f} s")
            # The disk's rate right beside each size's runs: shared disks drift.
            raw_samples.append(raw_fsync_rate(root / "raw", raw_size, args.raw_seconds / 2))
            results[str(n)] = {
                "prefill_s": filled["seconds"],
                "mean_user_file_bytes": filled["mean_file_bytes"],
            }
            runs = []
            for repeat in range(args.repeats if "workload" in parts else 0):
                runs.append(
                    _child(
                        [
                            "--worker",
                            str(n),
                            "--data-dir",
                            str(data_dir),
                            "--seed",
                            str(args.seed * 100 + repeat),
                            "--conversations",
                            str(args.conversations),
                            "--concurrency",
                            str(args.concurrency),
                            "--warmup",
                            str(args.warmup),
                        ]
                    )
                )
                say(f"N={n}: {runs[-1]['updates_per_second']:.0f} updates/s")
            if runs:
                # The run with the median throughput speaks for the size; peak RSS the largest.
                work = sorted(runs, key=lambda run: run["updates_per_second"])[len(runs) // 2]
                work["peak_rss_mb"] = max(run["peak_rss_mb"] for run in runs)
                results[str(n)] |= {
                    **{
                        k: work[k]
                        for k in (
                            "updates_per_second",
                            "p50_ms",
                            "p99_ms",
                            "peak_rss_mb",
                            "per_update_ms",
                            "cpu_ms_per_update",
                            "mean_ms",
                            "conversations",
                            "updates",
                            "reasked",
                            "errors",
                            "unfinished",
                        )
                    },
                    "updates_per_second_runs": [run["updates_per_second"] for run in runs],
                    "returning_users": work["returning"],
                }
            if "startup" in parts:
                startup = measure_startup(data_dir, args.startup_runs)
                say(f"N={n}: start-up {startup['startup_s']:.2f} s")
                results[str(n)] |= startup
            if "backup" in parts:
                backed_up = measure_backup(data_dir, root, n)
                say(
                    f"N={n}: backup {backed_up['backup_s']:.1f} s,"
                    f" {backed_up['backup_peak_rss_mb']:.0f} MB; restore"
                    f" {backed_up['restore_s']:.1f} s, {backed_up['restore_peak_rss_mb']:.0f} MB"
                )
                results[str(n)] |= backed_up
            if "naive" in parts:
                naive = _child(
                    [
                        "--naive",
                        str(n),
                        "--data-dir",
                        str(root / f"naive{n}"),
                        "--seed",
                        str(args.seed),
                        "--naive-writes",
                        str(args.naive_writes),
                        "--naive-budget",
                        str(args.naive_budget),
                    ]
                )
                say(f"N={n}: naive {naive['naive_writes_per_second']:.2f} writes/s")
                results[str(n)] |= {
                    k: naive[k]
                    for k in (
                        "naive_writes_per_second",
                        "naive_writes_timed",
                        "naive_seconds_per_write",
                        "naive_file_mb",
                    )
                }
            for run in runs:
                if run["errors"] or run["unfinished"]:
                    failed.append(
                        f"N={n}: {run['errors']} errors ({run['first_error']}), "
                        f"{run['unfinished']} unfinished conversations"
                    )
            if not args.data_dir:
                shutil.rmtree(data_dir, ignore_errors=True)
    finally:
        if not args.data_dir:
            shutil.rmtree(root, ignore_errors=True)
    raw = statistics.median(raw_samples)
    report = {
        "sizes": results,
        "raw_fsync_writes_per_second": raw,
        "raw_fsync_samples": raw_samples,
        "targets": targets(results, raw),
        "seconds": time.perf_counter() - started,
        "config": {
            "conversations": args.conversations,
            "concurrency": args.concurrency,
            "repeats": args.repeats,
            "warmup": args.warmup,
            "seed": args.seed,
            "parts": sorted(parts),
            "load_average_before": load_before,
            "load_average_after": os.getloadavg(),
            "network": "LeanTelegram: in-process BaseRequest, answered in the event loop",
            "cpus": os.cpu_count(),
            "python": sys.version.split()[0],
        },
    }
    table = render_table(report)
    if args.table:
        print(table)
    else:
        print(json.dumps(report, indent=2))
        print(table, file=sys.stderr)
    for failure in failed:
        print(f"FAILED: {failure}", file=sys.stderr)
    return 1 if failed else 0


def targets(results: dict[str, dict[str, Any]], raw: float) -> dict[str, dict[str, Any]]:
    """The targets, each with its value at the largest size and whether it is met (those whose
    parts were not run are left out)."""
    sizes = sorted(results, key=int)
    small, large = results[sizes[0]], results[sizes[-1]]
    found: dict[str, tuple[str, float, bool]] = {}
    if "per_update_ms" in large:
        scaling = large["per_update_ms"] / small["per_update_ms"]
        fraction = large["updates_per_second"] / raw
        found["per_update_cost_scaling"] = (
            f"ms per update at N={sizes[-1]} <= 1.5 x at N={sizes[0]}",
            scaling,
            scaling <= TARGETS["per_update_cost_scaling"],
        )
        found["fraction_of_raw_fsync"] = (
            f"updates/s at N={sizes[-1]} >= 0.5 x raw atomic fsync writes/s",
            fraction,
            fraction >= TARGETS["fraction_of_raw_fsync"],
        )
        found["peak_rss_mb"] = (
            f"peak RSS < 150 MB at N={sizes[-1]}",
            large["peak_rss_mb"],
            large["peak_rss_mb"] < TARGETS["peak_rss_mb"],
        )
    if "per_update_ms" in large and "naive_writes_per_second" in large:
        speedup = large["updates_per_second"] / large["naive_writes_per_second"]
        found["speedup_vs_naive"] = (
            f"updates/s >= 100 x naive shared-file writes/s at N={sizes[-1]}",
            speedup,
            speedup >= TARGETS["speedup_vs_naive"],
        )
    if "startup_s" in large:
        found["startup_s"] = (
            f"start-up to first getUpdates < 1.5 s at N={sizes[-1]}",
            large["startup_s"],
            large["startup_s"] < TARGETS["startup_s"],
        )
    for name in ("backup_peak_rss_mb", "restore_peak_rss_mb") if "backup_s" in large else ():
        what = name.split("_")[0]
        found[name] = (
            f"{what} peak RSS < {TARGETS[name]:.0f} MB at N={sizes[-1]}",
            large[name],
            large[name] < TARGETS[name],
        )
    return {
        name: {"target": target, "value": round(value, 3), "met": bool(met)}
        for name, (target, value, met) in found.items()
    }


def render_table(report: dict[str, Any]) -> str:
    """The figures as a plain-text table."""
    columns = (
        ("N", "", lambda r: ""),
        ("updates/s", "updates_per_second", lambda r: f"{r['updates_per_second']:.0f}"),
        ("ms/update", "per_update_ms", lambda r: f"{r['per_update_ms']:.2f}"),
        ("cpu ms/upd", "cpu_ms_per_update", lambda r: f"{r['cpu_ms_per_update']:.2f}"),
        ("p50 ms", "p50_ms", lambda r: f"{r['p50_ms']:.1f}"),
        ("p99 ms", "p99_ms", lambda r: f"{r['p99_ms']:.1f}"),
        ("peak RSS MB", "peak_rss_mb", lambda r: f"{r['peak_rss_mb']:.0f}"),
        ("start-up s", "startup_s", lambda r: f"{r['startup_s']:.2f}"),
        (
            "bot RSS MB",
            "bot_rss_at_first_poll_mb",
            lambda r: f"{r['bot_rss_at_first_poll_mb']:.0f}",
        ),
        ("backup s", "backup_s", lambda r: f"{r['backup_s']:.1f}"),
        ("backup MB", "backup_peak_rss_mb", lambda r: f"{r['backup_peak_rss_mb']:.0f}"),
        ("restore s", "restore_s", lambda r: f"{r['restore_s']:.1f}"),
        ("restore MB", "restore_peak_rss_mb", lambda r: f"{r['restore_peak_rss_mb']:.0f}"),
        (
            "naive writes/s",
            "naive_writes_per_second",
            lambda r: f"{r['naive_writes_per_second']:.2f}",
        ),
        (
            "speed-up",
            "naive_writes_per_second",
            lambda r: (
                f"{r['updates_per_second'] / r['naive_writes_per_second']:.0f}x"
                if "updates_per_second" in r
                else "-"
            ),
        ),
    )
    rows = [[title for title, _, _ in columns]]
    for n, result in sorted(report["sizes"].items(), key=lambda item: int(item[0])):
        rows.append(
            [f"{int(n):,}"]
            + [cell(result) if key in result else "-" for _, key, cell in columns[1:]]
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(columns))]
    lines = ["  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    lines.append("")
    samples = ", ".join(f"{rate:.0f}" for rate in report["raw_fsync_samples"])
    lines.append(
        f"raw atomic write + fsync: {report['raw_fsync_writes_per_second']:.0f} writes/s"
        f" (median of {samples})"
    )
    for name, target in report["targets"].items():
        mark = "met" if target["met"] else "NOT met"
        lines.append(f"{mark:>7}  {name}: {target['value']:g}  ({target['target']})")
    config = report["config"]
    before = "/".join(f"{x:.1f}" for x in config["load_average_before"])
    after = "/".join(f"{x:.1f}" for x in config["load_average_after"])
    lines.append(
        f"{config['conversations']} conversations per size and run, {config['concurrency']} at"
        f" once, median of {config['repeats']} runs; load average {before} before, {after}"
        f" after; whole run {report['seconds']:.0f} s"
    )
    return "\n".join(lines)


def run_profile(args: argparse.Namespace) -> int:
    """--profile N: the workload at size N under cProfile; top functions by cumulative time."""
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    n = args.profile
    root = Path(args.data_dir) if args.data_dir else Path(tempfile.mkdtemp(prefix="bench-prof-"))
    data_dir = root / f"n{n}"
    try:
        if data_dir.exists():
            shutil.rmtree(data_dir)
        filled = prefill(data_dir, n)
        say(f"N={n}: pre-filled in {filled['seconds']:.1f} s; profiling")
        executor = ProfilingExecutor(max_workers=min(32, (os.cpu_count() or 1) + 4))
        templates = record_templates()  # not in the profile
        main = cProfile.Profile()
        main.enable()
        result = asyncio.run(
            _workload(
                data_dir,
                n,
                args.conversations,
                args.concurrency,
                args.seed,
                args.warmup,
                executor=executor,
                instrument=True,
                templates=templates,
            )
        )
        main.disable()
        executor.shutdown(wait=True)
    finally:
        if not args.data_dir:
            shutil.rmtree(root, ignore_errors=True)
    say(
        f"N={n}: {result['updates']} updates, {result['updates_per_second']:.0f} updates/s under"
        f" the profiler, p50 {result['p50_ms']:.1f} ms; {len(executor.profiles)} worker threads"
    )
    out = io.StringIO()
    stats = pstats.Stats(main, stream=out)
    for profile in executor.profiles:
        stats.add(profile)
    if args.strip_dirs:
        stats.strip_dirs()
    print(f"== top {args.top} by {args.sort} time, all threads ({result['updates']} updates) ==")
    stats.sort_stats(args.sort).print_stats(args.top)
    print(out.getvalue())
    out.seek(0)
    out.truncate()
    print(f"== top {args.top} by {args.sort} time, the per-update path only ==")
    stats.sort_stats(args.sort).print_stats(HOT_PATH, args.top)
    print(out.getvalue())
    print(breakdown(stats, result))
    return 1 if result["errors"] or result["unfinished"] else 0


BREAKDOWN = (
    # (label, file name ends with, function name, thread)
    ("Conversation.turn (whole turn, in a worker thread)", "bot/conversation.py", "turn", "w"),
    ("  UserStore.load", "bot/store.py", "load", "w"),
    ("  engine.handle", "bot/engine.py", "handle", "w"),
    ("  UserStore.save (with its lock wait)", "bot/store.py", "save", "w"),
    ("    TinyDB table.update: read + write", "tinydb/table.py", "_update_table", "w"),
    ("    AtomicJSONStorage.write", "bot/store.py", "write", "w"),
    ("    AtomicJSONStorage.read (all callers)", "bot/store.py", "read", "w"),
    ("    os.fsync (file and directory)", "~", "<built-in method posix.fsync>", "w"),
    ("PTB Application.process_update (event loop)", "ext/_application.py", "process_update", "m"),
    ("  Update.de_json", "telegram/_update.py", "de_json", "m"),
    ("  TelegramChannel.deliver", "channels/telegram.py", "deliver", "m"),
    ("    Renderer.render (jinja2)", "bot/render.py", "render", "m"),
    ("    Bot._send_message (PTB request path)", "ext/_extbot.py", "_send_message", "m"),
)


def breakdown(stats: pstats.Stats, result: dict[str, Any]) -> str:
    """Milliseconds per update of the main parts of the per-update path, and the lock waits."""
    updates = result["updates_all"]
    table = stats.stats  # type: ignore[attr-defined]
    lines = [f"== the per-update path, cumulative ms per update ({updates} updates) =="]
    for label, file_end, function, _ in BREAKDOWN:
        found = [
            (calls, cumulative)
            for (file, _, name), (_, calls, _, cumulative, _) in table.items()
            if name == function and file.endswith(file_end)
        ]
        calls = sum(c for c, _ in found)
        cumulative = sum(t for _, t in found)
        lines.append(f"{1000 * cumulative / updates:8.3f} ms  {calls:7d} calls  {label}")
    lines.append(
        f"{1000 * result['store_lock_wait_s'] / updates:8.3f} ms  "
        f"{result['store_lock_acquired']:7d} takes  waiting for UserStore's per-user stripes"
    )
    lines.append(
        f"{1000 * result['stripe_lock_wait_s'] / updates:8.3f} ms  "
        f"{result['stripe_lock_acquired']:7d} takes  waiting for Conversation's per-user stripes"
    )
    lines.append(
        "Worker-thread figures are wall time and include waits (locks, the GIL, the disk);"
        " an async function's calls count each resumption, its time only while it runs."
    )
    return "\n".join(lines)


def say(text: str) -> None:
    """Progress, on stderr."""
    print(text, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run what it asks for."""
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="100,10000,100000", help="users pre-filled, per run")
    parser.add_argument("--quick", action="store_true", help="sizes 100,1000, few conversations")
    parser.add_argument("--conversations", type=int, default=None, help="timed, per size")
    parser.add_argument("--concurrency", type=int, default=16, help="users in flight at once")
    parser.add_argument("--repeats", type=int, default=None, help="workload runs per size")
    parser.add_argument("--warmup", type=int, default=None, help="untimed conversations first")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data-dir", help="where to pre-fill (kept); default a temp dir")
    parser.add_argument("--table", action="store_true", help="print the table, not the JSON")
    parser.add_argument("--startup-runs", type=int, default=None)
    parser.add_argument("--raw-seconds", type=float, default=None)
    parser.add_argument("--naive-writes", type=int, default=20)
    parser.add_argument("--naive-budget", type=float, default=None, help="seconds per size")
    parser.add_argument("--profile", type=int, metavar="N", help="profile the workload at N")
    parser.add_argument("--top", type=int, default=25, help="rows of the profile")
    parser.add_argument("--sort", default="cumulative", help="profile order (pstats key)")
    parser.add_argument("--strip-dirs", action="store_true", help="short file names in profile")
    parser.add_argument("--worker", type=int, metavar="N", help=argparse.SUPPRESS)
    parser.add_argument("--naive", type=int, metavar="N", help=argparse.SUPPRESS)
    parser.add_argument(
        "--parts", default=",".join(PARTS), help=f"which to run, of {','.join(PARTS)}"
    )
    args = parser.parse_args(argv)
    if not set(args.parts.split(",")) <= set(PARTS):
        parser.error(f"--parts: choose among {','.join(PARTS)}")
    if args.quick:
        args.sizes = "100,1000"
    if args.profile is not None and args.conversations is None:
        args.conversations = 60  # the profiler's overhead makes the full count slow
    defaults = {
        "conversations": (12, 150),
        "repeats": (1, 3),
        "warmup": (2, 4),
        "startup_runs": (1, 3),
        "raw_seconds": (0.5, 2.0),
        "naive_budget": (5.0, 30.0),
    }
    for name, (quick, full) in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, quick if args.quick else full)
    if args.quick:
        args.concurrency = min(args.concurrency, 4)
        args.naive_writes = min(args.naive_writes, 5)
    if args.worker is not None:
        return run_worker(args)
    if args.naive is not None:
        return run_naive(args)
    if args.profile is not None:
        return run_profile(args)
    return run_all(args)


if __name__ == "__main__":
    with contextlib.suppress(BrokenPipeError):
        sys.exit(main())
