"""What can happen in a conversation: commands, typed text, and buttons pressed.

Buttons carry a press, one small class per kind (`Answer`, `Menu`...), encoded as
compact callback data that names the question it belongs to, so a press on an old
message can be told apart.
"""

from __future__ import annotations

import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from bot.languages import LANGUAGES


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
    """/cases: the user's cases, to switch, add, rename, put aside or delete one."""


@dataclass(frozen=True)
class Reminders:
    """/reminders: the reminders set, to cancel, and new ones to set."""


@dataclass(frozen=True)
class Clinics:
    """/clinics: the clinics being compared, side by side, to add, change, remove or choose."""


@dataclass(frozen=True)
class HistoryCommand:
    """/history: the medicines and other treatments tried, to add, change or remove."""


@dataclass(frozen=True)
class Appeal:
    """/appeal: after a denial, or before one: the readiness check and the appeal kit."""


@dataclass(frozen=True)
class DeliverDue:
    """Time has come (or passed) for reminders: show those that are due."""


@dataclass(frozen=True)
class Back:
    """/back: the previous question."""


@dataclass(frozen=True)
class Language:
    """/language or /idioma: choose English or Spanish."""


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


MENU_ITEMS = (
    "begin",
    "begin_other",
    "continue",
    "review",
    "reset",
    "summary",
    "estimate",
    "callscript",
    "fullscript",
    "table",
    "chart",
    "clinic_chart",
    "download",
    "logcall",
    "callwalk",
    "callpick",
    "calldone",
    "callcancel",
    "calls",
    "history",
    "readiness",
    "appeal",
    "cases",
)
CLINIC_VERBS = ("add", "show", "edit", "remove", "choose", "list", "cancel", "resume")
HISTORY_VERBS = ("trial", "score", "other", "show", "edit", "remove", "cancel", "resume")
"""What a history button does: add a trial or a score, change the other treatments; open,
change or remove an entry; the form's cancel and continue."""
CASE_VERBS = ("switch", "add", "rename", "aside", "delete")
"""What a case button does: work on that case (reopening it if it was put aside), begin a
new one; rename, put aside or delete the case being worked on."""
LETTER_KINDS = ("necessity", "appeal", "peer_to_peer", "expedited", "external")
"""The appeal kit's letters (bot/appeal_kit.py)."""
LISTINGS = ("calls", "cases")
"""The lists shown a page at a time, newest first."""
SEPARATOR = ":"


class _Button:
    """What a button sends when pressed; `data` is its compact, stable callback data.

    Each kind packs two of its fields into "<code>:<first>:<second>" (its `layout`, "" for
    a slot left empty), well under Telegram's 64 bytes, so keyboards sent long ago keep
    working; `decode` reads it back, refusing what no button of the bot could have sent.
    """

    code: ClassVar[str]
    layout: ClassVar[tuple[str, str]]
    allowed: ClassVar[Mapping[str, tuple[str, ...]]]
    """Fields that take only some values, and those values."""

    def __init_subclass__(
        cls,
        *,
        code: str,
        layout: tuple[str, str],
        allowed: Mapping[str, tuple[str, ...]] | None = None,
    ) -> None:
        super().__init_subclass__()
        cls.code, cls.layout, cls.allowed = code, layout, allowed or {}

    @property
    def data(self) -> str:
        slots = (getattr(self, name) if name else "" for name in self.layout)
        return SEPARATOR.join((self.code, *slots))

    @classmethod
    def unpack(cls, first: str, second: str) -> Press | None:
        fields = {}
        for name, value in zip(cls.layout, (first, second), strict=True):
            if not name and value:
                return None
            if name:
                fields[name] = value
        if any(fields[name] not in values for name, values in cls.allowed.items()):
            return None
        return cls(**fields)


@dataclass(frozen=True)
class Answer(_Button, code="a", layout=("question", "value")):
    """This value for this question: a choice, a suggestion, or "I don't know"."""

    question: str
    value: str


@dataclass(frozen=True)
class Keep(_Button, code="k", layout=("question", "")):
    """Keep the saved answer to this question."""

    question: str


@dataclass(frozen=True)
class BackFrom(_Button, code="b", layout=("question", "")):
    """Back from this question to the one before it."""

    question: str


