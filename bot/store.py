"""Per-user record storage: the only module in the project that knows TinyDB.

Every user's record is health information, so the storage is built around three
promises:

* **One file per user.** Each user has a single TinyDB database at
  ``<data_dir>/users/<key>.json``. Deleting a user means deleting one file, and
  one user's data can never leak into another user's reads.
* **Atomic, durable writes.** TinyDB's own ``JSONStorage`` rewrites the file in
  place, so a crash (or a full disk) half-way through a write leaves a file that
  TinyDB can no longer open, and the user's case is lost. ``AtomicJSONStorage``
  instead writes a private temporary file in the same directory, fsyncs it,
  ``os.replace``-s it onto the target and fsyncs the directory: after a crash
  the file holds either the old or the new record, never a mix. Leftover
  temporary files from a crash are removed by ``UserStore.cleanup_temp_files``.
* **Corruption is loud.** A file that cannot be parsed is never silently
  replaced by a fresh empty record (that would quietly throw away someone's
  case); ``load`` and ``save`` raise ``CorruptRecordError`` and leave the file
  alone for an operator to inspect.

Files are created 0o600 and directories 0o700, independently of the umask.
``MemoryStore`` is an in-memory twin with the same interface (and the same JSON
round trip) for tests and for the local terminal mode.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import re
import secrets
import stat
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from tinydb import TinyDB
from tinydb.storages import Storage

__all__ = [
    "AtomicJSONStorage",
    "CorruptRecordError",
    "DataDirLocked",
    "MemoryStore",
    "Store",
    "UserStore",
    "validate_key",
]

FILE_MODE = 0o600
DIR_MODE = 0o700
TEMP_SUFFIX = ".tmp"
TEMP_MAX_AGE = 600.0
"""Seconds after which a temporary file cannot belong to a write still in progress."""
LOCK_NAME = "bot.lock"
RECORD_SUFFIX = ".json"
TABLE_NAME = "case"
DOC_ID = 1

_KEY_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")


class CorruptRecordError(Exception):
    """A user's file exists but cannot be read as a record; it is left untouched."""

    def __init__(self, key: str, path: Path | str) -> None:
        super().__init__(key, str(path))
        self.key = key
        self.path = Path(path)

    def __str__(self) -> str:
        return f"record of user {self.key!r} at {self.path} is corrupt and was left untouched"


class _UnreadableDatabaseError(ValueError):
    """Raised by AtomicJSONStorage.read when the file is not a TinyDB JSON database."""


def validate_key(key: str) -> str:
    """Return ``key`` if it is 1..64 characters of ``[A-Za-z0-9_-]``, else raise ValueError."""
    if not isinstance(key, str) or _KEY_RE.fullmatch(key) is None:
        raise ValueError(f"invalid user key: {key!r}")
    return key


def _dumps(data: Any) -> str:
    # allow_nan=False: NaN/Infinity are not JSON and other tools could not read the file.
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def _serialise_record(record: dict[str, Any]) -> str:
    """Return ``record`` as JSON text (TypeError if it is not a JSON-able dict)."""
    return _dumps(_check_record(record))


def _check_record(record: dict[str, Any]) -> dict[str, Any]:
    """Return ``record`` if it is a dict (TypeError otherwise; JSON-ability is checked on write)."""
    if not isinstance(record, dict):
        raise TypeError(f"record must be a dict, not {type(record).__name__}")
    return record


def _make_private_dirs(path: Path) -> None:
    """Create ``path`` and any missing parents, each with mode 0o700 regardless of the umask."""
    missing: list[Path] = []
    current = path
    while not current.exists() and current.parent != current:
        missing.append(current)
        current = current.parent
    # One level at a time (rather than one os.makedirs call) so each new directory is
    # chmod-ed before its child is created: the umask only ever removes bits from `mode`.
    for directory in reversed(missing):
        try:
            os.makedirs(directory, mode=DIR_MODE)
        except FileExistsError:
            continue  # created concurrently by someone else; leave its mode alone
        os.chmod(directory, DIR_MODE)


