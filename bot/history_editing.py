"""The medication history in the chat: the list, one entry, removing one; entering one is a mode.

An entry (a medicine tried, a rating-scale score, the other treatments) is entered through its
form in bot/history_forms.py, one question at a time like a clinic; what was said is kept in a
`Draft` until the entry is saved in `Case.history`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from bot.case import HISTORY, Draft
from bot.events import BackFrom, HistoryButton, Menu, Press
from bot.flow import UNKNOWN, Flow, Question
from bot.history import MAX_SCORES, MAX_TRIALS, OTHER_TREATMENTS, History, date_range
from bot.history_forms import (
    HISTORY_FORMS,
    matched,
    score_of,
    trial_answers,
    trial_of,
    with_other,
)
from bot.modes import Mode
from bot.replies import Button

if TYPE_CHECKING:
    from bot.engine import Turn

REMOVING = "history"
"""`confirming` while removal of an entry is asked: "history<entry>" ("historyt2")."""
LIMITS = {"trial": MAX_TRIALS, "score": MAX_SCORES}


def history_of(turn: Turn) -> History:
    """The case's history (checked when the case was loaded: bot/case.py)."""
    return History.from_dict(turn.case.history)


def _save(turn: Turn, history: History) -> None:
    turn.case.history = history.to_dict()
    turn.changed = True


def _entry(history: History, entry: str) -> tuple[str, int, Any] | None:
    """("trial" or "score", its index, the entry) for "t2" or "s1"; None if there is none."""
    kinds = {"t": ("trial", history.trials), "s": ("score", history.scores)}
    if len(entry) < 2 or entry[0] not in kinds or not entry[1:].isdigit():
        return None
    kind, entries = kinds[entry[0]]
    index = int(entry[1:]) - 1
    return (kind, index, entries[index]) if 0 <= index < len(entries) else None


# -- the list and one entry --


def show_history(turn: Turn) -> None:
    history = history_of(turn)
    buttons = [
        *(
            Button(HistoryButton(f"t{n}", "show"), "history_trial", {"name": t.name})
            for n, t in enumerate(history.trials, 1)
        ),
        *(
            Button(HistoryButton(f"s{n}", "show"), "history_score", {"score": s})
            for n, s in enumerate(history.scores, 1)
        ),
    ]
    if len(history.trials) < MAX_TRIALS:
        buttons.append(Button(HistoryButton("", "trial"), "history_add_trial"))
    if len(history.scores) < MAX_SCORES:
        buttons.append(Button(HistoryButton("", "score"), "history_add_score"))
    buttons += [
        Button(HistoryButton("", "other"), "history_other"),
        Button(Menu("readiness"), "readiness"),
        Button(Menu("appeal"), "appeal"),
        turn.resume_button(),
    ]
    turn.show("history", buttons=buttons, history=history, today=turn.today)


def show_entry(turn: Turn, entry: str) -> None:
    found = _entry(history_of(turn), entry)
    if found is None:
        turn.closed()
        return
    kind, _, item = found
    buttons = [Button(HistoryButton(entry, "edit"), "history_edit")] if kind == "trial" else []
    buttons += [
        Button(HistoryButton(entry, "remove"), "history_remove"),
        Button(Menu("history"), "history_list"),
    ]
    turn.show("history_entry", buttons=buttons, kind=kind, item=item, today=turn.today)


def press(turn: Turn, button: HistoryButton) -> None:
    """A history button (the form's own Cancel and Continue are `EnteringHistory.actions`)."""
    verb, entry = button.verb, button.entry
    if verb in ("trial", "score", "other") and not entry:
        start(turn, verb)
    elif _entry(history_of(turn), entry) is None:
        turn.closed()
    elif verb == "show":
        show_entry(turn, entry)
    elif verb == "edit" and entry.startswith("t"):
        start(turn, "trial", entry)
    elif verb == "remove":
        turn.ask_to_confirm(f"{REMOVING}{entry}", "history_remove", entry=entry)
    else:
        turn.closed()


def confirm_remove(turn: Turn, what: str, confirmed: bool) -> None:
    turn.case.confirming = None
    turn.changed = True
    history = history_of(turn)
    found = _entry(history, what.removeprefix(REMOVING))
    if found is None:
        turn.closed()
        return
    kind, index, item = found
    if confirmed:
        if kind == "trial":
            trials = history.trials[:index] + history.trials[index + 1 :]
            history = History(trials, history.scores, history.other)
        else:
            scores = history.scores[:index] + history.scores[index + 1 :]
            history = History(history.trials, scores, history.other)
        _save(turn, history)
        turn.show("history_removed", kind=kind, item=item)
    show_history(turn)


