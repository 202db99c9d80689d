"""The user's day: "today", typed dates and reminder days are days in the bot's time zone.

Everything saved is still timed in UTC; only the calendar day the user means is local.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.conversation import Conversation
from bot.engine import DeliverDue, LogCall, Remind
from bot.store import UserStore
from tests.support.engine_chat import Chat

NEW_YORK = ZoneInfo("America/New_York")
EVENING = datetime(2026, 12, 2, 3, 30, tzinfo=UTC)
"""22:30 on December 1 in New York, already December 2 in UTC."""


def test_today_late_in_the_evening_is_the_users_today_not_utcs() -> None:
    chat = Chat(now=EVENING.astimezone(NEW_YORK))
    chat.begin()
    chat.tap("spravato")
    assert chat.case.log[-1]["at"] == "2026-12-02T03:30:00+00:00"  # saved times stay UTC
    chat.send(LogCall())
    chat.tap("insurer")
    chat.tap("today")
    assert chat.case.call.answers["call_date"] == "2026-12-01"


def test_a_date_typed_from_further_east_is_not_in_the_future() -> None:
    # 23:30 in Chicago is 00:30 the next day in New York: the New Yorker's "12/2" is taken.
    chicago = datetime(2026, 12, 1, 23, 30, tzinfo=ZoneInfo("America/Chicago"))
    for typed, code in (("12/2/2026", None), ("12/3/2026", "in_the_future")):
        chat = Chat(now=chicago)
        chat.send(LogCall())
        chat.tap("insurer")
        chat.say(typed)
        error = chat.last.context.get("error")
        assert (error or {}).get("code") == code
        assert ("call_date" in chat.case.call.answers) is (code is None)


def test_reminder_days_and_delivery_follow_the_bots_zone(tmp_path) -> None:
    clock = {"now": EVENING}
    conversation = Conversation(UserStore(tmp_path), clock=lambda: clock["now"], zone=NEW_YORK)
    # December 2 is tomorrow in New York, so a reminder for it can still be set.
    assert conversation.turn("7", Remind("call", "2026-12-02")).reminder_days == ["2026-12-02"]
    utc = Conversation(UserStore(tmp_path / "utc"), clock=lambda: EVENING)
    assert utc.turn("7", Remind("call", "2026-12-02")).reminder_days is None  # today there
    # Delivered at 10:00 New York time (15:00 UTC in December), not before.
    clock["now"] = datetime(2026, 12, 2, 14, 59, tzinfo=UTC)
    assert conversation.handle("7", DeliverDue()) == []
    clock["now"] = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
    assert [reply.template for reply in conversation.handle("7", DeliverDue())] == ["reminder"]


def run_bot(tmp_path, *args: str, zone: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
    env |= {"BOT_TIMEZONE": zone, "BOT_DATA_DIR": str(tmp_path / "data")}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,
        env=env,
        input="",
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_an_unknown_zone_stops_the_bot_with_a_clear_message_and_fails_the_check(tmp_path):
    started = run_bot(tmp_path, "chat", zone="Mars/Olympus_Mons")
    assert started.returncode == 2
    assert 'BOT_TIMEZONE is set to "Mars/Olympus_Mons", which is not a time zone' in (
        started.stderr
    )
    assert "Traceback" not in started.stderr
    assert not (tmp_path / "data" / "users").exists()  # nothing was started
    checked = run_bot(tmp_path, "check", zone="Mars/Olympus_Mons")
    assert checked.returncode == 1
    assert "PROBLEM BOT_TIMEZONE Mars/Olympus_Mons is not a time zone" in checked.stdout
    good = run_bot(tmp_path, "check", zone="America/Denver")
    assert 'ok      time zone America/Denver: "today"' in good.stdout
