"""Tests for the operator scripts scripts/backup.py and scripts/retention.py.

They run against a real data directory with thousands of users, in-process (``main(argv)``)
and as the subprocesses an operator (or cron) would start.
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import os
import stat
import subprocess
import sys
import tarfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from bot.store import ReminderIndex, UserStore, temp_path_for

ROOT = Path(__file__).resolve().parents[1]
SECRET = "SECRET-ANSWER-123"
N_USERS = 2000
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
DAYS = 30
RECENT = NOW - timedelta(days=3)
OLD = NOW - timedelta(days=100)
CORRUPT_KEY = "5559999999"
CORRUPT_BYTES = b'{"case": {"1": {"updated_at": "2020-01-01T00:00:00+00:00", "answ'
ACTIVE, INACTIVE, REMINDER = "active", "inactive", "reminder"


def load_script(name: str) -> ModuleType:
    """Import scripts/<name>.py as a module, so its main(argv) can be called in-process."""
    spec = importlib.util.spec_from_file_location(
        f"operator_{name}", ROOT / "scripts" / f"{name}.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


backup = load_script("backup")
retention = load_script("retention")


def run_script(name: str, *args: str | Path) -> subprocess.CompletedProcess[str]:
    """Run a script as the operator would: python scripts/<name>.py ARGS."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, (str(ROOT), env.get("PYTHONPATH"))))
    env["PYTHONIOENCODING"] = "utf-8"
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / f"{name}.py"), *map(str, args)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=60,
        check=False,
    )


def key_for(i: int) -> str:
    """A Telegram-id-like key: ten digits, so no count in an output can look like one."""
    return str(5_550_000_000 + i)


def kind_of(i: int) -> str:
    """Which retention case user ``i`` is (a fixed mix, so the expected counts follow)."""
    if i % 2 == 0:
        return ACTIVE
    if i % 100 == 51:
        return REMINDER  # old, but a reminder is still to be sent
    return INACTIVE


def record_for(i: int, updated_at: datetime | None) -> dict[str, Any]:
    """A realistic record holding the secret answer (and no updated_at for some users)."""
    stamp = (updated_at or OLD).isoformat(timespec="seconds")
    reminders = [{"id": 1, "kind": "call", "due": "2027-01-10", "created_at": stamp}]
    record: dict[str, Any] = {
        "schema": 1,
        "created_at": stamp,
        "case": {
            "answers": {"diagnosis": {"value": f"{SECRET} #{i}", "at": stamp}},
            "log": [{"question": "diagnosis", "value": SECRET, "at": stamp}],
            "reminders": reminders if kind_of(i) == REMINDER else [],
        },
    }
    if updated_at is not None:
        record["updated_at"] = stamp
    return record


@dataclass
class DataDir:
    """A populated data directory and what the tests expect of it."""

    path: Path
    users: Path
    kinds: dict[str, str]  # key -> ACTIVE / INACTIVE / REMINDER (the corrupt user is not here)
    temp_files: list[Path]

    def keys_of(self, kind: str) -> set[str]:
        return {key for key, k in self.kinds.items() if k == kind}


def populate(data_dir: Path, n: int = N_USERS) -> DataDir:
    """``n`` users written directly in the TinyDB layout, plus a corrupt file and temp files.

    Every fifth user has no updated_at; their file's mtime says whether they are active.
    """
    store = UserStore(data_dir)  # creates data/ and data/users/ with mode 0700
    kinds = {}
    for i in range(n):
        key = key_for(i)
        kinds[key] = kind_of(i)
        when = RECENT if kinds[key] == ACTIVE else OLD
        path = store.path_for(key)
        without_updated_at = i % 10 in (8, 9)
        record = record_for(i, None if without_updated_at else when)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with open(fd, "w", encoding="utf-8") as handle:
            json.dump({"case": {"1": record}}, handle, separators=(",", ":"))
        os.utime(path, (when.timestamp(), when.timestamp()))
    corrupt = store.path_for(CORRUPT_KEY)
    corrupt.write_bytes(CORRUPT_BYTES)  # a torn file, as TinyDB's own storage could leave
    os.chmod(corrupt, 0o600)
    os.utime(corrupt, (OLD.timestamp(), OLD.timestamp()))
    temp_files = [
        temp_path_for(store.path_for(key_for(0))),  # in-flight write of an active user
        temp_path_for(store.path_for(key_for(1))),  # leftover of an inactive user
    ]
    for temp in temp_files:
        temp.write_text('{"case": {"1": {"half', encoding="utf-8")
    ReminderIndex(store.data_dir).set(key_for(51), ["2027-01-10"])
    return DataDir(store.data_dir, store.users_dir, kinds, temp_files)


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> DataDir:
    """A populated data directory for the tests that only read it (creating it takes a while)."""
    return populate(tmp_path_factory.mktemp("shared") / "data")


