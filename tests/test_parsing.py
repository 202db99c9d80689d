"""Tests for bot.parsing: what people type, and what we make of it."""

import ast
import inspect
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import parsing
from bot.parsing import (
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


def error_of(function, raw, **kwargs) -> ParseError:
    with pytest.raises(ParseError) as caught:
        function(raw, **kwargs)
    return caught.value


# -- ParseError --


def test_parse_error_carries_code_and_details():
    error = ParseError("too_large", maximum=Decimal("5"))
    assert isinstance(error, ValueError)
    assert error.code == "too_large"
    assert error.details == {"maximum": Decimal("5")}
    assert "too_large" in str(error)


def test_parse_error_without_details():
    error = ParseError("empty")
    assert error.details == {}
    assert str(error) == "empty"


# -- normalize_text --


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("hello", "hello"),
        ("  hello  ", "hello"),
        ("a\u00a0b", "a b"),  # no-break space
        ("a\u2009b", "a b"),  # thin space
        ("a\u202fb", "a b"),  # narrow no-break space
        ("a\u3000b", "a b"),  # ideographic space
        ("a \n\t\r\n b", "a b"),
        ("line one\nline two", "line one line two"),
        ("a\u200bb", "ab"),
        ("a\u200cb\u200dc", "abc"),
        ("\u2060a\ufeff", "a"),
        ("\u200ea\u200fb", "ab"),
        ("\u202a\u202b\u202c\u202d\u202ex", "x"),
        ("\u2066\u2067\u2068\u2069x", "x"),
        ("a\x00b", "ab"),
        ("a\x07b\x1bc\x7fd", "abcd"),
        ("a\x80b\x9fc", "abc"),
        ("a\x85b", "a b"),  # NEL is a line break
        ("\uff11\uff15\uff10\uff10", "1500"),  # fullwidth digits
        ("\uff04\uff11", "$1"),
        ("ﬁne", "fine"),  # ligature
        ("", ""),
        ("   ", ""),
        ("\u200b\u200b", ""),
        ("<b>x</b> & y", "<b>x</b> & y"),
    ],
)
def test_normalize_text(raw, expected):
    assert normalize_text(raw) == expected


# -- is_unknown --


@pytest.mark.parametrize(
    "raw",
    [
        "unknown",
        "Unknown",
        "UNKNOWN",
        "idk",
        "IDK",
        "idk.",
        "i don't know",
        "I don\u2019t know",  # curly apostrophe
        "I don\u2018t know",
        "I don\u02bct know",
        "I don\u00b4t know",
        "I dont know",
        "i don't know.",
        "I don't know!",
        "dont know",
        "don't know",
        "Don't know yet",
        "not sure",
        "Not sure.",
        "not sure!",
        "no idea",
        "No idea!",
        "?",
        "??",
        " ? ",
        "unsure",
        "dunno",
        "  not\u00a0 sure  ",
        "\u200bidk\u200b",
        "i do not know",
        "I'm not sure",
        "skip",
        "Skip.",
    ],
)
def test_is_unknown_accepts(raw):
    assert is_unknown(raw) is True


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "yes",
        "no",
        "500",
        "$1,500",
        "know",
        "i know",
        "sure",
        "maybe",
        "skipping rope",
        "x" * 10_000,
    ],
)
def test_is_unknown_rejects(raw):
    assert is_unknown(raw) is False


# -- parse_yes_no --


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("yes", "yes"),
        ("Yes", "yes"),
        ("YES", "yes"),
        ("y", "yes"),
        ("Y", "yes"),
        ("yeah", "yes"),
        ("yep", "yes"),
        ("true", "yes"),
        ("True", "yes"),
        ("yes.", "yes"),
        ("Yes!", "yes"),
        ("  yes  ", "yes"),
        ("\u200byes", "yes"),
        ("no", "no"),
        ("No", "no"),
        ("n", "no"),
        ("N", "no"),
        ("nope", "no"),
        ("false", "no"),
        ("No.", "no"),
        ("idk", "unknown"),
        ("not sure", "unknown"),
        ("I don\u2019t know", "unknown"),
        ("?", "unknown"),
        ("maybe", None),
        ("", None),
        ("yes no", None),
        ("yesss", None),
        ("1", None),
        ("x" * 10_000, None),
    ],
)
def test_parse_yes_no(raw, expected):
    assert parse_yes_no(raw) == expected


