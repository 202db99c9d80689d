"""End to end in Spanish: the real `python -m bot` against the Bot API stand-in over HTTP, for
a user whose Telegram app is in Spanish (the terminal with `--lang es`: tests/test_terminal.py).

The questions answered the way a Spanish speaker types (sí, mil quinientos, 20 por ciento,
ocho, the options' Spanish names without accents), the estimate, the phone card with the
English beside it, a call logged with a date asked which way round, a reminder after a
restart, /idioma, the export and the deletion. Expected wording is read from the Spanish
templates, so a reworded sentence breaks nothing here.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.engine import Button, Confirm
from bot.render import Renderer
from tests.support.bot_process import TIMEOUT, fall_due
from tests.support.telegram_standin import FakeTelegram

ROOT = Path(__file__).resolve().parent.parent
SPANISH = Renderer().speaking("es")
USER = 3400


def plain(text: str) -> str:
    """As people type on a phone in a hurry: lower case, no accents."""
    return "".join(
        c for c in unicodedata.normalize("NFD", text.lower()) if unicodedata.category(c) != "Mn"
    )


def label(question: str, choice: str) -> str:
    """An option's Spanish label (what the button says)."""
    return SPANISH.choice_words(question)[choice][1]


# What the user types (or taps) at each question, by question id; any other: "No lo sé".
TYPED = {
    "treatment": ("press", "a:treatment:spravato"),
    "insurer": ("send", "Aetna"),
    "plan_type": ("send", "ppo"),
    "bh_carveout": ("send", "no"),
    "coverage": ("send", "sí"),
    "benefit": ("send", plain(label("benefit", "medical"))),
    "preauth": ("send", "si"),
    "referral": ("send", "no"),
    "trials": ("send", "3"),
    "clinic": ("send", "Clínica Calma"),
    "network": ("press", "a:network:in"),
    "deductible": ("send", "mil quinientos"),
    "deductible_met": ("send", "250 dólares"),
    "cost_sharing": ("send", plain(label("cost_sharing", "coinsurance"))),
    "coinsurance_pct": ("send", "20 por ciento"),
    "oop_max": ("send", "$4,000"),
    "oop_met": ("send", "nada"),
    "price_per_session": ("send", "885 dólares"),
    "sessions": ("send", "ocho"),
}
EXPECTED = {
    "treatment": "spravato",
    "insurer": "Aetna",
    "plan_type": "ppo",
    "bh_carveout": "no",
    "coverage": "yes",
    "benefit": "medical",
    "preauth": "yes",
    "referral": "no",
    "trials": 3,
    "clinic": "Clínica Calma",
    "network": "in",
    "deductible": "1500.00",
    "deductible_met": "250.00",
    "cost_sharing": "coinsurance",
    "coinsurance_pct": "20",
    "oop_max": "4000.00",
    "oop_met": "0.00",
    "price_per_session": "885.00",
    "sessions": 8,
}


def texts(messages: list[dict]) -> list[str]:
    return [m.get("text", m.get("caption", "")) for m in messages]


def act(
    fake: FakeTelegram,
    kind: str,
    what: str,
    until: Callable[[list[dict]], bool] = lambda new: bool(new),
) -> list[str]:
    """Send or press, and wait until the bot's new messages satisfy `until`."""
    before = len(fake.messages(USER))
    if kind == "press":
        fake.press(USER, what)
    else:
        fake.send_text(USER, what)
    fake.wait_for(lambda f: until(f.messages(USER)[before:]), TIMEOUT)
    return texts(fake.messages(USER)[before:])


def has_buttons(new: list[dict]) -> bool:
    return bool(new) and "reply_markup" in new[-1]


def has_button(data: str) -> Callable[[list[dict]], bool]:
    def found(new: list[dict]) -> bool:
        return any(
            button.get("callback_data") == data
            for message in new
            for row in message.get("reply_markup", {}).get("inline_keyboard", [])
            for button in row
        )

    return found


def asked(fake: FakeTelegram) -> str:
    """The id of the question the user is looking at (from its buttons' data)."""
    answers = [data for _, data in fake.buttons(USER) if data.startswith("a:")]
    assert answers, fake.last_text(USER)
    return answers[0].split(":")[1]


def menu_of(fake: FakeTelegram) -> list[str]:
    """The commands of the user's chat's own menu."""
    return [c["command"] for c in fake.commands_for(chat_id=USER) or []]


def record(tmp_path: Path) -> dict:
    return json.loads((tmp_path / "data" / "users" / f"{USER}.json").read_text())["case"]["1"]


def shown(template: str, **context) -> str:
    """The first line of a Spanish message, as Telegram shows it (no tags)."""
    from tests.support.telegram_standin import parse_html

    return parse_html(SPANISH.message(template, "html", **context))[0].split("\n")[0]


