"""`python -m bot check`: is this bot ready to run? Configuration, data directory, templates,
and, with a token, Telegram's getMe."""

from __future__ import annotations

import asyncio
import os
import re
import stat
import sys
from pathlib import Path
from typing import Any, TextIO

from bot.config import Settings
from bot.languages import LANGUAGES
from bot.logs import REDACTED
from bot.render import Renderer
from bot.store import DIR_MODE, AtomicJSONStorage
from bot.translations import NAMES, problems, to_translate

TOKEN = re.compile(r"\d+:[A-Za-z0-9_-]{8,}")


def run(settings: Settings, renderer: Renderer, out: TextIO = sys.stdout) -> int:
    """Print one line a check; exit status 0 when every check passed, 1 otherwise."""
    results = [
        *_configuration(settings),
        _database(settings.store_url) if settings.store_url else _data_dir(settings.data_dir),
        _templates(renderer),
        *_translations(renderer),
    ]
    if settings.token:
        results.append(_telegram(settings))
    out.write(renderer.message("check_report", "text", results=results) + "\n")
    return 0 if all(ok for ok, _, _ in results) else 1


def _configuration(settings: Settings) -> list[tuple[bool, str, dict[str, Any]]]:
    found = []
    if settings.token is None:
        found.append((True, "no_token", {}))
    else:
        found.append((TOKEN.fullmatch(settings.token) is not None, "token", {}))
    try:
        found.append((True, "time_zone", {"zone": str(settings.zone())}))
    except ValueError:
        found.append((False, "time_zone_unknown", {"zone": settings.time_zone}))
    if settings.webhook_url is not None:
        secure = settings.webhook_url.startswith("https://")
        found.append(
            (
                secure and bool(settings.webhook_secret),
                "webhook",
                {
                    "url": settings.webhook_url,
                    "secure": secure,
                    "secret": bool(settings.webhook_secret),
                },
            )
        )
    return found


def _data_dir(path: Path) -> tuple[bool, str, dict[str, Any]]:
    try:
        probe = AtomicJSONStorage(path / ".check.json")
        probe.write({"check": {}})
        os.unlink(path / ".check.json")
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError as error:
        return False, "data_dir_unusable", {"path": path, "reason": str(error)}
    users = sum(1 for _ in os.scandir(path / "users")) if (path / "users").is_dir() else 0
    private = mode & ~DIR_MODE == 0
    return private, "data_dir", {"path": path, "mode": oct(mode), "users": users}


def _database(url: str) -> tuple[bool, str, dict[str, Any]]:
    """The shared store: reachable, its tables made, how many users, workers and updates."""
    from bot.postgres import PostgresUnavailable, redacted, status

    try:
        found = status(url)
    except PostgresUnavailable as error:
        return False, "database_unusable", {"url": redacted(url), "reason": str(error)}
    return True, "database", {"url": redacted(url), **found}


def _templates(renderer: Renderer) -> tuple[bool, str, dict[str, Any]]:
    names = renderer.text.list_templates(extensions=["j2"])
    try:
        for env in (renderer.html, renderer.text):
            for name in names:
                env.get_template(name)
        renderer.message("help", "html", unknown_command=False)
    except Exception as error:  # any template error makes the bot unusable: report it
        return False, "templates_broken", {"reason": str(error)}
    return True, "templates", {"count": len(names)}


def _translations(renderer: Renderer) -> list[tuple[bool, str, dict[str, Any]]]:
    """Each other language: every template translated, with the English logic."""
    found = []
    for language in LANGUAGES[1:]:
        wrong = problems(renderer.templates_dir, language)
        details = {"language": NAMES[language], "count": len(to_translate(renderer.templates_dir))}
        if wrong:
            shown = [f"{p.template} ({p.kind})" for p in wrong[:5]]
            details |= {"problems": len(wrong), "first": ", ".join(shown)}
        found.append((not wrong, "translations", details))
    return found


def _telegram(settings: Settings) -> tuple[bool, str, dict[str, Any]]:
    from telegram import Bot
    from telegram.error import TelegramError

    async def get_me() -> str:
        root = settings.api_base_url.rstrip("/")
        async with Bot(settings.token, base_url=f"{root}/bot") as bot:
            return (await bot.get_me()).username

    try:
        return True, "telegram", {"username": asyncio.run(get_me())}
    except TelegramError as error:
        # python-telegram-bot quotes a rejected token in its message.
        return False, "telegram_failed", {"reason": str(error).replace(settings.token, REDACTED)}
