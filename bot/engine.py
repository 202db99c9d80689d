"""The conversation engine: a pure function from (flow, case, event) to (case, replies).

It imports nothing from telegram, tinydb or jinja2: channels turn their input
into `Event`s and render the `Reply`s it returns; the store saves the `Case`.
Replies name a template and carry plain data; every word lives in templates/.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from bot import appealing, case_switching, caseload, clinic_editing, history_editing, reminding
from bot.call_logging import LoggingCall, log_call, show_calls
from bot.case import (
    ARCHIVED_KEPT,
    ASKING,
    CLINIC,
    DONE,
    EDITING,
    HISTORY,
    LOGGING,
    NEW,
    Case,
    Draft,
)
from bot.choosing import choose
from bot.clinic_editing import EnteringClinic
from bot.clinics import clinics_of
from bot.crisis import Crisis, detect
from bot.documents import DOCUMENTS, Sources, attach
from bot.events import (
    COMMANDS,
    MENU_ITEMS,
    Answer,
    Appeal,
    Back,
    BackFrom,
    Calls,
    CallScript,
    CancelReminder,
    CaseButton,
    Cases,
    ClinicButton,
    Clinics,
    Command,
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
    Remind,
    Reminders,
    Reset,
    Review,
    Start,
    Text,
    Unsupported,
    command,
    decode,
)
from bot.flow import OPENING, OTHER, SELF, UNKNOWN, YES_NO, Flow, Kind, Question
from bot.history import date_range, parse_month
from bot.languages import ENGLISH, LANGUAGES, SPANISH, from_telegram, known
from bot.modes import Mode
from bot.parsing import (
    MAX_INPUT_LENGTH,
    ParseError,
    is_unknown,
    normalize_text,
    parse_count,
    parse_date,
    parse_money,
    parse_percent,
    parse_text,
    parse_yes_no,
)
from bot.plausibility import doubt
from bot.questionnaire import Asking, Changing, Finished, NotBegun
from bot.replies import Button, Reply

__all__ = [  # what the channels and tests use, in one place
    "ASKING",
    "CLINIC",
    "COMMANDS",
    "DONE",
    "EDITING",
    "HISTORY",
    "LOGGING",
    "MENU_ITEMS",
    "NEW",
    "Answer",
    "Appeal",
    "Back",
    "BackFrom",
    "Button",
    "CallScript",
    "Calls",
    "CancelReminder",
    "Case",
    "CaseButton",
    "Cases",
    "ClinicButton",
    "Clinics",
    "Command",
    "Confirm",
    "Delete",
    "DeliverDue",
    "Draft",
    "Edit",
    "Estimate",
    "Event",
    "Export",
    "Help",
    "HistoryButton",
    "HistoryCommand",
    "Keep",
    "Language",
    "LanguageButton",
    "Letter",
    "LogCall",
    "Menu",
    "Older",
    "Outcome",
    "Press",
    "Remind",
    "Reminders",
    "Reply",
    "Reset",
    "Review",
    "Start",
    "Text",
    "Unsupported",
    "command",
    "decode",
    "handle",
]

MODES: dict[str, type[Mode]] = {
    NEW: NotBegun,
    ASKING: Asking,
    EDITING: Changing,
    DONE: Finished,
    LOGGING: LoggingCall,
    CLINIC: EnteringClinic,
    HISTORY: history_editing.EnteringHistory,
}
"""The mode of each `Case.mode`: the one place that looks at it."""


@dataclass(frozen=True)
class Outcome:
    """The case after an event, what to show, and whether the case must be saved."""

    case: Case
    replies: list[Reply]
    changed: bool
    erase: bool = False
    """Everything stored about the user is to be erased (they confirmed /delete)."""


# -- the engine ---------------------------------------------------------------------------------


def _said(event: Event) -> str:
    """The words the user wrote in an event, if any: typed text, a command's words, a caption."""
    match event:
        case Text(text) | Command(_, text) | Unsupported(_, text):
            return text
    return ""


