"""The call-script checklist: what to have ready, ask and write down when calling the insurer.

A pure function of the saved answers (question id -> stored value; a missing
answer counts as unknown). It returns plain data that names WHAT to include by
stable ids; every word lives in templates/callscript_items.j2, which both the
chat version (templates/callscript.j2) and the printable one
(templates/callscript_document.j2) use.

Usage:
    script = build_call_script(case.values())
    Reply("callscript", {"script": script, "answers": case.values()})
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from bot import appeals, authorizations
from bot.answers import Said
from bot.flow import (
    GOVERNMENT_PLANS,
    HDHP,
    IM_KETAMINE,
    IV_KETAMINE,
    MEDICAID,
    MEDICARE,
    SPRAVATO,
    UNKNOWN,
    UNSURE,
    Answers,
    Flow,
)

REFERRAL_PLANS = ("hmo", "pos")
USUAL_MINIMUM_TRIALS = 2

# Statuses of a prior-authorization criterion; UNKNOWN is the fourth.
MET, NOT_MET, TO_CHECK = "met", "not_met", "to_check"

FLOW = Flow()

BEFORE = ("member_card", "phone", "clinic_ids", "prescriber")
WRITE_DOWN = (
    "date_time",
    "representative",
    "reference_number",
    "auth_number",
    "approved_units_dates",
)
IF_DENIED = {
    # By the plan's appeal rule (bot/appeals.py): parity law does not apply to Medicare, and
    # Medicare and Medicaid appeals go on to their own reviews rather than an external review.
    "commercial": ("denial_in_writing", "internal_appeal", "external_review", "parity_red_flags"),
    "medicare_advantage": ("denial_in_writing", "medicare_advantage_appeal"),
    "original_medicare": ("denial_in_writing", "original_medicare_appeal"),
    "medicare_unknown": (
        "denial_in_writing",
        "medicare_advantage_appeal",
        "original_medicare_appeal",
    ),
    "medicaid": ("denial_in_writing", "medicaid_appeal", "parity_red_flags"),
    "unknown": (
        "denial_in_writing",
        "appeal_deadline_unknown",
        "external_review",
        "parity_red_flags",
    ),
}
PREAUTH_ASK = ("who_submits", "documents_needed", "decision_time", "approval_scope", "auth_number")
PENDING_STEPS = ("pending_status", "pending_missing", "pending_urgent", "pending_notice")
"""What to follow up on while a prior authorization waits for a decision (said first)."""
APPROVED_ASK = ("approval_codes", "renewal")
"""What to ask about an approval; its scope and number too while they are not known."""
PREAUTH_DOCUMENTS = ("trial_history", "rating_scale", "psychiatrist_letter")
NOT_FOR_THE_INSURER = (
    "for_whom",
    "patient_name",
    "treatment",
    "insurer",
    "medicare_kind",
    "medigap",
    "coverage_tier",
    "trials",
    "clinic",
    "price_per_session",
    "sessions",
)
"""Answers the person knows, or gets from the clinic, rather than from the insurer."""
CARD_SIZE = 5
"""Questions on the phone card: the ones that matter most for these answers."""
ANY_QUESTION = "question"
"""The ask item for a question of the flow that no item of its own covers: asked in its words."""


@dataclass(frozen=True)
class Ask:
    """One thing to ask the insurer."""

    id: str
    questions: tuple[str, ...]
    """The flow questions its answer settles (those that apply or may still apply)."""
    unknown: bool
    """Whether what it settles, or an answer it depends on, is still unknown (or missing)."""
    because: tuple[str, ...] = ()
    """Ids of the sentences of "why it matters" that this case adds (worded in templates)."""


@dataclass(frozen=True)
class Criterion:
    """A usual prior-authorization criterion and how it stands by the answers."""

    id: str
    status: str
    """MET, NOT_MET or UNKNOWN from the answers; TO_CHECK when the bot does not ask about it."""


@dataclass(frozen=True)
class PriorAuth:
    """The prior-authorization section."""

    required: str
    """The preauth answer: "yes", "no" or "unknown"."""
    criteria: tuple[Criterion, ...]
    documents: tuple[str, ...]
    ask: tuple[str, ...]
    status: str | None = None
    """The latest authorization logged: "pending", "approved", "denied", or None."""


@dataclass(frozen=True)
class CallScript:
    """What the checklist for one call contains, by item id."""

    treatment: str
    """spravato, iv_ketamine, im_ketamine, or unsure (also when not answered)."""
    phone: str
    """"carveout": call the behavioral health company; "card": the number on the card."""
    not_covered: bool
    """The user was told it is not covered: the denial section comes first."""
    denied: bool
    """The latest prior authorization logged was denied: the denial section comes first."""
    first: str | None
    """The heading of the section shown first, if any: "authorization_denied",
    "authorization_pending" or "denied_first" (told it is not covered)."""
    first_steps: tuple[str, ...]
    """The steps of that section (for a denial, those of `if_denied`)."""
    rule: str
    """The plan's appeal rule (bot/appeals.py), which also sets its decision times."""
    authorization: Mapping[str, Any] | None
    """The prior authorization logged last (bot/authorizations.py), if any."""
    before: tuple[str, ...]
    notes: tuple[str, ...]
    ask: tuple[Ask, ...]
    """Unknown ones first, otherwise in the order of the flow."""
    preauth: PriorAuth
    write_down: tuple[str, ...]
    if_denied: tuple[str, ...]
    card: tuple[str, ...] = ()
    """The phone card's questions, most important first (worded in callscript_items.j2)."""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able copy; the templates accept it as well as the object."""
        return asdict(self)


class _Facts:
    """The answers, read the way the checklist needs them."""

    def __init__(self, answers: Answers, flow: Flow) -> None:
        self.answers = answers
        self.flow = flow
        self.said = Said(answers, flow)
        self.treatment = self.said.choice("treatment") or UNSURE
        self.spravato = self.treatment in (SPRAVATO, UNSURE)
        self.ketamine = self.treatment in (IV_KETAMINE, IM_KETAMINE, UNSURE)
        self.plan = answers.get("plan_type")
        self.original_medicare = (
            self.plan == MEDICARE and answers.get("medicare_kind") == "original"
        )
        """Original Medicare: the law's figures (no networks, no plan deductible or maximum)."""
        self.own_figures = not self.original_medicare and self.plan != MEDICAID
        """The plan sets its own deductible and out-of-pocket maximum."""
        self.pharmacy = (
            self.treatment == SPRAVATO
            and answers.get("benefit") == "pharmacy"
            and not self.original_medicare
        )
        """Spravato under the pharmacy benefit: the drug has its own price and cost share."""
        # Answers not settled yet do not rule out the questions that depend on them.
        self.settled = {k: v for k, v in answers.items() if self.said.known(k)}
        self.mentioned: set[str] = set(NOT_FOR_THE_INSURER)
        """The questions that ask items were made for (or that are not the insurer's to answer)."""

    def unknown(self, question: str) -> bool:
        return not self.said.known(question)

    def __getitem__(self, question: str) -> object:
        return self.answers.get(question, UNKNOWN)

    def trials(self) -> int | None:
        return self.said.count("trials")

    def ask(
        self,
        item: str,
        *settles: str,
        depends: tuple[str, ...] = (),
        because: tuple[str, ...] = (),
    ) -> Ask:
        """An ask item; unknown when what it settles or depends on is unknown."""
        self.mentioned.update(settles)
        questions = tuple(q for q in settles if self.flow[q].may_apply(self.settled))
        unknown = any(self.unknown(q) for q in (*questions, *depends))
        return Ask(item, questions, unknown, because)

    def parity(self, topic: str) -> tuple[str, ...]:
        """Why `topic` matters: under parity law, which does not apply to Medicare."""
        return (f"medicare_{topic}" if self.plan == MEDICARE else f"parity_{topic}",)

    def treatment_reasons(self, *, ketamine: str) -> tuple[str, ...]:
        """What matters about the treatment: Spravato's usual authorization, then `ketamine`."""
        spravato = ("spravato_with_authorization",) if self.spravato else ()
        return (*spravato, *((ketamine,) if self.treatment != SPRAVATO else ()))


