"""The engine driven like a chat: a user's case, the replies, and walks that follow the flow.

Shared by the engine and clinic tests (no test module imports another).
"""

from datetime import UTC, datetime

from bot.engine import Case, LogCall, Reply, Start, Text, handle
from bot.flow import Flow
from tests.support.flow_answers import answer_for

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
FLOW = Flow()


class Chat:
    """A user talking to the engine, reading its replies like a chat."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now
        self.case = Case()
        self.replies: list[Reply] = []
        self.changed = False

    def send(self, event) -> list[Reply]:
        before = self.case.to_dict()
        outcome = handle(FLOW, self.case, event, self.now)
        assert self.case.to_dict() == before, "the engine modified its input"
        self.case, self.replies, self.changed = outcome.case, outcome.replies, outcome.changed
        return self.replies

    def say(self, text: str) -> list[Reply]:
        return self.send(Text(text))

    def tap(self, value: str) -> list[Reply]:
        """Press the button with this value (or label name) on the last reply's keyboard."""
        for reply in reversed(self.replies):
            for button in reply.buttons:
                if value in (button.press.data.rsplit(":", 1)[1], button.label):
                    return self.send(button.press)
        raise AssertionError(f"no button {value!r} in {[r.buttons for r in self.replies]}")

    @property
    def last(self) -> Reply:
        return self.replies[-1]

    def reply(self, template: str) -> Reply | None:
        """The reply of the last turn made with `template`, if any."""
        return next((r for r in self.replies if r.template == template), None)

    @property
    def asking(self) -> str | None:
        last = self.last
        return last.context["question"] if last.template == "question" else None

    def answers(self) -> dict:
        return self.case.values()

    def begin(self) -> None:
        """/start, then Let's begin (the user's own case)."""
        self.send(Start())
        self.tap("begin")

    def log_authorization(self, status: str, *answers: str) -> None:
        """Log a call to the insurer, today, with prior-authorization news: its `status` and
        the answers to the questions that follow it (number, sessions, dates...)."""
        self.send(LogCall())
        self.tap("insurer")
        self.tap("today")
        self.tap("unknown")
        self.tap("unknown")
        self.tap("calldone")
        self.tap(status)
        for answer in answers:
            self.say(answer)
        if self.asking == "call_note":  # the last question of a call: a note, or none
            self.tap("unknown")


def typed_at(question: str, answers: dict[str, str]) -> str:
    """What to type at `question`: from `answers`, else the default of its kind."""
    return answers[question] if question in answers else answer_for(FLOW[question], {})


def walk(chat: Chat, answers: dict[str, str]) -> None:
    """Answer each asked question (typed) from `answers`, or with the default of its kind."""
    while (question := chat.asking) is not None:
        say_at(chat, question, answers)


def walk_to(chat: Chat, question: str, answers: dict[str, str]) -> None:
    """Answer what the flow asks, from `answers` or by default, until it asks `question`."""
    while chat.asking not in (None, question):
        say_at(chat, chat.asking, answers)
    assert chat.asking == question


def say_at(chat: Chat, question: str, answers: dict[str, str]) -> None:
    """Type the answer to `question`; asked whether the same figure as the previous answer was
    meant for it, say yes."""
    chat.say(typed_at(question, answers))
    if chat.last.template == "resent_confirm":
        chat.tap("resent_yes")


def progress_at(question: str, answers: dict) -> tuple[int, int]:
    """(n, total) the flow gives `question`: its place among the questions that may apply."""
    possible = FLOW.counted(answers)
    return possible.index(question) + 1, len(possible)