def _fsync_dir(path: Path) -> None:
    """Flush a directory entry change (create/rename/unlink) to disk."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def temp_path_for(path: Path) -> Path:
    """A fresh temporary name for one write of ``path``: ``.<name>.<random>.tmp`` beside it, so
    that two writes (even from two processes) never share one."""
    return path.with_name(f".{path.name}.{secrets.token_hex(8)}{TEMP_SUFFIX}")


def _temp_files_of(path: Path) -> Iterator[Path]:
    """The temporary files of writes of ``path`` (leftovers, or writes in progress)."""
    prefix = f".{path.name}."
    with contextlib.suppress(FileNotFoundError), os.scandir(path.parent) as entries:
        for entry in entries:
            if entry.name.startswith(prefix) and entry.name.endswith(TEMP_SUFFIX):
                yield Path(entry.path)


def _reject_constant(name: str) -> Any:
    """NaN and Infinity are not JSON: a file holding them is not one of ours."""
    raise ValueError(f"{name} is not allowed")


def write_atomically(path: Path, payload: bytes, *, create_dirs: bool = True) -> None:
    """Put ``payload`` at ``path`` (mode 0600) all at once: written to a fsynced temporary file
    of its own, renamed over the target, the directory fsynced. After a crash the file holds
    the old content or the new, never a mix."""
    directory = path.parent
    if create_dirs:
        _make_private_dirs(directory)
    tmp = temp_path_for(path)
    # A name of its own, created exclusively: no other write (of this process or another)
    # can share it, and nothing planted there (a link) is followed.
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    fd = os.open(tmp, flags, FILE_MODE)
    try:
        with open(fd, "wb") as handle:
            # The umask may have removed bits from FILE_MODE; set it exactly.
            os.fchmod(handle.fileno(), FILE_MODE)
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_dir(directory)


class AtomicJSONStorage(Storage):
    """TinyDB storage that replaces the whole file atomically on every write."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        create_dirs: bool = True,
        empty_is_missing: bool = False,
    ) -> None:
        """Use the JSON file at ``path``; nothing is created until the first write.

        A zero-byte file is unreadable (no write of ours leaves one), unless
        ``empty_is_missing``."""
        super().__init__()
        self.path = Path(path)
        self.create_dirs = create_dirs
        self.empty_is_missing = empty_is_missing

    def read(self) -> dict[str, dict[str, Any]] | None:
        """Return the parsed database, or None if there is no file.

        A link, a directory or anything but a regular file where the file should be, an empty
        file, NaN, JSON nested too deeply to parse: all unreadable, never followed or replaced.
        Other OS errors (permissions, I/O) are raised as they are.
        """
        flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
        try:
            fd = os.open(self.path, flags)
        except FileNotFoundError:
            return None
        except OSError as exc:
            if exc.errno == errno.ELOOP:  # a symbolic link
                raise _UnreadableDatabaseError(f"{self.path}: a link") from exc
            raise
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise _UnreadableDatabaseError(f"{self.path}: not a regular file")
        with open(fd, "rb") as handle:
            raw = handle.read()
        if not raw:
            if self.empty_is_missing:
                return None
            raise _UnreadableDatabaseError(f"{self.path}: empty")
        try:
            data = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
        except (ValueError, RecursionError) as exc:  # also JSONDecodeError, UnicodeDecodeError
            raise _UnreadableDatabaseError(f"{self.path}: {exc}") from exc
        # Check the shape TinyDB relies on, so a wrong-but-valid JSON file is reported as
        # corrupt instead of failing somewhere inside TinyDB.
        if not isinstance(data, dict) or not all(
            isinstance(table, dict) and all(isinstance(doc, dict) for doc in table.values())
            for table in data.values()
        ):
            raise _UnreadableDatabaseError(f"{self.path}: not a TinyDB database")
        return data

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        """Write ``data`` to a fsynced temp file, then atomically replace the target with it."""
        # Serialise first: a non-JSON-able value must fail before anything touches the disk.
        write_atomically(self.path, _dumps(data).encode("utf-8"), create_dirs=self.create_dirs)

    def close(self) -> None:
        """Nothing to release: no file handle is kept open between operations."""


@runtime_checkable
class Store(Protocol):
    """The record store interface the app uses (UserStore on disk, MemoryStore in tests)."""

    def load(self, key: str) -> dict[str, Any] | None:
        """Return the user's record, or None if they have none."""
        ...

    def save(self, key: str, record: dict[str, Any]) -> None:
        """Store ``record`` as the user's record, replacing any previous one."""
        ...

    def update(
        self, key: str, change: Callable[[dict[str, Any] | None], dict[str, Any] | None]
    ) -> dict[str, Any] | None:
        """Load the user's record, apply ``change`` and save what it returns, with no other
        change of that user's record in between; None from ``change`` writes nothing.
        Returns the record as it is afterwards."""
        ...

    def delete(self, key: str) -> bool:
        """Remove the user's record; True if something was deleted."""
        ...

    def keys(self) -> Iterator[str]:
        """Iterate over the keys of all users that have a record."""
        ...

    def cleanup_temp_files(self) -> int:
        """Remove leftovers of interrupted writes; return how many were removed."""
        ...


LOCK_STRIPES = 64


