"""Hostile and odd input (issue 5), through the real python-telegram-bot Application.

A user is driven once, with real presses and messages, to every question of the main flow
(conditional ones through the branch that enables them), to every call-logging form, to the
answers menu and the pick list of a call, to an answer being changed, to pending reset and
delete confirmations, to the summary, and to nothing at all (a new user). Each of these states is
kept as the user's record; before every input the record is put back through the store, so each
input meets exactly that state. Every state then receives:

* a corpus of nasty messages: empty and blank text, 10,000 characters, emoji and combining
  characters, right-to-left text, zero-width and control characters, HTML, MarkdownV2 and jinja2
  syntax, numbers written every which way, stickers, photos, voice messages, edited messages,
  commands with arguments, unknown commands, a message with no content;
* forged button data: other questions, another user's buttons, nothing, garbage, over 64 bytes,
  call and confirmation buttons out of place, reminders in the past, unknown reminders;
* hypothesis-generated text and button data.

Then hostile names that the bot accepts (HTML, 100 astral emoji, combining marks, template syntax,
right-to-left text) are saved everywhere free text goes and every screen that shows them is
opened. The bugs it found were fixed; their tests stay, as regression tests.

Properties checked for every input:

* the bot does something visible (sends or edits a message, or answers the button press);
* FakeTelegram rejects nothing (valid HTML, at most 4,096 characters, callback data within 64
  bytes, ...);
* no ERROR record from the bot's or python-telegram-bot's loggers;
* the user's file still parses;
* what is saved changes only when the input answers the question being asked, and then only
  that answer (and answers capped by it, such as what is met of a lowered deductible), with a
  value that is a plausible reading of the input (`plausible`, below). Forged button data must
  be answered "that question is closed" and leave the record exactly as it was (a pending
  confirmation being cancelled is the only change allowed).

What counts as a plausible reading is decided here, independently of the bot's parser:

* "I don't know" is plausible only for input containing "?" or one of know, sure, idk, dunno,
  idea, clue, unknown (or in Spanish: no sé, seguro, idea, sabe, omitir...);
* a choice only for input whose ASCII letters spell its id ("iv_ketamine", "in"), or for yes/no
  questions start with y/n or are true/false (or sí, claro for yes);
* free text only if the saved text is 1 to 100 characters, trimmed, without doubled spaces,
  control or zero-width characters, and has the same letters and digits as the input;
* an amount or percentage only if the input's numerals are all ASCII (fullwidth folds to ASCII)
  and, ignoring leading and trailing zeros, its digits are those of the saved value ("1.5k" is
  1500.00), with no minus sign or accounting brackets unless it is zero, no comma that is not a
  thousands separator, within the question's range and any cap ("met" at most the limit);
* a count only for its English word, or if its first digit run is the number and any later run
  is only zeros ("3.0"), in the question's range;
* a figure written wholly in words (English or Spanish, "mil quinientos") only for the number
  text2num, the library, reads in it: the one reading not decided here;
* a date only for "today"/"yesterday", or if the input's numbers include its month and day; never
  after today for a call or a letter, never before the approval's start for its end.

`pytest tests/test_hostile_input.py -q -s` ends with a line such as
"hostile input: 5000 inputs tried, 0 failures".
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz
from telegram import Update
from text_to_num import text2num

from bot.calls import AUTHORIZATION, CALL_DETAILS, form_of
from bot.channels.telegram import TelegramChannel
from bot.choosing import CLOSE_ENOUGH, words_of
from bot.conversation import Conversation
from bot.events import MENU_ITEMS, Confirm, decode
from bot.flow import UNKNOWN, YES_NO, Flow, Kind, Question
from bot.reminders import KINDS
from bot.render import Renderer
from bot.store import UserStore
from tests.support.flow_answers import answer_for
from tests.support.telegram_standin import (
    BOT_ID,
    BOT_USERNAME,
    DEFAULT_TOKEN,
    FakeTelegram,
    StandInRequest,
)

USER = 7770001
OTHER = 7770002
FLOW = Flow()
FORM_QUESTIONS = (*CALL_DETAILS.questions, *AUTHORIZATION.questions)
ALL_QUESTIONS = (*FLOW.questions, *FORM_QUESTIONS)
CHOICE_WORDS = Renderer().choice_words
"""What may be typed for each option, as the bot reads it: a typed choice is checked against it."""
CLOSED = "That question is closed. Please use the latest message."
BOT_ACTIONS = frozenset(
    {
        "sendMessage",
        "editMessageText",
        "editMessageReplyMarkup",
        "answerCallbackQuery",
        "sendDocument",
    }
)
DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d"
UNKNOWN_HINTS = ("?", "know", "sure", "idk", "dunno", "idea", "clue", "unknown")
UNKNOWN_HINTS_ES = ("no se", "no lo se", "segur", "idea", "sabe", "desconocido", "omitir", "saltar")
"""The same in Spanish, read without accents."""
YES_ES = ("si", "claro", "sip")
INVISIBLE = frozenset("\u00ad\u180e\u200b\u200c\u200d\u200e\u200f\u2060\ufeff")
# fmt: off
NUMBER_WORDS = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen", "twenty",
)
# fmt: on
NOTHING_WORDS = frozenset(
    {"nothing", "none", "zero", "nil", "nada", "nothing yet", "none yet", "cero", "ninguno"}
    | {"ninguna", "nada todavia", "nada aun"}
)
"""Words the bot takes as 0 where a figure is asked."""

QUERY_IDS = itertools.count(9_000_000_000)
TALLY = {"tried": 0, "accepted": 0, "failures": 0}


# -- the harness -------------------------------------------------------------------------------


class WatchedTelegram(FakeTelegram):
    """FakeTelegram that also notes each chat's newest message with buttons.

    Its `messages` deep-copies the whole history, which grows to thousands of messages here.
    """

    def __init__(self) -> None:
        super().__init__()
        self.newest: dict[int, int] = {}

    def call(self, method, params=None, files=None, **kwargs):
        """Handle one Bot API call, noting where the user would press next."""
        status, response = super().call(method, params, files, **kwargs)
        result = response.get("result")
        if method == "sendMessage" and status == 200 and "reply_markup" in result:
            self.newest[result["chat"]["id"]] = result["message_id"]
        return status, response


class Harness:
    """The bot's Application, a strict fake Telegram and a real store, on one event loop."""

    def __init__(self, data_dir: Path) -> None:
        self.fake = WatchedTelegram()
        self.store = UserStore(data_dir)
        renderer = Renderer()  # typed choices read as the real bot reads them (bot/__main__.py)
        self.channel = TelegramChannel(
            Conversation(self.store, words=renderer.choice_words), renderer
        )
        self.app = self.channel.build(
            DEFAULT_TOKEN,
            "http://telegram.invalid",
            request=StandInRequest(self.fake),
            get_updates_request=StandInRequest(self.fake),
            overall_max_rate=0,  # thousands of replies: the real 30/s limit would take minutes
        )
        self.offset = 0
        self.seen_calls = 0
        self.on_disk: object = object()
        """The state record known to be on disk, to skip rewriting it after a no-op input."""
        self.loop = asyncio.new_event_loop()
        self.loop.run_until_complete(self.app.initialize())

    def close(self) -> None:
        """Shut the Application down and close its loop."""
        self.loop.run_until_complete(self.app.shutdown())
        self.loop.close()

    def run_queued(self) -> int:
        """Deliver every queued update; return how many visible things the bot did."""
        self.on_disk = object()
        self.loop.run_until_complete(self._process_queued())
        new = self.fake.calls[self.seen_calls :]
        self.seen_calls += len(new)
        return sum(method in BOT_ACTIONS for method, _ in new)

    async def _process_queued(self) -> None:
        status, body = self.fake.call("getUpdates", {"offset": self.offset, "timeout": 0})
        assert status == 200, body
        for raw in body["result"]:
            self.offset = raw["update_id"] + 1
            await self.app.process_update(Update.de_json(raw, self.app.bot))

    def text(self, text: str, user: int = USER) -> None:
        """Type a message and let the bot answer it."""
        self.fake.send_text(user, text)
        self.run_queued()

    def press(self, data: str, user: int = USER) -> dict[str, Any]:
        """Press button data on the newest message with buttons; return the callback answer."""
        self.fake.press_data(user, data, self.target(user))
        self.run_queued()
        return self.fake.answered_callbacks[-1]

    def target(self, user: int = USER) -> int:
        """The message a press lands on: the newest with buttons."""
        return self.fake.newest[user]

    def record(self, user: int = USER) -> dict[str, Any] | None:
        """The user's record as saved (CorruptRecordError if the file no longer parses)."""
        return self.store.load(str(user))

    def restore(self, record: dict[str, Any] | None, user: int = USER) -> None:
        """Put a saved record back, exactly (None: the user has never written)."""
        if record is None:
            self.store.delete(str(user))
        else:
            self.store.save(str(user), record)
        self.on_disk = record if user == USER else object()

    def file_parses(self, user: int = USER) -> bool:
        """Whether the user's file, if any, is plain JSON."""
        path = self.store.path_for(str(user))
        if not path.exists():
            return True
        try:
            json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            return False
        return True