@pytest.fixture
def data(tmp_path: Path) -> DataDir:
    """A fresh populated data directory, for a test that changes it."""
    return populate(tmp_path / "data")


def mode_of(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def members(archive: Path) -> dict[str, bytes]:
    """Every member of a backup archive, by name."""
    with tarfile.open(archive, "r:gz") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar if m.isreg()}  # type: ignore[union-attr]


def make_archive(
    path: Path, files: dict[str, bytes], listed: dict[str, bytes] | None = None
) -> None:
    """Write a backup-like archive of ``files`` whose manifest lists ``listed`` (default: files)."""
    listed = files if listed is None else listed
    manifest = {
        "format": 1,
        "created_at": NOW.isoformat(),
        "users": len(listed),
        "corrupt": 0,
        "other_files": 0,
        "files": {
            n: {"sha256": hashlib.sha256(b).hexdigest(), "size": len(b)} for n, b in listed.items()
        },
    }
    with tarfile.open(path, "w:gz") as tar:
        for name, raw in [*files.items(), ("MANIFEST.json", json.dumps(manifest).encode())]:
            info = tarfile.TarInfo(name)
            info.size = len(raw)
            tar.addfile(info, io.BytesIO(raw))


def assert_private(output: str, keys: Any = ()) -> None:
    """No answer (and none of ``keys``) in what a script printed."""
    assert SECRET not in output
    leaked = [key for key in keys if key in output]
    assert not leaked, f"user ids printed: {leaked[:5]}"


def backup_in_process(
    capsys: pytest.CaptureFixture[str], *argv: str | Path
) -> tuple[int, str, str]:
    code = backup.main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# --- backup and restore ----------------------------------------------------------------------


