"""The history against published criteria: the boundaries, exactly, and every payer row."""

from datetime import date, timedelta

import pytest

from bot import flow, payer_criteria
from bot.history import ADEQUATE_WEEKS, History, Score, Trial
from bot.payer_criteria import CRITERIA as PAYERS
from bot.payer_criteria import criteria_for, meets
from bot.readiness import CRITERIA, Readiness, Requirement, evaluate, readiness

TODAY = date(2026, 12, 6)
START = date(2025, 1, 1)


def lasting(name, drug_class, days, start=START):
    """A trial with exact dates, `days` from start to end."""
    end = start + timedelta(days=days)
    return Trial(name, name, drug_class, start=start.isoformat(), end=end.isoformat())


def monthly(name, drug_class, start, end):
    return Trial(name, name, drug_class, start=start, end=end, outcome="no_help")


SERTRALINE = lasting("sertraline", "ssri", 42)
ESCITALOPRAM = lasting("escitalopram", "ssri", 60)
VENLAFAXINE = lasting("venlafaxine", "snri", 90)
BUPROPION = lasting("bupropion", "bupropion", 50)
MIRTAZAPINE = lasting("mirtazapine", "mirtazapine", 70)
ARIPIPRAZOLE = lasting("aripiprazole", "atypical_antipsychotic", 56)
UNSETTLED = monthly("duloxetine", "snri", "2025-01", "2025-02")  # 0 to 8 weeks


def ready(*trials, scores=()):
    return readiness(History(trials=tuple(trials), scores=tuple(scores)), TODAY)


def test_empty_history_is_all_false():
    result = ready()
    assert result.adequate == result.uncertain == result.classes == result.scores == ()
    assert result.augmentation is False
    assert [check.criterion for check in result.checks] == [c.id for c in CRITERIA]
    assert {check.met for check in result.checks} == {False}


@pytest.mark.parametrize(("days", "counted"), [(35, False), (41, False), (42, True), (43, True)])
def test_six_weeks_boundary_with_exact_dates(days, counted):
    result = ready(lasting("sertraline", "ssri", days), VENLAFAXINE)
    assert (len(result.adequate) == 2) is counted
    assert result.uncertain == ()
    assert result.met("two_classes_six_weeks") is counted


def test_month_only_dates_that_cannot_settle_it_are_uncertain():
    result = ready(SERTRALINE, UNSETTLED)
    assert result.adequate == (SERTRALINE,)
    assert result.uncertain == (UNSETTLED,)
    assert result.met("two_classes_six_weeks") is None


def test_month_only_dates_that_settle_it():
    long_enough = monthly("duloxetine", "snri", "2025-01", "2025-04")  # at least 60 days
    too_short = monthly("duloxetine", "snri", "2025-01", "2025-01")  # at most 30 days
    assert ready(SERTRALINE, long_enough).met("two_classes_six_weeks") is True
    result = ready(SERTRALINE, too_short)
    assert result.uncertain == ()
    assert result.met("two_classes_six_weeks") is False


def test_unknown_dates_are_uncertain():
    no_dates = Trial("duloxetine", "duloxetine", "snri", outcome="no_help")
    result = ready(SERTRALINE, no_dates)
    assert result.uncertain == (no_dates,)
    assert result.met("two_classes_six_weeks") is None


def test_still_taking_counts_up_to_today():
    taking = Trial("venlafaxine", "venlafaxine", "snri", start="2026-10-25", outcome="still_taking")
    assert ready(SERTRALINE, taking).met("two_classes_six_weeks") is True
    assert (
        readiness(History((SERTRALINE, taking)), TODAY - timedelta(days=1)).met(
            "two_classes_six_weeks"
        )
        is False
    )


def test_two_ssris_are_one_class():
    result = ready(SERTRALINE, ESCITALOPRAM)
    assert result.classes == ("ssri",)
    assert len(result.adequate) == 2
    assert result.met("two_classes_six_weeks") is False


def test_two_classes():
    result = ready(SERTRALINE, ESCITALOPRAM, VENLAFAXINE)
    assert result.classes == ("ssri", "snri")
    assert result.met("two_classes_six_weeks") is True


def test_the_same_drug_twice_counts_once():
    again = lasting("sertraline", "ssri", 50, start=date(2026, 1, 1))
    result = ready(SERTRALINE, again, VENLAFAXINE)
    assert result.least.trials == 2
    assert result.met("three_trials_or_two_plus_augmentation") is False


def test_an_uncertain_trial_of_a_drug_already_counted_is_not_uncertain():
    again = monthly("sertraline", "ssri", "2026-01", "2026-02")
    assert ready(SERTRALINE, again).uncertain == ()


