"""The questions of the conversation, declared as data.

Adding a question means adding a `Question` here and one template in
`templates/questions/`; the engine and the channels need no change.
Stored values are short, stable ids (choices), decimal strings (money and
percents), integers (counts) or text; `UNKNOWN` is a first-class answer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

UNKNOWN = "unknown"
"""What "I don't know (yet)" is stored as, for every question but the treatment's."""

SPRAVATO, IV_KETAMINE, IM_KETAMINE = "spravato", "iv_ketamine", "im_ketamine"
TREATMENTS = (SPRAVATO, IV_KETAMINE, IM_KETAMINE)
UNSURE = "unsure"
"""The treatment's "not sure yet"."""
SELF, OTHER = "self", "other"
"""Whom a case is about (`for_whom`): the user ("you"), or someone they help ("they")."""
OPENING = "for_whom"
"""The question the welcome's buttons answer ("Let's begin", "Begin for someone I help")."""
MEDICARE, MEDICAID, HDHP = "medicare", "medicaid", "hdhp"
GOVERNMENT_PLANS = (MEDICARE, MEDICAID)
PLAN_TYPES = ("hmo", "ppo", "epo", "pos", HDHP, MEDICARE, MEDICAID, "other")

Answers = Mapping[str, object]
"""Question id -> stored value, for the questions answered so far."""


class Kind(StrEnum):
    """How an answer is given and stored."""

    CHOICE = "choice"
    MONEY = "money"
    PERCENT = "percent"
    COUNT = "count"
    TEXT = "text"
    DATE = "date"


@dataclass(frozen=True)
class When:
    """Ask a question only if another answer is (or is not) one of some values."""

    question: str
    values: tuple[str, ...]
    negate: bool = False

    def holds(self, answers: Answers) -> bool:
        """Whether the condition is true for these answers."""
        if self.question not in answers:
            return False
        return (str(answers[self.question]) in self.values) != self.negate

    def may_hold(self, answers: Answers) -> bool:
        """Whether it is true, or may be once the question it looks at is answered."""
        return self.question not in answers or self.holds(answers)

    def questions(self) -> tuple[str, ...]:
        return (self.question,)


@dataclass(frozen=True)
class Combined:
    """Every one (`every`) or at least one of some conditions."""

    parts: tuple[Condition, ...]
    every: bool
    name: str = ""
    """How the diagram labels it (else by its parts)."""

    def holds(self, answers: Answers) -> bool:
        join = all if self.every else any
        return join(part.holds(answers) for part in self.parts)

    def may_hold(self, answers: Answers) -> bool:
        join = all if self.every else any
        return join(part.may_hold(answers) for part in self.parts)

    def questions(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(q for part in self.parts for q in part.questions()))


Condition = When | Combined


def all_of(*parts: Condition, name: str = "") -> Combined:
    """Ask only when every one of `parts` holds."""
    return Combined(parts, every=True, name=name)


def any_of(*parts: Condition, name: str = "") -> Combined:
    """Ask only when at least one of `parts` holds."""
    return Combined(parts, every=False, name=name)


def only(question: str, *values: str) -> When:
    """Ask only when `question` was answered with one of `values`."""
    return When(question, values)


def unless(question: str, *values: str) -> When:
    """Ask only when `question` was answered with none of `values`."""
    return When(question, values, negate=True)


@dataclass(frozen=True)
class Question:
    """One question: what kind of answer it takes and when it applies."""

    id: str
    kind: Kind
    choices: tuple[str, ...] = ()
    when: Condition | None = None
    unknown_value: str | None = UNKNOWN
    """Stored when the user does not know yet; None if not knowing is not an answer."""
    minimum: int = 0
    maximum: int | None = None
    """Largest count or amount accepted; None keeps the parser's default."""
    at_most: str | None = None
    """Id of a money answer this one may not exceed (what is met of a deductible)."""
    not_before: str | None = None
    """Id of a date answer this one may not precede (the end of an approved period)."""
    future: bool = False
    """Whether a date may be after today (an approval's end) or not (a call, a letter)."""
    months: bool = False
    """Whether a date may be a month and year alone ("March 2025": a medicine's start)."""
    suggest: Callable[[Answers], tuple[str, ...]] = field(default=lambda answers: ())
    """Typical values offered as buttons for typed questions."""

    def applies(self, answers: Answers) -> bool:
        """Whether this question is asked, given the answers so far."""
        return self.when is None or self.when.holds(answers)

    def may_apply(self, answers: Answers) -> bool:
        """Whether this question applies or may still, once what it depends on is answered."""
        return self.when is None or self.when.may_hold(answers)


YES_NO = ("yes", "no")


