"""Settings from the environment (and a `.env` file, read by python-dotenv)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import load_dotenv

TELEGRAM_API = "https://api.telegram.org"
DEFAULT_TIME_ZONE = "America/Chicago"
"""US Central: within an hour or two of most of the people the bot is for."""


@dataclass(frozen=True)
class Settings:
    """What the bot needs to run."""

    token: str | None
    api_base_url: str
    data_dir: Path
    log_level: str
    webhook_url: str | None = None
    """Public HTTPS address Telegram posts updates to; unset means long polling."""
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_secret: str | None = None
    time_zone: str = DEFAULT_TIME_ZONE
    """The IANA name of the zone whose day "today", typed dates and reminders are in."""
    store_url: str | None = None
    """A PostgreSQL database (postgresql://...) shared by several processes; unset means the
    TinyDB files in `data_dir`."""
    look_every: float = 60.0
    """Seconds between two looks for reminders due (and updates a stopped process left)."""

    def zone(self) -> tzinfo:
        """`time_zone` as a time zone; ValueError if it is not one."""
        try:
            return ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"BOT_TIMEZONE {self.time_zone!r} is not a time zone") from error

    @classmethod
    def from_env(cls, *, read_dotenv: bool = True) -> Settings:
        """Settings from the environment; `.env` fills in what the environment lacks."""
        if read_dotenv:
            load_dotenv(Path.cwd() / ".env", override=False)
        return cls(
            token=os.environ.get("TELEGRAM_BOT_TOKEN", "").strip() or None,
            api_base_url=os.environ.get("TELEGRAM_API_BASE_URL", "").strip() or TELEGRAM_API,
            data_dir=Path(os.environ.get("BOT_DATA_DIR", "").strip() or "data"),
            log_level=os.environ.get("LOG_LEVEL", "").strip().upper() or "INFO",
            webhook_url=_get("TELEGRAM_WEBHOOK_URL"),
            webhook_listen=_get("WEBHOOK_LISTEN") or "127.0.0.1",
            webhook_port=int(_get("WEBHOOK_PORT") or 8443),
            webhook_secret=_get("TELEGRAM_WEBHOOK_SECRET"),
            time_zone=_get("BOT_TIMEZONE") or DEFAULT_TIME_ZONE,
            store_url=_get("BOT_STORE_URL"),
            look_every=float(_get("BOT_LOOK_EVERY") or 60),
        )


def _get(name: str) -> str | None:
    return os.environ.get(name, "").strip() or None
