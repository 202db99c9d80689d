"""Tests for bot.render with the real templates: every reply of whole conversations, both markups.

The conversations are driven through the real engine, so the templates see exactly the
contexts they get in production. HTML is checked with the strict Telegram stand-in's parser.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from markupsafe import escape

from bot.calls import FORMS
from bot.case import OPEN_KEPT
from bot.caseload import open_count
from bot.clinics import MAX_CLINICS, NAME_LENGTH
from bot.documents import DOCUMENTS, LETTERS, TEXT
from bot.engine import (
    Answer,
    Appeal,
    Back,
    Button,
    Calls,
    CallScript,
    Case,
    CaseButton,
    Cases,
    ClinicButton,
    Clinics,
    Confirm,
    Delete,
    DeliverDue,
    Edit,
    Estimate,
    Event,
    Export,
    Help,
    HistoryButton,
    HistoryCommand,
    Keep,
    Language,
    LanguageButton,
    Letter,
    LogCall,
    Menu,
    Older,
    Press,
    Reminders,
    Reply,
    Reset,
    Review,
    Start,
    Text,
    Unsupported,
    decode,
    handle,
)
from bot.events import LETTER_KINDS
from bot.flow import UNKNOWN, Flow, Kind, Question
from bot.languages import LANGUAGES
from bot.render import TEMPLATES_DIR, Renderer, money, percent, split_message
from tests.support.flow_answers import answer_for
from tests.support.telegram_standin import (
    MAX_CALLBACK_DATA_BYTES,
    MAX_CAPTION_LENGTH,
    MAX_TEXT_LENGTH,
    HtmlError,
    parse_html,
)
from tests.support.telegram_standin import utf16_length as utf16

FLOW = Flow()
ALL_QUESTIONS = {q.id for flow in (FLOW, *FORMS) for q in flow.questions}
RENDERER = Renderer(FLOW)
NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
MARKUPS = ("html", "text")

# Templates that are imported by others or read as modules, never rendered as a message.
MODULES = {
    "_appeals",
    "_person",
    "_macros",
    "buttons",
    "commands",
    "callscript_items",
    "assumptions",
    "privacy",
    "_reminder_text",
    "_clinic",
    "paying",
    "comparison",
    "_letters",
    "_history",
}
# Templates rendered with a context of their own, by the tests named here.
RENDERED_ELSEWHERE = {
    "resent_kept": "tests/test_engine.py",
    "data_dir_locked": "tests/test_storage_faults.py",
    "store_unavailable": "tests/test_postgres.py",
    "time_zone_unknown": "tests/test_time_zone.py",
    "terminal_removed": "tests/test_terminal.py",
    "disk_full": "tests/test_storage_faults.py",
    "failed": "tests/test_storage_faults.py",
    "answers_file_error": "tests/test_estimate_command.py",
    "check_report": "tests/test_webhook.py",
    "export": "tests/test_conversation.py",
    "callscript_document": "tests/test_callscript.py",
    "terminal_saved": "tests/test_terminal.py",
    **{f"letter_{kind}": "tests/test_appeal_kit.py" for kind in LETTERS},
    "appeal_written": "tests/test_appeal_kit.py",
}
# Messages the channels render themselves, outside the engine's replies.
CHANNEL_MESSAGES = (
    "group_only",
    "terminal_notice",
    "terminal_help",
    "terminal_bye",
    "storage_error",
)
# The tags Telegram's HTML parse mode accepts (span only with class="tg-spoiler").
# fmt: off
TELEGRAM_TAGS = frozenset({
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre", "blockquote",
    "tg-spoiler", "span",
})
# fmt: on
MAX_LABEL_LENGTH = 64

BENIGN = {
    "insurer": "Blue Cross Blue Shield of Texas",
    "bh_company": "Optum",
    "clinic": "Calm Mind Ketamine Clinic",
}
NASTY_NAME = "<b>&*_\"'{{ x }}{% if %}</b>"
NASTY = dict.fromkeys(BENIGN, NASTY_NAME)
# 100 characters is the longest name accepted; each of these is 2 UTF-16 code units.
LONGEST_NAME = "\U0001f48a" * 100
LONGEST = dict.fromkeys(BENIGN, LONGEST_NAME)

TAG_RE = re.compile(r"</?([A-Za-z][A-Za-z0-9-]*)")
ENTITY_RE = re.compile(r"&(#[0-9]+|#[xX][0-9A-Fa-f]+|[A-Za-z][A-Za-z0-9]*);")


def tap(question: str, value: str = UNKNOWN) -> Press:
    """The press of an answer button."""
    return Answer(question, value)


class Chat:
    """One person's conversation with the real engine, keeping every reply."""

    def __init__(self, language: str | None = None) -> None:
        self.case = Case()
        self.replies: list[Reply] = []
        self.last: list[Reply] = []
        self.language = language
        """The language of the user's app (Telegram's language_code)."""

    def send(self, event: Event, now: datetime = NOW) -> list[Reply]:
        """Apply one event and return its replies."""
        outcome = handle(FLOW, self.case, event, now, RENDERER.choice_words, self.language)
        self.case = outcome.case
        self.last = outcome.replies
        self.replies.extend(outcome.replies)
        return outcome.replies

    @property
    def asking(self) -> str | None:
        """The question the last reply asks, if it asks one."""
        if self.last and self.last[-1].template == "question":
            return self.last[-1].context["question"]
        return None

    def rejected(self) -> bool:
        """Whether the last reply explains why what was typed is not an answer."""
        return self.asking is not None and bool(self.last[-1].context["error"])

    def answer(self, question: str, *attempts: str | Press) -> None:
        """Answer `question`: every attempt but the last must be rejected with an explanation.

        Questions of the flow asked before it get the default answer of their kind.
        """
        for _ in FLOW.questions:
            if self.asking in (None, question) or self.asking not in FLOW:
                break
            self.send(Text(answer_for(FLOW[self.asking], {})))
            if self.last[-1].template == "resent_confirm":  # the same figure again: it is
                self.send(Confirm("resent", "yes"))
        for number, attempt in enumerate(attempts, start=1):
            assert self.asking == question, (question, self.last)
            self.send(Text(attempt) if isinstance(attempt, str) else attempt)
            if number < len(attempts):
                assert self.asking == question and self.rejected(), (attempt, self.last)
        assert not self.rejected(), (attempts[-1], self.last[-1].context["error"])

    def of(self, template: str) -> list[Reply]:
        """Every reply so far made with `template`."""
        return [reply for reply in self.replies if reply.template == template]


