"""The cost charts, as PNG (matplotlib): what the person pays session by session and in all;
and the clinics compared, each one's range side by side.

`chart_of` is pure: the estimate's sessions as the parts the chart shades (toward the
deductible, the coinsurance or copay, above the allowed amount, not covered at all; the plan's
part lighter), the running totals of the lower and the higher case, and where the deductible
runs out and the out-of-pocket maximum stops the cost. `draw` sets that on a picture made to be
read on a phone (large type, a few labels, the Okabe-Ito colours, which colour-blind readers
tell apart, and hatching so that nothing rests on colour alone); its words come from a
template. matplotlib is imported only when a chart is drawn. Money stays Decimal until it is
drawn: only the picture sees floats.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from itertools import accumulate
from typing import Any

from bot.compare import Comparison
from bot.estimate import ZERO, Estimate, Schedule, SessionCost

PARTS = ("deductible", "sharing", "beyond", "uncovered")
"""What the person's part of a session is made of, from the bottom of a bar up."""
COLOURS = {
    "deductible": "#0072B2",  # blue
    "sharing": "#E69F00",  # orange
    "beyond": "#D55E00",  # vermillion
    "uncovered": "#CC79A7",  # reddish purple
    "insurer": "#D9D9D9",  # light grey: the plan's part
    "band": "#56B4E9",  # sky blue: between the lower and the higher case
}
HATCHES = {"deductible": "", "sharing": "//", "beyond": "xx", "uncovered": "..", "insurer": ""}
SIZE = (7.2, 8.4)
"""Inches: at DPI, 900 by 1,050 pixels, a phone screen's shape."""
DPI = 125
FONT_SIZE = 15
_STYLE = {"font.size": FONT_SIZE, "font.family": "DejaVu Sans", "text.parse_math": False}
"""No TeX: a "$" in a name or an amount is a dollar sign."""


@dataclass(frozen=True)
class Bar:
    """One session of the higher case: the person's part, split, and the plan's."""

    deductible: Decimal
    sharing: Decimal
    beyond: Decimal
    uncovered: Decimal
    insurer: Decimal
    capped: bool

    @property
    def patient(self) -> Decimal:
        return self.deductible + self.sharing + self.beyond + self.uncovered


@dataclass(frozen=True)
class CostChart:
    """What the picture shows (and its caption says in words)."""

    bars: tuple[Bar, ...]
    """The higher case, session by session."""
    sessions: tuple[int, int]
    """How many sessions the lower and the higher case have (the estimate's)."""
    lower: tuple[Decimal, ...]
    """The lower case's part for the person, session by session (the same when exact)."""
    running_low: tuple[Decimal, ...]
    running_high: tuple[Decimal, ...]
    """What the person has paid in all after each session, in the lower and higher case
    (package sessions paid for and not used are in the last)."""
    exact: bool
    deductible_until: int | None
    """The last session (from 1) with a part toward the deductible, in the higher case."""
    capped_from: int | None
    """The first session the out-of-pocket maximum lowered, in the higher case."""

    @property
    def totals(self) -> tuple[Decimal, Decimal]:
        return self.running_low[-1], self.running_high[-1]

    @property
    def parts(self) -> tuple[str, ...]:
        """The parts some session has, in PARTS order (the legend shows only these)."""
        return tuple(p for p in PARTS if any(getattr(bar, p) for bar in self.bars))


def _bar(cost: SessionCost) -> Bar:
    if not cost.covered:
        return Bar(ZERO, ZERO, ZERO, cost.patient, cost.insurer, cost.capped)
    sharing = cost.patient - cost.deductible - cost.beyond_allowed
    return Bar(cost.deductible, sharing, cost.beyond_allowed, ZERO, cost.insurer, cost.capped)


def _running(schedule: Schedule) -> tuple[Decimal, ...]:
    paid = list(accumulate(s.patient for s in schedule.per_session))
    return (*paid[:-1], paid[-1] + schedule.unused) if paid else (schedule.unused,)