@dataclass(frozen=True)
class Edit(_Button, code="e", layout=("question", "")):
    """Change the answer to this question (from the list of answers)."""

    question: str


@dataclass(frozen=True)
class Menu(_Button, code="m", layout=("", "item"), allowed={"item": MENU_ITEMS}):
    """One of the things the bot offers to do next."""

    item: str


@dataclass(frozen=True)
class Confirm(
    _Button, code="r", layout=("what", "answer"), allowed={"answer": ("yes", "no", "one")}
):
    """Yes or no to what the bot asked before doing ("reset", "delete", removing a clinic);
    "one" to /delete: only the case being worked on."""

    what: str
    answer: str

    @property
    def yes(self) -> bool:
        return self.answer == "yes"


@dataclass(frozen=True)
class Remind(_Button, code="t", layout=("kind", "day")):
    """Set a reminder of this kind on this ISO day."""

    kind: str
    day: str


@dataclass(frozen=True)
class CancelReminder(_Button, code="x", layout=("", "number")):
    """Cancel the reminder with this number."""

    number: str


@dataclass(frozen=True)
class ClinicButton(_Button, code="c", layout=("clinic", "verb"), allowed={"verb": CLINIC_VERBS}):
    """Do this with the clinic of this id ("" for the list and the form)."""

    clinic: str
    verb: str


@dataclass(frozen=True)
class HistoryButton(_Button, code="h", layout=("entry", "verb"), allowed={"verb": HISTORY_VERBS}):
    """Do this with the history's entry `entry` ("t2": the second trial, "s1": the first
    score; "" for the list and the forms)."""

    entry: str
    verb: str


@dataclass(frozen=True)
class CaseButton(_Button, code="s", layout=("number", "verb"), allowed={"verb": CASE_VERBS}):
    """Do this with the user's case numbered `number` ("" for a new case, or the current one)."""

    number: str
    verb: str


@dataclass(frozen=True)
class Letter(_Button, code="l", layout=("", "kind"), allowed={"kind": LETTER_KINDS}):
    """Send this letter of the appeal kit."""

    kind: str


@dataclass(frozen=True)
class Older(_Button, code="o", layout=("listing", "start"), allowed={"listing": LISTINGS}):
    """The next page of a long list ("calls", "cases"), from the entry numbered `start`."""

    listing: str
    start: str

    @property
    def offset(self) -> int | None:
        """Where the page starts (None for data we never sent)."""
        return int(self.start) if self.start.isdigit() and len(self.start) < 6 else None


@dataclass(frozen=True)
class LanguageButton(_Button, code="g", layout=("", "language"), allowed={"language": LANGUAGES}):
    """Speak this language from now on."""

    language: str


Press = (
    Answer
    | Keep
    | BackFrom
    | Edit
    | Menu
    | Confirm
    | Remind
    | CancelReminder
    | ClinicButton
    | HistoryButton
    | CaseButton
    | Letter
    | Older
    | LanguageButton
)
"""A button pressed."""

_KINDS: dict[str, type[_Button]] = {kind.code: kind for kind in typing.get_args(Press)}


def decode(data: str) -> Press | None:
    """The press encoded in callback data, or None for data we never sent."""
    parts = data.split(SEPARATOR)
    if len(parts) != 3 or parts[0] not in _KINDS:
        return None
    return _KINDS[parts[0]].unpack(parts[1], parts[2])


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
    | HistoryCommand
    | Appeal
    | Language
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
    "history": HistoryCommand(),
    "appeal": Appeal(),
    "cases": Cases(),
    "reminders": Reminders(),
    "back": Back(),
    "help": Help(),
    "reset": Reset(),
    "export": Export(),
    "delete": Delete(),
    "language": Language(),
    "idioma": Language(),
}
"""Every command, by name (without the slash), in the order of the menu (commands.j2: the
English menu has /language where the Spanish one has /idioma)."""


def command(text: str) -> Event:
    """The event a typed command stands for: "/help@SomeBot" is /help; words after it are kept."""
    name, *words = text.split(maxsplit=1) or [""]
    event = COMMANDS.get(name.lstrip("/").split("@")[0].lower(), Help(unknown_command=True))
    return Command(event, words[0]) if words else event