@dataclass(frozen=True)
class State:
    """A point in the conversation: the saved record and the question being asked, if any."""

    name: str
    record: dict[str, Any] | None
    question: str | None

    @property
    def confirming(self) -> str | None:
        """The confirmation pending in this state, if any."""
        return (self.record or {}).get("case", {}).get("confirming")

    @property
    def answers(self) -> dict[str, Any]:
        """The saved answers with what was said on a call being logged."""
        return said(self.record)


def current_question(record: dict[str, Any] | None) -> str | None:
    """The question the record says is being asked, if any."""
    case = (record or {}).get("case", {})
    if case.get("mode") == "logging":
        return (case.get("call") or {}).get("cursor")
    if case.get("mode") in ("asking", "editing"):
        return case.get("cursor")
    return None


def said(record: dict[str, Any] | None) -> dict[str, Any]:
    """Question id -> value, for the saved answers and what a call being logged said."""
    case = (record or {}).get("case", {})
    values = {qid: entry["value"] for qid, entry in case.get("answers", {}).items()}
    return values | dict((case.get("call") or {}).get("answers", {}))


MAIN_STATES = [q.id for q in FLOW.questions]
CALL_STATES = [f"call:{q.id}" for q in FORM_QUESTIONS]
OTHER_STATES = [
    "new",
    "summary",
    "edit:deductible",
    "reset_confirm",
    "delete_confirm",
    "call:answers",
    "call:pick",
    "call:coverage",
]
STATE_NAMES = [*MAIN_STATES, *CALL_STATES, *OTHER_STATES]
"""Every state the corpus is sent to; `build_states` must reach each one."""


def answer_as_asked(h: Harness, question: str, answers: dict[str, str], user: int = USER) -> None:
    """Answer `question` from `answers`, or with the default of its kind; choices are pressed."""
    answer = answer_for(FLOW[question], answers)
    if FLOW[question].kind == Kind.CHOICE or answer == UNKNOWN:
        h.press(f"a:{question}:{answer}", user)
        return
    h.text(answer, user)
    if "Was that meant for this question?" in h.fake.last_text(user):  # the same figure again
        h.press(Confirm("resent", "yes").data, user)


