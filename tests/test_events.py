"""Button data: each kind of press packs to the callback data sent before, and reads back."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.events import (
    Answer,
    BackFrom,
    CancelReminder,
    ClinicButton,
    Confirm,
    Edit,
    Keep,
    Menu,
    Remind,
    decode,
)

# The data keyboards already sent carry: they must keep meaning the same press.
SENT = {
    "a:treatment:spravato": Answer("treatment", "spravato"),
    "k:deductible:": Keep("deductible"),
    "b:insurer:": BackFrom("insurer"),
    "e:clinic:": Edit("clinic"),
    "m::continue": Menu("continue"),
    "r:clinic2:no": Confirm("clinic2", "no"),
    "t:appeal:2027-04-19": Remind("appeal", "2027-04-19"),
    "x::3": CancelReminder("3"),
    "c::add": ClinicButton("", "add"),
    "c:2:choose": ClinicButton("2", "choose"),
}


@pytest.mark.parametrize(("data", "press"), SENT.items())
def test_each_kind_packs_to_the_data_sent_before_and_reads_back(data, press) -> None:
    assert press.data == data
    assert decode(data) == press


@pytest.mark.parametrize(
    "data",
    ["m:treatment:begin", "m::nowhere", "k:deductible:x", "r:reset:maybe", "c:1:explode", "x:1:3"],
)
def test_data_no_button_of_the_bot_has_is_refused(data) -> None:
    assert decode(data) is None


@given(st.text(alphabet="akbemrtxcz:_0123456789-yesnoaddshow", max_size=30))
def test_whatever_decodes_packs_back_to_the_same_data(data) -> None:
    press = decode(data)
    assert press is None or press.data == data
