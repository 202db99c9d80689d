"""Updates fetched from Telegram, kept on disk until they have been handled.

python-telegram-bot confirms a batch of updates to Telegram as soon as it asks for the next
one, which is before the batch has been handled: an update fetched but not handled when the
process dies would be lost. So each batch is written here (fsynced, 0600) before it is handed
on, its file is removed once every update in it has been handled, and what is left at start-up
is handed on again. An update handled twice this way (or fetched again from Telegram) is
recognised by the conversation (bot/conversation.py) and never applied twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import secrets
import threading
from collections import Counter
from pathlib import Path
from typing import Any

from telegram.request import BaseRequest

from bot.store import write_atomically

log = logging.getLogger(__name__)

INBOX_DIR = "inbox"
SUFFIX = ".json"


class Inbox:
    """Batches of updates (Telegram's JSON) not yet handled, one file each."""

    def __init__(self, data_dir: str | os.PathLike[str]) -> None:
        self.directory = Path(data_dir) / INBOX_DIR
        self._batch_of: dict[int, Path] = {}
        """Update id -> the file of its batch, for each update not handled yet."""
        self._left: Counter[Path] = Counter()
        """How many updates of each batch are not handled yet."""
        self._lock = threading.Lock()

    def keep(self, updates: list[dict[str, Any]]) -> None:
        """Write the updates not kept already to a batch file of their own, durably."""
        with self._lock:
            new = [u for u in updates if u.get("update_id") not in self._batch_of]
        ids = [u["update_id"] for u in new if isinstance(u.get("update_id"), int)]
        if not ids:
            return
        path = self.directory / f"{min(ids)}-{secrets.token_hex(4)}{SUFFIX}"
        write_atomically(path, json.dumps(new, separators=(",", ":")).encode("utf-8"))
        self._track(path, ids)

    def done(self, update_id: int) -> None:
        """An update has been handled; its batch's file goes once all of them have."""
        with self._lock:
            path = self._batch_of.pop(update_id, None)
            if path is None:
                return
            self._left[path] -= 1
            if self._left[path]:
                return
            del self._left[path]
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)

    def left_over(self) -> list[dict[str, Any]]:
        """The updates an earlier run kept and did not handle, oldest first; from now on they
        are tracked like new ones. A file that cannot be read is logged and left alone."""
        found: list[tuple[int, dict[str, Any], Path]] = []
        paths = sorted(self.directory.glob(f"*{SUFFIX}")) if self.directory.is_dir() else []
        for path in paths:
            try:
                batch = json.loads(path.read_bytes())
                updates = [u for u in batch if isinstance(u.get("update_id"), int)]
            except (OSError, ValueError, TypeError, AttributeError) as error:
                log.error("inbox file %s cannot be read (%s); left alone", path.name, error)
                continue
            found += [(u["update_id"], u, path) for u in updates]
            self._track(path, [u["update_id"] for u in updates])
        return [update for _, update, _ in sorted(found, key=lambda item: item[0])]

    def _track(self, path: Path, ids: list[int]) -> None:
        with self._lock:
            for update_id in ids:
                if update_id not in self._batch_of:
                    self._batch_of[update_id] = path
                    self._left[path] += 1
            if not self._left[path]:  # every one of them is tracked in another batch
                del self._left[path]
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(path)


class KeepingRequest(BaseRequest):
    """The getUpdates request of another, each batch it fetches kept in the inbox first."""

    def __init__(self, inner: BaseRequest, inbox: Inbox) -> None:
        self.inner = inner
        self.inbox = inbox

    @property
    def read_timeout(self) -> float | None:
        return self.inner.read_timeout

    async def initialize(self) -> None:
        await self.inner.initialize()

    async def shutdown(self) -> None:
        await self.inner.shutdown()

    async def do_request(
        self, url: str, method: str, *args: Any, **kwargs: Any
    ) -> tuple[int, bytes]:
        code, payload = await self.inner.do_request(url, method, *args, **kwargs)
        if code == 200 and url.rsplit("/", 1)[-1].lower() == "getupdates":
            with contextlib.suppress(ValueError, AttributeError):
                updates = json.loads(payload).get("result") or []
                if isinstance(updates, list) and updates:
                    await self._keep(updates)
        return code, payload

    async def _keep(self, updates: list[dict[str, Any]]) -> None:
        """Keep the batch; if the disk will not take it, hand it on anyway (each user is then
        told that nothing could be saved) rather than stop fetching."""
        try:
            await asyncio.to_thread(self.inbox.keep, updates)
        except OSError as error:
            log.error("inbox: a batch of %d updates could not be kept: %s", len(updates), error)
