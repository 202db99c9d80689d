"""Tests for bot.store: the shared store contract, plus the disk store's safety properties."""

from __future__ import annotations

import inspect
import json
import os
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tinydb import TinyDB

from bot.postgres import PostgresStore
from bot.store import (
    TEMP_MAX_AGE,
    AtomicJSONStorage,
    CorruptRecordError,
    DataDirLock,
    DataDirLocked,
    MemoryStore,
    Store,
    UserStore,
    temp_path_for,
)

NESTED_RECORD: dict[str, Any] = {
    "name": "Zoë Müller-Łukasiewicz",
    "notes": "<b>bold</b> & <script>alert('x')</script> \"quoted\" \\ backslash",
    "emoji": "💊🧠✅ 🇩🇪",
    "cyrillic": "ключ",
    "cjk": "保险",
    "empty": "",
    "flags": [True, False, None],
    "numbers": {"int": 42, "neg": -7, "float": 3.25, "big": 2**53},
    "history": [
        {"step": 1, "answers": {"diagnosis": "F33.2", "tried": ["a", "b"]}},
        {"step": 2, "answers": {}},
    ],
}

INVALID_KEYS = ["../x", "", "a/b", "x" * 65, "ключ", "a.b", "a b", "abc\n", "..", "/etc/passwd"]
VALID_KEYS = ["123456789", "terminal", "a-b_C9", "x" * 64, "_", "-"]


def user_files(store: UserStore) -> list[str]:
    """Names of everything in the store's users directory."""
    return sorted(os.listdir(store.users_dir))


def mode_of(path: Path) -> int:
    """Permission bits of ``path``."""
    return stat.S_IMODE(os.stat(path).st_mode)


# --- contract shared by both stores ----------------------------------------------------


