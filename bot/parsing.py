"""Turn what people type into exact values, or reject it with a machine-readable code.

Everything here is pure: standard library only, no I/O. Every ``parse_*`` function either
returns a value or raises :class:`ParseError` with a short ``code`` (and sometimes
``details``); the UI turns the code into a friendly message. The codes are:

=====================  ==============================================  ===================
code                   meaning                                         details
=====================  ==============================================  ===================
``empty``              nothing typed (or only invisible characters)
``too_long``           longer than we accept                           ``max_length``
``not_a_number``       not something we read as a number
``negative``           a minus sign or accounting brackets ``($5)``
``too_large``          money above the allowed maximum                 ``maximum``
``too_many_decimals``  more than two decimal places
``ambiguous_comma``    a comma that may be a decimal comma ("1,5")
``ambiguous_fraction`` percent typed as a fraction ("0.2")             ``percent``
``over_100``           a percentage above 100
``out_of_range``       a count outside the allowed range               ``minimum``,
                                                                       ``maximum``
``not_whole``          a count with a fraction ("2.5")
``not_a_date``         not a date we can read
``in_the_future``      a past date (a call, a letter) after today
=====================  ==============================================  ===================

Amounts are ``Decimal`` from the first character to the last: binary floating point never
touches them, so what we store is exactly what was typed. For the same reason only ASCII
digits count as digits (plus forms that NFKC folds onto them, such as fullwidth digits).
Other scripts' digits such as Arabic-Indic "٣٠٠" are rejected as ``not_a_number``: NFKC does
not convert them, and guessing would risk storing something the person did not mean.
Superscripts, circled digits and vulgar fractions ("²", "①", "½") are rejected too, because
NFKC would silently turn "1²" into "12".

Recognising "I don't know" answers is the caller's job (:func:`is_unknown`); the
``parse_*`` functions treat such text as invalid input.
"""

import re
import unicodedata
from datetime import date, timedelta
from decimal import Decimal, localcontext

from text_to_num import text2num

__all__ = [
    "MAX_INPUT_LENGTH",
    "ParseError",
    "is_unknown",
    "month_number",
    "normalize_text",
    "parse_count",
    "parse_date",
    "parse_money",
    "parse_percent",
    "parse_text",
    "parse_yes_no",
]

MAX_INPUT_LENGTH = 100
"""Longest raw input the number parsers look at; checked before any other work."""

# Telegram caps a message at 4096 characters; the raw cap on free text only bounds the work
# done before the real check, which is on the normalised length.
_MAX_RAW_TEXT = 4096

_CENT = Decimal("0.01")
_HUNDRED = Decimal(100)

_INVISIBLE = (
    0x00AD,  # soft hyphen
    0x061C,  # Arabic letter mark (a bidi control)
    0x180E,  # Mongolian vowel separator (zero width)
    0x200B,
    0x200C,
    0x200D,
    0x2060,
    *range(0x2061, 0x2065),  # invisible math operators
    0xFEFF,
    0x200E,
    0x200F,
    *range(0x202A, 0x202F),
    *range(0x2066, 0x206A),
)


def _cleanup_table() -> dict[int, str | None]:
    table: dict[int, str | None] = {}
    for code_point in (*range(0x00, 0x20), *range(0x7F, 0xA0)):
        # Tabs, newlines and the like become spaces so that words do not run together.
        table[code_point] = " " if chr(code_point).isspace() else None
    for code_point in _INVISIBLE:
        table[code_point] = None
    return table


_CLEANUP = _cleanup_table()

# Hyphen-minus plus the dashes phones substitute for it ("smart punctuation") and U+2212.
_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
_SIGN_RE = re.compile(f"[{_DASHES}] ?")

_MONEY_PREFIX_RE = re.compile(r"(?:(?P<symbol>us\$|\$)|(?P<word>usd))\s?")
_MONEY_SUFFIXES = (
    ("$", "symbol"),
    ("usd", "word"),
    ("dollars", "word"),
    ("dollar", "word"),
    ("dólares", "word"),
    ("dolares", "word"),
    ("dólar", "word"),
    ("dolar", "word"),
)
_MONEY_NUMBER_RE = re.compile(
    r"(?P<int>[1-9][0-9]{0,2}(?:,[0-9]{3})+"  # 1,500 / 12,345,678
    r"|[1-9][0-9]{0,2}(?: [0-9]{3})+"  # 1 500 (thin and no-break spaces are spaces by now)
    r"|[0-9]+)?"
    r"(?:\.(?P<frac>[0-9]*))?"
)
_PLAIN_NUMBER_RE = re.compile(r"(?P<int>[0-9]+)?(?:\.(?P<frac>[0-9]*))?")
_NUMBERISH_RE = re.compile(r"[0-9., ]*[0-9][0-9., ]*")

