"""The webhook server: Telegram's POSTs in, checked, then onto the application's update queue.

python-telegram-bot's own webhook server reads a body of up to 100 MB before it looks at the
secret token, and answers a body that is not an update with 500, which Telegram retries. This
one decides from the request line and headers alone, before it reads the body:

* another path: 404; a wrong or missing secret token: 403;
* no Content-Length (or a chunked body): 411; a Content-Length that is not a number: 400;
  one over `MAX_BODY_BYTES`: 413;

and then answers a body that is not JSON, not an object or not a valid update with 400 and
one WARNING line that says what was wrong but not what the body held (it is health data).
A valid update is answered 200 and handled by the application like a polled one.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import signal
import sys
from dataclasses import dataclass
from http import HTTPStatus
from urllib.parse import urlsplit

import tornado.web
from telegram import Bot, Update
from telegram.ext import Application, ExtBot
from tornado.httpserver import HTTPServer
from tornado.httputil import HTTPServerRequest
from tornado.iostream import StreamClosedError

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024
"""Largest request body taken (1 MiB, as nginx's `client_max_body_size 1m`); updates are far
smaller."""
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
BODY_TIMEOUT = 30.0
"""Seconds a client may take to send a body it announced."""
IDLE_TIMEOUT = 60.0
"""Seconds an idle (keep-alive) connection, or one still sending headers, is kept open."""


@dataclass(frozen=True)
class Hook:
    """What a request must match to be taken, and where its update goes."""

    path: str
    secret: str | None
    bot: Bot
    queue: asyncio.Queue

    def refusal(self, request: HTTPServerRequest) -> HTTPStatus | None:
        """Why the request is refused, from its path and headers only; None if it is not."""
        if request.path.rstrip("/") != self.path.rstrip("/"):
            return HTTPStatus.NOT_FOUND
        if self.secret is not None and not _same(request.headers.get(SECRET_HEADER), self.secret):
            return HTTPStatus.FORBIDDEN
        return _length_refusal(request)

    async def take(self, body: bytes) -> bool:
        """Queue the update in the body for the application; False if it is none."""
        update = parse_update(body, self.bot)
        if update is None:
            return False
        if isinstance(self.bot, ExtBot):
            self.bot.insert_callback_data(update)
        await self.queue.put(update)
        return True


def _same(given: str | None, secret: str) -> bool:
    """Compare the secret token in constant time."""
    return given is not None and hmac.compare_digest(given.encode(), secret.encode())


def _length_refusal(request: HTTPServerRequest) -> HTTPStatus | None:
    """411 without a Content-Length, 400 for a bad one, 413 for one over the limit."""
    length = request.headers.get("Content-Length")
    if length is None or "Transfer-Encoding" in request.headers:
        status = HTTPStatus.LENGTH_REQUIRED
    elif not (length.isascii() and length.isdigit()):
        status = HTTPStatus.BAD_REQUEST
    elif int(length) > MAX_BODY_BYTES:
        status = HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    else:
        return None
    shown = None if length is None else length[:24]
    log.warning(
        "webhook: refused a body unread: %d %s (Content-Length %r, the limit is %d)",
        status,
        status.phrase,
        shown,
        MAX_BODY_BYTES,
    )
    return status


def parse_update(body: bytes, bot: Bot) -> Update | None:
    """The update in a webhook body, or None (logged, without the content) if there is none."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return _malformed("is not JSON", body)
    if not isinstance(data, dict):
        return _malformed(f"is JSON {type(data).__name__}, not an object", body)
    update_id = data.get("update_id")
    if not isinstance(update_id, int) or isinstance(update_id, bool):
        return _malformed("is not an update (no integer update_id)", body)
    try:
        return Update.de_json(data, bot)
    except Exception as error:  # whatever de_json chokes on, the body is not a valid update
        return _malformed(f"is not a valid update ({type(error).__name__})", body)


def _malformed(reason: str, body: bytes) -> None:
    log.warning("webhook: refused a %d-byte body that %s", len(body), reason)
    return None


@tornado.web.stream_request_body
class _UpdateHandler(tornado.web.RequestHandler):
    """Every request: checked in `prepare`, before the body is read, then taken in `post`."""

    SUPPORTED_METHODS = ("POST",)

    def initialize(self, hook: Hook) -> None:
        """Tornado's per-request set-up."""
        self.hook = hook
        self.body = bytearray()

    async def prepare(self) -> None:
        """Refuse the request from its headers, closing the connection with its body unread."""
        status = self.hook.refusal(self.request)
        if status is None:
            self.request.connection.set_max_body_size(MAX_BODY_BYTES)
            return
        self.set_status(status)
        # Once the answer is sent, tornado closes the connection (the request was not read to
        # its end); awaiting that means no more of the body is taken from the network.
        with contextlib.suppress(StreamClosedError):
            await self.finish()

    def set_default_headers(self) -> None:
        """Answers are bare statuses, with no body to type."""
        self.clear_header("Content-Type")

    def data_received(self, chunk: bytes) -> None:
        """Collect the body, at most the Content-Length `prepare` let through."""
        self.body += chunk

    async def post(self) -> None:
        """Take the update, or answer 400 for a body that holds none."""
        taken = await self.hook.take(bytes(self.body))
        self._answer(HTTPStatus.OK if taken else HTTPStatus.BAD_REQUEST)

    def write_error(self, status_code: int, **kwargs: object) -> None:
        """Errors (405 for another method) carry no page."""
        self.finish()

    def _answer(self, status: HTTPStatus) -> None:
        self.set_status(status)
        self.finish()


class _App(tornado.web.Application):
    def log_request(self, handler: tornado.web.RequestHandler) -> None:
        """No access log: the handler logs what is worth it."""


def _listen(hook: Hook, listen: str, port: int) -> HTTPServer:
    """Start serving the hook at listen:port (the socket is bound when this returns)."""
    app = _App([(r".*", _UpdateHandler, {"hook": hook})])
    server = HTTPServer(
        app,
        # The handler bounds each body it takes to MAX_BODY_BYTES; one it refuses is never
        # read, and a smaller bound here would only make tornado log it as malformed.
        max_body_size=sys.maxsize,
        body_timeout=BODY_TIMEOUT,
        idle_connection_timeout=IDLE_TIMEOUT,
    )
    server.listen(port, address=listen)
    return server


async def serve(app: Application, *, url: str, secret: str | None, listen: str, port: int) -> None:
    """Run the application on a webhook until SIGINT or SIGTERM, as `run_webhook` would.

    The server listens first, then the webhook is registered with Telegram (url, secret token,
    every update type). Stopping closes the server, then lets the application finish the
    updates it has taken.
    """
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with app:
        if app.post_init is not None:
            await app.post_init(app)
        path = urlsplit(url).path or "/"
        server = _listen(Hook(path, secret, app.bot, app.update_queue), listen, port)
        try:
            await app.start()
            await app.bot.set_webhook(url, secret_token=secret, allowed_updates=Update.ALL_TYPES)
            log.info("webhook registered; listening on %s:%d", listen, port)
            await stop.wait()
        finally:
            server.stop()
            with contextlib.suppress(Exception):
                await server.close_all_connections()
            if app.running:
                await app.stop()


def run(app: Application, *, url: str, secret: str | None, listen: str, port: int) -> None:
    """`serve` in a fresh event loop."""
    asyncio.run(serve(app, url=url, secret=secret, listen=listen, port=port))
