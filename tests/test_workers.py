"""Two bot processes in webhook mode on one PostgreSQL database, behind a proxy, serving one bot.

Twenty users answer at the same time. Updates are spread over the two workers by turns, not by
user (as a proxy that cannot read the body spreads them), so one user's updates go to both. One
worker is SIGKILLed in the middle and started again: the proxy sends what the dead one refuses
to the other, and the updates it had taken are adopted. Then every user's reminder falls due
with both workers looking for it. Nothing is lost, nothing is applied twice, every reminder is
sent once.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

from bot.conversation import Conversation
from bot.events import Remind
from bot.flow import Flow, Kind
from bot.postgres import Database, PostgresReminders, PostgresStore
from tests.support.bot_process import TIMEOUT, act, free_port, wait_listening
from tests.support.flow_answers import answer_for
from tests.support.telegram_standin import DEFAULT_TOKEN, FakeTelegram, StandInServer

USERS = range(8_100_001, 8_100_021)
STEPS = 7
SECRET = "two-workers-secret-0123"
FLOW = Flow()


def script(user: int) -> dict[str, str]:
    """The first answers the flow asks for, in order; text answers name their user."""
    answers: dict[str, str] = {"for_whom": "self"}  # Let's begin
    for _ in range(STEPS):
        question = next(q for q in FLOW.applicable(answers) if q.id not in answers)
        typed = answer_for(question, {})
        answers[question.id] = f"{question.id} {user}" if question.kind == Kind.TEXT else typed
    return answers


class Worker:
    """`python -m bot` in webhook mode on the shared store."""

    def __init__(self, name: str, base_url: str, store_url: str, workdir: Path) -> None:
        self.port = free_port()
        self.log = workdir / f"{name}.log"
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "BOT_"))},
            "TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN,
            "TELEGRAM_API_BASE_URL": base_url,
            "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/hook",
            "TELEGRAM_WEBHOOK_SECRET": SECRET,
            "WEBHOOK_LISTEN": "127.0.0.1",
            "WEBHOOK_PORT": str(self.port),
            "BOT_STORE_URL": store_url,
            "BOT_LOOK_EVERY": "0.5",
            "BOT_DATA_DIR": str(workdir / name),  # unused: nothing may land there
        }
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot", "telegram"],
                cwd=self.workdir,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_listening(self.port)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(TIMEOUT)

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(TIMEOUT)


class Proxy(threading.Thread):
    """Telegram and nginx in one: each update is posted to the next worker in turn, and to the
    other if that one refuses the connection; it is confirmed only once a worker answered 200."""

    def __init__(self, fake: FakeTelegram, workers: list[Worker]) -> None:
        super().__init__(daemon=True)
        self.fake = fake
        self.workers = workers
        self.turns = itertools.cycle(range(len(workers)))
        self.stopping = threading.Event()
        self.posted = {name: 0 for name in range(len(workers))}

    def run(self) -> None:
        offset = 0
        while not self.stopping.is_set():
            _, body = self.fake.call("getUpdates", {"offset": offset, "timeout": 0.2})
            for update in body["result"]:
                self.deliver(update)
                offset = update["update_id"] + 1

    def deliver(self, update: dict) -> None:
        first = next(self.turns)
        while not self.stopping.is_set():
            for number in (first, 1 - first):
                if self._post(self.workers[number].port, update):
                    self.posted[number] += 1
                    return
            time.sleep(0.05)  # both down: Telegram tries again later

    @staticmethod
    def _post(port: int, update: dict) -> bool:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/hook",
            data=json.dumps(update).encode(),
            headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET},
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.status == 200
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return False


def test_two_workers_on_one_database_lose_nothing_and_do_nothing_twice(postgres_url, tmp_path):
    fake = FakeTelegram()
    with StandInServer(fake) as server:
        workers = [Worker(name, server.base_url, postgres_url, tmp_path) for name in "ab"]
        for worker in workers:
            worker.start()
        proxy = Proxy(fake, workers)
        proxy.start()
        failures: list[BaseException] = []

        def answer(user: int) -> None:
            try:
                act(fake, user, "send", "/start")
                act(fake, user, "press", "Let's begin")
                for typed in list(script(user).values())[1:]:
                    act(fake, user, "send", typed)
            except BaseException as error:  # reported below, with the user
                failures.append(error)

        try:
            users = [threading.Thread(target=answer, args=(user,)) for user in USERS]
            for thread in users:
                thread.start()
            # Worker a killed half-way through, and started again a second later.
            fake.wait_for(lambda f: sum(len(f.messages(u)) for u in USERS) >= 90, TIMEOUT * 3)
            workers[0].kill()
            time.sleep(1.0)
            workers[0].start()
            for thread in users:
                thread.join(TIMEOUT * 6)
            assert failures == []
            assert min(proxy.posted.values()) > 20  # both workers served

            database = Database(postgres_url)
            store = PostgresStore(database)
            for user in USERS:
                record = store.load(str(user))
                saved = {k: v["value"] for k, v in record["case"]["answers"].items()}
                expected = script(user)
                assert saved.keys() == expected.keys(), user  # nothing lost, nothing more
                for question, typed in expected.items():
                    if FLOW[question].kind in (Kind.TEXT, Kind.CHOICE):
                        assert saved[question] == typed, (user, question)
                recent = record["recent_updates"]
                assert len(recent) == len(set(recent)) == STEPS + 1, user  # each applied once
                # Each answer got its reply: the user was asked the next question.
                asked = next(q.id for q in FLOW.applicable(saved) if q.id not in saved)
                number = FLOW.counted(saved).index(asked) + 1
                assert f"Question {number} of" in fake.last_text(user), user

            # A reply is sent again only for an update applied before the kill and taken over
            # (its first reply may or may not have gone out): never for a new one.
            reshown = sum(w.log.read_text().count("already applied") for w in workers)
            repeats = sum(
                1
                for user in USERS
                for before, after in itertools.pairwise(fake.messages(user))
                if before.get("text") == after.get("text")
            )
            assert repeats <= reshown, (repeats, reshown)
            print(
                f"two workers: {proxy.posted[0]} and {proxy.posted[1]} updates posted,"
                f" {reshown} shown again after the kill, {repeats} replies repeated"
            )

            # Every user's reminder due now, with both workers looking twice a second.
            set_on = datetime.now(UTC) - timedelta(days=5)
            due = (datetime.now(UTC) - timedelta(days=2)).date().isoformat()
            setter = Conversation(
                store, clock=lambda: set_on, reminder_index=PostgresReminders(database)
            )
            sent = {user: len(fake.messages(user)) for user in USERS}
            for user in USERS:
                setter.handle(str(user), Remind("call", due))

            def reminded(user: int) -> list[str]:
                return [
                    m.get("text", "")
                    for m in fake.messages(user)[sent[user] :]
                    if "Reminder" in m.get("text", "")
                ]

            fake.wait_for(lambda f: all(reminded(u) for u in USERS), TIMEOUT)
            time.sleep(2.0)  # four more looks by each worker: none sends it again
            assert {user: len(reminded(user)) for user in USERS} == dict.fromkeys(USERS, 1)
            with psycopg.connect(postgres_url) as conn:
                assert conn.execute("SELECT count(*) FROM bot_reminders").fetchone() == (0,)
                assert conn.execute("SELECT count(*) FROM bot_inbox").fetchone() == (0,)
            database.close()
        finally:
            proxy.stopping.set()
            proxy.join(TIMEOUT)
            codes = [worker.stop() for worker in workers]
        assert codes == [0, 0]
        assert fake.errors == []
        assert not any((tmp_path / name).exists() for name in "ab")
