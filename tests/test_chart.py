"""The cost chart (bot/chart.py) for three cases: everything known, a range, the out-of-pocket
maximum reached; drawn by the real renderer, read back as a PNG, its caption against the
estimate's own figures."""

import io
from dataclasses import replace
from decimal import Decimal

import pytest
from PIL import Image

from bot.chart import DPI, SIZE, chart_of, clinic_chart_of
from bot.clinics import Clinic
from bot.compare import compare
from bot.engine import Clinics, Estimate, Export, Menu
from bot.estimate import Schedule, estimate
from bot.flow import Flow
from bot.render import Renderer, money
from bot.replies import Attachment, Reply
from tests.support.engine_chat import Chat, walk
from tests.support.telegram_standin import MAX_CAPTION_LENGTH, parse_html, utf16_length

RENDERER = Renderer(Flow())
KNOWN = {  # Ana: an employer PPO, in network, everything known
    "treatment": "spravato",
    "plan_type": "ppo",
    "bh_carveout": "no",
    "coverage": "yes",
    "benefit": "medical",
    "network": "in",
    "deductible": "2500",
    "deductible_met": "900",
    "cost_sharing": "coinsurance",
    "coinsurance_pct": "20",
    "oop_max": "7000",
    "oop_met": "1100",
    "price_per_session": "1050",
    "allowed_per_session": "1050",
    "sessions": 12,
}
CASES = {
    "known": KNOWN,
    "range": {k: v for k, v in KNOWN.items() if k not in ("deductible_met", "coinsurance_pct")},
    "cap": KNOWN | {"deductible": "1000", "deductible_met": "0", "oop_max": "3000", "oop_met": "0"},
}


def png(chart) -> bytes:
    return RENDERER.file(Attachment("chart", {"chart": chart})).content


def caption(chart) -> str:
    html = RENDERER.render(Reply("chart_sent", {"chart": chart}), "html").text
    return parse_html(html)[0]


@pytest.mark.parametrize("case", CASES)
def test_the_chart_is_a_phone_sized_png_and_its_caption_says_the_estimates_figures(case):
    result = estimate(CASES[case])
    chart = chart_of(result)
    data = png(chart)
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(io.BytesIO(data)) as image:
        assert image.size == (round(SIZE[0] * DPI), round(SIZE[1] * DPI))
    text = caption(chart)
    assert utf16_length(text) <= MAX_CAPTION_LENGTH
    low, high = money(result.low.patient_total), money(result.high.patient_total)
    assert (f"In all about {low} for you" if result.exact else f"about {low} to {high}") in text
    assert "not a guarantee" in text


def test_each_bar_adds_up_to_the_session_and_the_parts_are_where_they_belong():
    result = estimate(CASES["known"])
    chart = chart_of(result)
    for bar, cost in zip(chart.bars, result.high.per_session, strict=True):
        assert bar.patient == cost.patient and bar.insurer == cost.insurer
    # $1,600 of deductible left: $1,050 in the first session, $550 in the second.
    assert [bar.deductible for bar in chart.bars[:3]] == [Decimal("1050.00"), Decimal("550.00"), 0]
    assert chart.deductible_until == 2 and chart.capped_from is None
    assert chart.parts == ("deductible", "sharing")
    assert "Up to session 2, part or all of what you pay goes toward your deductible." in caption(
        chart
    )


def test_the_cap_is_marked_where_it_first_lowers_the_cost():
    chart = chart_of(estimate(CASES["cap"]))
    paid = chart.running_high
    assert paid[-1] == Decimal("3000.00")
    # Session 1: $1,000 deductible + 20% of $50; then $210 a session until $3,000.
    first = next(n for n, total in enumerate(paid, 1) if total + Decimal("210") > 3000)
    assert chart.capped_from == first + 1
    assert all(bar.patient == 0 for bar in chart.bars[chart.capped_from :])
    assert f"From session {chart.capped_from}, the out-of-pocket maximum stops" in caption(chart)


def test_a_range_of_sessions_draws_the_lower_case_as_nothing_for_sessions_it_does_not_have():
    full = estimate(KNOWN)
    fewer = Schedule(full.low.per_session[:6])
    result = replace(full, low=fewer, sessions=(6, 12))
    chart = chart_of(result)
    assert len(chart.lower) == len(chart.running_low) == len(chart.bars) == 12
    assert chart.lower[6:] == (0,) * 6 and chart.running_low[6:] == (fewer.patient_total,) * 6
    assert chart.totals == (fewer.patient_total, full.high.patient_total)
    text = caption(chart)
    assert "(6 to 12 sessions)" in text
    assert f"about {money(fewer.patient_total)} to {money(full.high.patient_total)}" in text
    assert png(chart).startswith(b"\x89PNG")


