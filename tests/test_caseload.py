"""A user's cases (bot/caseload.py): whatever is done with them, in any order, no case is lost,
doubled or mixed with another; only a deletion removes one, and only the oldest put aside past
the limit goes."""

from hypothesis import given, settings
from hypothesis import strategies as st

from bot import caseload
from bot.case import ARCHIVED_KEPT, Case

ACTIONS = st.lists(
    st.tuples(
        st.sampled_from(["add", "switch", "aside", "delete", "start_over"]), st.integers(0, 9)
    ),
    max_size=40,
)


def marked(number: int) -> dict:
    """The answers that tell a case apart: its own insurer."""
    return {"insurer": {"value": f"Insurer {number}", "at": "2026-11-26T12:00:00+00:00"}}


def contents(case: Case) -> dict[int, dict]:
    """Each case's answers, by number."""
    return {data["number"]: data["answers"] for data in caseload.everything(case)}


@settings(max_examples=150, deadline=None)
@given(ACTIONS)
def test_no_case_is_lost_doubled_or_mixed_up(actions):
    case = Case(answers=marked(1))
    expected = {1: marked(1)}
    for step, (action, pick) in enumerate(actions):
        now = f"2026-11-26T12:{step:02d}:00+00:00"
        numbers = sorted(expected)
        if action == "add":
            case = caseload.add(case)
            case.answers = marked(case.number)
            expected[case.number] = marked(case.number)
        elif action == "switch" and case.others:
            number = numbers[pick % len(numbers)]
            switched = caseload.switch(case, number)
            assert (switched is None) == (number == case.number)
            case = switched or case
            assert case.number == number and case.archived_at is None
        elif action == "aside":
            case = caseload.put_aside(case, now)
        elif action == "delete":
            del expected[case.number]
            case = caseload.delete(case)
        elif action == "start_over":
            was = case.number
            case = caseload.start_over(case, now)
            assert case.number != was and not case.others[-1].get("others")
            expected[case.number] = {}
        if case.number not in expected:  # a new, empty case took the place of the last open one
            expected[case.number] = case.answers
        found = contents(case)
        numbers = [data["number"] for data in caseload.everything(case)]
        assert len(numbers) == len(set(numbers)), "a case is doubled"
        aside = [d for d in case.others if d.get("archived_at")]
        assert len(aside) <= ARCHIVED_KEPT
        for number, answers in found.items():
            assert answers == expected[number], f"case {number} was mixed up"
        dropped = set(expected) - set(found)
        assert len(dropped) <= 1
        for number in dropped:  # only the oldest put aside, past the limit
            assert len(aside) == ARCHIVED_KEPT
            del expected[number]
        assert set(found) == set(expected)