def begun(treatment: str) -> Chat:
    """A conversation begun from /start, with the treatment chosen."""
    chat = Chat()
    chat.send(Start())
    chat.send(Menu("begin"))
    chat.answer("treatment", "ketamine", tap("treatment", treatment))  # IV or IM: asked which
    return chat


def spravato_chat(names: dict[str, str]) -> Chat:
    """Spravato, a separate mental health company, out of network, coinsurance; then menus."""
    chat = begun("spravato")
    chat.answer("insurer", "   ", "x" * 101, names["insurer"])
    chat.answer("plan_type", "maybe", tap("plan_type", "hmo"))
    chat.answer("bh_carveout", "yes")
    chat.answer("bh_company", names["bh_company"])
    chat.send(Text("some days I want to die"))
    chat.send(Menu("continue"))  # the crisis reply's way back
    chat.answer("coverage", "yes")
    chat.answer("benefit", tap("benefit", "medical"))
    chat.answer("preauth", tap("preauth", "yes"))
    chat.answer("referral", tap("referral", "yes"))
    chat.answer("trials", "many", "99", "2.5", "-5", tap("trials", "2"))
    chat.answer("clinic", names["clinic"])
    chat.send(Back())
    chat.answer("clinic", Keep("clinic"))
    chat.send(Start())
    chat.send(Menu("continue"))
    chat.answer("network", tap("network", "out"))
    chat.answer("network_options", tap("network_options", "no"))
    chat.answer("deductible", "abc", "1,5", "12.345", "$2,000,000", "$1,500")
    chat.answer("deductible_met", "$2,000", "$500")
    chat.answer("cost_sharing", tap("cost_sharing", "coinsurance"))
    chat.answer("coinsurance_pct", "abc", "150%", "0.2", "20%")
    chat.answer("oop_max", "$5,000")
    chat.answer("oop_met", "1000")
    chat.answer("price_per_session", "$885")
    chat.answer("allowed_per_session", "$900", "$600")
    chat.answer("sessions", tap("sessions", "8"))
    assert "summary" in {reply.template for reply in chat.last}

    chat.send(Menu("table"))
    chat.send(Menu("chart"))
    chat.send(Menu("download"))
    chat.send(Estimate())
    chat.send(CallScript())
    chat.send(Menu("fullscript"))
    chat.send(Export())
    chat.send(Delete())
    chat.send(Confirm("delete", "no"))
    chat.send(Text("hello again"))
    chat.send(Start())
    chat.send(Review())
    chat.send(Edit("deductible"))
    chat.answer("deductible", Keep("deductible"))
    chat.send(Edit("clinic"))
    chat.send(Back())
    chat.send(Help())
    chat.send(Help(unknown_command=True))
    chat.send(Unsupported())
    chat.send(Unsupported(edited=True))
    chat.send(tap("treatment", "spravato"))
    chat.send(Reset())
    chat.send(Confirm("reset", "no"))
    chat.send(Reset())
    chat.send(Confirm("reset", "yes"))
    return chat


def iv_chat() -> Chat:
    """IV ketamine, no carve-out, in network, no deductible, a copay, several unknowns."""
    chat = Chat()
    chat.send(Start())
    chat.send(Review())  # nothing answered yet
    chat.send(Help())
    chat.send(Menu("begin"))
    chat.answer("treatment", tap("treatment", "iv_ketamine"))
    chat.answer("insurer", tap("insurer"))
    chat.answer("plan_type", "ppo")
    chat.answer("bh_carveout", "no")
    chat.answer("coverage", tap("coverage"))
    chat.answer("preauth", "idk")
    chat.answer("referral", tap("referral", "no"))
    chat.answer("trials", "3")
    chat.answer("clinic", tap("clinic"))
    chat.answer("network", tap("network", "in"))
    chat.answer("deductible", "0")
    chat.answer("cost_sharing", tap("cost_sharing", "copay"))
    chat.answer("copay", "$40.50")
    chat.answer("oop_max", tap("oop_max"))
    chat.answer("oop_met", tap("oop_met"))
    chat.answer("price_per_session", tap("price_per_session"))
    chat.answer("sessions", "6")
    assert "summary" in {reply.template for reply in chat.last}
    chat.send(Delete())
    chat.send(Confirm("delete", "yes"))
    return chat


def pharmacy_chat() -> Chat:
    """Spravato under the pharmacy benefit: the drug's price and its cost share, both ways."""
    chat = begun("spravato")
    chat.answer("benefit", tap("benefit", "pharmacy"))
    chat.answer("drug_price_per_session", "$800")
    chat.answer("drug_cost_sharing", tap("drug_cost_sharing", "copay"))
    chat.answer("drug_copay", "abc", "$50")
    chat.answer("sessions", "8")
    assert "summary" in {reply.template for reply in chat.last}
    chat.send(Edit("drug_cost_sharing"))
    chat.answer("drug_cost_sharing", tap("drug_cost_sharing", "coinsurance"))
    chat.answer("drug_coinsurance_pct", "25%")
    return chat


def medicare_chat() -> Chat:
    """Original Medicare with no supplement: the questions it asks, and those it does not."""
    chat = begun("spravato")
    chat.answer("plan_type", tap("plan_type", "medicare"))
    chat.answer("medicare_kind", tap("medicare_kind", "original"))
    chat.answer("medigap", "no")
    chat.answer("deductible_met", "$100")
    chat.answer("sessions", "8")
    assert "summary" in {reply.template for reply in chat.last}
    return chat


