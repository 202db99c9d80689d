"""Command line: run the bot on Telegram or in the terminal.

Usage:
    python -m bot            Telegram if TELEGRAM_BOT_TOKEN is set, else the terminal
    python -m bot chat       the conversation in this terminal (works through a pipe)
    python -m bot chat --lang es
                             ... in Spanish (else as chosen before, or as LANG says)
    python -m bot telegram   Telegram (needs TELEGRAM_BOT_TOKEN)
    python -m bot estimate ANSWERS.json [--json]
                             the cost estimate for an answers file (schema in the README)
    python -m bot compare ANSWERS.json [--json]
                             the clinics of an answers file side by side (schema in the README)
    python -m bot appeal ANSWERS.json --kind KIND --out FILE
                             a letter of the appeal kit, as PDF (FILE.pdf) or text
    python -m bot check      configuration, data directory, templates (and getMe, with a token)
    python -m bot --version
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
import time
from datetime import date, datetime
from pathlib import Path

from bot import __version__, logs
from bot.backends import open_backend
from bot.config import Settings
from bot.conversation import Conversation
from bot.documents import LETTERS
from bot.flow import Flow
from bot.languages import LANGUAGES
from bot.postgres import PostgresUnavailable
from bot.render import Renderer
from bot.store import DataDirLocked, Store

log = logging.getLogger("bot")
LEFTOVERS_AFTER = 2.0
"""Seconds after start-up when the users directory is scanned for leftover temporary files."""


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run what it asks for."""
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    modes = parser.add_subparsers(
        dest="mode", metavar="{chat,telegram,estimate,compare,appeal,check}"
    )
    chat = modes.add_parser("chat", help="the conversation in this terminal")
    chat.add_argument("--lang", choices=LANGUAGES, help="en or es (default: as LANG says)")
    modes.add_parser("telegram", help="the Telegram bot (needs TELEGRAM_BOT_TOKEN)")
    estimate = modes.add_parser("estimate", help="the cost estimate for an answers file")
    estimate.add_argument("answers", type=Path, help="a JSON file of answers")
    estimate.add_argument("--json", action="store_true", help="print JSON")
    comparing = modes.add_parser("compare", help="the clinics of an answers file side by side")
    comparing.add_argument("answers", type=Path, help="a JSON file of answers and clinics")
    comparing.add_argument("--json", action="store_true", help="print JSON")
    appeal = modes.add_parser("appeal", help="a letter of the appeal kit for an answers file")
    appeal.add_argument("answers", type=Path, help="a JSON file of answers, history, denial")
    appeal.add_argument("--kind", required=True, choices=LETTERS, help="which letter")
    appeal.add_argument("--out", required=True, help="FILE.pdf, FILE.txt, or - to print it")
    appeal.add_argument(
        "--date", type=date.fromisoformat, default=None, help="the letter's date (YYYY-MM-DD)"
    )
    modes.add_parser("check", help="check that the bot is ready to run")
    args = parser.parse_args(argv)

    settings = Settings.from_env()
    logs.configure(settings.log_level, settings.token)
    flow = Flow()
    renderer = Renderer(flow)
    if args.mode == "estimate":
        from bot import estimate_command

        return estimate_command.run(args.answers, as_json=args.json, renderer=renderer)
    if args.mode == "compare":
        from bot import compare_command

        return compare_command.run(args.answers, as_json=args.json, renderer=renderer)
    if args.mode == "check":
        from bot import check_command

        return check_command.run(settings, renderer)
    try:
        zone = settings.zone()
    except ValueError:
        message = renderer.message("time_zone_unknown", "text", zone=settings.time_zone)
        print(message, file=sys.stderr)
        return 2
    if args.mode == "appeal":
        from bot import appeal_command

        today = args.date or datetime.now(zone).date()
        return appeal_command.run(
            args.answers, kind=args.kind, out=args.out, today=today, renderer=renderer
        )
    try:
        backend = open_backend(settings)
    except DataDirLocked as locked:
        message = renderer.message(
            "data_dir_locked", "text", data_dir=str(locked.data_dir), pid=locked.pid
        )
        print(message, file=sys.stderr)
        return 1
    except PostgresUnavailable as error:
        print(renderer.message("store_unavailable", "text", reason=str(error)), file=sys.stderr)
        return 1
    if not backend.shared:
        # Leftovers of an interrupted write, looked for once the bot is up (a scan of every
        # user's file, which would slow the start-up): those made before now are a crashed
        # write's (no other process can be writing), this process's own writes keep theirs.
        cleanup = threading.Timer(
            LEFTOVERS_AFTER, _remove_leftovers, args=(backend.store, time.time())
        )
        cleanup.daemon = True
        cleanup.start()
    conversation = Conversation(
        backend.store,
        flow,
        reminder_index=backend.reminders,
        zone=zone,
        words=renderer.choice_words,
    )

    mode = args.mode or ("telegram" if settings.token else "chat")
    if mode == "telegram":
        if not settings.token:
            parser.error("TELEGRAM_BOT_TOKEN is not set (see .env.example)")
        from bot.channels.telegram import TelegramChannel, run

        run(TelegramChannel(conversation, renderer), settings, backend.inbox)
        return 0

    from bot.channels.terminal import TerminalChannel

    if args.mode is None:
        print(renderer.message("terminal_notice", "text"), file=sys.stderr)
    asked = getattr(args, "lang", None)
    language = asked or os.environ.get("LC_ALL") or os.environ.get("LANG")
    TerminalChannel(conversation, renderer, language=language, chosen=asked is not None).run()
    return 0


def _remove_leftovers(store: Store, before: float) -> None:
    try:
        removed = store.cleanup_temp_files(before=before)
    except OSError as error:
        log.error("temporary files could not be cleaned up: %s", error)
        return
    if removed:
        log.info("removed %d temporary files left by an interrupted write", removed)


if __name__ == "__main__":
    sys.exit(main())
