"""The medication history: its stored form, what is refused and why, typed months, durations."""

import json
from datetime import date

import pytest

from bot.history import (
    MAX_SCORES,
    MAX_TRIALS,
    History,
    InvalidHistory,
    Score,
    Trial,
    parse_month,
)

TODAY = date(2026, 12, 6)

FULL = History(
    trials=(
        Trial(
            "sertraline",
            medication="sertraline",
            drug_class="ssri",
            dose="100 mg a day",
            start="2025-01",
            end="2025-04-15",
            outcome="no_help",
        ),
        Trial("aripiprazole", "aripiprazole", "atypical_antipsychotic", start="2025-05"),
        Trial("the blue pill my GP gave me", outcome="side_effects"),
        Trial("venlafaxine", "venlafaxine", "snri", start="2026-09-01", outcome="still_taking"),
    ),
    scores=(Score("phq9", 22, "2026-10"), Score("madrs", 31), Score("hamd", 0, "2026-11-02")),
    other=("psychotherapy", "tms"),
)


def test_round_trip_through_json():
    stored = json.loads(json.dumps(FULL.to_dict()))
    assert History.from_dict(stored) == FULL


def test_stored_form_has_stable_keys():
    data = FULL.to_dict()
    assert list(data) == ["trials", "scores", "other"]
    assert list(data["trials"][2]) == [
        "name",
        "medication",
        "drug_class",
        "dose",
        "start",
        "end",
        "outcome",
    ]
    assert data["trials"][2]["start"] is None
    assert data["scores"][1] == {"scale": "madrs", "value": 31, "on": None}
    assert data["other"] == ["psychotherapy", "tms"]


def test_missing_optional_keys_are_fine():
    assert History.from_dict({}) == History()
    history = History.from_dict({"trials": [{"name": " fluoxetine "}]})
    assert history.trials == (Trial("fluoxetine"),)
    assert history.trials[0].outcome == "unknown"


def test_blank_optional_text_is_none():
    history = History.from_dict({"trials": [{"name": "x", "dose": "  ", "medication": ""}]})
    assert history.trials[0].dose is None
    assert history.trials[0].medication is None


def test_scale_maximums_are_accepted():
    scores = [{"scale": "phq9", "value": 27}, {"scale": "madrs", "value": 60}]
    scores.append({"scale": "hamd", "value": 52})
    assert [s.value for s in History.from_dict({"scores": scores}).scores] == [27, 60, 52]


def trials(*items):
    return {"trials": list(items)}


