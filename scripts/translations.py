"""Report what a language's templates lack: missing, untranslated, or logic that differs.

    python scripts/translations.py es               every problem of the Spanish templates
    python scripts/translations.py es NAME [NAME…]  only those templates ("questions/deductible")

Exits 1 if there is any problem (see bot/translations.py for the rules).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.render import TEMPLATES_DIR
from bot.translations import problems


def main(argv: list[str]) -> int:
    """Print each problem, one per line."""
    locale, *names = argv or ["es"]
    found = [p for p in problems(TEMPLATES_DIR, locale) if not names or p.template in names]
    for problem in found:
        print(f"{problem.template}: {problem.kind} {problem.detail}".rstrip())
    print(f"{len(found)} problem(s)", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
