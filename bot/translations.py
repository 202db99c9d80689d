"""Which templates each language has, and whether a translation keeps the English logic.

A language other than English has its own copy of each template in `templates/<locale>/`
(bot/render.py falls back to the English one). A translator rewrites the sentences whole, in
their own order; the conditions, loops and figures must stay the English ones. `logic_of`
reduces a template to what it decides and shows, leaving out the words:

- text, and strings where they are words (an output, a `set`, a macro's argument, a dict's
  value, either side of `x if c else y`), are left out; strings where they are logic (a
  comparison, a key, `answers.get("insurer")`, a template's name) are kept;
- what a run of text shows is compared as a set, in any order (word order differs);
- `p.<word>` (templates/_person.j2) and an `{% if %}` on `p` alone are wording: Spanish
  needs "necesito" or "necesita" where English says "I need" and "they need";
- `also` (other words people type for an option) is wording;
- a translation may show its English original beside it (`english(...)`, for a
  representative who speaks only English), and nothing else more.

`python -m bot check` and tests/test_translations.py report what is missing or differs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, nodes

LANGUAGES = ("en", "es")
"""The languages the bot speaks; English is the templates' own, and the fallback."""
NAMES = {"en": "English", "es": "Español"}

ENGLISH_ONLY = {
    "letter_appeal": "a letter to the insurer: the insurer reads English",
    "letter_expedited": "a letter to the insurer",
    "letter_external": "a letter to the independent reviewer",
    "letter_necessity": "a letter for the prescriber to sign",
    "letter_peer_to_peer": "notes for the prescriber's call with the plan's doctor",
    "check_report": "for the operator, who runs the bot",
    "data_dir_locked": "for the operator",
    "store_unavailable": "for the operator",
    "time_zone_unknown": "for the operator",
    "answers_file_error": "for the operator of the command line",
}
"""Templates that stay in English whatever the user's language, and why. (Their shared
sentences, `_letters`, are translated: the Spanish appeal screen uses them.)"""

WORDING_NAMES = frozenset({"also"})
"""Variables that hold only words (however many), never logic."""
LOGIC_CALLS = frozenset({"get", "question_text", "kind_of", "english", "getattr", "range"})
"""Functions and methods whose string arguments are logic (keys, ids), not words."""


def template_names(templates_dir: Path) -> list[str]:
    """The English templates, as names without `.j2` ("questions/deductible" too)."""
    return sorted(
        str(path.relative_to(templates_dir).with_suffix(""))
        for path in templates_dir.rglob("*.j2")
        if path.relative_to(templates_dir).parts[0] not in LANGUAGES
    )


def to_translate(templates_dir: Path) -> list[str]:
    """The templates every other language must have."""
    return [name for name in template_names(templates_dir) if name not in ENGLISH_ONLY]


@dataclass(frozen=True)
class Problem:
    """Something wrong with one translated template."""

    template: str
    kind: str
    """"missing", "logic" (it decides or shows something else), "untranslated", "extra"."""
    detail: str = ""


def problems(templates_dir: Path, locale: str) -> list[Problem]:
    """Everything wrong with a language's templates."""
    env = Environment()
    folder = templates_dir / locale
    found: list[Problem] = []
    for name in to_translate(templates_dir):
        translated = folder / f"{name}.j2"
        if not translated.exists():
            found.append(Problem(name, "missing"))
            continue
        english = (templates_dir / f"{name}.j2").read_text()
        text = translated.read_text()
        if name != "_person" and logic_of(env, english) != logic_of(env, text):
            found.append(Problem(name, "logic", first_difference(env, english, text)))
        same = sorted(_phrases(env, english) & _phrases(env, text))
        if same:
            found.append(Problem(name, "untranslated", same[0]))
    for path in sorted(folder.rglob("*.j2")):
        name = str(path.relative_to(folder).with_suffix(""))
        if name in ENGLISH_ONLY or not (templates_dir / f"{name}.j2").exists():
            found.append(Problem(name, "extra", "no English template to translate"))
    return found


def logic_of(env: Environment, source: str) -> Any:
    """What a template decides and shows, without its words (see the module's docstring)."""
    return _Shape().body(env.parse(source).body)


