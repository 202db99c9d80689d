"""Recognising a message about suicide, self-harm or an overdose, however it is written.

People in crisis rarely write "suicide", and they type the way tired people type: "i wanna
die", "kil myself", "dont want to be here anymore", "k i l l myself", "su1c1de", words with a
Cyrillic letter or an accent in them. So the message is first normalised (Unicode NFKC,
combining marks, invisible characters and look-alike letters dropped or folded, digit and
symbol spellings undone, spaced-out letters joined, repeated letters squeezed, one-letter
typos in long words corrected) and then matched, word by word, against the lexicon in
`bot.crisis_lexicon`. Whole words only: "Skillman", "Hillside" and "deadline" stay answers.

Deliberately broad: showing the crisis resources to someone who did not need them costs a
message; missing someone who did costs far more. Pure: no I/O.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.crisis_lexicon import (
    ENGLISH,
    ENGLISH_MARKERS,
    FRAGMENTS,
    FUZZY_WORDS,
    GROUPS,
    SPANISH,
    SPANISH_MARKERS,
    Group,
)

__all__ = ["Crisis", "detect", "normalise"]

MAX_CHECKED = 10_000
"""Characters read of a message (Telegram's limit is 4,096; the terminal has none)."""


@dataclass(frozen=True)
class Crisis:
    """What a crisis message needs: the language to answer in, and whether it is danger now."""

    language: str
    danger: bool


def detect(text: str) -> Crisis | None:
    """The crisis a message speaks of, or None for an ordinary message."""
    forms = _forms(text)
    matched = [group for group in GROUPS if any(_matches(group, form) for form in forms)]
    if not matched:
        return None
    words = forms[0][0].split()
    spanish = any(group.language == SPANISH for group in matched) or _reads_as_spanish(words)
    return Crisis(SPANISH if spanish else ENGLISH, any(group.danger for group in matched))


# -- normalising --------------------------------------------------------------------------------

# Letters of other scripts that look like Latin ones ("кill", "ѕuicide"). Unicode's confusables
# data maps several of them to other non-Latin letters (к to ĸ, т to ᴛ), so the table is ours.
_LOOK_ALIKES = str.maketrans(
    {
        # Cyrillic
        "а": "a", "б": "b", "в": "b", "г": "r", "д": "d", "е": "e", "ё": "e", "з": "3",
        "и": "u", "й": "u", "к": "k", "л": "n", "м": "m", "н": "h", "о": "o", "п": "n",
        "р": "p", "с": "c", "т": "t", "у": "y", "ф": "f", "х": "x", "ц": "u", "ш": "w",
        "щ": "w", "ъ": "b", "ь": "b", "ы": "bi", "я": "r", "і": "i", "ї": "i", "ј": "j",
        "ѕ": "s", "ԁ": "d", "һ": "h", "ԛ": "q", "ԝ": "w", "ӏ": "l", "ѵ": "v", "ү": "y",
        # Greek
        "α": "a", "β": "b", "γ": "y", "δ": "d", "ε": "e", "ζ": "z", "η": "n", "θ": "o",
        "ι": "i", "κ": "k", "λ": "l", "μ": "u", "ν": "v", "ξ": "e", "ο": "o", "π": "n",
        "ρ": "p", "σ": "o", "ς": "c", "τ": "t", "υ": "u", "φ": "f", "χ": "x", "ψ": "w",
        "ω": "w", "ϲ": "c", "ϳ": "j",
        # Armenian, and Latin letters that stand in for plain ones
        "օ": "o", "ս": "u", "հ": "h", "ո": "n", "ı": "i", "ɩ": "i", "ł": "l", "ø": "o",
        "đ": "d", "ħ": "h", "ŀ": "l", "ɑ": "a", "ǀ": "l", "ȷ": "j", "ɡ": "g", "ß": "ss",
        "æ": "ae", "œ": "oe", "þ": "th",
    }
)  # fmt: skip
# Blank letters that render as nothing (Hangul fillers, the braille blank).
_BLANKS = {"\u115f", "\u1160", "\u3164", "\uffa0", "\u2800"}
_LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_APOSTROPHES = str.maketrans(dict.fromkeys("'\u2018\u2019\u02bc\u02bb`\u00b4\u2032", None))
_LEADING = '"(¿¡[{<«\u201c\u201e-'
_TRAILING = '.,!?;:)"]}>»\u201d\u2026-'
_SENTENCE_END = ".!?;\u2026"
# Digits and symbols typed for letters ("su1c1de", "k!ll", "$uicide", "d*e"). A "1" or "|" is
# read both ways, as "i" and as "l", since "k1ll" and "ki11" are both written.
_LEET = {
    variant: str.maketrans(
        {
            "0": "o",
            "1": variant,
            "3": "e",
            "4": "a",
            "5": "s",
            "7": "t",
            "@": "a",
            "$": "s",
            "!": "i",
            "*": "i",
            "|": variant,
            "+": "t",
            "€": "e",
        }
    )
    for variant in ("i", "l")
}
_SPELLED_OUT = re.compile(r"[a-z](?:[^a-z0-9][a-z])+")  # k-i-l-l, k.i.l.l
_NOT_WORD = re.compile(r"[^a-z0-9]+")
_REPEATS = re.compile(r"([a-z])\1+")


def normalise(text: str, one: str = "i") -> str:
    """The message as the lexicon reads it: plain words, sentences ended by ' | '.

    `one` is the letter a "1" stands for inside a word ("i" or "l").
    """
    sentences = []
    for line in _clean(text).splitlines():
        words: list[str] = []
        for raw in line.split():
            word, ends_sentence = _word(raw, one)
            words += word.split()
            if ends_sentence and words:
                sentences.append(words)
                words = []
        if words:
            sentences.append(words)
    fixed = [[_corrected(w) for w in _joined(ws)] for ws in sentences]
    return " | ".join(" ".join(words) for words in fixed if words)


def _forms(text: str) -> list[tuple[str, str]]:
    """The message's normalised words, and the same run together, for each reading of '1'."""
    forms = []
    for one in ("i", "l"):
        words = normalise(text, one)
        forms.append((words, words.replace(" | ", "").replace(" ", "")))
    return forms


def _clean(text: str) -> str:
    """Fold the text to lower-case Latin letters, dropping what hides letters."""
    folded = unicodedata.normalize("NFKC", text[:MAX_CHECKED]).casefold()
    kept = []
    for char in unicodedata.normalize("NFD", folded):
        category = unicodedata.category(char)
        if char in _LINE_BREAKS:
            kept.append("\n")
        elif char.isspace():
            kept.append(" ")
        elif category[0] == "M" or category in ("Cf", "Cc", "Co", "Cn") or char in _BLANKS:
            continue  # accents, zero-width and control characters: sui\u200bcide is suicide
        else:
            kept.append(char)
    return "".join(kept).translate(_LOOK_ALIKES).translate(_APOSTROPHES)


def _word(raw: str, one: str) -> tuple[str, bool]:
    """One whitespace-separated token as plain words, and whether it ends a sentence."""
    core = raw.lstrip(_LEADING)
    stripped = core.rstrip(_TRAILING)
    ends_sentence = any(char in _SENTENCE_END for char in core[len(stripped) :])
    if not any("a" <= char <= "z" for char in stripped):
        return _NOT_WORD.sub(" ", stripped), ends_sentence
    word = stripped.translate(_LEET[one])
    if _SPELLED_OUT.fullmatch(word):
        return _NOT_WORD.sub("", word), ends_sentence
    return _NOT_WORD.sub(" ", word), ends_sentence


def _joined(words: list[str]) -> list[str]:
    """Join letters typed one by one ("k i l l") into the word they spell, and squeeze."""
    result: list[str] = []
    run: list[str] = []
    for word in [*words, ""]:
        if len(word) == 1 and word.isalpha():
            run.append(word)
            continue
        result += ["".join(run)] if len(run) >= 3 else run
        run = []
        if word:
            result.append(word)
    return [_REPEATS.sub(r"\1", word) for word in result]


@cache
def _corrected(word: str) -> str:
    """A long word one typo away from a lexicon word, as that word ("myslef" is "myself")."""
    if len(word) < 5 or word in _VOCABULARY or not word.isalpha():
        return word
    found = process.extractOne(word, _VOCABULARY, scorer=OSA.distance, score_cutoff=1)
    return found[0] if found else word


def _reads_as_spanish(words: list[str]) -> bool:
    """Whether more of the words are common Spanish words than common English ones."""
    spanish = sum(word in _SPANISH_MARKERS for word in words)
    return spanish > sum(word in _ENGLISH_MARKERS for word in words)


# -- matching -----------------------------------------------------------------------------------


def _squeezed(pattern: str) -> str:
    """A lexicon pattern spelled the way normalised text is: repeated letters squeezed."""
    for name, fragment in FRAGMENTS.items():
        pattern = pattern.replace(f"<{name}>", fragment)
    return re.sub(r"(?<!\\)([a-z])\1+", r"\1", pattern)


@cache
def _compiled(group: Group) -> tuple[re.Pattern[str], re.Pattern[str] | None]:
    phrases = "|".join(_squeezed(p) for p in group.phrases)
    words = re.compile(rf"(?<![a-z0-9])(?:{phrases})(?![a-z0-9])")
    stems = re.compile("|".join(_squeezed(s) for s in group.stems)) if group.stems else None
    return words, stems


def _matches(group: Group, form: tuple[str, str]) -> bool:
    words, stems = _compiled(group)
    text, run_together = form
    return words.search(text) is not None or (
        stems is not None and stems.search(run_together) is not None
    )


_VOCABULARY = tuple(sorted({_REPEATS.sub(r"\1", word) for word in FUZZY_WORDS}))
_SPANISH_MARKERS = frozenset(_REPEATS.sub(r"\1", word) for word in SPANISH_MARKERS)
_ENGLISH_MARKERS = frozenset(_REPEATS.sub(r"\1", word) for word in ENGLISH_MARKERS)