def test_a_whole_conversation_in_spanish_over_http(world, tmp_path):
    fake, bot = world
    fake.set_language(USER, "es-US")

    # The menu is in Spanish for Spanish apps, with /idioma; in English for the rest.
    spanish_menu = {c["command"]: c["description"] for c in fake.commands_for("es")}
    assert "idioma" in spanish_menu and "language" not in spanish_menu
    assert spanish_menu["estimate"] == dict(SPANISH.commands())["estimate"]
    assert "language" in {c["command"] for c in fake.commands}

    # The first message: the welcome in Spanish, with the crisis line and the way to English.
    (welcome,) = act(fake, "send", "/start", has_buttons)
    assert welcome.startswith(shown("welcome"))
    assert "988" in welcome
    assert "English" in [text for text, _ in fake.buttons(USER)]
    act(fake, "press", "m::begin", has_buttons)

    # Every question, answered as a Spanish speaker types.
    for _ in range(40):
        question = asked(fake)
        kind, what = TYPED.get(question, ("press", f"a:{question}:unknown"))
        if question == "sessions":  # the last: the summary, estimate and phone card follow
            new = act(fake, kind, what, has_button("m::download"))
            break
        reply = act(fake, kind, what, has_buttons)
        assert asked(fake) != question, reply  # understood, and on to the next
    else:
        pytest.fail("the questions never ended")
    saved = {q: a["value"] for q, a in record(tmp_path)["case"]["answers"].items()}
    assert {q: v for q, v in saved.items() if q in EXPECTED} == EXPECTED
    assert record(tmp_path)["case"]["language"] == "es"

    # The estimate, in Spanish words and US dollars.
    everything = "\n".join(new)
    assert "deducible" in everything.lower() and "$1,500" in everything
    # The phone card: ask for an interpreter first; each key question also in English.
    card = next(text for text in new if "intérprete" in text)
    assert "Spanish" in card and "English:" in card
    assert card.count("English:") >= 3

    # A call logged: "05/06" could be May 6 or June 5, so the bot asks.
    act(fake, "send", "/logcall", has_buttons)
    act(fake, "press", "a:call_party:insurer", has_buttons)
    (which,) = act(fake, "send", "05/06", has_buttons)
    assert "jun" in which and "may" in which
    act(fake, "send", "5 de junio", has_buttons)
    act(fake, "send", "María", has_buttons)
    act(fake, "send", "REF-ES-1", has_buttons)
    act(fake, "press", "m::calldone", has_buttons)
    act(fake, "press", "a:pa_status:pending", has_buttons)
    act(fake, "send", "PA-77", has_buttons)
    (logged,) = act(fake, "send", "Van a enviar una carta", has_buttons)
    assert "REF-ES-1" in logged
    (call,) = record(tmp_path)["case"]["calls"]
    assert call["date"].endswith("-06-05") and call["reference"] == "REF-ES-1"
    remind = next(data for _, data in fake.buttons(USER) if data.startswith("t:"))
    act(fake, "press", remind)

    # The reminder falls due while the bot is down; it arrives in Spanish after the restart.
    sent = len(fake.messages(USER))
    user_file, index = fall_due(fake, bot, tmp_path, USER, lambda case: case, says="PA-77")
    (arrived,) = texts(fake.messages(USER)[sent:])
    assert "Reminder" not in arrived

    # /idioma: English, then back to Spanish.
    act(fake, "send", "/idioma", has_buttons)
    (english,) = act(fake, "press", "g::en", has_buttons)
    assert english.startswith("Done: I will speak English")
    # The menu follows the chosen language in this chat, whatever the app's.
    fake.wait_for(lambda f: "language" in menu_of(f), TIMEOUT)
    act(fake, "send", "/language", has_buttons)
    (back,) = act(fake, "press", "g::es", has_buttons)
    assert back == shown("language_set")
    fake.wait_for(lambda f: "idioma" in menu_of(f), TIMEOUT)

    # The export holds the record, language included; the deletion asks first, in Spanish.
    documents = len(fake.documents)
    act(fake, "send", "/export")
    fake.wait_for(lambda f: len(f.documents) >= documents + 3 and f.photos, TIMEOUT)
    exported = json.loads(fake.documents[documents].data)
    assert exported["record"]["case"]["language"] == "es"
    estimate = next(d for d in fake.documents[documents:] if d.file_name == "estimate.txt")
    assert "deducible" in estimate.data.decode().lower()
    act(fake, "send", "/delete", has_buttons)
    yes = SPANISH.label(Button(Confirm("delete", "yes"), "delete_yes"))
    assert (yes, "r:delete:yes") in fake.buttons(USER)
    act(fake, "press", yes)
    fake.wait_for(lambda f: not user_file.exists(), TIMEOUT)
    assert str(USER) not in index.read_text()
    fake.wait_for(lambda f: f.commands_for(chat_id=USER) is None, TIMEOUT)  # menus as before