def unknown_chat() -> Chat:
    """Answers "I don't know yet" to every question."""
    chat = Chat()
    chat.send(Start())
    chat.send(Menu("begin"))
    while chat.asking:
        question = FLOW[chat.asking]
        offered = question.unknown_value in question.choices
        if question.unknown_value is None:  # not knowing is no answer: the first choice
            chat.answer(question.id, tap(question.id, question.choices[0]))
            continue
        chat.answer(question.id, tap(question.id, question.unknown_value if offered else UNKNOWN))
    assert "summary" in {reply.template for reply in chat.last}
    return chat


def calls_chat(names: dict[str, str]) -> Chat:
    """Unknowns answered on logged calls: walked, picked, cancelled; authorizations; cases."""
    chat = unknown_chat()
    chat.send(Calls())  # none yet
    chat.send(LogCall())
    chat.answer("call_party", tap("call_party", "insurer"))
    chat.send(Menu("callcancel"))
    chat.send(LogCall())
    chat.answer("call_party", tap("call_party", "bh_company"))
    chat.answer("call_date", "2025-13-45", "12/31/2099", tap("call_date", "today"))
    chat.answer("call_rep", names["clinic"])
    chat.answer("call_reference", names["insurer"])
    chat.send(Menu("callwalk"))
    chat.answer("treatment", tap("treatment", "spravato"))
    chat.answer("insurer", names["insurer"])
    chat.answer("plan_type", tap("plan_type", "ppo"))
    chat.send(Menu("calldone"))
    chat.answer("pa_status", tap("pa_status", "approved"))
    chat.answer("pa_number", names["bh_company"])
    chat.answer("pa_sessions", "12")
    chat.answer("pa_start", "2025-03-10")
    chat.answer("pa_end", "2025-03-01", "2025-09-10")
    chat.answer("call_note", "x" * 201, names["clinic"])  # a note: too long, then the name
    assert chat.last[-1].template == "call_logged"
    chat.send(next(b.press for b in chat.last[-1].buttons if b.label == "remind_call"))
    chat.send(LogCall())
    chat.answer("call_party", tap("call_party", "clinic"))
    chat.answer("call_date", "3/1")
    chat.answer("call_rep", tap("call_rep"))
    chat.answer("call_reference", tap("call_reference"))
    chat.send(Menu("callpick"))
    chat.send(Edit("coverage"))
    chat.answer("coverage", tap("coverage", "no"))
    chat.send(Menu("calldone"))
    chat.answer("pa_status", tap("pa_status", "denied"))
    chat.answer("pa_number", tap("pa_number"))
    chat.answer("pa_letter_date", "2/20/2025")
    chat.answer("call_note", tap("call_note"))  # no note
    chat.send(next(b.press for b in chat.last[-1].buttons if b.label == "remind_appeal"))
    (listing,) = chat.send(Reminders())
    remind = next(b.press for b in listing.buttons if b.label == "remind_call")
    chat.send(remind)
    chat.send(remind)  # the same again: not set twice
    (listing,) = chat.send(Reminders())
    chat.send(next(b.press for b in listing.buttons if b.label == "cancel_reminder"))
    chat.send(DeliverDue(), now=NOW + timedelta(days=400))
    chat.send(Review())
    chat.send(Calls())
    chat.send(Cases())  # none yet
    chat.send(Reset())
    chat.send(Confirm("reset", "yes"))
    chat.send(Cases())
    return chat


def clinics_chat(names: dict[str, str]) -> Chat:
    """Clinics added (with mistakes), cancelled, changed, chosen, removed; up to the limit."""
    name = names["clinic"][:NAME_LENGTH]
    chat = Chat()
    chat.send(Clinics())  # none yet, before any answer
    chat.send(Menu("begin"))
    chat.answer("treatment", tap("treatment", "iv_ketamine"))
    chat.send(Clinics())
    chat.send(ClinicButton("", "add"))
    chat.answer("clinic_name", "", name)
    chat.answer("clinic_network", tap("clinic_network", "out"))
    chat.answer("clinic_pricing", tap("clinic_pricing", "package"))
    chat.answer("clinic_package_sessions", "0", "61", "10")
    chat.answer("clinic_package_total", "-5", "$3,000")
    chat.answer("clinic_after_price", tap("clinic_after_price"))
    chat.answer("clinic_allowed", tap("clinic_allowed"))
    chat.answer("clinic_note", names["insurer"])
    chat.send(ClinicButton("", "add"))
    chat.answer("clinic_name", "Half")
    chat.send(Back())
    chat.send(ClinicButton("", "cancel"))
    chat.send(ClinicButton("", "add"))
    chat.answer("clinic_name", "In Town")
    chat.send(Start())  # leaves the form half-way
    chat.send(ClinicButton("", "resume"))
    chat.answer("clinic_network", tap("clinic_network", "in"))
    chat.answer("clinic_pricing", tap("clinic_pricing", "session"))
    chat.answer("clinic_price", "$450")
    chat.answer("clinic_allowed", "$380")
    chat.answer("clinic_note", tap("clinic_note"))
    chat.send(ClinicButton("1", "show"))
    chat.send(ClinicButton("1", "choose"))
    chat.send(ClinicButton("1", "show"))
    chat.send(ClinicButton("1", "edit"))
    chat.answer("clinic_name", Keep("clinic_name"))
    chat.answer("clinic_network", tap("clinic_network", "unknown"))
    while chat.asking:
        chat.answer(chat.asking, Keep(chat.asking))
    chat.send(Estimate())
    chat.send(Menu("table"))
    chat.send(Menu("chart"))  # a package, chosen
    chat.send(CallScript())
    chat.send(Menu("fullscript"))
    chat.send(ClinicButton("2", "remove"))
    chat.send(Confirm("clinic2", "no"))
    chat.send(ClinicButton("2", "remove"))
    chat.send(Confirm("clinic2", "yes"))
    for number in range(MAX_CLINICS - 1):
        chat.send(ClinicButton("", "add"))
        chat.answer("clinic_name", f"{name[:50]} {number}")
        chat.answer("clinic_network", tap("clinic_network", "in"))
        chat.answer("clinic_pricing", tap("clinic_pricing", "session"))
        chat.answer("clinic_price", f"{300 + number}")
        chat.answer("clinic_allowed", tap("clinic_allowed"))
        chat.answer("clinic_note", tap("clinic_note"))
    chat.send(ClinicButton("", "add"))  # the limit
    chat.send(Export())
    return chat