def chart_of(estimate: Estimate) -> CostChart:
    """The chart of an estimate. Where the lower case has fewer sessions (their number not
    known), the sessions it does not have cost it nothing."""
    bars = tuple(_bar(cost) for cost in estimate.high.per_session)
    toward = [n for n, bar in enumerate(bars, 1) if bar.deductible]
    capped = [n for n, bar in enumerate(bars, 1) if bar.capped]
    lower = tuple(s.patient for s in estimate.low.per_session)
    running_low = _running(estimate.low)
    missing = len(bars) - len(lower)
    return CostChart(
        bars=bars,
        sessions=estimate.sessions,
        lower=lower + (ZERO,) * missing,
        running_low=running_low + (running_low[-1],) * missing,
        running_high=_running(estimate.high),
        exact=estimate.exact,
        deductible_until=toward[-1] if toward else None,
        capped_from=capped[0] if capped else None,
    )


@dataclass(frozen=True)
class ClinicRange:
    """One clinic's total for the person, in the lower and the higher case."""

    name: str
    low: Decimal
    high: Decimal
    cheapest: str
    """"clear": the cheapest (or tied); "low" or "high": the cheapest in the lower or the
    higher case only (which one is cheapest depends on what is not known); "" otherwise."""
    chosen: bool


@dataclass(frozen=True)
class ClinicChart:
    """The clinics compared (bot/compare.py), cheapest first, as the picture shows them."""

    clinics: tuple[ClinicRange, ...]
    sessions: tuple[int, int]


def clinic_chart_of(comparison: Comparison, chosen: int | None = None) -> ClinicChart:
    """The chart of a comparison of clinics, in its order (cheapest first)."""
    return ClinicChart(
        clinics=tuple(
            ClinicRange(
                name=option.clinic.name,
                low=option.patient[0],
                high=option.patient[1],
                cheapest=_cheapest(comparison, option.clinic.id),
                chosen=option.clinic.id == chosen,
            )
            for option in comparison.options
        ),
        sessions=comparison.options[0].estimate.sessions if comparison.options else (0, 0),
    )


def _cheapest(comparison: Comparison, clinic: int) -> str:
    if clinic not in comparison.cheapest:
        return ""
    if comparison.verdict == "clear":
        return "clear"
    return "low" if clinic in comparison.cheapest_by_case[0] else "high"


def draw(chart: CostChart | ClinicChart, words: Any, money: Any) -> bytes:
    """The chart as PNG bytes. `words` is its template's module (cost_chart.j2 or
    clinic_chart.j2: title, legend...), `money` the renderer's money filter for the axes."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    if isinstance(chart, ClinicChart):
        return _draw_clinics(chart, words, money, pyplot)

    legend: Mapping[str, str] = words.legend
    sessions = range(1, len(chart.bars) + 1)
    with pyplot.rc_context(_STYLE):
        figure, (top, bottom) = pyplot.subplots(
            2, 1, figsize=SIZE, dpi=DPI, height_ratios=(3, 2), layout="constrained"
        )
        base = [0.0] * len(chart.bars)
        for part in (*chart.parts, "insurer"):
            heights = [float(getattr(bar, part)) for bar in chart.bars]
            top.bar(
                sessions,
                heights,
                bottom=base,
                width=0.8,
                color=COLOURS[part],
                hatch=HATCHES[part],
                edgecolor="white" if part != "insurer" else COLOURS["insurer"],
                linewidth=0.5,
                label=legend[part],
            )
            base = [b + h for b, h in zip(base, heights, strict=True)]
        if not chart.exact:
            top.scatter(
                sessions,
                [float(v) for v in chart.lower],
                marker="_",
                s=400,
                linewidths=3,
                color="black",
                zorder=3,
                label=legend["lower"],
            )
        tallest = max((float(bar.patient + bar.insurer) for bar in chart.bars), default=0.0)
        top.set_ylim(0, max(tallest, 1.0) * 1.2)  # room above the bars for the cap's words
        if chart.capped_from:
            top.axvline(chart.capped_from - 0.5, color="black", linestyle="--", linewidth=1.5)
            late = chart.capped_from > len(chart.bars) / 2  # the words go where there is room
            top.annotate(
                str(words.cap),
                (chart.capped_from - (0.6 if late else 0.4), 0.98),
                xycoords=("data", "axes fraction"),
                ha="right" if late else "left",
                va="top",
                fontsize=FONT_SIZE - 2,
            )
        top.set_title(str(words.title), loc="left", fontweight="bold")
        top.legend(
            loc="upper left",
            bbox_to_anchor=(0, -0.12),
            ncols=2,
            frameon=False,
            fontsize=FONT_SIZE - 3,
        )
        bottom.plot(sessions, [float(v) for v in chart.running_high], color="black", linewidth=2.5)
        if not chart.exact:
            low = [float(v) for v in chart.running_low]
            high = [float(v) for v in chart.running_high]
            bottom.fill_between(
                sessions, low, high, color=COLOURS["band"], alpha=0.5, label=legend["range"]
            )
            bottom.plot(sessions, low, color="black", linewidth=2.5)
            bottom.legend(loc="lower right", frameon=False, fontsize=FONT_SIZE - 3)
        bottom.set_ylim(bottom=0)
        bottom.set_title(str(words.total_title), loc="left", fontweight="bold")
        bottom.set_xlabel(str(words.session))
        for axes in (top, bottom):
            axes.yaxis.set_major_formatter(FuncFormatter(lambda v, _: money(Decimal(round(v)))))
            axes.yaxis.set_major_locator(MaxNLocator(4))
            axes.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=8))
            axes.spines[["top", "right"]].set_visible(False)
            axes.grid(axis="y", color="#EEEEEE")
            axes.set_axisbelow(True)
        out = io.BytesIO()
        figure.savefig(out, format="png")
        pyplot.close(figure)
    return out.getvalue()


CLINIC_NAME_SHOWN = 34
"""Characters of a clinic's name on the chart (the caption and the list have it whole)."""


