"""The shared store on a real PostgreSQL server: the promises the files keep, kept by several
processes at once (the store contract itself runs in tests/test_store.py)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from datetime import UTC, date, datetime
from pathlib import Path

import psycopg
import pytest

from bot.conversation import Conversation
from bot.events import Confirm, Delete, DeliverDue, Remind
from bot.postgres import Database, PostgresInbox, PostgresReminders, PostgresStore, redacted

NOW = datetime(2026, 11, 26, 15, tzinfo=UTC)


def update(update_id: int, user: int, text: str = "hello") -> dict:
    sender = {"id": user, "is_bot": False, "first_name": "A"}
    return {"update_id": update_id, "message": {"message_id": 1, "from": sender, "text": text}}


def test_one_users_changes_from_many_threads_and_processes_are_never_lost(postgres_url):
    """Each change of a user's record sees the one before: 4 threads on each of 2 "processes"
    (two pools, as two workers would have) add 25 each."""
    databases = [Database(postgres_url), Database(postgres_url)]
    stores = [PostgresStore(database) for database in databases]

    def add(store: PostgresStore) -> None:
        for _ in range(25):
            store.update("7", lambda record: {"n": (record or {"n": 0})["n"] + 1})

    threads = [threading.Thread(target=add, args=(s,)) for s in stores for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert stores[0].load("7") == {"n": 200}
    finally:
        for database in databases:
            database.close()


def test_the_record_is_one_jsonb_row_and_nothing_saved_leaves_no_row(database):
    store = PostgresStore(database)
    assert store.update("1", lambda record: None) is None
    store.save("2", {"case": {"answers": {"insurer": {"value": "Aetna"}}}})
    with psycopg.connect(database.url) as conn:
        rows = conn.execute(
            "SELECT key, record->'case'->'answers', pg_typeof(record) FROM bot_users"
        )
        assert rows.fetchall() == [("2", {"insurer": {"value": "Aetna"}}, "jsonb")]
    assert list(store.keys()) == ["2"]


def test_a_conversation_on_postgres_saves_answers_and_its_reminders(database):
    """The conversation, unchanged, on the shared store: answers, the duplicate-update window,
    the reminder index, erasing."""
    store, index = PostgresStore(database), PostgresReminders(database)
    conversation = Conversation(store, clock=lambda: NOW, reminder_index=index)
    conversation.handle("41", Remind("call", "2026-11-29"), update_id=1)
    assert conversation.handle("41", Remind("call", "2026-11-29"), update_id=1) == []
    elsewhere = Conversation(PostgresStore(database), clock=lambda: NOW)
    again = elsewhere.turn("41", Remind("call", "2026-11-29"), update_id=1)  # another worker
    assert again.repeated and again.replies  # not applied twice; shown where they are
    conversation.handle("42", Remind("call", "2026-12-01"))
    assert dict(index.items()) == {"41": ["2026-11-29"], "42": ["2026-12-01"]}
    assert index.claim_due(date(2026, 11, 30)) == ["41"]
    later = Conversation(store, clock=lambda: datetime(2026, 12, 1, 17, tzinfo=UTC))
    later.reminder_index = index
    (reminder,) = later.handle("42", DeliverDue())
    assert reminder.template == "reminder"
    assert dict(index.items()) == {"41": ["2026-11-29"]}
    assert store.load("41")["recent_updates"] == [1]
    assert len(store.load("41")["case"]["reminders"]) == 1
    conversation.handle("41", Delete())
    conversation.handle("41", Confirm("delete", "yes"))
    assert store.load("41") is None and dict(index.items()) == {}


def test_each_due_reminder_is_claimed_by_one_worker(postgres_url):
    first, second = Database(postgres_url), Database(postgres_url)
    try:
        index = PostgresReminders(first)
        for key in range(30):
            index.set(str(key), ["2026-11-20", "2027-01-05"])
        claims: dict[str, list[str]] = {}

        def claim(name: str, database: Database) -> None:
            claims[name] = PostgresReminders(database).claim_due(date(2026, 12, 1))

        threads = [
            threading.Thread(target=claim, args=(name, db))
            for name, db in (("first", first), ("second", second))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        claimed = claims["first"] + claims["second"]
        assert sorted(claimed) == sorted(str(key) for key in range(30))  # each once
        assert index.claim_due(date(2026, 12, 1)) == []  # leased: not claimed again
        assert index.claim_due(date(2027, 1, 5)) == [str(key) for key in sorted(range(30), key=str)]
        index.set("3", [])
        assert "3" not in dict(index.items())
    finally:
        first.close()
        second.close()


def test_a_dead_processs_updates_are_adopted_once_and_a_live_ones_never(postgres_url):
    alive, dying, newcomer = (Database(postgres_url) for _ in range(3))
    try:
        PostgresInbox(alive).keep(10, update(10, 500))
        PostgresInbox(dying).keep(11, update(11, 501))
        PostgresInbox(dying).keep(9, update(9, 501))
        assert PostgresInbox(alive).earlier_of(501, 12)  # 501's earlier ones are elsewhere
        assert not PostgresInbox(dying).earlier_of(501, 12)  # ...but not for their holder
        dying.close()  # as a killed process's connections close
        adopted = PostgresInbox(newcomer).pending()
        assert [data["update_id"] for data in adopted] == [9, 11]
        assert PostgresInbox(newcomer).pending() == []
        assert PostgresInbox(alive).pending() == []  # held by a live process
        # Telegram sent an update again to another process: it holds it from then on.
        PostgresInbox(alive).keep(11, update(11, 501))
        PostgresInbox(alive).done(10)
        with psycopg.connect(postgres_url) as conn:
            rows = conn.execute("SELECT update_id, holder FROM bot_inbox ORDER BY update_id")
            assert rows.fetchall() == [(9, newcomer.holder), (11, alive.holder)]
    finally:
        alive.close()
        newcomer.close()


def test_an_unreachable_database_is_said_plainly_without_its_password():
    from bot.postgres import PostgresUnavailable

    url = "postgresql://bot:s3cret@127.0.0.1:1/nowhere"
    with pytest.raises(PostgresUnavailable) as raised:
        Database(url)
    assert "s3cret" not in str(raised.value) and "127.0.0.1" in str(raised.value)
    assert redacted(url) == "postgresql://bot:***@127.0.0.1:1/nowhere"


def test_the_jsonb_row_is_what_an_export_shows(database):
    store = PostgresStore(database)
    record = {"schema": 2, "case": {"answers": {"insurer": {"value": 'Blue <Cross> & "Co"'}}}}
    store.save("5", record)
    assert json.loads(json.dumps(store.load("5"))) == record


def run_bot(*args: str, url: str, tmp_path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "BOT_"))}
    env |= {"BOT_STORE_URL": url, "BOT_DATA_DIR": str(tmp_path / "data")}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("postgresql://bot:s3cret@127.0.0.1:1/nowhere", "127.0.0.1"),
        ("mysql://bot@127.0.0.1/bot", "it must be a postgresql:// address"),
    ],
)
def test_a_shared_store_that_cannot_be_used_stops_the_bot_with_the_reason(url, says, tmp_path):
    ran = run_bot("telegram", url=url, tmp_path=tmp_path)
    assert ran.returncode == 1
    assert "The shared store (BOT_STORE_URL) cannot be used" in ran.stderr and says in ran.stderr
    assert "s3cret" not in ran.stderr
    assert not (tmp_path / "data").exists()  # nothing fell back to the files


def test_check_reports_the_shared_store(postgres_url, tmp_path):
    worker = Database(postgres_url)  # a bot running on it
    PostgresStore(worker).save("1", {"case": {}})
    ran = run_bot("check", url=postgres_url, tmp_path=tmp_path)
    worker.close()
    assert "ok      shared store postgresql://" in ran.stdout, ran.stdout
    assert "1 users, 1 workers running, 0 updates waiting" in ran.stdout
    ran = run_bot("check", url="postgresql://bot:pw@127.0.0.1:1/x", tmp_path=tmp_path)
    assert ran.returncode == 1 and "PROBLEM shared store (BOT_STORE_URL)" in ran.stdout


def test_the_database_out_of_reach_is_a_storage_fault_said_to_the_user(postgres_url, caplog):
    database = Database(postgres_url)
    store = PostgresStore(database)
    conversation = Conversation(store, clock=lambda: NOW)
    conversation.handle("9", Remind("call", "2026-11-29"))
    database.pool.close()  # as when the server goes away
    turn = conversation.turn("9", Remind("call", "2026-11-30"))
    assert turn.failed and [reply.template for reply in turn.replies] == ["storage_error"]
    assert "storage of user 9 failed: the database cannot be used" in caplog.text
    assert "Traceback" not in caplog.text
    database.close()


def test_the_readmes_retention_query_removes_only_the_inactive_without_reminders(database):
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    (query,) = re.findall(r"```sql\n(DELETE FROM bot_users.*?)```", readme, re.DOTALL)
    store, index = PostgresStore(database), PostgresReminders(database)
    for key in ("old", "old_reminded", "recent"):
        store.save(key, {"case": {}})
    index.set("old_reminded", ["2027-01-10"])
    with psycopg.connect(database.url) as conn:
        conn.execute(
            "UPDATE bot_users SET updated_at = now() - interval '400 days' WHERE key LIKE 'old%'"
        )
        assert conn.execute(query).rowcount == 1
    assert sorted(store.keys()) == ["old_reminded", "recent"]


def test_a_process_whose_liveness_connection_dropped_takes_its_lock_again(postgres_url):
    database, other = Database(postgres_url), Database(postgres_url)
    try:
        PostgresInbox(database).keep(30, update(30, 700))
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            backend = database._live.info.backend_pid
            admin.execute("SELECT pg_terminate_backend(%s)", (backend,))
        assert PostgresInbox(database).pending() == []  # its own: still its own
        assert database._live.info.backend_pid != backend  # connected again
        assert PostgresInbox(other).pending() == []  # alive again: nothing to adopt
    finally:
        database.close()
        other.close()


def test_a_nul_character_jsonb_refuses_is_kept_as_the_replacement_character(database):
    """A user may send a NUL in a message; JSONB cannot hold one: it becomes U+FFFD, and the
    update and the record are kept all the same (never a poison update Telegram resends)."""
    PostgresInbox(database).keep(40, update(40, 900, "Ae\x00tna \\u0000"))
    with psycopg.connect(database.url) as conn:
        (data,) = conn.execute("SELECT data FROM bot_inbox WHERE update_id = 40").fetchone()
    assert data["message"]["text"] == "Ae\ufffdtna \\u0000"  # a typed "\u0000" stays as typed
    store = PostgresStore(database)
    store.save("9", {"note": "a\x00b", "a\x00": ["\x00"]})
    assert store.load("9") == {"note": "a\ufffdb", "a\ufffd": ["\ufffd"]}
