"""Conversations through the real python-telegram-bot Application, network faked in process.

The Application talks to `FakeTelegram` through `StandInRequest` (a `BaseRequest`), so every
message is checked as Telegram would check it; the store is real files on disk.
"""

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest
from telegram import Update

from bot.channels.telegram import TelegramChannel
from bot.conversation import Conversation
from bot.events import COMMANDS, Remind
from bot.flow import Flow
from bot.render import Renderer
from bot.store import ReminderIndex, UserStore
from tests.support.telegram_standin import DEFAULT_TOKEN, FakeTelegram, StandInRequest

USER = 5551234


class Harness:
    """The bot's Application plus a fake Telegram; each step runs the bot on what is queued."""

    def __init__(self, tmp_path) -> None:
        self.fake = FakeTelegram()
        self.store = UserStore(tmp_path)
        self.channel = TelegramChannel(Conversation(self.store), Renderer())
        self.app = self.channel.build(
            DEFAULT_TOKEN,
            "http://telegram.invalid",
            request=StandInRequest(self.fake),
            get_updates_request=StandInRequest(self.fake),
        )
        self.offset = 0

    async def run_queued(self) -> None:
        """Deliver every queued update to the Application and wait for its handlers."""
        status, body = self.fake.call("getUpdates", {"offset": self.offset, "timeout": 0})
        assert status == 200, body
        for raw in body["result"]:
            self.offset = raw["update_id"] + 1
            await self.app.process_update(Update.de_json(raw, self.app.bot))

    async def send(self, text: str, user: int = USER, **kwargs) -> str:
        self.fake.send_text(user, text, **kwargs)
        await self.run_queued()
        return self.fake.last_text(kwargs.get("chat_id") or user)

    async def press(self, label: str, user: int = USER) -> str:
        self.fake.press(user, label)
        await self.run_queued()
        return self.fake.last_text(user)

    def answers(self, user: int = USER) -> dict:
        record = self.store.load(str(user)) or {}
        return {k: v["value"] for k, v in record.get("case", {}).get("answers", {}).items()}


@pytest.fixture
def bot(tmp_path):
    harness = Harness(tmp_path)
    asyncio.run(harness.app.initialize())
    yield harness
    asyncio.run(harness.app.shutdown())
    assert harness.fake.errors == [], "the bot sent something Telegram would reject"


def run(coroutine):
    return asyncio.run(coroutine)


# A whole conversation, question by question: at each question (found by the data of its
# buttons) what is sent or pressed, and what the bot must say back. A question not named here
# (one added to the flow) is answered "I don't know yet".
CONVERSATION = {
    "treatment": [("press", "IV ketamine infusion", "")],
    "insurer": [("send", "Blue Cross <Texas> & Co", "")],
    "plan_type": [("press", "HMO", "")],
    "bh_carveout": [("press", "No", "")],
    "coverage": [("press", "I don't know yet", "")],
    "preauth": [("press", "Yes", "")],
    "referral": [("press", "Yes", "")],
    "trials": [("press", "2", "")],  # a suggestion button
    "clinic": [("send", "Calm Mind", "Is Calm Mind in your plan's network?")],
    "network": [("press", "In network", "")],
    "deductible": [("send", "1,5", "decimal point"), ("send", "$2,000", "")],
    "deductible_met": [("send", "2500", "more than your deductible ($2,000)"), ("send", "0", "")],
    "cost_sharing": [("press", "Copay ($ per session)", "")],
    "copay": [("send", "$40", "")],
    "oop_max": [("send", "$6,000", "")],
    "oop_met": [("send", "1.5k", "")],
    "price_per_session": [("send", "$450", "")],
    "sessions": [("send", "6", "")],
}
# What each question's prompt says, in part, checked when it is asked.
PROMPTS = {
    "insurer": "health insurer",
    "plan_type": "type of plan",
    "bh_carveout": "separate company",
    "coverage": "Does your plan cover IV ketamine infusions",
    "referral": "HMO and POS plans usually require",
    "clinic": "Which clinic",
}


def asking(bot) -> str | None:
    """The question the newest keyboard belongs to, from its buttons' data."""
    data = [d for _, d in bot.fake.buttons(USER) if d.split(":")[0] in ("a", "k")]
    return data[0].split(":")[1] if data else None