def first_difference(env: Environment, english: str, translated: str) -> str:
    """Where two templates' logic first differs, for a reader."""
    left, right = logic_of(env, english), logic_of(env, translated)
    path: list[str] = []
    while isinstance(left, tuple) and isinstance(right, tuple) and len(left) == len(right):
        index = next((i for i, (a, b) in enumerate(zip(left, right, strict=True)) if a != b), None)
        if index is None:
            break
        path.append(str(left[0]) if isinstance(left[0], str) else str(index))
        left, right = left[index], right[index]
    return f"at {'/'.join(path) or 'top'}: English {_short(left)}, translation {_short(right)}"


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) < 300 else text[:300] + "..."


# Phrases of this many words or more that are the same in both are untranslated (shorter
# ones are names: "Spravato", "HMO", "Medicare Advantage").
_PHRASE_WORDS = 3


def _phrases(env: Environment, source: str) -> set[str]:
    """The English-looking sentences of a template: its text and its word strings."""
    found: set[str] = set()
    for node in env.parse(source).find_all((nodes.TemplateData, nodes.Const)):
        value = node.data if isinstance(node, nodes.TemplateData) else node.value
        if not isinstance(value, str):
            continue
        for line in value.splitlines():
            line = line.strip()
            words = [w for w in line.split() if any(c.isalpha() for c in w)]
            if len(words) >= _PHRASE_WORDS and any(w.islower() for w in words):
                found.add(line)
    return found