# -- parse_money --


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("$1,500", "1500.00"),
        ("1500", "1500.00"),
        ("1500.00", "1500.00"),
        ("1500.5", "1500.50"),
        ("1500.05", "1500.05"),
        ("1500.", "1500.00"),
        (".5", "0.50"),
        ("0.99", "0.99"),
        ("1,500", "1500.00"),
        ("1,500.00", "1500.00"),
        ("999,999.99", "999999.99"),
        ("1 500", "1500.00"),
        ("1\u2009500", "1500.00"),  # thin space
        ("1\u202f500", "1500.00"),  # narrow no-break space
        ("1\u00a0500", "1500.00"),  # no-break space
        ("1 000 000", "1000000.00"),
        ("1 500.25", "1500.25"),
        ("1.5k", "1500.00"),
        ("1.5K", "1500.00"),
        ("$2K", "2000.00"),
        ("2k", "2000.00"),
        ("2.25k", "2250.00"),
        ("1.2345k", "1234.50"),
        ("1.23456k", "1234.56"),
        ("1.5 k", "1500.00"),
        ("$1.5k", "1500.00"),
        ("1,000k", "1000000.00"),
        ("0", "0.00"),
        ("$0", "0.00"),
        ("0.00", "0.00"),
        ("-0", "0.00"),  # decided: minus zero is still zero, so accepted
        ("-0.00", "0.00"),
        ("$1500", "1500.00"),
        ("$ 1500", "1500.00"),
        ("1500$", "1500.00"),
        ("1500 $", "1500.00"),
        ("1500 USD", "1500.00"),
        ("1500USD", "1500.00"),
        ("1500 usd", "1500.00"),
        ("USD 1500", "1500.00"),
        ("USD1500", "1500.00"),
        ("1500 dollars", "1500.00"),
        ("1500 Dollars", "1500.00"),
        ("1 dollar", "1.00"),
        ("$1,500 USD", "1500.00"),
        ("US$1,500", "1500.00"),
        ("  $1,500  ", "1500.00"),
        ("\u200b$1,500\u202e", "1500.00"),
        ("\ufeff1500\u200d", "1500.00"),
        ("\uff04\uff11,\uff15\uff10\uff10", "1500.00"),  # fullwidth: NFKC makes it ASCII
        ("007", "7.00"),
        ("1000000", "1000000.00"),
        ("$1,000,000.00", "1000000.00"),
    ],
)
def test_parse_money_accepts(raw, expected):
    value = parse_money(raw)
    assert isinstance(value, Decimal)
    assert not isinstance(value, float)
    assert value == Decimal(expected)
    assert str(value) == expected  # quantised to cents, no "-0.00"
    assert value.as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("\u200b\u200c", "empty"),
        ("\x00", "empty"),
        ("-5", "negative"),
        ("-5.00", "negative"),
        ("- 5", "negative"),
        ("\u22125", "negative"),  # minus sign
        ("\u20135", "negative"),  # en dash, as phones type it
        ("-$5", "negative"),
        ("$-5", "negative"),
        ("($5)", "negative"),
        ("(5)", "negative"),
        ("($1,500.00)", "negative"),
        ("-1.5k", "negative"),
        ("--5", "not_a_number"),
        ("(-5)", "not_a_number"),
        ("abc", "not_a_number"),
        ("12abc", "not_a_number"),
        ("abc12", "not_a_number"),
        ("1e3", "not_a_number"),
        ("1E3", "not_a_number"),
        ("1e309", "not_a_number"),
        ("NaN", "not_a_number"),
        ("nan", "not_a_number"),
        ("inf", "not_a_number"),
        ("Infinity", "not_a_number"),
        ("-inf", "not_a_number"),
        ("0x10", "not_a_number"),
        ("½", "not_a_number"),
        ("1½", "not_a_number"),
        ("1²", "not_a_number"),  # NFKC would make this "12"
        ("①", "not_a_number"),
        ("٣٠٠", "not_a_number"),  # Arabic-Indic digits
        ("۳۰۰", "not_a_number"),  # Extended Arabic-Indic digits
        ("३००", "not_a_number"),  # Devanagari digits
        ("$", "not_a_number"),
        ("$$5", "not_a_number"),
        ("$5$", "not_a_number"),
        ("USD", "not_a_number"),
        ("dollars", "not_a_number"),
        ("k", "not_a_number"),
        ("$k", "not_a_number"),
        ("5kk", "not_a_number"),
        ("5 USD USD", "not_a_number"),
        ("20%", "not_a_number"),
        ("%", "not_a_number"),
        (".", "not_a_number"),
        ("1.2.3", "not_a_number"),
        ("1.500.000", "not_a_number"),
        ("1 5", "not_a_number"),
        ("15 20", "not_a_number"),
        ("1500-2000", "not_a_number"),
        ("5-", "not_a_number"),
        ("+5", "not_a_number"),
        ("1'500", "not_a_number"),
        ("€1500", "not_a_number"),
        ("1.5m", "not_a_number"),
        ("()", "not_a_number"),
        ("1,5", "ambiguous_comma"),
        ("15,00", "ambiguous_comma"),
        ("1,50", "ambiguous_comma"),
        ("1500,5", "ambiguous_comma"),
        ("1.500,00", "ambiguous_comma"),
        ("1 500,00", "ambiguous_comma"),
        ("1,5000", "ambiguous_comma"),
        ("0,500", "ambiguous_comma"),
        ("12,34,567", "ambiguous_comma"),
        ("$1,5", "ambiguous_comma"),
        ("1,5k", "ambiguous_comma"),
        ("1,", "ambiguous_comma"),
        ("1500.555", "too_many_decimals"),
        ("1500.500", "too_many_decimals"),
        ("1.500", "too_many_decimals"),
        ("1,500.555", "too_many_decimals"),
        ("1.234567k", "too_many_decimals"),
        ("0.001", "too_many_decimals"),
        ("1000000.01", "too_large"),
        ("1,000,001", "too_large"),
        ("2000000", "too_large"),
        ("1001k", "too_large"),
        ("9" * 100, "too_large"),
        ("1" * 101, "too_long"),
        (" " * 101, "too_long"),  # the raw length is checked before anything else
        ("9" * 10_000, "too_long"),
    ],
)
def test_parse_money_rejects(raw, code):
    assert error_of(parse_money, raw).code == code