def test_a_whole_conversation_reads_like_a_chat(bot):
    flow = Flow()
    begun = {"for_whom": "self"}  # Let's begin: the user's own case
    n = flow.counted(begun).index("treatment") + 1
    total = len(flow.counted(begun))

    async def chat():
        welcome = await bot.send("/start")
        assert "ketamine therapy" in welcome and "988" in welcome
        assert f"Question {n} of {total}" in await bot.press("Let's begin")
        before = len(bot.fake.messages(USER))
        while (question := asking(bot)) is not None:
            before = len(bot.fake.messages(USER))
            assert PROMPTS.get(question, "") in bot.fake.last_text(USER), question
            for how, what, reply in CONVERSATION.get(
                question, [("press", f"a:{question}:unknown", "")]
            ):
                said = await (bot.press(what) if how == "press" else bot.send(what))
                assert reply in said, (question, what)
        summary, estimate, card = [m["text"] for m in bot.fake.messages(USER)[before:]]
        assert summary.startswith("Your answers")
        assert "Cost estimate" in estimate and "for 6 sessions" in estimate
        assert card.startswith("Phone card for your call to Blue Cross <Texas> & Co")
        before = len(bot.fake.messages(USER))
        await bot.press("The full checklist")
        script = "\n".join(m["text"] for m in bot.fake.messages(USER)[before:])
        assert "J3490" in script  # IV ketamine's drug code
        assert "Download the call script" in [label for label, _ in bot.fake.buttons(USER)]
        assert "Insurer: Blue Cross <Texas> & Co" in summary
        assert "Copay per session: $40" in summary
        assert "Covered for depression: not known yet" in summary

    run(chat())
    saved = bot.answers()
    assert {k: v for k, v in saved.items() if k in CONVERSATION} == {
        "treatment": "iv_ketamine",
        "insurer": "Blue Cross <Texas> & Co",
        "plan_type": "hmo",
        "bh_carveout": "no",
        "coverage": "unknown",
        "preauth": "yes",
        "referral": "yes",
        "trials": 2,
        "clinic": "Calm Mind",
        "network": "in",
        "deductible": "2000.00",
        "deductible_met": "0.00",
        "cost_sharing": "copay",
        "copay": "40.00",
        "oop_max": "6000.00",
        "oop_met": "1500.00",
        "price_per_session": "450.00",
        "sessions": 6,
    }
    assert saved.pop("for_whom") == "self"  # Let's begin: the user's own case
    assert {v for k, v in saved.items() if k not in CONVERSATION} <= {"unknown"}


def test_a_press_edits_the_question_to_show_the_answer_without_buttons(bot):
    async def chat():
        await bot.send("/start")
        await bot.press("Let's begin")
        question = bot.fake.messages(USER)[-1]
        await bot.press("Spravato (esketamine nasal spray)")
        edited = next(
            m for m in bot.fake.messages(USER) if m["message_id"] == question["message_id"]
        )
        assert "✓ Spravato (esketamine nasal spray)" in edited["text"]
        assert "reply_markup" not in edited
        assert bot.fake.answered_callbacks, "the button press was never answered"

    run(chat())


def test_a_press_on_an_old_question_is_answered_closed_and_changes_nothing(bot):
    async def chat():
        await bot.send("/start")
        await bot.press("Let's begin")
        await bot.press("Spravato (esketamine nasal spray)")
        await bot.send("Aetna")
        old_question = bot.fake.messages(USER)[1]["message_id"]
        before = len(bot.fake.messages(USER))
        bot.fake.press_data(USER, "a:treatment:iv_ketamine", old_question)
        bot.fake.press_data(USER, "forged:data", old_question)
        bot.fake.press_data(USER, "a:insurer:unknown", old_question)  # another question
        await bot.run_queued()
        assert len(bot.fake.messages(USER)) == before
        notices = [a.get("text") for a in bot.fake.answered_callbacks[-3:]]
        assert notices == ["That question is closed. Please use the latest message."] * 3

    run(chat())
    assert bot.answers() == {"for_whom": "self", "treatment": "spravato", "insurer": "Aetna"}


def test_the_same_update_delivered_twice_applies_once(bot):
    async def chat():
        await bot.send("/start")
        await bot.press("Let's begin")
        bot.fake.press(USER, "IM ketamine injection")
        _, body = bot.fake.call("getUpdates", {"offset": bot.offset, "timeout": 0})
        (raw,) = body["result"]
        bot.offset = raw["update_id"] + 1
        for _ in range(2):
            await bot.app.process_update(Update.de_json(raw, bot.app.bot))
        assert "health insurer" in bot.fake.last_text(USER)
        await bot.send("Cigna")

    run(chat())
    assert bot.answers() == {"for_whom": "self", "treatment": "im_ketamine", "insurer": "Cigna"}


