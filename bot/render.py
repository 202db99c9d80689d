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

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from bot.calls import form_of
from bot.chart import draw
from bot.documents import DOCUMENTS, PDF, PNG, File
from bot.flow import OTHER, Flow
from bot.pdf import layout
from bot.replies import Attachment, Button, Reply
from bot.translations import ENGLISH_ONLY

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


_BABEL_LOCALES = {"en": "en_US", "es": "es_US"}
"""Money and dates as written in the US, in each language ("$1,500"; "Nov 26, 2026" and
"26 nov 2026"): the bot is about US insurance."""


def _babel(locale: str) -> str:
    return _BABEL_LOCALES.get(locale, _BABEL_LOCALES[DEFAULT_LOCALE])


def money(value: object, locale: str = DEFAULT_LOCALE) -> str:
    """$1,500 for whole dollars, $1,500.50 otherwise."""
    amount = Decimal(str(value))
    pattern = "¤#,##0" if amount == amount.to_integral_value() else "¤#,##0.00"
    return format_currency(
        amount, "USD", format=pattern, locale=_babel(locale), currency_digits=False
    )


def day(value: object, locale: str = DEFAULT_LOCALE) -> str:
    """Nov 26, 2026 (26 nov 2026), for an ISO date or date-time; March 2026 (marzo 2026) for a
    month alone ("2026-03")."""
    text = str(value)
    if len(text) == len("2026-03"):
        return format_date(date.fromisoformat(text + "-01"), "LLLL y", locale=_babel(locale))
    return format_date(date.fromisoformat(text[:10]), "medium", locale=_babel(locale))


def percent(value: object, locale: str = DEFAULT_LOCALE) -> str:
    """20%, 12.5%."""
    number = Decimal(str(value)).normalize()
    return format_decimal(number, "#,##0.##########", locale=_babel(locale)) + "%"


class Renderer:
    """Renders replies with the templates in one directory, in one language, and each reply
    in its own language (`reply.language`) through a renderer of that language.

    The templates of a language other than English live in `templates/<locale>/`, with the
    same names; any template not translated there is the English one. Letters to the insurer
    are always English (bot/translations.py: ENGLISH_ONLY).
    """

    def __init__(
        self,
        flow: Flow | None = None,
        templates_dir: Path = TEMPLATES_DIR,
        locale: str = DEFAULT_LOCALE,
    ) -> None:
        self.flow = flow or Flow()
        self.templates_dir = templates_dir
        self.locale = locale
        self._languages: dict[str, Renderer] = {locale: self}
        """Every language's renderer, shared among them."""
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
        locale = self.locale
        env.filters.update(
            money=lambda value: money(value, locale),
            percent=lambda value: percent(value, locale),
            day=lambda value: day(value, locale),
            bold=bold,
        )
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

    def speaking(self, language: str | None) -> Renderer:
        """The renderer of `language` (this one for None)."""
        if language is None or language == self.locale:
            return self
        if language not in self._languages:
            other = Renderer(self.flow, self.templates_dir, language)
            other._languages = self._languages
            self._languages[language] = other
        return self._languages[language]

    def render(self, reply: Reply, markup: Markup_) -> Rendered:
        """The text and keyboard of one reply, in its language."""
        renderer = self.speaking(reply.language)
        text = renderer.message(reply.template, markup, about=reply.about, **reply.context)
        return Rendered(text, renderer.keyboard(reply.buttons, reply.about))

    def message(
        self,
        template: str,
        markup: Markup_,
        *,
        about: str | None = None,
        speaking: str | None = None,
        **context: Any,
    ) -> str:
        """A message, worded for whom its case is `about` (`p`: templates/_person.j2), in the
        language `speaking` (this renderer's for None)."""
        if speaking is not None and speaking != self.locale:
            return self.speaking(speaking).message(template, markup, about=about, **context)
        env = self.html if markup == "html" else self.text
        person = _person(env, about)
        if self.locale != DEFAULT_LOCALE:
            context["english"] = self._english(markup, about)
        return env.get_template(f"{template}.j2").render(**context, p=person).strip()

    def _english(self, markup: Markup_, about: str | None) -> Callable[..., Any]:
        """For a translation that shows its English original beside it (the phone card, for a
        representative who speaks only English): an English template's module."""
        english = self.speaking(DEFAULT_LOCALE)
        env = english.html if markup == "html" else english.text

        def module(name: str, **context: Any) -> Any:
            return env.get_template(name).make_module({**context, "p": _person(env, about)})

        return module

    def attachments(self, reply: Reply) -> list[File]:
        """Each document a reply carries, made in its language."""
        renderer = self.speaking(reply.language)
        return [renderer.file(attachment) for attachment in reply.attachments]

    def file(self, attachment: Attachment) -> File:
        """A document made: the text ones with the plain-text templates, a PDF laid out from
        the same text (bot/pdf.py), a chart drawn with its template's words (bot/chart.py).
        A letter to the insurer is English whatever the user's language."""
        document = DOCUMENTS[attachment.document]
        if document.template in ENGLISH_ONLY and self.locale != DEFAULT_LOCALE:
            return self.speaking(DEFAULT_LOCALE).file(attachment)
        if document.media_type == PNG:
            template = self.text.get_template(f"{document.template}.j2")
            words = template.make_module({"p": _person(self.text, attachment.about)})
            locale = self.locale
            content = draw(attachment.context["chart"], words, lambda v: money(v, locale))
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

    def choice_words(self, question_id: str, language: str | None = None) -> dict[str, list[str]]:
        """What a user may type for each option of a choice question: its id, its label and
        the other words its template lists (`also`); see bot/choosing.py. In a language other
        than English, its words and the English ones (a Spanish speaker may type "PPO" or
        "yes")."""
        if language is not None and language != self.locale:
            return self.speaking(language).choice_words(question_id)
        question = self._labels_of(question_id)
        also = getattr(question, "also", None) or {}
        words = {
            choice: [choice, str(label).strip(), *also.get(choice, ())]
            for choice, label in question.choices.items()
        }
        if self.locale == DEFAULT_LOCALE:
            return words
        english = self.speaking(DEFAULT_LOCALE).choice_words(question_id)
        return {choice: [*said, *english.get(choice, ())] for choice, said in words.items()}

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
