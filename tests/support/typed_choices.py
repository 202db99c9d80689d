"""How people type an option instead of pressing its button: the label, the id, a near miss."""

from __future__ import annotations

import re

from bot.render import Renderer


def near_miss(label: str) -> str:
    """The label with one slip of the keyboard in its longest word: a letter left out of a
    long word ("netwok"), a letter doubled in a short one ("hmoo", "noo")."""
    words = re.findall(r"[A-Za-z]+", label)
    longest = max(words, key=len)
    slipped = longest[:2] + longest[3:] if len(longest) >= 5 else longest + longest[-1]
    return label.replace(longest, slipped, 1).lower()


def typed_forms(renderer: Renderer, question_id: str, choice: str) -> dict[str, str]:
    """The ways of typing `choice` at `question_id` that must all be understood."""
    label = renderer.choice_words(question_id)[choice][1]
    return {"label": label, "id": choice, "near miss": near_miss(label)}