@pytest.fixture(params=["disk", "memory", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    """Each contract test runs against UserStore on disk, MemoryStore and PostgresStore."""
    return _store(request, request.param, tmp_path)


def _store(request: pytest.FixtureRequest, kind: str, tmp_path: Path) -> Store:
    if kind == "disk":
        return UserStore(tmp_path / "data")
    if kind == "postgres":
        return PostgresStore(request.getfixturevalue("database"))
    return MemoryStore()


def test_implements_protocol(store: Store) -> None:
    assert isinstance(store, Store)


def test_round_trip_nested_unicode_record(store: Store) -> None:
    store.save("123456789", NESTED_RECORD)
    assert store.load("123456789") == NESTED_RECORD


def test_empty_record_round_trips(store: Store) -> None:
    store.save("terminal", {})
    assert store.load("terminal") == {}


def test_overwrite_replaces_whole_record(store: Store) -> None:
    store.save("u1", {"a": 1, "b": {"c": 2}})
    store.save("u1", {"b": {"d": 3}})
    assert store.load("u1") == {"b": {"d": 3}}


def test_load_missing_key_is_none(store: Store) -> None:
    assert store.load("nobody") is None


def test_delete(store: Store) -> None:
    store.save("u1", {"a": 1})
    assert store.delete("u1") is True
    assert store.load("u1") is None
    assert store.delete("u1") is False
    assert list(store.keys()) == []


def test_keys_lists_exactly_saved_users(store: Store) -> None:
    assert list(store.keys()) == []
    for key in VALID_KEYS:
        store.save(key, {"k": key})
    store.save("terminal", {"again": True})
    assert sorted(store.keys()) == sorted(VALID_KEYS)
    store.delete("terminal")
    assert sorted(store.keys()) == sorted(k for k in VALID_KEYS if k != "terminal")


def test_keys_returns_iterator(store: Store) -> None:
    store.save("u1", {})
    keys = store.keys()
    assert isinstance(keys, Iterator)
    assert inspect.isgenerator(keys)
    assert list(keys) == ["u1"]


def test_loaded_record_is_a_copy(store: Store) -> None:
    store.save("u1", {"nested": {"list": [1, 2]}})
    loaded = store.load("u1")
    assert loaded is not None
    loaded["nested"]["list"].append(3)
    loaded["new"] = True
    assert store.load("u1") == {"nested": {"list": [1, 2]}}


def test_saved_record_is_a_copy(store: Store) -> None:
    record: dict[str, Any] = {"nested": {"list": [1, 2]}}
    store.save("u1", record)
    record["nested"]["list"].append(3)
    assert store.load("u1") == {"nested": {"list": [1, 2]}}


@pytest.mark.parametrize("key", INVALID_KEYS)
def test_invalid_keys_raise_value_error(store: Store, key: str) -> None:
    with pytest.raises(ValueError):
        store.save(key, {"a": 1})
    with pytest.raises(ValueError):
        store.load(key)
    with pytest.raises(ValueError):
        store.delete(key)
    assert list(store.keys()) == []


@pytest.mark.parametrize(
    "record",
    [{"x": object()}, {"x": {1, 2}}, {"nested": [{"bytes": b"raw"}]}],
    ids=["object", "set", "nested-bytes"],
)
def test_non_json_value_raises_type_error(store: Store, record: dict[str, Any]) -> None:
    store.save("u1", {"old": True})
    with pytest.raises(TypeError):
        store.save("u1", record)
    with pytest.raises(TypeError):
        store.save("u2", record)
    assert store.load("u1") == {"old": True}
    assert store.load("u2") is None
    assert list(store.keys()) == ["u1"]


def test_non_dict_record_raises_type_error(store: Store) -> None:
    with pytest.raises(TypeError):
        store.save("u1", [1, 2])  # type: ignore[arg-type]
    assert store.load("u1") is None


def test_users_are_isolated(store: Store) -> None:
    store.save("alice", {"who": "alice", "secret": 1})
    store.save("bob", {"who": "bob"})
    assert store.load("alice") == {"who": "alice", "secret": 1}
    assert store.load("bob") == {"who": "bob"}
    store.delete("alice")
    assert store.load("bob") == {"who": "bob"}
    assert store.load("alice") is None


def test_memory_cleanup_temp_files_is_zero() -> None:
    assert MemoryStore().cleanup_temp_files() == 0


# --- disk-only properties --------------------------------------------------------------


@pytest.fixture
def disk(tmp_path: Path) -> UserStore:
    return UserStore(tmp_path / "data")


def test_layout_one_json_file_per_user(disk: UserStore) -> None:
    disk.save("alice", {"who": "alice"})
    disk.save("bob", {"who": "bob"})
    assert user_files(disk) == ["alice.json", "bob.json"]
    assert disk.path_for("alice") == disk.data_dir / "users" / "alice.json"
    # Each file holds only its own user's data.
    assert "bob" not in (disk.users_dir / "alice.json").read_text(encoding="utf-8")
    assert "alice" not in (disk.users_dir / "bob.json").read_text(encoding="utf-8")


def test_load_of_missing_key_creates_no_file(disk: UserStore) -> None:
    assert disk.load("nobody") is None
    assert user_files(disk) == []


@pytest.mark.parametrize("umask", [0o000, 0o022, 0o077])
def test_file_and_directory_modes(tmp_path: Path, umask: int) -> None:
    old = os.umask(umask)
    try:
        store = UserStore(tmp_path / "a" / "data")
        store.save("u1", {"a": 1})
        store.save("u1", {"a": 2})  # the replacement file must be private too
    finally:
        os.umask(old)
    assert mode_of(store.path_for("u1")) == 0o600
    assert mode_of(store.users_dir) == 0o700
    assert mode_of(store.data_dir) == 0o700
    assert mode_of(tmp_path / "a") == 0o700


def test_existing_users_dir_is_tightened(tmp_path: Path) -> None:
    (tmp_path / "data" / "users").mkdir(parents=True)
    os.chmod(tmp_path / "data" / "users", 0o755)
    store = UserStore(tmp_path / "data")
    assert mode_of(store.users_dir) == 0o700


def test_storage_creates_missing_dirs_private(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        storage = AtomicJSONStorage(tmp_path / "x" / "y" / "db.json")
        assert storage.read() is None
        assert not (tmp_path / "x").exists()  # nothing created before the first write
        storage.write({"t": {"1": {"a": 1}}})
    finally:
        os.umask(old)
    assert mode_of(tmp_path / "x") == 0o700
    assert mode_of(tmp_path / "x" / "y") == 0o700
    assert mode_of(tmp_path / "x" / "y" / "db.json") == 0o600
    assert storage.read() == {"t": {"1": {"a": 1}}}


def test_an_empty_file_is_unreadable_unless_the_storage_takes_it_as_missing(tmp_path: Path):
    # No write of ours leaves a zero-byte file: a user's is damage, reported, never overwritten.
    path = tmp_path / "db.json"
    path.write_bytes(b"")
    with pytest.raises(ValueError, match="empty"):
        AtomicJSONStorage(path).read()
    assert AtomicJSONStorage(path, empty_is_missing=True).read() is None  # the reminder index


def test_file_is_compact_utf8_json_readable_by_stdlib_and_tinydb(disk: UserStore) -> None:
    disk.save("u1", NESTED_RECORD)
    path = disk.path_for("u1")
    raw = path.read_bytes()
    text = raw.decode("utf-8")
    assert "💊" in text and "ключ" in text  # ensure_ascii=False
    assert ": " not in text.replace(NESTED_RECORD["notes"], "")  # compact separators
    assert json.loads(text) == {"case": {"1": NESTED_RECORD}}
    with TinyDB(path, access_mode="r") as db:
        assert db.tables() == {"case"}
        assert db.table("case").get(doc_id=1) == NESTED_RECORD
        assert len(db.table("case")) == 1


@pytest.mark.parametrize("failing", ["replace", "fsync"])
def test_failed_write_keeps_old_file_and_leaves_no_temp(
    disk: UserStore, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    disk.save("u1", {"version": "old"})
    before = disk.path_for("u1").read_bytes()

    def boom(*args: Any, **kwargs: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, failing, boom)
    with pytest.raises(OSError):
        disk.save("u1", {"version": "new", "padding": "x" * 10_000})
    with pytest.raises(OSError):
        disk.save("u2", {"version": "new"})
    monkeypatch.undo()

    assert disk.path_for("u1").read_bytes() == before
    assert disk.load("u1") == {"version": "old"}
    assert disk.load("u2") is None
    assert user_files(disk) == ["u1.json"]


def test_a_leftover_temp_file_of_a_crash_never_gets_in_the_way(disk: UserStore) -> None:
    disk.save("u1", {"a": 1})
    leftover = temp_path_for(disk.path_for("u1"))
    leftover.write_bytes(b'{"case":{"1":{"half')
    disk.save("u1", {"a": 2})  # a name of its own: the leftover is neither used nor read
    assert disk.load("u1") == {"a": 2}
    assert user_files(disk) == sorted([leftover.name, "u1.json"])
    assert disk.cleanup_temp_files(older_than=0) == 1
    assert user_files(disk) == ["u1.json"]


def test_every_write_has_a_temporary_file_of_its_own(disk: UserStore) -> None:
    names = {temp_path_for(disk.path_for("u1")).name for _ in range(100)}
    assert len(names) == 100
    assert all(n.startswith(".u1.json.") and n.endswith(".tmp") for n in names)


def test_temp_file_is_never_followed_as_a_symlink(
    disk: UserStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    disk.save("u1", {"a": 1})
    outside = tmp_path / "outside.txt"
    outside.write_text("not yours")
    # Make the next temporary name a known one, and plant a link there.
    monkeypatch.setattr("bot.store.secrets.token_hex", lambda n: "planted")
    (disk.users_dir / ".u1.json.planted.tmp").symlink_to(outside)
    with pytest.raises(FileExistsError):  # created exclusively: never opened through the link
        disk.save("u1", {"a": 2})
    assert outside.read_text() == "not yours"
    assert disk.load("u1") == {"a": 1}


def test_failed_write_of_unserialisable_data_touches_nothing(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    storage = AtomicJSONStorage(path)
    storage.write({"t": {"1": {"a": 1}}})
    before = path.read_bytes()
    with pytest.raises(TypeError):
        storage.write({"t": {"1": {"a": object()}}})
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["db.json"]


def test_cleanup_temp_files_removes_leftovers(disk: UserStore) -> None:
    disk.save("u1", {"a": 1})
    leftovers = [".u1.json.0123456789abcdef.tmp", ".u2.json.deadbeef.tmp"]
    for name in leftovers:
        (disk.users_dir / name).write_bytes(b'{"case":{"1":{"half')
    (disk.users_dir / "notes.txt").write_text("not ours to remove")

    # Opening the store does not clean up implicitly; the app calls it at start-up.
    reopened = UserStore(disk.data_dir)
    assert sorted(user_files(reopened)) == sorted([*leftovers, "notes.txt", "u1.json"])
    assert sorted(reopened.keys()) == ["u1"]  # temp files are never reported as users

    # By default only files too old to belong to a write in progress are removed.
    assert reopened.cleanup_temp_files() == 0
    old = time.time() - TEMP_MAX_AGE - 1
    os.utime(reopened.users_dir / leftovers[0], (old, old))
    assert reopened.cleanup_temp_files() == 1
    # At start-up, holding the data directory's lock, every leftover goes.
    assert reopened.cleanup_temp_files(older_than=0) == 1
    assert user_files(reopened) == ["notes.txt", "u1.json"]
    assert reopened.load("u1") == {"a": 1}
    assert reopened.cleanup_temp_files(older_than=0) == 0


def test_cleanup_before_a_moment_keeps_the_writes_begun_since(disk: UserStore) -> None:
    """The bot's start-up: leftovers from before it started go; a write of its own, begun
    while the scan runs beside the start-up, keeps its temporary file."""
    crashed, ours = (
        disk.users_dir / ".u1.json.0123456789abcdef.tmp",
        disk.users_dir / ".u2.json.feedfacecafebeef.tmp",
    )
    crashed.write_bytes(b'{"half')
    started = time.time()
    os.utime(crashed, (started - 5, started - 5))
    ours.write_bytes(b'{"in progress')
    os.utime(ours, (started + 1, started + 1))
    assert disk.cleanup_temp_files(before=started) == 1
    assert user_files(disk) == [ours.name]


def test_delete_removes_only_that_users_temp_files(disk: UserStore) -> None:
    disk.save("u1", {"a": 1})
    disk.save("u10", {"a": 10})
    # What a write cut off by a crash leaves behind: the file's one temp file.
    (disk.users_dir / ".u1.json.tmp").write_bytes(b"x")
    (disk.users_dir / ".u10.json.tmp").write_bytes(b"x")
    assert disk.delete("u1") is True
    assert user_files(disk) == [".u10.json.tmp", "u10.json"]
    # A leftover temp file alone still counts as something deleted.
    disk.path_for("u10").unlink()
    assert disk.delete("u10") is True
    assert user_files(disk) == []
    assert disk.delete("u10") is False


@pytest.mark.parametrize(
    "content",
    [
        b"\x00\xff\xfe garbage \x80",
        b'{"case":{"1":{"name":"Zo',  # truncated JSON
        b"   ",
        b"[1, 2, 3]",
        b'{"case": []}',
        b'{"case": {"1": "not a document"}}',
    ],
    ids=["garbage", "truncated", "whitespace", "list", "table-not-dict", "doc-not-dict"],
)
def test_corrupt_file_raises_and_is_left_untouched(disk: UserStore, content: bytes) -> None:
    path = disk.path_for("u1")
    path.write_bytes(content)
    os.chmod(path, 0o600)

    with pytest.raises(CorruptRecordError) as excinfo:
        disk.load("u1")
    assert excinfo.value.key == "u1"
    assert excinfo.value.path == path
    assert "u1" in str(excinfo.value)

    # Saving over it must not "repair" it with a fresh record either.
    with pytest.raises(CorruptRecordError):
        disk.save("u1", {"fresh": True})
    assert disk.cleanup_temp_files() == 0
    assert path.read_bytes() == content
    assert user_files(disk) == ["u1.json"]
    assert list(disk.keys()) == ["u1"]  # listing never opens files

    # An operator (or the app, on the user's request) can still delete it.
    assert disk.delete("u1") is True
    assert disk.load("u1") is None


def test_truncated_real_file_is_corrupt(disk: UserStore) -> None:
    disk.save("u1", NESTED_RECORD)
    path = disk.path_for("u1")
    truncated = path.read_bytes()[:-7]
    path.write_bytes(truncated)
    with pytest.raises(CorruptRecordError):
        disk.load("u1")
    assert path.read_bytes() == truncated


def test_corrupt_file_of_one_user_does_not_affect_others(disk: UserStore) -> None:
    disk.save("good", {"ok": True})
    disk.path_for("bad").write_bytes(b"{oops")
    assert disk.load("good") == {"ok": True}
    disk.save("good", {"ok": "still"})
    assert disk.load("good") == {"ok": "still"}


class _CountingStorage(AtomicJSONStorage):
    """AtomicJSONStorage that counts its writes (a real storage, not a mock)."""

    writes = 0

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        type(self).writes += 1
        super().write(data)


def test_exactly_one_write_per_save(disk: UserStore, monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.store as store_module

    monkeypatch.setattr(_CountingStorage, "writes", 0)
    monkeypatch.setattr(store_module, "AtomicJSONStorage", _CountingStorage)
    replaces: list[tuple[Any, Any]] = []
    real_replace = os.replace

    def counting_replace(src: Any, dst: Any) -> None:
        replaces.append((src, dst))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", counting_replace)

    disk.save("u1", {"a": 1})  # new file
    assert _CountingStorage.writes == 1
    assert len(replaces) == 1
    disk.save("u1", {"b": 2})  # existing file
    assert _CountingStorage.writes == 2
    assert len(replaces) == 2
    disk.save("u2", {})
    assert _CountingStorage.writes == 3

    assert disk.load("u1") == {"b": 2}
    assert disk.load("missing") is None
    assert list(disk.keys()) != []
    assert _CountingStorage.writes == 3  # reads never write
    assert len(replaces) == 3
    assert all(Path(dst).parent == disk.users_dir for _, dst in replaces)
    assert all(
        Path(src).parent == disk.users_dir
        and Path(src).name.startswith(".")
        and Path(src).name.endswith(".tmp")
        for src, _ in replaces
    )


def test_file_written_through_tinydb_storage_preserves_other_tables(disk: UserStore) -> None:
    path = disk.path_for("u1")
    with TinyDB(path, storage=AtomicJSONStorage) as db:
        db.table("audit").insert({"event": "created"})
    disk.save("u1", {"a": 1})
    disk.save("u1", {"a": 2})
    with TinyDB(path, storage=AtomicJSONStorage) as db:
        assert db.table("audit").all() == [{"event": "created"}]
        assert db.table("case").all() == [{"a": 2}]


def test_data_survives_a_new_store_instance(disk: UserStore) -> None:
    disk.save("u1", NESTED_RECORD)
    assert UserStore(disk.data_dir).load("u1") == NESTED_RECORD


def test_keys_ignores_foreign_entries(disk: UserStore) -> None:
    disk.save("u1", {})
    (disk.users_dir / "not a key.json").write_text("{}")
    (disk.users_dir / "readme.txt").write_text("x")
    (disk.users_dir / "dir.json").mkdir()
    assert sorted(disk.keys()) == ["u1"]


# -- faults that must be reported, never followed or overwritten --------------------------------


@pytest.mark.parametrize(
    "plant",
    ["symlink", "directory", "empty", "nan", "deep"],
)
def test_what_is_not_a_record_of_ours_is_corrupt_and_left_alone(
    disk: UserStore, tmp_path: Path, plant: str
) -> None:
    path = disk.path_for("u1")
    outside = tmp_path / "outside.json"
    outside.write_text('{"case": {"1": {"secret": "someone else"}}}')
    if plant == "symlink":
        path.symlink_to(outside)
    elif plant == "directory":
        path.mkdir()
    elif plant == "empty":
        path.write_bytes(b"")
    elif plant == "nan":
        path.write_bytes(b'{"case": {"1": {"case": {}, "x": NaN}}}')
    else:
        path.write_bytes(b'{"case": {"1": {"x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}}}")
    before = os.lstat(path)
    with pytest.raises(CorruptRecordError):
        disk.load("u1")
    with pytest.raises(CorruptRecordError):
        disk.save("u1", {"fresh": True})
    after = os.lstat(path)
    assert (after.st_mode, after.st_size, after.st_mtime_ns) == (
        before.st_mode,
        before.st_size,
        before.st_mtime_ns,
    )
    assert "someone else" in outside.read_text()  # a link's target is never read or replaced


def test_update_changes_the_record_in_one_step_or_not_at_all(store: Store) -> None:
    chosen = store
    assert chosen.update("u1", lambda record: None) is None  # nothing written
    assert chosen.load("u1") is None
    assert chosen.update("u1", lambda record: {"n": 1}) == {"n": 1}
    assert chosen.update("u1", lambda record: {"n": record["n"] + 1}) == {"n": 2}
    with pytest.raises(ZeroDivisionError):
        chosen.update("u1", lambda record: {"n": 1 / 0})
    assert chosen.load("u1") == {"n": 2}


def test_a_second_process_cannot_take_the_data_directory(tmp_path: Path) -> None:
    first = DataDirLock(tmp_path)
    first.acquire()
    code = (
        "import sys; from bot.store import DataDirLock, DataDirLocked\n"
        "try:\n    DataDirLock(sys.argv[1]).acquire()\n"
        "except DataDirLocked as e:\n    print(e.pid); sys.exit(3)\n"
    )
    other = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=False
    )
    assert other.returncode == 3 and other.stdout.strip() == str(os.getpid())
    first.release()
    again = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=False
    )
    assert again.returncode == 0
    with pytest.raises(DataDirLocked):  # a second lock in one process is refused too
        held = DataDirLock(tmp_path)
        held.acquire()
        DataDirLock(tmp_path).acquire()