def test_in_a_group_the_bot_says_once_that_it_works_in_private_and_stores_nothing(bot, tmp_path):
    group = -100200300

    async def chat():
        await bot.send("/start", chat_type="group", chat_id=group)
        await bot.send("my deductible is $500", chat_type="group", chat_id=group)

    run(chat())
    (notice,) = bot.fake.messages(group)
    assert "only work in a private chat" in notice["text"]
    assert list(bot.store.keys()) == []


def test_crisis_words_bring_the_crisis_resources_first(bot):
    async def chat():
        await bot.send("/start")
        await bot.press("Let's begin")
        await bot.press("Spravato (esketamine nasal spray)")
        before = len(bot.fake.messages(USER))
        await bot.send("some days I think about suicide")
        (crisis,) = bot.fake.messages(USER)[before:]
        assert "988" in crisis["text"] and "saved nothing" in crisis["text"]
        await bot.press("Go on")
        assert "health insurer" in bot.fake.messages(USER)[-1]["text"]

    run(chat())
    assert bot.answers() == {"for_whom": "self", "treatment": "spravato"}


def test_stickers_edits_and_unknown_commands_get_a_reply(bot):
    async def chat():
        await bot.send("/start")
        await bot.press("Let's begin")
        bot.fake.send_update(
            {
                "message": {
                    "message_id": 900,
                    "date": 1764150000,
                    "chat": {"id": USER, "type": "private", "first_name": "Test"},
                    "from": {"id": USER, "is_bot": False, "first_name": "Test"},
                    "sticker": {
                        "file_id": "s1",
                        "file_unique_id": "u1",
                        "type": "regular",
                        "width": 512,
                        "height": 512,
                        "is_animated": False,
                        "is_video": False,
                    },
                }
            }
        )
        await bot.run_queued()
        assert "Which treatment" in bot.fake.last_text(USER)
        assert any("only read typed text" in m["text"] for m in bot.fake.messages(USER)[-2:])
        reply = await bot.send("/frobnicate now")
        assert "I don't know that command" in reply and "/answers" in reply

    run(chat())


def test_answers_then_a_change_is_one_short_message(bot):
    async def chat():
        await bot.send("/start")
        await bot.press("Let's begin")
        await bot.press("Not sure yet")
        for _ in range(30):
            buttons = bot.fake.buttons(USER)
            if "Review or change answers" in [label for label, _ in buttons]:
                break
            await bot.press(next(data for _, data in buttons if data.endswith(":unknown")))
        listing = await bot.send("/answers")
        assert "Your saved answers" in listing
        await bot.press("Insurer")
        assert "Changing an answer" in bot.fake.last_text(USER)
        before = len(bot.fake.messages(USER))
        await bot.send("Kaiser")
        (changed,) = bot.fake.messages(USER)[before:]
        assert changed["text"].startswith("✓ Saved: Insurer, Kaiser.\nYour estimate")
        assert len(changed["text"]) <= 800
        labels = [label for row in changed["reply_markup"]["inline_keyboard"] for label in row]
        assert [b["text"] for b in labels] == [
            "Cost estimate",
            "Call script",
            "Review or change answers",
        ]

    run(chat())
    assert bot.answers()["insurer"] == "Kaiser"


def test_the_command_menu_lists_the_commands(bot):
    run(bot.channel.post_init(bot.app))
    names = [command["command"] for command in bot.fake.commands]
    assert names == [name for name in COMMANDS if name != "idioma"]
    spanish = [command["command"] for command in bot.fake.commands_for("es")]
    assert spanish == [name for name in COMMANDS if name != "language"]


def test_record_on_disk_is_json_with_the_update_id(bot, tmp_path):
    async def chat():
        await bot.send("/start")
        await bot.press("Let's begin")

    run(chat())
    record = json.loads((tmp_path / "users" / f"{USER}.json").read_text())["case"]["1"]
    assert record["recent_updates"][-1] == bot.offset - 1


def test_a_long_call_script_is_split_into_valid_messages_and_offered_as_a_file(bot):
    async def chat():
        await bot.send("/start")
        await bot.press("Let's begin")
        await bot.press("Not sure yet")
        before = len(bot.fake.messages(USER))
        await bot.send("/callscript")
        (card,) = [m["text"] for m in bot.fake.messages(USER)[before:]]  # the phone card: one
        assert card.startswith("Phone card") and len(card) <= 4096
        before = len(bot.fake.messages(USER))
        await bot.press("The full checklist")
        parts = [m["text"] for m in bot.fake.messages(USER)[before:]]
        assert len(parts) >= 2  # longer than one Telegram message
        assert all(len(part) <= 4096 for part in parts)
        await bot.press("Download the call script")
        (document,) = bot.fake.documents
        assert document.file_name == "call-script.txt"
        assert "J0013" in document.data.decode() and "J3490" in document.data.decode()

    run(chat())


