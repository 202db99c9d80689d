"""The Spanish templates: every one there, saying the same as the English with the same logic.

tests/test_render.py renders every reply of its conversations in both languages; this file
checks the templates themselves (bot/translations.py) and that the check can fail.
"""

from __future__ import annotations

import io
import shutil

import pytest
from jinja2 import Environment

from bot import check_command
from bot.config import Settings
from bot.render import TEMPLATES_DIR, Renderer
from bot.translations import ENGLISH_ONLY, logic_of, problems, to_translate

ENV = Environment()


def test_every_template_has_its_spanish_with_the_same_logic_and_nothing_left_in_english():
    found = problems(TEMPLATES_DIR, "es")
    assert [f"{p.template}: {p.kind} {p.detail}" for p in found] == []


def test_what_stays_in_english_is_what_the_insurer_or_the_operator_reads():
    assert {name for name in ENGLISH_ONLY if name.startswith("letter_")} == {
        "letter_appeal",
        "letter_expedited",
        "letter_external",
        "letter_necessity",
        "letter_peer_to_peer",
    }
    assert "letter_sent" in to_translate(TEMPLATES_DIR)  # its Spanish says what the letter says
    assert "callscript_card" in to_translate(TEMPLATES_DIR)


ENGLISH = (
    '{% set short = "Deductible" %}'
    '{% if answers.get("plan_type") == "hmo" %}Your {{ p.your }} plan costs {{ x | money }} a year.'
    "{% else %}Ask {{ name }} about it.{% endif %}"
    '{% set choices = {"yes": "Yes", "no": "No"} %}'
)


@pytest.mark.parametrize(
    "translated",
    [
        # Words and their order change; the logic does not.
        '{% set short = "Deducible" %}'
        '{% if answers.get("plan_type") == "hmo" %}Cuesta {{ x | money }}, {{ p.your }} plan.'
        "{% else %}Pregúntele a {{ name }}.{% endif %}"
        '{% set choices = {"yes": "Sí", "no": "No"} %}',
        # A wording condition on the person alone.
        '{% set short = "Deducible" %}'
        '{% if answers.get("plan_type") == "hmo" %}{% if p.about == "self" %}Mi{% else %}Su'
        "{% endif %} plan cuesta {{ x | money }}.{% else %}Pregúntele a {{ name }}.{% endif %}"
        '{% set choices = {"yes": "Sí", "no": "No"} %}',
        # The English original beside it.
        '{% set short = "Deducible" %}{% set en = english("x.j2") %}'
        '{% if answers.get("plan_type") == "hmo" %}Cuesta {{ x | money }} ({{ en.line() }}).'
        "{% else %}Pregúntele a {{ name }}.{% endif %}"
        '{% set choices = {"yes": "Sí", "no": "No"} %}',
    ],
)
def test_a_translation_may_reword_but_keeps_the_logic(translated: str):
    assert logic_of(ENV, translated) == logic_of(ENV, ENGLISH)


@pytest.mark.parametrize(
    "translated",
    [
        # Another condition.
        '{% set short = "Deducible" %}'
        '{% if answers.get("plan_type") == "ppo" %}Cuesta {{ x | money }}.'
        "{% else %}Pregúntele a {{ name }}.{% endif %}"
        '{% set choices = {"yes": "Sí", "no": "No"} %}',
        # A figure left out.
        '{% set short = "Deducible" %}'
        '{% if answers.get("plan_type") == "hmo" %}Su plan cuesta mucho.'
        "{% else %}Pregúntele a {{ name }}.{% endif %}"
        '{% set choices = {"yes": "Sí", "no": "No"} %}',
        # Another filter.
        '{% set short = "Deducible" %}'
        '{% if answers.get("plan_type") == "hmo" %}Cuesta {{ x | percent }}.'
        "{% else %}Pregúntele a {{ name }}.{% endif %}"
        '{% set choices = {"yes": "Sí", "no": "No"} %}',
        # An option's id translated.
        '{% set short = "Deducible" %}'
        '{% if answers.get("plan_type") == "hmo" %}Cuesta {{ x | money }}.'
        "{% else %}Pregúntele a {{ name }}.{% endif %}"
        '{% set choices = {"si": "Sí", "no": "No"} %}',
        # A condition of its own, not about the person.
        '{% set short = "Deducible" %}'
        '{% if answers.get("plan_type") == "hmo" %}Cuesta {{ x | money }}.'
        "{% if x > 100 %}Mucho.{% endif %}{% else %}Pregúntele a {{ name }}.{% endif %}"
        '{% set choices = {"yes": "Sí", "no": "No"} %}',
    ],
)
def test_a_translation_that_decides_or_shows_something_else_is_found(translated: str):
    assert logic_of(ENV, translated) != logic_of(ENV, ENGLISH)


def test_a_missing_or_untranslated_template_is_found(tmp_path):
    (tmp_path / "questions").mkdir()
    (tmp_path / "a.j2").write_text("Hello there, how are you?")
    (tmp_path / "b.j2").write_text("Good to see you again.")
    (tmp_path / "es").mkdir()
    (tmp_path / "es" / "a.j2").write_text("Hola, ¿cómo está?")
    (tmp_path / "es" / "c.j2").write_text("Nada que traducir.")
    assert [(p.template, p.kind) for p in problems(tmp_path, "es")] == [
        ("b", "missing"),
        ("c", "extra"),
    ]
    (tmp_path / "es" / "b.j2").write_text("Good to see you again.")
    assert ("b", "untranslated") in [(p.template, p.kind) for p in problems(tmp_path, "es")]


def test_the_check_command_reports_a_translation_missing_or_reworked(tmp_path):
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES_DIR, templates)
    (templates / "es" / "reminder_set.j2").unlink()
    reworked = templates / "es" / "questions" / "sessions.j2"
    reworked.write_text(reworked.read_text().replace("{% set short", "{% set shorter"))
    out = io.StringIO()
    settings = Settings(None, "http://127.0.0.1:9", tmp_path / "data", "INFO")
    assert check_command.run(settings, Renderer(templates_dir=templates), out) == 1
    line = next(line for line in out.getvalue().splitlines() if "Español" in line)
    assert line.startswith("PROBLEM Español: 2 templates")
    assert "questions/sessions (logic)" in line and "reminder_set (missing)" in line
