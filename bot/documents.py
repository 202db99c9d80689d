"""The documents the bot sends as files: one row each in `DOCUMENTS`.

A document is a pure builder (what the case gives it), the template that words it, the
file name it is sent as and its media type. The engine attaches documents to a reply
(`attach`); the renderer turns each into bytes; each channel delivers them its way
(Telegram: a document; the terminal: a file only the user can read, its path shown).
A new document is a builder, a template and a row.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot import appeal_kit, authorizations
from bot.callscript import build_call_script
from bot.chart import chart_of, clinic_chart_of
from bot.clinics import Clinic
from bot.compare import compare, estimate_at
from bot.flow import SELF, Flow
from bot.history import History
from bot.paying import financial_help
from bot.replies import Attachment

TEXT, JSON, PDF, PNG = "text/plain", "application/json", "application/pdf", "image/png"


@dataclass(frozen=True)
class Sources:
    """What every document is built from."""

    answers: Mapping[str, object]
    """The answers to the questions that apply."""
    clinic: Clinic | None
    """The clinic chosen, whose prices the estimate uses."""
    now: str
    """When it is made (ISO date-time)."""
    authorization: Mapping[str, object] | None = None
    """The prior authorization heard of last, if any."""
    flow: Flow = field(default_factory=Flow)
    history: History = field(default_factory=History)
    """The medication history (the appeal kit's letters read it)."""
    clinics: tuple[Clinic, ...] = ()
    """Every clinic entered, to compare."""


@dataclass(frozen=True)
class Document:
    """One kind of file the bot sends."""

    template: str
    filename: str
    media_type: str
    build: Callable[[Sources], Mapping[str, Any]]
    title: str = ""
    """A PDF's title in its properties (the words on the page are the template's)."""


def _call_script(sources: Sources) -> Mapping[str, Any]:
    script = build_call_script(sources.answers, sources.flow, sources.authorization)
    return {"script": script, "answers": sources.answers}


def _estimate(sources: Sources) -> Mapping[str, Any]:
    """The estimate as the plan pays by its cost sharing; after a denial (or while a request is
    pending), the cost if the plan pays nothing is shown first as `refused`."""
    authorization = sources.authorization
    result = estimate_at(authorizations.if_paid(sources.answers, authorization), sources.clinic)
    refused = authorizations.if_refused(sources.answers, authorization)
    return {
        "estimate": result,
        "refused": refused and estimate_at(refused, sources.clinic),
        "authorization": authorization if authorizations.status(authorization) else None,
        "beyond_approval": authorizations.sessions_beyond(authorization, result.sessions[1]),
        "answers": sources.answers,
        "clinic": sources.clinic,
        "paying": financial_help(sources.answers, result),
    }


def _chart(sources: Sources) -> Mapping[str, Any]:
    """The chart of the estimate as the plan pays by its cost sharing (bot/chart.py)."""
    if_paid = authorizations.if_paid(sources.answers, sources.authorization)
    return {"chart": chart_of(estimate_at(if_paid, sources.clinic))}


def _clinic_chart(sources: Sources) -> Mapping[str, Any]:
    """The clinics compared, each one's range side by side (bot/compare.py, bot/chart.py)."""
    comparison = compare(sources.answers, list(sources.clinics))
    chosen = sources.clinic.id if sources.clinic else None
    return {"chart": clinic_chart_of(comparison, chosen)}


def _export(sources: Sources) -> Mapping[str, Any]:
    # The channel adds the whole stored record, which only the store knows (conversation.py).
    return {"exported_at": sources.now}


def _letter(kind: str) -> Callable[[Sources], Mapping[str, Any]]:
    def build(sources: Sources) -> Mapping[str, Any]:
        today = date.fromisoformat(sources.now[:10])
        kit = appeal_kit.build(kind, sources.answers, sources.history, sources.authorization, today)
        return {"kit": kit}

    return build


LETTERS = {
    "necessity": ("letter-of-medical-necessity", "Letter of medical necessity (draft)"),
    "appeal": ("appeal-letter", "Appeal (draft)"),
    "peer_to_peer": ("peer-to-peer-request", "Peer-to-peer review request (draft)"),
    "expedited": ("expedited-appeal-request", "Expedited appeal request (draft)"),
    "external": ("external-review-request", "External review request (draft)"),
}
"""The appeal kit's letters (bot/appeal_kit.py): file name (without extension) and PDF title."""

DOCUMENTS: dict[str, Document] = {
    "export": Document("export", "my-data.json", JSON, _export),
    "callscript": Document("callscript_document", "call-script.txt", TEXT, _call_script),
    "estimate": Document("estimate_document", "estimate.txt", TEXT, _estimate),
    "chart": Document("cost_chart", "cost-chart.png", PNG, _chart),
    "clinic_chart": Document("clinic_chart", "clinics-compared.png", PNG, _clinic_chart),
    **{
        f"letter_{kind}": Document(f"letter_{kind}", f"{name}.pdf", PDF, _letter(kind), title)
        for kind, (name, title) in LETTERS.items()
    },
    **{
        f"letter_{kind}_text": Document(f"letter_{kind}", f"{name}.txt", TEXT, _letter(kind))
        for kind, (name, _) in LETTERS.items()
    },
}


def attach(sources: Sources, *documents: str) -> tuple[Attachment, ...]:
    """The documents, built from the case."""
    about = str(sources.answers.get("for_whom", SELF))
    return tuple(Attachment(name, DOCUMENTS[name].build(sources), about) for name in documents)


@dataclass(frozen=True)
class File:
    """A document made: ready for a channel to send or save."""

    document: str
    """Which of `DOCUMENTS` it is."""
    filename: str
    media_type: str
    content: bytes