def crisis_replies(event: Event) -> list[Reply]:
    """The crisis resources for the words of an event that needs them, shown on their own
    (when the case itself cannot be opened); none for other events."""
    crisis = detect(said) if (said := _said(event)) else None
    if crisis is None:
        return []
    return [Reply("crisis", {"language": crisis.language, "danger": crisis.danger})]


ChoiceWords = Callable[[str, str], Mapping[str, Sequence[str]]]
"""For a choice question's id and the user's language: what a user may type for each option
(its label, other words); without them only ids are understood."""


def handle(
    flow: Flow,
    case: Case,
    event: Event,
    now: datetime,
    words: ChoiceWords | None = None,
    language: str | None = None,
) -> Outcome:
    """Apply one event to a case; the input case is never modified. `language`: the one the
    user's app is set to (Telegram's `language_code`), read for a user who has no case yet."""
    turn = Turn(flow, Case.from_dict(case.to_dict()), now, words, before=case)
    if language and not case.answers and not case.others and case.language is None:
        turn.chosen_language = from_telegram(language)
    return turn.run(event)


def _ids_only(question_id: str, language: str) -> Mapping[str, Sequence[str]]:
    return {}


class Turn:
    """One event applied to a (private copy of a) case: what every mode shares.

    What depends on where the user is (walking the questions, logging a call, entering a
    clinic) is asked of `self.mode`.
    """

    def __init__(
        self,
        flow: Flow,
        case: Case,
        now: datetime,
        words: ChoiceWords | None = None,
        *,
        before: Case | None = None,
    ) -> None:
        self.flow = flow
        self.case = case
        self.words = words or _ids_only
        self.before = before
        """The case as the turn found it (never modified), to say what a change changed."""
        self.moment = now
        self.now = now.astimezone(UTC).isoformat(timespec="seconds")
        """When the event happened, in UTC, as everything saved is timed."""
        self.zone = now.tzinfo or UTC
        self.today = now.date()
        """The user's day: the date where `now` was given (the bot's time zone)."""
        self.changed = False
        self.erase = False
        self.replies: list[Reply] = []
        self.was_confirming: str | None = None
        self.acknowledged: dict[str, Any] | None = None
        """A typed answer saved this turn: the next question says so first."""
        self.chosen_language = case.language
        """The user's language as it is to be saved (None: never chosen, English)."""

    @property
    def mode(self) -> Mode:
        """The mode of the case as it is now (it changes as the turn moves the user)."""
        return MODES.get(self.case.mode, NotBegun)(self)

    def values(self) -> dict[str, Any]:
        return self.case.values()

    def run(self, event: Event) -> Outcome:
        # Before anything else, in every state: a message about suicide, self-harm or an
        # overdose gets the crisis resources, and nothing of it is stored or changed.
        crisis = detect(said) if (said := _said(event)) else None
        if crisis is not None:
            self.crisis(crisis)
            return Outcome(self.case, self.in_language(self.replies), changed=False)
        self.was_confirming = self.case.confirming
        if self.case.confirming and not isinstance(event, Confirm | DeliverDue):
            self.case.confirming = None  # anything the user does cancels the question
            self.case.held = None
            self.changed = True
        self.dispatch(event)
        # Worded for whom the case is about, unless a reply said (a reminder of another case).
        about = caseload.whom(self.case.answers) if not self.erase else None
        replies = [r if r.about else replace(r, about=about) for r in self.replies]
        # The language is the user's, whichever case they now work on.
        if self.case.language != self.chosen_language:
            self.case.language = self.chosen_language
            self.changed = True
        return Outcome(self.case, self.in_language(replies), self.changed, self.erase)

    @property
    def language(self) -> str:
        """The language the user is spoken to in ("en", "es")."""
        return known(self.chosen_language)

    def in_language(self, replies: list[Reply]) -> list[Reply]:
        return [replace(r, language=self.language) for r in replies]

    def choose_language(self, language: str | None = None) -> None:
        """/language: English or Spanish; with one chosen, it from now on, and the way back to
        where the user was (the welcome, for a user who has not begun)."""
        if language is None:
            buttons = [
                Button(LanguageButton(code), "language", {"code": code}) for code in LANGUAGES
            ]
            self.show("language", buttons=[*buttons, self.resume_button()])
            return
        self.chosen_language = language
        if not self.case.answers and self.case.mode == NEW:
            self.welcome()
            return
        self.show("language_set", buttons=[self.resume_button()])

    def dispatch(self, event: Event) -> None:
        match event:
            case Command(command, _):
                self.dispatch(command)
            case Start():
                self.welcome()
            case Help(unknown_command):
                self.show("help", unknown_command=unknown_command, buttons=[self.resume_button()])
            case Review():
                self.review()
            case Estimate():
                self.estimate()
            case CallScript():
                self.call_script()
            case Reset():
                self.ask_reset()
            case Export():
                self.export()
            case LogCall():
                log_call(self)
            case Calls():
                show_calls(self)
            case Cases():
                case_switching.show_cases(self)
            case Reminders():
                reminding.show(self)
            case Clinics():
                clinic_editing.show_clinics(self)
            case HistoryCommand():
                history_editing.show_history(self)
            case Appeal():
                appealing.show_appeal(self)
            case Language():
                self.choose_language()
            case DeliverDue():
                reminding.deliver_due(self)
            case Delete():
                case_switching.ask_erase(self)
            case Back():
                self.mode.back()
            case Text(text):
                self.text(text)
            case Unsupported(edited):
                self.show("unsupported", edited=edited)
                self.mode.resume()
            case _:
                self.press(event)

    # -- replies --

    def show(self, template: str, *, buttons=(), **context: Any) -> None:
        self.replies.append(Reply(template, context, tuple(buttons)))

    def closed(self) -> None:
        self.replies.append(Reply("closed", notice=True))

    def ask(self, question: Question, error: ParseError | None = None) -> None:
        """Show a question, with its buttons, where it is asked and any error in what was typed."""
        mode = self.mode
        saved = mode.saved(question)
        values = self.values()
        buttons = [Button(Answer(question.id, choice), "choice") for choice in question.choices]
        buttons += [
            Button(Answer(question.id, value), "suggestion", {"value": value})
            for value in (() if question.choices else question.suggest(values))
        ]
        if question.unknown_value is not None and question.unknown_value not in question.choices:
            buttons.append(Button(Answer(question.id, UNKNOWN), "unknown"))
        if saved is not None:
            buttons.append(Button(Keep(question.id), "keep"))
        buttons += mode.question_buttons(question)
        buttons += self.change_doubted(self.acknowledged)
        header = {"progress": None, "header": None}
        self.show(
            "question",
            buttons=buttons,
            question=question.id,
            kind=str(question.kind),
            **header | dict(mode.header(question)),
            saved=saved["value"] if saved else None,
            error=error and {"code": error.code, **error.details},
            acknowledged=self.acknowledged,
            answers=self.answers_with_drafts(),
        )
        self.acknowledged = None

    def change_doubted(self, saved: Mapping[str, Any] | None) -> list[Button]:
        """A button to change an answer just saved that looks unusual (bot/plausibility.py);
        going on confirms it."""
        if not saved or not saved["doubt"] or saved["question"] not in self.flow:
            return []
        return [Button(Edit(saved["question"]), "change", {"question": saved["question"]})]

    def answers_with_drafts(self) -> dict[str, Any]:
        """The answers, with what was said on the call, of the clinic or of the history entry
        being entered."""
        drafts = (self.case.call, self.case.clinic_draft, self.case.history_draft)
        return self.values() | {k: v for d in drafts if d for k, v in d.answers.items()}

    def resume_button(self) -> Button:
        return self.mode.resume_button()

    def summary(self) -> None:
        """The answers, then the estimate's headline and the phone card built from them."""
        values = self.values()
        rows = [(q.id, values.get(q.id)) for q in self.flow.applicable(values)]
        self.show(
            "summary",
            rows=rows,
            unknown=[
                q for q, value in rows if value is not None and self.flow.is_unknown(q, value)
            ],
            answers=values,
        )
        # The estimate's headline only: the full one (assumptions, paying help) is a tap away.
        buttons = [Button(Menu("estimate"), "estimate_full"), Button(Menu("table"), "table")]
        self.show("estimate", buttons=buttons, headline=True, **self.document("estimate"))
        self.call_script()

    def current_answers(self) -> dict[str, Any]:
        """The answers to the questions that apply (an answer left behind by a change is not)."""
        values = self.values()
        return {q.id: values[q.id] for q in self.flow.applicable(values) if q.id in values}

    def estimate(self) -> None:
        buttons = [Button(Menu("table"), "table"), Button(Menu("chart"), "chart")]
        if not self.mode.finished:
            buttons.append(self.resume_button())
        self.show("estimate", buttons=buttons, **self.document("estimate"))

    def changed_after_summary(self, question: Question) -> None:
        """One answer changed, nothing left to ask: what was saved and what it did to the
        estimate, in one short message; the full estimate, script and answers a tap away."""
        estimate = self.document("estimate")["estimate"]
        was = None
        if self.before is not None:
            earlier = Turn(self.flow, self.before, self.moment, self.words)
            was = earlier.document("estimate")["estimate"]
        self.set_position(DONE, None)
        saved = {"question": question.id, "doubt": doubt(question.id, self.values())}
        self.show(
            "answer_changed",
            buttons=[
                *self.change_doubted(saved),
                *(Button(Menu(m), m) for m in ("estimate", "callscript", "review")),
            ],
            question=question.id,
            value=self.values().get(question.id),
            doubt=saved["doubt"],
            answers=self.values(),
            estimate=estimate,
            was=was,
        )

    def estimate_table(self) -> None:
        self.show("estimate_table", **self.document("estimate"))

    def call_script(self) -> None:
        """The phone card: what to say first and the few questions that matter most."""
        self.show(
            "callscript_card",
            buttons=self.script_buttons("fullscript"),
            **self.document("callscript"),
        )

    def full_script(self) -> None:
        """The whole checklist, with why each question matters: background for the call."""
        self.show("callscript", buttons=self.script_buttons(), **self.document("callscript"))

    def script_buttons(self, *more: str) -> list[Button]:
        buttons = [Button(Menu(m), m) for m in (*more, "download", "logcall")]
        if self.mode.finished:
            buttons += [Button(Menu(m), m) for m in ("review", "reset")]
        else:
            buttons.append(self.resume_button())
        return buttons

    def document_sources(self) -> Sources:
        """What the estimate, the call script and the files are built from."""
        latest = self.case.authorizations[-1] if self.case.authorizations else None
        clinic = clinic_editing.chosen(self)
        history = history_editing.history_of(self)
        clinics = tuple(clinics_of(self.case.clinics))
        return Sources(
            self.current_answers(), clinic, self.now, latest, self.flow, history, clinics
        )

    def document(self, name: str) -> Mapping[str, Any]:
        """What a document shows, as a message shows it too (bot/documents.py)."""
        return DOCUMENTS[name].build(self.document_sources())

    def chart(self) -> None:
        """The cost chart, a picture with its caption in words (bot/chart.py)."""
        self.send_documents("chart_sent", "chart", **self.document("chart"))

    def clinic_chart(self) -> None:
        """The clinics compared, as a picture with its caption in words (bot/chart.py)."""
        if len(self.case.clinics) < 2:
            self.closed()
            return
        self.send_documents("clinic_chart_sent", "clinic_chart", **self.document("clinic_chart"))

    def download(self) -> None:
        self.send_documents("callscript_sent", "callscript")

    def send_documents(self, template: str, *documents: str, **context: Any) -> None:
        """A message with documents built from the case attached."""
        attachments = attach(self.document_sources(), *documents)
        self.replies.append(Reply(template, context, attachments=attachments))

    def begin(self, whom: str) -> None:
        """The welcome's buttons: the questions begun for the user or for someone they help
        (the first question, whom the case is for, answered by the button pressed)."""
        if OPENING in self.flow and OPENING not in self.case.answers:
            self.record(self.flow[OPENING], whom)
        self.mode.carry_on()

    def welcome(self) -> None:
        if not self.case.answers:
            begin = [Button(Menu("begin"), "begin"), Button(Menu("begin_other"), "begin_other")]
            # A Spanish speaker whose phone is in English finds Spanish on the first screen.
            other = SPANISH if self.language == ENGLISH else ENGLISH
            switch = Button(LanguageButton(other), "language", {"code": other})
            self.show("welcome", buttons=[*begin, switch])
            return
        mode = self.mode
        self.show(
            "welcome",
            buttons=[
                mode.resume_button(),
                Button(Menu("review"), "review"),
                Button(Menu("reset"), "reset"),
            ],
            returning=True,
            progress=mode.progress(),
            logging=mode.aside == "call",
        )

    def review(self) -> None:
        values = self.values()
        applicable = self.flow.applicable(values) if values else []
        self.show(
            "answers",
            buttons=[
                *(Button(Edit(q.id), "edit", {"question": q.id}) for q in applicable),
                self.resume_button(),
            ],
            rows=[(q.id, values.get(q.id)) for q in applicable],
            answers=values,
            history=history_editing.history_of(self),
            today=self.today,
            **self.sources(),
        )

    def sources(self) -> dict[str, Any]:
        """When each answer was given, and the calls it may have come from."""
        return {"given": self.case.answers, "calls": {c["id"]: c for c in self.case.calls}}

    # -- where the user is --

    def set_position(self, mode: str, cursor: str | None) -> None:
        if (self.case.mode, self.case.cursor) != (mode, cursor):
            self.case.mode, self.case.cursor = mode, cursor
            self.changed = True

    def finish(self) -> None:
        """Nothing is left to ask: the summary."""
        self.set_position(DONE, None)
        self.summary()

    def settle(self) -> None:
        """A case just switched to: finished if nothing is left to ask (a case kept from
        before a question was added may have one)."""
        if self.case.mode == ASKING and self.flow.first_unanswered(self.values()) is None:
            self.set_position(DONE, None)

    def leave_form(self) -> None:
        """Back from a form to the questions: the summary if nothing is left to ask."""
        if self.flow.first_unanswered(self.values()) is None:
            self.set_position(DONE, None)
        else:
            self.set_position(ASKING if self.case.answers else NEW, self.case.cursor)

    # -- input --

    def crisis(self, crisis: Crisis) -> None:
        """Crisis resources first, in the message's language; then a gentle way back."""
        way_back = self.resume_button()
        self.show(
            "crisis",
            buttons=[Button(way_back.press, "crisis_continue", {"language": crisis.language})],
            language=crisis.language,
            danger=crisis.danger,
        )

    def text(self, text: str) -> None:
        mode = self.mode
        question = mode.question()
        if question is None:
            mode.idle()
        elif (earlier := self.sent_again(question, text)) is not None:
            self.hold(question, earlier, text)
        else:
            self.answer(question, text, typed=True)

    def sent_again(self, question: Question, text: str) -> Question | None:
        """The question just answered, if `text` looks like that answer sent again (its reply
        lost, say) rather than an answer to `question`: typed within a few minutes, the same
        figure. Asked only once: typed again after the question, it is taken."""
        if self.case.mode != ASKING or self.was_confirming == RESENT or not self.case.log:
            return None
        if self.case.held == {"question": question.id, "text": None}:
            return None  # asked already: what is typed now is meant for this question
        last = self.case.log[-1]
        earlier = self.flow.get(last.get("question", ""))
        if earlier is None or earlier.id == question.id or earlier.kind not in FIGURES:
            return None
        if question.kind not in FIGURES or last.get("value") in (None, UNKNOWN, 0, "0.00", "0"):
            return None  # nothing, twice in a row, is common and harmless
        when = datetime.fromisoformat(last["at"])
        if datetime.fromisoformat(self.now) - when > RESENT_WINDOW:
            return None
        try:
            same = self.parse(earlier, text, typed=True) == last["value"]
            self.parse(question, text, typed=True)  # and it would do for this question too
        except (ParseError, _NotOffered):
            return None
        return earlier if same else None

    def hold(self, question: Question, earlier: Question, text: str) -> None:
        """Ask which question the text was for before saving it."""
        self.case.held = {"question": question.id, "text": text}
        names = {"question": question.id, "earlier": earlier.id}
        self.ask_to_confirm(
            RESENT, labels=names, value=self.values()[earlier.id], answers=self.values(), **names
        )

    def confirm_resent(self, confirmed: bool) -> None:
        held, self.case.held = self.case.held, None
        self.case.confirming = None
        self.changed = True
        question = self.mode.question()
        if held is None or question is None or question.id != held["question"]:
            self.closed()
            return
        if confirmed:
            self.answer(question, held["text"], typed=True)
            return
        self.case.held = {"question": question.id, "text": None}  # not asked again
        self.show("resent_kept", question=question.id)
        self.mode.resume()

    def press(self, press: Press) -> None:
        action = self.mode.actions().get(press)
        if action is not None:
            action()
            return
        match press:
            case Menu(item) if item in MENU:
                MENU[item](self)
            case Confirm(what, answer) if what == self.case.confirming:
                self.confirm(what, answer)
            case Remind(kind, day):
                reminding.set_reminder(self, kind, day)
            case CancelReminder(number):
                reminding.cancel(self, number)
            case ClinicButton():
                clinic_editing.press(self, press)
            case HistoryButton():
                history_editing.press(self, press)
            case CaseButton():
                case_switching.press(self, press)
            case Letter(kind):
                appealing.send_letter(self, kind)
            case LanguageButton(language):
                self.choose_language(language)
            case Older(listing) if press.offset is not None:
                (show_calls if listing == "calls" else case_switching.show_cases)(
                    self, press.offset
                )
            case Edit(question_id) if question_id in self.flow:
                self.edit(self.flow[question_id])
            case Answer(question_id, value) if self.is_current(question_id):
                self.answer(self.mode.question(), value, typed=False)
            case Keep(question_id) if self.is_current(question_id):
                self.keep(self.mode.question())
            case BackFrom(question_id) if self.is_current(question_id):
                self.mode.back()
            case _:
                self.closed()

    def is_current(self, question_id: str) -> bool:
        current = self.mode.question()
        return current is not None and current.id == question_id

    def keep(self, question: Question) -> None:
        saved = self.mode.saved(question)
        if saved is None:
            self.closed()
            return
        self.mode.store(question, saved["value"])
        self.mode.advance(question.id)

    def summary_if_done(self) -> None:
        if self.flow.first_unanswered(self.values()) is None:
            self.finish()
        else:
            self.mode.carry_on()

    def edit(self, question: Question) -> None:
        if not question.applies(self.values()):
            self.closed()
            return
        self.mode.edit(question)

    def answer(self, question: Question, raw: str, *, typed: bool) -> None:
        """Validate and save an answer, then move on; on bad input, explain and ask again."""
        try:
            value = self.parse(question, raw, typed=typed)
        except ParseError as error:
            if not typed:
                self.closed()  # forged or outdated button data: nothing we offered
                return
            self.ask(question, error)
            return
        except _NotOffered:
            self.closed()
            return
        mode = self.mode
        mode.store(question, value)
        if self.case.held is not None:
            self.case.held = None
            self.changed = True
        if typed:
            self.acknowledged = {
                "question": question.id,
                # as saved, which may differ from the value read ("zoloft": sertraline)
                "value": self.answers_with_drafts().get(question.id, value),
                "doubt": doubt(question.id, self.values()),
            }
        else:
            context = {
                "question": question.id,
                "value": value,
                "answers": self.answers_with_drafts(),
            }
            self.replies.append(Reply("answered", context, replaces_pressed=True))
        mode.advance(question.id)

    def parse(self, question: Question, raw: str, *, typed: bool) -> Any:
        """The value to store for `raw`, or ParseError."""
        if question.unknown_value is not None and (
            is_unknown(raw) if typed else raw == UNKNOWN == question.unknown_value
        ):
            return question.unknown_value
        if question.kind == Kind.CHOICE:
            if not typed:
                if raw not in question.choices:
                    raise _NotOffered
                return raw
            return self.match_choice(question, raw)
        if not typed and raw not in question.suggest(self.values()):
            raise _NotOffered
        if question.kind == Kind.DATE:
            return self.parse_date(question, raw)
        value = _parse_typed(question, raw)
        self.check_limit(question, value)
        return str(value) if isinstance(value, Decimal) else value

    def match_choice(self, question: Question, raw: str) -> str:
        """The option a typed answer names (yes/no in plain words, an id, a label, a near
        miss); ParseError if none, or if it could be several (the bot asks which)."""
        text = normalize_text(raw).lower()
        if text in question.choices:
            return text
        if question.choices == YES_NO and (yes_no := parse_yes_no(text)) is not None:
            return yes_no
        words = self.words(question.id, self.language)
        options = {c: words.get(c, [c]) for c in question.choices}
        chosen = choose(text, options)
        if chosen.choice is not None:
            return chosen.choice
        if chosen.close:
            raise ParseError("which_one", choices=list(chosen.close))
        raise ParseError("pick_a_button")

    def parse_date(self, question: Question, raw: str) -> str:
        """An ISO date ("YYYY-MM" too where a month will do); not after today unless the
        question allows it, not (certainly) before its pair."""
        value = self.parse_month(raw) if question.months else None
        if value is not None and len(value) > len("YYYY-MM") and self.language == SPANISH:
            value = None  # "5/6/2025" is a day: read in the Spanish order below
        if value is None:
            value = parse_date(
                raw,
                today=self.today,
                past=not question.future,
                day_first=self.language == SPANISH,
            ).isoformat()
        earliest = self.answers_with_drafts().get(question.not_before or "")
        if earliest not in (None, UNKNOWN) and date_range(value)[1] < date_range(earliest)[0]:
            raise ParseError("before", other=question.not_before, date=earliest)
        return value

    def parse_month(self, raw: str) -> str | None:
        """A month and year ("03/2025", "March 2025") as "YYYY-MM", a day as "YYYY-MM-DD";
        None for anything else (read as a date then); ParseError for one after today."""
        try:
            value = parse_month(normalize_text(raw)[:MAX_INPUT_LENGTH])
        except ValueError:
            return None
        if date_range(value)[0] > self.today:
            raise ParseError("in_the_future")
        return value

    def check_limit(self, question: Question, value: Any) -> None:
        limit = self.values().get(question.at_most) if question.at_most else None
        if limit not in (None, UNKNOWN) and value > Decimal(limit):
            raise ParseError("more_than", other=question.at_most, limit=Decimal(limit))

    def record(self, question: Question, value: Any) -> None:
        """Save an answer, and clear answers it makes impossible (a met amount above a limit)."""
        previous = self.case.answers.get(question.id)
        if previous is not None and previous["value"] == value:
            return
        entry: dict[str, Any] = {"value": value, "at": self.now}
        call = self.case.call
        if call is not None:
            entry["source"] = {"call": call.id}
            if question.id not in call.changed:
                call.changed.append(question.id)
        self.case.answers[question.id] = entry
        self.case.record_change({"question": question.id, **entry})
        self.changed = True
        for other in self.flow.questions:
            saved = self.case.answers.get(other.id)
            if other.at_most != question.id or saved is None or saved["value"] == UNKNOWN:
                continue
            if value != UNKNOWN and Decimal(saved["value"]) > Decimal(value):
                del self.case.answers[other.id]
                self.case.record_change({"question": other.id, "cleared": True, "at": self.now})

    # -- starting over --

    def ask_reset(self) -> None:
        if not self.case.answers:
            self.welcome()
            return
        oldest = caseload.oldest_dropped(self.case)
        self.ask_to_confirm(
            "reset",
            kept=ARCHIVED_KEPT,
            oldest=oldest and caseload.summary(oldest, current=False),
            case=case_switching.current(self),
            reminders=len(reminding.pending(self)),
        )

    def ask_to_confirm(
        self,
        what: str,
        name: str | None = None,
        *,
        labels: Mapping[str, Any] | None = None,
        between: Sequence[Button] = (),
        **context: Any,
    ) -> None:
        """Ask yes or no before doing `what`, with the messages and labels named `name` (the
        labels given `labels`); `between`: other answers, shown between yes and no."""
        name = name or what
        self.case.confirming = what
        self.changed = True
        self.show(
            f"{name}_confirm",
            buttons=[
                Button(Confirm(what, "yes"), f"{name}_yes", labels or {}),
                *between,
                Button(Confirm(what, "no"), f"{name}_no", labels or {}),
            ],
            **context,
        )

    def confirm(self, what: str, answer: str) -> None:
        confirmed = answer == "yes"
        if answer == "one" and what != "delete":
            self.closed()
        elif what == RESENT:
            self.confirm_resent(confirmed)
        elif what.startswith(clinic_editing.REMOVING):
            clinic_editing.confirm_remove(self, what, confirmed)
        elif what.startswith(history_editing.REMOVING):
            history_editing.confirm_remove(self, what, confirmed)
        elif what == case_switching.DELETING:
            case_switching.confirm_delete(self, confirmed)
        elif what == "delete":
            self.confirm_delete(answer)
        else:
            self.confirm_reset(confirmed)

    def confirm_reset(self, confirmed: bool) -> None:
        self.case.confirming = None
        self.changed = True
        if not confirmed:
            self.show("reset_cancelled")
            if self.mode.finished:
                self.summary()
            else:
                self.mode.resume()
            return
        self.case = caseload.start_over(self.case, self.now)
        self.show("reset_done", case=case_switching.current(self))
        self.mode.carry_on()

    # -- their data --

    def export(self) -> None:
        """Everything stored, as a JSON file, with the call script and estimate to print."""
        compared = ("clinic_chart",) if len(self.case.clinics) > 1 else ()
        self.send_documents("export_sent", "export", "callscript", "estimate", "chart", *compared)

    def confirm_delete(self, answer: str) -> None:
        self.case.confirming = None
        self.changed = True
        if answer == "one" and self.case.others:
            case_switching.delete(self)
        elif answer == "one":
            self.closed()
        elif answer == "yes":
            self.erase = True
            self.case = Case()
            self.show("deleted")
        else:
            self.show("delete_cancelled")


