"""Which option a typed answer names: its label, its id, a word for it, or a near miss. Pure.

People type choices the way they say them: "iv", "ketamine infusions", "out of network",
"in netwrok", "high deductable", "medical i think". `choose` takes the words for each option
(its id, its label and the other words its question's template lists for it) and finds, in
this order:

1. the same words, case, spacing and punctuation aside (and filler such as "i think");
2. every word typed within one of the phrases of one option only ("medical" in "Medical
   benefit"), then within all of an option's words together ("IM shots");
3. a near miss of one option's words (rapidfuzz's normalised Indel similarity), clearly
   closer than any other option's.

When the words (or the near misses) fit several options equally, none is chosen and those
options are returned, so the bot can ask which one was meant.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

CLOSE_ENOUGH = 80.0
"""Similarity (0-100) from which a typed answer is taken for an option's words."""
CLEARLY_CLOSER = 8.0
"""How much closer the best option must be than the next for a near miss to be taken."""
SHORTEST_NEAR_MISS = 3
"""Shorter answers are taken only as typed: "im" is not a typo of "in"."""
LONGEST_CHOICE = 100
"""Longer text names no option, whatever words it repeats (pasted markup, a whole letter)."""
_FILLER = frozenset(
    {"i", "think", "guess", "its", "it", "is", "was", "the", "a", "an", "my", "our", "maybe",
     "probably", "please", "um", "uh", "ok", "okay", "one", "plan", "just", "so", "still",
     "under", "through", "by", "they", "said"}
)  # fmt: skip
_NOT_WORD = re.compile(r"[^\w%$+]+")


@dataclass(frozen=True)
class Chosen:
    """The option a typed answer names, or the options it could equally mean (or neither)."""

    choice: str | None = None
    close: tuple[str, ...] = ()


def words_of(text: str, *, filler: bool = False) -> tuple[str, ...]:
    """The words of a text, for comparing: casefolded, accents and punctuation gone, filler
    dropped (unless nothing else is left, or `filler` keeps it)."""
    plain = unicodedata.normalize("NFKD", text.casefold().replace("'", "").replace("\u2019", ""))
    plain = "".join(char for char in plain if not unicodedata.combining(char))
    every = tuple(word for word in _NOT_WORD.split(plain.replace("_", " ")) if word)
    if filler:
        return every
    kept = tuple(word for word in every if word not in _FILLER)
    return kept or every


def choose(text: str, options: Mapping[str, Sequence[str]]) -> Chosen:
    """The option of `options` (id -> its words) that `text` names."""
    said = words_of(text)
    if not said or len(text) > LONGEST_CHOICE:
        return Chosen()
    phrases = {choice: [words_of(w) for w in words] for choice, words in options.items()}
    for fits in (
        lambda each: said in each,
        lambda each: any(set(said) <= set(phrase) for phrase in each),
        lambda each: set(said) <= {word for phrase in each for word in phrase},
    ):
        found = [choice for choice, each in phrases.items() if fits(each)]
        if len(found) == 1:
            return Chosen(found[0])
        if found:
            return Chosen(close=tuple(found))
    if len(" ".join(said)) < SHORTEST_NEAR_MISS:
        return Chosen()
    # Compared with and without filler: "justt me" is a slip of "Just me", whose "just" is.
    typed = (" ".join(said), " ".join(words_of(text, filler=True)))
    spelled = {
        choice: [(" ".join(words_of(w)), " ".join(words_of(w, filler=True))) for w in words]
        for choice, words in options.items()
    }
    scores = sorted(
        (
            (max(fuzz.ratio(a, b) for pair in each for a, b in zip(typed, pair, strict=True)), c)
            for c, each in spelled.items()
        ),
        reverse=True,
    )
    near = [(score, choice) for score, choice in scores if score >= CLOSE_ENOUGH]
    if not near:
        return Chosen()
    if len(near) == 1 or near[0][0] - near[1][0] >= CLEARLY_CLOSER:
        return Chosen(near[0][1])
    best = near[0][0]
    return Chosen(close=tuple(choice for score, choice in near if best - score < CLEARLY_CLOSER))