def history_chat(names: dict[str, str]) -> Chat:
    """The medication history entered (a medicine matched, one not, with mistakes), changed
    and removed; the readiness check; the appeal kit before and after a denial, every letter."""
    chat = begun("spravato")
    chat.answer("plan_type", tap("plan_type", "ppo"))
    chat.send(HistoryCommand())  # nothing yet
    chat.send(HistoryButton("", "trial"))
    chat.answer("trial_name", "", "Zoloft")
    chat.answer("trial_dose", "150 mg a day")
    chat.answer("trial_start", "13/2024", "March 2099", "March 2024")
    chat.answer("trial_outcome", "maybe", tap("trial_outcome", "no_help"))
    chat.answer("trial_end", "February 2024", "June 2024")
    chat.send(HistoryButton("", "trial"))
    chat.answer("trial_name", names["clinic"][:100])
    chat.answer("trial_class", tap("trial_class"))
    chat.answer("trial_dose", tap("trial_dose"))
    chat.answer("trial_start", "1/2025")
    chat.answer("trial_outcome", tap("trial_outcome", "still_taking"))
    chat.send(HistoryButton("", "trial"))
    chat.answer("trial_name", "abilify")
    chat.send(Back())
    chat.send(Start())  # leaves the form half-way
    chat.send(HistoryButton("", "resume"))
    chat.send(HistoryButton("", "cancel"))
    chat.send(HistoryButton("", "score"))
    chat.answer("score_scale", tap("score_scale", "madrs"))
    chat.answer("score_madrs", "61", "30")
    chat.answer("score_date", tap("score_date"))
    chat.send(HistoryButton("", "score"))
    chat.answer("score_scale", "phq")
    chat.answer("score_phq9", "28", "19")
    chat.answer("score_date", "October 2024")
    chat.send(HistoryButton("", "score"))
    chat.answer("score_scale", tap("score_scale", "hamd"))
    chat.answer("score_hamd", "21")
    chat.answer("score_date", "1/15/2025")
    chat.send(HistoryButton("", "other"))
    chat.answer("other_psychotherapy", "yes")
    chat.answer("other_tms", tap("other_tms"))
    chat.answer("other_ect", "no")
    chat.send(HistoryButton("t1", "show"))
    chat.send(HistoryButton("t1", "edit"))
    while chat.asking:
        chat.answer(chat.asking, Keep(chat.asking))
    chat.send(HistoryButton("s1", "show"))
    chat.send(HistoryButton("s1", "remove"))
    chat.send(Confirm("historys1", "no"))
    chat.send(HistoryButton("t2", "remove"))
    chat.send(Confirm("historyt2", "yes"))
    chat.send(HistoryButton("t9", "show"))  # no such entry: a notice
    chat.send(Menu("readiness"))
    chat.send(Appeal())  # nothing logged yet
    chat.send(Letter("necessity"))
    chat.send(LogCall())
    chat.answer("call_party", tap("call_party", "insurer"))
    chat.answer("call_date", tap("call_date", "today"))
    chat.answer("call_rep", names["insurer"])
    chat.answer("call_reference", tap("call_reference"))
    chat.send(Menu("calldone"))
    chat.answer("pa_status", tap("pa_status", "denied"))
    chat.answer("pa_number", names["bh_company"])
    chat.answer("pa_letter_date", "2/20/2025")
    chat.answer("call_note", tap("call_note"))
    (appeal,) = chat.send(Appeal())
    for kind in LETTER_KINDS:
        chat.send(Letter(kind))
    chat.send(next(b.press for b in appeal.buttons if b.label == "remind_decision"))
    chat.send(LogCall())  # the appeal denied: the external review is offered
    chat.answer("call_party", tap("call_party", "insurer"))
    chat.answer("call_date", tap("call_date", "today"))
    chat.answer("call_rep", tap("call_rep"))
    chat.answer("call_reference", tap("call_reference"))
    chat.send(Menu("calldone"))
    chat.answer("pa_status", tap("pa_status", "denied"))
    chat.answer("pa_number", tap("pa_number"))
    chat.answer("pa_letter_date", "2/28/2025")
    chat.answer("call_note", tap("call_note"))
    chat.send(next(b.press for b in chat.last[-1].buttons if b.label == "remind_external"))
    chat.send(Reminders())
    chat.send(DeliverDue(), now=NOW + timedelta(days=400))
    chat.send(Review())
    chat.send(Export())
    return chat