RESENT = "resent"
"""What is confirmed when a typed answer looks like the previous one sent again."""
RESENT_WINDOW = timedelta(minutes=10)
FIGURES = (Kind.MONEY, Kind.PERCENT, Kind.COUNT)
"""Answers typed as figures: the same figure for two questions in a row is worth a question."""

MENU: dict[str, Callable[[Turn], None]] = {
    "begin": lambda turn: turn.begin(SELF),
    "begin_other": lambda turn: turn.begin(OTHER),
    "continue": lambda turn: turn.mode.carry_on(),
    "summary": Turn.summary_if_done,
    "review": Turn.review,
    "reset": Turn.ask_reset,
    "estimate": Turn.estimate,
    "table": Turn.estimate_table,
    "chart": Turn.chart,
    "clinic_chart": Turn.clinic_chart,
    "callscript": Turn.call_script,
    "fullscript": Turn.full_script,
    "download": Turn.download,
    "logcall": log_call,
    "calls": show_calls,
    "history": history_editing.show_history,
    "readiness": appealing.show_readiness,
    "appeal": appealing.show_appeal,
    "cases": case_switching.show_cases,
}
"""What each menu button does (a mode's own buttons are its `actions`)."""


class _NotOffered(Exception):
    """A button value the bot never offered for this question."""


def _parse_typed(question: Question, raw: str) -> Decimal | int | str:
    """Parse a typed value according to the question's kind."""
    if question.kind == Kind.MONEY:
        if question.maximum is None:
            return parse_money(raw)
        return parse_money(raw, maximum=Decimal(question.maximum))
    if question.kind == Kind.PERCENT:
        return parse_percent(raw)
    if question.kind == Kind.COUNT:
        return parse_count(raw, minimum=question.minimum, maximum=question.maximum or 100)
    return parse_text(raw, max_length=question.maximum or 100)
