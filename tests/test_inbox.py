"""Updates fetched are kept on disk until handled, and handled after a crash.

The inbox on its own (real files), the getUpdates request that fills it (python-telegram-bot's
own Bot against the stand-in), and the real `python -m bot` process handling what an earlier
run fetched and never handled.
"""

from __future__ import annotations

import asyncio
import json
import os
import stat
from pathlib import Path

from telegram import Bot

from bot.inbox import INBOX_DIR, Inbox, KeepingRequest
from tests.support.bot_process import TIMEOUT, BotProcess
from tests.support.telegram_standin import (
    DEFAULT_TOKEN,
    FakeTelegram,
    StandInRequest,
    StandInServer,
)


def update(update_id: int, text: str = "hello", user: int = 7) -> dict:
    chat = {"id": user, "type": "private", "first_name": "Test"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1_800_000_000,
            "chat": chat,
            "from": {"id": user, "is_bot": False, "first_name": "Test"},
            "text": text,
        },
    }


def files(inbox: Inbox) -> list[Path]:
    return sorted(inbox.directory.glob("*.json")) if inbox.directory.is_dir() else []


def test_a_batch_is_kept_until_every_update_in_it_is_handled(tmp_path: Path) -> None:
    inbox = Inbox(tmp_path)
    inbox.keep([update(5), update(6)])
    (kept,) = files(inbox)
    assert stat.S_IMODE(os.stat(kept).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(inbox.directory).st_mode) == 0o700
    assert [u["update_id"] for u in json.loads(kept.read_bytes())] == [5, 6]
    inbox.done(5)
    assert files(inbox) == [kept]
    inbox.done(6)
    assert files(inbox) == []
    inbox.done(6)  # again, or an update never kept: nothing happens
    inbox.done(99)


def test_what_an_earlier_run_left_is_handed_on_oldest_first(tmp_path: Path) -> None:
    first = Inbox(tmp_path)
    first.keep([update(12), update(13)])
    first.keep([update(10)])
    first.done(12)
    # The process dies. The next one finds 10 and 13 (12 was handled, but its batch stayed).
    later = Inbox(tmp_path)
    assert [u["update_id"] for u in later.left_over()] == [10, 12, 13]
    # Fetched again from Telegram too: not kept twice.
    later.keep([update(13)])
    assert len(files(later)) == 2
    for update_id in (10, 12, 13):
        later.done(update_id)
    assert files(later) == []


def test_an_unreadable_inbox_file_is_left_alone(tmp_path: Path) -> None:
    inbox = Inbox(tmp_path)
    inbox.keep([update(1)])
    (tmp_path / INBOX_DIR / "0-torn.json").write_bytes(b'[{"update_id": 3, "mess')
    assert [u["update_id"] for u in Inbox(tmp_path).left_over()] == [1]
    assert (tmp_path / INBOX_DIR / "0-torn.json").exists()


def test_the_get_updates_request_keeps_each_batch_before_handing_it_on(tmp_path: Path) -> None:
    fake = FakeTelegram()
    fake.send_text(7, "first")
    fake.send_text(8, "second")
    inbox = Inbox(tmp_path)

    async def fetch():
        request = KeepingRequest(StandInRequest(fake), inbox)
        async with Bot(DEFAULT_TOKEN, request=request, get_updates_request=request) as bot:
            return await bot.get_updates(timeout=0)

    fetched = asyncio.run(fetch())
    (kept,) = files(inbox)
    on_disk = json.loads(kept.read_bytes())
    assert [u["update_id"] for u in on_disk] == [u.update_id for u in fetched]
    assert [u["message"]["text"] for u in on_disk] == ["first", "second"]


def test_an_update_fetched_but_never_handled_is_handled_after_a_restart(tmp_path: Path) -> None:
    # As a run killed after fetching /start would leave it: kept in the inbox, and confirmed
    # to Telegram already (the stand-in will not deliver it again).
    fake = FakeTelegram()
    Inbox(tmp_path / "data").keep([fake.take_update(fake.send_text(91, "/start"))])
    with StandInServer(fake) as server:
        bot = BotProcess(server, tmp_path)
        bot.start(fake)
        try:
            fake.wait_for(lambda f: f.messages(91), TIMEOUT)
            assert "Let's begin" in [label for label, _ in fake.buttons(91)]
            fake.wait_for(lambda f: not files(Inbox(tmp_path / "data")), TIMEOUT)
        finally:
            bot.stop()
    assert "handling 1 updates fetched before the last stop" in bot.log()
