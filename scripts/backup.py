"""Back up the bot's data directory while the bot runs, and restore such a backup.

Usage:
    python scripts/backup.py --out BACKUP.tar.gz [--data-dir DIR]
    python scripts/backup.py --restore BACKUP.tar.gz --data-dir DIR

DIR defaults to $BOT_DATA_DIR, or ./data.

Backup is consistent while the bot runs: the bot replaces every user file atomically, so reading
a file once (open, read all bytes) gives its old or its new version, never a mix. In-flight
temporary files (``.*.tmp``) are skipped. Each file is checked to be a TinyDB JSON database; one
that is not (corrupt) is still kept, raw, under ``corrupt/`` in the archive, reported on stderr by
its path and counted, so nothing is lost. Files are processed one at a time, and memory stays
flat however many there are: the archive is written member by member (``tarfile.TarFile`` keeps
every member it wrote) and the manifest goes to a temporary file as it grows. The archive is
written to a temporary file next to BACKUP.tar.gz, fsynced and renamed into place (a half-written
backup never looks complete), with mode 0600. Members are ``users/<key>.json``, other top-level
``*.json`` files of the data directory (``reminders.json``), ``corrupt/...`` and, last,
``MANIFEST.json`` (the sha256 and size of every file, created_at, counts).

One summary line is printed: users, corrupt files, unreadable files, bytes, seconds. Answers are
never printed. Exit status: 0 success (corrupt files included), 1 a file could not be read (the
archive is still written, and the summary says it is INCOMPLETE) or the archive could not be
written, 2 bad arguments.

Restore writes into an EMPTY or non-existent data directory only (an empty ``users/``
directory, as left by a bot that started once, counts as empty); stop the bot first. The whole
archive is verified before anything is written: only regular files with the expected names
(no absolute paths, no ``..``), exactly the files listed in the manifest, each with its sha256.
It too runs in flat memory: the archive is read as a stream, each file's sha256 is kept in a
temporary SQLite database, and the manifest is read with ijson, entry by entry.
Files are restored with mode 0600 in directories of mode 0700, with their original mtime;
corrupt files go back where they were. Exit status: 0 restored, 2 refused (bad arguments,
non-empty directory, unsafe or tampered archive; nothing was written), 1 failed while writing.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import hashlib
import io
import json
import os
import re
import secrets
import shutil
import sqlite3
import stat
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import ijson

from bot.store import UserStore

MANIFEST = "MANIFEST.json"
MANIFEST_FORMAT = 1
CORRUPT_PREFIX = "corrupt/"
FILE_MODE = 0o600
DIR_MODE = 0o700
CHUNK = 1 << 16
MAX_MANIFEST_BYTES = 16 << 30
"""About 130 bytes a file: room for a hundred million files; a larger one is not ours."""
BLOCK = tarfile.BLOCKSIZE
RECORD = tarfile.RECORDSIZE

_USER_MEMBER = r"users/[A-Za-z0-9_-]{1,64}\.json"
_TOP_MEMBER = r"[A-Za-z0-9_-][A-Za-z0-9_.-]{0,100}\.json"
# Every data member an archive may hold; anything else (absolute paths, "..", other names) is
# refused by restore before anything is written.
_DATA_MEMBER_RE = re.compile(rf"(?:corrupt/)?(?:{_USER_MEMBER}|{_TOP_MEMBER})")


class Refused(Exception):
    """The request cannot be carried out safely; nothing has been written."""


# --- backup --------------------------------------------------------------------------------


@dataclass
class BackupResult:
    """What a backup did: counts only, never content."""

    users: int = 0
    other_files: int = 0
    corrupt: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    vanished: int = 0


def default_data_dir() -> Path:
    """$BOT_DATA_DIR, or ./data (as the bot itself)."""
    return Path(os.environ.get("BOT_DATA_DIR", "").strip() or "data")


def is_database(raw: bytes) -> bool:
    """True if ``raw`` is what the store can read: empty, or a TinyDB JSON database."""
    if not raw:
        return True  # the store reads an empty file as "no record"
    try:
        data = json.loads(raw.decode("utf-8"))
    except ValueError:  # JSONDecodeError and UnicodeDecodeError
        return False
    return isinstance(data, dict) and all(
        isinstance(table, dict) and all(isinstance(doc, dict) for doc in table.values())
        for table in data.values()
    )


def read_once(path: Path) -> tuple[bytes, float]:
    """Return the whole content and mtime of ``path``, read through one open file.

    The file is replaced atomically by the bot, so one open file is one complete version.
    Symbolic links are not followed (OSError).
    """
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    with open(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise OSError(f"{path.name} is not a regular file")
        return handle.read(), info.st_mtime


def source_files(data_dir: Path) -> Iterator[tuple[str, Path, bool]]:
    """Yield (member name, path, is a user file) for each file to back up, one at a time."""
    users_dir = data_dir / "users"
    if users_dir.is_dir():
        store = UserStore(data_dir)
        keys = store.keys()  # streamed; skips .*.tmp files: only valid "<key>.json" names
        for key in keys:
            yield f"users/{key}.json", store.path_for(key), True
    with os.scandir(data_dir) as entries:
        for entry in entries:
            if re.fullmatch(_TOP_MEMBER, entry.name) and entry.is_file(follow_symlinks=False):
                yield entry.name, Path(entry.path), False


class TarStream:
    """A gzipped tar archive written member by member, in flat memory (``tarfile.TarFile``
    keeps the header of every member it wrote, which at a million users is most of a
    gigabyte). Regular files only, in the ustar format ``tarfile`` reads back."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.out = gzip.GzipFile(fileobj=handle, mode="wb", compresslevel=6, mtime=0)
        self.written = 0

    def add(self, name: str, source: IO[bytes], size: int, mtime: float) -> None:
        """Append ``size`` bytes of ``source`` as the regular file ``name`` (0600, no owner)."""
        info = tarfile.TarInfo(name)
        info.size = size
        info.mode = FILE_MODE
        info.mtime = int(mtime)
        info.type = tarfile.REGTYPE
        self._write(info.tobuf(tarfile.USTAR_FORMAT, "utf-8", "surrogateescape"))
        copied = 0
        while copied < size and (chunk := source.read(min(CHUNK, size - copied))):
            self._write(chunk)
            copied += len(chunk)
        if copied != size:
            raise OSError(f"{name} ended after {copied} of {size} bytes")
        self._pad(BLOCK)

    def close(self) -> None:
        """End the archive: two empty blocks, up to a whole record, as tar does."""
        self._write(bytes(2 * BLOCK))
        self._pad(RECORD)
        self.out.close()

    def _write(self, data: bytes) -> None:
        self.out.write(data)
        self.written += len(data)

    def _pad(self, size: int) -> None:
        self._write(bytes(-self.written % size))


