"""The medication history: the treatments tried in this depressive episode, as data. Pure.

Plans ask for failed antidepressant trials, each long enough, in the current episode (domain
notes, section 3). People rarely remember exact days, so a date may be a month ("2026-03") or a
day ("2026-03-14"); durations are then a range, never a guess.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.parsing import month_number

OUTCOMES = ("no_help", "partial", "side_effects", "still_taking", "unknown")
OTHER_TREATMENTS = ("psychotherapy", "tms", "ect")
SCALES = ("phq9", "madrs", "hamd")
SCALE_MAXIMUM = {"phq9": 27, "madrs": 60, "hamd": 52}
"""PHQ-9 0-27, MADRS 0-60, HAM-D (17-item) 0-52."""
ADEQUATE_WEEKS = 6
"""How long a trial must last to count, as plans commonly ask (Cigna, eviCore: section 3)."""

DRUG_CLASSES = (
    "ssri",
    "snri",
    "bupropion",
    "mirtazapine",
    "tca",
    "maoi",
    "serotonin_modulator",
    "other_antidepressant",
    "atypical_antipsychotic",
    "lithium",
    "thyroid",
    "other_augmentation",
)
AUGMENTING_CLASSES = frozenset(DRUG_CLASSES[-4:])
"""Agents added to an antidepressant rather than tried as one."""

MAX_TRIALS = 30
MAX_SCORES = 30
NAME_LENGTH = 100
DOSE_LENGTH = 100

_DATE = re.compile(r"([0-9]{4})-([0-9]{2})(?:-([0-9]{2}))?")


class InvalidHistory(ValueError):
    """A history that cannot be used as it is; `code` says why (worded in templates)."""

    def __init__(self, code: str, **details: object) -> None:
        super().__init__(code, details)
        self.code = code
        self.details = details


def date_range(text: str) -> tuple[date, date]:
    """The first and last day a "YYYY-MM" or "YYYY-MM-DD" date may be; ValueError otherwise."""
    found = _DATE.fullmatch(text)
    if found is None:
        raise ValueError(text)
    year, month, day = found.groups()
    first = date(int(year), int(month), int(day or 1))
    if day:
        return first, first
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


@dataclass(frozen=True)
class Trial:
    """One medication tried in this episode."""

    name: str
    """As shown: the matched generic name, or what the person typed."""
    medication: str | None = None
    """Its id in bot/medications.py; None if not in the list."""
    drug_class: str | None = None
    """One of DRUG_CLASSES; None when not known."""
    dose: str | None = None
    """As typed ("20 mg a day"); None when not known."""
    start: str | None = None
    """"YYYY-MM" or "YYYY-MM-DD"; None when not known."""
    end: str | None = None
    """Likewise; None when not known, or still taking."""
    outcome: str = "unknown"
    """One of OUTCOMES."""

    @property
    def augmenting(self) -> bool:
        """An augmenting agent (an antipsychotic, lithium, thyroid...), not an antidepressant."""
        return self.drug_class in AUGMENTING_CLASSES

    def weeks(self, today: date) -> tuple[int, int] | None:
        """The shortest and longest whole weeks the dates allow; None when they cannot say.

        A month-only date may be any day of its month; still taking with no end runs to today.
        None when the start is not known, the end is not known (and not still taking), or the
        end is certainly before the start.
        """
        if self.start is None:
            return None
        if self.end is not None:
            end_first, end_last = date_range(self.end)
        elif self.outcome == "still_taking":
            end_first = end_last = today
        else:
            return None
        start_first, start_last = date_range(self.start)
        if end_last < start_first:
            return None
        return max((end_first - start_last).days, 0) // 7, (end_last - start_first).days // 7

    def lasted_adequately(self, today: date) -> bool | None:
        """True: at least ADEQUATE_WEEKS for certain; False: less for certain; None: can't say."""
        weeks = self.weeks(today)
        if weeks is None:
            return None
        shortest, longest = weeks
        if shortest >= ADEQUATE_WEEKS:
            return True
        return False if longest < ADEQUATE_WEEKS else None

    def to_dict(self) -> dict[str, Any]:
        """The stored form (every key, None where not known)."""
        return {
            "name": self.name,
            "medication": self.medication,
            "drug_class": self.drug_class,
            "dose": self.dose,
            "start": self.start,
            "end": self.end,
            "outcome": self.outcome,
        }

    @classmethod
    def from_dict(cls, data: object) -> Trial:
        """A trial from its stored form; InvalidHistory says what is wrong."""
        if not isinstance(data, Mapping):
            raise InvalidHistory("bad_trial")
        name = data.get("name")
        if not isinstance(name, str) or not name.strip():
            raise InvalidHistory("no_name")
        if len(name) > NAME_LENGTH:
            raise InvalidHistory("name_too_long", limit=NAME_LENGTH)
        drug_class = data.get("drug_class")
        if drug_class is not None and drug_class not in DRUG_CLASSES:
            raise InvalidHistory("bad_class", value=drug_class)
        outcome = data.get("outcome", "unknown")
        if outcome not in OUTCOMES:
            raise InvalidHistory("bad_outcome", value=outcome)
        trial = cls(
            name=name.strip(),
            medication=_text(data.get("medication"), "medication", NAME_LENGTH),
            drug_class=drug_class,
            dose=_text(data.get("dose"), "dose", DOSE_LENGTH),
            start=_date(data.get("start"), "start"),
            end=_date(data.get("end"), "end"),
            outcome=outcome,
        )
        if trial.start and trial.end and date_range(trial.end)[1] < date_range(trial.start)[0]:
            raise InvalidHistory("end_before_start", name=trial.name)
        return trial


