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
