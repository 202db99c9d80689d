"""The medication list and `find`: names, brands, doses, misspellings, ambiguity, non-drugs."""

from __future__ import annotations

from collections import Counter

import pytest

from bot.medications import (
    AUGMENTING_CLASSES,
    CLASSES,
    MEDICATIONS,
    Found,
    Medication,
    find,
)

ALL = list(MEDICATIONS.values())


def found_id(text: str) -> str | None:
    medication = find(text).medication
    return medication.id if medication else None


@pytest.mark.parametrize("medication", ALL, ids=lambda m: m.id)
def test_every_generic_name_is_found_in_any_case_and_with_a_dose(medication: Medication) -> None:
    for typed in (
        medication.name,
        medication.name.upper(),
        medication.name.title(),
        f"{medication.name} 20 mg",
        f"generic {medication.name} 10mg daily",
    ):
        assert find(typed) == Found(medication), typed


@pytest.mark.parametrize("medication", ALL, ids=lambda m: m.id)
def test_every_brand_is_found_in_any_case_with_a_dose_and_a_release_form(
    medication: Medication,
) -> None:
    assert medication.brands
    for brand in medication.brands:
        typings = (brand, brand.lower(), brand.upper(), f"{brand} 50mg", f"the brand {brand} XR")
        for typed in typings:
            assert find(typed) == Found(medication), typed


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("lexapro", "escitalopram"),
        ("escitalopram 20mg", "escitalopram"),
        ("escitalopram 20 mg", "escitalopram"),
        ("Escitalopram oxalate 10 mg", "escitalopram"),
        ("Lexapro 10mg daily", "escitalopram"),
        ("Zoloft", "sertraline"),
        ("generic zoloft", "sertraline"),
        ("sertraline (Zoloft) 100mg", "sertraline"),
        ("abilify", "aripiprazole"),
        ("Abilify Maintena", "aripiprazole"),
        ("lithium carbonate", "lithium"),
        ("Lithium carbonate 300 mg twice a day", "lithium"),
        ("lithobid", "lithium"),
        ("wellbutrin", "bupropion"),
        ("the brand Wellbutrin XL", "bupropion"),
        ("Wellbutrin SR", "bupropion"),
        ("wellbutrin xl 300", "bupropion"),
        ("Effexor XR", "venlafaxine"),
        ("Seroquel XR", "quetiapine"),
        ("Cymbalta 60", "duloxetine"),
        ("Paxil CR", "paroxetine"),
        ("remeron soltab", "mirtazapine"),
        ("Remeron ODT 15", "mirtazapine"),
        ("prozac", "fluoxetine"),
        ("cytomel", "liothyronine"),
        ("Cytomel 25mcg", "liothyronine"),
        ("t3", "liothyronine"),
        ("T3", "liothyronine"),
        ("T-3 25 mcg", "liothyronine"),
        ("emsam", "selegiline"),
        ("Emsam patch 6 mg", "selegiline"),
        ("symbyax", "olanzapine_fluoxetine"),
        ("olanzapine/fluoxetine", "olanzapine_fluoxetine"),
        ("fluoxetine-olanzapine", "olanzapine_fluoxetine"),
        ("olanzapine", "olanzapine"),
        ("fluoxetine", "fluoxetine"),
        ("auvelity", "dextromethorphan_bupropion"),
        ("dextromethorphan bupropion", "dextromethorphan_bupropion"),
        ("trazodone 50mg at bedtime", "trazodone"),
        ("  ZOLOFT!!  ", "sertraline"),
        ("Léxapro", "escitalopram"),
        ("\uff4c\uff45\uff58\uff41\uff50\uff52\uff4f", "escitalopram"),  # fullwidth
    ],
)
def test_names_brands_and_short_forms_with_filler(typed: str, expected: str) -> None:
    assert find(typed) == Found(MEDICATIONS[expected])


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("welbutrin", "bupropion"),
        ("Welbutrin XL", "bupropion"),
        ("buproprion", "bupropion"),
        ("zolloft", "sertraline"),
        ("zolft", "sertraline"),
        ("seroquil", "quetiapine"),
        ("duloxitine", "duloxetine"),
        ("amitryptiline", "amitriptyline"),
        ("lexipro", "escitalopram"),
        ("celexia", "citalopram"),
        ("prozak", "fluoxetine"),
        ("ablify", "aripiprazole"),
        ("trazadone", "trazodone"),
        ("lithum", "lithium"),
        ("cytomil", "liothyronine"),
        ("pristique", "desvenlafaxine"),
        ("venlafaxin 75mg", "venlafaxine"),
        ("fluoxamine", "fluvoxamine"),
        ("nortriptilin", "nortriptyline"),
        ("modafanil", "modafinil"),
    ],
)
def test_near_misses_clearly_closer_to_one_drug(typed: str, expected: str) -> None:
    assert find(typed) == Found(MEDICATIONS[expected])


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        # A natural misspelling: "scitalopram" is one letter from both escitalopram and
        # citalopram (similarity 95.7 and 95.2).
        ("scitalopram", {"escitalopram", "citalopram"}),
        ("Scitalopram 10 mg", {"escitalopram", "citalopram"}),
        # The same between desvenlafaxine and venlafaxine (96.3 and 91.7).
        ("esvenlafaxine", {"desvenlafaxine", "venlafaxine"}),
        # Two drugs named at once: the bot asks which.
        ("lithium and abilify", {"lithium", "aripiprazole"}),
    ],
)
def test_about_as_close_to_two_drugs_gives_both_and_no_medication(
    typed: str, expected: set[str]
) -> None:
    found = find(typed)
    assert found.medication is None
    assert {medication.id for medication in found.close} == expected
    assert len(found.close) == len(expected)


