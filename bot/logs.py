"""Logging that never shows the bot token, whatever logs it and at whatever level."""

from __future__ import annotations

import logging
import sys
from typing import TextIO

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
REDACTED = "<token>"


class RedactingFormatter(logging.Formatter):
    """Formats records, then blanks out every secret (in messages and tracebacks alike)."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__(FORMAT)
        self.secrets = [s for s in secrets if s]

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text


def configure(level: str, token: str | None, stream: TextIO = sys.stderr) -> None:
    """Log to `stream` at `level`, with the token redacted from everything written."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(RedactingFormatter([token or ""]))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(getattr(logging, level, logging.INFO))
    # httpx logs every request URL, and Telegram URLs contain the token; redaction would
    # catch it, but these lines are noise at INFO anyway.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    # fpdf2's font subsetting (the appeal kit's PDFs) logs every table it prunes.
    logging.getLogger("fontTools").setLevel(logging.WARNING)