def scores(*items):
    return {"scores": list(items)}


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ([], "not_an_object"),
        ("trials", "not_an_object"),
        ({"trials": "sertraline"}, "bad_trials"),
        ({"scores": {"scale": "phq9"}}, "bad_scores"),
        ({"other": "tms"}, "bad_other"),
        (trials(*[{"name": "x"}] * (MAX_TRIALS + 1)), "too_many_trials"),
        (scores(*[{"scale": "phq9", "value": 1}] * (MAX_SCORES + 1)), "too_many_scores"),
        (trials("sertraline"), "bad_trial"),
        (trials({}), "no_name"),
        (trials({"name": "   "}), "no_name"),
        (trials({"name": 7}), "no_name"),
        (trials({"name": "x" * 101}), "name_too_long"),
        (trials({"name": "x", "drug_class": "benzodiazepine"}), "bad_class"),
        (trials({"name": "x", "outcome": "cured"}), "bad_outcome"),
        (trials({"name": "x", "outcome": None}), "bad_outcome"),
        (trials({"name": "x", "medication": 3}), "bad_medication"),
        (trials({"name": "x", "dose": "d" * 101}), "bad_dose"),
        (trials({"name": "x", "start": "2026-13"}), "bad_date"),
        (trials({"name": "x", "end": "2026-02-31"}), "bad_date"),
        (trials({"name": "x", "start": "03/2026"}), "bad_date"),
        (trials({"name": "x", "start": "2026-3"}), "bad_date"),
        (trials({"name": "x", "start": "2026-03-14T00:00"}), "bad_date"),
        (trials({"name": "x", "start": 202603}), "bad_date"),
        (trials({"name": "x", "start": "2026-03", "end": "2026-02-28"}), "end_before_start"),
        (trials({"name": "x", "start": "2026-03-10", "end": "2026-03-09"}), "end_before_start"),
        (scores("phq9"), "bad_score"),
        (scores({"scale": "beck", "value": 3}), "bad_scale"),
        (scores({"scale": ["phq9"], "value": 3}), "bad_scale"),
        (scores({"scale": "phq9", "value": 28}), "score_out_of_range"),
        (scores({"scale": "madrs", "value": 61}), "score_out_of_range"),
        (scores({"scale": "hamd", "value": 53}), "score_out_of_range"),
        (scores({"scale": "hamd", "value": -1}), "score_out_of_range"),
        (scores({"scale": "hamd", "value": "17"}), "score_out_of_range"),
        (scores({"scale": "hamd", "value": True}), "score_out_of_range"),
        (scores({"scale": "hamd", "value": 17.0}), "score_out_of_range"),
        (scores({"scale": "hamd"}), "score_out_of_range"),
        (scores({"scale": "phq9", "value": 3, "on": "2026-00"}), "bad_date"),
        ({"other": ["ketamine"]}, "bad_treatment"),
        ({"other": [None]}, "bad_treatment"),
        ({"other": ["tms", "tms"]}, "bad_other"),
        ({"other": ["tms", "ect", "psychotherapy", "tms"]}, "bad_other"),
    ],
)
def test_invalid_history_codes(data, code):
    with pytest.raises(InvalidHistory) as raised:
        History.from_dict(data)
    assert raised.value.code == code
    assert isinstance(raised.value, ValueError)


def test_invalid_history_details():
    with pytest.raises(InvalidHistory) as raised:
        History.from_dict(trials({"name": "x", "end": "2026-02-30"}))
    assert raised.value.details == {"field": "end", "value": "2026-02-30"}
    with pytest.raises(InvalidHistory) as raised:
        History.from_dict(trials(*[{"name": "x"}] * 31))
    assert raised.value.details == {"limit": 30}


def test_thirty_trials_and_a_leap_day_are_accepted():
    history = History.from_dict(trials(*[{"name": "x", "start": "2024-02-29"}] * 30))
    assert len(history.trials) == 30


def test_end_in_the_start_month_is_not_before_the_start():
    history = History.from_dict(trials({"name": "x", "start": "2026-03-20", "end": "2026-03"}))
    assert history.trials[0].end == "2026-03"


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("03/2026", "2026-03"),
        ("3/2026", "2026-03"),
        ("3/26", "2026-03"),
        ("12/99", "2099-12"),
        ("2026-03", "2026-03"),
        ("2026-3", "2026-03"),
        ("March 2026", "2026-03"),
        ("march 2026", "2026-03"),
        ("mar 2026", "2026-03"),
        ("Mar. '26", "2026-03"),
        ("Mar. \u201926", "2026-03"),
        ("Sept 2025", "2025-09"),
        ("September, 2025", "2025-09"),
        ("  jan   2026 ", "2026-01"),
        ("dec 26", "2026-12"),
        ("2026-03-14", "2026-03-14"),
        ("3/14/2026", "2026-03-14"),
        ("03/14/26", "2026-03-14"),
        ("2/29/2024", "2024-02-29"),
        ("4-2025", "2025-04"),
        ("04.2025", "2025-04"),
        ("april of 2025", "2025-04"),
        ("marzo de 2025", "2025-03"),  # Spanish
        ("dic 2024", "2024-12"),
        ("setiembre 2025", "2025-09"),
    ],
)
def test_parse_month(text, parsed):
    assert parse_month(text) == parsed


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "soon",
        "last spring",
        "2026",
        "13/2026",
        "0/2026",
        "2026-13",
        "2026-02-30",
        "2/30/2026",
        "14/3/2026",
        "2/29/2025",
        "ma 2026",
        "marx 2026",
        "march",
        "march 2026 or april",
        "3/2026/1",
        "3/123",
        "\u0663/2026",
    ],
)
def test_parse_month_refuses_rubbish(text):
    with pytest.raises(ValueError):
        parse_month(text)


