"""The clinics a person is choosing between, as data: what each one charges, and its form.

A clinic has a name, whether it is in the plan's network (or not known), its
price per session or a package (so many sessions for a total, then a price per
session after it), the insurer's allowed amount per session if known, and a note.
The form that enters one is a small flow of questions, like the call forms in
bot/calls.py; each question has its template in templates/questions/.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any

from bot.answers import CENT
from bot.flow import UNKNOWN, Flow, Kind, Question, only

MAX_CLINICS = 20
"""How many clinics one person can compare (a chat message still shows them all)."""
MAX_PRICE = 10_000
"""Largest price or allowed amount per session accepted, in dollars."""
MAX_PACKAGE_TOTAL = 100_000
MAX_PACKAGE_SESSIONS = 60
NAME_LENGTH = 60
NOTE_LENGTH = 200

CLINIC_FORM = Flow(
    (
        Question("clinic_name", Kind.TEXT, unknown_value=None, maximum=NAME_LENGTH),
        Question("clinic_network", Kind.CHOICE, ("in", "out")),
        Question("clinic_pricing", Kind.CHOICE, ("session", "package"), unknown_value=None),
        Question(
            "clinic_price", Kind.MONEY, when=only("clinic_pricing", "session"), maximum=MAX_PRICE
        ),
        Question(
            "clinic_package_sessions",
            Kind.COUNT,
            when=only("clinic_pricing", "package"),
            unknown_value=None,
            minimum=1,
            maximum=MAX_PACKAGE_SESSIONS,
        ),
        Question(
            "clinic_package_total",
            Kind.MONEY,
            when=only("clinic_pricing", "package"),
            unknown_value=None,
            maximum=MAX_PACKAGE_TOTAL,
        ),
        Question(
            "clinic_after_price",
            Kind.MONEY,
            when=only("clinic_pricing", "package"),
            maximum=MAX_PRICE,
        ),
        Question("clinic_allowed", Kind.MONEY, maximum=MAX_PRICE),
        Question("clinic_note", Kind.TEXT, maximum=NOTE_LENGTH),
    )
)
"""The questions that enter or change a clinic. Stored in the case's clinic draft."""


class InvalidClinic(ValueError):
    """A clinic that cannot be used as it is; `code` says why (worded in templates)."""

    def __init__(self, code: str, **details: object) -> None:
        super().__init__(code, details)
        self.code = code
        self.details = details


@dataclass(frozen=True)
class Package:
    """So many sessions sold together for one total price."""

    sessions: int
    total: Decimal

    def parts(self) -> tuple[Decimal, ...]:
        """The total split into one charge per session, to the cent, adding up exactly."""
        share = (self.total / self.sessions).quantize(CENT, rounding=ROUND_DOWN)
        extra_cents = int((self.total - share * self.sessions) / CENT)
        return tuple(share + CENT if i < extra_cents else share for i in range(self.sessions))