@dataclass(frozen=True)
class Score:
    """A depression rating-scale score."""

    scale: str
    """One of SCALES."""
    value: int
    on: str | None = None
    """"YYYY-MM" or "YYYY-MM-DD"; None when not known."""

    def to_dict(self) -> dict[str, Any]:
        """The stored form."""
        return {"scale": self.scale, "value": self.value, "on": self.on}

    @classmethod
    def from_dict(cls, data: object) -> Score:
        """A score from its stored form; InvalidHistory says what is wrong."""
        if not isinstance(data, Mapping):
            raise InvalidHistory("bad_score")
        scale = data.get("scale")
        if scale not in SCALES:
            raise InvalidHistory("bad_scale", value=scale)
        value = data.get("value")
        if type(value) is not int or not 0 <= value <= SCALE_MAXIMUM[scale]:
            raise InvalidHistory("score_out_of_range", scale=scale, maximum=SCALE_MAXIMUM[scale])
        return cls(scale=scale, value=value, on=_date(data.get("on"), "on"))


@dataclass(frozen=True)
class History:
    """The treatments tried in this episode, and the rating-scale scores on record."""

    trials: tuple[Trial, ...] = ()
    scores: tuple[Score, ...] = ()
    other: tuple[str, ...] = ()
    """OTHER_TREATMENTS ids tried."""

    def to_dict(self) -> dict[str, Any]:
        """The stored form (JSON)."""
        return {
            "trials": [trial.to_dict() for trial in self.trials],
            "scores": [score.to_dict() for score in self.scores],
            "other": list(self.other),
        }

    @classmethod
    def from_dict(cls, data: object) -> History:
        """A history from its stored form, strictly; InvalidHistory says what is wrong."""
        if not isinstance(data, Mapping):
            raise InvalidHistory("not_an_object")
        trials = _items(data, "trials", MAX_TRIALS, "too_many_trials")
        scores = _items(data, "scores", MAX_SCORES, "too_many_scores")
        other = _items(data, "other", len(OTHER_TREATMENTS), "bad_other")
        for treatment in other:
            if treatment not in OTHER_TREATMENTS:
                raise InvalidHistory("bad_treatment", value=treatment)
        if len(set(other)) < len(other):
            raise InvalidHistory("bad_other")
        return cls(
            trials=tuple(Trial.from_dict(item) for item in trials),
            scores=tuple(Score.from_dict(item) for item in scores),
            other=tuple(other),
        )


def _items(data: Mapping[str, Any], key: str, limit: int, too_many: str) -> Sequence[Any]:
    """The list under `key` (missing: empty), at most `limit` long."""
    items = data.get(key, [])
    if not isinstance(items, list | tuple):
        raise InvalidHistory("bad_" + key)
    if len(items) > limit:
        raise InvalidHistory(too_many, limit=limit)
    return items


def _text(value: object, field: str, limit: int) -> str | None:
    """Optional text of at most `limit` characters; blank is None."""
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise InvalidHistory("bad_" + field, limit=limit)
    return value.strip() or None


def _date(value: object, field: str) -> str | None:
    """An optional "YYYY-MM" or "YYYY-MM-DD" date that exists."""
    if value is None:
        return None
    if not isinstance(value, str) or not _exists(value):
        raise InvalidHistory("bad_date", field=field, value=value)
    return value


def _exists(text: str) -> bool:
    try:
        date_range(text)
    except ValueError:
        return False
    return True


_MONTH_YEAR = re.compile(r"([0-9]{1,2})[/.-]([0-9]{2}|[0-9]{4})")
_US_DATE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{2}|[0-9]{4})")
_ISO = re.compile(r"([0-9]{4})-([0-9]{1,2})(?:-([0-9]{1,2}))?")
_NAMED = re.compile(r"([a-z]{3,9})\.?,?\s*(?:(?:of|de|del)\s+)?['\u2019]?([0-9]{2}|[0-9]{4})")


def parse_month(text: str) -> str:
    """What people type for a month -> "YYYY-MM", or for a day -> "YYYY-MM-DD".

    "03/2026", "3/26", "2026-03", "March 2026", "mar 2026", "Mar. '26", "marzo de 2026"; a full date
    "2026-03-14" or "3/14/2026" (US order). Two-digit years are 20xx. ValueError otherwise.
    """
    text = " ".join(text.strip().lower().split())
    if found := _MONTH_YEAR.fullmatch(text):
        return _month(found[2], int(found[1]))
    if found := _US_DATE.fullmatch(text):
        return _day(found[3], int(found[1]), int(found[2]))
    if found := _ISO.fullmatch(text):
        month = int(found[2])
        return _month(found[1], month) if found[3] is None else _day(found[1], month, int(found[3]))
    if found := _NAMED.fullmatch(text):
        return _month(found[2], _month_number(found[1]))
    raise ValueError(text)


def _month_number(word: str) -> int:
    """1-12 for a month's name or its start ("mar", "sept", "marzo"); ValueError otherwise."""
    number = month_number(word)
    if number is None:
        raise ValueError(word)
    return number


def _year(digits: str) -> int:
    return 2000 + int(digits) if len(digits) == 2 else int(digits)


def _month(year: str, month: int) -> str:
    return date(_year(year), month, 1).isoformat()[:7]


def _day(year: str, month: int, day: int) -> str:
    return date(_year(year), month, day).isoformat()
