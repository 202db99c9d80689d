"""`python -m bot compare`: the text and JSON of the example, one clear line for bad clinics,
and templates/comparison.j2 in both markups for 0, 1, 3 and 20 clinics."""

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from bot.answers_file import AnswersFileError, load_answers, load_comparison
from bot.clinics import MAX_CLINICS, NAME_LENGTH, NOTE_LENGTH, Clinic
from bot.compare import compare
from bot.engine import Reply
from bot.estimate import estimate
from bot.flow import UNKNOWN
from bot.render import Renderer, split_message
from tests.support.telegram_standin import MAX_TEXT_LENGTH, parse_html, utf16_length

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "scripts" / "example_clinics.json"
PLAN = json.loads((ROOT / "scripts" / "example_answers.json").read_text())
RENDERER = Renderer()
NASTY_NAME = "<b>&*_\"'{{ x }}{% if %}</b> & <i>Co</i>"


def run_cli(*args: str | Path, mode: str = "compare") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot", mode, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        check=False,
    )


def write(tmp_path: Path, clinics: object, **plan: object) -> Path:
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(PLAN | plan | {"clinics": clinics}))
    return path


def render(markup: str, clinics: list[Clinic], chosen: int | None = None, answers=None) -> str:
    answers = PLAN if answers is None else answers
    context = {"comparison": compare(answers, clinics), "answers": answers, "chosen": chosen}
    return RENDERER.render(Reply("comparison", context), markup).text


# -- the example, by hand ----------------------------------------------------------------------
# The plan of scripts/example_answers.json: Spravato, covered, 20% coinsurance, deductible $1,500
# (how much is met not known), out-of-pocket maximum $4,000, 8 sessions.
# 1 Riverside, in network, $885: met $177 x 8 = $1,416; not met $885 + $885 - ... = $2,616
#   (the estimate of scripts/example_answers.json); the plan $5,664 / $4,464.
# 2 Lakeview, out of network, 6 sessions for $4,000 (4 x $666.67 + 2 x $666.66), then $700,
#   allowed not known: allowed in full, met: 6 x $133.33 + 2 x $140 = $1,079.98 ($135.00 a
#   session, $1,079.98 / 8 = $134.9975); nothing allowed: $4,000 + $1,400 = $5,400 ($675).
# 3 Hillside, out of network, $700, allowed $500: balance bill 8 x $200 = $1,600; met 8 x $100
#   -> $2,400; not met $1,500 + 5 x $100 -> $3,600; the plan $3,200 / $2,000.
# Lakeview is cheapest in the lower case, Riverside in the upper: it depends.
# Levers: Lakeview's allowed v with $5,400 - 8v + 8 x 20% of v < $1,416 from v = $622.51 (and
# $6,600 - 6.4v < $2,616 from the same v); Riverside's price p with 8 x 20% of p < $1,079.98
# up to p = $674.97 (in the upper case Riverside already wins: no threshold).