class ManifestFile:
    """MANIFEST.json written to a temporary file as the files are archived: one line per file,
    then the counts, so that it never has to be held in memory. It is one JSON object
    (``{"files": {...}, "format": 1, "created_at": ..., "users": ...}``)."""

    def __init__(self, file: IO[bytes]) -> None:
        self.file = file
        self.count = 0
        self.file.write(b'{"files": {')

    def add(self, name: str, raw: bytes) -> None:
        entry = {"sha256": hashlib.sha256(raw).hexdigest(), "size": len(raw)}
        line = f"{',' if self.count else ''}\n{json.dumps(name)}: {json.dumps(entry)}"
        self.file.write(line.encode("utf-8"))
        self.count += 1

    def finish(self, result: BackupResult) -> int:
        """Close the object with the counts; its size, ready to be read from the start."""
        counts = {
            "format": MANIFEST_FORMAT,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "users": result.users,
            "corrupt": len(result.corrupt),
            "other_files": result.other_files,
        }
        self.file.write(f"\n}},\n{json.dumps(counts)[1:]}\n".encode())
        size = self.file.tell()
        self.file.seek(0)
        return size


def archive_data_dir(tar: TarStream, data_dir: Path, scratch: Path) -> BackupResult:
    """Add every file of ``data_dir`` to ``tar``, then the manifest; return the counts."""
    result = BackupResult()
    with tempfile.TemporaryFile(dir=scratch) as file:
        manifest = ManifestFile(file)
        for name, path, is_user in source_files(data_dir):
            try:
                raw, mtime = read_once(path)
            except FileNotFoundError:
                result.vanished += 1  # deleted (e.g. /reset, retention) since it was listed
                continue
            except OSError as exc:
                result.unreadable.append(name)
                print(f"backup: cannot read {name}: {exc.strerror or exc}", file=sys.stderr)
                continue
            member = name
            if not is_database(raw):
                member = CORRUPT_PREFIX + name
                result.corrupt.append(name)
                print(
                    f"backup: {name} is corrupt (not a TinyDB JSON database); kept raw as {member}",
                    file=sys.stderr,
                )
            elif is_user:
                result.users += 1
            else:
                result.other_files += 1
            tar.add(member, io.BytesIO(raw), len(raw), mtime)
            manifest.add(member, raw)
        size = manifest.finish(result)
        tar.add(MANIFEST, file, size, time.time())
    return result