_PERCENT_SUFFIXES = ("%", "percent", "per cent", "pct", "por ciento", "porciento")

_COUNT_NOUNS = (
    "sesiones",
    "sesión",
    "sesion",
    "veces",
    "medicamentos",
    "antidepresivos",
    "sessions",
    "session",
    "times",
    "time",
    "drugs",
    "drug",
    "medications",
    "medication",
    "meds",
    "med",
    "antidepressants",
    "antidepressant",
)
_NOTHING = frozenset(
    {"nothing", "none", "zero", "nil", "nada", "nothing yet", "none yet", "cero", "ninguno"}
    | {"ninguna", "nada todavía", "nada todavia", "nada aún", "nada aun"}
)
"""Words for 0 where an amount or a percentage is asked ("0 if nothing yet")."""
_HEDGE_RE = re.compile(
    r"^(?:about|around|roughly|approximately|approx\.?|maybe|probably|i think|i guess|like"
    r"|just|only|it's|its|it is|they said|~"
    r"|unos|unas|como|más o menos|mas o menos|aproximadamente|alrededor de|creo que|son|es)\s*"
)
"""Words before a figure that do not change it ("about $800")."""
_PER_RE = re.compile(
    r"\s*(?:(?:per|a|an|each|every)\s+(?:session|infusion|visit|treatment|injection|dose|shot"
    r"|spray|time|year|plan year)s?|each|so far|this year|i think|yet"
    r"|(?:por|cada|al|a la)\s+(?:sesión|sesion|infusión|infusion|visita|tratamiento|inyección"
    r"|inyeccion|dosis|vez|año|ano)|hasta ahora|este año|este ano|creo)$"
)
"""Words after a figure that do not change it ("450 per infusion", "$1,500 a year")."""

_APOSTROPHES = str.maketrans("", "", "'\u2018\u2019\u201b\u02bc\u02bb\u0060\u00b4\u2032\uff07")
_UNKNOWN_PHRASES = frozenset(
    {
        "unknown",
        "idk",
        "idk yet",
        "dunno",
        "unsure",
        "not sure",
        "not sure yet",
        "im not sure",
        "i am not sure",
        "i dont know",
        "i dont know yet",
        "i do not know",
        "dont know",
        "dont know yet",
        "do not know",
        "no idea",
        "i have no idea",
        "no clue",
        "not known",
        "skip",
        # Spanish, without its accents (they are taken off before comparing)
        "no se",
        "no lo se",
        "no se todavia",
        "no lo se todavia",
        "no estoy seguro",
        "no estoy segura",
        "no estoy seguro todavia",
        "no estoy segura todavia",
        "ni idea",
        "no tengo idea",
        "no tengo ni idea",
        "quien sabe",
        "desconocido",
        "omitir",
        "saltar",
    }
)
_YES = frozenset({"yes", "y", "yeah", "yep", "yup", "true", "si", "sí", "claro", "sip"})
_NO = frozenset({"no", "n", "nope", "nah", "false"})


class ParseError(ValueError):
    """A value the user typed that we cannot accept."""

    def __init__(self, code: str, **details: object) -> None:
        self.code = code
        self.details = dict(details)
        super().__init__(f"{code} {self.details}" if self.details else code)


def normalize_text(raw: str) -> str:
    """NFKC-normalise, drop invisible and control characters, collapse whitespace, strip."""
    # Invisible characters go before NFKC so they cannot block composition of their neighbours.
    text = unicodedata.normalize("NFKC", raw.translate(_CLEANUP))
    return " ".join(text.split())


