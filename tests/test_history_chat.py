"""/history and /appeal through the real engine: a medicine entered, changed and removed; dates
by month; the class asked only when the name is not known; the record kept on disk; the appeal
screen and its letters, reminders and parity red flags by plan type."""

from datetime import date, timedelta

import pytest

from bot.appeals import COMMERCIAL, MEDICAID
from bot.case import Case, MalformedCase
from bot.engine import HISTORY, Appeal, Confirm, HistoryButton, HistoryCommand, Letter, Review
from bot.history import MAX_TRIALS, History, Trial
from bot.parity import FLAGS, red_flags
from bot.reminders import EXTERNAL_DAYS, decision_due, offers
from bot.render import Renderer, day
from bot.store import UserStore
from tests.support.engine_chat import FLOW, NOW, Chat, walk_to

TODAY = NOW.date()
RENDERER = Renderer(FLOW)


def shown(reply) -> str:
    return RENDERER.render(reply, "text").text


def on_plan(plan_type: str, **more: str) -> Chat:
    """A Spravato case on this plan, up to the question after it."""
    chat = Chat()
    chat.begin()
    walk_to(chat, "plan_type", {"treatment": "spravato"})
    chat.tap(plan_type)
    for question, value in more.items():
        walk_to(chat, question, {})
        chat.tap(value)
    return chat


def add_trial(chat: Chat, name: str, *answers: str) -> None:
    """Add a medicine: its name, then each answer typed or tapped in order."""
    chat.send(HistoryCommand())
    chat.tap("history_add_trial")
    assert chat.asking == "trial_name"
    chat.say(name)
    for answer in answers:
        assert chat.asking, chat.last
        if any(answer in (b.label, b.press.data.rsplit(":", 1)[1]) for b in chat.last.buttons):
            chat.tap(answer)
        else:
            chat.say(answer)


def trials(chat: Chat) -> tuple[Trial, ...]:
    return History.from_dict(chat.case.history).trials


def test_a_known_medicine_is_saved_with_its_class_without_asking_it():
    chat = on_plan("ppo")
    add_trial(chat, "Lexapro 10mg", "10 mg a day", "March 2026", "no_help", "May 2026")
    (trial,) = trials(chat)
    assert (trial.name, trial.medication, trial.drug_class) == (
        "escitalopram",
        "escitalopram",
        "ssri",
    )
    assert (trial.dose, trial.start, trial.end, trial.outcome) == (
        "10 mg a day",
        "2026-03",
        "2026-05",
        "no_help",
    )
    assert chat.last.template == "history"
    assert chat.case.mode != HISTORY and chat.case.history_draft is None


def test_the_name_typed_is_acknowledged_as_it_was_saved_and_a_month_as_a_month():
    chat = on_plan("ppo")
    add_trial(chat, "effexor xr", "150 mg", "jan 2025")
    text = shown(chat.last)
    assert "✓ Saved: Dose, 150 mg" not in text  # that was the turn before
    assert "✓ Saved: Started, January 2025" in text
    assert "How did venlafaxine go?" in text
    chat.send(HistoryCommand())
    chat.tap("history_add_trial")
    chat.say("Zoloft")
    assert "✓ Saved: Medicine, sertraline" in shown(chat.last)


def test_an_unknown_name_asks_its_class_and_i_dont_know_is_an_answer_everywhere():
    chat = on_plan("ppo")
    add_trial(chat, "the blue pill", "ssri", "unknown", "unknown", "side_effects", "unknown")
    (trial,) = trials(chat)
    assert (trial.medication, trial.drug_class, trial.dose, trial.start, trial.end) == (
        None,
        "ssri",
        None,
        None,
        None,
    )
    assert trial.outcome == "side_effects"