def build_states(h: Harness) -> dict[str, State]:
    """Drive the user through the conversation, keeping the record at every state."""
    states: dict[str, State] = {"new": State("new", None, None)}

    def keep(name: str, question: str | None) -> None:
        record = h.record()
        assert current_question(record) == question, (name, record and record["case"])
        states[name] = State(name, record, question)

    def go_to(name: str) -> None:
        h.restore(states[name].record)

    h.text("/start")
    h.press("m::continue")  # asked whom the case is for (the welcome's buttons answer it)
    # The walk answers whatever the flow asks: these answers where given, else the default of
    # the question's kind. Choices are pressed, the rest typed.
    answers = {
        "for_whom": "other",  # so that their name is asked too
        "treatment": "spravato",
        "insurer": "Aetna",
        "plan_type": "ppo",
        "bh_carveout": "yes",
        "bh_company": "Magellan",
        "coverage": "unknown",
        "benefit": "pharmacy",
        "preauth": "yes",
        "referral": "no",
        "trials": "3",
        "clinic": "Calm Mind",
        "network": "out",
        "network_options": "no",
        "deductible": "1000",
        "deductible_met": "200",
        "cost_sharing": "coinsurance",
        "coinsurance_pct": "20%",
        "oop_max": "5000",
        "oop_met": "300",
        "price_per_session": "600",
        "allowed_per_session": "400",
        "sessions": "8",
    }
    while (question := current_question(h.record())) is not None:
        keep(question, question)
        answer_as_asked(h, question, answers)
    keep("summary", None)

    go_to("cost_sharing")
    h.press("a:cost_sharing:copay")
    keep("copay", "copay")
    h.text("40")
    keep("copay_deductible", "copay_deductible")

    go_to("drug_cost_sharing")
    h.press("a:drug_cost_sharing:coinsurance")
    keep("drug_coinsurance_pct", "drug_coinsurance_pct")

    go_to("plan_type")
    h.press("a:plan_type:medicare")
    keep("medicare_kind", "medicare_kind")
    h.press("a:medicare_kind:original")
    keep("medigap", "medigap")

    go_to("summary")
    h.press("e:deductible:")
    keep("edit:deductible", "deductible")

    go_to("insurer")
    h.text("/reset")
    keep("reset_confirm", "insurer")
    go_to("insurer")
    h.text("/delete")
    keep("delete_confirm", "insurer")

    go_to("summary")
    h.text("/logcall")
    keep("call:call_party", "call_party")
    h.press("a:call_party:insurer")
    keep("call:call_date", "call_date")
    h.press("a:call_date:today")
    keep("call:call_rep", "call_rep")
    h.text("Jane")
    keep("call:call_reference", "call_reference")
    h.text("REF-1")
    keep("call:answers", None)
    h.press("m::callwalk")
    keep("call:coverage", "coverage")
    go_to("call:answers")
    h.press("m::callpick")
    keep("call:pick", None)
    go_to("call:answers")
    h.press("m::calldone")
    keep("call:pa_status", "pa_status")
    h.press("a:pa_status:approved")
    keep("call:pa_number", "pa_number")
    h.text("PA-1")
    keep("call:pa_sessions", "pa_sessions")
    h.text("12")
    keep("call:pa_start", "pa_start")
    h.text((datetime.now(UTC).date() + timedelta(days=10)).isoformat())
    keep("call:pa_end", "pa_end")
    go_to("call:pa_status")
    h.press("a:pa_status:denied")
    h.text("D-1")
    keep("call:pa_letter_date", "pa_letter_date")
    h.text("yesterday")
    keep("call:call_note", "call_note")

    assert sorted(states) == sorted(STATE_NAMES)
    return states


@dataclass
class Hostile:
    """The harness, the states reached, and another user's button data."""

    h: Harness
    states: dict[str, State]
    other_data: list[str]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Hostile:
    h = Harness(tmp_path_factory.mktemp("hostile"))
    states = build_states(h)
    # Another user, stopped at the network question: their buttons are data this user never got.
    h.text("/start", OTHER)
    h.press("m::begin", OTHER)
    theirs = (
        {"treatment": "iv_ketamine", "insurer": "Cigna", "plan_type": "hmo"}
        | {
            "bh_carveout": "no",
            "coverage": "yes",
            "preauth": "no",
            "referral": "yes",
            "trials": "2",
        }
        | {"clinic": "Blue Clinic"}
    )
    while (question := current_question(h.record(OTHER))) != "network":
        answer_as_asked(h, question, theirs, OTHER)
    other_data = [data for _, data in h.fake.buttons(OTHER)]
    h.restore(states["new"].record)
    yield Hostile(h, states, other_data)
    h.close()
    assert h.fake.errors == [], "the bot sent something Telegram would reject"


# -- the corpus ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Input:
    """One corpus item: a label for reports, how to queue it, and its text if it is typed text."""

    label: str
    queue: Callable[[FakeTelegram, int], object]
    text: str | None = None


def typed(text: str, label: str | None = None) -> Input:
    """A typed message (its text is judged as a possible answer)."""
    return Input(label or repr(text), lambda fake, user: fake.send_text(user, text), text)


def command(text: str) -> Input:
    """A command: it may move the conversation but must never change an answer."""
    return Input(text, lambda fake, user: fake.send_text(user, text))


def content(label: str, **fields: Any) -> Input:
    """A message without text: a sticker, a photo, a voice message, nothing at all."""
    return Input(label, lambda fake, user: fake.send_message(user, **fields))


def edited(text: str) -> Input:
    """An edit of a message the user sent earlier."""

    def queue(fake: FakeTelegram, user: int) -> object:
        person = {"id": user, "is_bot": False, "first_name": "Test"}
        message = {
            "message_id": 1,
            "date": 1764150000,
            "edit_date": 1764150100,
            "chat": {"id": user, "type": "private", "first_name": "Test"},
            "from": person,
            "text": text,
        }
        return fake.send_update({"edited_message": message})

    return Input(f"edited message {text!r}", queue)


