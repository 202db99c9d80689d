"""The terminal channel: the same conversation on stdin and stdout.

Usage:
    python -m bot chat

Options are numbered; type a number to pick one. When a question asks for a
typed value (an amount, a count, a name), numbers are the answer and the
options are lettered instead. Works when driven through a pipe.
"""

from __future__ import annotations

import os
import re
import string
import sys
from pathlib import Path
from typing import TextIO

from bot.conversation import Conversation
from bot.documents import DOCUMENTS
from bot.engine import DeliverDue, Event, LanguageButton, Reply, Start, Text, command, decode
from bot.languages import from_telegram, known
from bot.render import Renderer

TERMINAL_USER = "terminal"
QUIT = ("/quit", "/exit")


class TerminalChannel:
    """Reads lines, turns them into events, prints the replies."""

    def __init__(
        self,
        conversation: Conversation,
        renderer: Renderer,
        stdin: TextIO = sys.stdin,
        stdout: TextIO = sys.stdout,
        key: str = TERMINAL_USER,
        downloads: Path | None = None,
        language: str | None = None,
        chosen: bool = False,
    ) -> None:
        self.conversation = conversation
        self.renderer = renderer
        self.language = language
        """The language asked for (`--lang`, else `LANG`), for a user who has not chosen one;
        `chosen` (`--lang`): whatever they chose before."""
        self.chosen = chosen
        self.stdin = stdin
        self.stdout = stdout
        self.key = key
        self.downloads = downloads or Path.cwd()
        """Where documents (the printable call script) are saved."""
        self.options: dict[str, str] = {}
        """What the user can type to press a button -> the button's data."""

    def run(self) -> None:
        """Converse until /quit or the end of input."""
        saved = self.conversation.case(self.key).language
        if self.chosen and self.language != known(saved):
            # Asked for on the command line: set as /language sets it (its notice is the
            # welcome below).
            self.conversation.handle(self.key, LanguageButton(known(self.language)))
        else:
            self.language = saved or from_telegram(self.language)
        self.say(self.renderer.message("terminal_help", "text", speaking=self.language))
        self.turn(DeliverDue())  # reminders that fell due since the last time
        self.turn(Start())
        while True:
            if self.stdin.isatty():
                self.stdout.write("> ")
                self.stdout.flush()
            line = self.stdin.readline()
            if not line or line.strip().lower() in QUIT:
                break
            self.turn(self.event(line.rstrip("\r\n")))
        self.say(self.renderer.message("terminal_bye", "text", speaking=self.language))

    def event(self, line: str) -> Event:
        """The event a typed line stands for."""
        word = line.strip()
        if word.lower() in self.options:
            return decode(self.options[word.lower()]) or Text(line)
        if word.startswith("/"):
            return command(word)
        return Text(line)

    def turn(self, event: Event) -> None:
        replies = self.conversation.handle(self.key, event, language=self.language)
        self.language = next((r.language for r in replies if r.language), self.language)
        self.show(replies)

    def show(self, replies: list[Reply]) -> None:
        """Print replies; the buttons of the last one that has any become the options."""
        for reply in replies:
            if reply.replaces_pressed:
                continue  # Telegram edits the pressed message; here the next question says it
            rendered = self.renderer.render(reply, "text")
            if reply.attachments:
                for file in self.renderer.attachments(reply):
                    earlier = _saved(self.downloads, file.filename)
                    path = _save_private(_unused(self.downloads, file.filename), file.content)
                    self.say(
                        self.renderer.message(
                            "terminal_saved",
                            "text",
                            speaking=self.language,
                            document=file.document,
                            path=path,
                            earlier=earlier,
                        )
                    )
                continue
            buttons = [entry for row in rendered.keyboard for entry in row]
            if buttons:
                keys = string.ascii_lowercase if _asks_typed_value(reply) else _numbers()
                self.options = {key: data for key, (_, data) in zip(keys, buttons, strict=False)}
                listing = [
                    f"  {key}) {label}" for key, (label, _) in zip(keys, buttons, strict=False)
                ]
                self.say("\n".join([rendered.text, "", *listing]))
            else:
                self.say(rendered.text)
        if any(reply.template == "deleted" for reply in replies):
            self.remove_saved_files()

    def remove_saved_files(self) -> None:
        """Everything was erased: the files this channel saved go too (they hold the same)."""
        removed = []
        for document in DOCUMENTS.values():
            for path in _saved(self.downloads, document.filename):
                path.unlink()
                removed.append(str(path))
        if removed:
            self.say(
                self.renderer.message(
                    "terminal_removed", "text", speaking=self.language, paths=removed
                )
            )

    def say(self, text: str) -> None:
        self.stdout.write(text + "\n\n")
        self.stdout.flush()


def _save_private(path: Path, content: bytes) -> Path:
    """Write a new document only its owner can read (0600): it holds their health insurance."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(content)
    return path


def _unused(directory: Path, filename: str) -> Path:
    """Where to save a document without overwriting an earlier one: "call-script.txt", then
    "call-script-2.txt", "call-script-3.txt"..."""
    name = Path(filename)
    path, number = directory / filename, 1
    while path.exists() or path.is_symlink():
        number += 1
        path = directory / f"{name.stem}-{number}{name.suffix}"
    return path


def _saved(directory: Path, filename: str) -> list[Path]:
    """The copies of a document saved in a directory (named as `_unused` names them), oldest
    first; links and anything not a plain file are left alone."""
    name = Path(filename)
    pattern = re.compile(rf"{re.escape(name.stem)}(?:-(\d+))?{re.escape(name.suffix)}")
    copies = []
    for path in directory.glob(f"{name.stem}*{name.suffix}"):
        match = pattern.fullmatch(path.name)
        if match and path.is_file() and not path.is_symlink():
            copies.append((int(match.group(1) or 1), path))
    return [path for _, path in sorted(copies)]


def _asks_typed_value(reply: Reply) -> bool:
    return reply.template == "question" and reply.context.get("kind") != "choice"


def _numbers() -> list[str]:
    return [str(n) for n in range(1, 101)]
