"""The durable inbox: an update Telegram was told had arrived is handled even if the bot dies.

Unit tests on real files, then the real `python -m bot` against the stand-in over HTTP: an
update kept by a run that died before handling it is handled at the next start, and one that
was applied but whose reply died with the bot shows the user where they are.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from bot.channels.inbox import Inbox
from bot.flow import Flow
from bot.render import Renderer
from tests.support.bot_process import TIMEOUT, BotProcess, act, wait_until
from tests.support.telegram_standin import FakeTelegram, StandInServer

USER = 5150


def update(update_id: int, text: str = "hello") -> dict:
    return {"update_id": update_id, "message": {"message_id": 1, "text": text}}


def ids(updates: list[dict]) -> list[int]:
    return [data["update_id"] for data in updates]


def test_kept_updates_come_back_by_id_until_done(tmp_path: Path) -> None:
    inbox = Inbox(tmp_path)
    for update_id in (12, 3, 100):
        inbox.keep(update_id, update(update_id))
    assert inbox.pending() == []  # this process is handling them
    after_a_crash = Inbox(tmp_path)
    assert ids(after_a_crash.pending()) == [3, 12, 100]
    assert after_a_crash.pending() == []  # replayed once: held from then on
    after_a_crash.done(12)
    after_a_crash.done(12)  # twice is harmless
    assert ids(Inbox(tmp_path).pending()) == [3, 100]
    assert oct((tmp_path / "inbox" / "3.json").stat().st_mode & 0o777) == "0o600"


def test_a_torn_write_is_dropped_and_an_unreadable_entry_set_aside(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    before = Inbox(tmp_path)
    before.keep(7, update(7))
    (before.directory / ".8.json.0123456789abcdef.tmp").write_text('{"update_')
    (before.directory / "9.json").write_text("{not json")
    (before.directory / "10.json").write_text('["an", "array"]')
    inbox = Inbox(tmp_path)
    (inbox.directory / ".11.json.0123456789abcdef.tmp").write_text('{"update_')  # in progress
    assert ids(inbox.pending()) == [7]
    assert sorted(p.name for p in inbox.directory.iterdir()) == [
        ".11.json.0123456789abcdef.tmp",
        "10.json.unreadable",
        "7.json",
        "9.json.unreadable",
    ]
    assert caplog.text.count("set aside") == 2
    assert "not json" not in caplog.text  # what a user wrote is never logged


def test_no_inbox_yet_is_nothing_pending(tmp_path: Path) -> None:
    assert Inbox(tmp_path / "never").pending() == []


# -- the real process ------------------------------------------------------------------------


@pytest.fixture
def world(tmp_path: Path):
    fake = FakeTelegram()
    with StandInServer(fake) as server:
        bot = BotProcess(server, tmp_path)
        bot.start(fake)
        yield fake, bot, tmp_path / "data"
        if bot.process.poll() is None:
            bot.stop()
    assert fake.errors == []


def answers(data: Path) -> dict:
    record = json.loads((data / "users" / f"{USER}.json").read_text())["case"]["1"]
    return record["case"]["answers"], record["case"]["log"]


def prompt_after(answers: dict) -> str:
    """The prompt of the question the flow asks after these answers."""
    question = Flow().first_unanswered({"for_whom": "self", **answers})  # Let's begin
    template = Renderer().text.get_template(f"questions/{question.id}.j2")
    return str(template.make_module({"answers": answers}).prompt)


def begin(fake: FakeTelegram, data: Path) -> None:
    act(fake, USER, "send", "/start")
    act(fake, USER, "press", "Let's begin")
    act(fake, USER, "press", "Spravato (esketamine nasal spray)")  # now asked for the insurer
    # Each update leaves the inbox just after its replies are sent.
    wait_until(lambda: not list((data / "inbox").iterdir()), "the inbox is empty")


def test_an_update_kept_by_a_run_that_died_is_handled_at_the_next_start(world) -> None:
    fake, bot, data = world
    begin(fake, data)
    question = fake.last_text(USER)
    bot.kill()
    # What a run leaves when it dies after fetching (and so confirming) an update, before
    # handling it: the update in its inbox, and Telegram not sending it again.
    message = {
        "message_id": 900,
        "from": {"id": USER, "is_bot": False, "first_name": "Test"},
        "chat": {"id": USER, "type": "private", "first_name": "Test"},
        "date": int(time.time()),
        "text": "Blue Shield Inbox",
    }
    Inbox(data).keep(10_000, {"update_id": 10_000, "message": message})
    before = len(fake.messages(USER))

    bot.start(fake)
    fake.wait_for(lambda f: len(f.messages(USER)) > before, TIMEOUT)
    reply = fake.messages(USER)[before]["text"]
    assert "Blue Shield Inbox" in reply and reply != question  # saved, and the next question
    saved, _ = answers(data)
    assert saved["insurer"]["value"] == "Blue Shield Inbox"
    wait_until(lambda: not list((data / "inbox").iterdir()), "the inbox is empty")
    assert "replaying 1 updates" in bot.log()


def test_an_applied_update_whose_reply_died_shows_the_user_where_they_are(world) -> None:
    fake, bot, data = world
    begin(fake, data)
    fake.inject("sendMessage", "500", times=1_000, chat_id=USER)  # the reply cannot get out
    update_id = fake.send_text(USER, "Kaiser Inbox")

    def applied_and_confirmed() -> bool:
        offsets = [p.get("offset") or 0 for name, p in fake.calls if name == "getUpdates"]
        saved, _ = answers(data)
        return "insurer" in saved and max(offsets, default=0) > update_id

    wait_until(applied_and_confirmed, "the answer is saved and confirmed to Telegram")
    assert (data / "inbox" / f"{update_id}.json").exists()  # still retrying its reply
    bot.kill()
    fake.clear_faults()
    before = len(fake.messages(USER))

    bot.start(fake)
    fake.wait_for(lambda f: len(f.messages(USER)) > before, TIMEOUT)
    shown = fake.messages(USER)[before]
    assert prompt_after({"treatment": "spravato", "insurer": "Kaiser Inbox"}) in shown["text"]
    saved, log = answers(data)
    assert saved["insurer"]["value"] == "Kaiser Inbox"
    assert [entry["question"] for entry in log].count("insurer") == 1  # applied once
    wait_until(lambda: not list((data / "inbox").iterdir()), "the inbox is empty")
