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
import sys
from dataclasses import dataclass
from pathlib import Path

from bot.flow import Flow, When

START_MARKER = "<!-- flow-diagram:start -->"
END_MARKER = "<!-- flow-diagram:end -->"
OTHERWISE = "otherwise"


@dataclass(frozen=True)
class _Exit:
    """A node whose outgoing edge is still to be drawn, and what is known on the way there."""

    node: str
    label: str | None
    holding: tuple[When, ...]


def node_id(question_id: str) -> str:
    """The Mermaid node id of a question (prefixed, so no id can clash with start or summary)."""
    return f"q_{question_id}"


def describe(when: When) -> str:
    """A condition as an edge label, like `treatment = spravato` or `deductible ≠ 0.00`."""
    if len(when.values) == 1:
        return f"{when.question} {'≠' if when.negate else '='} {when.values[0]}"
    return f"{when.question} {'∉' if when.negate else '∈'} {{{', '.join(when.values)}}}"


def _negation(when: When) -> When:
    """The condition that holds when `when` does not."""
    return When(when.question, when.values, not when.negate)


def _verdict(holding: tuple[When, ...], when: When) -> str:
    """Whether `when` is "always", "never" or "maybe" true where all of `holding` is true."""
    allowed: set[str] | None = None  # None: any value except those barred
    barred: set[str] = set()
    for known in holding:
        if known.question != when.question:
            continue
        if known.negate:
            barred |= set(known.values)
        else:
            allowed = set(known.values) if allowed is None else allowed & set(known.values)
    if allowed is None:
        if set(when.values) <= barred:
            return "always" if when.negate else "never"
        return "maybe"
    outcomes = {(value in when.values) != when.negate for value in allowed - barred}
    if outcomes == {True}:
        return "always"
    return "maybe" if True in outcomes else "never"


def mermaid(flow: Flow) -> str:
    """The flowchart of `flow` as a fenced ```mermaid block."""
    lines = ["```mermaid", "flowchart TD", '    start(["/start: welcome"])']
    lines += [f'    {node_id(q.id)}["{q.id}<br/><i>{q.kind}</i>"]' for q in flow.questions]
    lines.append('    summary(["summary"])')
    exits = [_Exit("start", None, ())]
    for question in flow.questions:
        target, when = node_id(question.id), question.when
        verdicts = {way: _verdict(way.holding, when) if when else "always" for way in exits}
        entering = [way for way in exits if verdicts[way] != "never"]
        if not entering:
            raise ValueError(f"{question.id} can never be asked: its condition is never true")
        lines += [_edge(e.node, target, describe(when) if when else e.label) for e in entering]
        # What is known on every way in is still known after the question: answers stay put.
        known = [w for w in entering[0].holding if all(w in e.holding for e in entering)]
        skips = [
            _Exit(e.node, OTHERWISE, (*e.holding, _negation(when)))
            for e in exits
            if when and verdicts[e] == "maybe"
        ]
        exits = [
            _Exit(target, None, (*known, when) if when else tuple(known)),
            *skips,
            *(e for e in exits if verdicts[e] == "never"),
        ]
    lines += [_edge(way.node, "summary", way.label) for way in exits]
    lines += _note(flow)
    lines.append("```")
    return "\n".join(lines) + "\n"


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
