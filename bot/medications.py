"""Common antidepressants and augmenting agents, with their class, and a matcher for typed names.

Classes follow the FDA labels and standard pharmacology references; the list is for matching
what people type ("lexapro 10mg", "welbutrin XL", "t3"), not advice. Pure: no I/O.

`find` compares the name left once case, accents, punctuation, doses, units, release forms
("XL", "ODT") and salts ("carbonate") are gone, in this order:

1. a generic name, brand or short form, as typed;
2. one of the typed words as such ("sertraline (Zoloft)", "abilify maintena"): one drug, or
   several for the bot to ask which;
3. a near miss (rapidfuzz's normalised Indel similarity), clearly closer to one drug than to
   any other; about as close to two or more, they are returned to ask which.

Esketamine (Spravato) and ketamine are the treatment being requested, not a trial, and a few
drugs left off the list look like ones on it (levothyroxine, milnacipran): they match nothing.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz

CLASSES: tuple[str, ...] = (
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
AUGMENTING_CLASSES: frozenset[str] = frozenset(
    {"atypical_antipsychotic", "lithium", "thyroid", "other_augmentation"}
)

CLOSE_ENOUGH = 80.0
"""Similarity (0-100) from which a typed name is taken as a near miss of a drug's name."""
CLEARLY_CLOSER = 6.0
"""How much closer the best drug must be than any other for a near miss to be taken."""
SHORTEST_NEAR_MISS = 4
"""Shorter names are taken only as typed: "ssr" is no drug."""
LONGEST_NAME = 100
"""Longer text names no drug (a pasted letter, a list of everything)."""


@dataclass(frozen=True)
class Medication:
    """A drug: lowercase id, generic name for display, US brands and class (one of CLASSES)."""

    id: str
    name: str
    brands: tuple[str, ...]
    drug_class: str

    @property
    def augmenting(self) -> bool:
        """Whether the drug is given on top of an antidepressant rather than as one."""
        return self.drug_class in AUGMENTING_CLASSES


@dataclass(frozen=True)
class Found:
    """The drug a typed name names, or the drugs it is about as close to (or neither)."""

    medication: Medication | None = None
    close: tuple[Medication, ...] = ()


# class -> generic name -> US brands (current or once well known).
_TABLE: dict[str, dict[str, tuple[str, ...]]] = {
    "ssri": {
        "citalopram": ("Celexa",),
        "escitalopram": ("Lexapro",),
        "fluoxetine": ("Prozac", "Sarafem"),
        "paroxetine": ("Paxil", "Pexeva"),
        "sertraline": ("Zoloft",),
        "fluvoxamine": ("Luvox",),
    },
    "snri": {
        "venlafaxine": ("Effexor",),
        "desvenlafaxine": ("Pristiq", "Khedezla"),
        "duloxetine": ("Cymbalta", "Drizalma"),
        "levomilnacipran": ("Fetzima",),
    },
    "bupropion": {"bupropion": ("Wellbutrin", "Aplenzin", "Forfivo", "Zyban")},
    "mirtazapine": {"mirtazapine": ("Remeron",)},
    "tca": {
        "amitriptyline": ("Elavil",),
        "nortriptyline": ("Pamelor", "Aventyl"),
        "imipramine": ("Tofranil",),
        "desipramine": ("Norpramin",),
        "clomipramine": ("Anafranil",),
        "doxepin": ("Sinequan", "Silenor"),
        "protriptyline": ("Vivactil",),
        "trimipramine": ("Surmontil",),
    },
    "maoi": {
        "phenelzine": ("Nardil",),
        "tranylcypromine": ("Parnate",),
        "isocarboxazid": ("Marplan",),
        "selegiline": ("Emsam",),  # the transdermal patch; oral selegiline is for Parkinson's
    },
    "serotonin_modulator": {
        "trazodone": ("Desyrel", "Oleptro"),
        "nefazodone": ("Serzone",),
        "vilazodone": ("Viibryd",),
        "vortioxetine": ("Trintellix", "Brintellix"),
    },
    "other_antidepressant": {
        "dextromethorphan-bupropion": ("Auvelity",),
        "gepirone": ("Exxua",),
        "zuranolone": ("Zurzuvae",),
    },
    "atypical_antipsychotic": {
        "aripiprazole": ("Abilify",),
        "brexpiprazole": ("Rexulti",),
        "cariprazine": ("Vraylar",),
        "quetiapine": ("Seroquel",),
        "olanzapine": ("Zyprexa",),
        "olanzapine-fluoxetine": ("Symbyax",),
        "lurasidone": ("Latuda",),
        "risperidone": ("Risperdal",),
    },
    "lithium": {"lithium": ("Lithobid", "Eskalith")},
    "thyroid": {"liothyronine": ("Cytomel", "Triostat")},
    "other_augmentation": {
        "buspirone": ("BuSpar",),
        "methylphenidate": ("Ritalin", "Concerta"),
        "modafinil": ("Provigil",),
    },
}