def test_dates_after_today_or_an_end_before_the_start_are_asked_again():
    chat = on_plan("ppo")
    next_month = (TODAY.replace(day=1) + timedelta(days=32)).strftime("%B %Y")
    add_trial(chat, "sertraline", "100 mg", next_month)
    assert chat.asking == "trial_start" and chat.last.context["error"]["code"] == "in_the_future"
    chat.say("March 2026")
    chat.tap("still_taking")  # no end is asked
    (trial,) = trials(chat)
    assert trial.end is None and trial.outcome == "still_taking"

    add_trial(chat, "venlafaxine", "150 mg", "June 2026", "no_help", "May 2026")
    assert chat.asking == "trial_end" and chat.last.context["error"]["code"] == "before"
    chat.say("June 2026")  # the same month: it may have lasted weeks
    assert [t.end for t in trials(chat)] == [None, "2026-06"]


def test_changing_a_trial_keeps_what_is_kept_and_asks_again_an_end_now_before_its_start():
    chat = on_plan("ppo")
    add_trial(chat, "sertraline", "100 mg", "March 2026", "no_help", "May 2026")
    chat.send(HistoryButton("t1", "edit"))
    chat.tap("keep")  # the name
    chat.say("200 mg")
    chat.say("June 2026")  # a start now after the saved end
    chat.tap("keep")  # the outcome
    assert chat.asking == "trial_end"
    assert not any(b.label == "keep" for b in chat.last.buttons)  # May 2026 is not offered
    chat.say("August 2026")
    (trial,) = trials(chat)
    assert (trial.dose, trial.start, trial.end) == ("200 mg", "2026-06", "2026-08")


def test_removing_asks_first_and_a_stale_button_changes_nothing():
    chat = on_plan("ppo")
    add_trial(chat, "sertraline", "100 mg", "March 2026", "no_help", "May 2026")
    chat.send(HistoryButton("t1", "remove"))
    chat.send(Confirm("historyt1", "no"))
    assert len(trials(chat)) == 1
    chat.send(HistoryButton("t1", "remove"))
    chat.send(Confirm("historyt1", "yes"))
    assert trials(chat) == ()
    assert chat.reply("history_removed") is not None
    chat.send(HistoryButton("t1", "show"))
    assert chat.last.template == "closed" and not chat.changed


def test_cancelling_saves_nothing_and_the_questions_go_on_where_they_were():
    chat = on_plan("ppo")
    waiting = chat.asking
    add_trial(chat, "sertraline", "100 mg")
    chat.tap("history_cancel")
    assert trials(chat) == ()
    chat.tap("resume")
    assert chat.asking == waiting


def test_scores_and_other_treatments_are_kept_and_shown_in_answers():
    chat = on_plan("ppo")
    chat.send(HistoryCommand())
    chat.tap("history_add_score")
    chat.tap("phq9")
    chat.say("30")  # over the PHQ-9's 27
    assert chat.last.context["error"]["code"] == "out_of_range"
    chat.say("21")
    chat.say("October 2026")
    chat.tap("history_other")
    chat.tap("yes")  # psychotherapy
    chat.tap("yes")  # TMS
    chat.tap("unknown")  # ECT
    history = History.from_dict(chat.case.history)
    assert [(s.scale, s.value, s.on) for s in history.scores] == [("phq9", 21, "2026-10")]
    assert history.other == ("psychotherapy", "tms")
    (answers,) = chat.send(Review())
    text = shown(answers)
    assert "PHQ-9 21 (October 2026)" in text
    assert "Also tried: psychotherapy, transcranial magnetic stimulation (TMS)." in text


def test_no_more_trials_than_the_limit_are_offered():
    chat = on_plan("ppo")
    full = History(tuple(Trial(f"drug {n}") for n in range(MAX_TRIALS)))
    chat.case.history = full.to_dict()
    (listing,) = chat.send(HistoryCommand())
    assert "history_add_trial" not in [b.label for b in listing.buttons]
    chat.send(HistoryButton("", "trial"))
    assert chat.last.template == "closed"


def test_the_history_survives_the_store_and_a_broken_one_is_refused(tmp_path):
    chat = on_plan("ppo")
    add_trial(chat, "Zoloft", "150 mg", "March 2026", "no_help", "May 2026")
    store = UserStore(tmp_path / "data")
    store.save("7", {"case": chat.case.to_dict()})
    loaded = Case.from_dict(UserStore(tmp_path / "data").load("7")["case"])
    assert History.from_dict(loaded.history) == History.from_dict(chat.case.history)
    broken = chat.case.to_dict() | {"history": {"trials": [{"name": ""}]}}
    with pytest.raises(MalformedCase):
        Case.from_dict(broken)


