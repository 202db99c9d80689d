"""Answers for walks that follow the flow, whatever it asks.

A test names the answers it cares about; any other question the flow asks gets the default of
its kind (a choice: its first). Adding a question to the flow then breaks only the tests that are
about that question or about the flow's exact shape.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.flow import Flow, Kind, Question

BY_KIND = {
    Kind.TEXT: "Example",
    Kind.MONEY: "100",
    Kind.PERCENT: "20",
    Kind.COUNT: "2",
    Kind.DATE: "today",
}


def answer_for(question: Question, answers: Mapping[str, str]) -> str:
    """The test's own answer to `question`, else the default of its kind (typed or choice id)."""
    if question.id in answers:
        return answers[question.id]
    return question.choices[0] if question.kind == Kind.CHOICE else BY_KIND[question.kind]


STORED_BY_KIND = {
    Kind.TEXT: "Example",
    Kind.MONEY: "100.00",
    Kind.PERCENT: "20",
    Kind.COUNT: 2,
    Kind.DATE: "2026-11-26",
}
"""What the defaults above are saved as."""


def completed(answers: Mapping[str, object], flow: Flow) -> dict[str, object]:
    """Saved answers with every other question that applies answered by its kind's default:
    a fixture that names what it is about and stays complete as the flow grows."""
    done = dict(answers)
    for question in flow.questions:
        if question.id not in done and question.applies(done):
            default = STORED_BY_KIND.get(question.kind)
            done[question.id] = question.choices[0] if question.kind == Kind.CHOICE else default
    return done