def test_backup_then_restore_gives_identical_private_files(
    shared: DataDir, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "backups" / "backup.tar.gz"
    out.parent.mkdir()
    code, stdout, stderr = backup_in_process(capsys, "--data-dir", shared.path, "--out", out)

    assert code == 0, stderr
    # One summary line with the counts, and nothing anyone answered.
    assert stdout.count("\n") == 1
    assert f"{N_USERS} users, 1 corrupt (kept raw under corrupt/), 0 unreadable" in stdout
    assert f"{out.stat().st_size} bytes" in stdout
    assert_private(stdout, shared.kinds)
    assert_private(stderr, shared.kinds)
    assert f"corrupt/users/{CORRUPT_KEY}.json" in stderr  # the operator is told which file
    assert mode_of(out) == 0o600
    assert os.listdir(out.parent) == ["backup.tar.gz"]  # no temp file left next to it

    archived = members(out)
    manifest = json.loads(archived.pop("MANIFEST.json"))
    assert manifest["users"] == N_USERS
    assert manifest["corrupt"] == 1
    assert manifest["other_files"] == 1  # reminders.json
    assert set(manifest["files"]) == set(archived)
    for name, raw in archived.items():
        assert manifest["files"][name] == {
            "sha256": hashlib.sha256(raw).hexdigest(),
            "size": len(raw),
        }
    assert {n for n in archived if n.startswith("users/")} == {
        f"users/{key}.json" for key in shared.kinds
    }
    assert archived[f"corrupt/users/{CORRUPT_KEY}.json"] == CORRUPT_BYTES
    assert not [name for name in archived if name.endswith(".tmp")]

    restored = tmp_path / "restored" / "data"  # does not exist yet
    code, stdout, stderr = backup_in_process(capsys, "--restore", out, "--data-dir", restored)

    assert code == 0, stderr
    assert f"{N_USERS + 2} files restored" in stdout  # users, the corrupt one, reminders.json
    expected = sorted(p.name for p in shared.users.iterdir() if not p.name.endswith(".tmp"))
    assert sorted(os.listdir(restored / "users")) == expected
    for name in expected:
        original, copy = shared.users / name, restored / "users" / name
        assert copy.read_bytes() == original.read_bytes()
        assert mode_of(copy) == 0o600
        assert int(copy.stat().st_mtime) == int(original.stat().st_mtime)
    assert (restored / "reminders.json").read_bytes() == (
        shared.path / "reminders.json"
    ).read_bytes()
    assert mode_of(restored / "reminders.json") == 0o600
    assert mode_of(restored) == mode_of(restored / "users") == 0o700
    assert UserStore(restored).load(key_for(7)) == UserStore(shared.path).load(key_for(7))


def test_backup_runs_as_a_command(shared: DataDir, tmp_path: Path) -> None:
    out = tmp_path / "backup.tar.gz"
    done = run_script("backup", "--data-dir", shared.path, "--out", out)

    assert done.returncode == 0, done.stderr
    assert f"{N_USERS} users, 1 corrupt" in done.stdout
    assert_private(done.stdout, shared.kinds)
    assert_private(done.stderr)
    assert json.loads(members(out)["MANIFEST.json"])["users"] == N_USERS


def test_backup_uses_bot_data_dir_by_default(
    shared: DataDir,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("BOT_DATA_DIR", str(shared.path))
    code, stdout, _ = backup_in_process(capsys, "--out", tmp_path / "b.tar.gz")
    assert code == 0
    assert f"{N_USERS} users" in stdout


def test_unreadable_file_makes_the_backup_fail_loudly_but_keeps_the_rest(
    shared: DataDir,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    unreadable = shared.users / f"{key_for(3)}.json"
    real_read_once = backup.read_once

    def read_once(path: Path) -> tuple[bytes, float]:
        if path == unreadable:
            raise PermissionError(13, "Permission denied")
        return real_read_once(path)

    monkeypatch.setattr(backup, "read_once", read_once)
    out = tmp_path / "backup.tar.gz"
    code, stdout, stderr = backup_in_process(capsys, "--data-dir", shared.path, "--out", out)

    assert code == 1
    assert "1 unreadable" in stdout
    assert "INCOMPLETE" in stdout
    assert "Permission denied" in stderr
    assert json.loads(members(out)["MANIFEST.json"])["users"] == N_USERS - 1


def test_restore_refuses_a_non_empty_data_dir(tmp_path: Path) -> None:
    archive = tmp_path / "backup.tar.gz"
    make_archive(archive, {"users/1.json": b'{"case":{"1":{"a":1}}}'})
    target = tmp_path / "target"
    UserStore(target).save("42", {"answer": "keep me"})
    before = (target / "users" / "42.json").read_bytes()

    done = run_script("backup", "--restore", archive, "--data-dir", target)

    assert done.returncode == 2
    assert "not empty" in done.stderr
    assert os.listdir(target / "users") == ["42.json"]
    assert (target / "users" / "42.json").read_bytes() == before
    # ...while an empty users/ directory (left by a bot that started once) counts as empty.
    empty = tmp_path / "empty"
    UserStore(empty)
    done = run_script("backup", "--restore", archive, "--data-dir", empty)
    assert done.returncode == 0, done.stderr
    assert "1 files restored" in done.stdout
    assert os.listdir(empty / "users") == ["1.json"]


def test_restore_refuses_a_tampered_archive(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = {"users/1.json": b'{"case":{"1":{"a":1}}}', "users/2.json": b'{"case":{"1":{"a":2}}}'}
    tampered = tmp_path / "tampered.tar.gz"
    make_archive(tampered, {**good, "users/2.json": b'{"case":{"1":{"a":666}}}'}, listed=good)
    extra = tmp_path / "extra.tar.gz"
    make_archive(extra, {**good, "users/3.json": b"{}"}, listed=good)
    target = tmp_path / "target"

    for archive in (tampered, extra):
        code, _, stderr = backup_in_process(capsys, "--restore", archive, "--data-dir", target)
        assert code == 2
        assert "tampered" in stderr
        assert not target.exists()  # verified before anything is written

    fine = tmp_path / "fine.tar.gz"
    make_archive(fine, good)
    assert backup_in_process(capsys, "--restore", fine, "--data-dir", target)[0] == 0
    assert (target / "users" / "2.json").read_bytes() == good["users/2.json"]


def test_restore_refuses_a_manifest_that_lists_one_file_twice_and_another_not_at_all(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = {"users/1.json": b'{"case":{"1":{"a":1}}}', "users/2.json": b'{"case":{"1":{"a":2}}}'}
    entry = json.dumps({"sha256": hashlib.sha256(files["users/1.json"]).hexdigest(), "size": 21})
    # Two entries for users/1.json, none for users/2.json: as many entries as files.
    manifest = f'{{"files": {{"users/1.json": {entry}, "users/1.json": {entry}}}, "format": 1}}'
    archive = tmp_path / "twice.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for name, raw in [*files.items(), ("MANIFEST.json", manifest.encode())]:
            info = tarfile.TarInfo(name)
            info.size = len(raw)
            tar.addfile(info, io.BytesIO(raw))
    target = tmp_path / "target"

    code, _, stderr = backup_in_process(capsys, "--restore", archive, "--data-dir", target)

    assert code == 2
    assert "tampered" in stderr
    assert not target.exists()


def test_a_backup_is_written_and_restored_as_a_stream(
    shared: DataDir, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The archive is a plain tar.gz (tar reads it) whose manifest is one JSON object, written
    a line per file as the files were archived, with the counts after them."""
    out = tmp_path / "backup.tar.gz"
    assert backup_in_process(capsys, "--data-dir", shared.path, "--out", out)[0] == 0
    with tarfile.open(out, "r:gz") as tar:
        names = tar.getnames()
        raw = tar.extractfile("MANIFEST.json").read().decode()  # type: ignore[union-attr]
    assert names[-1] == "MANIFEST.json" and len(names) == N_USERS + 3
    lines = raw.splitlines()
    assert lines[0] == '{"files": {' and len(lines) == N_USERS + 2 + 3
    assert json.loads(raw)["format"] == 1


@pytest.mark.parametrize(
    "name",
    ["../evil.json", "users/../../evil.json", "/tmp/evil.json", "users/sub/evil.json", "evil.sh"],
)
def test_restore_refuses_unsafe_member_paths(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = tmp_path / "evil.tar.gz"
    make_archive(archive, {"users/1.json": b"{}", name: b"{}"})  # the manifest lists both
    target = tmp_path / "a" / "target"

    code, _, stderr = backup_in_process(capsys, "--restore", archive, "--data-dir", target)

    assert code == 2
    assert "refused" in stderr
    assert not (tmp_path / "a").exists()
    assert not (tmp_path / "evil.json").exists()


def test_restore_refuses_links_and_archives_without_manifest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    link = tmp_path / "link.tar.gz"
    with tarfile.open(link, "w:gz") as tar:
        info = tarfile.TarInfo("users/1.json")
        info.type = tarfile.SYMTYPE
        info.linkname = "/etc/passwd"
        tar.addfile(info)
    bare = tmp_path / "bare.tar.gz"
    with tarfile.open(bare, "w:gz") as tar:
        info = tarfile.TarInfo("users/1.json")
        info.size = 2
        tar.addfile(info, io.BytesIO(b"{}"))
    garbage = tmp_path / "garbage.tar.gz"
    garbage.write_bytes(b"not a backup")

    for archive, reason in ((link, "not a regular file"), (bare, "no MANIFEST"), (garbage, "")):
        code, _, stderr = backup_in_process(
            capsys, "--restore", archive, "--data-dir", tmp_path / "t"
        )
        assert code == 2, archive
        assert reason in stderr
        assert not (tmp_path / "t").exists()


def test_backup_while_the_bot_keeps_writing_has_no_torn_files(tmp_path: Path) -> None:
    # Fewer users than elsewhere, so more backups fit in the second the writer runs.
    data = populate(tmp_path / "data", n=500)
    store = UserStore(data.path)
    busy = [key_for(i) for i in range(50)]  # rewritten over and over during the backups
    big = {"padding": "x" * 50_000, "answer": SECRET}  # large files widen any race window
    stop = threading.Event()
    saves = 0

    def keep_saving() -> None:
        nonlocal saves
        while not stop.is_set():
            for key in busy:
                store.save(key, {**big, "updated_at": datetime.now(UTC).isoformat(), "n": saves})
                saves += 1

    writer = threading.Thread(target=keep_saving)
    writer.start()
    archives = []
    try:
        started = time.monotonic()
        while time.monotonic() - started < 1.0 or len(archives) < 2:
            out = tmp_path / f"backup-{len(archives)}.tar.gz"
            done = run_script("backup", "--data-dir", data.path, "--out", out)
            assert done.returncode == 0, done.stderr
            assert "500 users, 1 corrupt" in done.stdout
            archives.append(out)
    finally:
        stop.set()
        writer.join()

    assert saves > len(busy)  # the writer really was busy during the backups
    for out in archives:
        archived = members(out)
        manifest = json.loads(archived.pop("MANIFEST.json"))
        assert manifest["corrupt"] == 1  # only the file that was corrupt from the start
        for name, raw in archived.items():
            if not name.startswith("corrupt/"):
                assert isinstance(json.loads(raw), dict), name
        assert not [name for name in archived if name.endswith(".tmp")]


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["--out", "x.tar.gz", "--restore", "y.tar.gz", "--data-dir", "d"],
        ["--restore", "y.tar.gz"],  # restore never guesses the data dir
        ["--out", "/no/such/dir/x.tar.gz"],
        ["--bogus"],
    ],
)
def test_backup_bad_arguments_exit_2(argv: list[str], tmp_path: Path) -> None:
    assert backup.main(argv) == 2


def test_backup_of_a_missing_data_dir_exits_2(tmp_path: Path) -> None:
    assert backup.main(["--data-dir", str(tmp_path / "nope"), "--out", str(tmp_path / "b")]) == 2
    assert not (tmp_path / "nope").exists()
    assert not (tmp_path / "b").exists()


# --- retention -------------------------------------------------------------------------------


def retention_args(data: DataDir, *extra: str) -> list[str]:
    return ["--days", str(DAYS), "--data-dir", str(data.path), "--now", NOW.isoformat(), *extra]


def expected_summary(data: DataDir, outcome: str) -> Callable[[str], None]:
    def check(output: str) -> None:
        inactive = len(data.keys_of(INACTIVE))
        assert f"{N_USERS + 1} users scanned" in output
        assert f"{inactive} inactive for more than {DAYS} days" in output
        assert outcome.format(inactive=inactive) in output
        assert f"{len(data.keys_of(REMINDER))} inactive but kept for a pending reminder" in output
        assert "1 unreadable" in output
        assert f"{len(data.keys_of(ACTIVE))} active" in output

    return check


def test_retention_dry_run_counts_and_deletes_nothing(
    shared: DataDir, capsys: pytest.CaptureFixture[str]
) -> None:
    before = {p.name: p.stat().st_mtime_ns for p in shared.users.iterdir()}

    code = retention.main(retention_args(shared))
    captured = capsys.readouterr()

    assert code == 0
    assert captured.out.count("\n") == 1
    expected_summary(shared, "{inactive} would be deleted (dry run")(captured.out)
    assert_private(captured.out + captured.err, [*shared.kinds, CORRUPT_KEY])
    assert {p.name: p.stat().st_mtime_ns for p in shared.users.iterdir()} == before


def test_retention_delete_removes_exactly_the_inactive_users(data: DataDir) -> None:
    assert len(data.keys_of(INACTIVE)) > 500  # a real mix, with and without updated_at
    done = run_script("retention", *retention_args(data, "--delete"))

    assert done.returncode == 0, done.stderr
    expected_summary(data, "{inactive} deleted, 0 kept (active again)")(done.stdout)
    assert_private(done.stdout + done.stderr, [*data.kinds, CORRUPT_KEY])
    kept = data.keys_of(ACTIVE) | data.keys_of(REMINDER) | {CORRUPT_KEY}
    assert set(UserStore(data.path).keys()) == kept
    assert (data.users / f"{CORRUPT_KEY}.json").read_bytes() == CORRUPT_BYTES
    # The deleted user's leftover temp file went with them; the active user's did not.
    assert [t.exists() for t in data.temp_files] == [True, False]

    again = retention.main(retention_args(data, "--delete"))
    assert again == 0
    assert set(UserStore(data.path).keys()) == kept


def test_retention_keeps_a_user_who_comes_back_during_the_scan(tmp_path: Path) -> None:
    data = populate(tmp_path / "data", n=20)
    store = UserStore(data.path)
    key = next(iter(data.keys_of(INACTIVE)))
    status, seen = retention.classify(store, key, NOW - timedelta(days=DAYS))
    assert status == retention.Status.INACTIVE

    store.save(key, record_for(1, NOW))  # the user writes again before the deletion

    assert retention.delete_if_unchanged(store, key, seen) is False
    assert store.load(key) is not None


def test_retention_uses_bot_data_dir_and_real_now_by_default(
    shared: DataDir, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BOT_DATA_DIR", str(shared.path))
    assert retention.main(["--days", "36500"]) == 0
    assert f"{N_USERS + 1} users scanned, 0 inactive" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["--days", "0"],
        ["--days", "-3"],
        ["--days", "thirty"],
        ["--days", "30", "--now", "yesterday"],
        ["--days", "30", "--data-dir", "/no/such/data/dir"],
        ["--days", "30", "--bogus"],
    ],
)
def test_retention_bad_arguments_exit_2(argv: list[str]) -> None:
    assert retention.main(argv) == 2


def test_retention_bad_arguments_exit_2_as_a_command(tmp_path: Path) -> None:
    done = run_script("retention", "--days", "0", "--data-dir", tmp_path)
    assert done.returncode == 2
    assert "at least 1" in done.stderr