def cases_chat(names: dict[str, str]) -> Chat:
    """A relative's cases: one for someone else (named), one of their own, one unnamed;
    switched, renamed, put aside, reopened, deleted; a reminder of another case; the clinics
    compared as a picture; /delete with several cases; the most open cases."""
    name = names["clinic"][:40]
    chat = Chat()
    chat.send(Start())
    chat.send(Menu("continue"))  # asked whom it is for (the welcome's buttons answer it)
    chat.answer("for_whom", "maybe", tap("for_whom", "other"))
    chat.answer("patient_name", "", "x" * 41, name)
    chat.answer("treatment", tap("treatment", "spravato"))
    chat.answer("insurer", names["insurer"])
    chat.send(Reminders())
    chat.send(next(b.press for b in chat.last[-1].buttons if b.label == "remind_call"))
    for clinic, price in ((name, "900"), ("Second", "1200")):
        chat.send(ClinicButton("", "add"))
        chat.answer("clinic_name", clinic)
        chat.answer("clinic_network", tap("clinic_network", "in"))
        chat.answer("clinic_pricing", tap("clinic_pricing", "session"))
        chat.answer("clinic_price", price)
        chat.answer("clinic_allowed", tap("clinic_allowed"))
        chat.answer("clinic_note", tap("clinic_note"))
    chat.send(Menu("clinic_chart"))
    chat.send(Cases())
    chat.send(CaseButton("", "add"))
    chat.answer("for_whom", tap("for_whom", "self"))
    chat.answer("treatment", tap("treatment", "iv_ketamine"))
    chat.send(CaseButton("", "add"))
    chat.answer("for_whom", tap("for_whom", "other"))
    chat.answer("patient_name", tap("patient_name"))
    chat.answer("treatment", tap("treatment", "unsure"))
    chat.send(DeliverDue(), now=NOW + timedelta(days=9))  # the first case's reminder
    chat.send(Cases())
    chat.send(CaseButton("1", "switch"))
    chat.send(CaseButton("", "rename"))
    chat.answer("patient_name", names["bh_company"][:40])
    chat.send(CaseButton("", "aside"))
    chat.send(Cases())
    chat.send(CaseButton("1", "switch"))  # reopened
    chat.send(CaseButton("", "delete"))
    chat.send(Confirm("casedelete", "no"))
    chat.send(CaseButton("", "delete"))
    chat.send(Confirm("casedelete", "yes"))
    chat.send(Delete())
    chat.send(Confirm("delete", "one"))
    chat.send(CaseButton("", "aside"))  # the last one: a new case
    chat.send(Reset())
    for number in range(OPEN_KEPT - open_count(chat.case)):
        chat.send(CaseButton("", "add"))
        chat.answer("for_whom", tap("for_whom", "other"))
        chat.answer("patient_name", f"{name[:30]} {number}")
    chat.send(CaseButton("", "add"))  # one too many
    chat.send(Cases())
    chat.send(Older("cases", "5"))
    chat.send(Export())
    chat.send(Delete())
    return chat


def spanish_chat() -> Chat:
    """A user whose app is in Spanish: the language switched both ways, the Spanish words
    for the options, dates typed day first (and asked which, when either order is a date)."""
    chat = Chat(language="es-MX")
    chat.send(Start())
    assert chat.last[-1].language == "es"
    chat.send(Language())  # the choice, before anything is answered
    chat.send(LanguageButton("en"))
    chat.send(LanguageButton("es"))
    chat.send(Menu("begin"))
    chat.answer("treatment", tap("treatment", "spravato"))
    chat.answer("insurer", "Aetna")
    chat.answer("plan_type", "otro")
    chat.send(LogCall())
    chat.answer("call_party", tap("call_party", "insurer"))
    chat.answer("call_date", "02/01", "1 de febrero")  # January 2 or February 1: asked
    chat.answer("call_rep", tap("call_rep"))
    chat.answer("call_reference", tap("call_reference"))
    chat.send(Menu("calldone"))
    chat.answer("pa_status", tap("pa_status", "pending"))
    chat.answer("pa_number", tap("pa_number"))
    chat.answer("call_note", tap("call_note"))
    chat.send(Language())
    chat.send(LanguageButton("es"))  # where the user was, in Spanish
    assert chat.case.calls[-1]["date"] == "2025-02-01"
    return chat


@pytest.fixture(scope="module")
def chats() -> dict[str, Chat]:
    """Whole conversations covering every branch of the flow."""
    return {
        "spravato": spravato_chat(BENIGN),
        "iv": iv_chat(),
        "unknown": unknown_chat(),
        "medicare": medicare_chat(),
        "pharmacy": pharmacy_chat(),
        "nasty": spravato_chat(NASTY),
        "longest": spravato_chat(LONGEST),
        "calls": calls_chat(BENIGN),
        "nasty calls": calls_chat(NASTY),
        "clinics": clinics_chat(BENIGN),
        "nasty clinics": clinics_chat(NASTY),
        "longest clinics": clinics_chat(LONGEST),
        "history": history_chat(BENIGN),
        "nasty history": history_chat(NASTY),
        "longest history": history_chat(LONGEST),
        "cases": cases_chat(BENIGN),
        "nasty cases": cases_chat(NASTY),
        "longest cases": cases_chat(LONGEST),
        "spanish": spanish_chat(),
    }


@pytest.fixture(scope="module", params=LANGUAGES)
def language(request: pytest.FixtureRequest) -> str:
    """Each language the bot speaks: every reply is rendered in each."""
    return request.param


@pytest.fixture(scope="module")
def replies(chats: dict[str, Chat], language: str) -> list[Reply]:
    """Every reply of every conversation, in `language`."""
    return [replace(reply, language=language) for chat in chats.values() for reply in chat.replies]


def html_of(reply: Reply) -> str:
    """A reply's text in Telegram HTML."""
    return RENDERER.render(reply, "html").text


def text_of(reply: Reply) -> str:
    """A reply's text for the terminal."""
    return RENDERER.render(reply, "text").text


def channel_messages(markup: str, language: str = "en") -> dict[str, str]:
    """The messages the channels render themselves, by template name."""
    return {name: RENDERER.message(name, markup, speaking=language) for name in CHANNEL_MESSAGES}


def visible(html: str) -> str:
    """What Telegram shows for some HTML."""
    return parse_html(html)[0]


def visible_or_text(text: str, markup: str) -> str:
    """What the person reads: HTML as Telegram shows it, or the plain text."""
    return visible(text) if markup == "html" else text


# -- coverage of the templates ------------------------------------------------------------------


