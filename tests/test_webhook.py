"""Webhook mode end to end: the real process registers its webhook, then takes updates posted
to its port on 127.0.0.1, only with the secret token, refuses oversized bodies unread and
malformed ones with 400; a 409 Conflict while polling is one warning; and `python -m bot check`.
"""

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

from bot.channels.webhook import MAX_BODY_BYTES
from tests.support.bot_process import TIMEOUT, BotProcess, free_port, wait_listening
from tests.support.telegram_standin import DEFAULT_TOKEN, FakeTelegram, StandInServer

SECRET = "a-long-webhook-secret-123"
HOOK_URL = "https://bot.example.org/hook-abc"


def post(port: int, update: dict, secret: str | None) -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/hook-abc",
        data=json.dumps(update).encode(),
        headers={"Content-Type": "application/json"}
        | ({"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}),
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_webhook_mode_takes_updates_only_with_the_secret(tmp_path):
    fake = FakeTelegram()
    port = free_port()
    with StandInServer(fake) as server:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK"))},
            "TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN,
            "TELEGRAM_API_BASE_URL": server.base_url,
            "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/hook-abc",
            "TELEGRAM_WEBHOOK_SECRET": SECRET,
            "WEBHOOK_LISTEN": "127.0.0.1",
            "WEBHOOK_PORT": str(port),
            "BOT_DATA_DIR": str(tmp_path / "data"),
        }
        log = (tmp_path / "bot.log").open("wb")
        bot = subprocess.Popen(
            [sys.executable, "-m", "bot"], cwd=tmp_path, env=env, stdout=log, stderr=log
        )
        try:
            fake.wait_for(lambda f: f.webhook is not None, TIMEOUT)
            assert fake.webhook == {
                "url": "https://bot.example.org/hook-abc",
                "secret_token": SECRET,
            }
            fake.send_text(501, "/start")
            _, body = fake.call("getUpdates", {"timeout": 0})
            (update,) = body["result"]

            def accepted(secret):
                # The server may take a moment to listen after registering the webhook.
                for _ in range(100):
                    try:
                        return post(port, update, secret)
                    except urllib.error.URLError:
                        time.sleep(0.1)
                raise AssertionError("the webhook server never listened")

            assert accepted(None) == 403
            assert accepted("wrong-secret") == 403
            assert fake.messages(501) == []  # nothing was processed
            assert accepted(SECRET) == 200
            fake.wait_for(lambda f: "ketamine therapy" in f.last_text(501), TIMEOUT)
            polls = [name for name, _ in fake.calls if name == "getUpdates"]
            assert polls == ["getUpdates"]  # only the test's own: the bot does not poll
        finally:
            bot.terminate()
            assert bot.wait(TIMEOUT) == 0  # SIGTERM: a clean stop
            log.close()
    assert DEFAULT_TOKEN.split(":")[1] not in (tmp_path / "bot.log").read_text()


def test_check_reports_each_part_and_fails_on_a_bad_token(tmp_path):
    fake = FakeTelegram()
    with StandInServer(fake) as server:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")},
            "TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN,
            "TELEGRAM_API_BASE_URL": server.base_url,
            "BOT_DATA_DIR": str(tmp_path / "data"),
        }
        good = subprocess.run(
            [sys.executable, "-m", "bot", "check"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        bad = subprocess.run(
            [sys.executable, "-m", "bot", "check"],
            cwd=tmp_path,
            env=env | {"TELEGRAM_BOT_TOKEN": "123456:wrong-token-wrong-token-wrong"},
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert good.returncode == 0, good.stdout + good.stderr
    assert "Telegram answers getMe: @coverage_test_bot" in good.stdout
    assert "templates compile" in good.stdout and "mode 0o700" in good.stdout
    assert "ok      Español: all" in good.stdout
    assert bad.returncode == 1
    assert "PROBLEM Telegram getMe failed" in bad.stdout
    assert "wrong-token" not in bad.stdout + bad.stderr


@contextlib.contextmanager
def webhook_bot(tmp_path, fake: FakeTelegram, server: StandInServer):
    """The real process in webhook mode, registered and listening; yields its port.

    On leaving, SIGTERM must stop it cleanly.
    """
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK"))},
        "TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN,
        "TELEGRAM_API_BASE_URL": server.base_url,
        "TELEGRAM_WEBHOOK_URL": HOOK_URL,
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "WEBHOOK_LISTEN": "127.0.0.1",
        "WEBHOOK_PORT": str(port),
        "BOT_DATA_DIR": str(tmp_path / "data"),
    }
    with (tmp_path / "bot.log").open("wb") as log:
        bot = subprocess.Popen(
            [sys.executable, "-m", "bot"], cwd=tmp_path, env=env, stdout=log, stderr=log
        )
        try:
            fake.wait_for(lambda f: f.webhook is not None, TIMEOUT)
            yield port
        finally:
            bot.terminate()
            assert bot.wait(TIMEOUT) == 0  # SIGTERM: a clean stop


def raw_post(port: int, headers: dict[str, str], body: bytes = b"") -> tuple[int, bytes]:
    """POST to the hook with exactly these headers and body bytes, which may be fewer than the
    Content-Length announces; return the status and all the server sent before closing.

    A server that waited for the rest of the body would time this out (socket.timeout).
    """
    head = ["POST /hook-abc HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    head += [f"{name}: {value}" for name, value in headers.items()]
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT / 2) as sock:
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    return int(received.split(b" ", 2)[1]), received


def queued_update(fake: FakeTelegram, user: int, text: str) -> dict:
    """A real update of the user sending `text`, as Telegram would post it to the hook."""
    fake.send_text(user, text)
    _, body = fake.call("getUpdates", {"timeout": 0})
    return body["result"][-1]


def json_post(update: dict, secret: str = SECRET) -> tuple[dict[str, str], bytes]:
    """Headers and body of a webhook POST of this JSON."""
    body = json.dumps(update).encode()
    return _headers(len(body), secret), body


def _headers(length: int | str, secret: str | None = SECRET) -> dict[str, str]:
    headers = {"Content-Type": "application/json", "Content-Length": str(length)}
    return headers | ({"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {})


def test_webhook_refuses_big_bodies_and_bad_lengths_without_reading_them(tmp_path):
    fake = FakeTelegram()
    huge = 100 * 1024 * 1024
    with StandInServer(fake) as server, webhook_bot(tmp_path, fake, server) as port:
        wait_listening(port)
        some = b'{"update_id": 1, "message": ' + b" " * 1000  # far less than announced
        # The right secret, but over the limit: refused at once, the rest never awaited.
        status, answer = raw_post(port, _headers(MAX_BODY_BYTES + 1), some)
        assert status == 413
        assert answer.count(b"HTTP/1.1 ") == 1  # one answer, nothing after it
        assert raw_post(port, _headers(huge), some)[0] == 413
        # A wrong or missing secret is refused before the length is even looked at.
        assert raw_post(port, _headers(huge, "wrong-secret"), some)[0] == 403
        assert raw_post(port, _headers(huge, None), some)[0] == 403
        # No usable length: a chunked body, or a length that is not a number.
        chunked = _headers(0) | {"Transfer-Encoding": "chunked"}
        del chunked["Content-Length"]
        assert raw_post(port, chunked, b"400\r\n" + some)[0] == 411
        assert raw_post(port, _headers("12abc"), some)[0] == 400
        # And a real update still goes through.
        update = queued_update(fake, 601, "/start")
        assert raw_post(port, *json_post(update))[0] == 200
        fake.wait_for(lambda f: "ketamine therapy" in f.last_text(601), TIMEOUT)
    log = (tmp_path / "bot.log").read_text()
    assert "Traceback" not in log
    assert log.count("webhook: refused a body unread") == 4  # 413, 413, 411, 400; not the 403s


def test_webhook_answers_malformed_bodies_400_and_keeps_serving(tmp_path):
    fake = FakeTelegram()
    private = "F32.1-major-depressive-disorder"  # health data: must not reach the log
    malformed = [
        b'{"update_id": 7, "message": {"text": "' + private.encode(),  # cut-off JSON
        b"\xff\xfe" + private.encode(),  # not even UTF-8
        json.dumps([{"update_id": 7, "note": private}]).encode(),  # an array
        json.dumps({"diagnosis": private}).encode(),  # an object, but no update
        json.dumps({"update_id": 7, "message": private}).encode(),  # an update it cannot be
        b"[" * 100_000,  # nested too deep to parse
    ]
    with StandInServer(fake) as server, webhook_bot(tmp_path, fake, server) as port:
        wait_listening(port)
        for body in malformed:
            assert raw_post(port, _headers(len(body)), body)[0] == 400, body[:40]
        assert fake.messages(701) == []
        update = queued_update(fake, 701, "/start")
        assert raw_post(port, *json_post(update))[0] == 200
        # Leaving stops the bot (SIGTERM) at once: the update it took is still answered.
    assert "ketamine therapy" in fake.last_text(701)
    log = (tmp_path / "bot.log").read_text()
    assert "Traceback" not in log
    assert private not in log
    warnings = [line for line in log.splitlines() if "webhook: refused a" in line]
    assert len(warnings) == len(malformed)
    assert all(" WARNING " in line for line in warnings)


def test_a_409_conflict_while_polling_is_one_warning_not_tracebacks(tmp_path):
    fake = FakeTelegram()
    fake.inject("getUpdates", "conflict", times=3)  # another instance holds the long poll
    with StandInServer(fake) as server:
        bot = BotProcess(server, tmp_path)
        bot.start(fake)  # returns once a getUpdates got through, after the conflicts
        try:
            assert fake.faults_fired == [("getUpdates", "conflict")] * 3
            fake.send_text(801, "/start")
            fake.wait_for(lambda f: "ketamine therapy" in f.last_text(801), TIMEOUT)
        finally:
            assert bot.stop() == 0
    log = bot.log()
    assert "Traceback" not in log
    warnings = [line for line in log.splitlines() if "another instance is polling" in line]
    assert len(warnings) == 1
    assert " WARNING " in warnings[0]