class _Shape:
    """Reduces jinja2 nodes to comparable tuples (see `logic_of`)."""

    def __init__(self) -> None:
        self.english_names: set[str] = set()

    def body(self, statements: Iterable[nodes.Node]) -> tuple[Any, ...]:
        """A list of statements: what its text shows (in any order), then its statements."""
        shown: list[Any] = []
        steps: list[Any] = []
        self._collect(statements, shown, steps)
        return ("body", tuple(sorted(shown, key=repr)), tuple(steps))

    def _collect(self, statements: Iterable[nodes.Node], shown: list, steps: list) -> None:
        for node in statements:
            if isinstance(node, nodes.Assign) and self._is_english(node):
                continue
            if isinstance(node, nodes.Output):
                for part in node.nodes:
                    if not isinstance(part, nodes.TemplateData) and not self._is_english(part):
                        value = self.expr(part, words=True)
                        if value is not None:
                            shown.append(value)
            elif isinstance(node, nodes.If) and self._about_person(node.test):
                self._collect(node.body, shown, steps)
                for elif_ in node.elif_:
                    self._collect(elif_.body, shown, steps)
                self._collect(node.else_, shown, steps)
            else:
                steps.append(self.statement(node))

    def _is_english(self, node: nodes.Node) -> bool:
        """Part of showing the English original: `english(...)` or a name set from it."""
        names = {n.name for n in node.find_all(nodes.Name)}
        if isinstance(node, nodes.Name):
            names.add(node.name)
        if "english" in names or names & self.english_names:
            if isinstance(node, nodes.Assign) and isinstance(node.target, nodes.Name):
                self.english_names.add(node.target.name)
            return True
        return False

    @staticmethod
    def _about_person(test: nodes.Node) -> bool:
        names = {n.name for n in test.find_all(nodes.Name)}
        if isinstance(test, nodes.Name):
            names.add(test.name)
        return names == {"p"}

    def statement(self, node: nodes.Node) -> Any:
        match node:
            case nodes.If():
                return (
                    "if",
                    self.expr(node.test),
                    self.body(node.body),
                    tuple((self.expr(e.test), self.body(e.body)) for e in node.elif_),
                    self.body(node.else_),
                )
            case nodes.For():
                return (
                    "for",
                    self.expr(node.target),
                    self.expr(node.iter),
                    self.expr(node.test) if node.test else None,
                    self.body(node.body),
                    self.body(node.else_),
                )
            case nodes.Assign() if _target(node) in WORDING_NAMES:
                return ("set", _target(node), "words")
            case nodes.Assign():
                return ("set", self.expr(node.target), self.expr(node.node, words=True))
            case nodes.AssignBlock():
                return ("set-block", self.expr(node.target), self.body(node.body))
            case nodes.Macro():
                return (
                    "macro",
                    node.name,
                    tuple(a.name for a in node.args),
                    len(node.defaults),
                    self.body(node.body),
                )
            case nodes.CallBlock():
                return ("call-block", self.expr(node.call), self.body(node.body))
            case nodes.Import():
                return ("import", self.expr(node.template), node.target, node.with_context)
            case nodes.FromImport():
                return ("from-import", self.expr(node.template), tuple(map(str, node.names)))
            case nodes.Include():
                return ("include", self.expr(node.template))
            case nodes.Scope() | nodes.ScopedEvalContextModifier():
                return ("scope", self.body(node.body))
            case nodes.With():
                return (
                    "with",
                    tuple(self.expr(t) for t in node.targets),
                    tuple(self.expr(v, words=True) for v in node.values),
                    self.body(node.body),
                )
            case nodes.FilterBlock():
                return ("filter-block", self.expr(node.filter), self.body(node.body))
            case nodes.ExprStmt():
                return ("do", self.expr(node.node))
        return (type(node).__name__, self.body(getattr(node, "body", [])))

    def expr(self, node: nodes.Node | None, *, words: bool = False) -> Any:
        """An expression's shape; with `words`, its strings are words (left out)."""
        match node:
            case None:
                return None
            case nodes.Const() if isinstance(node.value, str):
                return None if words else ("str", node.value)
            case nodes.Const():
                return ("const", node.value)
            case nodes.TemplateData():
                return None
            case nodes.Name():
                return ("name", node.name)
            case nodes.Getattr() if isinstance(node.node, nodes.Name) and node.node.name == "p":
                return None if words else ("p",)
            case nodes.Getattr():
                return ("attr", self.expr(node.node), node.attr)
            case nodes.Getitem():
                return ("item", self.expr(node.node), self.expr(node.arg))
            case nodes.Concat():
                parts = (self.expr(n, words=True) for n in node.nodes)
                return ("concat", tuple(sorted((p for p in parts if p), key=repr)))
            case nodes.CondExpr():
                return (
                    "cond",
                    self.expr(node.test),
                    self.expr(node.expr1, words=words),
                    self.expr(node.expr2, words=words),
                )
            case nodes.Compare():
                ops = tuple((o.op, self.expr(o.expr)) for o in node.ops)
                return ("compare", self.expr(node.expr), ops)
            case nodes.Filter() | nodes.Test():
                kind = "filter" if isinstance(node, nodes.Filter) else "test"
                args = tuple(self.expr(a, words=kind == "filter") for a in node.args)
                return (kind, node.name, self.expr(node.node, words=words), args)
            case nodes.Call():
                callee = node.node
                name = (
                    callee.attr
                    if isinstance(callee, nodes.Getattr)
                    else getattr(callee, "name", "")
                )
                as_words = name not in LOGIC_CALLS
                # dict.get(key, default): the key is logic, the default may be words.
                first = 1 if name == "get" else len(node.args)
                return (
                    "call",
                    self.expr(callee),
                    tuple(
                        self.expr(a, words=as_words or i >= first) for i, a in enumerate(node.args)
                    ),
                    tuple((k.key, self.expr(k.value, words=as_words)) for k in node.kwargs),
                )
            case nodes.Dict():
                return (
                    "dict",
                    tuple((self.expr(i.key), self.expr(i.value, words=True)) for i in node.items),
                )
            case nodes.List() | nodes.Tuple():
                items = [self.expr(i, words=words) for i in node.items]
                if words and all(item is None for item in items):
                    return None
                return ("seq", tuple(items))
            case nodes.BinExpr() | nodes.UnaryExpr():
                children = tuple(self.expr(c, words=words) for c in node.iter_child_nodes())
                return (type(node).__name__, children)
        children = tuple(self.expr(c, words=words) for c in node.iter_child_nodes())
        return (type(node).__name__, children)


def _target(node: nodes.Assign) -> str | None:
    return node.target.name if isinstance(node.target, nodes.Name) else None