def test_every_template_is_rendered_by_these_tests(replies: list[Reply]) -> None:
    on_disk = {path.stem for path in TEMPLATES_DIR.glob("*.j2")} - MODULES
    attachments = {DOCUMENTS[a.document].template for reply in replies for a in reply.attachments}
    rendered = {reply.template for reply in replies} | attachments
    rendered |= set(CHANNEL_MESSAGES) | set(RENDERED_ELSEWHERE)
    assert rendered == on_disk


def test_every_attachment_renders_as_plain_text(replies: list[Reply]) -> None:
    for reply in replies:
        for attachment in reply.attachments:
            document = DOCUMENTS[attachment.document]
            if document.media_type != TEXT:
                continue  # the export is JSON, and needs the stored record (test_conversation)
            text = RENDERER.message(
                document.template, "text", speaking=reply.language, **attachment.context
            )
            ours = text.replace(NASTY_NAME, "")  # a name typed with markup stays as typed
            assert text.strip() and "<b>" not in ours and "None" not in text, document.template


def test_every_caption_of_a_file_or_a_picture_fits_telegrams_limit(replies: list[Reply]) -> None:
    captions = [visible(html_of(reply)) for reply in replies if reply.attachments]
    assert captions and all(utf16(text) <= MAX_CAPTION_LENGTH for text in captions)


def test_every_reply_renders_in_both_markups(replies: list[Reply], language: str) -> None:
    for reply in replies:
        for markup in MARKUPS:
            assert RENDERER.render(reply, markup).text.strip(), (reply, markup)
    for markup in MARKUPS:
        for name, text in channel_messages(markup, language).items():
            assert text.strip(), (name, markup)


def test_the_conversations_cover_every_question_and_error(chats: dict[str, Chat]) -> None:
    asked = [r for chat in chats.values() for r in chat.of("question")]
    assert {r.context["question"] for r in asked} == ALL_QUESTIONS
    codes = {r.context["error"]["code"] for r in asked if r.context["error"]}
    source = (TEMPLATES_DIR / "question.j2").read_text()
    assert codes == set(re.findall(r'code == "(\w+)"', source))


# -- question templates -------------------------------------------------------------------------


@pytest.mark.parametrize("question", FLOW.questions, ids=lambda q: q.id)
@pytest.mark.parametrize("markup", MARKUPS)
def test_question_template_defines_its_texts(
    question: Question, markup: str, chats: dict[str, Chat]
) -> None:
    assert (TEMPLATES_DIR / "questions" / f"{question.id}.j2").is_file()
    env = RENDERER.html if markup == "html" else RENDERER.text
    template = env.get_template(f"questions/{question.id}.j2")
    finished = [r.context["answers"] for chat in chats.values() for r in chat.of("summary")]
    for answers in [{}, *finished]:
        module = template.make_module({"answers": answers})
        for name in ("short", "prompt", "help"):
            assert str(getattr(module, name, "")).strip(), (name, answers)
        choices = getattr(module, "choices", None)
        if question.kind == Kind.CHOICE:
            assert choices is not None
            assert set(choices) == set(question.choices)
            assert all(str(label).strip() for label in choices.values())
        else:
            assert choices is None


def test_every_question_template_has_a_question() -> None:
    on_disk = {path.stem for path in (TEMPLATES_DIR / "questions").glob("*.j2")}
    assert on_disk == ALL_QUESTIONS


def test_unknown_button_uses_the_questions_own_label(replies: list[Reply]) -> None:
    generic = str(RENDERER.text.get_template("buttons.j2").module.unknown()).strip()
    own_labels = set()
    for reply in replies:
        for button in reply.buttons:
            if button.label != "unknown":
                continue
            question = RENDERER.text.get_template(f"questions/{button.press.question}.j2")
            own = getattr(question.make_module({"answers": {}}), "unknown", None)
            assert RENDERER.label(button) == (own or generic), button
            own_labels.add(own)
    assert None in own_labels and len(own_labels) > 1  # both kinds were seen


# -- Telegram HTML ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad", ["<p>x</p>", "<b>x", "x</b>", "<b><i>x</b></i>", "a &nbsp; b", "a & b", "1 < 2"]
)
def test_the_html_validator_is_strict(bad: str) -> None:
    with pytest.raises(HtmlError):
        parse_html(bad)


def check_telegram_html(html: str, where: object) -> None:
    """Assert `html` is HTML Telegram accepts, with only the tags and entities it knows."""
    try:
        shown, _ = parse_html(html)
    except HtmlError as error:
        pytest.fail(f"{where}: {error}\n{html}")
    tags = {name.lower() for name in TAG_RE.findall(html)}
    assert tags <= TELEGRAM_TAGS, (where, tags - TELEGRAM_TAGS)
    entities = {e for e in ENTITY_RE.findall(html) if not e.startswith("#")}
    assert entities <= {"lt", "gt", "amp", "quot"}, (where, entities)
    assert 0 < utf16(shown.strip()) <= MAX_TEXT_LENGTH, (where, utf16(shown))


def test_every_reply_is_valid_telegram_html(replies: list[Reply], language: str) -> None:
    for reply in replies:
        for part in split_message(html_of(reply)):  # as the Telegram channel sends it
            check_telegram_html(part, reply)
    for name, html in channel_messages("html", language).items():
        check_telegram_html(html, name)


@pytest.mark.parametrize("language", LANGUAGES)
def test_longest_answers_fit_in_one_message(chats: dict[str, Chat], language: str) -> None:
    chat = chats["longest"]
    lists = chat.of("summary") + chat.of("answers")
    network = [r for r in chat.of("question") if r.context["question"] == "network"]
    assert lists and network
    lists, network = ([replace(r, language=language) for r in rs] for rs in (lists, network))
    for reply in lists:
        shown = visible(html_of(reply))
        assert shown.count(LONGEST_NAME) == 3
        assert utf16(shown) <= MAX_TEXT_LENGTH
    for reply in network:
        assert LONGEST_NAME in visible(html_of(reply))