def test_not_covered_and_out_of_network_parts_are_shaded_apart():
    uncovered = chart_of(estimate(KNOWN | {"coverage": "no"}))
    assert uncovered.parts == ("uncovered",)
    assert "you pay the full price" in caption(uncovered)
    oon = chart_of(estimate(KNOWN | {"network": "out", "allowed_per_session": "600"}))
    assert "beyond" in oon.parts
    assert all(bar.beyond == Decimal("450.00") for bar in oon.bars if bar.deductible or bar.sharing)


def test_the_chart_is_a_button_under_the_estimate_and_a_picture_with_its_caption():
    chat = Chat()
    chat.begin()
    walk(chat, {})
    (shown,) = chat.send(Estimate())
    assert "chart" in [b.label for b in shown.buttons]
    (sent,) = chat.send(Menu("chart"))
    assert [a.document for a in sent.attachments] == ["chart"]
    (file,) = RENDERER.attachments(sent)
    assert (file.filename, file.media_type) == ("cost-chart.png", "image/png")
    assert file.content.startswith(b"\x89PNG")


# -- the clinics compared ---------------------------------------------------------------------

CLINICS = (
    Clinic(1, "Bright Path Ketamine & Wellness Center", "in", Decimal("1050")),
    Clinic(2, "Calm", "out", Decimal("800"), allowed=Decimal("600")),
    Clinic(3, "Cheap <b>Co</b>", "out", Decimal("400")),  # its allowed amount not known
)


def test_the_clinics_chart_shows_each_clinics_range_cheapest_first_as_the_comparison_does():
    comparison = compare(KNOWN, list(CLINICS))
    chart = clinic_chart_of(comparison, chosen=2)
    assert [c.name for c in chart.clinics] == [o.clinic.name for o in comparison.options]
    assert [(c.low, c.high) for c in chart.clinics] == [o.patient for o in comparison.options]
    assert [bool(c.cheapest) for c in chart.clinics] == [
        o.clinic.id in comparison.cheapest for o in comparison.options
    ]
    assert comparison.verdict == "depends"  # Cheap Co at best, Bright Path at worst
    assert [c.cheapest for c in chart.clinics][:2] == ["low", "high"]
    assert [c.chosen for c in chart.clinics] == [o.clinic.id == 2 for o in comparison.options]
    assert any(c.low != c.high for c in chart.clinics)  # the unknown allowed amount: a range
    data = RENDERER.file(Attachment("clinic_chart", {"chart": chart})).content
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG"
        width, height = image.size
    assert width == round(SIZE[0] * DPI) and height < width * 1.2  # three rows: not a tall page
    assert "cheapest if it turns out badly" in caption_of(chart)
    text = caption_of(chart)
    assert utf16_length(text) <= MAX_CAPTION_LENGTH
    for n, option in enumerate(comparison.options, 1):
        low, high = option.patient
        figures = money(low) if low == high else f"{money(low)} to {money(high)}"
        assert f"{n}. {option.clinic.name}: about {figures}" in text
    assert "Cheap <b>Co</b>" in text  # escaped in the HTML, itself in the words


def test_the_clinics_chart_is_a_button_once_two_clinics_are_entered_and_in_the_export():
    chat = Chat()
    chat.begin()
    walk(chat, {})
    chat.case.clinics = [clinic.to_dict() for clinic in CLINICS[:1]]
    (listed,) = chat.send(Clinics())
    assert "clinic_chart" not in [b.label for b in listed.buttons]
    assert chat.send(Menu("clinic_chart"))[0].template == "closed"
    chat.case.clinics = [clinic.to_dict() for clinic in CLINICS]
    (listed,) = chat.send(Clinics())
    assert "clinic_chart" in [b.label for b in listed.buttons]
    (sent,) = chat.send(Menu("clinic_chart"))
    (file,) = RENDERER.attachments(sent)
    assert (file.filename, file.media_type) == ("clinics-compared.png", "image/png")
    (exported,) = chat.send(Export())
    assert "clinic_chart" in [a.document for a in exported.attachments]


def caption_of(chart) -> str:
    html = RENDERER.render(Reply("clinic_chart_sent", {"chart": chart}), "html").text
    return parse_html(html)[0]
