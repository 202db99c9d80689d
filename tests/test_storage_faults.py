"""Nothing lost, nothing silent: every storage fault gets a reply and leaves the file alone;
one process per data directory; redelivered updates are recognised in a window of ids.

The disk cases use a real small tmpfs (a full disk) and a read-only bind mount, which need root;
they are skipped with the reason otherwise.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.conversation import Conversation
from bot.engine import Answer, Menu, Start, Text
from bot.flow import Flow
from bot.render import Renderer
from bot.store import UserStore
from tests.support.bot_process import TIMEOUT, BotProcess, wait_until
from tests.support.telegram_standin import FakeTelegram, StandInServer

NOW = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)
USER = "42"
CRISIS = "i wanna die"


def mount(*args: str) -> None:
    subprocess.run(["mount", *args], check=True, capture_output=True)


def try_mount(*args: str) -> None:
    if os.geteuid() != 0:
        pytest.skip("mounting a small or read-only filesystem needs root")
    try:
        mount(*args)
    except (OSError, subprocess.CalledProcessError) as error:
        pytest.skip(f"cannot mount here: {error}")


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 256 KiB tmpfs: filled, it answers every write with ENOSPC."""
    where = tmp_path / "disk"
    where.mkdir()
    try_mount("-t", "tmpfs", "-o", "size=256k", "tmpfs", str(where))
    yield where
    subprocess.run(["umount", "-l", str(where)], check=False)