MEDICATIONS: dict[str, Medication] = {
    name.replace("-", "_"): Medication(name.replace("-", "_"), name, brands, drug_class)
    for drug_class, drugs in _TABLE.items()
    for name, brands in drugs.items()
}

# Other ways people write a listed drug (after normalising).
_SHORT_FORMS: dict[str, str] = {
    "t3": "liothyronine",
    "fluoxetineolanzapine": "olanzapine_fluoxetine",
    "bupropiondextromethorphan": "dextromethorphan_bupropion",
    "dxmbupropion": "dextromethorphan_bupropion",
}
# Names that match no listed drug, so that their near misses match none either: the treatment
# being requested, and drugs left off the list that look like listed ones.
_NOT_LISTED: tuple[str, ...] = (
    "esketamine", "spravato", "ketamine", "ketalar",
    "levothyroxine", "synthroid",  # T4, next to liothyronine (T3)
    "milnacipran", "savella",  # fibromyalgia only in the US, next to levomilnacipran
    "armodafinil", "nuvigil",  # next to modafinil
    "dexmethylphenidate", "focalin",  # next to methylphenidate
)  # fmt: skip

# Words that are no part of a drug's name: units, how often, release forms, salts, filler.
_IGNORED = frozenset(
    {"mg", "mgs", "mcg", "ug", "g", "ml", "milligram", "milligrams", "microgram", "micrograms",
     "dose", "dosage", "daily", "a", "day", "per", "once", "twice", "bid", "tid", "qd", "qhs",
     "at", "night", "bedtime", "morning", "weekly", "tablet", "tablets", "tab", "tabs",
     "capsule", "capsules", "cap", "caps", "pill", "pills", "patch", "transdermal", "oral",
     "solution", "liquid", "soltab", "odt", "xl", "xr", "sr", "cr", "er", "la", "dr", "ir",
     "extended", "sustained", "controlled", "delayed", "immediate", "release", "hcl",
     "hydrochloride", "hbr", "hydrobromide", "carbonate", "citrate", "sodium", "succinate",
     "maleate", "oxalate", "mesylate", "fumarate", "sulfate", "tartrate", "the", "my", "generic",
     "brand", "name", "and", "with", "plus", "i", "on", "took", "take", "taking", "tried"}
)  # fmt: skip
_TOKEN = re.compile(r"\bt[ -]?3(?![0-9])|[a-z]+|[0-9]+")


def _words(text: str) -> list[str]:
    """The words of a drug name as typed: casefolded, accents gone, no digits, no ignored word."""
    plain = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(char for char in plain if not unicodedata.combining(char))
    tokens = (token.replace(" ", "").replace("-", "") for token in _TOKEN.findall(plain))
    return [token for token in tokens if not token.isdigit() and token not in _IGNORED]


def _key(name: str) -> str:
    """A name as `find` compares it: its words run together ("olanzapinefluoxetine")."""
    return "".join(_words(name))


# Normalised name -> drug id, or None for the names that match nothing.
_NAMES: dict[str, str | None] = {
    **{_key(name): None for name in _NOT_LISTED},
    **{_key(name): drug.id for drug in MEDICATIONS.values() for name in (drug.name, *drug.brands)},
    **_SHORT_FORMS,
}


def find(text: str) -> Found:
    """The listed drug that `text` names, the drugs it could equally mean, or neither."""
    if len(text) > LONGEST_NAME:
        return Found()
    words = _words(text)
    typed = "".join(words)
    if typed in _NAMES:
        drug = _NAMES[typed]
        return Found(MEDICATIONS[drug]) if drug else Found()
    named = list(dict.fromkeys(drug for word in words if (drug := _NAMES.get(word))))
    if len(named) == 1:
        return Found(MEDICATIONS[named[0]])
    if named:
        return Found(close=tuple(MEDICATIONS[drug] for drug in named))
    if len(typed) < SHORTEST_NEAR_MISS:
        return Found()
    scores: dict[str | None, float] = {}
    for name, drug in _NAMES.items():
        scores[drug] = max(scores.get(drug, 0.0), fuzz.ratio(typed, name))
    ranked = sorted(scores, key=scores.__getitem__, reverse=True)
    top = scores[ranked[0]]
    near = [drug for drug in ranked if scores[drug] > top - CLEARLY_CLOSER]
    if top < CLOSE_ENOUGH or None in near:
        return Found()
    if len(near) == 1:
        return Found(MEDICATIONS[near[0]])
    close = tuple(MEDICATIONS[drug] for drug in near if drug and scores[drug] >= CLOSE_ENOUGH)
    return Found(close=close) if len(close) > 1 else Found()
