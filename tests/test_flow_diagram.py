"""Tests for scripts/flow_diagram.py: the README's Mermaid diagram, generated from bot/flow.py."""

from __future__ import annotations

import importlib.util
import itertools
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.flow import UNKNOWN, Flow, Kind, Question, When, all_of, any_of, only, unless

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "flow_diagram.py"
_spec = importlib.util.spec_from_file_location("flow_diagram", SCRIPT)
assert _spec and _spec.loader
flow_diagram = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = flow_diagram  # dataclasses look their module up while it loads
_spec.loader.exec_module(flow_diagram)

FLOW = Flow()
EDGE_RE = re.compile(r'^ +(\w+) -->(?:\|"([^"]*)"\|)? (\w+)$', re.MULTILINE)
# Stored values that decide which questions apply: each choice, "don't know", zero and not zero.
TYPED_VALUES = ("0.00", "500.00", UNKNOWN)


def edges(diagram: str) -> dict[tuple[str, str], str | None]:
    """(source, target) -> label of every edge in a diagram."""
    found = EDGE_RE.findall(diagram)
    assert len(found) == len({(source, target) for source, target, _ in found})
    return {(source, target): label or None for source, label, target in found}


def run_script(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """Run the script as the README tells people to."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, (str(ROOT), env.get("PYTHONPATH"))))
    env["PYTHONIOENCODING"] = "utf-8"
    return subprocess.run(
        [sys.executable, str(SCRIPT), *map(str, args)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=30,
        check=False,
    )


def deciding_values(flow: Flow) -> dict[str, tuple[str, ...]]:
    """For each question a condition depends on, the values worth trying."""
    deciding = {qid for q in flow.questions if q.when for qid in q.when.questions()}
    values = {}
    for qid in sorted(deciding):
        question = flow[qid]
        if question.kind == Kind.CHOICE:
            values[qid] = (*question.choices, UNKNOWN)
        else:
            values[qid] = TYPED_VALUES
    return values


def walks(flow: Flow) -> list[list[str]]:
    """The nodes passed, start to summary, for every way of answering the deciding questions
    (each asked question that a condition looks at, answered every way worth trying)."""
    deciding = deciding_values(flow)
    ways: list[tuple[dict, list[str]]] = [({}, [])]
    for question in flow.questions:
        grown = []
        for answers, asked in ways:
            if not question.applies(answers):
                grown.append((answers, asked))
                continue
            node = flow_diagram.node_id(question.id)
            for value in deciding.get(question.id, (None,)):
                given = answers if value is None else {**answers, question.id: value}
                grown.append((given, [*asked, node]))
        # Answers no later condition looks at are dropped, and ways left alike walked once.
        later = flow.questions[flow.questions.index(question) + 1 :]
        looked_at = {qid for q in later if q.when for qid in q.when.questions()}
        unique = {}
        for answers, asked in grown:
            kept = {q: v for q, v in answers.items() if q in looked_at}
            unique[(tuple(sorted(kept.items())), tuple(asked))] = (kept, asked)
        ways = list(unique.values())
    return [["start", *asked, "summary"] for _, asked in ways]


def check_every_walk_is_drawn(flow: Flow) -> None:
    """Every way through the questions follows edges, labelled with the condition they need."""
    drawn = edges(flow_diagram.mermaid(flow))
    used = set()
    conditions = {flow_diagram.node_id(q.id): q.when for q in flow.questions}
    for walk in walks(flow):
        for step in itertools.pairwise(walk):
            assert step in drawn, (step, walk)
            when = conditions.get(step[1])
            if when:
                assert drawn[step] == flow_diagram.describe(when), step
            else:
                assert drawn[step] in (None, "otherwise"), step
            used.add(step)
    assert used == set(drawn), set(drawn) - used  # no edge that no one can take


def test_every_question_is_a_node_with_its_kind() -> None:
    diagram = flow_diagram.mermaid(FLOW)
    for question in FLOW.questions:
        node = f'    q_{question.id}["{question.id}<br/><i>{question.kind}</i>"]'
        assert node in diagram.splitlines()
    assert '    start(["/start: welcome"])' in diagram
    assert '    summary(["summary"])' in diagram


def test_block_is_a_mermaid_flowchart() -> None:
    diagram = flow_diagram.mermaid(FLOW)
    lines = diagram.splitlines()
    assert lines[:2] == ["```mermaid", "flowchart TD"]
    assert lines[-1] == "```"
    assert "I don't know yet" in diagram and "« Back" in diagram


def test_conditions_label_their_edges_with_an_otherwise_skip() -> None:
    drawn = edges(flow_diagram.mermaid(FLOW))
    assert drawn["q_coverage", "q_benefit"] == "treatment = spravato"
    assert drawn["q_coverage", "q_preauth"] == "coverage ≠ no"  # not covered: no authorization yet
    met = "Original Medicare or (the plan's own deductible and deductible ≠ 0.00)"
    assert drawn["q_deductible", "q_deductible_met"] == met
    assert drawn["q_deductible", "q_cost_sharing"] == "not Original Medicare"
    coinsurance = "not Original Medicare and cost_sharing = coinsurance"
    assert drawn["q_cost_sharing", "q_coinsurance_pct"] == coinsurance
    assert drawn["q_cost_sharing", "q_copay"] == "not Original Medicare and cost_sharing = copay"
    assert drawn["q_cost_sharing", "q_oop_max"] == "the plan's own deductible"
    assert drawn["q_cost_sharing", "q_price_per_session"] == "otherwise"
    assert ("q_coinsurance_pct", "q_copay") not in drawn  # they exclude each other
    for question in FLOW.questions:
        if question.when:
            into = [label for (_, target), label in drawn.items() if target == f"q_{question.id}"]
            assert into and set(into) == {flow_diagram.describe(question.when)}, question.id


def test_every_walk_through_the_flow_is_drawn() -> None:
    check_every_walk_is_drawn(FLOW)


def test_other_conditions_are_drawn_too() -> None:
    flow = Flow(
        (
            Question("a", Kind.CHOICE, ("x", "y", "z")),
            Question("b", Kind.TEXT, when=only("a", "x", "y")),
            Question("c", Kind.MONEY, when=unless("a", "z")),
            Question("d", Kind.MONEY),
            Question("e", Kind.COUNT, when=unless("d", "0.00", "1.00")),
        )
    )
    diagram = flow_diagram.mermaid(flow)
    assert '-->|"a ∈ {x, y}"| q_b' in diagram
    assert '-->|"a ≠ z"| q_c' in diagram
    assert '-->|"d ∉ {0.00, 1.00}"| q_e' in diagram
    assert edges(diagram)["q_d", "summary"] == "otherwise"
    check_every_walk_is_drawn(flow)


def test_conditions_on_several_answers_are_drawn() -> None:
    flow = Flow(
        (
            Question("plan", Kind.CHOICE, ("a", "b", "c")),
            Question("kind", Kind.CHOICE, ("x", "y"), when=only("plan", "a")),
            Question("limit", Kind.MONEY, when=any_of(unless("plan", "a"), unless("kind", "x"))),
            Question("met", Kind.MONEY, when=all_of(unless("limit", "0.00"), unless("plan", "c"))),
            Question("end", Kind.TEXT),
        )
    )
    diagram = flow_diagram.mermaid(flow)
    assert '-->|"plan ≠ a or kind ≠ x"| q_limit' in diagram
    assert '-->|"limit ≠ 0.00 and plan ≠ c"| q_met' in diagram
    check_every_walk_is_drawn(flow)


def test_a_question_that_can_never_be_asked_is_an_error() -> None:
    flow = Flow(
        (Question("a", Kind.CHOICE, ("x", "y")), Question("b", Kind.TEXT, when=When("a", ())))
    )
    with pytest.raises(ValueError, match="b can never be asked"):
        flow_diagram.mermaid(flow)


def test_note_names_questions_without_an_unknown_answer() -> None:
    flow = Flow((Question("a", Kind.TEXT), Question("b", Kind.COUNT, unknown_value=None)))
    assert "Every question except b takes" in flow_diagram.mermaid(flow)
    # but whom the case is for, which the welcome's buttons answer
    assert "Every question except for_whom takes" in flow_diagram.mermaid(FLOW)


def test_output_is_deterministic() -> None:
    first, second = run_script(), run_script()
    assert first.returncode == 0 and first.stderr == ""
    assert first.stdout == second.stdout == flow_diagram.mermaid(Flow())


@pytest.fixture
def readme(tmp_path: Path) -> Path:
    """A README whose diagram block is stale."""
    path = tmp_path / "README.md"
    path.write_text(
        "# Title\n\nBefore.\n\n"
        f"{flow_diagram.START_MARKER}\n```mermaid\nflowchart TD\n    old --> diagram\n```\n"
        f"{flow_diagram.END_MARKER}\n\nAfter.\n",
        encoding="utf-8",
    )
    return path


def test_check_fails_on_a_stale_block_and_passes_after_write(readme: Path) -> None:
    stale = run_script("--check", readme)
    assert stale.returncode == 1
    assert "out of date" in stale.stderr and str(readme) in stale.stderr

    written = run_script("--write", readme)
    assert written.returncode == 0, written.stderr
    text = readme.read_text(encoding="utf-8")
    expected = (
        f"# Title\n\nBefore.\n\n{flow_diagram.START_MARKER}\n{flow_diagram.mermaid(FLOW)}"
        f"{flow_diagram.END_MARKER}\n\nAfter.\n"
    )
    assert text == expected

    fresh = run_script("--check", readme)
    assert fresh.returncode == 0 and fresh.stderr == ""
    assert run_script("--write", readme).returncode == 0
    assert readme.read_text(encoding="utf-8") == expected


def test_check_fails_on_an_edited_block(readme: Path) -> None:
    assert run_script("--write", readme).returncode == 0
    readme.write_text(readme.read_text(encoding="utf-8").replace("q_sessions", "q_x", 1))
    assert run_script("--check", readme).returncode == 1


def test_check_and_write_fail_without_markers(tmp_path: Path) -> None:
    path = tmp_path / "README.md"
    path.write_text("# No diagram here\n", encoding="utf-8")
    for option in ("--check", "--write"):
        result = run_script(option, path)
        assert result.returncode == 1
        assert "flow-diagram:start" in result.stderr
    assert path.read_text(encoding="utf-8") == "# No diagram here\n"
    assert run_script("--check", tmp_path / "missing.md").returncode == 1


def test_the_readme_shows_the_current_diagram():
    result = run_script("--check", str(ROOT / "README.md"))
    assert result.returncode == 0, result.stdout + result.stderr