def fsync_dir(path: Path) -> None:
    """Flush a directory entry change (create/rename) to disk."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_backup(data_dir: Path, out: Path) -> BackupResult:
    """Write the archive of ``data_dir`` to a temp file next to ``out``, then rename it."""
    tmp = out.parent / f".{out.name}.{secrets.token_hex(8)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, FILE_MODE)
    try:
        with open(fd, "wb") as handle:
            os.fchmod(handle.fileno(), FILE_MODE)  # exactly 0600, whatever the umask
            tar = TarStream(handle)
            result = archive_data_dir(tar, data_dir, out.parent)
            tar.close()
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, out)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    fsync_dir(out.parent)
    return result


def plural(count: int, noun: str) -> str:
    """'1 other file', '2 other files'."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def backup(data_dir: Path, out: Path) -> int:
    """Run a backup and print its summary line; return the exit status."""
    if not data_dir.is_dir():
        print(f"backup: no data directory at {data_dir}", file=sys.stderr)
        return 2
    if out.is_dir() or not out.parent.is_dir():
        print(f"backup: --out must be a file in an existing directory: {out}", file=sys.stderr)
        return 2
    started = time.monotonic()
    try:
        result = write_backup(data_dir, out)
    except OSError as exc:
        print(f"backup: FAILED, no backup written: {exc}", file=sys.stderr)
        return 1
    seconds = time.monotonic() - started
    incomplete = " - INCOMPLETE, see the errors above" if result.unreadable else ""
    print(
        f"backup: {result.users} users, {len(result.corrupt)} corrupt (kept raw under corrupt/), "
        f"{len(result.unreadable)} unreadable, {plural(result.other_files, 'other file')}, "
        f"{result.vanished} deleted during backup, {out.stat().st_size} bytes, "
        f"{seconds:.2f} s -> {out}{incomplete}"
    )
    return 1 if result.unreadable else 0


# --- restore -------------------------------------------------------------------------------


def check_member(member: tarfile.TarInfo) -> None:
    """Refuse a member that is not a regular file with an expected, relative name."""
    name = member.name
    if name.startswith("/") or "\\" in name or ".." in name.split("/"):
        raise Refused(f"archive member {name!r} has an unsafe path (absolute or '..')")
    if not member.isreg():
        raise Refused(f"archive member {name!r} is not a regular file")
    if name != MANIFEST and not _DATA_MEMBER_RE.fullmatch(name):
        raise Refused(f"archive member {name!r} is not a file a backup contains")


def destination(name: str) -> str:
    """Where a data member goes, relative to the data dir (corrupt files go back as they were)."""
    return name.removeprefix(CORRUPT_PREFIX)


class _Content:
    """One member's content in the archive's stream: ``size`` bytes, read at most once."""

    def __init__(self, stream: IO[bytes], size: int) -> None:
        self.stream = stream
        self.left = size

    def read(self, size: int = -1) -> bytes:
        wanted = self.left if size < 0 else min(size, self.left)
        data = self.stream.read(wanted) if wanted else b""
        if len(data) < wanted:
            raise EOFError("the archive ends in the middle of a file")
        self.left -= len(data)
        return data