def test_json_output_of_the_example_has_exactly_the_documented_shape():
    result = run_cli(EXAMPLE, "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {"sessions", "verdict", "cheapest", "cheapest_by_case", "clinics", "levers"}
    assert data["sessions"] == [8, 8]
    assert data["verdict"] == "depends"
    assert data["cheapest"] == ["Lakeview Wellness", "Riverside Spravato Center"]
    assert data["cheapest_by_case"] == {
        "low": ["Lakeview Wellness"],
        "high": ["Riverside Spravato Center"],
    }
    shown = [
        (c["id"], c["name"], c["network"], c["patient"], c["insurer"], c["per_session"])
        for c in data["clinics"]
    ]
    assert shown == [
        (
            2,
            "Lakeview Wellness",
            "out",
            {"low": "1079.98", "high": "5400.00"},
            {"low": "0.00", "high": "4320.02"},
            {"low": "135.00", "high": "675.00"},
        ),
        (
            1,
            "Riverside Spravato Center",
            "in",
            {"low": "1416.00", "high": "2616.00"},
            {"low": "4464.00", "high": "5664.00"},
            {"low": "177.00", "high": "327.00"},
        ),
        (
            3,
            "Hillside Mind Clinic",
            "out",
            # Dearest: a separate $3,000 out-of-network deductible, none met, then 50%, no
            # maximum: 6 x $500 + 2 x $250 = $3,500, plus $200 x 8 billed above the allowed
            # amount: $5,100 ($637.50 a session); the plan pays 2 x $250 = $500.
            {"low": "2400.00", "high": "5100.00"},
            {"low": "500.00", "high": "3200.00"},
            {"low": "300.00", "high": "637.50"},
        ),
    ]
    assert [c["cheapest"] for c in data["clinics"]] == [True, True, False]
    for entry in data["clinics"]:
        assert set(entry) == {
            "id", "name", "network", "patient", "insurer", "per_session", "cheapest"
        }  # fmt: skip
    assert data["levers"] == [
        {
            "clinic": "Lakeview Wellness",
            "other": "Riverside Spravato Center",
            "kind": "allowed",
            "threshold": {"low": "622.51", "high": None},
        },
        {
            "clinic": "Riverside Spravato Center",
            "other": "Lakeview Wellness",
            "kind": "price",
            "threshold": {"low": "674.97", "high": None},
        },
    ]


def test_text_output_of_the_example():
    result = run_cli(EXAMPLE)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "What 8 planned sessions would cost you at each clinic, cheapest first:" in out
    assert "1. Lakeview Wellness — cheapest if what is not known turns out well" in out
    assert "Out of network, package: 6 sessions for $4,000, then $700 a session." in out
    assert "You pay about $1,079.98 to $5,400 ($135 to $675 a session)" in out
    assert "2. Riverside Spravato Center — cheapest if it turns out badly" in out
    assert "In network, $885 a session." in out
    assert "You pay about $1,416 to $2,616 ($177 to $327 a session)" in out
    assert "3. Hillside Mind Clinic\n" in out
    assert "Out of network, $700 a session, allowed amount $500 a session." in out
    assert "your plan about $500 to $3,200" in out
    assert "lower end with lower end" in out
    assert "If Lakeview Wellness's allowed amount turns out below $622.51 a session" in out
    assert "Riverside Spravato Center would cost you less than Lakeview Wellness at $674.97" in out
    assert "Note: Package paid up front; ask for a superbill" in out
    assert out.rstrip().endswith("not a guarantee of coverage or of what you will pay.")
    assert "<b>" not in out and "None" not in out


def test_the_example_agrees_with_the_estimate_of_the_same_plan():
    answers, clinics = load_comparison(EXAMPLE)
    riverside = compare(answers, clinics).option(1)
    assert riverside.estimate == estimate(load_answers(ROOT / "scripts" / "example_answers.json"))


def test_estimate_ignores_the_clinics_of_a_file(tmp_path):
    result = run_cli(EXAMPLE, "--json", mode="estimate")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["low"]["patient_total"] == "1416.00"
    assert "clinics" not in load_answers(write(tmp_path, "not even a list"))


# -- bad clinics: one clear line, exit status 2 ------------------------------------------------

GOOD = {"name": "Calm Center", "network": "in", "price": 600}


@pytest.mark.parametrize(
    ("clinics", "message"),
    [
        (
            [GOOD, GOOD | {"name": "Dear Clinic", "price": -5}],
            'clinics[2] ("Dear Clinic"): the price cannot be negative',
        ),
        (
            [GOOD | {"package": {"sessions": 0, "total": 3000}}],
            'clinics[1] ("Calm Center"): the package must be 1 to 60 sessions',
        ),
        (
            [GOOD | {"name": f"Clinic {n}"} for n in range(200)],
            '"clinics" has 200 clinics; at most 20 can be compared',
        ),
        (
            [GOOD | {"network": "sideways"}],
            'clinics[1] ("Calm Center"): the network must be "in", "out" or "unknown"',
        ),
        ({"name": "Calm Center"}, '"clinics" must be a list of clinics'),
        ({}, '"clinics" must be a list of clinics'),
        ("Calm Center", '"clinics" must be a list of clinics'),
        (["Calm Center"], "clinics[1]: each clinic must be an object"),
        ([GOOD | {"name": "  "}], "clinics[1]: a clinic needs a name"),
        ([GOOD | {"name": "x" * 61}], "the name is longer than 60 characters"),
        ([GOOD | {"price": "lots"}], "the price must be a number of dollars"),
        ([GOOD | {"price": 10_001}], "the price is more than $10,000"),
        ([GOOD | {"allowed": 12.345}], "the allowed amount has more than two decimals"),
        ([GOOD | {"allowed": True}], "the allowed amount must be a number of dollars"),
        (
            [GOOD | {"package": {"sessions": 6, "total": 100_001}}],
            "the package total is more than $100,000",
        ),
        ([GOOD | {"package": {"sessions": 6}}], "the package total must be a number of dollars"),
        ([GOOD | {"package": {"sessions": 6.0, "total": 1}}], "the package must be 1 to 60"),
        ([GOOD | {"package": [6, 3000]}], "the package must be an object"),
        ([GOOD | {"note": "n" * 201}], "the note must be text of at most 200 characters"),
        ([GOOD | {"prcie": 500}], '"prcie" is not a clinic field'),
        ([GOOD | {"package": {"sessions": 6, "totl": 1}}], '"package.totl" is not a clinic field'),
        ([GOOD, GOOD | {"name": "calm center "}], 'clinics[2] ("calm center"): has the same'),
    ],
)
def test_a_bad_clinic_gets_one_clear_line_and_status_2(tmp_path, clinics, message):
    result = run_cli(write(tmp_path, clinics))
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert lines[0].startswith(f"error: {tmp_path / 'answers.json'}:")


def test_a_bad_plan_answer_is_still_reported(tmp_path):
    result = run_cli(write(tmp_path, [GOOD], coverage="maybe"))
    assert result.returncode == 2
    assert '"coverage" must be one of yes, no, unknown' in result.stderr


def test_an_error_line_quotes_a_long_or_multiline_name_on_one_line(tmp_path):
    name = "Line one\nline two " + "z" * 40
    result = run_cli(write(tmp_path, [GOOD | {"name": name, "price": -1}]))
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and '("Line one\\nline two zzz' in lines[0] and "…" in lines[0]


def test_the_load_error_is_coded(tmp_path):
    with pytest.raises(AnswersFileError) as raised:
        load_comparison(write(tmp_path, [GOOD, GOOD | {"price": -1}]))
    error = raised.value
    assert (error.code, error.field) == ("bad_clinic", "clinics")
    assert error.details["position"] == 2 and error.details["problem"] == "negative"


def test_amounts_are_read_as_decimal_never_float(tmp_path):
    # 100.10 x 3 as floats is 300.29999999999995; as Decimal, exactly $300.30.
    path = tmp_path / "answers.json"
    path.write_text(
        '{"coverage": "no", "sessions": 3, "clinics": ['
        '{"name": "A", "network": "in", "price": 100.10},'
        '{"name": "B", "network": "out", "price": "99.9", "allowed": 0.30,'
        ' "package": {"sessions": 3, "total": 299.99}}]}'
    )
    answers, (a, b) = load_comparison(path)
    assert (a.id, b.id) == (1, 2)
    assert a.price == Decimal("100.10") and type(a.price) is Decimal
    assert (b.price, b.allowed, b.package.total) == (
        Decimal("99.90"),
        Decimal("0.30"),
        Decimal("299.99"),
    )
    comparison = compare(answers, [a, b])
    assert comparison.option(1).patient == (Decimal("300.30"), Decimal("300.30"))
    assert comparison.option(2).patient == (Decimal("299.99"), Decimal("299.99"))
    data = json.loads(run_cli(path, "--json").stdout)
    assert data["clinics"][1]["patient"] == {"low": "300.30", "high": "300.30"}


def test_null_and_missing_fields_are_not_known(tmp_path):
    path = write(tmp_path, [{"name": "Only a name"}, {"name": "B", "network": None, "note": None}])
    _, (a, b) = load_comparison(path)
    assert (a.network, a.price, a.package, a.allowed, a.note) == (UNKNOWN, None, None, None, "")
    assert b.network == UNKNOWN
    result = run_cli(path)
    assert result.returncode == 0, result.stderr
    assert "Network not known, price not known yet." in result.stdout


def test_null_clinics_compare_nothing(tmp_path):
    assert load_comparison(write(tmp_path, None))[1] == []


def test_no_clinics_key_compares_nothing():
    result = run_cli(ROOT / "scripts" / "example_answers.json")
    assert result.returncode == 0, result.stderr
    assert "No clinics are entered yet" in result.stdout
    data = json.loads(run_cli(ROOT / "scripts" / "example_answers.json", "--json").stdout)
    assert data == {
        "sessions": None,
        "verdict": "none",
        "cheapest": [],
        "cheapest_by_case": {"low": [], "high": []},
        "clinics": [],
        "levers": [],
    }


def test_a_name_full_of_markup_is_accepted_and_shown_as_typed(tmp_path):
    path = write(tmp_path, [GOOD | {"name": NASTY_NAME, "note": "<i>cash</i> & card"}])
    result = run_cli(path)
    assert result.returncode == 0, result.stderr
    assert NASTY_NAME in result.stdout and "<i>cash</i> & card" in result.stdout
    _, clinics = load_comparison(path)
    html = render("html", [*clinics, Clinic(2, "Plain", "in", Decimal("900.00"))])
    assert "&lt;b&gt;&amp;" in html
    text, entities = parse_html(html)
    assert NASTY_NAME in text and "<i>cash</i> & card" in text
    assert {entity["type"] for entity in entities} == {"bold"}


# -- templates/comparison.j2 in both markups ---------------------------------------------------


def many_clinics(count: int) -> list[Clinic]:
    """The longest names and notes, every kind of pricing and network, markup in the text."""
    kinds = [
        {"network": "in", "price": "885"},
        {"network": "out", "price": "700", "package": {"sessions": 6, "total": "4000"}},
        {"network": "out", "price": "700", "allowed": "500"},
        {"network": UNKNOWN, "price": None},
        {"network": "out", "package": {"sessions": 12, "total": "9999.99"}, "allowed": None},
    ]
    return [
        Clinic.from_dict(
            kinds[n % len(kinds)]
            | {
                "id": n + 1,
                "name": (f"{n:02d}<&>" + "\U0001f48a" * NAME_LENGTH)[:NAME_LENGTH],
                "note": ("<i>&amp;</i>" * NOTE_LENGTH)[:NOTE_LENGTH],
            }
        )
        for n in range(count)
    ]


@pytest.mark.parametrize("count", [0, 1, 3, MAX_CLINICS])
@pytest.mark.parametrize(
    "answers",
    [PLAN, PLAN | {"deductible_met": "1500.00"}, {"treatment": "unsure", "coverage": UNKNOWN}],
)
def test_the_comparison_renders_in_both_markups(count, answers):
    clinics = many_clinics(count)
    chosen = clinics[-1].id if clinics else None
    text = render("text", clinics, chosen, answers)
    html = render("html", clinics, chosen, answers)
    for output in (text, html):
        assert "None" not in output and "{{" not in output.replace(NASTY_NAME, "")
    assert "<b>" not in text
    parts = split_message(html)
    for part in parts:
        assert utf16_length(part) <= MAX_TEXT_LENGTH
        parse_html(part)  # raises where Telegram would reject it
    visible, _ = parse_html(html)
    if count == 0:
        assert "No clinics are entered yet" in text and "No clinics are entered yet" in visible
        return
    for clinic in clinics:
        assert clinic.name in text and clinic.name in visible
    assert text.count("(your choice)") == 1
    assert text.endswith("not a guarantee of coverage or of what you will pay.")
    if count == 1:
        assert "cheapest" not in text and "What would change the ranking" not in text
        assert "at this clinic:" in text
    else:
        assert "cheapest first" in text and "cheapest" in text.split("cheapest first", 1)[1]


def test_single_amounts_and_ties_are_worded_plainly():
    answers = PLAN | {"deductible_met": "1500.00"}
    clinics = [
        Clinic(1, "North", "in", Decimal("600.00")),
        Clinic(2, "South", "in", Decimal("600.00")),
        Clinic(3, "East", "in", Decimal("885.00")),
    ]
    text = render("text", clinics, answers=answers)
    # $600: 20% -> $120 x 8 = $960, the plan $3,840; $885 -> $1,416.
    assert "1. North — tied for cheapest" in text and "2. South — tied for cheapest" in text
    assert "You pay about $960 ($120 a session); your plan about $3,840." in text
    assert "lower end with lower end" not in text  # no ranges
    # East at $599.97 or less: $119.99 x 8 = $959.92 < $960.
    assert "East would cost you less than North at $599.97 a session or less" in text


def test_a_clear_winner_and_the_allowed_amount_that_would_help_the_runner_up():
    answers = PLAN | {"deductible_met": "1500.00"}
    clinics = [
        Clinic(1, "North", "in", Decimal("600.00")),
        Clinic(2, "West", "out", Decimal("700.00")),
    ]
    text = render("text", clinics, chosen=2, answers=answers)
    # West out of network, allowed v not known: $5,600 - 8 x 80% of v < $960 from v = $725.01,
    # above its price: in the lower case it is at most as cheap ($140 x 8 = $1,120 at v = $700).
    assert "1. North — cheapest for you\n" in text
    assert "2. West (your choice)" in text
    assert "You pay about $1,120 to $5,600" in text


def test_levers_for_the_runner_up_and_a_threshold_that_depends_on_the_unknowns():
    answers = PLAN  # how much of the $1,500 deductible is met is not known
    clinics = [
        Clinic(1, "Maybe", UNKNOWN, Decimal("600.00")),
        Clinic(2, "Far", "out", Decimal("650.00")),
    ]
    comparison = compare(answers, clinics)
    # Maybe: in network $120 x 8 = $960; out of network, nothing allowed, 8 x $600 = $4,800.
    # Far, allowed not known: $130 x 8 = $1,040 to 8 x $650 = $5,200. Maybe wins both cases.
    # Far with allowed v in the dearest case (out of network: a separate $3,000 deductible,
    # none met, 50%, no maximum): 8 x ($650 - v) + $3,000 + 50% x (8v - $3,000) = $6,700 - 4v
    # < $4,800 from v = $475.01; in the lower case no v up to $650 will do.
    # Far's price p: 8 x 20% of p < $960 up to $599.97; 8p < $4,800 up to $599.99.
    assert comparison.verdict == "clear" and comparison.cheapest == (1,)
    assert [(lv.clinic, lv.kind, lv.threshold) for lv in comparison.levers] == [
        (2, "allowed", (None, Decimal("475.01"))),
        (2, "price", (Decimal("599.97"), Decimal("599.99"))),
    ]
    text = render("text", clinics, answers=answers)
    assert (
        "If Far's allowed amount is at least $475.01 a session, Far becomes cheaper than Maybe"
        " (if it turns out badly)." in text
    )
    assert (
        "Far would cost you less than Maybe at a price between $599.97 and $599.99 a session or"
        " less, depending on what is not known yet: worth asking about." in text
    )
    assert "1. Maybe — cheapest for you" in text and "Network not known" in text


def test_the_readme_shows_the_real_output_of_the_example():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("### Comparing clinics", 1)[1].split("\n## ", 1)[0]
    shown = section.split("The text output:\n\n```\n", 1)[1].split("\n```", 1)[0]
    assert run_cli(EXAMPLE).stdout.rstrip("\n") == shown
