"""A mode: where the user is in the conversation, and what each thing they do means there.

The engine's turn keeps what every mode shares (showing replies, saving answers, the
commands) and looks up the mode of the case (`engine.MODES`); what differs between
walking the questions, logging a call and entering a clinic lives in one class per mode.
A new form is one new `Mode` and its flow.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from bot.case import EDITING
from bot.events import Press
from bot.flow import Question
from bot.replies import Button

if TYPE_CHECKING:
    from bot.engine import Turn


class Mode:
    """What the engine needs to know of where the user is; every method may use the turn."""

    finished: ClassVar[bool] = False
    """Every question is answered: outputs offer the next steps rather than a way back."""
    aside: ClassVar[str | None] = None
    """The form beside the questions the user is in ("call", "clinic"), if any."""

    def __init__(self, turn: Turn) -> None:
        self.turn = turn

    # -- where the user is --

    def question(self) -> Question | None:
        """The question being asked: what typed text and answer buttons answer."""
        return None

    def progress(self) -> tuple[int, int] | None:
        """(n, total) of where the user is among the questions, if they are among them."""
        return None

    def header(self, question: Question) -> Mapping[str, Any]:
        """Where a question is asked: `header` names it ("progress", "editing", "call",
        "clinic_adding", "clinic_changing", or None), `progress` is (n, total) or None."""
        return {"progress": None, "header": None}

    def question_buttons(self, question: Question) -> list[Button]:
        """The buttons a question shows after its answers (back, cancel, done)."""
        return []

    def resume_button(self) -> Button:
        """The button that leads back to where the user is."""
        raise NotImplementedError

    # -- answers --

    def saved(self, question: Question) -> Mapping[str, Any] | None:
        """The saved answer to offer to keep, if any."""
        return None

    def store(self, question: Question, value: Any) -> None:
        """Keep an answer where this mode keeps them."""
        raise NotImplementedError

    # -- moving --

    def advance(self, answered: str) -> None:
        """Go on after an answer."""
        raise NotImplementedError

    def back(self) -> None:
        """/back or a Back button."""
        raise NotImplementedError

    def resume(self) -> None:
        """Ask again where the user is, if a question is waiting (after a notice)."""

    def carry_on(self) -> None:
        """Continue pressed: go on from where the user is."""
        self.resume()

    def idle(self) -> None:
        """Typed text when no question is waiting for it."""
        self.resume()

    def edit(self, question: Question) -> None:
        """Change an answer from the list of answers."""
        self.turn.set_position(EDITING, question.id)
        self.turn.ask(question)

    def actions(self) -> Mapping[Press, Callable[[], None]]:
        """The buttons only this mode has (a form's Cancel, Done), and what each does."""
        return {}
