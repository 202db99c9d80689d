"""Reminders, as part of a turn of the engine: offer, set, list, cancel, deliver when due.

A mixin of the engine's turn: it uses the turn's `show`, `closed` and the case.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from bot import reminders
from bot.events import CANCEL_REMINDER, MENU, REMIND, Press
from bot.flow import UNKNOWN
from bot.replies import Button


class Reminding:
    """Turn methods for reminders."""

    def today(self) -> date:
        return datetime.fromisoformat(self.now).date()

    def reminder_offers(self, authorization: dict[str, Any] | None) -> list[Button]:
        return [
            Button(Press(REMIND, kind, day.isoformat()), f"remind_{kind}", {"day": day})
            for kind, day in reminders.offers(self.today(), authorization)
        ]

    def pending_reminders(self) -> list[dict[str, Any]]:
        return [r for r in self.case.reminders if not r.get("sent_at")]

    def set_reminder(self, kind: str, day_text: str) -> None:
        try:
            day = date.fromisoformat(day_text)
        except ValueError:
            day = None
        if day is None or not reminders.acceptable(kind, day, self.today()):
            self.closed()
            return
        due = day.isoformat()
        same = [r for r in self.pending_reminders() if (r["kind"], r["due"]) == (kind, due)]
        if same:
            self.show("reminder_set", reminder=same[0], repeated=True)
            return
        latest = self.case.authorizations[-1] if self.case.authorizations else {}
        params = {
            "number": latest.get("number", UNKNOWN),
            "deadline": (
                reminders.appeal_deadline(latest["letter_date"]).isoformat()
                if kind == "appeal" and latest.get("letter_date", UNKNOWN) != UNKNOWN
                else None
            ),
        }
        number = max((r["id"] for r in self.case.reminders), default=0) + 1
        reminder = {"id": number, "kind": kind, "due": due, "created_at": self.now}
        reminder["params"] = params
        self.case.reminders.append(reminder)
        self.changed = True
        self.show("reminder_set", reminder=reminder, repeated=False)

    def cancel_reminder(self, number: str) -> None:
        pending = [r for r in self.pending_reminders() if str(r["id"]) == number]
        if not pending:
            self.closed()
            return
        self.case.reminders.remove(pending[0])
        self.changed = True
        self.show("reminder_cancelled", reminder=pending[0])
        self.show_reminders()

    def show_reminders(self) -> None:
        pending = sorted(self.pending_reminders(), key=lambda r: r["due"])
        cancel = [
            Button(Press(CANCEL_REMINDER, value=str(r["id"])), "cancel_reminder", {"due": r["due"]})
            for r in pending
        ]
        self.show(
            "reminders",
            buttons=[*cancel, *self.reminder_offers(None), self.resume_button()],
            reminders=pending,
        )

    def deliver_due(self) -> None:
        """Show each reminder whose moment has come, once."""
        now = datetime.fromisoformat(self.now)
        for reminder in self.pending_reminders():
            if reminders.due_at(reminder["due"]) <= now:
                reminder["sent_at"] = self.now
                self.changed = True
                self.show(
                    "reminder",
                    buttons=[
                        Button(Press(MENU, value="logcall"), "logcall"),
                        Button(Press(MENU, value="callscript"), "callscript"),
                    ],
                    reminder=reminder,
                )