def test_parse_money_too_large_reports_maximum():
    error = error_of(parse_money, "2000000")
    assert error.details == {"maximum": Decimal("1000000")}


def test_parse_money_custom_maximum():
    assert parse_money("500", maximum=Decimal("500")) == Decimal("500.00")
    error = error_of(parse_money, "500.01", maximum=Decimal("500"))
    assert (error.code, error.details) == ("too_large", {"maximum": Decimal("500")})


def test_parse_money_grouped_millions_with_higher_maximum():
    assert parse_money("12,345,678.90", maximum=Decimal("1e8")) == Decimal("12345678.90")


def test_parse_money_big_custom_maximum_is_exact():
    amount = "123456789012345678901234567890.12"  # more digits than the default precision
    assert str(parse_money(amount, maximum=Decimal("1e40"))) == amount


def test_parse_money_too_long_reports_limit():
    assert error_of(parse_money, "1" * 101).details == {"max_length": 100}


def test_parse_money_length_limit_is_inclusive():
    raw = " " * 96 + "1500"
    assert len(raw) == 100
    assert parse_money(raw) == Decimal("1500.00")


# -- parse_percent --


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("20%", "20"),
        ("20", "20"),
        ("20 %", "20"),
        ("20.0%", "20"),
        ("20.00", "20"),
        ("12.5%", "12.5"),
        ("12.5", "12.5"),
        ("12.50%", "12.5"),
        ("12.25%", "12.25"),
        ("0%", "0"),
        ("0", "0"),
        ("0.0", "0"),
        ("-0", "0"),
        ("100%", "100"),
        ("100", "100"),
        ("100.00%", "100"),
        ("1", "1"),
        ("1%", "1"),
        ("10", "10"),
        ("50", "50"),
        ("0.5%", "0.5"),
        ("0.25%", "0.25"),
        (".5%", "0.5"),
        ("20 percent", "20"),
        ("20percent", "20"),
        ("20 per cent", "20"),
        ("20 PCT", "20"),
        ("\u200b20%\u202e", "20"),
        ("\uff12\uff10\uff05", "20"),  # fullwidth
        ("20\ufe6a", "20"),  # small percent sign
        ("  20  %  ", "20"),
        ("020", "20"),
    ],
)
def test_parse_percent_accepts(raw, expected):
    value = parse_percent(raw)
    assert isinstance(value, Decimal)
    assert value == Decimal(expected)
    assert str(value) == expected  # plain: "100", never "1E+2"; "20", never "20.00"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "empty"),
        ("  ", "empty"),
        ("%", "not_a_number"),
        ("abc", "not_a_number"),
        ("20abc", "not_a_number"),
        ("NaN", "not_a_number"),
        ("nan%", "not_a_number"),
        ("inf", "not_a_number"),
        ("Infinity", "not_a_number"),
        ("1e1", "not_a_number"),
        ("0x10", "not_a_number"),
        ("½", "not_a_number"),
        ("٢٠", "not_a_number"),
        ("$20", "not_a_number"),
        ("%20", "not_a_number"),
        ("20%%", "not_a_number"),
        ("20 30", "not_a_number"),
        ("--5", "not_a_number"),
        (".", "not_a_number"),
        ("12,5%", "ambiguous_comma"),
        ("12,5", "ambiguous_comma"),
        ("-5", "negative"),
        ("-5%", "negative"),
        ("\u22125%", "negative"),
        ("-0.5%", "negative"),
        ("-0.2", "negative"),
        ("101", "over_100"),
        ("100.01%", "over_100"),
        ("150%", "over_100"),
        ("1000", "over_100"),
        ("9" * 100, "over_100"),
        ("12.555%", "too_many_decimals"),
        ("12.555", "too_many_decimals"),
        ("0.001%", "too_many_decimals"),
        ("0.12345", "too_many_decimals"),  # 12.345% would be too precise too
        ("0.2", "ambiguous_fraction"),
        ("0.5", "ambiguous_fraction"),
        ("0.99", "ambiguous_fraction"),
        (".2", "ambiguous_fraction"),
        ("0.125", "ambiguous_fraction"),
        ("1" * 101, "too_long"),
    ],
)
def test_parse_percent_rejects(raw, code):
    assert error_of(parse_percent, raw).code == code