def _sessions_suggestion(answers: Answers) -> tuple[str, ...]:
    # Spravato's first month is 8 sessions (twice weekly); an IV series is about 6.
    if answers.get("treatment") == SPRAVATO:
        return ("8",)
    if answers.get("treatment") in (IV_KETAMINE, IM_KETAMINE):
        return ("6",)
    return ("6", "8")


ORIGINAL_MEDICARE = all_of(
    only("plan_type", MEDICARE), only("medicare_kind", "original"), name="Original Medicare"
)
"""Original Medicare: Part B's own deductible and 20%, no networks, no yearly limit."""
NOT_ORIGINAL_MEDICARE = any_of(
    unless("plan_type", MEDICARE), unless("medicare_kind", "original"), name="not Original Medicare"
)
PLAN_DEDUCTIBLE = all_of(
    NOT_ORIGINAL_MEDICARE, unless("plan_type", MEDICAID), name="the plan's own deductible"
)
"""The plan sets its own deductible and out-of-pocket maximum (not Original Medicare, whose
figures are the law's, nor Medicaid, which has neither)."""

# A question's condition names what it needs of every answer it depends on, so that an answer
# left behind by a change (a copay, before the plan turned out to be Original Medicare) never
# makes it apply.
OUT_OF_NETWORK = all_of(NOT_ORIGINAL_MEDICARE, only("network", "out"), name="network = out")
OWN_OUT_OF_NETWORK = all_of(
    PLAN_DEDUCTIBLE, only("network", "out"), name="network = out, the plan's own figures"
)
"""Out of network on a plan with its own deductible: its out-of-network figures are asked."""
PHARMACY = all_of(
    only("treatment", SPRAVATO),
    only("benefit", "pharmacy"),
    NOT_ORIGINAL_MEDICARE,
    name="Spravato under the pharmacy benefit",
)
"""Spravato under the pharmacy benefit: the drug has its own price and cost share."""
CARVED_OUT = only("bh_carveout", "yes")
COINSURANCE = only("cost_sharing", "coinsurance")
COPAY = only("cost_sharing", "copay")

FLOW: tuple[Question, ...] = (
    Question(OPENING, Kind.CHOICE, (SELF, OTHER), unknown_value=None),
    Question("patient_name", Kind.TEXT, when=only("for_whom", OTHER), maximum=40),
    Question("treatment", Kind.CHOICE, (*TREATMENTS, UNSURE), unknown_value=UNSURE),
    Question("insurer", Kind.TEXT),
    Question("plan_type", Kind.CHOICE, PLAN_TYPES),
    Question(
        "medicare_kind", Kind.CHOICE, ("original", "advantage"), when=only("plan_type", MEDICARE)
    ),
    Question("medigap", Kind.CHOICE, YES_NO, when=ORIGINAL_MEDICARE),
    Question(
        "coverage_tier",
        Kind.CHOICE,
        ("self", "family"),
        when=unless("plan_type", *GOVERNMENT_PLANS),
    ),
    Question("bh_carveout", Kind.CHOICE, YES_NO, when=NOT_ORIGINAL_MEDICARE),
    Question(
        "bh_company", Kind.TEXT, when=all_of(NOT_ORIGINAL_MEDICARE, only("bh_carveout", "yes"))
    ),
    Question("coverage", Kind.CHOICE, YES_NO),
    Question("benefit", Kind.CHOICE, ("medical", "pharmacy"), when=only("treatment", SPRAVATO)),
    # Told it is not covered: an authorization or a referral matters only once coverage is won.
    Question("preauth", Kind.CHOICE, YES_NO, when=unless("coverage", "no")),
    Question("referral", Kind.CHOICE, YES_NO, when=unless("coverage", "no")),
    Question("trials", Kind.COUNT, maximum=30, suggest=lambda answers: ("1", "2", "3", "4")),
    Question("clinic", Kind.TEXT),
    Question("network", Kind.CHOICE, ("in", "out"), when=NOT_ORIGINAL_MEDICARE),
    Question("network_options", Kind.CHOICE, YES_NO, when=OUT_OF_NETWORK),
    Question("deductible", Kind.MONEY, when=PLAN_DEDUCTIBLE),
    Question(
        "deductible_met",
        Kind.MONEY,
        when=any_of(ORIGINAL_MEDICARE, all_of(PLAN_DEDUCTIBLE, unless("deductible", "0.00"))),
        at_most="deductible",
    ),
    Question("cost_sharing", Kind.CHOICE, ("coinsurance", "copay"), when=NOT_ORIGINAL_MEDICARE),
    Question("coinsurance_pct", Kind.PERCENT, when=all_of(NOT_ORIGINAL_MEDICARE, COINSURANCE)),
    Question("copay", Kind.MONEY, when=all_of(NOT_ORIGINAL_MEDICARE, COPAY)),
    Question(
        "copay_deductible",
        Kind.CHOICE,
        ("first", "waived"),
        when=all_of(NOT_ORIGINAL_MEDICARE, COPAY, unless("plan_type", HDHP, MEDICAID)),
    ),
    Question("oop_max", Kind.MONEY, when=PLAN_DEDUCTIBLE),
    Question(
        "oop_met",
        Kind.MONEY,
        when=all_of(PLAN_DEDUCTIBLE, unless("oop_max", "0.00")),
        at_most="oop_max",
    ),
    Question("oon_deductible", Kind.MONEY, when=OWN_OUT_OF_NETWORK),
    Question(
        "oon_deductible_met",
        Kind.MONEY,
        when=all_of(OWN_OUT_OF_NETWORK, unless("oon_deductible", "0.00")),
        at_most="oon_deductible",
    ),
    Question("oon_coinsurance_pct", Kind.PERCENT, when=OWN_OUT_OF_NETWORK),
    Question("oon_oop_max", Kind.MONEY, when=OWN_OUT_OF_NETWORK),
    Question(
        "oon_oop_met",
        Kind.MONEY,
        when=all_of(OWN_OUT_OF_NETWORK, unless("oon_oop_max", "0.00")),
        at_most="oon_oop_max",
    ),
    Question("price_per_session", Kind.MONEY, maximum=10_000),
    Question("drug_price_per_session", Kind.MONEY, when=PHARMACY, maximum=10_000),
    Question("drug_cost_sharing", Kind.CHOICE, ("copay", "coinsurance"), when=PHARMACY),
    Question("drug_copay", Kind.MONEY, when=all_of(PHARMACY, only("drug_cost_sharing", "copay"))),
    Question(
        "drug_coinsurance_pct",
        Kind.PERCENT,
        when=all_of(PHARMACY, only("drug_cost_sharing", "coinsurance")),
    ),
    Question(
        "allowed_per_session",
        Kind.MONEY,
        when=OUT_OF_NETWORK,
        maximum=10_000,
        at_most="price_per_session",
    ),
    Question("sessions", Kind.COUNT, minimum=1, maximum=60, suggest=_sessions_suggestion),
)