def read_members(archive: Path) -> Iterator[tuple[tarfile.TarInfo, _Content]]:
    """Each member of a gzipped tar archive with its content, read as a stream in flat memory
    (``tarfile`` keeps every member it read). Content not read is skipped."""
    with gzip.open(archive, "rb") as stream:
        while True:
            header = stream.read(BLOCK)
            if header == bytes(BLOCK) or not header:
                return  # the end of the archive
            if len(header) < BLOCK:
                raise EOFError("the archive ends in the middle of a header")
            info = tarfile.TarInfo.frombuf(header, "utf-8", "surrogateescape")
            content = _Content(stream, info.size)
            yield info, content
            while content.read(CHUNK):
                pass
            stream.read(-info.size % BLOCK)


def hash_stream(source: _Content) -> str:
    """sha256 of a member's content, read in chunks."""
    digest = hashlib.sha256()
    while chunk := source.read(CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def verify_archive(archive: Path, scratch: Path) -> sqlite3.Connection:
    """Check every member of ``archive`` against its manifest, before anything is written.

    Each data file's sha256 goes to a SQLite database in ``scratch`` (returned: the restore
    checks each file against it again as it writes it), the manifest to a file there, read
    with ijson one entry at a time: memory stays flat whatever the archive's size.
    """
    db = sqlite3.connect(scratch / "verified.sqlite")
    try:
        _verify_into(db, archive, scratch)
    except BaseException:
        db.close()
        raise
    return db


def _verify_into(db: sqlite3.Connection, archive: Path, scratch: Path) -> None:
    db.execute(
        "CREATE TABLE member (name TEXT PRIMARY KEY, destination TEXT NOT NULL UNIQUE,"
        " sha256 TEXT NOT NULL, listed INTEGER NOT NULL DEFAULT 0)"
    )
    manifest = scratch / MANIFEST
    for info, content in read_members(archive):
        check_member(info)
        if info.name == MANIFEST:
            if manifest.exists():
                raise Refused("the archive holds two manifests")
            if info.size > MAX_MANIFEST_BYTES:
                raise Refused("the manifest is implausibly large")
            with open(manifest, "wb") as copy:
                shutil.copyfileobj(content, copy, CHUNK)
            continue
        try:
            db.execute(
                "INSERT INTO member (name, destination, sha256) VALUES (?, ?, ?)",
                (info.name, destination(info.name), hash_stream(content)),
            )
        except sqlite3.IntegrityError as exc:
            raise Refused(f"the archive holds {destination(info.name)!r} twice") from exc
    if not manifest.exists():
        raise Refused(f"the archive has no {MANIFEST}; is it a backup made by this script?")
    check_manifest(manifest, db)


def check_manifest(manifest: Path, db: sqlite3.Connection) -> None:
    """Every file the manifest lists is in the archive with its sha256, and no other."""
    differ = Refused("the archive's files differ from those its manifest lists (tampered?)")
    try:
        with open(manifest, "rb") as source:
            formats = list(ijson.items(source, "format"))
            if formats != [MANIFEST_FORMAT]:
                raise Refused(f"unknown manifest format {(formats or [None])[0]!r}")
            source.seek(0)
            for name, entry in ijson.kvitems(source, "files"):
                digest = entry.get("sha256") if isinstance(entry, dict) else None
                if not isinstance(digest, str):
                    raise Refused("the manifest is malformed")
                row = db.execute(
                    "SELECT sha256, listed FROM member WHERE name = ?", (name,)
                ).fetchone()
                if row is None or row[1]:
                    raise differ
                if row[0] != digest:
                    raise Refused(f"{name} does not match its sha256 in the manifest (tampered?)")
                db.execute("UPDATE member SET listed = 1 WHERE name = ?", (name,))
    except ijson.JSONError as exc:
        raise Refused("the manifest is malformed") from exc
    if db.execute("SELECT COUNT(*) FROM member WHERE listed = 0").fetchone()[0]:
        raise differ


def is_empty_data_dir(data_dir: Path) -> bool:
    """True if ``data_dir`` is missing, or holds nothing but an empty ``users`` directory."""
    if not data_dir.exists():
        return True
    if not data_dir.is_dir():
        return False
    entries = os.listdir(data_dir)
    if not entries:
        return True
    users = data_dir / "users"
    return (
        entries == ["users"] and users.is_dir() and not users.is_symlink() and not os.listdir(users)
    )


def write_member(source: _Content, member: tarfile.TarInfo, target: Path, digest: str) -> None:
    """Create ``target`` (0600) with a member's content, checking its sha256 again.

    The data dir was empty, so the file is created exclusively, without a temp file (a failed
    restore is reported as such anyway). Not fsynced here: restore_files syncs once at the end.
    """
    check = hashlib.sha256()
    fd = os.open(
        target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, FILE_MODE
    )
    try:
        with open(fd, "wb") as handle:
            os.fchmod(handle.fileno(), FILE_MODE)  # exactly 0600, whatever the umask
            while chunk := source.read(CHUNK):
                check.update(chunk)
                handle.write(chunk)
            handle.flush()  # before utime, or the last write would set the mtime again
            os.utime(handle.fileno(), (member.mtime, member.mtime))
        if check.hexdigest() != digest:
            raise OSError(f"{member.name} changed since it was verified")
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(target)
        raise


def restore_files(archive: Path, data_dir: Path, verified: sqlite3.Connection) -> None:
    """Write the (verified) archive's files into the empty ``data_dir``."""
    UserStore(data_dir)  # creates data_dir and users/ with mode 0700
    os.chmod(data_dir, DIR_MODE)  # it is empty and about to hold health information
    for member, content in read_members(archive):
        check_member(member)  # again: the archive could have been swapped since verified
        if member.name == MANIFEST:
            continue
        row = verified.execute("SELECT sha256 FROM member WHERE name = ?", (member.name,))
        digest = (row.fetchone() or ("",))[0]
        write_member(content, member, data_dir / destination(member.name), digest)
    # One sync for everything instead of an fsync per file (thousands of them would take
    # seconds); the restore is not reported done before its files are on disk.
    os.sync()


def restore(archive: Path, data_dir: Path) -> int:
    """Verify ``archive`` and restore it into the empty ``data_dir``; return the exit status."""
    if not archive.is_file():
        print(f"restore: no backup at {archive}", file=sys.stderr)
        return 2
    if not is_empty_data_dir(data_dir):
        print(
            f"restore: refused, {data_dir} is not empty (stop the bot, use an empty dir)",
            file=sys.stderr,
        )
        return 2
    # The verification's notes ($TMPDIR): about 300 bytes a file, removed at the end.
    with tempfile.TemporaryDirectory(prefix="restore-") as scratch:
        try:
            verified = verify_archive(archive, Path(scratch))
        except Refused as exc:
            print(f"restore: refused, nothing written: {exc}", file=sys.stderr)
            return 2
        except (OSError, tarfile.TarError, EOFError) as exc:
            print(
                f"restore: refused, nothing written: cannot read {archive}: {exc}",
                file=sys.stderr,
            )
            return 2
        with contextlib.closing(verified):
            count = verified.execute("SELECT COUNT(*) FROM member").fetchone()[0]
            try:
                restore_files(archive, data_dir, verified)
            except (OSError, tarfile.TarError, EOFError, Refused) as exc:
                print(
                    f"restore: FAILED part-way ({exc}); remove {data_dir} and retry",
                    file=sys.stderr,
                )
                return 1
    print(f"restore: {count} files restored into {data_dir}, all sha256 verified")
    return 0


# --- command line --------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Parse the command line (SystemExit(2) on bad arguments)."""
    parser = argparse.ArgumentParser(
        prog="backup.py", description="Back up or restore the bot's data directory."
    )
    parser.add_argument(
        "--data-dir", type=Path, default=None, help="data directory ($BOT_DATA_DIR or ./data)"
    )
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--out", type=Path, help="write a backup to this .tar.gz file")
    action.add_argument("--restore", type=Path, metavar="BACKUP", help="restore this backup")
    args = parser.parse_args(argv)
    if args.restore is not None and args.data_dir is None:
        parser.error("--restore needs an explicit --data-dir")
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    try:
        args = parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 2
    if args.restore is not None:
        return restore(args.restore, args.data_dir)
    return backup(args.data_dir or default_data_dir(), args.out)


if __name__ == "__main__":
    sys.exit(main())