def test_unknown_class_counts_as_a_trial_not_a_class():
    typed = Trial("the blue one", start="2025-03-01", end="2025-05-01")
    result = ready(SERTRALINE, typed)
    assert result.adequate == (SERTRALINE, typed)
    assert result.classes == ("ssri",)
    assert (result.least.trials, result.least.classes) == (2, 1)
    assert result.most.classes == 2
    assert result.met("two_classes_six_weeks") is None


def test_unknown_class_is_never_augmentation():
    typed = Trial("the blue one", start="2025-03-01", end="2025-05-01")
    result = ready(SERTRALINE, ESCITALOPRAM, VENLAFAXINE, typed)
    assert result.augmentation is False
    assert result.met("augmentation_tried") is False


def test_augmenting_agents_are_not_antidepressant_trials():
    result = ready(SERTRALINE, ARIPIPRAZOLE)
    assert result.adequate == (SERTRALINE,)
    assert result.classes == ("ssri",)
    assert result.augmentation is True
    assert result.met("two_classes_six_weeks") is False


@pytest.mark.parametrize(
    ("augmenting", "augmentation"),
    [
        ((), False),
        ((ARIPIPRAZOLE,), True),
        ((lasting("lithium", "lithium", 41),), False),
        ((lasting("lithium", "lithium", 42),), True),
        ((monthly("lithium", "lithium", "2025-01", "2025-02"),), None),
        ((Trial("liothyronine", "liothyronine", "thyroid"),), None),
        ((lasting("lithium", "lithium", 20), ARIPIPRAZOLE), True),
        ((lasting("lithium", "lithium", 20), Trial("t3", drug_class="thyroid")), None),
    ],
)
def test_augmentation_tried_and_for_how_long(augmenting, augmentation):
    result = ready(SERTRALINE, VENLAFAXINE, BUPROPION, *augmenting)
    assert result.augmentation is augmentation
    assert result.met("augmentation_tried") is augmentation


def test_augmentation_tried_needs_three_trials():
    assert ready(SERTRALINE, VENLAFAXINE, ARIPIPRAZOLE).met("augmentation_tried") is False
    assert ready(SERTRALINE, VENLAFAXINE, UNSETTLED, ARIPIPRAZOLE).met("augmentation_tried") is None


@pytest.mark.parametrize(
    ("trials", "met"),
    [
        ((SERTRALINE, VENLAFAXINE, BUPROPION), True),  # 3 of 3 classes
        ((SERTRALINE, ESCITALOPRAM, VENLAFAXINE), True),  # 3 of 2 classes
        ((SERTRALINE, ESCITALOPRAM, lasting("fluoxetine", "ssri", 70)), False),  # 1 class
        ((SERTRALINE, VENLAFAXINE), False),  # 2, no augmentation
        ((SERTRALINE, ESCITALOPRAM, ARIPIPRAZOLE), True),  # 2 of 1 class + augmentation
        ((SERTRALINE, ARIPIPRAZOLE), False),  # 1 + augmentation
        ((SERTRALINE, VENLAFAXINE, UNSETTLED), None),
        ((SERTRALINE, UNSETTLED, ARIPIPRAZOLE), None),
    ],
)
def test_three_trials_or_two_plus_augmentation(trials, met):
    assert ready(*trials).met("three_trials_or_two_plus_augmentation") is met


@pytest.mark.parametrize(
    ("score", "severe"),
    [
        (Score("madrs", 27), False),
        (Score("madrs", 28), True),
        (Score("hamd", 16), False),
        (Score("hamd", 17), True),
        (Score("phq9", 27), False),
    ],
)
def test_severity_score_boundaries(score, severe):
    result = ready(scores=[score])
    assert result.met("severity_score") is severe
    assert result.met("rating_scale") is True
    assert result.scores == (score,)


def test_either_severity_scale_is_enough():
    result = ready(scores=[Score("madrs", 20), Score("hamd", 17)])
    assert result.met("severity_score") is True


def test_the_latest_score_per_scale_counts():
    old, new = Score("madrs", 35, "2026-01"), Score("madrs", 22, "2026-10-02")
    result = ready(scores=[new, Score("phq9", 20), old])
    assert result.scores == (Score("phq9", 20), new)
    assert result.met("severity_score") is False
    undated = Score("hamd", 10)
    later = Score("hamd", 18)
    assert ready(scores=[undated, later]).scores == (later,)
    assert ready(scores=[Score("hamd", 18, "2026-05"), undated]).scores[0].value == 18


def test_met_refuses_an_unknown_criterion():
    with pytest.raises(KeyError):
        ready().met("four_classes")