@pytest.mark.parametrize(
    ("raw", "percent"),
    [("0.2", "20"), ("0.5", "50"), ("0.05", "5"), ("0.125", "12.5"), ("0.9999", "99.99")],
)
def test_parse_percent_ambiguous_fraction_suggests_percent(raw, percent):
    error = error_of(parse_percent, raw)
    assert error.code == "ambiguous_fraction"
    assert error.details == {"percent": Decimal(percent)}
    assert str(error.details["percent"]) == percent


# -- parse_count --


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0", 0),
        ("3", 3),
        ("  3  ", 3),
        ("03", 3),
        ("100", 100),
        ("2.0", 2),
        ("-0", 0),
        ("6 sessions", 6),
        ("1 session", 1),
        ("6sessions", 6),
        ("3 times", 3),
        ("2 drugs", 2),
        ("4 medications", 4),
        ("4 meds", 4),
        ("2 antidepressants", 2),
        ("1 antidepressant", 1),
        ("zero", 0),
        ("one", 1),
        ("six", 6),
        ("Six", 6),
        ("SIX", 6),
        ("ten", 10),
        ("twelve", 12),
        ("fifteen", 15),
        ("twenty", 20),
        ("six sessions", 6),
        ("three meds", 3),
        ("\u200b6\u202e", 6),
        ("\uff16", 6),  # fullwidth
    ],
)
def test_parse_count_accepts(raw, expected):
    value = parse_count(raw)
    assert type(value) is int
    assert value == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("2.5", "not_whole"),
        ("0.5", "not_whole"),
        ("1.01", "not_whole"),
        ("-3", "negative"),
        ("-3 sessions", "negative"),
        ("-2.5", "negative"),
        ("101", "out_of_range"),
        ("9" * 100, "out_of_range"),
        ("abc", "not_a_number"),
        ("sessions", "not_a_number"),
        ("lots of them", "not_a_number"),
        ("a few", "not_a_number"),
        ("3 4", "not_a_number"),
        ("1e2", "not_a_number"),
        ("NaN", "not_a_number"),
        ("½", "not_a_number"),
        ("²", "not_a_number"),
        ("٣", "not_a_number"),
        ("3%", "not_a_number"),
        ("$3", "not_a_number"),
        ("1,000", "not_a_number"),
        ("--3", "not_a_number"),
        ("1" * 101, "too_long"),
    ],
)
def test_parse_count_rejects(raw, code):
    assert error_of(parse_count, raw).code == code


