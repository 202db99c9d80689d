"""Hundreds of users at once through the real Application: no cross-talk, nothing reordered.

The Application polls the stand-in in process (StandInRequest) with the bot's own
per-user update processor, against the real store on disk.
"""

import asyncio
import random
import time

from telegram import Update

from bot.channels.ordering import PerUserOrder
from bot.channels.telegram import TelegramChannel
from bot.conversation import Conversation
from bot.flow import Flow, Kind
from bot.render import Renderer
from bot.store import UserStore
from tests.support.flow_answers import answer_for
from tests.support.telegram_standin import DEFAULT_TOKEN, FakeTelegram, StandInRequest

USERS = 300
FIRST = 7_000_000


STEPS = 7
FLOW = Flow()


def script(user: int) -> dict[str, str]:
    """The first answers the flow asks for, typed in order; text answers name their user."""
    answers: dict[str, str] = {}
    for _ in range(STEPS):
        question = next(q for q in FLOW.applicable(answers) if q.id not in answers)
        typed = answer_for(question, {})
        answers[question.id] = f"{question.id} {user}" if question.kind == Kind.TEXT else typed
    return answers


async def run_until(fake: FakeTelegram, done, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "the bot did not keep up"
        await asyncio.sleep(0.05)


def test_hundreds_of_simultaneous_users_see_no_cross_talk_and_no_reordering(tmp_path):
    fake = FakeTelegram()
    store = UserStore(tmp_path)
    channel = TelegramChannel(Conversation(store), Renderer())
    app = channel.build(
        DEFAULT_TOKEN,
        "http://telegram.invalid",
        request=StandInRequest(fake),
        get_updates_request=StandInRequest(fake),
        overall_max_rate=0,  # Telegram's 30 a second would make this test take minutes
    )
    users = range(FIRST, FIRST + USERS)

    def sent_at_least(count: int):
        return lambda: all(len(fake.messages(u)) >= count for u in users)

    async def run() -> None:
        async with app:
            await app.start()
            await app.updater.start_polling(poll_interval=0, timeout=1)
            for user in users:
                fake.send_text(user, "/start")
            await run_until(fake, sent_at_least(1))
            for user in users:
                fake.press(user, "Let's begin")
            await run_until(fake, sent_at_least(2))
            # Every user's answers queued at once, users interleaved: only per-user order works.
            for step in range(STEPS):
                for user in users:
                    fake.send_text(user, list(script(user).values())[step])
            await run_until(fake, sent_at_least(2 + STEPS))
            await run_until(fake, lambda: fake.pending_updates() == 0)
            await app.updater.stop()
            await app.stop()

    asyncio.run(run())
    assert fake.errors == []
    for user in users:
        answers = {k: v["value"] for k, v in store.load(str(user))["case"]["answers"].items()}
        expected = script(user)
        assert answers.keys() == expected.keys(), user
        for question, typed in expected.items():
            if FLOW[question].kind in (Kind.TEXT, Kind.CHOICE):
                assert answers[question] == typed, (user, question)
        following = FLOW.counted(answers).index(
            next(q.id for q in FLOW.applicable(answers) if q.id not in answers)
        )
        assert f"Question {following + 1} of" in fake.last_text(user)


def test_per_user_order_keeps_each_users_updates_in_order_and_users_concurrent():
    rng = random.Random(7)
    processor = PerUserOrder(max_concurrent_updates=64)
    seen: dict[int, list[int]] = {}
    running = {"now": 0, "most": 0}

    def update(user: int, number: int) -> Update:
        return Update.de_json(
            {
                "update_id": user * 100 + number,
                "message": {
                    "message_id": number,
                    "date": 0,
                    "chat": {"id": user, "type": "private"},
                    "from": {"id": user, "is_bot": False, "first_name": "T"},
                    "text": str(number),
                },
            },
            None,
        )

    async def work(user: int, number: int) -> None:
        running["now"] += 1
        running["most"] = max(running["most"], running["now"])
        await asyncio.sleep(rng.random() / 100)  # a slow write, of varying length
        seen.setdefault(user, []).append(number)
        running["now"] -= 1

    async def run() -> None:
        async with processor:
            tasks = [
                asyncio.create_task(processor.process_update(update(u, n), work(u, n)))
                for n in range(8)
                for u in range(1, 41)
            ]
            await asyncio.gather(*tasks)

    asyncio.run(run())
    assert all(numbers == list(range(8)) for numbers in seen.values())
    assert len(seen) == 40
    assert running["most"] > 10  # different users really ran at the same time
    assert processor._locks == {}  # idle users are forgotten