def test_requirement_with_unknown_weeks_is_never_met_for_certain():
    strong = ready(SERTRALINE, VENLAFAXINE)
    assert evaluate(Requirement(min_trials=2, weeks=None), strong) is None
    assert evaluate(Requirement(min_trials=2, weeks=ADEQUATE_WEEKS), strong) is True
    assert evaluate(Requirement(min_trials=3, weeks=None), strong) is False


# Each payer row against four histories.
STRONG = (SERTRALINE, ESCITALOPRAM, VENLAFAXINE, BUPROPION, MIRTAZAPINE, ARIPIPRAZOLE)
HISTORIES = {
    "empty": ready(),
    "two_classes": ready(SERTRALINE, VENLAFAXINE),
    "two_classes_by_month": ready(SERTRALINE, UNSETTLED),
    "strong": ready(*STRONG, scores=[Score("madrs", 30)]),
    "strong_mild": ready(*STRONG, scores=[Score("madrs", 27)]),
}
EXPECTED = {
    # payer: empty, two_classes, two_classes_by_month, strong, strong_mild
    "aetna": (False, False, False, False, False),
    "unitedhealthcare": (None, None, None, None, None),
    "cigna_evicore": (False, True, None, True, True),
    "premera": (False, False, False, None, None),
    "bcbs_massachusetts": (False, False, False, None, False),
    "bcbs_north_dakota": (False, False, False, None, None),
    "bcbs_mississippi": (False, False, False, False, False),
    "medicare_mac": (None, None, None, None, None),
}


@pytest.mark.parametrize("row", PAYERS, ids=lambda row: row.payer)
def test_each_payer_row_evaluated(row):
    got = tuple(meets(row, history) for history in HISTORIES.values())
    assert got == EXPECTED[row.payer]


def test_every_payer_row_is_expected():
    assert sorted(row.payer for row in PAYERS) == sorted(EXPECTED)


def test_criteria_for_each_treatment():
    def payers(treatment):
        return [row.payer for row in criteria_for(treatment)]

    assert payers(flow.SPRAVATO) == [
        "unitedhealthcare",
        "cigna_evicore",
        "premera",
        "bcbs_massachusetts",
        "bcbs_north_dakota",
        "bcbs_mississippi",
        "medicare_mac",
    ]
    assert payers(flow.IV_KETAMINE) == ["aetna", "bcbs_massachusetts"]
    assert payers(flow.IM_KETAMINE) == ["aetna"]
    assert criteria_for("unsure") == ()


@pytest.mark.parametrize("row", PAYERS, ids=lambda row: row.payer)
def test_payer_row_is_well_formed(row):
    assert row.treatments and set(row.treatments) <= set(flow.TREATMENTS)
    assert row.source
    # Either numbers or a stance, never both; excluded stances have no numbers.
    assert (row.requirement is None) or (row.stance is None)
    assert row.stance in (None, *payer_criteria.EXCLUDED, payer_criteria.LABELLED_USE)
    assert row.requirement is not None or row.stance is not None or row.approval_months
    assert row.approval_months is None or row.approval_days is None
    # A row is confirmed only when checked against its source, on a real day.
    assert not row.confirmed or row.checked is not None
    if row.checked is not None:
        assert date.fromisoformat(row.checked) <= TODAY
    # Trials are counted at six weeks: a row asking another length could not be evaluated.
    if row.requirement is not None:
        assert row.requirement.weeks in (None, ADEQUATE_WEEKS)


def test_payer_numbers_as_the_notes_give_them():
    rows = {row.payer: row for row in PAYERS}
    assert rows["cigna_evicore"].requirement == Requirement(min_trials=2, min_classes=2)
    assert rows["cigna_evicore"].approval_months == 6
    assert rows["unitedhealthcare"].approval_months == 12
    assert rows["premera"].requirement.with_augmentation == 2
    assert rows["bcbs_massachusetts"].requirement.scale_minimums == (("madrs", 28), ("hamd", 17))
    assert rows["bcbs_massachusetts"].approval_days == 28
    assert rows["aetna"].stance == "experimental"
    assert rows["bcbs_mississippi"].stance == "not_medically_necessary"
    unconfirmed = {row.payer for row in PAYERS if not row.confirmed}
    assert unconfirmed == {"unitedhealthcare", "premera", "bcbs_massachusetts", "bcbs_north_dakota"}


def test_readiness_is_a_frozen_value():
    result = ready(SERTRALINE)
    assert isinstance(result, Readiness)
    with pytest.raises(AttributeError):
        result.augmentation = True  # type: ignore[misc]
