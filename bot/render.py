"""Turning the engine's replies into text: Telegram HTML or plain terminal text.

Every word the user reads lives in templates/. The same `*.j2` templates are
rendered by two jinja2 environments: one autoescapes for Telegram's HTML parse
mode (so user text with `<` or `&` is always escaped), one writes plain text
for the terminal. Button labels are plain text in both: Telegram does not
parse them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from bot.calls import form_of
from bot.chart import draw
from bot.documents import DOCUMENTS, PDF, PNG, File
from bot.flow import OTHER, Flow
from bot.pdf import layout
from bot.replies import Attachment, Button, Reply

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
DEFAULT_LOCALE = "en"
"""The language of templates/ itself, and of anything not translated."""

Markup_ = Literal["html", "text"]
Keyboard = list[list[tuple[str, str]]]
"""Rows of (label, callback data)."""

# Labels longer than this get a row of their own, so Telegram does not cut them.
_SHORT_LABEL = 22
_GROUPED = ("choice", "suggestion", "edit")


MESSAGE_LIMIT = 4096
"""Telegram's limit on a message's length, in UTF-16 code units."""


@dataclass(frozen=True)
class Rendered:
    """A message ready to send: its text and its keyboard."""

    text: str
    keyboard: Keyboard


def money(value: object) -> str:
    """$1,500 for whole dollars, $1,500.50 otherwise."""
    amount = Decimal(str(value))
    return f"${amount:,.0f}" if amount == amount.to_integral_value() else f"${amount:,.2f}"


def day(value: object) -> str:
    """Nov 26, 2026, for an ISO date or date-time; March 2026 for a month alone ("2026-03")."""
    text = str(value)
    if len(text) == len("2026-03"):
        moment = date.fromisoformat(text + "-01")
        return f"{moment:%B} {moment.year}"
    moment = date.fromisoformat(text[:10])
    return f"{moment:%b} {moment.day}, {moment.year}"


def percent(value: object) -> str:
    """20%, 12.5%."""
    return f"{Decimal(str(value)).normalize():f}%"


class Renderer:
    """Renders replies with the templates in one directory, in one language.

    The templates of a language other than English live in `templates/<locale>/`, with the
    same names; any template not translated there is the English one.
    """

    def __init__(
        self,
        flow: Flow | None = None,
        templates_dir: Path = TEMPLATES_DIR,
        locale: str = DEFAULT_LOCALE,
    ) -> None:
        self.flow = flow or Flow()
        self.locale = locale
        folders = [templates_dir / locale] if locale != DEFAULT_LOCALE else []
        loader = FileSystemLoader([*folders, templates_dir])
        self.html = self._environment(loader, autoescape=True, bold=_html_bold)
        self.text = self._environment(loader, autoescape=False, bold=str)
        self._label_modules: dict[tuple[str, bool], Any] = {}

    def _environment(
        self, loader: FileSystemLoader, *, autoescape: bool, bold: Callable[[object], str]
    ) -> Environment:
        env = Environment(
            loader=loader,
            undefined=StrictUndefined,
            autoescape=autoescape,
            trim_blocks=True,
            lstrip_blocks=True,
            # Templates ship with the code: compile each once, never stat it again per message.
            auto_reload=False,
            cache_size=-1,
        )
        env.filters.update(money=money, percent=percent, bold=bold, day=day)
        env.globals.update(
            kind_of=lambda qid: str((form_of(qid) or self.flow)[qid].kind),
            question_text=lambda qid, answers: self._question(env, qid, answers),
        )
        # The user's own case unless a render says otherwise (`message`, `_question`).
        env.globals["p"] = _person(env, None)
        return env

    @staticmethod
    def _question(env: Environment, question_id: str, answers: Mapping[str, Any]) -> Any:
        """The module of a question's template: prompt, help, short name and choice labels."""
        template = env.get_template(f"questions/{question_id}.j2")
        person = _person(env, answers.get("for_whom"))
        return template.make_module({"answers": answers, "p": person})

    def render(self, reply: Reply, markup: Markup_) -> Rendered:
        """The text and keyboard of one reply."""
        text = self.message(reply.template, markup, about=reply.about, **reply.context)
        return Rendered(text, self.keyboard(reply.buttons, reply.about))

    def message(
        self, template: str, markup: Markup_, *, about: str | None = None, **context: Any
    ) -> str:
        """A message, worded for whom its case is `about` (`p`: templates/_person.j2)."""
        env = self.html if markup == "html" else self.text
        person = _person(env, about)
        return env.get_template(f"{template}.j2").render(**context, p=person).strip()

    def attachments(self, reply: Reply) -> list[File]:
        """Each document a reply carries, made."""
        return [self.file(attachment) for attachment in reply.attachments]

    def file(self, attachment: Attachment) -> File:
        """A document made: the text ones with the plain-text templates, a PDF laid out from
        the same text (bot/pdf.py), a chart drawn with its template's words (bot/chart.py)."""
        document = DOCUMENTS[attachment.document]
        if document.media_type == PNG:
            template = self.text.get_template(f"{document.template}.j2")
            words = template.make_module({"p": _person(self.text, attachment.about)})
            content = draw(attachment.context["chart"], words, money)
            return File(attachment.document, document.filename, PNG, content)
        text = self.message(document.template, "text", about=attachment.about, **attachment.context)
        text += "\n"
        content = (
            layout(text, title=document.title) if document.media_type == PDF else text.encode()
        )
        return File(attachment.document, document.filename, document.media_type, content)

    def label(self, button: Button, about: str | None = None) -> str:
        """A button's label, in plain text (worded for whom its case is `about`)."""
        labels = self.text.get_template("buttons.j2").module
        if button.label in ("choice", "edit", "change", "unknown"):
            question = self._labels_of(button.press.question, about)
            if button.label == "choice":
                return str(question.choices[button.press.value]).strip()
            if button.label == "edit":
                return str(question.short).strip()
            if button.label == "change":
                return str(labels.change(str(question.short).strip())).strip()
            return str(getattr(question, "unknown", None) or labels.unknown()).strip()
        return str(getattr(labels, button.label)(**button.args)).strip()

    def choice_words(self, question_id: str) -> dict[str, list[str]]:
        """What a user may type for each option of a choice question: its id, its label and
        the other words its template lists (`also`); see bot/choosing.py."""
        question = self._labels_of(question_id)
        also = getattr(question, "also", None) or {}
        return {
            choice: [choice, str(label).strip(), *also.get(choice, ())]
            for choice, label in question.choices.items()
        }

    def _labels_of(self, question_id: str, about: str | None = None) -> Any:
        """A question's module for its labels (which depend on no answer but whom the case is
        about): made once for each."""
        key = (question_id, about == OTHER)
        if key not in self._label_modules:
            answers = {"for_whom": OTHER} if about == OTHER else {}
            self._label_modules[key] = self._question(self.text, question_id, answers)
        return self._label_modules[key]

    def keyboard(self, buttons: tuple[Button, ...], about: str | None = None) -> Keyboard:
        """Lay buttons out in rows: short answer buttons two to a row, the rest one each."""
        rows: Keyboard = []
        group: list[tuple[str, str]] = []
        for index, button in enumerate(buttons):
            entry = (self.label(button, about), button.press.data)
            if button.label not in _GROUPED:
                rows.append([entry])
                continue
            group.append(entry)
            following = buttons[index + 1] if index + 1 < len(buttons) else None
            if following is None or following.label != button.label:
                rows.extend(_pairs(group))
                group = []
        return rows

    def commands(self) -> list[tuple[str, str]]:
        """The bot's commands and their descriptions, for the menu and /help."""
        module = self.text.get_template("commands.j2").module
        return list(module.commands.items())


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split text into messages within Telegram's limit, at blank lines, else at line ends.

    Templates keep each paragraph's HTML tags balanced, so every part stays valid HTML.
    """
    parts: list[str] = []
    for paragraph in text.split("\n\n"):
        pieces = [paragraph] if _length(paragraph) <= limit else paragraph.split("\n")
        for index, piece in enumerate(pieces):
            joiner = "\n" if index else "\n\n"
            if parts and _length(parts[-1] + joiner + piece) <= limit:
                parts[-1] += joiner + piece
            else:
                parts.append(piece)
    return parts


def _length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _pairs(group: list[tuple[str, str]]) -> Keyboard:
    if all(len(label) <= _SHORT_LABEL for label, _ in group):
        return [group[i : i + 2] for i in range(0, len(group), 2)]
    return [[entry] for entry in group]


def _person(env: Environment, about: object) -> Mapping[str, str]:
    """The words for whom a case is about: "you", "your" for the user's own case (and for no
    case), "they", "their" for someone they help (templates/_person.j2)."""
    module = env.get_template("_person.j2").module
    return module.other if about == OTHER else module.self


def _html_bold(value: object) -> Markup:
    return Markup("<b>%s</b>") % escape(value)