def is_unknown(raw: str) -> bool:
    """Whether the text says "I don't know" (idk, not sure, no idea, ?, skip, ...)."""
    if len(raw) > MAX_INPUT_LENGTH:
        return False
    # Apostrophes go before NFKC too, because NFKC turns an acute accent into space + accent.
    text = normalize_text(raw.translate(_APOSTROPHES)).translate(_APOSTROPHES).lower()
    if text and not text.strip("?¿ "):
        return True
    return _unaccented(text).strip("¿¡.!?… ") in _UNKNOWN_PHRASES


def parse_yes_no(raw: str) -> str | None:
    """Map a typed yes/no answer to "yes", "no" or "unknown"; None if it is none of them."""
    if len(raw) > MAX_INPUT_LENGTH:
        return None
    text = normalize_text(raw).lower().strip("¡.! ")
    if text in _YES:
        return "yes"
    if text in _NO:
        return "no"
    if is_unknown(raw):
        return "unknown"
    return None


def parse_money(raw: str, *, maximum: Decimal = Decimal("1000000")) -> Decimal:
    """An amount of money such as "$1,500", "1.5k", "1 500 USD", "about $800" or "nothing",
    as Decimal cents."""
    text = _prepare_number(raw)
    if text in _NOTHING:
        return Decimal("0.00")
    negative = False
    if len(text) >= 2 and text[0] == "(" and text[-1] == ")":
        negative = True  # accounting notation: ($5) means minus five dollars
        text = text[1:-1].strip()
    text, negative = _take_sign(text, negative)
    seen: set[str] = set()
    while match := _MONEY_PREFIX_RE.match(text):
        text, negative = _take_sign(text[match.end() :], negative)
        _mark_once(seen, match.lastgroup or "")
    while suffix := next((s for s in _MONEY_SUFFIXES if text.endswith(s[0])), None):
        text = text[: -len(suffix[0])].rstrip()
        _mark_once(seen, suffix[1])
    thousands = text.endswith("k")
    if thousands:
        text = text[:-1].rstrip()

    match = _MONEY_NUMBER_RE.fullmatch(text)
    if (words := _number_in_words(text)) is not None and not thousands:
        match = _MONEY_NUMBER_RE.fullmatch(str(words))
    if match is None or not (match["int"] or match["frac"]):
        raise _not_a_number(text)
    whole = (match["int"] or "0").replace(",", "").replace(" ", "")
    frac = match["frac"] or ""
    if thousands:
        frac = frac.ljust(3, "0")
        whole, frac = whole + frac[:3], frac[3:]
    # With "k" only the result's cents matter ("1.2345k" is 1234.50); without it, "1.500" may be
    # a European thousands separator, so a third digit is refused even when it is a zero.
    if len(frac.rstrip("0") if thousands else frac) > 2:
        raise ParseError("too_many_decimals")
    value = Decimal(f"{whole}.{frac}" if frac else whole)  # exact: no arithmetic, no rounding
    if negative and value:
        raise ParseError("negative")
    if value > maximum:
        raise ParseError("too_large", maximum=maximum)
    with localcontext(prec=len(whole) + 4):
        return value.quantize(_CENT)


def parse_percent(raw: str) -> Decimal:
    """A percentage such as "20%", "20", "12.5 %" or "none", as a plain Decimal (20, 12.5, 0)."""
    text = _prepare_number(raw)
    if text in _NOTHING:
        return Decimal(0)
    suffix = next((s for s in _PERCENT_SUFFIXES if text.endswith(s)), None)
    if suffix:
        text = text[: -len(suffix)].rstrip()
    text, negative = _take_sign(text, False)
    if (words := _number_in_words(text)) is not None:
        text = str(words)
    match = _PLAIN_NUMBER_RE.fullmatch(text)
    if match is None or not (match["int"] or match["frac"]):
        raise _not_a_number(text)
    value = Decimal(text if match["int"] else "0" + text)
    if negative and value:
        raise ParseError("negative")
    places = _decimal_places(value)
    # "0.2" is far more likely to mean 20% than 0.2%; ask rather than guess.
    if suffix is None and 0 < value < 1 and places <= 4:
        raise ParseError("ambiguous_fraction", percent=_plain(value.scaleb(2)))
    if places > 2:
        raise ParseError("too_many_decimals")
    if value > _HUNDRED:
        raise ParseError("over_100")
    return _plain(value)


