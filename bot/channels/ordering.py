"""Concurrency for the Telegram channel: users in parallel, each user's updates in order.

python-telegram-bot processes updates one at a time unless told otherwise. With
this processor, different users are served concurrently (a slow write for one
never holds up another), while each user's updates still run strictly in the
order Telegram sent them, so answers can never be applied out of order.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.ext import BaseUpdateProcessor


class PerUserOrder(BaseUpdateProcessor):
    """Run updates concurrently across users and in order for each user."""

    def __init__(
        self,
        max_concurrent_updates: int = 256,
        *,
        finished: Callable[[object], None] | None = None,
        in_turn: Callable[[object], Awaitable[None]] | None = None,
    ) -> None:
        super().__init__(max_concurrent_updates)
        self._finished = finished
        """Called with each update once it has been handled (its handler may have failed)."""
        self._wait = in_turn
        """Awaited before an update is handled, once the user's earlier ones here are: the
        user's earlier updates held by other processes (a shared store) are waited for too."""
        self._locks: dict[int, asyncio.Lock] = {}
        self._queued: Counter[int] = Counter()

    async def do_process_update(self, update: object, coroutine: Awaitable) -> None:
        """Wait for the user's earlier updates (asyncio locks are first come, first served)."""
        await self._in_turn(update, coroutine)
        # Handler errors end here too (the application reports them); a cancelled update
        # (the process stopping) is not finished, so it stays in the inbox to be replayed.
        if self._finished is not None:
            self._finished(update)

    async def _in_turn(self, update: object, coroutine: Awaitable) -> None:
        user = user_of(update)
        if user is None:
            await coroutine
            return
        lock = self._locks.setdefault(user, asyncio.Lock())
        self._queued[user] += 1
        try:
            async with lock:
                if self._wait is not None:
                    await self._wait(update)
                await coroutine
        finally:
            self._queued[user] -= 1
            if not self._queued[user]:  # forget idle users: memory stays flat
                del self._queued[user], self._locks[user]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""


def user_of(update: object) -> int | None:
    """The id of the user an update comes from (their chat's, if it names no user)."""
    if not isinstance(update, Update):
        return None
    if update.effective_user is not None:
        return update.effective_user.id
    return update.effective_chat.id if update.effective_chat is not None else None