# -- escaping -----------------------------------------------------------------------------------


def test_user_text_is_escaped_in_html_and_verbatim_in_text(chats: dict[str, Chat]) -> None:
    chat = chats["nasty"]
    lists = chat.of("summary") + chat.of("answers")
    network = [r for r in chat.of("question") if r.context["question"] == "network"]
    saved = [r for r in chat.of("question") if r.context["saved"] == NASTY_NAME]
    assert lists and network and saved

    def in_question(reply: Reply) -> int:
        """Once as asked or saved, and once more where the answer just typed is acknowledged."""
        return 1 + ((reply.context["acknowledged"] or {}).get("value") == NASTY_NAME)

    for reply, count in [*((r, 3) for r in lists), *((r, in_question(r)) for r in network + saved)]:
        html = html_of(reply)
        assert html.count(str(escape(NASTY_NAME))) == count, html
        assert "&lt;b&gt;&amp;*_" in html
        assert visible(html).count(NASTY_NAME) == count
        assert text_of(reply).count(NASTY_NAME) == count


def test_template_syntax_typed_by_a_user_is_not_evaluated(chats: dict[str, Chat]) -> None:
    typed = "{{ 7 * 7 }}{% for i in 'ab' %}{{ i }}{% endfor %}"
    asked = next(r for r in chats["spravato"].of("question") if r.context["question"] == "network")
    answers = {**asked.context["answers"], "clinic": typed}
    reply = replace(asked, context={**asked.context, "answers": answers})
    for markup in MARKUPS:
        text = RENDERER.render(reply, markup).text
        assert typed in visible_or_text(text, markup)
        assert "49" not in text


# -- plain text ---------------------------------------------------------------------------------


def test_plain_text_has_no_markup(chats: dict[str, Chat]) -> None:
    texts = [
        (reply, text_of(reply))
        for name, chat in chats.items()
        if not name.startswith("nasty")  # its names are markup, shown verbatim on purpose
        for reply in chat.replies
    ]
    texts += list(channel_messages("text").items())
    for where, text in texts:
        assert not TAG_RE.search(text), (where, text)
        assert not ENTITY_RE.search(text), (where, text)


def test_html_and_text_say_the_same(replies: list[Reply]) -> None:
    for reply in replies:
        assert visible(html_of(reply)) == text_of(reply), reply


# -- languages ----------------------------------------------------------------------------------

WORD_RE = re.compile(r"[A-Za-z]+(?:'[a-z]+)?")
NAMES = {
    *BENIGN.values(),
    NASTY_NAME,
    "Second",
    "Aetna",
    "150 mg a day",
    "Crisis Text Line",
    "to fill in",
}
"""What the conversations type, names, and the letters' "[to fill in: ...]" (the letters are
English): they stay as they are in any language."""
ENGLISH_BY_DESIGN = re.compile(
    r"^.*(?:\(In English:|\(English:|Spanish, please).*$|Fuente: .*$", re.MULTILINE
)
"""The phone card's English lines, for a representative who speaks only English, and the
sources a payer's criteria cite, by their own titles."""
HEARD_IN_ENGLISH = re.compile(r"\([^()]{1,40}\)")
"""An English term in brackets, as the user will hear it on the phone: "(member ID card)"."""


def phrases(text: str) -> set[tuple[str, ...]]:
    """Every three words in a row with one in lower case, in lower case (proper names, in
    capitals, and names typed by the user left out)."""
    for name in NAMES:
        text = text.replace(name, " | ")
    found: set[tuple[str, ...]] = set()
    for line in text.split("\n"):
        for piece in re.split(r"[^A-Za-z' ]+", line):
            words = WORD_RE.findall(piece)
            for three in zip(words, words[1:], words[2:], strict=False):
                if any(word.islower() for word in three):
                    found.add(tuple(word.lower() for word in three))
    return found


def test_every_reply_and_label_is_said_in_spanish(chats: dict[str, Chat]) -> None:
    """A template missing from templates/es/, or a sentence left in English, would show the
    same three words in a row in both languages: here that fails."""
    for chat in chats.values():
        for reply in chat.replies:
            said = {
                language: RENDERER.render(replace(reply, language=language), "text")
                for language in LANGUAGES
            }
            english, spanish = said["en"], said["es"]
            spoken = HEARD_IN_ENGLISH.sub("", ENGLISH_BY_DESIGN.sub("", spanish.text))
            left = phrases(english.text) & phrases(spoken)
            assert not left, (reply.template, sorted(left)[:5], spanish.text)
            for (en, _), (es, _) in zip(
                (b for row in english.keyboard for b in row),
                (b for row in spanish.keyboard for b in row),
                strict=True,
            ):
                assert not phrases(en) & phrases(es), (reply.template, en, es)


# The messages other tests render (in English), with a context of each kind, in Spanish too.
ELSEWHERE_IN_SPANISH = [
    ("resent_kept", {}),
    ("disk_full", {}),
    ("failed", {}),
    ("storage_error", {}),
    ("terminal_removed", {"paths": ["/home/ana/call-script.txt"]}),
    ("appeal_written", {"path": "appeal-letter.pdf", "blanks": 3}),
    *(
        ("terminal_saved", {"document": document, "path": "/home/ana/file", "earlier": earlier})
        for document in (
            "export",
            "estimate",
            "chart",
            "clinic_chart",
            "letter_appeal",
            "letter_appeal_text",
            "callscript",
        )
        for earlier in ([], [Path("call-script.txt")], [Path("a.txt"), Path("b.txt")])
    ),
]


@pytest.mark.parametrize(("template", "context"), ELSEWHERE_IN_SPANISH)
def test_the_messages_rendered_elsewhere_are_said_in_spanish_too(
    template: str, context: dict
) -> None:
    english = RENDERER.message(template, "text", **context)
    spanish = RENDERER.message(template, "text", speaking="es", **context)
    assert not phrases(english) & phrases(HEARD_IN_ENGLISH.sub("", spanish)), spanish
    html = RENDERER.message(template, "html", speaking="es", **context)
    check_telegram_html(html, template)
    assert visible(html) == spanish