class UserStore:
    """One atomically written TinyDB file per user under ``<data_dir>/users/``."""

    def __init__(self, data_dir: str | os.PathLike[str]) -> None:
        """Use ``data_dir`` (created 0o700 if missing); temp files are NOT cleaned here."""
        self.data_dir = Path(data_dir)
        self.users_dir = self.data_dir / "users"
        _make_private_dirs(self.data_dir)
        _make_private_dirs(self.users_dir)
        # The users directory is ours alone; tighten it even if it already existed.
        os.chmod(self.users_dir, DIR_MODE)
        # Serialises one user's read-modify-write (save, delete) within this process; other
        # users' saves go on in parallel. Striped, so memory stays flat however many users.
        self._locks = [threading.Lock() for _ in range(LOCK_STRIPES)]

    def path_for(self, key: str) -> Path:
        """Return the file that holds the record of ``key`` (ValueError for invalid keys)."""
        return self.users_dir / f"{validate_key(key)}{RECORD_SUFFIX}"

    def load(self, key: str) -> dict[str, Any] | None:
        """Return the user's record, or None; raise CorruptRecordError for an unreadable file
        (OSError for a file the system will not let us read)."""
        path = self.path_for(key)
        try:
            with TinyDB(path, storage=AtomicJSONStorage) as db:
                document = db.table(TABLE_NAME).get(doc_id=DOC_ID)
        except _UnreadableDatabaseError as exc:
            raise CorruptRecordError(key, path) from exc
        if document is None:
            return None
        return dict(document)

    def save(self, key: str, record: dict[str, Any]) -> None:
        """Replace the user's record; it is on disk (fsynced) when this returns."""
        _check_record(record)
        self.update(key, lambda _: record)

    def update(
        self, key: str, change: Callable[[dict[str, Any] | None], dict[str, Any] | None]
    ) -> dict[str, Any] | None:
        """Load, change and save the user's record under the user's lock (see Store)."""
        path = self.path_for(key)
        storage = AtomicJSONStorage(path)
        with self._locks[hash(key) % LOCK_STRIPES]:
            # What TinyDB's Table.update would write, with one read of the file instead of
            # its two (contains, then update): the case table is replaced, other tables are
            # kept, and a file that is not a TinyDB database is reported, never overwritten.
            try:
                database = storage.read() or {}
            except _UnreadableDatabaseError as exc:
                raise CorruptRecordError(key, path) from exc
            document = database.get(TABLE_NAME, {}).get(str(DOC_ID))
            before = None if document is None else dict(document)
            record = change(before)
            if record is None:
                return before
            database[TABLE_NAME] = {str(DOC_ID): _check_record(record)}
            storage.write(database)
            return record

    def delete(self, key: str) -> bool:
        """Remove the user's file and any temp file of theirs; True if anything was removed."""
        path = self.path_for(key)
        with self._locks[hash(key) % LOCK_STRIPES]:
            removed = self._unlink_quietly(path)
            for temp in list(_temp_files_of(path)):
                removed |= self._unlink_quietly(temp)
            if removed:
                _fsync_dir(self.users_dir)
        return removed

    def keys(self) -> Iterator[str]:
        """Yield the keys of all users that have a file, without opening any file."""
        for entry in self._scan():
            name = entry.name
            if not name.endswith(RECORD_SUFFIX) or not entry.is_file(follow_symlinks=False):
                continue
            key = name[: -len(RECORD_SUFFIX)]
            if _KEY_RE.fullmatch(key):
                yield key

    def cleanup_temp_files(
        self, older_than: float = TEMP_MAX_AGE, *, before: float | None = None
    ) -> int:
        """Remove ``.*.tmp`` leftovers of crashed writes older than ``older_than`` seconds, or
        made ``before`` a time (so that a write in progress keeps its file); return how many
        were removed.

        The bot runs it beside its start-up with `before` the moment it started, holding the
        data directory's lock: every older temporary file is a crashed write's, and its own
        writes keep theirs; it scans the whole users directory, so start-up does not wait."""
        removed = 0
        oldest = before if before is not None else time.time() - older_than
        for entry in self._scan():
            if (
                entry.name.startswith(".")
                and entry.name.endswith(TEMP_SUFFIX)
                and not entry.is_dir(follow_symlinks=False)
                and (
                    (older_than <= 0 and before is None)
                    or entry.stat(follow_symlinks=False).st_mtime < oldest
                )
            ):
                removed += self._unlink_quietly(entry.path)
        if removed:
            _fsync_dir(self.users_dir)
        return removed

    def _scan(self) -> Iterator[os.DirEntry[str]]:
        """Yield the entries of the users directory (nothing if it has vanished)."""
        try:
            with os.scandir(self.users_dir) as entries:
                yield from entries
        except FileNotFoundError:
            return

    @staticmethod
    def _unlink_quietly(path: str) -> bool:
        """Remove ``path``; False if it was already gone."""
        try:
            os.unlink(path)
        except FileNotFoundError:
            return False
        return True