@dataclass(frozen=True)
class Clinic:
    """One clinic being compared."""

    id: int
    name: str
    network: str
    """"in", "out" or UNKNOWN."""
    price: Decimal | None
    """Per session; for a package, per session after it. None when not known."""
    package: Package | None = None
    allowed: Decimal | None = None
    """The insurer's allowed amount per session, if known."""
    note: str = ""

    def answers(self) -> dict[str, object]:
        """What this clinic answers of the main questions (stored form: decimal strings)."""
        return {
            "clinic": self.name,
            "network": self.network,
            "price_per_session": UNKNOWN if self.price is None else str(self.price),
            "allowed_per_session": UNKNOWN if self.allowed is None else str(self.allowed),
        }

    def to_dict(self) -> dict[str, Any]:
        """The stored form (JSON: money as decimal strings)."""
        data: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "network": self.network,
            "price": None if self.price is None else str(self.price),
            "allowed": None if self.allowed is None else str(self.allowed),
            "note": self.note,
        }
        if self.package is not None:
            data["package"] = {"sessions": self.package.sessions, "total": str(self.package.total)}
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Clinic:
        """A clinic from its stored or typed-in form; InvalidClinic says what is wrong."""
        if not isinstance(data, Mapping):
            raise InvalidClinic("not_an_object")
        name = data.get("name")
        if not isinstance(name, str) or not name.strip():
            raise InvalidClinic("no_name")
        if len(name) > NAME_LENGTH:
            raise InvalidClinic("name_too_long", limit=NAME_LENGTH)
        network = data.get("network", UNKNOWN)
        if network not in ("in", "out", UNKNOWN):
            raise InvalidClinic("bad_network", value=network)
        note = data.get("note") or ""
        if not isinstance(note, str) or len(note) > NOTE_LENGTH:
            raise InvalidClinic("bad_note", limit=NOTE_LENGTH)
        package = _package(data.get("package"))
        price = _amount(data.get("price"), "price", MAX_PRICE)
        return cls(
            id=_clinic_id(data.get("id", 0)),
            name=name.strip(),
            network=network,
            price=price,
            package=package,
            allowed=_amount(data.get("allowed"), "allowed", MAX_PRICE),
            note=note.strip(),
        )

    @classmethod
    def from_form(cls, clinic_id: int, said: Mapping[str, object]) -> Clinic:
        """A clinic from the answers to CLINIC_FORM (already validated by the engine)."""
        package = None
        if said.get("clinic_pricing") == "package":
            package = {
                "sessions": said["clinic_package_sessions"],
                "total": said["clinic_package_total"],
            }
        price = said.get("clinic_after_price" if package else "clinic_price", UNKNOWN)
        note = said.get("clinic_note", UNKNOWN)
        return cls.from_dict(
            {
                "id": clinic_id,
                "name": said["clinic_name"],
                "network": said.get("clinic_network", UNKNOWN),
                "price": _known(price),
                "package": package,
                "allowed": _known(said.get("clinic_allowed", UNKNOWN)),
                "note": "" if note == UNKNOWN else note,
            }
        )

    def form_answers(self) -> dict[str, object]:
        """This clinic as answers to CLINIC_FORM (to change it, with each value kept)."""
        said: dict[str, object] = {
            "clinic_name": self.name,
            "clinic_network": self.network,
            "clinic_pricing": "package" if self.package else "session",
            "clinic_allowed": UNKNOWN if self.allowed is None else str(self.allowed),
            "clinic_note": self.note or UNKNOWN,
        }
        price = UNKNOWN if self.price is None else str(self.price)
        if self.package:
            said["clinic_package_sessions"] = self.package.sessions
            said["clinic_package_total"] = str(self.package.total)
            said["clinic_after_price"] = price
        else:
            said["clinic_price"] = price
        return said


def clinics_of(stored: list[Mapping[str, Any]]) -> list[Clinic]:
    """The stored clinics of a case (each was validated when it was saved)."""
    return [Clinic.from_dict(data) for data in stored]


def _known(value: object) -> object:
    return None if value == UNKNOWN else value


def _clinic_id(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidClinic("bad_id")
    return value


def _amount(value: object, field: str, maximum: int) -> Decimal | None:
    """A money amount given as a number or a decimal string; None for null or "unknown"."""
    if value is None or value == UNKNOWN:
        return None
    if isinstance(value, bool) or not isinstance(value, int | str | Decimal):
        raise InvalidClinic("bad_amount", field=field)
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise InvalidClinic("bad_amount", field=field) from None
    if not amount.is_finite():
        raise InvalidClinic("bad_amount", field=field)
    if amount < 0:
        raise InvalidClinic("negative", field=field)
    if amount > maximum:
        raise InvalidClinic("too_large", field=field, maximum=Decimal(maximum))
    if amount != amount.quantize(CENT):
        raise InvalidClinic("too_many_decimals", field=field)
    return amount.quantize(CENT)


def _package(value: object) -> Package | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise InvalidClinic("bad_package")
    sessions = value.get("sessions")
    if isinstance(sessions, bool) or not isinstance(sessions, int):
        raise InvalidClinic("bad_package_sessions", maximum=MAX_PACKAGE_SESSIONS)
    if not 1 <= sessions <= MAX_PACKAGE_SESSIONS:
        raise InvalidClinic("bad_package_sessions", maximum=MAX_PACKAGE_SESSIONS)
    total = _amount(value.get("total"), "package_total", MAX_PACKAGE_TOTAL)
    if total is None:
        raise InvalidClinic("bad_amount", field="package_total")
    return Package(sessions, total)
