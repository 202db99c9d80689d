"""The crisis detector (bot/crisis.py): the corpus, the normalising, the reply, and the engine.

`pytest tests/test_crisis.py -q -s` prints the recall and the false-positive rate on the
corpus (tests/support/crisis_corpus.py), by language and level.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest

from bot.crisis import Crisis, detect, normalise
from bot.engine import (
    Answer,
    Case,
    Command,
    Menu,
    Press,
    Review,
    Start,
    Text,
    Unsupported,
    command,
    handle,
)
from bot.flow import Flow
from bot.render import Renderer
from tests.support.crisis_corpus import AMBIGUOUS, CRISIS, ORDINARY

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
FLOW = Flow()
RENDERER = Renderer()

# shared/domain.md §6b: phrasings seen and missed in testing, each to be recognised.
DOMAIN_NOTES = [
    "i wanna die",
    "I wish I was dead",
    "kms",
    "unalive myself",
    "I can't go on",
    "I don't want to be here anymore",
    "better off without me",
    "nobody would miss me",
    "going to end it",
    "I took too many pills",
    "k i l l myself",
    "su1c1de",
    "quiero morir",
    "no quiero vivir",
    "me quiero matar",
    "suicidarme",
    # and from the issue (#11)
    "what's the point of living",
    "cutting myself",
    "I overdosed",
    "quitarme la vida",
    "estarían mejor sin mí",
    "me tomé todas las pastillas",
    "kil myself",
    "dont wanna live",
    "k!ll myself",
    "sui cide",
    "honestly some days i just dont want to be here",
    "honestly i wanna die some days",
]
LOOK_ALIKE_NAMES = [
    "Skillman",
    "Killian",
    "Hillside",
    "Pillsbury",
    "Deadwood",
    "Lifeline Health",
    "Cuttingham",
    "deadline",
]


# -- the corpus ---------------------------------------------------------------------------------


def test_the_corpus_is_large_enough_and_has_no_duplicates():
    assert len(CRISIS) >= 150 and len(ORDINARY) >= 100
    assert len({text for text, _, _ in CRISIS}) == len(CRISIS)
    assert len(set(ORDINARY)) == len(ORDINARY)
    assert {language for _, language, _ in CRISIS} == {"en", "es"}
    assert {level for _, _, level in CRISIS} == {"crisis", "danger"}


def test_recall_and_false_positive_rate_on_the_corpus(capsys):
    missed = [(text, language) for text, language, _ in CRISIS if detect(text) is None]
    flagged = [text for text in ORDINARY if detect(text) is not None]
    by_language = Counter(language for _, language, _ in CRISIS)
    missed_by_language = Counter(language for _, language in missed)
    with capsys.disabled():
        for language in sorted(by_language):
            found = by_language[language] - missed_by_language[language]
            print(f"\ncrisis recall ({language}): {found}/{by_language[language]}", end="")
        print(
            f"\ncrisis recall: {len(CRISIS) - len(missed)}/{len(CRISIS)}"
            f" = {(len(CRISIS) - len(missed)) / len(CRISIS):.1%};"
            f" false positives: {len(flagged)}/{len(ORDINARY)}"
            f" = {len(flagged) / len(ORDINARY):.1%}"
        )
    assert missed == [], "crisis messages not recognised"
    assert flagged == [], "ordinary answers taken for a crisis"


@pytest.mark.parametrize(("text", "language", "level"), CRISIS, ids=lambda v: str(v)[:40])
def test_each_crisis_gets_its_language_and_danger_now_gets_the_emergency_numbers(
    text, language, level
):
    crisis = detect(text)
    assert crisis is not None
    assert crisis.language == language
    if level == "danger":
        assert crisis.danger, "an overdose or danger now must bring 911 and Poison Control first"


@pytest.mark.parametrize("text", DOMAIN_NOTES)
def test_every_phrasing_of_the_domain_notes_is_recognised(text):
    assert detect(text) is not None


@pytest.mark.parametrize("name", LOOK_ALIKE_NAMES)
def test_names_with_look_alike_words_are_ordinary(name):
    assert detect(name) is None
    assert detect(f"{name} Clinic") is None


def test_ambiguous_idioms_do_not_break_the_detector():
    """Idioms may go either way ("this deductible is killing me"); they must not raise."""
    assert all(detect(text) in (None, *_ALL_CRISES) for text in AMBIGUOUS)


_ALL_CRISES = [Crisis(language, danger) for language in ("en", "es") for danger in (False, True)]


# -- normalising --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("I don\u2019t want to be here!!", "i dont want to be here"),
        ("k i l l myself", "kil myself"),
        ("k-i-l-l myself", "kil myself"),
        ("su1c1de", "suicide"),
        ("k!ll mys3lf", "kil myself"),
        ("i want to diiiiie", "i want to die"),
        ("KILL MYSELF", "kil myself"),
        ("\uff4b\uff49\uff4c\uff4c myself", "kil myself"),  # fullwidth
        ("\u043aill my\u0455elf", "kil myself"),  # Cyrillic k and dze
        ("s\u0301uicide", "suicide"),  # a combining accent
        ("ki\u200bll my\u00adself", "kil myself"),  # zero-width space, soft hyphen
        ("kill myslef", "kil myself"),  # one typo in a long word
        ("Estarían mejor sin mí.", "estarian mejor sin mi |"),
        ("$1,500", "1 500"),
    ],
)
def test_normalising(typed, read):
    assert normalise(typed).rstrip(" |") == read.rstrip(" |")


def test_sentences_are_kept_apart():
    assert normalise("I can't go on. Tuesday works") == "i cant go on | tuesday works"
    assert detect("I can't go on. Tuesday works") is not None
    assert detect("I can't go on Tuesday, can we do Wednesday?") is None


def test_a_very_long_message_is_read_to_its_limit():
    assert detect("a" * 20_000) is None
    assert detect("fine " * 500 + "i want to die") is not None


# -- the reply ----------------------------------------------------------------------------------


def rendered(crisis: Crisis, markup: str = "text") -> str:
    chat = Chat()
    chat.send(Start())
    chat.send(Menu("begin"))
    words = {
        ("en", False): "i want to die",
        ("en", True): "i took too many pills",
        ("es", False): "quiero morir",
        ("es", True): "me tomé todas las pastillas",
    }[(crisis.language, crisis.danger)]
    (reply,) = chat.send(Text(words))
    assert reply.context == {"language": crisis.language, "danger": crisis.danger}
    return RENDERER.render(reply, markup).text


@pytest.mark.parametrize("markup", ["html", "text"])
def test_the_reply_puts_the_resources_first_and_offers_a_way_back(markup):
    text = rendered(Crisis("en", False), markup)
    first, *_ = text.split("\n")
    assert "not alone" in first
    resources = text.index("988")
    assert resources < text.index("When you are ready, we can go on")
    for resource in ("988lifeline.org/chat", "Press 1 for veterans, 2 for Spanish", "741741"):
        assert resource in text
    assert "HOME" in text and "local emergency number" in text
    assert "saved nothing" in text


@pytest.mark.parametrize("markup", ["html", "text"])
def test_danger_now_puts_911_and_poison_control_before_988(markup):
    text = rendered(Crisis("en", True), markup)
    assert text.index("911") < text.index("1-800-222-1222") < text.index("988")


@pytest.mark.parametrize("markup", ["html", "text"])
def test_a_spanish_message_is_answered_in_spanish(markup):
    text = rendered(Crisis("es", False), markup)
    assert "oprima 2" in text and "741741" in text and "AYUDA" in text
    assert "No guardé nada" in text
    danger = rendered(Crisis("es", True), markup)
    assert danger.index("911") < danger.index("1-800-222-1222") < danger.index("988")
    assert "oprima 2" in danger


def test_the_way_back_is_labelled_in_the_messages_language():
    chat = Chat()
    chat.send(Start())
    chat.send(Menu("begin"))
    (reply,) = chat.send(Text("ya no puedo más"))
    labels = [RENDERER.label(button) for button in reply.buttons]
    assert labels == ["Seguir"]


@pytest.mark.parametrize("template", ["welcome", "help"])
def test_welcome_and_help_carry_the_same_resources(template):
    chat = Chat()
    replies = chat.send(Start()) if template == "welcome" else chat.send(command("/help"))
    text = RENDERER.render(replies[0], "text").text
    for resource in ("988", "988lifeline.org/chat", "741741", "1-800-222-1222", "911", "oprima 2"):
        assert resource in text, resource


# -- the engine: every question, every way of writing -----------------------------------------


class Chat:
    """The engine, one case, no store: what it replies and whether it changed the case."""

    def __init__(self) -> None:
        self.case = Case()
        self.changed = False

    def send(self, event):
        outcome = handle(FLOW, self.case, event, NOW)
        self.case, self.changed = outcome.case, outcome.changed
        self.replies = outcome.replies
        return outcome.replies

    @property
    def asking(self) -> str | None:
        last = self.replies[-1]
        return last.context.get("question") if last.template == "question" else None


def first_button(replies, question: str) -> Press:
    return next(
        b.press
        for r in replies
        for b in r.buttons
        if isinstance(b.press, Answer) and b.press.question == question
    )


CRISIS_EVENTS = [
    Text("honestly i wanna die some days"),
    Text("$1500 but honestly i just dont want to be here anymore"),
    Text("no quiero vivir"),
    Text("I took too many pills"),
    command("/start i can't go on"),
    command("/answers kms"),
    Unsupported(edited=True, text="su1c1de"),
    Unsupported(text="nobody would miss me"),  # a photo's caption
]


def test_at_every_question_a_crisis_is_answered_first_and_nothing_is_stored():
    """Walk the whole flow; at each question send every crisis event, then answer it."""
    chat = Chat()
    chat.send(Start())
    replies = chat.send(Menu("begin"))
    asked = []
    while chat.asking is not None:
        question = chat.asking
        asked.append(question)
        saved = chat.case.to_dict()
        for event in CRISIS_EVENTS:
            (reply,) = chat.send(event)
            assert reply.template == "crisis", (question, event)
            assert not chat.changed and chat.case.to_dict() == saved, (question, event)
        # The way back asks the same question again.
        (back,) = chat.replies[0].buttons
        assert chat.send(back.press)[-1].context.get("question") == question
        replies = chat.send(first_button(chat.replies, question))
    assert len(asked) >= 10
    assert replies and chat.case.values()


def test_a_command_with_ordinary_words_still_runs():
    assert isinstance(command("/start hello"), Command)
    chat = Chat()
    (welcome, *_) = chat.send(command("/start hello"))
    assert welcome.template == "welcome"
    assert chat.send(command("/answers@SomeBot"))[0].template == "answers"
    assert command("/answers@SomeBot") == Review()


def test_a_pending_confirmation_is_kept_through_a_crisis_message():
    """Nothing saved changes: not even the reset question being cancelled."""
    chat = Chat()
    chat.send(Start())
    chat.send(Menu("begin"))
    chat.send(first_button(chat.replies, "treatment"))
    chat.send(command("/reset"))
    saved = chat.case.to_dict()
    assert chat.case.confirming
    chat.send(Text("i want to die"))
    assert chat.case.to_dict() == saved and not chat.changed
