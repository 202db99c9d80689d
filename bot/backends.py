"""Where the bot keeps its data: TinyDB files in the data directory (the default), or a shared
PostgreSQL database (`BOT_STORE_URL`), for several processes serving one bot.

Either way the conversation gets a `Store`, a reminder index and an inbox with the same
methods; only this module chooses between them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.config import Settings
from bot.store import DataDirLock, ReminderIndex, Store, UserStore


@dataclass
class Backend:
    """The stores of one process, and how to let them go."""

    store: Store
    reminders: Any
    """A `ReminderIndex`, or `bot.postgres.PostgresReminders`."""
    inbox: Any
    """An `Inbox`, or `bot.postgres.PostgresInbox`."""
    shared: bool
    """Other processes may use the same data (PostgreSQL): no data directory lock."""
    close: Callable[[], None] = field(default=lambda: None)


def open_files(settings: Settings) -> Backend:
    """The TinyDB files of `settings.data_dir`, locked for this process (DataDirLocked if
    another holds them)."""
    from bot.channels.inbox import Inbox  # (imports python-telegram-bot: not at start-up)

    lock = DataDirLock(settings.data_dir)
    lock.acquire()  # held until the process ends
    return Backend(
        UserStore(settings.data_dir),
        ReminderIndex(settings.data_dir),
        Inbox(settings.data_dir),
        shared=False,
        close=lock.release,
    )


def open_database(url: str) -> Backend:
    """The PostgreSQL database at `url`, its tables made if missing (PostgresUnavailable if
    psycopg is missing or the database cannot be reached)."""
    from bot.postgres import Database, PostgresInbox, PostgresReminders, PostgresStore

    database = Database(url)
    return Backend(
        PostgresStore(database),
        PostgresReminders(database),
        PostgresInbox(database),
        shared=True,
        close=database.close,
    )


def open_backend(settings: Settings) -> Backend:
    """The backend the settings choose."""
    if settings.store_url:
        return open_database(settings.store_url)
    return open_files(settings)
