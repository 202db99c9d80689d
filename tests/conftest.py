"""Fixtures shared by the end-to-end tests (tests/support holds the helpers they share)."""

import pytest

from tests.support import postgres
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


@pytest.fixture(scope="session")
def postgres_server():
    """One real PostgreSQL server for the session (skipped, with the reason, where none is
    installed; `.ci/run` installs one and makes a missing one fail)."""
    server = postgres.start_server()
    yield server
    server.stop()


@pytest.fixture
def postgres_url(postgres_server) -> str:
    """A new, empty database on that server."""
    return postgres_server.new_database()


@pytest.fixture
def database(postgres_url):
    """The bot's connection to a new database, its tables made."""
    from bot.postgres import Database

    connected = Database(postgres_url)
    yield connected
    connected.close()