def test_a_spanish_user_is_answered_in_spanish_from_the_first_message(
    chats: dict[str, Chat],
) -> None:
    chat = chats["spanish"]
    assert {reply.language for reply in chat.replies} == {"es", "en"}
    switched = chat.replies.index(next(r for r in chat.replies if r.language == "en"))
    assert all(r.language == "es" for r in chat.replies[:switched])
    which = next(
        r for r in chat.of("question") if (r.context["error"] or {}).get("code") == "which_date"
    )
    shown = text_of(which)
    assert "2 ene 2025" in shown and "1 feb 2025" in shown


# -- buttons ------------------------------------------------------------------------------------


def test_buttons_are_plain_short_labels_with_small_data(replies: list[Reply]) -> None:
    for reply in replies:
        for markup in MARKUPS:
            keyboard = RENDERER.render(reply, markup).keyboard
            assert sum(len(row) for row in keyboard) == len(reply.buttons)
            for row in keyboard:
                for label, data in row:
                    assert label and label == label.strip(), (reply, label)
                    assert len(label) <= MAX_LABEL_LENGTH, label
                    ours = label.replace(NASTY_NAME, "")  # a clinic's name, as typed
                    assert not TAG_RE.search(ours) and not ENTITY_RE.search(ours), label
                    assert 0 < len(data.encode()) <= MAX_CALLBACK_DATA_BYTES, data
                    assert decode(data) is not None, data


# -- filters ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("1500"), "$1,500"),
        ("1500.50", "$1,500.50"),
        ("1500.00", "$1,500"),
        ("0", "$0"),
        ("40.5", "$40.50"),
        ("1000000", "$1,000,000"),
    ],
)
def test_money(value: object, shown: str) -> None:
    assert money(value) == shown


@pytest.mark.parametrize(
    ("value", "shown"),
    [("20", "20%"), ("12.5", "12.5%"), (Decimal("100"), "100%"), ("0", "0%"), ("7.25", "7.25%")],
)
def test_percent(value: object, shown: str) -> None:
    assert percent(value) == shown


# -- what the summaries say ---------------------------------------------------------------------


def test_summary_lists_every_answer(chats: dict[str, Chat]) -> None:
    summary = text_of(chats["spravato"].of("summary")[0])
    for line in (
        "• Treatment: Spravato (esketamine nasal spray)",
        "• Insurer: Blue Cross Blue Shield of Texas",
        "• Plan type: HMO",
        "• Mental health company: Optum",
        "• Benefit: Medical benefit",
        "• Antidepressants tried: 2",
        "• Clinic: Calm Mind Ketamine Clinic",
        "• Clinic in network: Out of network",
        "• Deductible: $1,500",
        "• Deductible met so far: $500",
        "• Cost sharing: Coinsurance (%)",
        "• Coinsurance: 20%",
        "• Out-of-pocket maximum: $5,000",
        "• Out-of-pocket met so far: $1,000",
        "• Price per session: $885",
        "• Allowed amount per session: $600",
        "• Sessions planned: 8",
        "You have an answer for every question.",
    ):
        assert line in summary
    assert "Copay" not in summary


def test_summary_with_unknowns(chats: dict[str, Chat]) -> None:
    summary = text_of(chats["iv"].of("summary")[0])
    assert "• Insurer: not known yet" in summary
    assert "• Deductible: $0" in summary
    assert "• Copay per session: $40.50" in summary
    assert "Deductible met so far" not in summary
    assert "Still to find out: 7 answers." in summary
    everything = text_of(chats["unknown"].of("summary")[0])
    values = chats["unknown"].case.values()
    count = len([q for q in FLOW.applicable(values) if q.unknown_value is not None])
    assert everything.count("not known yet") == count
    assert f"Still to find out: {count} answers." in everything


def test_network_question_names_the_clinic(chats: dict[str, Chat]) -> None:
    def network(chat: Chat) -> Reply:
        return next(r for r in chat.of("question") if r.context["question"] == "network")

    assert "Is Calm Mind Ketamine Clinic in your plan's network?" in text_of(
        network(chats["spravato"])
    )
    assert "Is the clinic in your plan's network?" in text_of(network(chats["iv"]))


# -- safety wording -----------------------------------------------------------------------------


@pytest.mark.parametrize("markup", MARKUPS)
def test_crisis_resources_and_disclaimer(chats: dict[str, Chat], markup: str) -> None:
    chat = chats["spravato"]
    welcome = next(r for r in chat.of("welcome") if not r.context.get("returning"))

    def shown(reply: Reply) -> str:
        return visible_or_text(RENDERER.render(reply, markup).text, markup)

    for reply in (welcome, chat.of("help")[0], chat.of("crisis")[0]):
        assert "988" in shown(reply), reply.template
        assert "Suicide & Crisis Lifeline" in shown(reply), reply.template
    card, full = chat.of("callscript_card")[0], chat.of("callscript")[0]
    for reply in (welcome, chat.of("estimate")[0], card, full):
        assert "not a guarantee" in shown(reply), reply.template


# -- languages ----------------------------------------------------------------------------------


def test_a_language_renders_its_own_templates_and_english_for_the_rest(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES_DIR, templates)
    (templates / "xx").mkdir()
    (templates / "xx" / "deleted.j2").write_text("Borrado.")
    translated = Renderer(templates_dir=templates, locale="xx")
    english = Renderer(templates_dir=templates)
    assert translated.render(Reply("deleted"), "html").text == "Borrado."
    assert english.render(Reply("deleted"), "html").text.startswith("Done: everything stored")
    # Not translated yet: the English template, with its buttons.
    welcome = Reply("welcome", buttons=(Button(Menu("begin"), "begin"),))
    assert translated.render(welcome, "html") == english.render(welcome, "html")
