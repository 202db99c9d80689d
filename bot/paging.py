"""Long lists a page at a time: the newest first, an "Older" button for the rest."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.events import Older
from bot.replies import Button

PAGE_SIZE = 5
"""Entries on one page: a phone screen or two, one message."""


@dataclass(frozen=True)
class Page:
    """One page of a list shown newest first."""

    entries: tuple[Any, ...]
    first: int
    """The number of its first entry, counted from 1 (the newest)."""
    total: int

    @property
    def last(self) -> int:
        return self.first + len(self.entries) - 1

    @property
    def older(self) -> int | None:
        """Where the next page starts (an offset from the newest), or None at the end."""
        return self.last if self.last < self.total else None


def page(oldest_first: Sequence[Any], start: int = 0, size: int = PAGE_SIZE) -> Page:
    """The page of `oldest_first` (as stored) that starts `start` entries from the newest."""
    newest_first = list(reversed(oldest_first))
    start = min(max(start, 0), max(len(newest_first) - 1, 0))
    return Page(tuple(newest_first[start : start + size]), start + 1, len(newest_first))


def older_button(listing: str, shown: Page) -> list[Button]:
    """The button to the next page of `listing`, if there is one."""
    return [] if shown.older is None else [Button(Older(listing, str(shown.older)), "older")]