def build_call_script(
    answers: Mapping[str, object],
    flow: Flow = FLOW,
    authorization: Mapping[str, object] | None = None,
) -> CallScript:
    """The checklist for a call to the insurer, tailored to these answers and to the latest
    prior authorization logged (a denial puts what to do about it first)."""
    facts = _Facts(answers, flow)
    status = authorizations.status(authorization)
    denied = status == authorizations.DENIED
    not_covered = facts["coverage"] == "no"
    rule = appeals.rule_for(answers).id
    if_denied = IF_DENIED[rule]
    if denied:  # the prescriber can ask the plan's reviewer to reconsider, often quickly
        if_denied = (if_denied[0], "peer_to_peer", *if_denied[1:])
    first, first_steps = None, ()
    if denied or (not_covered and status != authorizations.PENDING):
        first = "authorization_denied" if denied else "denied_first"
        first_steps = if_denied
    elif status == authorizations.PENDING:
        first, first_steps = "authorization_pending", PENDING_STEPS
    return CallScript(
        treatment=facts.treatment,
        phone="carveout" if facts["bh_carveout"] == "yes" else "card",
        not_covered=not_covered,
        denied=denied,
        first=first,
        first_steps=first_steps,
        rule=rule,
        authorization=dict(authorization) if status else None,
        before=_before(facts),
        notes=_notes(facts),
        ask=tuple(sorted(_asks(facts), key=lambda ask: not ask.unknown)),
        preauth=_prior_auth(facts, authorization),
        write_down=_write_down(authorization),
        if_denied=if_denied,
        card=_card(facts, denied_first=first in ("authorization_denied", "denied_first")),
    )