# -- entering one --


def start(turn: Turn, kind: str, entry: str = "") -> None:
    """Add a trial or a score, change a trial (`entry` "t2"), or the other treatments."""
    history = history_of(turn)
    entries = {"trial": history.trials, "score": history.scores}.get(kind, ())
    if not entry and kind in LIMITS and len(entries) >= LIMITS[kind]:
        turn.closed()
        return
    original: dict[str, Any] = {}
    if entry:
        found = _entry(history, entry)
        original = trial_answers(found[2]) if found else {}
    elif kind == "other":
        original = {f"other_{t}": "yes" if t in history.other else "no" for t in OTHER_TREATMENTS}
        original = original if history.other else {}
    number = int(entry[1:]) if entry else 0
    form = HISTORY_FORMS[kind]
    turn.case.history_draft = Draft(
        number, form.questions[0].id, stage=kind, answers=dict(original), original=original
    )
    turn.set_position(HISTORY, turn.case.cursor)
    turn.changed = True
    turn.mode.resume()


class EnteringHistory(Mode):
    """An entry of the medication history being added or changed, one question at a time."""

    aside: ClassVar[str | None] = "history"

    @property
    def draft(self) -> Draft:
        return self.turn.case.history_draft

    @property
    def form(self) -> Flow:
        return HISTORY_FORMS[self.draft.stage]

    def question(self) -> Question | None:
        return self.form.get(self.draft.cursor) if self.draft else None

    def header(self, question: Question) -> Mapping[str, Any]:
        changing = bool(self.draft.original) and self.draft.stage == "trial"
        return {"progress": None, "header": "history_changing" if changing else "history_adding"}

    def question_buttons(self, question: Question) -> list[Button]:
        first = question is self.form.questions[0]
        back = [] if first else [Button(BackFrom(question.id), "back")]
        return [*back, Button(HistoryButton("", "cancel"), "history_cancel")]

    def resume_button(self) -> Button:
        return Button(HistoryButton("", "resume"), "history_resume")

    def saved(self, question: Question) -> Mapping[str, Any] | None:
        """The trial's saved value, unless a date now falls before its pair (a start changed
        to after the saved end): it must then be typed again."""
        original = self.draft.original
        if question.id not in original:
            return None
        value = original[question.id]
        earliest = self.draft.answers.get(question.not_before or "")
        known = UNKNOWN not in (value, earliest) and None not in (value, earliest)
        if known and date_range(value)[1] < date_range(earliest)[0]:
            return None
        return {"value": value}

    def store(self, question: Question, value: Any) -> None:
        said = matched(value) if question.id == "trial_name" else {question.id: value}
        self.draft.answers.update(said)
        self.turn.changed = True

    def actions(self) -> Mapping[Press, Callable[[], None]]:
        return {
            HistoryButton("", "cancel"): self.cancel,
            HistoryButton("", "resume"): self.resume,
        }

    def resume(self) -> None:
        question = self.question()
        if question is None:
            self.finish()
        else:
            self.turn.ask(question)

    def advance(self, answered: str) -> None:
        following = self.form.after(self.draft.answers, answered)
        if following is None:
            self.finish()
        else:
            self.move_to(following)

    def back(self) -> None:
        previous = self.form.before(self.draft.answers, self.draft.cursor)
        if previous is None:
            self.cancel()
        else:
            self.move_to(previous)

    def move_to(self, question: Question) -> None:
        self.draft.cursor = question.id
        self.turn.changed = True
        self.turn.ask(question)

    def cancel(self) -> None:
        self.turn.case.history_draft = None
        self.turn.changed = True
        self.turn.leave_form()
        self.turn.show("history_cancelled")
        show_history(self.turn)

    def finish(self) -> None:
        """Save the entry (replacing the trial changed) and show the history."""
        turn, draft = self.turn, self.draft
        said = {q.id: draft.answers[q.id] for q in self.form.applicable(draft.answers)}
        said = {**draft.answers, **said} if draft.stage == "trial" else said
        history = history_of(turn)
        trials, scores = list(history.trials), list(history.scores)
        if draft.stage == "trial":
            trial = trial_of(said)
            if draft.id:
                trials[draft.id - 1] = trial
            else:
                trials.append(trial)
            history = History(tuple(trials), history.scores, history.other)
        elif draft.stage == "score":
            history = History(history.trials, (*scores, score_of(said)), history.other)
        else:
            history = with_other(history, said)
        _save(turn, history)
        turn.case.history_draft = None
        turn.leave_form()
        turn.show("history_saved", kind=draft.stage, changed=bool(draft.id))
        show_history(turn)