def test_export_sends_the_files_and_delete_erases_the_user(bot, tmp_path):
    async def chat():
        await bot.send("/start")
        await bot.press("Let's begin")
        await bot.press("Spravato (esketamine nasal spray)")
        await bot.send("Aetna")
        await bot.send("/export")
        names = [d.file_name for d in bot.fake.documents]
        assert names == ["my-data.json", "call-script.txt", "estimate.txt"]
        (chart,) = bot.fake.photos  # the cost chart, shown as a picture
        assert chart.file_name == "cost-chart.png" and chart.data.startswith(b"\x89PNG")
        exported = json.loads(bot.fake.documents[0].data)
        assert exported["record"]["case"]["answers"]["insurer"]["value"] == "Aetna"
        assert "Delete everything?" in await bot.send("/delete")
        assert "erased" in await bot.press("Yes, delete everything")

    run(chat())
    assert not (tmp_path / "users" / f"{USER}.json").exists()
    assert bot.answers() == {}


def test_each_look_delivers_the_reminders_due_once_and_start_up_plans_nothing(tmp_path):
    """Nothing is scheduled at start-up however many reminders are set; each look delivers
    those due (one missed while the bot was down among them), once, and leaves the later."""
    index = ReminderIndex(tmp_path)
    harness = Harness(tmp_path)
    conversation = harness.channel.conversation
    conversation.reminder_index = index
    today = datetime.now(conversation.zone).date()
    set_on = datetime.now(UTC) - timedelta(days=5)
    earlier = Conversation(harness.store, clock=lambda: set_on, reminder_index=index)
    due = {"11": today - timedelta(days=3), "12": today + timedelta(days=1)}
    for key, day in due.items():
        earlier.handle(key, Remind("call", day.isoformat()))
    assert dict(index.items()) == {key: [day.isoformat()] for key, day in due.items()}

    async def start_and_look() -> None:
        await harness.app.initialize()
        for key in due:
            await harness.send("/help", user=int(key))
        await harness.channel.post_init(harness.app)
        assert [job.name for job in harness.channel.job_queue.jobs()] == ["look", "look"]
        await harness.channel.look(Context(harness.app.bot))
        await harness.channel.look(Context(harness.app.bot))  # nothing more is due

    run(start_and_look())
    try:
        (_, reminder) = [m["text"] for m in harness.fake.messages(11)]
        assert "Reminder" in reminder
        assert len(harness.fake.messages(12)) == 1  # the help: the reminder is for tomorrow
        assert dict(index.items()) == {"12": [due["12"].isoformat()]}
    finally:
        run(harness.app.shutdown())


class Context:
    """What a job's callback is given, as far as `look` reads it."""

    def __init__(self, bot) -> None:
        self.bot = bot


class CountingLimiter:
    """Stands in the rate limiter's overall limit, counting what passes through it."""

    def __init__(self) -> None:
        self.passed = 0

    async def __aenter__(self) -> None:
        self.passed += 1

    async def __aexit__(self, *exc) -> None:
        return None


def test_replies_skip_the_broadcast_limit_and_reminders_keep_it(tmp_path):
    """Telegram's ~30 a second is for what a bot sends on its own: the replies to a user's
    messages and presses (edits too) are not queued behind it; a reminder is."""
    index = ReminderIndex(tmp_path)
    harness = Harness(tmp_path)
    harness.channel.conversation.reminder_index = index
    overall = CountingLimiter()

    async def chat() -> None:
        await harness.app.initialize()
        harness.app.bot.rate_limiter._base_limiter = overall
        await harness.send("/start")
        await harness.press("Let's begin")
        await harness.press("IV ketamine infusion")  # an edit and the next question
        calls = [name for name, params in harness.fake.calls if "chat_id" in params]
        assert calls.count("editMessageText") == 1 and calls.count("sendMessage") == 3
        assert overall.passed == 0
        set_on = datetime.now(UTC) - timedelta(days=5)
        earlier = Conversation(harness.store, clock=lambda: set_on, reminder_index=index)
        yesterday = datetime.now(UTC).date() - timedelta(days=1)
        earlier.handle(str(USER), Remind("call", yesterday.isoformat()))
        await harness.channel.look(Context(harness.app.bot))
        assert "Reminder" in harness.fake.last_text(USER)
        assert overall.passed == 1

    try:
        run(chat())
    finally:
        run(harness.app.shutdown())
