"""Find, and optionally delete, users who have been inactive for more than N days.

Usage:
    python scripts/retention.py --days N [--data-dir DIR]            dry run: counts only
    python scripts/retention.py --days N [--data-dir DIR] --delete   delete the inactive users
    python scripts/retention.py --days N --now 2026-11-26T12:00:00+00:00   (for tests)

DIR defaults to $BOT_DATA_DIR, or ./data. A user is inactive when their record's ``updated_at``
is more than N days before now (UTC); a record without a readable ``updated_at`` falls back to
its file's modification time. A user with a reminder still to be sent is kept (the bot has
promised them a message), and counted as such. Keys are streamed and one record is loaded at a
time.

Nothing is deleted without ``--delete``. Deleting goes through ``UserStore.delete``, which also
removes the user's leftover temporary files. Unreadable or corrupt files are counted and never
deleted. Safe to run while the bot runs: a user whose file changes between the check and the
deletion (they came back) is kept; only a write in the microseconds between the final check and
the unlink could be lost.

Only counts are printed: never user ids (Telegram ids are personal data) nor any answer.
Exit status: 0 done, 1 a deletion failed, 2 bad arguments (or no data directory).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

from bot.store import CorruptRecordError, UserStore


class Status(StrEnum):
    """What the scan found about one user."""

    ACTIVE = "active"
    INACTIVE = "inactive"
    REMINDER = "kept: reminder pending"
    UNREADABLE = "unreadable"
    GONE = "gone"  # deleted by the bot (/reset) since it was listed


def default_data_dir() -> Path:
    """$BOT_DATA_DIR, or ./data (as the bot itself)."""
    return Path(os.environ.get("BOT_DATA_DIR", "").strip() or "data")


def parse_time(text: Any) -> datetime | None:
    """An ISO-8601 string as an aware datetime (naive means UTC); None if it is not one."""
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def has_pending_reminder(record: dict[str, Any]) -> bool:
    """True if the record's case holds a reminder that has not been sent yet."""
    case = record.get("case")
    reminders = case.get("reminders") if isinstance(case, dict) else None
    if not isinstance(reminders, list):
        return False
    return any(isinstance(r, dict) and not r.get("sent_at") for r in reminders)


def identity(stat: os.stat_result) -> tuple[int, int, int]:
    """What changes whenever the bot rewrites a file (it replaces it with a new inode)."""
    return stat.st_ino, stat.st_mtime_ns, stat.st_size


def classify(
    store: UserStore, key: str, cutoff: datetime
) -> tuple[Status, tuple[int, int, int] | None]:
    """Load one user's record and decide; also return the file's identity when it was read."""
    path = store.path_for(key)
    try:
        before = os.stat(path, follow_symlinks=False)
        record = store.load(key) or {}
    except FileNotFoundError:
        return Status.GONE, None
    except (CorruptRecordError, OSError):
        return Status.UNREADABLE, None
    last = parse_time(record.get("updated_at"))
    if last is None:
        last = datetime.fromtimestamp(before.st_mtime, UTC)
    if last >= cutoff:
        return Status.ACTIVE, identity(before)
    if has_pending_reminder(record):
        return Status.REMINDER, identity(before)
    return Status.INACTIVE, identity(before)


def delete_if_unchanged(store: UserStore, key: str, seen: tuple[int, int, int]) -> bool:
    """Delete the user if their file is still the one that was judged; False if it changed."""
    try:
        now = os.stat(store.path_for(key), follow_symlinks=False)
    except FileNotFoundError:
        return False
    if identity(now) != seen:
        return False
    return store.delete(key)


def scan(data_dir: Path, cutoff: datetime, delete: bool) -> Counter[str]:
    """Classify every user (and delete the inactive ones if asked); return the counts."""
    counts: Counter[str] = Counter()
    if not (data_dir / "users").is_dir():
        return counts
    store = UserStore(data_dir)
    keys = store.keys()  # streamed from the directory, one key at a time
    for key in keys:
        status, seen = classify(store, key, cutoff)
        counts["scanned"] += 1
        counts[status] += 1
        if status is not Status.INACTIVE or not delete:
            continue
        assert seen is not None
        try:
            deleted = delete_if_unchanged(store, key, seen)
        except OSError:
            counts["failed"] += 1
            continue
        counts["deleted" if deleted else "changed"] += 1
    return counts


def summary(counts: Counter[str], days: int, cutoff: datetime, delete: bool) -> str:
    """One line of counts (no ids, no content)."""
    inactive = counts[Status.INACTIVE]
    if delete:
        outcome = f"{counts['deleted']} deleted, {counts['changed']} kept (active again)"
        if counts["failed"]:
            outcome += f", {counts['failed']} FAILED to delete"
    else:
        outcome = f"{inactive} would be deleted (dry run: add --delete to delete)"
    return (
        f"retention: {counts['scanned']} users scanned, {inactive} inactive for more than "
        f"{days} days (last update before {cutoff.isoformat(timespec='seconds')}), {outcome}, "
        f"{counts[Status.REMINDER]} inactive but kept for a pending reminder, "
        f"{counts[Status.UNREADABLE]} unreadable (never deleted; inspect by hand), "
        f"{counts[Status.ACTIVE]} active"
    )


def positive_days(text: str) -> int:
    """argparse type: a whole number of days, at least 1."""
    try:
        days = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number of days: {text!r}") from None
    if days < 1:
        raise argparse.ArgumentTypeError("--days must be at least 1")
    return days


def iso_time(text: str) -> datetime:
    """argparse type: an ISO-8601 moment (naive means UTC)."""
    moment = parse_time(text)
    if moment is None:
        raise argparse.ArgumentTypeError(f"not an ISO-8601 date/time: {text!r}")
    return moment


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Parse the command line (SystemExit(2) on bad arguments)."""
    parser = argparse.ArgumentParser(
        prog="retention.py", description="Find (and with --delete, delete) inactive users."
    )
    parser.add_argument("--days", type=positive_days, required=True, help="inactivity, in days")
    parser.add_argument(
        "--data-dir", type=Path, default=None, help="data directory ($BOT_DATA_DIR or ./data)"
    )
    parser.add_argument("--delete", action="store_true", help="delete (default: dry run)")
    parser.add_argument("--now", type=iso_time, default=None, help="pretend it is this time")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    try:
        args = parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 2
    data_dir = args.data_dir or default_data_dir()
    if not data_dir.is_dir():
        print(f"retention: no data directory at {data_dir}", file=sys.stderr)
        return 2
    cutoff = (args.now or datetime.now(UTC)) - timedelta(days=args.days)
    counts = scan(data_dir, cutoff, args.delete)
    print(summary(counts, args.days, cutoff, args.delete))
    return 1 if counts["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