@pytest.mark.parametrize(
    ("raw", "minimum", "maximum", "expected"),
    [("1", 1, 5, 1), ("5", 1, 5, 5), ("three", 1, 5, 3)],
)
def test_parse_count_custom_range_accepts(raw, minimum, maximum, expected):
    assert parse_count(raw, minimum=minimum, maximum=maximum) == expected


@pytest.mark.parametrize(("raw", "minimum", "maximum"), [("0", 1, 5), ("6", 1, 5), ("six", 1, 5)])
def test_parse_count_custom_range_rejects(raw, minimum, maximum):
    error = error_of(parse_count, raw, minimum=minimum, maximum=maximum)
    assert error.code == "out_of_range"
    assert error.details == {"minimum": minimum, "maximum": maximum}


# -- parse_text --


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Aetna", "Aetna"),
        ("  Blue  Cross\nBlue Shield ", "Blue Cross Blue Shield"),
        ("\u200bCigna\u202e", "Cigna"),
        ("<b>UHC</b> & co", "<b>UHC</b> & co"),
        ("x" * 100, "x" * 100),
        ("\uff21\uff25\uff34\uff2e\uff21", "AETNA"),
    ],
)
def test_parse_text_accepts(raw, expected):
    assert parse_text(raw) == expected


@pytest.mark.parametrize(
    ("raw", "kwargs", "code", "details"),
    [
        ("", {}, "empty", {}),
        ("  \n ", {}, "empty", {}),
        ("\u200b\u2060", {}, "empty", {}),
        ("x" * 101, {}, "too_long", {"max_length": 100}),
        ("abcdef", {"max_length": 5}, "too_long", {"max_length": 5}),
        ("x" * 10_000, {}, "too_long", {"max_length": 100}),
    ],
)
def test_parse_text_rejects(raw, kwargs, code, details):
    error = error_of(parse_text, raw, **kwargs)
    assert (error.code, error.details) == (code, details)


def test_parse_text_counts_length_after_normalising():
    assert parse_text("a" + " " * 300 + "b", max_length=3) == "a b"


# -- no binary floating point anywhere --


def test_module_never_calls_float():
    tree = ast.parse(inspect.getsource(parsing))
    names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    assert "float" not in names


# -- properties --

amounts = st.integers(min_value=0, max_value=100_000_000).map(lambda cents: Decimal(cents) / 100)


@given(amount=amounts, dollar=st.booleans())
def test_formatted_amounts_parse_back(amount, dollar):
    amount = amount.quantize(Decimal("0.01"))
    typed = ("${:,}" if dollar else "{:,}").format(amount)
    value = parse_money(typed)
    assert isinstance(value, Decimal)
    assert value == amount
    assert str(value) == str(amount)


