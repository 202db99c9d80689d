"""How a medication history stands against criteria plans commonly publish. Pure; facts, not advice.

Each criterion is a data row with its source (domain notes, sections 3 and 6). A trial counts
when it lasted ADEQUATE_WEEKS for certain; one whose dates cannot settle it is "uncertain", and
a check that counting the uncertain ones could meet is None ("check the exact dates"), not False.
The same drug entered twice counts once; a drug of unknown class counts as a trial, not a class
(but might be one more: the check is then None). What the history does not record is not met.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date

from bot.history import ADEQUATE_WEEKS, SCALES, History, Score, Trial

BCBSMA_SEVERITY = (("madrs", 28), ("hamd", 17))
"""BCBS Massachusetts policy 087: MADRS >= 28 or HAM-D >= 17 (domain notes, section 3)."""


@dataclass(frozen=True)
class Tally:
    """What the antidepressant trials add up to, counted one way (for certain, or at most)."""

    trials: int
    """Distinct antidepressants that lasted ADEQUATE_WEEKS."""
    classes: int
    """Distinct classes among them."""
    augmentation: bool
    """An augmenting agent that lasted ADEQUATE_WEEKS."""


@dataclass(frozen=True)
class Requirement:
    """What a criterion asks of the history; a field left at its default asks nothing."""

    min_trials: int = 0
    min_classes: int = 0
    augmentation: bool = False
    """An augmenting agent required on top of the trials."""
    with_augmentation: int | None = None
    """Or instead: this many trials (of any class) plus an augmenting agent."""
    scale_minimums: tuple[tuple[str, int], ...] = ()
    """(scale, minimum) pairs: the latest score on any one of them at or above its minimum."""
    baseline_score: bool = False
    """A rating-scale score on record."""
    weeks: int | None = ADEQUATE_WEEKS
    """How long each trial must last; None when the source does not say."""

    def counts(self, tally: Tally) -> bool:
        """Whether trials counted as `tally` meet this."""
        main = tally.trials >= self.min_trials and tally.classes >= self.min_classes
        if self.augmentation:
            main = main and tally.augmentation
        fewer = self.with_augmentation
        return main or (fewer is not None and tally.trials >= fewer and tally.augmentation)

    def scored(self, latest: Iterable[Score]) -> bool:
        """Whether the latest scores meet this."""
        values = {score.scale: score.value for score in latest}
        if self.baseline_score and not values:
            return False
        return not self.scale_minimums or any(
            values.get(scale, -1) >= minimum for scale, minimum in self.scale_minimums
        )


@dataclass(frozen=True)
class Criterion:
    """A criterion plans commonly publish, by id (worded in templates), and where it is from."""

    id: str
    requirement: Requirement
    source: str


CRITERIA = (
    Criterion(
        "two_classes_six_weeks",
        Requirement(min_trials=2, min_classes=2),
        "Cigna, eviCore: 2 antidepressants of different classes, >= 6 weeks each (sections 3, 6)",
    ),
    Criterion(
        "three_trials_or_two_plus_augmentation",
        Requirement(min_trials=3, min_classes=2, with_augmentation=2),
        "Premera 5.01.609: 3 antidepressants of 2 classes, or 2 plus an augmenting agent (6)",
    ),
    Criterion(
        # "3-4 drugs plus an augmentation trial": counted at the lower bar, 3 distinct
        # antidepressants and an augmenting agent, each >= 6 weeks for certain.
        "augmentation_tried",
        Requirement(min_trials=3, augmentation=True),
        "BCBS North Dakota, BCBS Massachusetts: 3-4 drugs plus augmentation (sections 3, 6)",
    ),
    Criterion(
        "rating_scale",
        Requirement(baseline_score=True),
        "A baseline PHQ-9, MADRS or HAM-D score (section 3)",
    ),
    Criterion(
        "severity_score",
        Requirement(scale_minimums=BCBSMA_SEVERITY),
        "BCBS Massachusetts: MADRS >= 28 or HAM-D >= 17 (section 3)",
    ),
)


@dataclass(frozen=True)
class Check:
    """One criterion against the history."""

    criterion: str
    met: bool | None
    """None: the history cannot tell (dates by month only, a class not known...)."""


@dataclass(frozen=True)
class Readiness:
    """The history counted against the criteria."""

    adequate: tuple[Trial, ...]
    """Antidepressant (not augmenting) trials that lasted ADEQUATE_WEEKS for certain."""
    uncertain: tuple[Trial, ...]
    """Those the dates cannot settle, of drugs not already among `adequate`."""
    classes: tuple[str, ...]
    """Distinct known classes among `adequate`, in order of first appearance."""
    augmentation: bool | None
    """An augmenting agent for ADEQUATE_WEEKS: True for certain, None if the dates may allow."""
    scores: tuple[Score, ...]
    """The latest score per scale, in SCALES order."""
    checks: tuple[Check, ...]

    @property
    def least(self) -> Tally:
        """The trials counted for certain."""
        return _tally(self.adequate, self.augmentation is True, unknown_classes=False)

    @property
    def most(self) -> Tally:
        """The trials counted at most: the uncertain ones included, unknown classes as new."""
        trials = self.adequate + self.uncertain
        return _tally(trials, self.augmentation is not False, unknown_classes=True)

    def met(self, criterion: str) -> bool | None:
        """The result of one check, by criterion id (KeyError for an unknown id)."""
        return {check.criterion: check.met for check in self.checks}[criterion]


def evaluate(requirement: Requirement, readiness: Readiness) -> bool | None:
    """Whether the history meets a requirement: True, False, or None when it cannot tell.

    Trials are counted at ADEQUATE_WEEKS, so a requirement asking another length, or one not
    known, is never met for certain.
    """
    if not requirement.scored(readiness.scores):
        return False
    if requirement.counts(readiness.least):
        return True if requirement.weeks == ADEQUATE_WEEKS else None
    return None if requirement.counts(readiness.most) else False


def readiness(history: History, today: date) -> Readiness:
    """The history counted against CRITERIA, as of `today` (for trials still being taken)."""
    lasted = [(trial, trial.lasted_adequately(today)) for trial in history.trials]
    adequate = tuple(t for t, ok in lasted if ok is True and not t.augmenting)
    counted = {_drug(trial) for trial in adequate}
    uncertain = tuple(
        t for t, ok in lasted if ok is None and not t.augmenting and _drug(t) not in counted
    )
    augmenting = [ok for t, ok in lasted if t.augmenting]
    partial = Readiness(
        adequate=adequate,
        uncertain=uncertain,
        classes=tuple(dict.fromkeys(t.drug_class for t in adequate if t.drug_class)),
        augmentation=True if True in augmenting else None if None in augmenting else False,
        scores=_latest(history.scores),
        checks=(),
    )
    checks = tuple(Check(c.id, evaluate(c.requirement, partial)) for c in CRITERIA)
    return replace(partial, checks=checks)


def _drug(trial: Trial) -> str:
    """What makes two trials the same drug: its id, else its name."""
    return trial.medication or trial.name.strip().casefold()


def _tally(trials: Iterable[Trial], augmentation: bool, *, unknown_classes: bool) -> Tally:
    """Distinct drugs and classes; with `unknown_classes`, each drug of unknown class as a class."""
    drugs = {_drug(trial): trial.drug_class for trial in trials}
    classes = len({c for c in drugs.values() if c is not None})
    if unknown_classes:
        classes += sum(c is None for c in drugs.values())
    return Tally(trials=len(drugs), classes=classes, augmentation=augmentation)


def _latest(scores: Iterable[Score]) -> tuple[Score, ...]:
    """The latest score per scale: by date (undated first), then as entered."""
    latest: dict[str, Score] = {}
    for _, score in sorted(enumerate(scores), key=lambda pair: (pair[1].on or "", pair[0])):
        latest[score.scale] = score
    return tuple(latest[scale] for scale in SCALES if scale in latest)
