"""The shared store on PostgreSQL: several bot processes (webhook workers) on one database.

Chosen with ``BOT_STORE_URL=postgresql://...`` (see `bot.backends`); the TinyDB files stay the
default. It keeps the promises of `bot.store` and the channels' files, in three tables:

* ``bot_users``: one row per user, the record as JSONB. `PostgresStore.update` loads, changes
  and saves a record in one transaction with the user's row locked (``SELECT ... FOR UPDATE``),
  so two workers never interleave one user's turns. The window of the user's latest update ids
  (the duplicate-update check) is in the record, so it is shared by every worker.
* ``bot_reminders``: the reminder index, a row per user and day. `claim_due` takes the due
  rows with ``FOR UPDATE SKIP LOCKED`` and leases them for a while, so exactly one worker
  delivers each (the user's record, changed under its lock, says what was sent).
* ``bot_inbox``: the updates received and not yet handled, each held by the process that took
  it. A process holds a session advisory lock for as long as it lives; the updates of a
  process that died (its lock gone with its connection) are adopted by the next that looks.

psycopg (3) and its pool are needed only here: ``pip install 'ketamine-coverage-bot[postgres]'``.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import secrets
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bot import store
from bot.store import _check_record, _serialise_record, validate_key

log = logging.getLogger(__name__)

SCHEMES = ("postgresql://", "postgres://")
LOCK_CLASS = 0x6B6362
"""The first key of this bot's advisory locks ("kcb"), the second is the process's."""
CLAIM_LEASE = timedelta(seconds=store.CLAIM_LEASE)
"""How long a claimed reminder is left to its worker before another may take it."""
CLAIM_BATCH = 200
POOL_SIZE = 8

SCHEMA = """
CREATE TABLE IF NOT EXISTS bot_users (
    key text PRIMARY KEY,
    record jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS bot_reminders (
    key text NOT NULL,
    day date NOT NULL,
    claimed_until timestamptz,
    PRIMARY KEY (key, day)
);
CREATE INDEX IF NOT EXISTS bot_reminders_day ON bot_reminders (day);
CREATE TABLE IF NOT EXISTS bot_inbox (
    update_id bigint PRIMARY KEY,
    user_id bigint,
    holder integer NOT NULL,
    data jsonb NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS bot_inbox_user ON bot_inbox (user_id, update_id);
"""


NEW_USER = "INSERT INTO bot_users (key, record) VALUES (%s, 'null') ON CONFLICT DO NOTHING"
"""A row to lock for a user who has none; rolled back if nothing is saved."""


class PostgresUnavailable(Exception):
    """psycopg is not installed, or the database cannot be reached or set up."""


def is_postgres_url(url: str | None) -> bool:
    """Whether `url` names a PostgreSQL database."""
    return bool(url) and url.startswith(SCHEMES)


def redacted(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))


class Database:
    """A pool of connections to the bot's database, its tables created if missing, and this
    process's liveness lock (an advisory lock held on a connection of its own)."""

    def __init__(self, url: str, *, pool_size: int = POOL_SIZE) -> None:
        if not is_postgres_url(url):
            raise PostgresUnavailable("it must be a postgresql:// address")
        try:
            import psycopg
            from psycopg_pool import ConnectionPool
        except ImportError as error:
            raise PostgresUnavailable(
                "psycopg is not installed: pip install 'ketamine-coverage-bot[postgres]'"
            ) from error
        self.url = url
        self._psycopg = psycopg
        try:
            self._live = psycopg.connect(url, autocommit=True, connect_timeout=10)
            with self._live.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_lock(%s, 0)", (LOCK_CLASS,))
                cursor.execute(SCHEMA)
                cursor.execute("SELECT pg_advisory_unlock(%s, 0)", (LOCK_CLASS,))
            self.holder = self._hold_liveness_lock()
        except psycopg.Error as error:
            raise PostgresUnavailable(f"{redacted(url)}: {error}") from error
        self.pool = ConnectionPool(
            url, min_size=1, max_size=pool_size, open=True, kwargs={"connect_timeout": 10}
        )

    def _hold_liveness_lock(self, holder: int | None = None) -> int:
        """Take an advisory lock of this process's own (`holder`, or a new random one), held
        until its connection closes."""
        with self._live.cursor() as cursor:
            while True:
                chosen = holder or secrets.randbelow(2**31 - 2) + 1
                cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", (LOCK_CLASS, chosen))
                if cursor.fetchone()[0]:
                    return chosen
                if holder is not None:
                    raise OSError(errno.EIO, "this process's lock is held by another")

    def stay_alive(self) -> None:
        """Take this process's lock again if its connection was lost (the server restarted,
        say): meanwhile other processes may have adopted its updates, which is harmless."""
        try:
            self._live.execute("SELECT 1")
            return
        except self._psycopg.Error:
            log.warning("the database connection that marks this process alive was lost")
        try:
            self._live.close()
            self._live = self._psycopg.connect(self.url, autocommit=True, connect_timeout=10)
            self._hold_liveness_lock(self.holder)
        except self._psycopg.Error as error:
            raise OSError(errno.EIO, f"the database cannot be used: {error}") from error

    @contextlib.contextmanager
    def connection(self) -> Iterator[Any]:
        """A connection from the pool, in a transaction committed when the block ends. The
        database out of reach is an OSError, as a disk fault is for the files: the user is
        told nothing was changed, the operator gets one line."""
        try:
            with self.pool.connection() as conn:
                yield conn
        except self._psycopg.OperationalError as error:
            raise OSError(errno.EIO, f"the database cannot be used: {error}") from error

    def close(self) -> None:
        self.pool.close()
        self._live.close()


LIVE_HOLDERS = (
    "SELECT objid::integer FROM pg_locks WHERE locktype = 'advisory' AND granted"
    f" AND classid = {LOCK_CLASS} AND objsubid = 2 AND objid <> 0"
    " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)
"""SQL for the holders whose process is alive: their advisory lock is held."""


class PostgresStore:
    """Every user's record, a row each (the `bot.store.Store` interface)."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def load(self, key: str) -> dict[str, Any] | None:
        validate_key(key)
        with self.database.connection() as conn:
            row = conn.execute("SELECT record FROM bot_users WHERE key = %s", (key,)).fetchone()
        return None if row is None else row[0]

    def save(self, key: str, record: dict[str, Any]) -> None:
        _check_record(record)
        self.update(key, lambda _: record)

    def update(
        self, key: str, change: Callable[[dict[str, Any] | None], dict[str, Any] | None]
    ) -> dict[str, Any] | None:
        """Load, change and save the user's record with their row locked (see Store). A new
        user's row is made first, so that it can be locked too; nothing to save undoes it."""
        validate_key(key)
        with self.database.connection() as conn:
            row = self._locked(conn, key)
            if row is None:
                conn.execute(NEW_USER, (key,))
                row = self._locked(conn, key)
            before = row[0]
            record = change(before)  # an error rolls the transaction back
            if record is None:
                conn.rollback()
                return before
            text = _jsonb_text(_serialise_record(record))
            conn.execute(
                "UPDATE bot_users SET record = %s::jsonb, updated_at = now() WHERE key = %s",
                (text, key),
            )
        return json.loads(text)

    @staticmethod
    def _locked(conn, key: str):
        return conn.execute(
            "SELECT record FROM bot_users WHERE key = %s FOR UPDATE", (key,)
        ).fetchone()

    def delete(self, key: str) -> bool:
        validate_key(key)
        with self.database.connection() as conn:
            deleted = conn.execute(
                "DELETE FROM bot_users WHERE key = %s AND record <> 'null'", (key,)
            ).rowcount
            conn.execute("DELETE FROM bot_reminders WHERE key = %s", (key,))
        return deleted > 0

    def keys(self) -> Iterator[str]:
        """Every user's key, read in batches (a server-side cursor), never all at once."""
        with self.database.connection() as conn:
            cursor = conn.cursor(name=f"keys_{secrets.token_hex(4)}")
            cursor.itersize = 2000
            cursor.execute("SELECT key FROM bot_users WHERE record <> 'null' ORDER BY key")
            for (key,) in cursor:
                yield key

    def cleanup_temp_files(self, *args: Any, **kwargs: Any) -> int:
        """Nothing to clean up: the database writes atomically."""
        return 0


class PostgresReminders:
    """The reminder index (see `bot.store.ReminderIndex`): which users have reminders due on
    which days, each day claimed by one worker."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def set(self, key: str, days: list[str]) -> None:
        validate_key(key)
        wanted = [date.fromisoformat(day) for day in days]
        with self.database.connection() as conn, conn.transaction():
            conn.execute(
                "DELETE FROM bot_reminders WHERE key = %s AND NOT (day = ANY(%s))", (key, wanted)
            )
            with conn.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO bot_reminders (key, day) VALUES (%s, %s) ON CONFLICT DO NOTHING",
                    [(key, day) for day in wanted],
                )

    def items(self) -> list[tuple[str, list[str]]]:
        with self.database.connection() as conn:
            rows = conn.execute(
                "SELECT key, array_agg(day ORDER BY day) FROM bot_reminders GROUP BY key"
            ).fetchall()
        return [(key, [day.isoformat() for day in days]) for key, days in rows]

    def claim_due(self, through: date) -> list[str]:
        """The users with a reminder due on or before `through` that no worker is delivering,
        leased to this one (`CLAIM_LEASE`): a worker that dies leaves them to the next."""
        with self.database.connection() as conn:
            rows = conn.execute(
                """
                UPDATE bot_reminders SET claimed_until = now() + %s
                WHERE (key, day) IN (
                    SELECT key, day FROM bot_reminders
                    WHERE day <= %s AND (claimed_until IS NULL OR claimed_until < now())
                    ORDER BY day LIMIT %s
                    FOR UPDATE SKIP LOCKED)
                RETURNING key
                """,
                (CLAIM_LEASE, through, CLAIM_BATCH),
            ).fetchall()
        return sorted({key for (key,) in rows})


class PostgresInbox:
    """The updates received and not handled yet (see `bot.channels.inbox.Inbox`), each held
    by the process that received it, or adopted from one that died."""

    shared = True

    def __init__(self, database: Database) -> None:
        self.database = database

    def keep(self, update_id: int, data: dict[str, Any]) -> None:
        """Keep an update until `done`, held by this process (taken over if a process that
        died had it: Telegram sent it again because that one never answered)."""
        text = _jsonb_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")))
        with self.database.connection() as conn:
            conn.execute(
                """
                INSERT INTO bot_inbox (update_id, user_id, holder, data)
                VALUES (%s, %s, %s, %s::jsonb)
                ON CONFLICT (update_id) DO UPDATE SET holder = EXCLUDED.holder
                """,
                (update_id, _user_id(data), self.database.holder, text),
            )

    def done(self, update_id: int) -> None:
        with self.database.connection() as conn:
            conn.execute("DELETE FROM bot_inbox WHERE update_id = %s", (update_id,))

    def pending(self) -> list[dict[str, Any]]:
        """Adopt the updates of processes that died, and return them by update id."""
        self.database.stay_alive()
        with self.database.connection() as conn:
            rows = conn.execute(
                f"""
                UPDATE bot_inbox SET holder = %s
                WHERE update_id IN (
                    SELECT update_id FROM bot_inbox
                    WHERE holder <> %s AND holder NOT IN ({LIVE_HOLDERS})
                    FOR UPDATE SKIP LOCKED)
                RETURNING update_id, data
                """,
                (self.database.holder, self.database.holder),
            ).fetchall()
        return [data for _, data in sorted(rows, key=lambda row: row[0])]

    def earlier_of(self, user_id: int, update_id: int) -> bool:
        """Whether an earlier update of the same user waits in another process (this one's
        are handled in order by `PerUserOrder`)."""
        with self.database.connection() as conn:
            row = conn.execute(
                "SELECT EXISTS (SELECT 1 FROM bot_inbox"
                " WHERE user_id = %s AND update_id < %s AND holder <> %s)",
                (user_id, update_id, self.database.holder),
            ).fetchone()
        return bool(row[0])


def _jsonb_text(text: str) -> str:
    """JSON text JSONB takes: a NUL character (which JSONB refuses, and which a user may send
    in a message) becomes U+FFFD, the replacement character, wherever it is."""
    if "\\u0000" not in text:
        return text
    return json.dumps(_without_nul(json.loads(text)), ensure_ascii=False, separators=(",", ":"))


def _without_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, list):
        return [_without_nul(item) for item in value]
    if isinstance(value, dict):
        return {_without_nul(k): _without_nul(v) for k, v in value.items()}
    return value


def _user_id(data: dict[str, Any]) -> int | None:
    """The id of the user an update (as Telegram's JSON) comes from, if it says."""
    for value in data.values():
        if isinstance(value, dict):
            sender = value.get("from")
            if isinstance(sender, dict) and isinstance(sender.get("id"), int):
                return sender["id"]
    return None


def status(url: str) -> dict[str, int]:
    """What `python -m bot check` shows of the database (its tables made if missing)."""
    database = Database(url, pool_size=1)
    try:
        with database.connection() as conn:
            counts = conn.execute(
                f"""
                SELECT (SELECT count(*) FROM bot_users WHERE record <> 'null'),
                       (SELECT count(DISTINCT objid) FROM ({LIVE_HOLDERS}) AS live(objid)),
                       (SELECT count(*) FROM bot_inbox),
                       (SELECT count(*) FROM bot_reminders)
                """
            ).fetchone()
    finally:
        database.close()
    workers = counts[1] - 1  # not this check's own
    return {"users": counts[0], "workers": workers, "waiting": counts[2], "reminders": counts[3]}
