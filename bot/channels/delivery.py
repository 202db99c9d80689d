"""Getting a message to Telegram: retry what may succeed later, give up on what cannot.

Telegram asks clients to wait on 429 (python-telegram-bot's AIORateLimiter
does that), and it has bad moments: 500 and 502 answers, slow responses,
dropped connections. A reply to an answer that is already saved must still
reach the user, so those are retried with growing pauses. A user who blocked
the bot (403) is not retried, and a request Telegram rejects as malformed
(400) is a bug to log, not to repeat.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.ext import AIORateLimiter

log = logging.getLogger(__name__)
T = TypeVar("T")

RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 30.0, 30.0, 30.0)
"""Seconds between attempts: about two and a half minutes in all."""


async def with_retries(
    send: Callable[[], Awaitable[T]], delays: tuple[float, ...] = RETRY_DELAYS
) -> T | None:
    """Await `send()` until Telegram accepts it; None if the user blocked the bot or we gave up."""
    for attempt, pause in enumerate((*delays, None), start=1):
        try:
            return await send()
        except BadRequest:
            raise
        except Forbidden as error:
            log.info("not delivered, the user blocked the bot: %s", error)
            return None
        except RetryAfter as error:
            wait = error.retry_after
            pause = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
        except NetworkError as error:  # timeouts, 5xx, dropped connections
            if pause is None:
                log.warning("not delivered after %d attempts: %s", attempt, error)
                return None
            log.info("Telegram failed (%s); retrying in %.1f s", error, pause)
        await asyncio.sleep(pause)
    return None


class _Reply:
    """The `rate_limit_args` of a message that answers the user's own message or press."""

    def __repr__(self) -> str:
        return "REPLY"


REPLY = _Reply()


class BroadcastLimiter(AIORateLimiter):
    """python-telegram-bot's AIORateLimiter, its overall limit kept for what the bot sends on
    its own (reminders), not for its replies.

    Telegram's "about 30 messages a second" is the limit on bulk notifications to many users
    (Bot FAQ, "My bot is hitting limits"; Telegram's tdlib maintainer: there is no global
    limit on the messages a bot sends, github.com/tdlib/td/issues/3034). AIORateLimiter counts
    every request that names a chat, so a busy bot queued its replies, edits included, behind
    one another at 30 a second: about 19 answers a second at 1.6 calls an answer. A reply
    (`rate_limit_args=REPLY`) is one of a few messages in the user's own chat, after the
    user's own action; it is sent at once. A 429 with retry_after is still honoured for every
    request, replies included: all wait, then retry.
    """

    async def process_request(self, callback, args, kwargs, endpoint, data, rate_limit_args):
        """A reply is decided on as a request naming no chat (the request itself unchanged)."""
        if rate_limit_args is REPLY:
            data = {name: value for name, value in data.items() if name != "chat_id"}
            rate_limit_args = None
        return await super().process_request(
            callback, args, kwargs, endpoint, data, rate_limit_args
        )
