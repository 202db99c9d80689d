"""The appeal kit in the chat: the readiness check, the appeal screen and its letters.

What each screen shows is built by bot/appeal_kit.py (pure) from the answers, the medication
history and the prior authorization logged last; this module only chooses the buttons. The
letters are sent as documents (PDF and text) like the other files (bot/documents.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot import appeal_kit, authorizations, reminders, reminding
from bot.events import LETTER_KINDS, Letter, Menu
from bot.parity import red_flags
from bot.payer_criteria import meets
from bot.replies import Button

if TYPE_CHECKING:
    from bot.engine import Turn

AFTER_DENIAL = ("appeal", "expedited", "external")
"""The letters that answer a denial: offered once one is logged."""


def kit(turn: Turn, kind: str = "appeal") -> appeal_kit.Kit:
    sources = turn.document_sources()
    return appeal_kit.build(
        kind, sources.answers, sources.history, sources.authorization, turn.today
    )


def show_readiness(turn: Turn) -> None:
    """The history counted against what plans commonly ask, and a few payers' criteria."""
    found = kit(turn)
    rows = [(row, meets(row, found.readiness)) for row in found.criteria]
    buttons = [
        Button(Menu("history"), "history"),
        Button(Menu("appeal"), "appeal"),
        turn.resume_button(),
    ]
    turn.show("readiness", buttons=buttons, kit=found, rows=rows)


def show_appeal(turn: Turn) -> None:
    """Where an appeal stands (the deadline by plan type, the decision times), the letters,
    and the parity red flags where parity law applies."""
    found = kit(turn)
    denied = found.denial is not None
    kinds = [k for k in LETTER_KINDS if denied or k not in AFTER_DENIAL]
    authorization = turn.document_sources().authorization
    decision = found.decision if denied else None
    remind = (
        [reminding.button("decision", reminders.decision_due(turn.today, decision.standard_days))]
        if decision
        else []
    )
    buttons = [
        *(Button(Letter(k), "letter", {"kind": k}) for k in kinds),
        *remind,
        Button(Menu("history"), "history"),
        Button(Menu("readiness"), "readiness"),
        turn.resume_button(),
    ]
    turn.show(
        "appeal",
        buttons=buttons,
        kit=found,
        pending=authorizations.status(authorization) == authorizations.PENDING,
        flags=red_flags(found.answers, authorization) if found.parity is not False else (),
    )


def send_letter(turn: Turn, kind: str) -> None:
    """One letter of the kit, as a PDF and as plain text to edit."""
    turn.send_documents("letter_sent", f"letter_{kind}", f"letter_{kind}_text", kind=kind)
