"""What the engine asks the channels to show: messages named by template, with buttons."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.events import Press


@dataclass(frozen=True)
class Button:
    """A button: what pressing it sends, and which label (in templates/buttons.j2) it shows."""

    press: Press
    label: str
    args: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Reply:
    """A message to show: a template name, its data and its buttons."""

    template: str
    context: Mapping[str, Any] = field(default_factory=dict)
    buttons: tuple[Button, ...] = ()
    replaces_pressed: bool = False
    """Shown in place of the message whose button was pressed (Telegram edits it)."""
    notice: bool = False
    """A short notice (Telegram shows it as the answer to the button press)."""
    attachments: tuple[Attachment, ...] = ()
    """Documents to send with this message (bot/documents.py); its text is their caption."""
    about: str | None = None
    """Whom the case it speaks of is about, "self" or "other" (bot/flow.py): the templates'
    "your insurer" or "their insurer". None: the user's (a notice about no case)."""
    language: str | None = None
    """The user's language ("en", "es": bot/translations.py), its documents' too; None: the
    renderer's own."""


@dataclass(frozen=True)
class Attachment:
    """A document attached to a reply, with what its template shows."""

    document: str
    """Its key in bot.documents.DOCUMENTS."""
    context: Mapping[str, Any] = field(default_factory=dict)
    about: str | None = None
    """As a reply's `about`: whom the document's case is about."""