class MemoryStore:
    """In-memory twin of UserStore: same interface, same key rules, JSON round-tripped copies."""

    def __init__(self) -> None:
        """Start empty."""
        # Records are kept serialised, so every load returns a fresh deep copy.
        self._records: dict[str, str] = {}
        self._lock = threading.Lock()

    def load(self, key: str) -> dict[str, Any] | None:
        """Return a copy of the user's record, or None if they have none."""
        text = self._records.get(validate_key(key))
        return None if text is None else json.loads(text)

    def save(self, key: str, record: dict[str, Any]) -> None:
        """Store a copy of ``record`` (TypeError if it is not JSON-able)."""
        validate_key(key)
        text = _serialise_record(record)
        with self._lock:
            self._records[key] = text

    def update(
        self, key: str, change: Callable[[dict[str, Any] | None], dict[str, Any] | None]
    ) -> dict[str, Any] | None:
        """Change the user's record under the store's lock (see Store)."""
        validate_key(key)
        with self._lock:
            text = self._records.get(key)
            before = None if text is None else json.loads(text)
            record = change(before)
            if record is None:
                return before
            self._records[key] = _serialise_record(record)
            return json.loads(self._records[key])

    def delete(self, key: str) -> bool:
        """Forget the user's record; True if there was one."""
        with self._lock:
            return self._records.pop(validate_key(key), None) is not None

    def keys(self) -> Iterator[str]:
        """Yield the keys of all stored users."""
        with self._lock:
            snapshot = list(self._records)
        yield from snapshot

    def cleanup_temp_files(self, older_than: float = TEMP_MAX_AGE) -> int:
        """Nothing to clean up in memory; always 0."""
        return 0


CLAIM_LEASE = 300.0
"""Seconds a user whose reminders were claimed is left to the delivery under way."""


class ReminderIndex:
    """Which users have reminders due on which days, in one small atomically written file.

    The bot looks here for the reminders due (`claim_due`), so it never reads every user's
    file. The users' own files stay the truth: a stale entry only makes the bot look and find
    nothing due.
    """

    def __init__(self, data_dir: str | os.PathLike[str]) -> None:
        _make_private_dirs(Path(data_dir))
        self._storage = AtomicJSONStorage(Path(data_dir) / "reminders.json", empty_is_missing=True)
        self._lock = threading.Lock()
        self._claimed: dict[str, float] = {}
        """The users whose reminders are being delivered, until when (monotonic seconds)."""

    def set(self, key: str, days: list[str]) -> None:
        """Record the days (ISO dates) on which `key` has reminders due; [] forgets them."""
        validate_key(key)
        with self._lock:
            index = self._read()
            if index.get(key, []) == days:
                return
            if days:
                index[key] = days
            else:
                index.pop(key, None)
            self._storage.write({"due": {"1": index}})  # one TinyDB document

    def items(self) -> list[tuple[str, list[str]]]:
        """(key, days) for every user with reminders."""
        with self._lock:
            return list(self._read().items())

    def claim_due(self, through: date) -> list[str]:
        """The users with a reminder due on or before `through` whose delivery is not under
        way, each left to the caller for `CLAIM_LEASE` seconds: the delivery makes the index
        forget the days delivered (`set`); one that failed is tried again after the lease."""
        last = through.isoformat()
        now = time.monotonic()
        with self._lock:
            self._claimed = {key: until for key, until in self._claimed.items() if until > now}
            due = [
                key
                for key, days in self._read().items()
                if key not in self._claimed and any(day <= last for day in days)
            ]
            self._claimed.update(dict.fromkeys(due, now + CLAIM_LEASE))
        return due

    def _read(self) -> dict[str, list[str]]:
        return dict((self._storage.read() or {}).get("due", {}).get("1", {}))


class DataDirLocked(Exception):
    """Another process holds the data directory."""

    def __init__(self, data_dir: Path, pid: str) -> None:
        super().__init__(str(data_dir), pid)
        self.data_dir = data_dir
        self.pid = pid


class DataDirLock:
    """One process per data directory: an exclusive lock on ``<data_dir>/bot.lock``, held for
    as long as the process runs (the system releases it however the process ends)."""

    def __init__(self, data_dir: str | os.PathLike[str]) -> None:
        self.data_dir = Path(data_dir)
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock, writing this process's id in the file; DataDirLocked if taken."""
        _make_private_dirs(self.data_dir)
        flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
        fd = os.open(self.data_dir / LOCK_NAME, flags, FILE_MODE)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            raise DataDirLocked(self.data_dir, holder) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing releases the lock
            self._fd = None
