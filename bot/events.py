"""What can happen in a conversation: commands, typed text, and buttons pressed.

Buttons carry a `Press`, encoded as compact callback data that names the
question it belongs to, so a press on an old message can be told apart.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Start:
    """/start: welcome, or offer to resume."""


@dataclass(frozen=True)
class Help:
    """/help, or a command the bot does not know."""

    unknown_command: bool = False


@dataclass(frozen=True)
class Review:
    """/answers: list the answers with a way to change each."""


@dataclass(frozen=True)
class Reset:
    """/reset: ask before starting over."""


@dataclass(frozen=True)
class Estimate:
    """/estimate: the cost estimate from what has been answered so far."""


@dataclass(frozen=True)
class CallScript:
    """/callscript: the checklist for the call to the insurer."""


@dataclass(frozen=True)
class Export:
    """/export: everything stored about the user, as files."""


@dataclass(frozen=True)
class Delete:
    """/delete: ask before erasing everything stored about the user."""


@dataclass(frozen=True)
class LogCall:
    """/logcall: record a call and what was said on it."""


@dataclass(frozen=True)
class Calls:
    """/calls: the calls logged, newest first."""


@dataclass(frozen=True)
class Cases:
    """/cases: earlier cases, kept when the user started over."""


@dataclass(frozen=True)
class Reminders:
    """/reminders: the reminders set, to cancel, and new ones to set."""


@dataclass(frozen=True)
class Clinics:
    """/clinics: the clinics being compared, side by side, to add, change, remove or choose."""


@dataclass(frozen=True)
class DeliverDue:
    """Time has come (or passed) for reminders: show those that are due."""


@dataclass(frozen=True)
class Back:
    """/back: the previous question."""


@dataclass(frozen=True)
class Text:
    """Anything typed."""

    text: str


@dataclass(frozen=True)
class Unsupported:
    """A sticker, photo, voice message, an edited message: anything but new text."""

    edited: bool = False
    text: str = ""
    """What it says (an edited message's new text, a photo's caption): read for a crisis."""


@dataclass(frozen=True)
class Command:
    """A command typed with words after it ("/start i can't go on"): the words are read too."""

    event: Event
    words: str


ANSWER, KEEP, BACK, EDIT, MENU, CONFIRM = "a", "k", "b", "e", "m", "r"
REMIND, CANCEL_REMINDER = "t", "x"
CLINIC_PRESS = "c"
"""A clinic button: the question slot holds the clinic's id, the value what to do."""
CLINIC_VERBS = ("add", "show", "edit", "remove", "choose", "list", "cancel", "resume")
MENU_ITEMS = (
    "begin",
    "continue",
    "review",
    "reset",
    "summary",
    "estimate",
    "callscript",
    "table",
    "download",
    "logcall",
    "callwalk",
    "callpick",
    "calldone",
    "callcancel",
    "calls",
)
SEPARATOR = ":"


@dataclass(frozen=True)
class Press:
    """A button pressed; `data` is its compact, stable encoding (callback data)."""

    action: str
    question: str = ""
    value: str = ""

    @property
    def data(self) -> str:
        """Callback data: names the question it belongs to, well under 64 bytes."""
        return SEPARATOR.join((self.action, self.question, self.value))


def decode(data: str) -> Press | None:
    """The press encoded in callback data, or None for data we never sent."""
    parts = data.split(SEPARATOR)
    actions = (ANSWER, KEEP, BACK, EDIT, MENU, CONFIRM, REMIND, CANCEL_REMINDER, CLINIC_PRESS)
    if len(parts) != 3 or parts[0] not in actions:
        return None
    return Press(*parts)


Event = (
    Command
    | Start
    | Help
    | Review
    | Reset
    | Back
    | Text
    | Unsupported
    | Estimate
    | CallScript
    | Export
    | Delete
    | LogCall
    | Calls
    | Cases
    | Reminders
    | Clinics
    | DeliverDue
    | Press
)


COMMANDS: dict[str, Event] = {
    "start": Start(),
    "answers": Review(),
    "estimate": Estimate(),
    "callscript": CallScript(),
    "logcall": LogCall(),
    "calls": Calls(),
    "clinics": Clinics(),
    "cases": Cases(),
    "reminders": Reminders(),
    "back": Back(),
    "help": Help(),
    "reset": Reset(),
    "export": Export(),
    "delete": Delete(),
}
"""Every command, by name (without the slash), in the order of the menu (commands.j2)."""


def command(text: str) -> Event:
    """The event a typed command stands for: "/help@SomeBot" is /help; words after it are kept."""
    name, *words = text.split(maxsplit=1) or [""]
    event = COMMANDS.get(name.lstrip("/").split("@")[0].lower(), Help(unknown_command=True))
    return Command(event, words[0]) if words else event