number_like = st.text(alphabet="0123456789.,$-k%() usdK\u2212\u200b", max_size=20)
anything = st.one_of(st.text(max_size=120), number_like)


@settings(max_examples=300)
@given(raw=anything)
def test_arbitrary_text_only_raises_parse_error(raw):
    for function in (parse_money, parse_percent, parse_count, parse_text):
        try:
            value = function(raw)
        except ParseError as error:
            assert isinstance(error.code, str)
            continue
        if isinstance(value, Decimal):
            assert value >= 0
            assert not value.is_signed()  # no "-0.00" either
        elif isinstance(value, int):
            assert value >= 0
        else:
            assert isinstance(value, str)
            assert value == normalize_text(value)
    assert parse_yes_no(raw) in ("yes", "no", "unknown", None)
    assert isinstance(is_unknown(raw), bool)


@given(number=st.integers(min_value=0, max_value=100), sign=st.sampled_from(["", "%", " %"]))
def test_whole_percentages_parse_to_themselves(number, sign):
    value = parse_percent(f"{number}{sign}")
    assert value == number
    assert str(value) == str(number)


TODAY = date(2026, 11, 26)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("today", date(2026, 11, 26)),
        ("Yesterday.", date(2026, 11, 25)),
        ("2026-11-01", date(2026, 11, 1)),
        ("11/2/2026", date(2026, 11, 2)),
        ("11/2", date(2026, 11, 2)),
        ("1/5/26", date(2026, 1, 5)),
        (" \u200b2026-11-26 ", date(2026, 11, 26)),
    ],
)
def test_parse_date_accepts(raw, expected):
    assert parse_date(raw, today=TODAY) == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "empty"),
        ("soon", "not_a_date"),
        ("2026-02-30", "not_a_date"),
        ("13/1/2026", "not_a_date"),
        ("12/1/2026", "in_the_future"),
        ("x" * 200, "too_long"),
    ],
)
def test_parse_date_rejects(raw, code):
    with pytest.raises(ParseError) as raised:
        parse_date(raw, today=TODAY)
    assert raised.value.code == code


def test_a_date_one_day_past_the_bots_day_is_taken_as_the_users_today():
    # Late in the evening in the bot's time zone it is already the next day further east.
    tomorrow = TODAY + timedelta(days=1)
    assert parse_date(tomorrow.strftime("%m/%d/%Y"), today=TODAY) == tomorrow
    with pytest.raises(ParseError) as raised:
        parse_date((TODAY + timedelta(days=2)).isoformat(), today=TODAY)
    assert raised.value.code == "in_the_future"


def test_parse_date_may_allow_the_future():
    assert parse_date("12/1/2026", today=TODAY, past=False) == date(2026, 12, 1)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("nothing", Decimal("0.00")),
        ("None yet", Decimal("0.00")),
        ("zero", Decimal("0.00")),
        ("450 per infusion", Decimal("450.00")),
        ("about $800", Decimal("800.00")),
        ("$1,500 a year", Decimal("1500.00")),
        ("it's roughly 2k", Decimal("2000.00")),
        ("$885 each", Decimal("885.00")),
    ],
)
def test_figures_with_words_around_them_are_read(raw, expected):
    assert parse_money(raw) == expected


@pytest.mark.parametrize("raw", ["2 or 3", "about", "per session", "450 or 500 per infusion"])
def test_words_around_no_single_figure_are_still_refused(raw):
    with pytest.raises(ParseError):
        parse_money(raw)


def test_nothing_is_zero_for_percentages_and_counts_too():
    assert parse_percent("none") == 0 and parse_percent("around 20%") == 20
    assert parse_count("none") == 0 and parse_count("just 3 sessions") == 3