def _card(facts: _Facts, *, denied_first: bool) -> tuple[str, ...]:
    """The few questions to ask first on the phone, in the order these answers make right.

    Told it is not covered (or denied): the denial and the written policy come first, since
    what it costs is pointless until coverage is won. Otherwise what decides whether the plan
    pays at all (coverage, benefit, network by NPI, authorization), then what it costs; still
    unknown before known (a known answer is confirmed), each only where it applies.
    """
    out = facts["network"] == "out"
    original, own = facts.original_medicare, facts.own_figures
    if denied_first:
        wanted = [
            ("denial_reason", True),
            ("policy_in_writing", True),
            ("experimental", facts.ketamine),
            ("appeal_how", True),
            ("peer_to_peer", True),
            ("network_npi", not original),
        ]
    else:
        wanted = [
            ("coverage", True),
            ("benefit", facts.spravato and not original),
            ("network_npi", not original),
            ("preauth", facts["preauth"] != "no"),
            ("out_of_network_share", out),
            ("deductible", own or original),
            ("cost_share", True),
            ("out_of_pocket", own),
            (
                "referral",
                not original and (facts.plan in REFERRAL_PLANS or facts.unknown("referral")),
            ),
            ("network_gap", out),
            ("carveout", facts.unknown("bh_carveout") and not original),
        ]
    settles = {
        "coverage": ("coverage",),
        "benefit": ("benefit",),
        "network_npi": ("network",),
        "preauth": ("preauth",),
        "referral": ("referral",),
        "deductible": ("deductible", "deductible_met"),
        "cost_share": ("cost_sharing", "coinsurance_pct", "copay"),
        "out_of_pocket": ("oop_max", "oop_met"),
        "out_of_network_share": ("oon_deductible", "oon_coinsurance_pct", "oon_oop_max"),
        "network_gap": ("network_options",),
        "carveout": ("bh_carveout",),
    }

    def still_open(item: str) -> bool:
        """Whether an answer the item settles (of those that may apply) is still unknown."""
        asked = [q for q in settles.get(item, ()) if q in facts.flow]
        return any(facts.unknown(q) for q in asked if facts.flow[q].may_apply(facts.settled))

    items = [item for item, included in wanted if included]
    if not denied_first:  # what is still unknown first; the order of importance within each
        items.sort(key=lambda item: not still_open(item))
    return tuple(items[:CARD_SIZE])


