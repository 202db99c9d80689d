"""Answers for walks that follow the flow, whatever it asks.

A test names the answers it cares about; any other question the flow asks gets the default of
its kind (a choice: its first). Adding a question to the flow then breaks only the tests that are
about that question or about the flow's exact shape.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.flow import Kind, Question

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
