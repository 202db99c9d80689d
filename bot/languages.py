"""The languages the bot speaks, and which one a user gets.

English is the templates' own language and the fallback; Spanish has its own templates in
templates/es/ (bot/translations.py checks them). Pure: the engine decides with it.
"""

from __future__ import annotations

import re

ENGLISH, SPANISH = "en", "es"
LANGUAGES = (ENGLISH, SPANISH)


def from_telegram(code: str | None) -> str | None:
    """The language to begin in for Telegram's `language_code` ("es", "es-MX") or a POSIX
    locale ("es_US.UTF-8"): Spanish for any Spanish; None (English) for anything else."""
    return SPANISH if code and re.split(r"[-_.@]", code.lower())[0] == SPANISH else None


def known(language: str | None) -> str:
    """A saved language as one the bot speaks: English for none or one it does not."""
    return language if language in LANGUAGES else ENGLISH
