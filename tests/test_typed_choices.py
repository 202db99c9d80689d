"""Typed choices the way people type them: labels, ids, other words, near misses; and asking
which option was meant when two are equally close. (The same words reach the engine from the
terminal and from Telegram text: see test_terminal.py and test_end_to_end.py for both.)"""

from __future__ import annotations

import pytest

from bot.calls import FORMS
from bot.choosing import Chosen, choose, words_of
from bot.engine import Case, Text, Turn, handle
from bot.flow import Flow, Kind
from bot.parsing import ParseError
from bot.render import Renderer
from tests.support.engine_chat import NOW, Chat, walk_to
from tests.support.typed_choices import typed_forms

RENDERER = Renderer()
FLOW = Flow()
CHOICE_QUESTIONS = {
    question.id: question
    for flow in (FLOW, *FORMS)
    for question in flow.questions
    if question.kind == Kind.CHOICE
}


def turn() -> Turn:
    return Turn(FLOW, Case(), NOW, RENDERER.choice_words)


def test_every_option_is_understood_by_its_label_its_id_and_a_near_miss():
    tried, wrong = 0, []
    for question in CHOICE_QUESTIONS.values():
        for choice in question.choices:
            for form, typed in typed_forms(RENDERER, question.id, choice).items():
                tried += 1
                try:
                    got = turn().match_choice(question, typed)
                except ParseError as error:
                    got = f"refused ({error.code})"
                if got != choice:
                    wrong.append(f"{question.id}: {form} {typed!r} -> {got}, not {choice}")
    assert not wrong, "\n".join(wrong)
    assert tried >= 3 * 40  # every option of every choice question, three ways


@pytest.mark.parametrize(
    ("question", "typed", "choice"),
    [
        ("treatment", "iv", "iv_ketamine"),
        ("treatment", "ketamine infusions", "iv_ketamine"),
        ("treatment", "IM shots", "im_ketamine"),
        ("network", "out of network", "out"),
        ("network", "in netwrok", "in"),
        ("network", "not in network", "out"),
        ("plan_type", "high deductable", "hdhp"),
        ("plan_type", "PPO plan I think", "ppo"),
        ("plan_type", "Medi-Cal", "medicaid"),
        ("benefit", "medical i think", "medical"),
        ("benefit", "it's under pharmacy", "pharmacy"),
        ("coverage", "yeah", "yes"),
        ("coverage", "not covered", "no"),
        ("coverage_tier", "just myself", "self"),
        ("cost_sharing", "a percentage", "coinsurance"),
        ("pa_status", "still pending", "pending"),
        ("call_party", "the insurance company", "insurer"),
    ],
)
def test_the_way_people_type_options(question, typed, choice):
    assert turn().match_choice(CHOICE_QUESTIONS[question], typed) == choice


def test_an_answer_close_to_two_options_is_asked_about_not_guessed():
    with pytest.raises(ParseError) as raised:
        turn().match_choice(CHOICE_QUESTIONS["network"], "network")
    assert raised.value.code == "which_one"
    assert raised.value.details["choices"] == ["in", "out"]
    with pytest.raises(ParseError) as raised:
        turn().match_choice(CHOICE_QUESTIONS["call_party"], "the company")
    assert raised.value.details["choices"] == ["insurer", "bh_company"]
    with pytest.raises(ParseError) as raised:
        turn().match_choice(CHOICE_QUESTIONS["treatment"], "ketamine")  # IV or IM?
    assert raised.value.details["choices"] == ["iv_ketamine", "im_ketamine"]


def test_which_one_is_asked_in_words_with_the_question_again():
    chat = Chat()
    chat.begin()
    walk_to(chat, "network", {})
    outcome = handle(FLOW, chat.case, Text("network"), NOW, RENDERER.choice_words)
    (reply,) = outcome.replies
    text = RENDERER.render(reply, "text").text
    assert text.startswith("Did you mean In network or Out of network? Please tap the one")
    assert "network" not in outcome.case.values()
    html = RENDERER.render(reply, "html").text
    assert "<b>In network</b> or <b>Out of network</b>" in html


@pytest.mark.parametrize(
    ("question", "typed"),
    [
        ("plan_type", "banana"),
        ("plan_type", "medic"),  # Medicare or Medicaid: too far from both to guess
        ("network", "im"),  # too short to be a near miss of "in"
        ("treatment", "I want to feel better"),
        ("medicare_kind", "<c>" * 40),  # "c" names Part C, but not pasted at length
    ],
)
def test_words_that_name_no_option_are_refused(question, typed):
    with pytest.raises(ParseError) as raised:
        turn().match_choice(CHOICE_QUESTIONS[question], typed)
    assert raised.value.code == "pick_a_button"


def test_without_the_channels_words_only_ids_are_understood():
    plain = Turn(FLOW, Case(), NOW)
    assert plain.match_choice(CHOICE_QUESTIONS["network"], "out") == "out"
    with pytest.raises(ParseError):
        plain.match_choice(CHOICE_QUESTIONS["network"], "Out of network")


def test_words_are_compared_without_case_accents_punctuation_or_filler():
    assert words_of("  It's PPO, I think!! ") == ("ppo",)
    assert words_of("Médi-Cal") == ("medi", "cal")
    assert words_of("I think") == ("i", "think")  # nothing but filler: kept
    assert choose("", {"a": ["a"]}) == Chosen()