FILE = {"file_id": "f1", "file_unique_id": "u1"}
TEXTS = [
    "",
    " ",
    "\t \n \u3000\u00a0",
    "a" * 10_000,
    "9" * 10_000,
    "<b>" * 2_500,
    "&" * 4_096,
    "💊" * 3_000,
    "👨‍👩‍👧‍👦 🏳️‍🌈 🇺🇸",
    "Z̸̡̛͓̙͚a̷̢͉̔l̶̙̊g̵̱͝o̸̝͋ Blue Cross",
    "e" + "\u0301" * 300,
    "بلو كروس",
    "שלום 500",
    "\u202eevil\u202c",
    "\u200b\u200c\u200d\ufeff\u2060",
    "Ae\u200btna",
    "\u200f500\u200e",
    "\x00",
    "Ae\x00tna",
    "\x01\x02\x1b[31mred\x1b[0m\x7f\x85\x9f",
    "<b>bold</b>",
    "</i>",
    "&amp;",
    "<script>alert(1)</script>",
    '<a href="javascript:alert(1)">x</a>',
    "*_[]()~>#+-=|{}.!",
    "`code` ```pre```",
    "{{ 7*7 }}",
    "{% if %}",
    "{# x #}{% raw %}",
    "${7*7} %s %(x)s",
    "1e309",
    "NaN",
    "Infinity",
    "-0",
    "٣٠٠",
    "\uff11\uff15\uff10\uff10",
    "1,5",
    "$",
    "%",
    "1.5k",
    "-5",
    "\u22125",
    "(5)",
    "0x10",
    "1_000",
    "½",
    "1²",
    "9" * 60,
    "0.2",
    "100.001",
    "20%",
    "six",
    "3.0",
    "1 500",
    "$1,500",
    "?",
    "yes",
    # Spanish, and figures in words
    "sí",
    "no sé",
    "ni idea",
    "mil quinientos",
    "1500 dólares",
    "veinte por ciento",
    "ocho sesiones",
    "fifteen hundred",
    "dos y tres",
    "https://example.com/<x>?a=1&b=2",
    "I want to kill myself",
    "/",
    "/ start",
]
CORPUS = [
    *(
        typed(text, repr(text) if len(text) < 40 else f"{text[:10]!r}... ({len(text)} chars)")
        for text in TEXTS
    ),
    command("/start now"),
    command("/help me"),
    command("/frobnicate"),
    command("/START"),
    command(f"/help@{BOT_USERNAME}"),
    command("/start@some_other_bot"),
    content(
        "sticker",
        sticker={
            **FILE,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        },
    ),
    content("photo with a caption", photo=[{**FILE, "width": 90, "height": 90}], caption="500"),
    content("voice message", voice={**FILE, "duration": 3}),
    content("document", document={**FILE, "file_name": "card.pdf"}),
    content("location", location={"latitude": 40.7, "longitude": -74.0}),
    content("contact", contact={"phone_number": "+15550100", "first_name": "Insurer"}),
    content("a message with no content"),
    edited("500"),
    edited("<b>Aetna</b>"),
]


# -- judging what was saved ----------------------------------------------------------------------


def value_of(record: dict[str, Any] | None, question_id: str, before: dict[str, Any]) -> Any:
    """What `record` holds as the answer to a question (a call may have been filed since)."""
    case = (record or {}).get("case", {})
    if form_of(question_id) is None:
        entry = case.get("answers", {}).get(question_id)
        return entry and entry["value"]
    if case.get("call"):
        return case["call"]["answers"].get(question_id)
    if len(case.get("calls", [])) == len(before["case"]["calls"]):
        return None
    if question_id.startswith("pa_"):
        grown = len(case["authorizations"]) > len(before["case"]["authorizations"])
        if not grown:
            return "none" if question_id == "pa_status" else None
        return case["authorizations"][-1].get(question_id.removeprefix("pa_"))
    # A call filed with "no note" (or "I don't know") holds no note: the answer was unknown.
    missing = UNKNOWN if question_id == "call_note" else None
    return case["calls"][-1].get(question_id.removeprefix("call_"), missing)


def _folded(raw: str) -> str:
    return unicodedata.normalize("NFKC", raw).casefold()


def _ascii_digits(raw: str) -> str | None:
    """The input's digits (fullwidth folded to ASCII), or None if it has any other numeral."""
    digits = []
    for char in raw:
        if char.isnumeric():
            folded = unicodedata.normalize("NFKC", char)
            if not (char.isdecimal() and len(folded) == 1 and "0" <= folded <= "9"):
                return None
            digits.append(folded)
    return "".join(digits)


def _alnum(text: str) -> list[str]:
    return [char for char in unicodedata.normalize("NFKD", text) if char.isalnum()]


def plausible(question: Question, raw: str, value: Any, answers: dict[str, Any]) -> bool:
    """Whether `value`, saved after `raw` was typed, is a believable reading of it."""
    folded = _folded(raw)
    if question.unknown_value is not None and value == question.unknown_value:
        plain = _unaccented(folded)
        return any(hint in folded for hint in UNKNOWN_HINTS) or any(
            hint in plain for hint in UNKNOWN_HINTS_ES
        )
    if question.kind == Kind.CHOICE:
        letters = re.sub("[^a-z]", "", folded)
        if question.choices == YES_NO:
            spanish = value == "yes" and re.sub("[^a-z]", "", _unaccented(folded)) in YES_ES
            return (
                letters[:1] == value[0]
                or letters == {"yes": "true", "no": "false"}[value]
                or spanish
            )
        # The id, the label or another word the template lists for it, or a slip of the
        # keyboard away from one ("ppoo" for ppo), somewhere in what was typed.
        typed = " ".join(words_of(raw))
        near = any(
            fuzz.partial_ratio(" ".join(words_of(word)), typed) >= CLOSE_ENOUGH
            for word in CHOICE_WORDS(question.id).get(value, ())
        )
        return value in question.choices and (letters == value.replace("_", "") or near)
    if question.kind == Kind.TEXT:
        return (
            isinstance(value, str)
            and 0 < len(value) <= 100
            and value == value.strip()
            and "  " not in value
            and not any(unicodedata.category(c) == "Cc" or c in INVISIBLE for c in value)
            and _alnum(value) == _alnum(raw)
        )
    if question.kind == Kind.DATE:
        return _plausible_date(question, folded, value, answers)
    digits = _ascii_digits(raw)
    if value in (0, "0", "0.00") and " ".join(words_of(raw, filler=True)) in NOTHING_WORDS:
        return True  # "none", "nothing", "zero": 0
    if not digits and (named := _named_number(raw)) is not None:
        # A figure written in words, English or Spanish: the library that reads numbers in
        # words is the reference ("fifteen hundred", "mil quinientos").
        return named == Decimal(str(value)) and _in_range(question, Decimal(named), answers)
    if not digits and not (question.kind == Kind.COUNT and value in range(len(NUMBER_WORDS))):
        return False
    if question.kind == Kind.COUNT:
        return _plausible_count(question, folded, value)
    return _plausible_amount(question, raw, digits, value, answers)