@pytest.mark.parametrize(
    "typed",
    [
        "spravato",
        "Spravato 56 mg",
        "spravto",
        "esketamine",
        "esketamin",
        "ketamine",
        "ketamin",
        "Ketamine infusions",
        "therapy",
        "TMS",
        "ECT",
        "vitamin d",
        "",
        "   ",
        "12 mg",
        "?!",
        "ssr",
        "none",
        "I don't know",
        "a" * 200,
        "lexapro " * 25,
        # Drugs left off the list that look like listed ones.
        "levothyroxine",
        "milnacipran",
        "armodafinil",
        "dexmethylphenidate",
        "ziprasidone",
        "lamotrigine",
        "amphetamine",
    ],
)
def test_what_must_not_match(typed: str) -> None:
    assert find(typed) == Found()


def test_a_name_over_the_length_cap_matches_nothing() -> None:
    assert find("zoloft" + " " * 94) == Found(MEDICATIONS["sertraline"])
    assert find("zoloft" + " " * 95) == Found()


def test_very_short_input_matches_only_exactly() -> None:
    assert find("t3") == Found(MEDICATIONS["liothyronine"])
    for typed in ("t", "t4", "zol", "lex", "mao"):
        assert find(typed) == Found(), typed


def test_classes_of_well_known_drugs() -> None:
    assert MEDICATIONS["sertraline"].drug_class == "ssri"
    assert MEDICATIONS["venlafaxine"].drug_class == "snri"
    assert MEDICATIONS["aripiprazole"].drug_class == "atypical_antipsychotic"
    assert MEDICATIONS["aripiprazole"].augmenting
    assert MEDICATIONS["lithium"].augmenting
    assert MEDICATIONS["liothyronine"].augmenting
    assert MEDICATIONS["phenelzine"].drug_class == "maoi"
    assert MEDICATIONS["nortriptyline"].drug_class == "tca"
    assert MEDICATIONS["vortioxetine"].drug_class == "serotonin_modulator"
    assert not MEDICATIONS["sertraline"].augmenting
    assert not MEDICATIONS["bupropion"].augmenting


def test_classes_are_known_and_all_used() -> None:
    assert len(set(CLASSES)) == len(CLASSES) == 12
    augmenting = {"atypical_antipsychotic", "lithium", "thyroid", "other_augmentation"}
    assert augmenting == AUGMENTING_CLASSES
    assert set(CLASSES) >= AUGMENTING_CLASSES
    used = Counter(medication.drug_class for medication in ALL)
    assert set(used) == set(CLASSES)
    for medication in ALL:
        assert medication.augmenting == (medication.drug_class in AUGMENTING_CLASSES)


def test_ids_unique_lowercase_and_brands_not_shared() -> None:
    assert 40 <= len(MEDICATIONS) <= 50
    for key, medication in MEDICATIONS.items():
        assert key == medication.id
        assert medication.id == medication.id.lower()
        assert " " not in medication.id
        assert "-" not in medication.id
    every_name = [name.casefold() for m in ALL for name in (m.name, *m.brands)]
    assert len(every_name) == len(set(every_name))
    assert "esketamine" not in MEDICATIONS
    assert "ketamine" not in MEDICATIONS