def _draw_clinics(chart: ClinicChart, words: Any, money: Any, pyplot: Any) -> bytes:
    """Each clinic a row, cheapest at the top, its name above its bar: a solid bar to the
    lower case's total, a lighter hatched one on to the higher case's, the figures after it."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    legend: Mapping[str, str] = words.legend
    rows = list(reversed(chart.clinics))  # matplotlib draws the first row at the bottom
    spans = [float(r.high - r.low) for r in rows]
    height = 2.2 + 1.4 * len(rows) + (0.8 if any(spans) else 0)
    with pyplot.rc_context(_STYLE):
        figure, axes = pyplot.subplots(figsize=(SIZE[0], height), dpi=DPI, layout="constrained")
        places = range(len(rows))
        lows = [float(r.low) for r in rows]
        axes.barh(places, lows, height=0.5, color=COLOURS["deductible"], label=legend["low"])
        if any(spans):
            axes.barh(
                places,
                spans,
                left=lows,
                height=0.5,
                color=COLOURS["band"],
                hatch="//",
                edgecolor="white",
                linewidth=0.5,
                label=legend["range"],
            )
        for place, row in zip(places, rows, strict=True):
            name = row.name if len(row.name) <= CLINIC_NAME_SHOWN else row.name[:33] + "…"
            axes.annotate(
                name + (str(words.chosen) if row.chosen else ""),
                (0, place + 0.3),
                va="bottom",
                fontweight="bold",
            )
            figures = str(words.figures(money(row.low), money(row.high))).strip()
            mark = words.cheapest.get(row.cheapest, "")
            axes.annotate(
                f"{figures}{mark}",
                (float(row.high), place),
                xytext=(8, 0),
                textcoords="offset points",
                va="center",
                fontsize=FONT_SIZE - 1,
            )
        widest = max((float(r.high) for r in rows), default=0.0) or 1.0
        axes.set_xlim(0, widest * 1.9)  # room for the figures after the longest bar
        axes.set_ylim(-0.6, len(rows) - 0.1)
        axes.set_yticks([])
        axes.set_title(str(words.title), loc="left", fontweight="bold")
        axes.xaxis.set_major_formatter(FuncFormatter(lambda v, _: money(Decimal(round(v)))))
        axes.xaxis.set_major_locator(MaxNLocator(3))
        axes.spines[["top", "right", "left"]].set_visible(False)
        axes.grid(axis="x", color="#EEEEEE")
        axes.set_axisbelow(True)
        if any(spans):
            axes.legend(loc="upper left", bbox_to_anchor=(0, -0.1), frameon=False)
        out = io.BytesIO()
        figure.savefig(out, format="png")
        pyplot.close(figure)
    return out.getvalue()