def parse_count(raw: str, *, minimum: int = 0, maximum: int = 100) -> int:
    """A whole number such as "3", "3 sessions", "three" or "none"."""
    text = _prepare_number(raw)
    if text in _NOTHING:
        text = "zero"
    noun = next((n for n in _COUNT_NOUNS if text.endswith(n)), None)
    if noun:
        text = text[: -len(noun)].rstrip()
    if (words := _number_in_words(text)) is not None:
        number = words
    else:
        text, negative = _take_sign(text, False)
        match = _PLAIN_NUMBER_RE.fullmatch(text)
        if match is None or not (match["int"] or match["frac"]):
            raise ParseError("not_a_number")  # counts have no decimal comma to be unsure about
        whole, frac = match["int"] or "0", (match["frac"] or "").rstrip("0")
        if negative and (whole.strip("0") or frac):
            raise ParseError("negative")
        if frac:
            raise ParseError("not_whole")
        number = int(whole)
    if not minimum <= number <= maximum:
        raise ParseError("out_of_range", minimum=minimum, maximum=maximum)
    return number


def parse_text(raw: str, *, max_length: int = 100) -> str:
    """Free text, normalised; HTML is left as typed because escaping is the renderer's job."""
    if len(raw) > max(4 * max_length, _MAX_RAW_TEXT):
        raise ParseError("too_long", max_length=max_length)
    text = normalize_text(raw)
    if not text:
        raise ParseError("empty")
    if len(text) > max_length:
        raise ParseError("too_long", max_length=max_length)
    return text


FUTURE_SLACK = timedelta(days=1)
"""How far past the bot's today a date that has already happened may be (time zones)."""
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_NUMERIC_DATE = re.compile(r"(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{2}|\d{4}))?")
_DAY_MONTH = re.compile(r"(\d{1,2}) (?:de )?([a-z]{3,10})\.?(?:,? (?:de |del )?(\d{4}))?")
_MONTH_DAY = re.compile(r"([a-z]{3,10})\.? (\d{1,2})(?:st|nd|rd|th)?(?:,? (\d{4}))?")
_MONTH_NAMES = (
    ("january", "enero"),
    ("february", "febrero"),
    ("march", "marzo"),
    ("april", "abril"),
    ("may", "mayo"),
    ("june", "junio"),
    ("july", "julio"),
    ("august", "agosto"),
    ("september", "septiembre", "setiembre"),
    ("october", "octubre"),
    ("november", "noviembre"),
    ("december", "diciembre"),
)
_TODAY = {"today": 0, "yesterday": 1, "hoy": 0, "ayer": 1, "anteayer": 2}


def month_number(word: str) -> int | None:
    """1-12 for a month's name in English or Spanish, or its first three letters or more
    ("sept", "dic"); None otherwise."""
    word = _unaccented(word.lower()).rstrip(".")
    if len(word) < 3:
        return None
    for number, names in enumerate(_MONTH_NAMES, start=1):
        if any(name.startswith(word) for name in names):
            return number
    return None


def parse_date(raw: str, *, today: date, past: bool = True, day_first: bool = False) -> date:
    """A date typed as "today", "yesterday", 2026-11-26, 11/26/2026, 11/26 (this year),
    "Nov 26", "26 de noviembre de 2026" (or "hoy", "ayer").

    `day_first` (Spanish): 26/11 is November 26; where both orders make a date that may be
    meant ("05/06": May 6 or June 5), ParseError "which_date" gives both to ask which. With
    `past`, a date after today is refused: calls and letters have already happened. One day
    ahead is let through: `today` is the bot's day, and it may still be yesterday there when
    it is already today where the user lives (the saved date is shown back).
    """
    if len(raw) > MAX_INPUT_LENGTH:
        raise ParseError("too_long", max_length=MAX_INPUT_LENGTH)
    text = _unaccented(normalize_text(raw).lower()).rstrip(".").replace(",", ", ")
    text = " ".join(text.split())
    if not text:
        raise ParseError("empty")
    if text in _TODAY:
        return today - timedelta(days=_TODAY[text])
    readings = [r for r in _readings(text, today, day_first) if r is not None]
    if not readings:
        raise ParseError("not_a_date")
    allowed = [r for r in readings if not past or r <= today + FUTURE_SLACK]
    if not allowed:
        raise ParseError("in_the_future")
    if len(allowed) > 1:
        first, second = allowed
        raise ParseError("which_date", first=first.isoformat(), second=second.isoformat())
    return allowed[0]