def test_weeks_with_month_only_dates_span_their_months():
    # Shortest: Jan 31 to Feb 1 (1 day); longest: Jan 1 to Feb 28 (58 days).
    assert Trial("x", start="2026-01", end="2026-02").weeks(TODAY) == (0, 8)
    # Jan 31 to Apr 1 is 60 days; Jan 1 to Apr 30 is 119.
    assert Trial("x", start="2026-01", end="2026-04").weeks(TODAY) == (8, 17)
    assert Trial("x", start="2026-01", end="2026-01").weeks(TODAY) == (0, 4)


def test_weeks_with_exact_dates():
    assert Trial("x", start="2026-01-01", end="2026-02-12").weeks(TODAY) == (6, 6)
    assert Trial("x", start="2026-01-01", end="2026-02-11").weeks(TODAY) == (5, 5)
    assert Trial("x", start="2026-01-01", end="2026-01-01").weeks(TODAY) == (0, 0)


def test_weeks_mixing_a_day_and_a_month():
    # Mar 20 to Mar 1..31: at least 0 days, at most 11.
    assert Trial("x", start="2026-03-20", end="2026-03").weeks(TODAY) == (0, 1)
    # Feb 1..28 to Mar 31.
    assert Trial("x", start="2026-02", end="2026-03-31").weeks(TODAY) == (4, 8)


def test_weeks_still_taking_runs_to_today():
    taking = Trial("x", start="2026-10-25", outcome="still_taking")
    assert taking.weeks(TODAY) == (6, 6)
    assert taking.weeks(date(2026, 12, 5)) == (5, 5)
    assert Trial("x", start="2026-11", outcome="still_taking").weeks(TODAY) == (0, 5)


def test_weeks_still_taking_uses_an_end_if_given():
    trial = Trial("x", start="2026-01-01", end="2026-01-15", outcome="still_taking")
    assert trial.weeks(TODAY) == (2, 2)


def test_weeks_not_known():
    assert Trial("x").weeks(TODAY) is None
    assert Trial("x", end="2026-02").weeks(TODAY) is None
    assert Trial("x", start="2026-01", outcome="no_help").weeks(TODAY) is None
    assert Trial("x", start="2027-01", outcome="still_taking").weeks(TODAY) is None


def test_weeks_end_before_start_is_none():
    assert Trial("x", start="2026-03-10", end="2026-03-09").weeks(TODAY) is None
    assert Trial("x", start="2026-03", end="2026-02-28").weeks(TODAY) is None


@pytest.mark.parametrize(
    ("start", "end", "lasted"),
    [
        ("2026-01-01", "2026-02-05", False),  # 35 days
        ("2026-01-01", "2026-02-11", False),  # 41 days
        ("2026-01-01", "2026-02-12", True),  # 42 days
        ("2026-01", "2026-02", None),  # 0 to 8 weeks
        ("2026-01", "2026-01", False),  # at most 30 days
        ("2026-01", "2026-04", True),  # at least 60 days
        (None, "2026-04", None),
    ],
)
def test_lasted_adequately(start, end, lasted):
    assert Trial("x", start=start, end=end).lasted_adequately(TODAY) is lasted


@pytest.mark.parametrize(
    ("drug_class", "augmenting"),
    [
        ("atypical_antipsychotic", True),
        ("lithium", True),
        ("thyroid", True),
        ("other_augmentation", True),
        ("ssri", False),
        ("bupropion", False),
        ("other_antidepressant", False),
        (None, False),
    ],
)
def test_augmenting(drug_class, augmenting):
    assert Trial("x", drug_class=drug_class).augmenting is augmenting


def test_classes_are_those_of_the_medication_list():
    from bot import history, medications

    assert history.DRUG_CLASSES == medications.CLASSES
    assert history.AUGMENTING_CLASSES == medications.AUGMENTING_CLASSES
