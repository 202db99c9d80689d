"""Webhook mode end to end: the real process registers its webhook, then takes updates posted
to its port on 127.0.0.1, only with the secret token; and `python -m bot check`."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

from tests.support.bot_process import TIMEOUT
from tests.support.telegram_standin import DEFAULT_TOKEN, FakeTelegram, StandInServer

SECRET = "a-long-webhook-secret-123"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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
    assert bad.returncode == 1
    assert "PROBLEM Telegram getMe failed" in bad.stdout
    assert "wrong-token" not in bad.stdout + bad.stderr
