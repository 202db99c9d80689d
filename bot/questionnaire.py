"""The questions themselves, as modes: not begun, being asked, one being changed, all answered."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from bot.case import ASKING, DONE, EDITING, progress
from bot.events import BackFrom, Menu
from bot.flow import Question
from bot.modes import Mode
from bot.replies import Button


class Questionnaire(Mode):
    """Walking the questions of the flow in order; answers are saved in the case."""

    def where(self) -> Question | None:
        """The question the user is at: the cursor if it still applies, else the next one."""
        turn = self.turn
        cursor = turn.case.cursor
        if cursor in turn.flow and turn.flow[cursor].applies(turn.values()):
            return turn.flow[cursor]
        return turn.flow.first_unanswered(turn.values(), after=cursor)

    def question(self) -> Question | None:
        return self.where()

    def progress(self) -> tuple[int, int] | None:
        question = self.where()
        return progress(self.turn.flow, self.turn.case, question.id) if question else None

    def header(self, question: Question) -> Mapping[str, Any]:
        position = progress(self.turn.flow, self.turn.case, question.id)
        return {"progress": position, "header": "progress" if position else None}

    def question_buttons(self, question: Question) -> list[Button]:
        values = self.turn.case.values()
        first = next(q.id for q in self.turn.flow.questions if q.may_apply(values))
        return [Button(BackFrom(question.id), "back")] if question.id != first else []

    def resume_button(self) -> Button:
        if self.where() is None:
            return Button(Menu("summary"), "summary")
        position = self.progress()
        if not self.turn.case.answers or position is None:  # (whom the case is for: unnumbered)
            return Button(Menu("continue"), "begin")
        n, total = position
        return Button(Menu("continue"), "resume", {"n": n, "total": total})

    def saved(self, question: Question) -> Mapping[str, Any] | None:
        return self.turn.case.answers.get(question.id)

    def store(self, question: Question, value: Any) -> None:
        self.turn.record(question, value)

    staying: ClassVar[str] = ASKING
    """The mode a question asked in this mode is asked in."""

    def go(self, question: Question | None, mode: str | None = None) -> None:
        """Ask `question` (in `mode`, else this mode), or the summary once nothing is left."""
        if question is None:
            self.turn.finish()
        else:
            self.turn.set_position(mode or self.staying, question.id)
            self.turn.ask(question)

    def advance(self, answered: str) -> None:
        self.go(self.turn.flow.first_unanswered(self.turn.values(), after=answered))

    def back(self) -> None:
        turn = self.turn
        current = self.question()
        previous = turn.flow.before(turn.values(), current.id if current else None)
        target = previous or turn.flow.applicable(turn.values())[0]
        turn.set_position(ASKING, target.id)
        turn.ask(target)

    def resume(self) -> None:
        self.go(self.where())

    def idle(self) -> None:
        self.turn.welcome()


class Asking(Questionnaire):
    """Walking the questions."""


class Resting(Questionnaire):
    """Not in the middle of the questions: nothing is asked; Continue walks on from the first
    question still unanswered."""

    def question(self) -> Question | None:
        return None

    def resume(self) -> None:
        pass

    def carry_on(self) -> None:
        self.turn.set_position(ASKING, None)
        self.go(self.turn.flow.first_unanswered(self.turn.values()))


class NotBegun(Resting):
    """Nothing asked yet (or back from a form before the first answer)."""

    def back(self) -> None:
        self.turn.welcome()


class Finished(Resting):
    """Every question answered: the summary has been shown."""

    finished: ClassVar[bool] = True

    def where(self) -> Question | None:
        return self.turn.flow.first_unanswered(self.turn.values(), after=self.turn.case.cursor)

    def idle(self) -> None:
        finished = ("summary", "estimate", "callscript", "review", "reset")
        self.turn.show("finished", buttons=[Button(Menu(m), m) for m in finished])


class Changing(Questionnaire):
    """One answer being changed from the list of answers; then back to where the user was."""

    staying: ClassVar[str] = EDITING

    def header(self, question: Question) -> Mapping[str, Any]:
        return {"progress": None, "header": "editing"}

    def question_buttons(self, question: Question) -> list[Button]:
        return [Button(BackFrom(question.id), "back")]

    def advance(self, answered: str) -> None:
        # On to a question the change made apply (walking on from there), else what changed.
        following = self.turn.flow.first_unanswered(self.turn.values())
        if following is None:
            self.turn.changed_after_summary(self.turn.flow[answered])
            return
        self.go(following, ASKING)

    def back(self) -> None:
        following = self.turn.flow.first_unanswered(self.turn.values())
        if following is None:
            self.turn.set_position(DONE, None)
        else:
            self.turn.set_position(ASKING, following.id)
        self.turn.review()
