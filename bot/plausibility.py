"""Figures that are possible but unusual enough to be worth a second look. Pure.

Nothing is refused for being unusual (a plan or a clinic may really be like that); the bot only
says so when it confirms the answer, and how to change it.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from bot.flow import UNKNOWN

LOWEST_PRICE = Decimal(50)
HIGHEST_PRICE = Decimal(5000)
"""A session priced outside this range is more often a slip (a missing or extra zero)."""
HIGHEST_COINSURANCE = Decimal(50)
"""Coinsurance above this is rare, in network or out."""
_PRICES = ("price_per_session", "allowed_per_session", "drug_price_per_session")


def doubt(question_id: str, answers: Mapping[str, object]) -> str | None:
    """Why the answer just saved to `question_id` looks unusual, if it does (an id worded in
    templates/question.j2): "below_deductible", "price", "coinsurance"."""
    value = _figure(answers.get(question_id))
    if value is None:
        return None
    if question_id in ("oop_max", "deductible"):
        deductible, maximum = _figure(answers.get("deductible")), _figure(answers.get("oop_max"))
        if deductible is not None and maximum is not None and maximum < deductible:
            return "below_deductible"
    if question_id in _PRICES and value and not LOWEST_PRICE <= value <= HIGHEST_PRICE:
        return "price"
    if question_id.endswith("coinsurance_pct") and value > HIGHEST_COINSURANCE:
        return "coinsurance"
    return None


def _figure(value: object) -> Decimal | None:
    if value in (None, UNKNOWN) or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None
