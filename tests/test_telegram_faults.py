"""Telegram's own failures, injected by the stand-in, against the real `python -m bot` process.

429 with retry_after, 500 and 502, a response slower than the client's timeout, a dropped
connection, "message is not modified", "query is too old", and a user who blocked the bot:
the bot keeps serving everyone else, retries what can succeed, logs without crashing, and
loses no saved answer; the user whose message failed gets it once Telegram accepts again.
"""

import json

from bot.flow import Flow
from bot.render import Renderer
from tests.support.bot_process import TIMEOUT, BotProcess
from tests.support.telegram_standin import FakeTelegram, StandInServer

A, B, C = 4101, 4202, 4303
FLOW = Flow()
RENDERER = Renderer()


def asked_after(question: str, answers: dict) -> tuple[str, str]:
    """The question the flow asks after `question`, and the start of its prompt."""
    ids = [q.id for q in FLOW.applicable(answers)]
    following = next(i for i in ids[ids.index(question) + 1 :] if i not in answers)
    template = RENDERER.text.get_template(f"questions/{following}.j2")
    return following, str(template.make_module({"answers": answers}).prompt)[:30]


def answers(tmp_path, user: int) -> dict:
    path = tmp_path / "data" / "users" / f"{user}.json"
    record = json.loads(path.read_text())["case"]["1"]
    return {qid: answer["value"] for qid, answer in record["case"]["answers"].items()}


def newest(fake: FakeTelegram, user: int, count: int, phrase: str) -> None:
    """Wait until the user has at least `count` messages, the newest containing `phrase`."""
    fake.wait_for(
        lambda f: len(f.messages(user)) >= count and phrase in f.last_text(user), TIMEOUT * 2
    )


def test_the_bot_rides_out_telegram_faults_and_loses_nothing(tmp_path):
    fake = FakeTelegram()
    with StandInServer(fake) as server:
        bot = BotProcess(server, tmp_path)
        bot.start(fake)
        for user in (A, B, C):
            fake.send_text(user, "/start")
            newest(fake, user, 1, "ketamine therapy")

        # A's next message fails four ways before Telegram takes it.
        for kind in ("429", "500", "502", "drop"):
            fake.inject("sendMessage", kind, chat_id=A)
        fake.inject("answerCallbackQuery", "query_too_old")
        fake.inject("editMessageText", "not_modified")
        fake.press(A, "Let's begin")
        # Meanwhile B is served as usual.
        fake.press(B, "Let's begin")
        newest(fake, B, 2, "Which treatment")
        fake.press(B, "Spravato (esketamine nasal spray)")
        newest(fake, B, 3, "health insurer")
        newest(fake, A, 2, "Which treatment")  # delivered once Telegram accepted it

        # A slow response past the client's timeout, then the answer is delivered anyway.
        fake.inject("sendMessage", "slow", chat_id=A, seconds=6)
        fake.press(A, "IV ketamine infusion")
        newest(fake, A, 3, "health insurer")

        # C blocked the bot: their answer is still saved, nobody else is affected.
        fake.press(C, "Let's begin")
        newest(fake, C, 2, "Which treatment")
        fake.inject("sendMessage", "blocked", chat_id=C)
        fake.press(C, "IM ketamine injection")
        fake.send_text(B, "Aetna")
        _, prompt = asked_after("insurer", {"treatment": "spravato", "insurer": "Aetna"})
        newest(fake, B, 4, prompt)

        # Polling itself fails for a while.
        fake.inject("getUpdates", "502", times=2)
        fake.inject("getUpdates", "drop")
        fake.send_text(A, "Cigna")
        said = {"treatment": "iv_ketamine", "insurer": "Cigna"}
        following, prompt = asked_after("insurer", said)
        newest(fake, A, 4, prompt)
        fake.wait_for(lambda f: f.faults_pending() == 0, TIMEOUT * 2)
        # The timed-out request was carried out late, as Telegram may: a second copy of the
        # insurer question can come after the next question. Press on the next question.
        asked = next(m for m in fake.messages(A) if prompt in m["text"])
        press = f"a:{following}:unknown"
        fake.press(A, press, message_id=asked["message_id"])  # polling has recovered
        said[following] = "unknown"
        newest(fake, A, 5, asked_after(following, said)[1])
        assert bot.stop() == 0

    assert fake.faults_pending() == 0, (fake.faults_fired, fake._faults)
    assert {kind for _, kind in fake.faults_fired} == {
        "429",
        "500",
        "502",
        "drop",
        "slow",
        "blocked",
        "not_modified",
        "query_too_old",
    }
    assert fake.errors == []
    mine = {"for_whom": "self"}  # each pressed Let's begin
    assert answers(tmp_path, A) == mine | said
    assert answers(tmp_path, B) == mine | {"treatment": "spravato", "insurer": "Aetna"}
    assert answers(tmp_path, C) == mine | {"treatment": "im_ketamine"}
    log = bot.log()
    assert "Traceback" not in log and " ERROR " not in log, log
    assert "blocked the bot" in log