def _before(facts: _Facts) -> tuple[str, ...]:
    spravato = "codes_spravato_medicare" if facts.plan == MEDICARE else "codes_spravato"
    codes = {SPRAVATO: (spravato,), IV_KETAMINE: ("codes_iv",), IM_KETAMINE: ("codes_im",)}
    treatment_codes = codes.get(facts.treatment, (spravato, "codes_iv", "codes_im"))
    return (*BEFORE, *treatment_codes, "diagnosis_codes")


def _notes(facts: _Facts) -> tuple[str, ...]:
    notes = ["written_confirmation"]
    trials = facts.trials()
    if trials is not None and trials < USUAL_MINIMUM_TRIALS:
        notes.append("trials_below_usual")
    if facts.spravato:
        notes.append("no_savings_program" if facts.plan in GOVERNMENT_PLANS else "savings_program")
    if facts.plan == MEDICARE:
        kind = facts.answers.get("medicare_kind")
        notes.append(f"medicare_{kind}" if kind in ("original", "advantage") else "medicare")
    if facts.original_medicare:
        notes += ["assignment", "abn"]
    if facts.plan == MEDICAID:
        notes.append("medicaid")
    return tuple(notes)


def _asks(facts: _Facts) -> list[Ask]:
    """Every ask item that applies, in the order of the flow."""
    out_of_network = facts["network"] == "out"
    original, own = facts.original_medicare, facts.own_figures
    wanted = [
        (facts.ask("plan", "plan_type"), True),
        (facts.ask("carveout", "bh_carveout"), facts.unknown("bh_carveout")),
        (
            facts.ask("bh_company", "bh_company"),
            facts["bh_carveout"] == "yes" and facts.unknown("bh_company"),
        ),
        (
            facts.ask(
                "coverage",
                "coverage",
                because=facts.treatment_reasons(ketamine="ketamine_often_excluded"),
            ),
            True,
        ),
        (facts.ask("exclusion_in_writing"), facts["coverage"] == "no"),
        (facts.ask("experimental", depends=("coverage",)), facts.ketamine),
        (
            facts.ask("medical_policy", depends=("coverage",), because=facts.parity("criteria")),
            True,
        ),
        (facts.ask("benefit", "benefit"), facts.spravato),
        (facts.ask("spravato_codes"), facts.spravato and not original),
        (
            facts.ask(
                "preauth",
                "preauth",
                because=facts.treatment_reasons(ketamine="ketamine_may_need_it"),
            ),
            facts.unknown("preauth"),
        ),
        (
            facts.ask(
                "referral",
                "referral",
                because=("referral_yours",) if facts.plan in REFERRAL_PLANS else ("referral",),
            ),
            facts.plan in REFERRAL_PLANS or facts["referral"] != "no",
        ),
        (facts.ask("criteria", depends=("trials",)), facts.unknown("trials")),
        (facts.ask("network", "network"), facts.unknown("network") and not original),
        (
            facts.ask(
                "in_network_options",
                "network_options",
                because=("rems_setting",) if facts.spravato else (),
            ),
            (out_of_network or facts.spravato) and not original,
        ),
        (
            facts.ask("network_gap", depends=("network_options",), because=facts.parity("gap")),
            out_of_network,
        ),
        (facts.ask("part_b_deductible", "deductible_met"), original),
        (facts.ask("deductible", "deductible", "deductible_met"), own),
        (facts.ask("cost_share", "cost_sharing", "coinsurance_pct", "copay"), not original),
        (
            facts.ask("copay_before_deductible", "copay_deductible", depends=("cost_sharing",)),
            own and facts["cost_sharing"] in ("copay", UNKNOWN) and facts.plan != HDHP,
        ),
        (facts.ask("out_of_pocket", "oop_max", "oop_met"), own),
        (
            facts.ask(
                "out_of_network_share",
                "oon_deductible",
                "oon_deductible_met",
                "oon_coinsurance_pct",
                "oon_oop_max",
                "oon_oop_met",
            ),
            out_of_network,
        ),
        (
            facts.ask(
                "drug_cost_share",
                "drug_cost_sharing",
                "drug_copay",
                "drug_coinsurance_pct",
                "drug_price_per_session",
            ),
            facts.pharmacy,
        ),
        (facts.ask("visit_limits", because=facts.parity("visits")), True),
        (facts.ask("allowed_amounts", "allowed_per_session"), out_of_network),
        (facts.ask("superbill"), out_of_network),
        (facts.ask("timely_filing"), out_of_network),
        (facts.ask("mailing_address"), out_of_network),
    ]
    asks = [ask for ask, included in wanted if included]
    # A question with no item of its own is still asked while its answer is unknown, in its
    # place in the flow (an item that settles no question stays after the one before it).
    others = [
        facts.ask(ANY_QUESTION, q.id)
        for q in facts.flow.questions
        if q.id not in facts.mentioned and q.applies(facts.answers) and facts.unknown(q.id)
    ]
    if not others:
        return asks
    order = [q.id for q in facts.flow.questions]
    keys, key = [], -1
    for ask in [*asks, *others]:
        key = order.index(ask.questions[0]) if ask.questions else key
        keys.append(key)
    ranked = sorted(zip(keys, range(len(keys)), [*asks, *others], strict=True))
    return [ask for _, _, ask in ranked]


