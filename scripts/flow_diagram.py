"""Draw the conversation as a Mermaid flowchart, generated from the flow data in bot/flow.py.

Usage:
    python scripts/flow_diagram.py                  print the ```mermaid block
    python scripts/flow_diagram.py --check FILE     exit 1 if FILE's block is not the current one
    python scripts/flow_diagram.py --write FILE     replace FILE's block with the current one

In FILE (the README), the block sits between the lines `<!-- flow-diagram:start -->` and
`<!-- flow-diagram:end -->`, so the diagram can never drift from the code unnoticed.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import sys
from pathlib import Path

from bot.flow import UNKNOWN, Combined, Condition, Flow, Kind, When

START_MARKER = "<!-- flow-diagram:start -->"
END_MARKER = "<!-- flow-diagram:end -->"
OTHERWISE = "otherwise"
OTHER = "another value"
"""A typed answer that no condition names (such as an amount other than 0)."""


def node_id(question_id: str) -> str:
    """The Mermaid node id of a question (prefixed, so no id can clash with start or summary)."""
    return f"q_{question_id}"


def describe(when: Condition) -> str:
    """A condition as an edge label, like `treatment = spravato` or `deductible ≠ 0.00`."""
    if isinstance(when, Combined) and when.name:
        return when.name
    if isinstance(when, Combined):
        joiner = " and " if when.every else " or "
        return joiner.join(
            f"({describe(part)})"
            if isinstance(part, Combined) and not part.name
            else describe(part)
            for part in when.parts
        )
    if len(when.values) == 1:
        return f"{when.question} {'≠' if when.negate else '='} {when.values[0]}"
    return f"{when.question} {'∉' if when.negate else '∈'} {{{', '.join(when.values)}}}"


def deciding(flow: Flow) -> dict[str, tuple[str, ...]]:
    """Each answer a condition looks at, with the values worth trying: every choice, each value
    a condition names, one value it does not name, and "don't know"."""
    named: dict[str, set[str]] = {}
    for question in flow.questions:
        for leaf in _leaves(question.when):
            named.setdefault(leaf.question, set()).update(leaf.values)
    values = {}
    for qid in sorted(named):
        question = flow[qid]
        tried = question.choices if question.kind == Kind.CHOICE else (*sorted(named[qid]), OTHER)
        values[qid] = tuple(dict.fromkeys((*tried, UNKNOWN)))
    return values


def walks(flow: Flow) -> list[tuple[str, ...]]:
    """The nodes passed, start to summary, on every way through the questions: each question
    that applies is asked, and one a condition looks at is answered each way worth trying."""
    values = deciding(flow)
    questions = flow.questions
    # From each question on, the answers some condition still looks at (the others are dropped,
    # so that ways that differ only in them are walked once).
    needed = [set() for _ in range(len(questions) + 1)]
    for index in reversed(range(len(questions))):
        looked_at = questions[index].when.questions() if questions[index].when else ()
        needed[index] = needed[index + 1] | set(looked_at)

    @functools.cache
    def rest(index: int, answers: frozenset) -> frozenset[tuple[str, ...]]:
        """Every way on from question `index`, as the nodes passed."""
        if index == len(questions):
            return frozenset({("summary",)})
        question, given = questions[index], dict(answers)
        if not question.applies(given):
            return rest(index + 1, answers)
        ways = set()
        for value in values.get(question.id, (None,)):
            after = given if value is None else given | {question.id: value}
            kept = frozenset((q, v) for q, v in after.items() if q in needed[index + 1])
            ways |= {(node_id(question.id), *way) for way in rest(index + 1, kept)}
        return frozenset(ways)

    return sorted(("start", *way) for way in rest(0, frozenset()))


def mermaid(flow: Flow) -> str:
    """The flowchart of `flow` as a fenced ```mermaid block: every way through it, drawn."""
    lines = ["```mermaid", "flowchart TD", '    start(["/start: welcome"])']
    lines += [f'    {node_id(q.id)}["{q.id}<br/><i>{q.kind}</i>"]' for q in flow.questions]
    lines.append('    summary(["summary"])')
    order = ["start", *(node_id(q.id) for q in flow.questions), "summary"]
    conditions = {node_id(q.id): q.when for q in flow.questions}
    every = walks(flow)
    taken = {step for walk in every for step in itertools.pairwise(walk)}
    # After each node, the questions some way through it goes on to ask.
    later: dict[str, set[str]] = {}
    for walk in every:
        for index, node in enumerate(walk):
            later.setdefault(node, set()).update(walk[index + 1 :])
    for question in flow.questions:
        if not any(node_id(question.id) == target for _, target in taken):
            raise ValueError(f"{question.id} can never be asked: its condition is never true")
    for source, target in sorted(taken, key=lambda e: (order.index(e[1]), order.index(e[0]))):
        when = conditions.get(target)
        # "otherwise": the edge passes a question that other ways from `source` ask.
        passed = order[order.index(source) + 1 : order.index(target)]
        skips = any(node in later[source] for node in passed)
        label = describe(when) if when else (OTHERWISE if skips else None)
        lines.append(_edge(source, target, label))
    lines += _note(flow)
    lines.append("```")
    return "\n".join(lines) + "\n"


def _leaves(when: Condition | None) -> list[When]:
    if when is None:
        return []
    if isinstance(when, When):
        return [when]
    return [leaf for part in when.parts for leaf in _leaves(part)]


def _edge(source: str, target: str, label: str | None) -> str:
    return (
        f"    {source} --> {target}" if label is None else f'    {source} -->|"{label}"| {target}'
    )


def _note(flow: Flow) -> list[str]:
    """A free-standing note: what every question offers besides its own answers."""
    without = [q.id for q in flow.questions if q.unknown_value is None]
    who = "Every question" + (f" except {', '.join(without)}" if without else "")
    return [
        "    %% Not drawn as edges: they are offered on every question.",
        f"    note>\"{who} takes “I don't know yet” (a button, or typed),"
        ' and « Back returns to the previous one.<br/>/answers changes any answer."]',
    ]


def replace_block(document: str, block: str) -> str:
    """`document` with the text between the markers replaced by `block`."""
    start, end = _markers(document)
    return document[: start + len(START_MARKER)] + "\n" + block + document[end:]


def current_block(document: str) -> str:
    """The text between the markers, without the newline after the start marker."""
    start, end = _markers(document)
    return document[start + len(START_MARKER) : end].removeprefix("\n")


def _markers(document: str) -> tuple[int, int]:
    start = document.find(START_MARKER)
    end = document.find(END_MARKER, start)
    if start == -1 or end == -1:
        raise ValueError(f"the markers {START_MARKER} and {END_MARKER} were not found")
    return start, end


def main(argv: list[str] | None = None) -> int:
    """Print, check or write the diagram."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--check", metavar="FILE", type=Path, help="fail if FILE is out of date")
    action.add_argument("--write", metavar="FILE", type=Path, help="update FILE's diagram")
    args = parser.parse_args(argv)
    block = mermaid(Flow())
    if args.check is None and args.write is None:
        sys.stdout.write(block)
        return 0
    path = args.check or args.write
    try:
        document = path.read_text(encoding="utf-8")
        if args.write:
            path.write_text(replace_block(document, block), encoding="utf-8")
            return 0
        if current_block(document) != block:
            print(
                f"{path}: the flow diagram is out of date;"
                f" run: python scripts/flow_diagram.py --write {path}",
                file=sys.stderr,
            )
            return 1
    except (OSError, ValueError) as error:
        print(f"{path}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