def _readings(text: str, today: date, day_first: bool) -> list[date | None]:
    """Each date the text may mean (two for "05/06" read day first), None for no date."""
    if found := _ISO_DATE.fullmatch(text):
        year, month, day_ = map(int, found.groups())
        return [_date(year, month, day_)]
    if found := _NUMERIC_DATE.fullmatch(text):
        first, second = int(found[1]), int(found[2])
        year = _full_year(found[3], today)
        if not day_first:
            return [_date(year, first, second)]
        if first == second or first > 12 or second > 12:
            # One order only makes a date: 26/11 and 11/26 are both November 26.
            return [_date(year, second, first) or _date(year, first, second)]
        return [_date(year, second, first), _date(year, first, second)]
    if found := _DAY_MONTH.fullmatch(text):
        month = month_number(found[2])
        return [month and _date(_full_year(found[3], today), month, int(found[1]))]
    if found := _MONTH_DAY.fullmatch(text):
        month = month_number(found[1])
        return [month and _date(_full_year(found[3], today), month, int(found[2]))]
    return []


def _full_year(digits: str | None, today: date) -> int:
    if digits is None:
        return today.year
    return int(digits) + (2000 if len(digits) == 2 else 0)


def _date(year: int, month: int, day_: int) -> date | None:
    try:
        return date(year, month, day_)
    except ValueError:  # 2026-02-30
        return None


def _prepare_number(raw: str) -> str:
    """Length check, normalisation and digit checks shared by the number parsers, and the
    words people put around a figure taken off ("about $800", "450 per infusion")."""
    if len(raw) > MAX_INPUT_LENGTH:
        raise ParseError("too_long", max_length=MAX_INPUT_LENGTH)
    text = normalize_text(raw)
    if not text:
        raise ParseError("empty")
    if any(char.isnumeric() and not char.isdecimal() for char in raw):
        raise ParseError("not_a_number")
    words = text.lower()
    while True:
        bare = _PER_RE.sub("", _HEDGE_RE.sub("", words, count=1), count=1).strip()
        if bare == words or not bare:
            break
        words = bare
    return words


def _unaccented(text: str) -> str:
    """`text` without accents ("dieciséis": "dieciseis"), as people often type Spanish."""
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _number_in_words(text: str) -> int | None:
    """A whole number written in English or Spanish words ("three", "fifteen hundred", "seis",
    "mil quinientos"), read by text2num; None for anything else."""
    if not text or not all(char.isalpha() or char in " -" for char in text):
        return None
    plain = _unaccented(text).replace("-", " ")
    for language in ("en", "es"):
        try:
            return text2num(plain, language)
        except ValueError:
            continue
    return None


def _take_sign(text: str, negative: bool) -> tuple[str, bool]:
    """Strip a leading minus sign (only one is allowed) and note it."""
    match = _SIGN_RE.match(text)
    if match is None:
        return text, negative
    if negative:
        raise ParseError("not_a_number")
    return text[match.end() :], True


def _mark_once(seen: set[str], kind: str) -> None:
    """Allow each currency marker kind ("$", "USD") at most once."""
    if kind in seen:
        raise ParseError("not_a_number")
    seen.add(kind)


def _not_a_number(text: str) -> ParseError:
    """The error for text that is not a number; a stray comma gets its own code."""
    if "," in text and _NUMBERISH_RE.fullmatch(text):
        return ParseError("ambiguous_comma")
    return ParseError("not_a_number")


def _decimal_places(value: Decimal) -> int:
    """How many decimal places `value` needs, ignoring trailing zeros."""
    _, digits, exponent = value.as_tuple()
    if not isinstance(exponent, int) or not any(digits):
        return 0
    trailing_zeros = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    return max(0, -(exponent + trailing_zeros))


def _plain(value: Decimal) -> Decimal:
    """`value` without trailing zeros, but never in exponent form (100, not 1E+2)."""
    normal = value.normalize()
    exponent = normal.as_tuple().exponent
    if isinstance(exponent, int) and exponent > 0:
        normal = normal.quantize(Decimal(1))
    return normal
