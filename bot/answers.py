"""One typed view of the saved answers: what the estimate, the paying help and the call script read.

The answers are stored as plain values (question id -> choice id, decimal string, integer,
text, or a question's "don't know" value); `Said` reads them as the type each question takes,
with None for what is not known, so no reader needs its own parsing.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from bot.flow import UNKNOWN, Flow

CENT = Decimal("0.01")

_FLOW = Flow()


def cents(amount: Decimal) -> Decimal:
    """`amount` to the cent, half up (how every amount here is rounded)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


class Said:
    """The answers given so far, read by type; a missing or "don't know" answer is None."""

    def __init__(self, answers: Mapping[str, object], flow: Flow = _FLOW) -> None:
        self.answers = answers
        self.flow = flow

    def known(self, question: str) -> bool:
        """Whether the question has an answer other than its "don't know" value."""
        return not self.flow.is_unknown(question, self.answers.get(question))

    def choice(self, question: str) -> str | None:
        """The choice answered, if it is one of the question's (and not its "don't know")."""
        value = self.answers.get(question)
        if not isinstance(value, str) or value not in self.flow[question].choices:
            return None
        return value if self.known(question) else None

    def money(self, question: str) -> Decimal | None:
        """An amount, to the cent."""
        value = self.answers.get(question)
        if value is None or value == UNKNOWN:
            return None
        try:
            return cents(Decimal(str(value)))
        except InvalidOperation:
            return None

    def percent(self, question: str) -> Decimal | None:
        """A percent, as given (20 for 20%)."""
        amount = self.money(question)
        return None if amount is None else amount.normalize()

    def count(self, question: str) -> int | None:
        """A whole number (0 or more)."""
        value = self.answers.get(question)
        valid = isinstance(value, int) and not isinstance(value, bool) and value >= 0
        return value if valid else None
