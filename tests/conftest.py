"""Fixtures shared by the end-to-end tests (tests/support holds the helpers they share)."""

import pytest

from tests.support.bot_process import BotProcess
from tests.support.telegram_standin import FakeTelegram, StandInServer


@pytest.fixture
def world(tmp_path):
    """The real bot process running against the stand-in; afterwards, nothing Telegram would
    reject was sent and the token never reached the log."""
    fake = FakeTelegram()
    with StandInServer(fake) as server:
        bot = BotProcess(server, tmp_path)
        bot.start(fake)
        yield fake, bot
        if bot.process.poll() is None:
            bot.stop()
    assert fake.errors == [], "the bot sent something Telegram would reject"
    assert "TEST-token" not in bot.log(), "the token leaked into the log"