def _write_down(authorization: authorizations.Authorization) -> tuple[str, ...]:
    """What to note from the call, less what the logged authorization already says."""
    has = {
        "auth_number": authorizations.known(authorization, "number"),
        "approved_units_dates": authorizations.status(authorization) == authorizations.APPROVED
        and all(authorizations.known(authorization, k) for k in ("sessions", "start", "end")),
    }
    return tuple(item for item in WRITE_DOWN if not has.get(item))


def _prior_auth(facts: _Facts, authorization: authorizations.Authorization) -> PriorAuth:
    status = authorizations.status(authorization)
    required = str(facts["preauth"]) if facts["preauth"] in ("yes", "no") else UNKNOWN
    numbered = authorizations.known(authorization, "number")
    if status == authorizations.APPROVED:
        scope = all(authorizations.known(authorization, k) for k in ("sessions", "start", "end"))
        unsaid = (*(() if scope else ("approval_scope",)), *(() if numbered else ("auth_number",)))
        return PriorAuth("yes", (), (), (*APPROVED_ASK, *unsaid), status)
    if status is not None:
        required = "yes"
    if required == "no":
        # Still worth confirming, with a name and reference number to point to later.
        return PriorAuth(required, (), (), ("confirm_not_required",))
    criteria = [
        Criterion("age", TO_CHECK),
        Criterion("diagnosis", TO_CHECK),
        Criterion("psychiatrist", TO_CHECK),
        Criterion("failed_trials", _trials_status(facts.trials())),
        Criterion("pdmp", TO_CHECK),
    ]
    ask = list(PREAUTH_ASK)
    if facts.spravato:
        criteria.append(Criterion("rems", TO_CHECK))
        ask.insert(-1, "oral_antidepressant")
    if status == authorizations.PENDING:  # submitted: its follow-up steps come first
        ask = [a for a in ask if a not in ("who_submits", "decision_time")]
    if numbered:
        ask.remove("auth_number")
    return PriorAuth(required, tuple(criteria), PREAUTH_DOCUMENTS, tuple(ask), status)


def _trials_status(trials: int | None) -> str:
    if trials is None:
        return UNKNOWN
    return MET if trials >= USUAL_MINIMUM_TRIALS else NOT_MET