@dataclass(frozen=True)
class Flow:
    """An ordered set of questions with lookup by id."""

    questions: tuple[Question, ...] = FLOW

    def __post_init__(self) -> None:
        ids = [q.id for q in self.questions]
        if len(set(ids)) != len(ids):
            raise ValueError("question ids must be unique")
        for question in self.questions:
            earlier = ids[: ids.index(question.id)]
            if question.when and not set(question.when.questions()) <= set(earlier):
                raise ValueError(f"{question.id} depends on a later or missing question")

    def __getitem__(self, question_id: str) -> Question:
        for question in self.questions:
            if question.id == question_id:
                return question
        raise KeyError(question_id)

    def get(self, question_id: str | None) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)

    def is_unknown(self, question_id: str, value: object) -> bool:
        """Whether `value` (None: not answered) leaves the question unknown."""
        question = self.get(question_id)
        unknown = question.unknown_value if question else None
        return value is None or value == UNKNOWN or (unknown is not None and value == unknown)

    def __contains__(self, question_id: object) -> bool:
        return any(q.id == question_id for q in self.questions)

    def applicable(self, answers: Answers) -> list[Question]:
        """The questions asked for these answers, in order."""
        return [q for q in self.questions if q.applies(answers)]

    def counted(self, answers: Answers) -> list[str]:
        """The ids of the questions that may still apply, as the user sees them numbered
        ("Question n of total"): whom the case is for is not among them, the welcome's
        buttons answer it."""
        return [q.id for q in self.questions if q.id != OPENING and q.may_apply(answers)]

    # -- the walker: every form moves through its questions with these --

    def after(
        self,
        answers: Answers,
        question_id: str | None = None,
        *,
        skip: Callable[[Question], bool] | None = None,
    ) -> Question | None:
        """The first question that applies after `question_id` in flow order (from the start
        when it is None or not in this flow), leaving out those `skip` names."""
        start = self._position(question_id) + 1 if question_id in self else 0
        return next(
            (q for q in self.questions[start:] if q.applies(answers) and not (skip and skip(q))),
            None,
        )

    def before(self, answers: Answers, question_id: str | None = None) -> Question | None:
        """The last question that applies before `question_id` (before the end for None)."""
        end = self._position(question_id) if question_id in self else len(self.questions)
        return next((q for q in reversed(self.questions[:end]) if q.applies(answers)), None)

    def first_unanswered(self, answers: Answers, after: str | None = None) -> Question | None:
        """The first unanswered question after `after`, else the first unanswered of all."""

        def answered(question: Question) -> bool:
            return question.id in answers

        return self.after(answers, after, skip=answered) or self.after(answers, skip=answered)

    def _position(self, question_id: str | None) -> int:
        return next(i for i, q in enumerate(self.questions) if q.id == question_id)
