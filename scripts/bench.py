"""Benchmark: whole conversations through the real Application against a store of N users.

Usage:
    python scripts/bench.py                      sizes 100,10000,100000; JSON on stdout,
                                                 the tables on stderr; every part (PostgreSQL
                                                 skipped, with a note, if no server is here)
    python scripts/bench.py --quick              sizes 100,1000 and few conversations (the test)
    python scripts/bench.py --sizes 100,5000 --conversations 200 --concurrency 16
    python scripts/bench.py --table              the tables on stdout instead of the JSON
    python scripts/bench.py --data-dir DIR       pre-fill under DIR (kept) instead of a temp dir
    python scripts/bench.py --sizes 1000000 --parts startup,backup
                                                 only some parts (workload, startup, backup,
                                                 naive, postgres): the million-user point
    python scripts/bench.py --sizes 100,10000 --parts workload,postgres --table
                                                 the same workload on the files and on
                                                 PostgreSQL, side by side
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
``UserStore.load`` (only if a part that uses the files is run: workload, startup, backup).
Then, each in a fresh process so that sizes do not pollute each other:

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
  worker's VmHWM; CPU ms/update its own CPU time (every thread) over the timed conversations.
  ``LeanTelegram`` counts the calls by method: ``calls_per_update`` (timed conversations only);
  ``chat_calls_per_update``, those that name a chat (sendMessage, editMessageText,
  sendDocument, sendPhoto...; not answerCallbackQuery, getUpdates, setMyCommands), which a plain
  ``AIORateLimiter`` holds to Telegram's 30 a second; and ``limited_calls_per_update``, those
  the bot's own ``BroadcastLimiter`` holds to it (counted by a gate in the limiter's place that
  lets everything through): only what the bot sends on its own, never a reply.
  ``updates_per_s_at_telegram_limit`` = 30 / that (None when no call is held).
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
* the PostgreSQL store (``postgres``, when a server is here: else skipped with a note on stderr
  and ``"postgres_skipped"`` in the JSON): one throwaway server for the whole run
  (tests/support/postgres.py: initdb into a temp dir, 127.0.0.1, with fsync, synchronous_commit
  and full_page_writes OFF, so commits are not flushed, unlike the files' fsync), and for each
  size a new database, its tables made by ``bot.postgres.Database``, filled with the same N
  records and reminders as the files (``COPY ... FROM STDIN``, then ``VACUUM ANALYZE``; a few
  checked with ``PostgresStore.load``) and dropped afterwards. The same workload worker
  (``--worker N --store-url URL``) then runs against ``PostgresStore`` and
  ``PostgresReminders`` (``bot.backends.open_database``), with the same seeds. Its CPU ms/update
  and peak RSS are the bot process's; the server's CPU (its postmaster's and every child's,
  live or reaped, from /proc/<pid>/stat) over the same timed conversations is
  ``server_cpu_ms_per_update``, and the two together ``total_cpu_ms_per_update``.

On the same disk, at the start and again beside each size (shared disks drift; the median is
reported): the raw limit, an atomic write of a user-sized file (temp file, write, flush, fsync,
``os.replace``, fsync of the directory) as often as possible, one after the other.

Output (stdout, JSON):
    {"sizes": {"100": {"updates_per_second", "p50_ms", "p99_ms", "peak_rss_mb", "startup_s",
                       "chat_calls_per_update", "limited_calls_per_update",
                       "updates_per_s_at_telegram_limit",
                       "calls_per_update": {method: calls}, "naive_writes_per_second", ...,
                       "postgres": {"updates_per_second", "cpu_ms_per_update",
                                    "server_cpu_ms_per_update", ...}}, ...},
     "raw_fsync_writes_per_second", "raw_fsync_samples", ("postgres_skipped": why,)
     "targets": {name: {"target", "value", "met"}}, "seconds", "config"}
The tables (stderr, or stdout with --table): the TinyDB files with the other parts, then the
PostgreSQL store.
Targets are reported, never asserted: per-update cost (ms per update, from updates/s) at the
largest size within 1.5x of the smallest; updates/s at least half the raw fsync limit; at least
100x the naive baseline's writes/s at the largest size; start-up under 1.5 s and peak RSS under
150 MB at the largest size; backup and restore each under 100 MB of peak RSS at the largest size;
on PostgreSQL, CPU ms per update (the bot's and the server's) at the largest size within 1.5x of
the smallest.
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
from collections import Counter
from datetime import UTC, date, datetime, timedelta
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
    "postgres_cost_scaling": 1.5,
}
PARTS = ("workload", "startup", "backup", "naive", "postgres")
FILE_PARTS = {"workload", "startup", "backup"}
"""The parts that need the pre-filled TinyDB files."""
TELEGRAM_LIMIT = 30
"""Telegram's overall limit, requests a second that carry a chat_id (AIORateLimiter's)."""
WORKLOAD_FIGURES = (
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
    "chat_calls_per_update",
    "limited_calls_per_update",
    "updates_per_s_at_telegram_limit",
    "calls_per_update",
    "chat_methods",
    "server_cpu_ms_per_update",
    "total_cpu_ms_per_update",
)
"""What the report keeps of a workload run (the last two on PostgreSQL only)."""
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


def reminder_day(reminded: str) -> str:
    """The day (ISO) of the reminder in the record template `reminded`."""
    return json.loads(reminded)["case"]["reminders"][0]["due"]


def check_prefilled(store: Any, templates: list[str], reminded: str, n: int) -> list[str]:
    """Load a few pre-filled users with the real store: each is as written. Their keys."""
    rng = random.Random(n)
    keys = []
    for i in {0, n - 1, *(rng.randrange(n) for _ in range(5))}:
        key = str(PREFILL_BASE + i)
        record = store.load(key)
        expected = json.loads(prefill_record(templates, reminded, i).replace(MARK, key))
        assert record == expected, f"pre-filled user {key} does not load as written"
        keys.append(key)
    return keys


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
    day = reminder_day(reminded)
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
            index[str(PREFILL_BASE + i)] = [day]
    AtomicJSONStorage(data_dir / "reminders.json").write({"due": {"1": index}})
    os.sync()  # the files on disk before anything is timed; not timed itself
    seconds = time.perf_counter() - started
    # Check a few with the real store: they load, they are this user's, the modes are right.
    for key in check_prefilled(store, templates, reminded, n):
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
# The PostgreSQL store

POSTGRES_SERVER = (
    "tests/support/postgres.py's throwaway server on 127.0.0.1 (TCP), with fsync=off,"
    " synchronous_commit=off, full_page_writes=off: no flush per commit, unlike the files'"
    " fsync; its CPU is its postmaster's and children's, from /proc"
)


def start_postgres() -> tuple[Any, str | None]:
    """A throwaway PostgreSQL server (tests/support/postgres.py), or None and why there is none."""
    try:
        import pytest

        from tests.support.postgres import start_server
    except ImportError as error:
        return None, f"cannot start a server: {error}"
    try:
        return start_server(), None
    except (pytest.skip.Exception, pytest.fail.Exception) as why:  # how it says "none here"
        return None, " ".join(str(why.msg).split())


def postmaster_pid(server: Any) -> int | None:
    """The process id of the server's postmaster (every other of its processes is a child)."""
    try:
        return int((server.data / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def prefill_postgres(url: str, n: int) -> dict[str, Any]:
    """Fill the empty database at `url` with the n users `prefill` writes (the same records,
    the same reminders), its tables made by `bot.postgres.Database`; return what was written."""
    import psycopg

    from bot.postgres import Database, PostgresReminders, PostgresStore

    started = time.perf_counter()
    templates, reminded, _ = record_templates()
    database = Database(url, pool_size=1)  # makes the tables
    try:
        day = date.fromisoformat(reminder_day(reminded))
        with psycopg.connect(url) as conn, conn.cursor() as cursor:
            with cursor.copy("COPY bot_users (key, record) FROM STDIN") as copy:
                for i in range(n):
                    key = str(PREFILL_BASE + i)
                    copy.write_row((key, prefill_record(templates, reminded, i).replace(MARK, key)))
            with cursor.copy("COPY bot_reminders (key, day) FROM STDIN") as copy:
                for i in range(0, n, REMINDER_EVERY):
                    copy.write_row((str(PREFILL_BASE + i), day))
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")  # as autovacuum would have, long before
            size = conn.execute("SELECT pg_total_relation_size('bot_users')").fetchone()[0]
        seconds = time.perf_counter() - started
        check_prefilled(PostgresStore(database), templates, reminded, n)
        reminders = len(PostgresReminders(database).items())
        assert reminders == len(range(0, n, REMINDER_EVERY)), f"{reminders} reminders"
    finally:
        database.close()
    return {"prefill_s": seconds, "users": n, "table_mb": size / 1e6}


def drop_database(server: Any, url: str) -> None:
    """Drop the database at `url` (one of `server`'s), its disk given back."""
    import psycopg

    with psycopg.connect(server.url(), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE {url.rsplit('/', 1)[1]} WITH (FORCE)")


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
        self.by_method: Counter[str] = Counter()
        """Method (as in the URL: sendMessage) -> calls."""
        self.chat_calls: Counter[str] = Counter()
        """Method -> calls that named a chat: those a plain AIORateLimiter holds to 30/s."""
        self.held = 0
        """Calls the bot's rate limiter held to its overall limit (see `Gate`)."""

    def answer(self, method: str, params: dict[str, Any]) -> Any:
        """The result of one call."""
        self.calls += 1
        self.by_method[method] += 1
        if params.get("chat_id") is not None:
            self.chat_calls[method] += 1
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

    def snapshot(self) -> tuple[Counter[str], Counter[str], int]:
        """The counts so far, for `per_update`."""
        return Counter(self.by_method), Counter(self.chat_calls), self.held

    def per_update(
        self, since: tuple[Counter[str], Counter[str], int], updates: int
    ) -> dict[str, Any]:
        """The calls made since `since` (a `snapshot`), per update: by method, those naming a
        chat (what a plain AIORateLimiter holds to Telegram's 30 a second), and those the bot's
        limiter holds to it, with the updates a second that allows."""
        calls = self.by_method - since[0]
        chat_calls = self.chat_calls - since[1]
        held = (self.held - since[2]) / updates
        return {
            "calls_per_update": {method: c / updates for method, c in sorted(calls.items())},
            "chat_methods": sorted(chat_calls),
            "chat_calls_per_update": sum(chat_calls.values()) / updates,
            "limited_calls_per_update": held,
            "updates_per_s_at_telegram_limit": TELEGRAM_LIMIT / held if held else None,
        }

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


class Gate:
    """In the rate limiter's overall limit's place: lets every call through at once, counting
    them on the network (the workload measures the bot, not Telegram's limit)."""

    def __init__(self, network: LeanTelegram) -> None:
        self.network = network

    async def __aenter__(self) -> None:
        self.network.held += 1

    async def __aexit__(self, *exc: object) -> None:
        return None


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
        # The same figure sent twice in a row is asked about: the person meant it.
        for menu in ("m::begin", "m::continue", "m::summary", "r:resent:yes"):
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
    data_dir: Path | None,
    n: int,
    conversations: int,
    concurrency: int,
    seed: int,
    warmup: int,
    executor: concurrent.futures.Executor | None = None,
    instrument: bool = False,
    templates: tuple[list[str], str, list[int]] | None = None,
    store_url: str | None = None,
    server_pid: int | None = None,
) -> dict[str, Any]:
    """The conversations against the TinyDB files in `data_dir`, or the PostgreSQL database
    at `store_url` (whose server's CPU is counted too when `server_pid`, its postmaster, is
    given)."""
    from telegram import Update

    from bot.backends import Backend, open_database
    from bot.channels.telegram import TelegramChannel
    from bot.conversation import Conversation
    from bot.render import Renderer
    from bot.store import ReminderIndex, UserStore

    loop = asyncio.get_running_loop()
    if executor is not None:
        loop.set_default_executor(executor)
    errors = ErrorCount()
    logging.getLogger().addHandler(errors)
    if store_url:
        backend = open_database(store_url)
    else:
        backend = Backend(UserStore(data_dir), ReminderIndex(data_dir), None, shared=False)
    store = backend.store
    conversation = Conversation(store, reminder_index=backend.reminders)
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
    app.bot.rate_limiter._base_limiter = Gate(network)  # what it would hold, counted
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
            calls_before = network.snapshot()
            server_before = tree_cpu_seconds(server_pid) if server_pid else 0.0
            cpu_before = time.process_time()
            started = time.perf_counter()
            await run_all(timed, record=True)
            elapsed = time.perf_counter() - started
            cpu = time.process_time() - cpu_before
            server_cpu = tree_cpu_seconds(server_pid) - server_before if server_pid else None
        finally:
            await app.stop()
    logging.getLogger().removeHandler(errors)
    unfinished = [u.uid for u in [*warm, *timed] if u.uid not in network.finished]
    for user in timed[:20]:  # the answers really are stored
        record = store.load(str(user.uid))
        if record is None or record["case"]["mode"] != "done":
            unfinished.append(user.uid)
    backend.close()
    updates = len(latencies)
    extra: dict[str, Any] = {}
    if server_cpu is not None:
        extra["server_cpu_ms_per_update"] = 1000 * server_cpu / updates
        extra["total_cpu_ms_per_update"] = 1000 * (cpu + server_cpu) / updates
    if instrument:
        extra |= {
            "store_lock_wait_s": sum(lock.waited for lock in store._locks),
            "store_lock_acquired": sum(lock.acquired for lock in store._locks),
            "stripe_lock_wait_s": sum(lock.waited for lock in conversation._locks),
            "stripe_lock_acquired": sum(lock.acquired for lock in conversation._locks),
        }
    return {
        **extra,
        **network.per_update(calls_before, updates),
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


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) of a process and of its children, those alive now and those
    it has reaped: a PostgreSQL server's, whose processes are all its postmaster's children."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            # After the name in parentheses: state, ppid, ..., utime, stime, cutime, cstime.
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue  # gone meanwhile
        if entry.name == str(pid):
            total += sum(int(f) for f in fields[11:15])
        elif fields[1] == str(pid):
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def run_worker(args: argparse.Namespace) -> int:
    """--worker N: the workload on the pre-filled directory (or database, --store-url); one
    JSON line on stdout."""
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    result = asyncio.run(
        _workload(
            Path(args.data_dir) if args.data_dir else None,
            args.worker,
            args.conversations,
            args.concurrency,
            args.seed,
            args.warmup,
            store_url=args.store_url,
            server_pid=args.server_pid,
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


def run_workloads(args: argparse.Namespace, n: int, store: list[str]) -> list[dict[str, Any]]:
    """--repeats runs of the workload at size n, each in a worker process of its own; `store`
    says where the store is (--data-dir DIR, or --store-url URL --server-pid PID)."""
    runs = []
    for repeat in range(args.repeats):
        runs.append(
            _child(
                [
                    "--worker",
                    str(n),
                    *store,
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
    return runs


def median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The figures of the run with the median throughput (it speaks for the size), with the
    largest peak RSS of them all."""
    work = sorted(runs, key=lambda run: run["updates_per_second"])[len(runs) // 2]
    return {
        **{k: work[k] for k in WORKLOAD_FIGURES if k in work},
        "peak_rss_mb": max(run["peak_rss_mb"] for run in runs),
        "updates_per_second_runs": [run["updates_per_second"] for run in runs],
        "returning_users": work["returning"],
    }


def run_failures(what: str, runs: list[dict[str, Any]]) -> list[str]:
    """What went wrong in the runs: errors logged, conversations that did not finish."""
    return [
        f"{what}: {run['errors']} errors ({run['first_error']}), "
        f"{run['unfinished']} unfinished conversations"
        for run in runs
        if run["errors"] or run["unfinished"]
    ]


def run_postgres(args: argparse.Namespace, server: Any, n: int) -> tuple[dict[str, Any], list[str]]:
    """The workload at size n against a new database of `server`, pre-filled like the files
    (dropped afterwards): its figures, and what failed."""
    url = server.new_database()
    try:
        filled = prefill_postgres(url, n)
        say(f"N={n}: PostgreSQL pre-filled in {filled['prefill_s']:.1f} s")
        pid = postmaster_pid(server)
        runs = run_workloads(
            args, n, ["--store-url", url, *(["--server-pid", str(pid)] if pid else [])]
        )
    finally:
        drop_database(server, url)
    figures = {**filled, **median_run(runs)}
    say(f"N={n}: PostgreSQL {figures['updates_per_second']:.0f} updates/s")
    return figures, run_failures(f"N={n} on PostgreSQL", runs)


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
    server, postgres_skipped = start_postgres() if "postgres" in parts else (None, None)
    if postgres_skipped:
        say(f"PostgreSQL store: skipped, {postgres_skipped}")
        parts.discard("postgres")
    try:
        templates, _, _ = record_templates()
        raw_size = len(user_file_text(templates[-1]))  # a finished user's file
        raw_samples.append(raw_fsync_rate(root / "raw", raw_size, args.raw_seconds))
        say(f"raw atomic write + fsync: {raw_samples[-1]:.0f}/s")
        for n in sizes:
            data_dir = root / f"n{n}"
            if data_dir.exists():
                shutil.rmtree(data_dir)
            results[str(n)] = {}
            if parts & FILE_PARTS:
                filled = prefill(data_dir, n)
                say(f"N={n}: pre-filled in {filled['seconds']:.1f} s")
                results[str(n)] |= {
                    "prefill_s": filled["seconds"],
                    "mean_user_file_bytes": filled["mean_file_bytes"],
                }
            # The disk's rate right beside each size's runs: shared disks drift.
            raw_samples.append(raw_fsync_rate(root / "raw", raw_size, args.raw_seconds / 2))
            if "workload" in parts:
                runs = run_workloads(args, n, ["--data-dir", str(data_dir)])
                results[str(n)] |= median_run(runs)
                say(f"N={n}: {results[str(n)]['updates_per_second']:.0f} updates/s")
                failed += run_failures(f"N={n}", runs)
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
            if "postgres" in parts:
                results[str(n)]["postgres"], failures = run_postgres(args, server, n)
                failed += failures
            if not args.data_dir:
                shutil.rmtree(data_dir, ignore_errors=True)
    finally:
        if server is not None:
            server.stop()
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
            "telegram_limit": f"{TELEGRAM_LIMIT}/s for what the bot sends on its own",
            "cpus": os.cpu_count(),
            "python": sys.version.split()[0],
        },
    }
    if "postgres" in parts:
        report["config"]["postgres"] = POSTGRES_SERVER
    if postgres_skipped:
        report["postgres_skipped"] = postgres_skipped
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
    if "postgres" in small and "postgres" in large:
        # The bot's CPU and the server's when it was counted: the whole cost of an update.
        key = "total_cpu_ms_per_update"
        if key not in small["postgres"] or key not in large["postgres"]:
            key = "cpu_ms_per_update"
        what = "bot + server" if key.startswith("total") else "bot only"
        scaling = large["postgres"][key] / small["postgres"][key]
        found["postgres_cost_scaling"] = (
            f"CPU ms per update on PostgreSQL ({what}) at N={sizes[-1]} <= 1.5 x at N={sizes[0]}",
            scaling,
            scaling <= TARGETS["postgres_cost_scaling"],
        )
    return {
        name: {"target": target, "value": round(value, 3), "met": bool(met)}
        for name, (target, value, met) in found.items()
    }


WORKLOAD_COLUMNS = (
    ("updates/s", "updates_per_second", lambda r: f"{r['updates_per_second']:.0f}"),
    ("ms/update", "per_update_ms", lambda r: f"{r['per_update_ms']:.2f}"),
    ("cpu ms/upd", "cpu_ms_per_update", lambda r: f"{r['cpu_ms_per_update']:.2f}"),
    ("p50 ms", "p50_ms", lambda r: f"{r['p50_ms']:.1f}"),
    ("p99 ms", "p99_ms", lambda r: f"{r['p99_ms']:.1f}"),
    ("peak RSS MB", "peak_rss_mb", lambda r: f"{r['peak_rss_mb']:.0f}"),
)
"""The columns of a workload's figures: (title, key that must be there, cell)."""
MAIN_COLUMNS = (
    *WORKLOAD_COLUMNS,
    (
        "chat calls/update",
        "chat_calls_per_update",
        lambda r: f"{r['chat_calls_per_update']:.2f}",
    ),
    (
        "held to 30/s",
        "limited_calls_per_update",
        lambda r: f"{r['limited_calls_per_update']:.2f}",
    ),
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
POSTGRES_COLUMNS = (
    *WORKLOAD_COLUMNS[:3],
    (
        "server cpu ms/upd",
        "server_cpu_ms_per_update",
        lambda r: f"{r['server_cpu_ms_per_update']:.2f}",
    ),
    *WORKLOAD_COLUMNS[3:],
    ("table MB", "table_mb", lambda r: f"{r['table_mb']:.1f}"),
)


def _table(columns: tuple, rows: list[tuple[str, dict[str, Any]]]) -> list[str]:
    """Lines of a plain-text table: a row per size (N, then a cell per column, "-" where its
    key is missing); a column no row has (its part was not run) is left out."""
    columns = tuple(c for c in columns if any(c[1] in result for _, result in rows))
    cells = [["N", *(title for title, _, _ in columns)]]
    for n, result in sorted(rows, key=lambda row: int(row[0])):
        cells.append(
            [f"{int(n):,}"] + [cell(result) if key in result else "-" for _, key, cell in columns]
        )
    widths = [max(len(row[i]) for row in cells) for i in range(len(cells[0]))]
    lines = ["  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return lines


def render_table(report: dict[str, Any]) -> str:
    """The figures as plain-text tables: the files (and the parts beside them), PostgreSQL."""
    sizes = report["sizes"]
    lines: list[str] = []
    if any(key in result for result in sizes.values() for _, key, _ in MAIN_COLUMNS):
        lines += ["TinyDB files", *_table(MAIN_COLUMNS, list(sizes.items())), ""]
    postgres = [(n, result["postgres"]) for n, result in sizes.items() if "postgres" in result]
    if postgres:
        lines.append(
            "PostgreSQL store (the same workload; a test server with fsync off; cpu ms/upd and"
            " peak RSS are the bot process's, server cpu ms/upd its postmaster's and children's)"
        )
        lines += [*_table(POSTGRES_COLUMNS, postgres), ""]
    elif "postgres_skipped" in report:
        lines += [f"PostgreSQL store: skipped, {report['postgres_skipped']}", ""]
    largest = max(sizes, key=int)
    # The workload's calls (on the files, or else on PostgreSQL: the same conversations).
    calls = sizes[largest].get("postgres", {}) | sizes[largest]
    if "chat_calls_per_update" in calls:
        chat_calls, held = calls["chat_calls_per_update"], calls["limited_calls_per_update"]
        lines.append(
            f"N={int(largest):,}: {chat_calls:.2f} calls naming a chat per update, which a plain"
            f" AIORateLimiter would hold to {TELEGRAM_LIMIT}/s ({TELEGRAM_LIMIT / chat_calls:.1f}"
            f" updates/s); {held:.2f} held by the bot's BroadcastLimiter"
            + (f" ({calls['updates_per_s_at_telegram_limit']:.1f} updates/s)" if held else "")
        )
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
    parser.add_argument("--store-url", help=argparse.SUPPRESS)  # --worker on PostgreSQL
    parser.add_argument("--server-pid", type=int, help=argparse.SUPPRESS)  # its postmaster
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
