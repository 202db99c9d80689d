"""The real `python -m bot` process pointed at the Bot API stand-in, and a user acting on it.

Shared by the end-to-end, fault, security and webhook tests (no test module imports another).
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tests.support.telegram_standin import DEFAULT_TOKEN, FakeTelegram, StandInServer

TIMEOUT = 20.0


class BotProcess:
    """`python -m bot` as a user would run it, pointed at the stand-in."""

    def __init__(self, server: StandInServer, workdir: Path, log_level: str = "INFO") -> None:
        self.workdir = workdir
        self.log_path = workdir / "bot.log"
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")},
            "TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN,
            "TELEGRAM_API_BASE_URL": server.base_url,
            "BOT_DATA_DIR": str(workdir / "data"),
            "LOG_LEVEL": log_level,
        }
        self.process: subprocess.Popen | None = None

    def start(self, fake: FakeTelegram, timeout: float = TIMEOUT) -> None:
        """Start the bot and wait until it polls for updates (start-up cleanup is done then)."""
        polls = _count(fake, "getUpdates")
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot"],
                cwd=self.workdir,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        process = self.process
        fake.wait_for(
            lambda f: _count(f, "getUpdates") > polls or process.poll() is not None, timeout
        )
        if process.poll() is not None:
            tail = self.log()[-2000:]
            raise RuntimeError(f"the bot exited with {process.returncode} at start:\n{tail}")

    def kill(self) -> None:
        """SIGKILL: no clean-up, no last word."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        if self.process is not None:
            self.process.wait(TIMEOUT)

    def stop(self) -> int:
        """SIGTERM, as a service manager stops it; return the exit status."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            self.kill()
            return self.process.returncode

    def log(self) -> str:
        """What the bot has logged so far ("" before it first started)."""
        if not self.log_path.exists():
            return ""
        return self.log_path.read_text(errors="replace")


def free_port() -> int:
    """A TCP port of 127.0.0.1 free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_listening(port: int) -> None:
    """Wait until something accepts connections on 127.0.0.1:port."""
    deadline = time.monotonic() + TIMEOUT
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def _count(fake: FakeTelegram, method: str) -> int:
    return sum(1 for name, _ in fake.calls if name == method)


DOWNLOAD = "Download the call script"


def act(
    fake: FakeTelegram, user: int, kind: str, what: str, expect: str = "", message_id=None
) -> list[str]:
    """Send text or press a button, wait for the bot's answer, and return its new messages.

    The bot's turn is over when a new message (containing `expect`) has arrived and, once
    the questions are done, when the call script's download button has.
    """
    before = len(fake.messages(user))
    if kind == "press":
        fake.press(user, what, message_id=message_id)
    else:
        fake.send_text(user, what)

    def answered(f: FakeTelegram) -> bool:
        new = [m.get("text", m.get("caption", "")) for m in f.messages(user)[before:]]
        if not new or expect not in new[-1]:
            return False
        return not any(text.startswith("Your answers") for text in new) or any(
            label == DOWNLOAD for label, _ in f.buttons(user)
        )

    fake.wait_for(answered, TIMEOUT)
    return [m.get("text", m.get("caption", "")) for m in fake.messages(user)[before:]]


def wait_until(condition: Callable[[], object], what: str, timeout: float = TIMEOUT) -> None:
    """Poll a condition on something other than the stand-in (files the bot writes, say),
    which `FakeTelegram.wait_for` would only re-check when the bot next calls Telegram."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting until {what}")
        time.sleep(0.02)


def fall_due(
    fake: FakeTelegram,
    bot: BotProcess,
    tmp_path: Path,
    user: int,
    which: Callable[[dict], dict],
    says: str = "Reminder",
) -> tuple[Path, Path]:
    """The bot down, the user's one reminder (in the case `which` picks from the stored case)
    made due long ago, the bot started again: wait for the reminder (a message that `says`).
    The user's file and the reminder index."""
    bot.stop()
    user_file = tmp_path / "data" / "users" / f"{user}.json"
    database = json.loads(user_file.read_text())
    (reminder,) = which(database["case"]["1"]["case"])["reminders"]
    reminder["due"] = "2026-01-01"
    user_file.write_text(json.dumps(database))
    index_file = tmp_path / "data" / "reminders.json"
    index_file.write_text(json.dumps({"due": {"1": {str(user): ["2026-01-01"]}}}))
    sent = len(fake.messages(user))
    bot.start(fake)
    fake.wait_for(lambda f: any(says in m.get("text", "") for m in f.messages(user)[sent:]))
    return user_file, index_file
