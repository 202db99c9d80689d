"""The durable inbox: every Telegram update is on disk before Telegram is told it arrived.

Polling confirms a batch of updates to Telegram by asking for the next one, and a webhook by
answering 200; either may happen before the bot has handled the batch. An update confirmed and
then lost with the process (a SIGKILL, a power cut, a stop with updates still queued) would
never come again. So every update goes through `InboxQueue.put`, which writes it to
``<data_dir>/inbox/<update_id>.json`` (atomically, fsynced) before it is queued, and the file
is removed once the update has been handled. At start-up `InboxQueue.replay` queues whatever is
left, oldest first, before any new update is fetched.

With a shared store (`bot.postgres.PostgresInbox`) the inbox is a table, each update held by the
process that received it; `replay` also runs every minute there, to take over the updates of a
process that stopped, and an update waits for the same user's earlier ones held elsewhere.

Replaying is safe because handling is idempotent: an update already applied before the crash
is recognised by its id (the user's record keeps a window of recent ones) and only re-sends the
user's current question, the reply the crash may have swallowed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import re
import time
from pathlib import Path
from typing import Any

from telegram import Bot, Update

from bot.channels.ordering import user_of
from bot.store import TEMP_SUFFIX, write_atomically

log = logging.getLogger(__name__)
EARLIER_WAIT = 30.0
"""Seconds an update waits for the same user's earlier one held by another process (which
is adopted within a minute if that process died)."""
EARLIER_POLL = 0.05
_NAME = re.compile(r"(\d{1,20})\.json")


class Inbox:
    """Fetched updates not handled yet, one small file each (one process per data directory)."""

    shared = False
    """No other process handles updates beside this one (`PostgresInbox` is shared)."""

    def __init__(self, data_dir: str | os.PathLike[str]) -> None:
        self.directory = Path(data_dir) / "inbox"
        self._held: set[int] = set()
        """The updates this process kept or replayed and has not handled yet."""
        self._started = time.time()
        """Temporary files older than this are crashed writes; later ones may be in progress."""

    def keep(self, update_id: int, data: dict[str, Any]) -> None:
        """Put an update on disk (durably) until `done`."""
        payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
        write_atomically(self.directory / f"{update_id}.json", payload)
        self._held.add(update_id)

    def done(self, update_id: int) -> None:
        """Forget a handled update. Not fsynced: if the removal is lost, it is replayed, and a
        replay of a handled update is harmless."""
        self._held.discard(update_id)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.directory / f"{update_id}.json")

    def pending(self) -> list[dict[str, Any]]:
        """The updates kept and never handled (none this process is handling), by update id,
        from now on held by this process; a temporary file a crash left behind is removed, an
        unreadable entry set aside (logged, never replayed)."""
        found: list[tuple[int, dict[str, Any]]] = []
        with contextlib.suppress(FileNotFoundError), os.scandir(self.directory) as entries:
            for entry in entries:
                if entry.name.endswith(TEMP_SUFFIX):
                    if entry.stat().st_mtime < self._started:
                        os.unlink(entry.path)  # a write a crash interrupted: never confirmed
                    continue
                match = _NAME.fullmatch(entry.name)
                if match is None or int(match[1]) in self._held:
                    continue
                data = self._read(Path(entry.path))
                if data is not None:
                    found.append((int(match[1]), data))
        self._held.update(update_id for update_id, _ in found)
        return [data for _, data in sorted(found, key=lambda item: item[0])]

    def _read(self, path: Path) -> dict[str, Any] | None:
        try:
            data = json.loads(path.read_bytes())
        except (OSError, ValueError, RecursionError) as error:
            data, reason = None, type(error).__name__
        else:
            reason = "not an update"
        if isinstance(data, dict) and isinstance(data.get("update_id"), int):
            return data
        os.replace(path, path.with_name(f"{path.name}.unreadable"))
        log.error("inbox: set aside %s (%s); it is not replayed", path.name, reason)
        return None


class InboxQueue(asyncio.Queue):
    """python-telegram-bot's update queue, with every update kept in the inbox before it is
    queued (polling and the webhook both put updates here)."""

    def __init__(self, inbox: Inbox) -> None:
        super().__init__()
        self.inbox = inbox
        self._failing = False
        """The last keep failed (a full disk, say): said once, until one works again."""

    async def put(self, item: object) -> None:
        """Keep an update, then queue it. An update that cannot be kept is still handled (the
        user is told what went wrong, a full disk say); it is only not safe from a crash."""
        if isinstance(item, Update):
            try:
                await asyncio.to_thread(self.inbox.keep, item.update_id, item.to_dict())
            except OSError as error:
                if not self._failing:
                    log.error("inbox: cannot keep updates on disk (%s)", error.strerror or error)
                self._failing = True
            else:
                self._failing = False
        await super().put(item)

    async def in_turn(self, update: object) -> None:
        """Wait (a while at most) until the user's earlier updates held by other processes
        are handled, so that each user's updates are applied in order."""
        user = user_of(update)
        if not self.inbox.shared or user is None or not isinstance(update, Update):
            return
        deadline = time.monotonic() + EARLIER_WAIT
        while await asyncio.to_thread(self.inbox.earlier_of, user, update.update_id):
            if time.monotonic() > deadline:
                log.warning("inbox: update %s goes ahead of an earlier one", update.update_id)
                return
            await asyncio.sleep(EARLIER_POLL)

    async def replay(self, bot: Bot) -> int:
        """Queue the updates a previous run kept and never handled; how many there were."""
        pending = await asyncio.to_thread(self.inbox.pending)
        for data in pending:
            await super().put(Update.de_json(data, bot))
        if pending:
            log.warning("inbox: replaying %d updates a previous run had not handled", len(pending))
        return len(pending)

    def done(self, update: object) -> None:
        """The update has been handled (whatever came of it). If it cannot be forgotten, it
        is replayed later, which is harmless."""
        if isinstance(update, Update):
            try:
                self.inbox.done(update.update_id)
            except OSError as error:
                log.error("inbox: update %s stays kept (%s)", update.update_id, error)
