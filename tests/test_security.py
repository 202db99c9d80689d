"""Security and privacy: the token never reaches a log, answers stay out of logs at INFO."""

import asyncio
import io
import logging

import pytest
from telegram import Bot
from telegram.error import BadRequest

from bot import logs
from bot.store import UserStore
from tests.support.bot_process import BotProcess, act
from tests.support.telegram_standin import DEFAULT_TOKEN, FakeTelegram, StandInServer

SECRET_PART = DEFAULT_TOKEN.split(":")[1]


@pytest.fixture
def restore_logging():
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    names = ("httpx", "httpcore", "telegram")
    levels = {name: logging.getLogger(name).level for name in names}
    yield
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def test_the_token_is_redacted_even_with_httpx_and_httpcore_at_debug(restore_logging):
    out = io.StringIO()
    logs.configure("DEBUG", DEFAULT_TOKEN, stream=out)
    for name in ("httpx", "httpcore", "telegram"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    fake = FakeTelegram()
    fake.send_text(77, "/start")

    async def talk(server: StandInServer) -> None:
        async with Bot(DEFAULT_TOKEN, base_url=server.base_url + "/bot") as bot:
            await bot.send_message(77, "hello")
            try:
                await bot.send_message(12345, "nobody")  # chat not found
            except BadRequest:
                logging.getLogger("bot").exception("a failure, with its traceback")

    with StandInServer(fake) as server:
        asyncio.run(talk(server))
    text = out.getvalue()
    assert "HTTP Request: POST" in text  # httpx did log its URLs...
    assert logs.REDACTED in text  # ...and the token in them was blanked
    assert SECRET_PART not in text
    assert "Traceback" in text


def test_the_real_bot_logs_no_token_at_debug_and_no_answers_at_info(tmp_path):
    fake = FakeTelegram()
    with StandInServer(fake) as server:
        bot = BotProcess(server, tmp_path / "debug")
        (tmp_path / "debug").mkdir()
        bot.env["LOG_LEVEL"] = "DEBUG"
        bot.start(fake)
        act(fake, 1, "send", "/start")
        act(fake, 1, "press", "Let's begin")
        act(fake, 1, "press", "Spravato (esketamine nasal spray)")
        bot.stop()
        assert SECRET_PART not in bot.log()
        assert "DEBUG" in bot.log()

        (tmp_path / "info").mkdir()
        quiet = BotProcess(server, tmp_path / "info")
        quiet.start(fake)
        act(fake, 2, "send", "/start")
        act(fake, 2, "press", "Let's begin")
        act(fake, 2, "press", "IV ketamine infusion")
        act(fake, 2, "send", "Zyxwv Mutual <Health>")
        quiet.stop()
    assert "Zyxwv" not in quiet.log() and "iv_ketamine" not in quiet.log()
    assert SECRET_PART not in quiet.log()


@pytest.mark.parametrize("key", ["../1", "1/../../etc", "", "a" * 65, "1.json", "~root"])
def test_a_user_key_can_never_reach_another_path(tmp_path, key):
    store = UserStore(tmp_path)
    with pytest.raises(ValueError):
        store.save(key, {"case": {}})
    assert list((tmp_path / "users").iterdir()) == []