# -- Spanish, and figures in words (issue 17's reading part) ------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1500 dólares", "1500.00"),
        ("1500 dolares", "1500.00"),
        ("$1,500", "1500.00"),
        ("mil quinientos", "1500.00"),
        ("dos mil dólares", "2000.00"),
        ("ochocientos cincuenta", "850.00"),
        ("unos 800 por sesión", "800.00"),
        ("más o menos 450 al año", "450.00"),
        ("nada", "0.00"),
        ("cero", "0.00"),
        ("fifteen hundred", "1500.00"),
        ("twenty-one", "21.00"),
    ],
)
def test_amounts_in_spanish_and_in_words(raw, expected):
    assert parse_money(raw) == Decimal(expected)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("20 por ciento", 20), ("veinte por ciento", 20), ("12.5 porciento", 12.5), ("ninguno", 0)],
)
def test_percentages_in_spanish(raw, expected):
    assert parse_percent(raw) == Decimal(str(expected))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("dos", 2),
        ("seis", 6),
        ("ocho sesiones", 8),
        ("dieciséis", 16),
        ("dieciseis", 16),
        ("3 antidepresivos", 3),
        ("una", 1),
        ("twenty-one", 21),
    ],
)
def test_counts_in_spanish_words(raw, expected):
    assert parse_count(raw, maximum=60) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("sí", "yes"),
        ("Si", "yes"),
        ("¡Sí!", "yes"),
        ("claro", "yes"),
        ("no", "no"),
        ("no sé", "unknown"),
        ("No lo sé.", "unknown"),
        ("no estoy seguro", "unknown"),
        ("No estoy segura", "unknown"),
        ("ni idea", "unknown"),
        ("¿?", "unknown"),
    ],
)
def test_yes_no_and_not_knowing_in_spanish(raw, expected):
    assert parse_yes_no(raw) == expected


@pytest.mark.parametrize("raw", ["mil millones de pesos", "dos y", "unos muchos", "sí sí sí"])
def test_spanish_that_is_no_figure_is_refused(raw):
    with pytest.raises(ParseError):
        parse_money(raw)


# -- dates, English and Spanish ---------------------------------------------------------------

DECEMBER_7 = date(2026, 12, 7)


@pytest.mark.parametrize(
    ("typed", "day_first", "meant"),
    [
        ("11/26/2026", False, date(2026, 11, 26)),
        ("05/06", False, date(2026, 5, 6)),  # English: the US order
        ("26/11/2026", True, date(2026, 11, 26)),  # Spanish: day first
        ("11/26/2026", True, date(2026, 11, 26)),  # only one order makes a date
        ("06/06", True, date(2026, 6, 6)),  # the same either way
        ("11/12", True, date(2026, 11, 12)),  # December 11 has not happened yet
        ("5 de junio", True, date(2026, 6, 5)),
        ("5 de junio de 2025", True, date(2025, 6, 5)),
        ("26 nov 2026", True, date(2026, 11, 26)),  # as the bot writes it back
        ("1 de setiembre", True, date(2026, 9, 1)),
        ("June 5, 2025", False, date(2025, 6, 5)),
        ("Nov 26", False, date(2026, 11, 26)),
        ("hoy", True, DECEMBER_7),
        ("ayer", True, DECEMBER_7 - timedelta(days=1)),
        ("Ayer.", True, DECEMBER_7 - timedelta(days=1)),
        ("2026-03-04", True, date(2026, 3, 4)),
    ],
)
def test_dates_typed_the_english_or_the_spanish_way(typed, day_first, meant):
    assert parse_date(typed, today=DECEMBER_7, day_first=day_first) == meant


def test_a_date_that_could_be_either_way_round_is_asked():
    with pytest.raises(ParseError) as raised:
        parse_date("05/06", today=DECEMBER_7, day_first=True)
    assert raised.value.code == "which_date"
    assert raised.value.details == {"first": "2026-06-05", "second": "2026-05-06"}


@pytest.mark.parametrize("typed", ["31/02", "5 de juno", "mayo", "32 de enero", "13/13/2026"])
def test_what_is_not_a_date_is_refused(typed):
    with pytest.raises(ParseError) as raised:
        parse_date(typed, today=DECEMBER_7, day_first=True)
    assert raised.value.code == "not_a_date"
