"""Concurrency for the Telegram channel: users in parallel, each user's updates in order.

python-telegram-bot processes updates one at a time unless told otherwise. With
this processor, different users are served concurrently (a slow write for one
never holds up another), while each user's updates still run strictly in the
order Telegram sent them, so answers can never be applied out of order.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable

from telegram import Update
from telegram.ext import BaseUpdateProcessor


class PerUserOrder(BaseUpdateProcessor):
    """Run updates concurrently across users and in order for each user."""

    def __init__(self, max_concurrent_updates: int = 256) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._queued: Counter[int] = Counter()

    async def do_process_update(self, update: object, coroutine: Awaitable) -> None:
        """Wait for the user's earlier updates (asyncio locks are first come, first served)."""
        user = _user_of(update)
        if user is None:
            await coroutine
            return
        lock = self._locks.setdefault(user, asyncio.Lock())
        self._queued[user] += 1
        try:
            async with lock:
                await coroutine
        finally:
            self._queued[user] -= 1
            if not self._queued[user]:  # forget idle users: memory stays flat
                del self._queued[user], self._locks[user]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""


def _user_of(update: object) -> int | None:
    if not isinstance(update, Update):
        return None
    if update.effective_user is not None:
        return update.effective_user.id
    return update.effective_chat.id if update.effective_chat is not None else None