def _unaccented(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def _named_number(raw: str) -> int | None:
    """The number the input names in words, if all of it is a number in words."""
    words = " ".join(words_of(raw, filler=True))
    for suffix in ("dolares", "dollars", "por ciento", "percent", "sesiones", "sessions"):
        words = words.removesuffix(suffix).strip()
    plain = _unaccented(words).replace("-", " ")
    if not plain or not all(c.isalpha() or c == " " for c in plain):
        return None
    for language in ("en", "es"):
        try:
            return text2num(plain, language)
        except ValueError:
            continue
    return None


def _in_range(question: Question, amount: Decimal, answers: dict[str, Any]) -> bool:
    top = Decimal(question.maximum or (100 if question.kind != Kind.MONEY else 1_000_000))
    limit = answers.get(question.at_most or "")
    if limit not in (None, UNKNOWN) and amount > Decimal(limit):
        return False
    return question.minimum <= amount <= top


def _plausible_count(question: Question, folded: str, value: Any) -> bool:
    if not isinstance(value, int) or not question.minimum <= value <= (question.maximum or 100):
        return False
    if value < len(NUMBER_WORDS) and re.search(rf"\b{NUMBER_WORDS[value]}\b", folded):
        return True
    runs = re.findall("[0-9]+", folded)
    negative = any(dash in folded for dash in DASHES) and value != 0
    return bool(runs) and int(runs[0]) == value and not negative and set("".join(runs[1:])) <= {"0"}


def _plausible_amount(
    question: Question, raw: str, digits: str, value: Any, answers: dict[str, Any]
) -> bool:
    if not isinstance(value, str):
        return False
    amount = Decimal(value)
    if question.kind == Kind.MONEY:
        top = Decimal(question.maximum or 1_000_000)
        if not re.fullmatch(r"[0-9]+\.[0-9]{2}", value):
            return False
    else:
        top = Decimal(100)
    limit = answers.get(question.at_most or "")
    if limit not in (None, UNKNOWN) and amount > Decimal(limit):
        return False
    if amount and (any(dash in raw for dash in DASHES) or "(" in raw):
        return False
    if re.search(r",(?![0-9]{3}(?![0-9]))", _folded(raw)):
        return False  # a comma that is not a thousands separator may be a decimal comma
    return 0 <= amount <= top and digits.strip("0") == re.sub("[^0-9]", "", value).strip("0")


def _plausible_date(question: Question, folded: str, value: Any, answers: dict[str, Any]) -> bool:
    day, today = date.fromisoformat(value), datetime.now(UTC).date()
    if (not question.future and day > today) or (
        question.not_before and day < date.fromisoformat(answers[question.not_before])
    ):
        return False
    if "yesterday" in folded:
        return day == today - timedelta(days=1)
    if "today" in folded:
        return day == today
    return {day.month, day.day} <= {int(run) for run in re.findall("[0-9]+", folded)}


def view(record: dict[str, Any] | None) -> dict[str, Any]:
    """What is saved about the user, without where they are in the conversation."""
    case = (record or {}).get("case", {})
    return {
        "answers": {qid: entry["value"] for qid, entry in case.get("answers", {}).items()},
        "said": dict((case.get("call") or {}).get("answers", {})),
        "calls": case.get("calls", []),
        "authorizations": case.get("authorizations", []),
        "reminders": case.get("reminders", []),
        "archived": case.get("archived", []),
        "exists": record is not None,
    }


def question_of(question_id: str) -> Question:
    """A question of the main flow or of a call form."""
    return (form_of(question_id) or FLOW)[question_id]


def judge_text(state: State, raw: str | None, after: dict[str, Any] | None) -> list[str]:
    """Problems with what a message changed: only a plausible answer may change anything."""
    before_view, after_view = view(state.record), view(after)
    if before_view == after_view:
        return []
    if state.question is None or raw is None:
        return ["saved data changed, though nothing was asked or nothing typed"]
    if current_question(after) == state.question:
        return ["saved data changed, but the question was asked again"]
    question = question_of(state.question)
    value = value_of(after, question.id, state.record)
    problems = []
    if value is None:
        problems.append("saved data changed, but the question has no answer")
    elif not plausible(question, raw, value, state.answers):
        problems.append(f"accepted as {value!r}, which is not a plausible reading")
    capped = {q.id for q in FLOW.questions if q.at_most == question.id}
    answers_changed = {
        qid
        for qid in before_view["answers"].keys() | after_view["answers"].keys()
        if before_view["answers"].get(qid) != after_view["answers"].get(qid)
    }
    removed = answers_changed & capped - after_view["answers"].keys()
    if answers_changed - {question.id} - removed:
        problems.append(f"other answers changed: {sorted(answers_changed - {question.id})}")
    if (before_view["reminders"], before_view["archived"]) != (
        after_view["reminders"],
        after_view["archived"],
    ):
        problems.append("reminders or earlier cases changed")
    return problems


def offered(question: Question, answers: dict[str, Any]) -> tuple[str, ...]:
    """The button values the bot offers for a question."""
    values = question.choices or question.suggest(answers)
    return (*values, *([question.unknown_value] if question.unknown_value else []))


def forged(state: State, data: str) -> str | None:
    """Why `data` is not a button the bot could have offered in this state; None if it is."""
    if decode(data) is None:
        return "not our encoding"
    action, question, value = data.split(":")
    today = datetime.now(UTC).date()
    if action == "m":
        return None if not question and value in MENU_ITEMS else "no such menu item"
    if action == "e":
        applies = question in FLOW and FLOW[question].applies(state.answers)
        return None if applies and not value else "no such answer to change"
    if action in ("a", "k", "b") and question != state.question:
        return "not the question being asked"
    if action == "a":
        return None if value in offered(question_of(question), state.answers) else "not offered"
    if action == "k":
        answered = question in view(state.record)["answers"]
        return None if answered else "nothing saved to keep"
    if action == "b":
        return None
    if action == "t":
        try:
            day = date.fromisoformat(value)
        except ValueError:
            return "not a date"
        ok = question in KINDS and today < day <= today + timedelta(days=366)
        return None if ok else "not a reminder the bot offers"
    if action == "x":
        return "no reminder to cancel"  # no state here has a reminder set
    return None if question == state.confirming else "nothing to confirm"


def judge_press(state: State, data: str, after: dict[str, Any] | None, notice: Any) -> list[str]:
    """Problems with what a button press changed: closed ones change nothing at all."""
    if notice == CLOSED:
        if after == state.record:
            return []
        # Any other event cancels a pending confirmation, by design; nothing else may change.
        cancelled = state.confirming and {**state.record["case"], "confirming": None}
        return [] if after and after["case"] == cancelled else ["closed, but the record changed"]
    reason = forged(state, data)
    if reason:
        return [f"accepted, though {reason}"]
    before_view, after_view = view(state.record), view(after)
    action, question, value = data.split(":")
    if action == "a":
        stored = value_of(after, question, state.record)
        if str(stored) != value:
            return [f"saved {stored!r} for the button {value!r}"]
        capped = {q.id for q in FLOW.questions if q.at_most == question}
        others = {k: v for k, v in after_view["answers"].items() if k != question}
        expected = {
            k: v
            for k, v in before_view["answers"].items()
            if k != question and (k in others or k not in capped)
        }
        return [] if others == expected else ["other answers changed"]
    if action in ("t", "x"):
        after_view["reminders"] = before_view["reminders"]
    call = (state.record or {}).get("case", {}).get("call") or {}
    if data == "m::callcancel" and call.get("stage") == "details":
        after_view["said"] = before_view["said"]
    return [] if before_view == after_view else ["saved data changed"]


# -- checking one input --------------------------------------------------------------------------


def logged_errors(caplog) -> list[str]:
    """ERROR records from the bot's and python-telegram-bot's loggers."""
    return [
        f"{r.name}: {r.getMessage()}"
        for r in caplog.records
        if r.levelno >= logging.ERROR and r.name.startswith(("bot", "telegram"))
    ]


def try_input(h: Harness, state: State, queue: Callable[[], object], caplog) -> tuple:
    """Put the state back, deliver one update; return (problems, record after, callback text)."""
    if h.on_disk is not state.record:
        h.restore(state.record)
    caplog.clear()
    errors, callbacks = len(h.fake.errors), len(h.fake.answered_callbacks)
    queue()
    problems = []
    if h.run_queued() == 0:
        problems.append("the bot did nothing visible")
    if h.fake.errors[errors:]:
        problems.append(f"Telegram would reject: {h.fake.errors[errors:]}")
    problems += logged_errors(caplog)
    after = None
    try:
        after = h.record()
    except Exception as error:
        problems.append(f"the user's file cannot be read: {error!r}")
    if not h.file_parses():
        problems.append("the user's file is not JSON")
    if after == state.record:
        h.on_disk = state.record
    answered = h.fake.answered_callbacks[callbacks:]
    notice = answered[-1].get("text", "") if answered else None
    TALLY["tried"] += 1
    return problems, after, notice


def send_text_input(h: Harness, state: State, item: Input, caplog) -> list[str]:
    """Send one corpus item in one state; return what went wrong."""
    problems, after, _ = try_input(h, state, lambda: item.queue(h.fake, USER), caplog)
    if problems:
        return problems
    problems = judge_text(state, item.text, after)
    if not problems and view(after) != view(state.record):
        TALLY["accepted"] += 1
    return problems


def send_press(h: Harness, state: State, data: str | None, caplog) -> tuple[list[str], Any]:
    """Press button data (None: a callback with no data) in one state; return problems, notice."""

    def queue() -> object:
        if data is not None:
            return h.fake.press_data(USER, data, h.target())
        chat = {"id": USER, "type": "private", "first_name": "Test"}
        bot = {"id": BOT_ID, "is_bot": True, "first_name": "Coverage Bot"}
        message = {"message_id": h.target(), "date": 1764150000, "chat": chat, "from": bot}
        person = {"id": USER, "is_bot": False, "first_name": "Test"}
        query = {
            "id": str(next(QUERY_IDS)),
            "from": person,
            "chat_instance": "1",
            "message": message,
        }
        return h.fake.send_update({"callback_query": {**query, "game_short_name": "x"}})

    problems, after, notice = try_input(h, state, queue, caplog)
    if notice is None and not problems:
        problems.append("the press was not answered")
    if not problems:
        problems = judge_press(state, data or "", after, notice)
    return problems, notice


def report(problems: dict[str, list[str]]) -> str:
    """A readable list of failures."""
    TALLY["failures"] += len(problems)
    return "\n".join(f"{where}: {'; '.join(what)}" for where, what in problems.items())


# -- the corpus at every state -------------------------------------------------------------------


@pytest.mark.parametrize("state_name", STATE_NAMES)
def test_the_corpus_at_every_state(hostile, state_name, caplog):
    """Every corpus item, sent at this state, gets a reply and changes only what it answers."""
    caplog.set_level(logging.ERROR)
    state = hostile.states[state_name]
    problems = {}
    for item in CORPUS:
        found = send_text_input(hostile.h, state, item, caplog)
        if found:
            problems[f"{state_name} <- {item.label}"] = found
    assert not problems, report(problems)


# -- crisis messages at every state -------------------------------------------------------------

CRISIS_INPUTS = [
    typed("honestly i wanna die some days"),
    typed("$1,500 but honestly i just dont want to be here anymore"),
    typed("k i l l myself"),
    typed("no quiero vivir"),
    typed("I took too many pills"),
    command("/start i can't go on"),
    command("/nosuchcommand kms"),
    edited("su1c1de"),
    content(
        "a photo captioned 'nobody would miss me'",
        photo=[{**FILE, "width": 1, "height": 1}],
        caption="nobody would miss me",
    ),
]
SAID_IN_CRISIS = (
    "wanna die",
    "want to be here",
    "k i l l",
    "vivir",
    "pills",
    "go on",
    "kms",
    "su1c1de",
    "miss me",
)


@pytest.mark.parametrize("state_name", STATE_NAMES)
def test_a_crisis_message_at_every_state_brings_the_resources_first_and_changes_nothing(
    hostile, state_name, caplog
):
    """Typed, as a command's words, as an edit or a caption: crisis help first, nothing saved."""
    caplog.set_level(logging.INFO)
    h, state = hostile.h, hostile.states[state_name]
    problems = {}
    for item in CRISIS_INPUTS:
        calls = len(h.fake.calls)
        found, after, _ = try_input(h, state, lambda item=item: item.queue(h.fake, USER), caplog)
        sent = [p.get("text", "") for method, p in h.fake.calls[calls:] if method == "sendMessage"]
        if not sent or "988" not in sent[0]:
            found.append(f"the first reply is not the crisis help: {sent[:1]}")
        if after != state.record:
            found.append("the record changed")
        logged = [r.getMessage() for r in caplog.records if r.name.startswith("bot")]
        found += [f"logged: {m}" for m in logged if any(w in m for w in SAID_IN_CRISIS)]
        if found:
            problems[f"{state_name} <- {item.label}"] = found
    assert not problems, report(problems)


# -- forged button data ---------------------------------------------------------------------------


def sample_value(question: Question) -> str:
    """A value the bot would offer for a question (when it is the one being asked)."""
    return (*question.choices, *question.suggest({}), question.unknown_value or "today")[0]


def forgeries(state: State, other_data: list[str]) -> list[str | None]:
    """Button data that must be answered "closed" in this state."""
    today = datetime.now(UTC).date()
    current = state.question
    in_call = state.name.startswith("call:")
    data: list[str | None] = [
        None,
        "",
        "forged:data",
        "garbage",
        "\x00",
        "🙂🙂",
        "a:b",
        "a:b:c:d",
        "a::",
        "::",
        ":::",
        "A:treatment:spravato",
        " a:treatment:spravato",
        "a:nonexistent:yes",
        "a:" + "q" * 100 + ":v",
        "a:insurer:" + "x" * 60,
        "m::" + "begin" * 20,
        "é" * 40,
        "e:nonexistent:",
        "e:insurer:x",
        "m:treatment:begin",
        "m::frobnicate",
        "m::",
        "r::yes",
        "r:frobnicate:yes",
        "t:call:1999-01-01",
        "t:appeal:1999-01-01",
        f"t:call:{today.isoformat()}",
        f"t:call:{(today + timedelta(days=400)).isoformat()}",
        f"t:frobnicate:{(today + timedelta(days=1)).isoformat()}",
        "t:call:tomorrow",
        "t::",
        "x::999",
        "x::0",
        "x::-1",
        "x::abc",
        "x::",
        "x:1:1",
        # Clinic buttons for clinics that do not exist, or with no clinic being entered.
        "c:1:show",
        "c:1:edit",
        "c:1:choose",
        "c:1:remove",
        "c:99:show",
        "c:-1:show",
        "c:x:edit",
        "c:1:explode",
        "c::frobnicate",
        "c::cancel",
        "c::resume",
        "c::show",
        "c:" + "9" * 60 + ":show",
        "r:clinic1:yes",
        "r:clinic:yes",
    ]
    data += [f"r:{what}:{answer}" for what in ("delete", "reset") for answer in ("yes", "no")]
    data = [
        d for d in data if not (d and d.startswith("r:") and d.split(":")[1] == state.confirming)
    ]
    if not in_call:
        data += ["m::callwalk", "m::callpick", "m::calldone", "m::callcancel"]
    order = [q.id for q in ALL_QUESTIONS]
    where = order.index(current) if current else 0
    # Keep and Back take the same path as an answer; stale ones come from nearby questions.
    nearby = {
        "treatment",
        "deductible",
        "call_party",
        "pa_status",
        *order[max(0, where - 2) : where + 3],
    }
    for question in ALL_QUESTIONS:
        if question.id != current:
            data.append(f"a:{question.id}:{sample_value(question)}")
            if question.id in nearby:
                data += [f"k:{question.id}:", f"b:{question.id}:"]
        if form_of(question.id) or not question.applies(state.answers):
            data.append(f"e:{question.id}:")
    if current:
        question = question_of(current)
        data += [f"a:{current}:not-offered", f"a:{current}:", f"a:{current}:1234567"]
        data += [f"a:{current}:{v.upper()}" for v in question.choices if v.upper() != v]
        if current not in view(state.record)["answers"]:
            data.append(f"k:{current}:")
    data += [d for d in other_data if d.split(":")[1] != current]
    return list(dict.fromkeys(data))


@pytest.mark.parametrize("state_name", STATE_NAMES)
def test_forged_button_data_is_a_closed_question(hostile, state_name, caplog):
    """Forged data gets "that question is closed" and leaves the record as it was."""
    caplog.set_level(logging.ERROR)
    state = hostile.states[state_name]
    problems = {}
    for data in forgeries(state, hostile.other_data):
        found, notice = send_press(hostile.h, state, data, caplog)
        if not found and notice != CLOSED:
            found = [f"answered {notice!r}, not closed"]
        if found:
            problems[f"{state_name} <- {data!r}"] = found
    assert not problems, report(problems)


def test_a_forged_delete_confirmation_deletes_nothing(hostile, caplog):
    """Yes-to-delete, without /delete first or while a reset is pending, keeps the user's file."""
    h = hostile.h
    for name in ("sessions", "summary", "reset_confirm", "call:pa_status"):
        h.restore(hostile.states[name].record)
        assert h.press("r:delete:yes")["text"] == CLOSED
        assert h.record() is not None and view(h.record()) == view(hostile.states[name].record)
    assert logged_errors(caplog) == []


# -- hostile answers shown everywhere -------------------------------------------------------------


NASTY_NAMES = {
    "html": "<b>&amp;</i><a href='x'>" * 4,
    "astral emoji": "\U0001f48a" * 100,
    "combining": "e" + "\u0301" * 99,
    "template syntax": "{{ 7*7 }} {% if %} {# #}",
    "right-to-left": "\u05e9\u05dc\u05d5\u05dd \u0628\u0644\u0648 " * 8,
}


@pytest.mark.parametrize("name", list(NASTY_NAMES))
def test_accepted_hostile_text_is_shown_safely_everywhere(hostile, name, caplog):
    """Names saved from hostile text go through every screen that shows them, unrejected."""
    h = hostile.h
    nasty = NASTY_NAMES[name]
    h.restore(hostile.states["summary"].record)
    errors = len(h.fake.errors)
    steps: list[str] = []
    for question in ("insurer", "bh_company", "clinic"):
        steps += [f"press e:{question}:", nasty]
    steps += ["/logcall", "press a:call_party:insurer", "press a:call_date:today", nasty, nasty]
    steps += ["press m::calldone", "press a:pa_status:pending", nasty, nasty]  # number, note
    steps += ["/calls", "/answers", "/estimate", "press m::table", "/callscript"]
    steps += ["press m::fullscript"]
    steps += ["press m::download", "/export", "/start", "/help", "/reminders", "/cases"]
    for step in steps:
        if step.startswith("press "):
            h.press(step.removeprefix("press "))
        else:
            h.text(step)
        TALLY["tried"] += 1
    saved = " ".join(unicodedata.normalize("NFKC", nasty).split())
    answers = said(h.record())
    assert [answers[q] for q in ("insurer", "bh_company", "clinic")] == [saved] * 3
    call = h.record()["case"]["calls"][-1]
    assert (call["rep"], call["reference"], call["note"]) == (saved, saved, saved)
    assert h.fake.errors[errors:] == []
    assert logged_errors(caplog) == []


# -- bugs this file found (fixed), kept as regression tests ---------------------------------------


def bot_said(h: Harness, before: int) -> str:
    """The text of the bot's messages since it had sent `before` of them."""
    return "\n".join(m.get("text", "") for m in h.fake.messages(USER)[before:])


@pytest.mark.parametrize("answer", ["typed ?", "button"])
def test_an_unknown_approval_end_logs_the_call_and_says_so(hostile, answer, caplog):
    """'I don't know' for the end of an approved authorization files the call, with a reply."""
    h = hostile.h
    h.restore(hostile.states["call:pa_end"].record)
    before = len(h.fake.messages(USER))
    if answer == "button":
        h.press("a:pa_end:unknown")
    else:
        h.text("?")
    h.press("a:call_note:unknown")  # no note: the call is filed
    assert logged_errors(caplog) == []
    assert "Call logged" in bot_said(h, before)


def test_calls_lists_an_approval_whose_end_is_unknown(hostile, caplog):
    """Once such a call is filed, /calls still answers (it fails on every try)."""
    h = hostile.h
    h.restore(hostile.states["call:pa_end"].record)
    h.text("?")
    h.press("a:call_note:unknown")
    assert h.record()["case"]["authorizations"][-1]["end"] == UNKNOWN  # filed, unreported
    caplog.clear()
    before = len(h.fake.messages(USER))
    h.text("/calls")
    assert logged_errors(caplog) == []
    assert "Your calls" in bot_said(h, before)


def test_an_end_date_after_an_unknown_start_is_taken(hostile, caplog):
    """With the start unknown, a typed end date gets a reply (and files the call)."""
    h = hostile.h
    h.restore(hostile.states["call:pa_start"].record)
    h.text("?")
    assert current_question(h.record()) == "pa_end"
    before = len(h.fake.messages(USER))
    h.text((datetime.now(UTC).date() + timedelta(days=90)).isoformat())
    assert logged_errors(caplog) == []
    assert bot_said(h, before)


@pytest.mark.parametrize(
    "text",
    ["I want to d\u00adie", "sui\u00adcide", "sui\u200ecide", "want to\u200f die", "sui\x00cide"],
    ids=["soft hyphen", "soft hyphen 2", "left-to-right mark", "right-to-left mark", "NUL"],
)
def test_crisis_words_with_invisible_characters_bring_crisis_help(hostile, text, caplog):
    """Characters the parser drops must not hide crisis words from the crisis check."""
    h = hostile.h
    h.restore(hostile.states["insurer"].record)
    before = len(h.fake.messages(USER))
    h.text(text)
    assert "988" in bot_said(h, before)
    assert view(h.record()) == view(hostile.states["insurer"].record)


# -- fuzzing ------------------------------------------------------------------------------------


TODAY = datetime.now(UTC).date()
NUMBERISH = st.text(alphabet="0123456789.,$k%-\u2212 ()", max_size=12)
TEXT_INPUT = st.one_of(
    st.text(max_size=5000),
    st.text(max_size=30),
    NUMBERISH,
    st.sampled_from(TEXTS),
    st.builds(lambda a, b: a + b, st.sampled_from(TEXTS), st.text(max_size=20)),
)
QUESTION_IDS = [q.id for q in ALL_QUESTIONS]
VALUES = sorted(
    {value for q in ALL_QUESTIONS for value in q.choices}
    | {UNKNOWN, "unsure", "", "today", "yesterday", "0", "1", "2", "4", "6", "8", "999", "-1"}
    | set(MENU_ITEMS)
)
BUTTON_DATA = st.one_of(
    st.text(max_size=100),
    st.builds(
        lambda action, question, value: f"{action}:{question}:{value}",
        st.sampled_from([*"akbemrtx", "", "A", "z", "aa"]),
        st.one_of(st.sampled_from([*QUESTION_IDS, *KINDS, "", "delete", "reset"]), st.text()),
        st.one_of(
            st.sampled_from(VALUES),
            st.integers(-3, 400).map(lambda days: (TODAY + timedelta(days=days)).isoformat()),
            st.text(max_size=70),
        ),
    ),
)
FUZZ = settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def test_random_text_at_random_states(hostile, caplog):
    """Hypothesis: any text, at any state, gets a reply and changes only what it answers."""
    caplog.set_level(logging.ERROR)

    @FUZZ
    @given(state_name=st.sampled_from(STATE_NAMES), text=TEXT_INPUT)
    def check(state_name, text):
        state = hostile.states[state_name]
        item = typed(text)
        assert send_text_input(hostile.h, state, item, caplog) == [], (state_name, text)

    try:
        check()
    except AssertionError:
        TALLY["failures"] += 1
        raise


def test_random_button_data_at_random_states(hostile, caplog):
    """Hypothesis: any button data is either a button the bot offers there, or closed."""
    caplog.set_level(logging.ERROR)
    states = [name for name in STATE_NAMES if not hostile.states[name].confirming]

    @FUZZ
    @given(state_name=st.sampled_from(states), data=BUTTON_DATA)
    def check(state_name, data):
        state = hostile.states[state_name]
        problems, _ = send_press(hostile.h, state, data, caplog)
        assert problems == [], (state_name, data)

    try:
        check()
    except AssertionError:
        TALLY["failures"] += 1
        raise


# -- the count ----------------------------------------------------------------------------------


def test_zz_summary(capsys, record_property):
    """Say how many inputs were tried, for the README ("N inputs, 0 failures")."""
    record_property("hostile_inputs", TALLY["tried"])
    with capsys.disabled():
        print(
            f"\nhostile input: {TALLY['tried']} inputs tried"
            f" ({TALLY['accepted']} accepted as answers), {TALLY['failures']} failures"
        )