def fill(disk: Path) -> Path:
    """Fill the disk to the last byte; the filler's path (remove it to free the space)."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (65536, 4096, 1):
            try:
                while True:
                    os.write(fd, b"\0" * size)
            except OSError:
                continue
    finally:
        os.close(fd)
    return filler


def begun(store_dir: Path) -> tuple[Conversation, Path]:
    """A user who has answered the first question, saved under `store_dir`."""
    conversation = Conversation(UserStore(store_dir), clock=lambda: NOW)
    conversation.handle(USER, Menu("begin"))
    conversation.handle(USER, Answer("treatment", "spravato"))
    return conversation, store_dir / "users" / f"{USER}.json"


def text_of(replies) -> str:
    renderer = Renderer()
    return "\n".join(renderer.render(reply, "text").text for reply in replies)


def test_a_full_disk_is_said_to_the_user_once_to_the_operator_and_changes_nothing(
    small_disk: Path, caplog: pytest.LogCaptureFixture
) -> None:
    conversation, path = begun(small_disk)
    saved = path.read_bytes()
    filler = fill(small_disk)
    caplog.set_level(logging.INFO, "bot")
    for typed in ("Aetna", "Cigna"):
        replies = conversation.handle(USER, Text(typed))
        assert [r.template for r in replies] == ["disk_full"]
        assert "the disk where I keep your answers is full" in text_of(replies)
    assert path.read_bytes() == saved
    critical = [r for r in caplog.records if r.levelno == logging.CRITICAL]
    assert len(critical) == 1 and "disk is full" in critical[0].getMessage()
    assert not any(r.exc_info for r in caplog.records)  # one line, no traceback
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]
    # A crisis message needs no write: the resources are shown, with the disk full too.
    assert [r.template for r in conversation.handle(USER, Text(CRISIS))] == ["crisis"]
    # Space again: the answer is taken.
    filler.unlink()
    replies = conversation.handle(USER, Text("Aetna"))
    assert replies[-1].template == "question"
    assert conversation.case(USER).values()["insurer"] == "Aetna"


def test_a_read_only_disk_is_a_storage_error_and_changes_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    conversation, path = begun(data)
    saved = path.read_bytes()
    try_mount("--bind", str(data), str(data))
    try:
        mount("-o", "remount,ro,bind", str(data))
        replies = conversation.handle(USER, Text("Aetna"))
        assert [r.template for r in replies] == ["storage_error"]
        assert path.read_bytes() == saved
    finally:
        subprocess.run(["umount", "-l", str(data)], check=False)


def _record(path: Path) -> dict:
    return json.loads(path.read_text())["case"]["1"]


def _write_record(path: Path, record) -> None:
    path.write_text(json.dumps({"case": {"1": record}}))


DAMAGE = {
    "a link": lambda path, outside: (path.unlink(), path.symlink_to(outside)),
    "a directory": lambda path, outside: (path.unlink(), path.mkdir()),
    "zero bytes": lambda path, outside: path.write_bytes(b""),
    "NaN": lambda path, outside: path.write_bytes(b'{"case": {"1": {"case": NaN}}}'),
    "deep nesting": lambda path, outside: path.write_bytes(
        b'{"case": {"1": {"x": ' + b"[" * 50_000 + b"]" * 50_000 + b"}}}"
    ),
    "a case that is a string": lambda path, outside: _write_record(path, {"case": "oops"}),
    "answers of the wrong shape": lambda path, outside: _write_record(
        path, {"case": {"answers": {"treatment": "spravato"}}}
    ),
    "an unknown mode": lambda path, outside: _write_record(
        path, {"case": {"mode": "teleporting", "cursor": "insurer"}}
    ),
    "a string update id": lambda path, outside: _write_record(
        path, {"case": {}, "last_update_id": "12"}
    ),
    "calls that are not a list": lambda path, outside: _write_record(
        path, {"case": {"calls": {"1": {}}}}
    ),
}


@pytest.mark.parametrize("damage", DAMAGE)
def test_a_damaged_record_is_reported_on_every_event_and_never_overwritten(
    tmp_path: Path, damage: str
) -> None:
    conversation, path = begun(tmp_path)
    outside = tmp_path / "someone-else.json"
    outside.write_text(json.dumps({"case": {"1": {"case": {"answers": {}}, "secret": "theirs"}}}))
    DAMAGE[damage](path, outside)
    before = os.lstat(path)
    content = path.read_bytes() if path.is_file() and not path.is_symlink() else None
    for event in (Start(), Text("Aetna"), Answer("plan_type", "ppo"), Menu("answers")):
        replies = conversation.handle(USER, event)
        assert [r.template for r in replies] == ["storage_error"], event
    after = os.lstat(path)
    assert (after.st_mode, after.st_size, after.st_mtime_ns) == (
        before.st_mode,
        before.st_size,
        before.st_mtime_ns,
    )
    if content is not None:
        assert path.read_bytes() == content
    assert "theirs" in outside.read_text()
    # The crisis resources still come first.
    assert [r.template for r in conversation.handle(USER, Text(CRISIS))] == [
        "crisis",
        "storage_error",
    ]


class _FailingStore(UserStore):
    """A real store on disk whose updates hit a bug (a fault injected, not a mock)."""

    def update(self, key, change):
        raise RuntimeError("a bug")


def test_a_bug_gets_a_reply_too(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    conversation = Conversation(_FailingStore(tmp_path), clock=lambda: NOW)
    replies = conversation.handle(USER, Text("Aetna"))
    assert [r.template for r in replies] == ["failed"]
    assert "something went wrong on my side and I changed nothing" in text_of(replies)
    assert any(r.exc_info for r in caplog.records)  # a bug keeps its traceback for the operator


# -- redelivered updates ------------------------------------------------------------------------


def test_a_new_sequence_of_update_ids_is_served(tmp_path: Path) -> None:
    conversation = Conversation(UserStore(tmp_path), clock=lambda: NOW)
    conversation.handle(USER, Menu("begin"), update_id=900_000)
    conversation.handle(USER, Answer("treatment", "spravato"), update_id=900_001)
    # A week later Telegram starts again from a random, lower id: still answered and saved.
    later = Conversation(UserStore(tmp_path), clock=lambda: NOW)
    replies = later.handle(USER, Text("Aetna"), update_id=17)
    assert replies[-1].template == "question"
    assert later.case(USER).values()["insurer"] == "Aetna"


def test_a_record_with_the_old_high_water_mark_is_read_as_a_window(tmp_path: Path) -> None:
    _, path = begun(tmp_path)
    record = _record(path)
    record.pop("recent_updates", None)
    record["last_update_id"] = 5000
    _write_record(path, record)
    assert conversation_of(tmp_path).handle(USER, Text("Aetna"), update_id=12)[-1].template == (
        "question"
    )
    saved = _record(path)
    assert saved["recent_updates"] == [5000, 12] and "last_update_id" not in saved


def conversation_of(data: Path) -> Conversation:
    return Conversation(UserStore(data), clock=lambda: NOW)


def test_an_update_applied_before_a_restart_shows_where_the_user_is_and_changes_nothing(
    tmp_path: Path,
) -> None:
    first = conversation_of(tmp_path)
    first.handle(USER, Menu("begin"), update_id=1)
    first.handle(USER, Answer("treatment", "spravato"), update_id=2)
    first.handle(USER, Text("$1,500"), update_id=3)  # the insurer's name, as it happens
    # The process died before the reply to update 3 went out; Telegram delivers it again.
    restarted = conversation_of(tmp_path)
    replies = restarted.handle(USER, Text("$1,500"), update_id=3)
    assert replies and replies[-1].template == "question"
    answers = {"for_whom": "self", "treatment": "spravato", "insurer": "$1,500"}
    following = Flow().first_unanswered(answers).id
    assert replies[-1].context["question"] == following  # where they are: not applied again
    case = restarted.case(USER)
    assert case.values()["insurer"] == "$1,500" and following not in case.values()
    assert len([e for e in case.log if e.get("question") == "insurer"]) == 1


def test_an_update_this_process_answered_is_not_answered_twice_even_if_it_changed_nothing(
    tmp_path: Path,
) -> None:
    conversation = conversation_of(tmp_path)
    assert conversation.handle(USER, Start(), update_id=70)  # read-only: nothing saved
    for _ in range(20):
        assert conversation.handle(USER, Start(), update_id=70) == []
    assert conversation.handle(USER, Start(), update_id=71)  # a new one is answered


def test_a_failed_update_is_tried_again_when_it_comes_back(tmp_path: Path) -> None:
    conversation, path = begun(tmp_path)
    saved = path.read_bytes()
    path.write_bytes(b"")  # damaged for a moment (restored from a backup below)
    assert conversation.handle(USER, Text("Aetna"), update_id=8)[0].template == "storage_error"
    path.write_bytes(saved)
    assert conversation.handle(USER, Text("Aetna"), update_id=8)[-1].template == "question"
    assert conversation.case(USER).values()["insurer"] == "Aetna"


# -- through the real process -------------------------------------------------------------------


def test_a_pressed_button_with_the_disk_full_is_answered_and_said(small_disk: Path) -> None:
    fake = FakeTelegram()
    with StandInServer(fake) as server:
        bot = BotProcess(server, small_disk)
        bot.start(fake)
        try:
            user = 501
            fake.send_text(user, "/start")
            fake.wait_for(lambda f: f.buttons(user), TIMEOUT)
            inbox = small_disk / "data" / "inbox"
            wait_until(lambda: not list(inbox.iterdir()), "/start has left the inbox")
            filler = fill(small_disk)
            answered = len(fake.answered_callbacks)
            fake.press(user, "Let's begin")
            fake.wait_for(lambda f: "is full" in f.last_text(user), TIMEOUT)
            fake.wait_for(lambda f: len(f.answered_callbacks) > answered, TIMEOUT)
            filler.unlink()
        finally:
            bot.stop()
    log = bot.log()
    assert log.count("CRITICAL") == 1 and "Traceback" not in log
    # The update could not be kept in the inbox either: handled all the same, said once.
    assert log.count("inbox: cannot keep updates on disk") == 1


def test_a_second_bot_on_the_same_data_directory_is_refused(tmp_path: Path) -> None:
    fake = FakeTelegram()
    with StandInServer(fake) as server:
        first = BotProcess(server, tmp_path)
        first.start(fake)
        try:
            second = subprocess.run(
                [sys.executable, "-m", "bot"],
                cwd=tmp_path,
                env=first.env,
                capture_output=True,
                text=True,
                timeout=TIMEOUT,
                check=False,
            )
            assert second.returncode == 1
            pid = str(first.process.pid)
            assert f"Another bot is using {tmp_path / 'data'} (pid {pid})" in second.stderr
            assert first.process.poll() is None  # the first one goes on
        finally:
            first.stop()