def denied(plan_type: str, letter: date, **more: str) -> Chat:
    chat = on_plan(plan_type, **more)
    add_trial(chat, "sertraline", "100 mg", "January 2026", "no_help", "April 2026")
    chat.log_authorization("denied", "PA-1", letter.strftime("%m/%d/%Y"))
    return chat


@pytest.mark.parametrize(
    ("plan_type", "more", "days"),
    [("ppo", {}, 180), ("medicaid", {}, 60), ("medicare", {"medicare_kind": "advantage"}, 60)],
)
def test_the_appeal_screen_gives_the_deadline_of_the_plan_type(plan_type, more, days):
    letter = TODAY - timedelta(days=5)
    chat = denied(plan_type, letter, **more)
    (screen,) = chat.send(Appeal())
    assert f"Send it by {day((letter + timedelta(days=days)).isoformat())}" in shown(screen)
    letters = [b.press.kind for b in screen.buttons if b.label == "letter"]
    assert letters == ["necessity", "appeal", "peer_to_peer", "expedited", "external"]
    remind = next(b for b in screen.buttons if b.label == "remind_decision")
    assert remind.press.day == decision_due(TODAY, 30).isoformat()


def test_before_a_denial_only_the_letters_for_a_request_are_offered():
    chat = on_plan("ppo")
    (screen,) = chat.send(Appeal())
    assert [b.press.kind for b in screen.buttons if b.label == "letter"] == [
        "necessity",
        "peer_to_peer",
    ]
    assert "No denial logged" in shown(screen)


def test_a_letter_is_sent_as_a_pdf_and_as_text_with_the_history_in_it():
    chat = denied("ppo", TODAY - timedelta(days=5))
    (sent,) = chat.send(Letter("appeal"))
    assert [a.document for a in sent.attachments] == ["letter_appeal", "letter_appeal_text"]
    files = RENDERER.attachments(sent)
    assert [f.filename for f in files] == ["appeal-letter.pdf", "appeal-letter.txt"]
    assert files[0].content.startswith(b"%PDF")
    assert "sertraline (SSRI), 100 mg, January 2026 to April 2026" in files[1].content.decode()


def test_parity_red_flags_are_shown_only_where_parity_law_applies():
    answers = {"preauth": "yes", "network_options": "no", "bh_carveout": "yes", "referral": "yes"}
    approval = {"status": "approved", "sessions": 8}
    assert red_flags(answers | {"sessions": 24}, approval) == FLAGS
    assert red_flags({"preauth": "no", "sessions": 8}, approval) == ()
    ppo = on_plan("ppo", bh_carveout="yes")
    assert "Parity: questions worth asking" in shown(ppo.send(Appeal())[0])
    medicare = on_plan("medicare", medicare_kind="advantage")
    medicare.send(Appeal())
    assert medicare.last.context["flags"] == ()


def test_an_external_review_reminder_comes_after_a_second_denial_before_the_earliest_deadline():
    letter = TODAY - timedelta(days=3)
    denial = {"status": "denied", "letter_date": letter.isoformat()}
    first = dict(offers(TODAY, denial, COMMERCIAL))
    assert "external" not in first and "appeal" in first
    second = dict(offers(TODAY, denial, COMMERCIAL, appealed=True))
    assert TODAY < second["external"] <= letter + timedelta(days=EXTERNAL_DAYS)
    assert "external" not in dict(offers(TODAY, denial, MEDICAID, appealed=True))
    chat = denied("ppo", letter)
    chat.log_authorization("denied", "PA-2", letter.strftime("%m/%d/%Y"))
    assert "remind_external" in [b.label for b in chat.reply("call_logged").buttons]
    assert "appeal" in [b.label for b in chat.reply("call_logged").buttons]
