"""Recognising free text that mentions suicide or self-harm, so crisis help comes first.

Deliberately broad: showing the crisis resources to someone who did not need
them costs a message; missing someone who did costs far more.
"""

import re

from bot.parsing import normalize_text

_PATTERNS = (
    r"suicid",
    r"kill(ing)?\s+(my\s*self|me)\b",
    r"end(ing)?\s+(it\s+all|my\s+life|things)\b",
    r"take\s+my\s+(own\s+)?life",
    r"self[\s-]*harm",
    r"(hurt|harm|cut|cutting)\s+my\s*self",
    r"want(ed)?\s+to\s+die\b",
    r"(don'?t|do\s+not)\s+want\s+to\s+(live|be\s+alive|wake\s+up)",
    r"better\s+off\s+dead",
    r"no\s+reason\s+to\s+live",
    r"overdos",
)
_CRISIS = re.compile("|".join(_PATTERNS), re.IGNORECASE)


def mentions_crisis(text: str) -> bool:
    """Whether `text` mentions suicide or self-harm."""
    # Invisible characters (soft hyphens, bidi marks, zero-width and control characters) must
    # not hide the words: match on the text as the parser cleans it.
    folded = normalize_text(text[:10_000]).replace("\u2019", "'")
    return _CRISIS.search(folded) is not None
