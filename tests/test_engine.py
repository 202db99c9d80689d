"""The engine without Telegram, TinyDB or jinja2: every branch, back, edit, unknowns, bad input."""

import subprocess
import sys
from datetime import UTC, date, datetime, timedelta

import pytest

from bot import caseload
from bot.case import ARCHIVED_KEPT, LOG_KEPT
from bot.engine import (
    ASKING,
    COMMANDS,
    DONE,
    Answer,
    Back,
    BackFrom,
    Calls,
    CallScript,
    CancelReminder,
    Case,
    Cases,
    Confirm,
    DeliverDue,
    Edit,
    Estimate,
    Help,
    Keep,
    LogCall,
    Menu,
    Older,
    Remind,
    Reminders,
    Reset,
    Review,
    Start,
    Unsupported,
    decode,
    handle,
)
from bot.render import Renderer, money
from tests.support.engine_chat import FLOW, NOW, Chat, progress_at, say_at, walk, walk_to

SPRAVATO_COINSURANCE = {
    "treatment": "spravato",
    "insurer": "Aetna",
    "plan_type": "ppo",
    "bh_carveout": "yes",
    "bh_company": "Optum",
    "coverage": "yes",
    "benefit": "medical",
    "preauth": "yes",
    "referral": "no",
    "trials": "3",
    "clinic": "Calm Mind Clinic",
    "network": "out",
    "network_options": "no",
    "deductible": "$1,500",
    "deductible_met": "500",
    "cost_sharing": "coinsurance",
    "coinsurance_pct": "20%",
    "oop_max": "1.5k",
    "oop_met": "0",
    "price_per_session": "$885",
    "allowed_per_session": "$600",
    "sessions": "8",
}


def test_engine_imports_no_channel_storage_or_template_library():
    code = (
        "import sys, bot.engine, bot.flow, bot.parsing, bot.crisis\n"
        "bad = {'telegram', 'tinydb', 'jinja2'} & set(sys.modules)\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_welcome_for_a_new_user_offers_to_begin():
    chat = Chat()
    (reply,) = chat.send(Start())
    assert reply.template == "welcome"
    assert [b.label for b in reply.buttons] == ["begin", "begin_other", "language"]
    assert reply.buttons[-1].args == {"code": "es"}  # Spanish, one tap from the first screen
    assert reply.language == "en"
    assert not chat.changed


def test_full_walk_stores_stable_ids_decimal_strings_and_integers():
    chat = Chat()
    chat.begin()
    assert chat.asking == "treatment"
    walk(chat, SPRAVATO_COINSURANCE)
    assert chat.reply("summary")
    assert chat.case.mode == DONE
    saved = chat.answers()
    assert {k: v for k, v in saved.items() if k in SPRAVATO_COINSURANCE} == {
        "treatment": "spravato",
        "insurer": "Aetna",
        "plan_type": "ppo",
        "bh_carveout": "yes",
        "bh_company": "Optum",
        "coverage": "yes",
        "benefit": "medical",
        "preauth": "yes",
        "referral": "no",
        "trials": 3,
        "clinic": "Calm Mind Clinic",
        "network": "out",
        "network_options": "no",
        "deductible": "1500.00",
        "deductible_met": "500.00",
        "cost_sharing": "coinsurance",
        "coinsurance_pct": "20",
        "oop_max": "1500.00",
        "oop_met": "0.00",
        "price_per_session": "885.00",
        "allowed_per_session": "600.00",
        "sessions": 8,
    }
    assert all(a["at"] == "2026-11-26T12:00:00+00:00" for a in chat.case.answers.values())
    logged = [entry["question"] for entry in chat.case.log]
    assert [q for q in logged if q in SPRAVATO_COINSURANCE] == list(SPRAVATO_COINSURANCE)
    assert set(saved) == set(logged) == {q.id for q in FLOW.applicable(saved)}


@pytest.mark.parametrize(
    ("changes", "skipped", "asked"),
    [
        ({"treatment": "iv_ketamine"}, {"benefit"}, set()),
        ({"treatment": "unsure"}, {"benefit"}, set()),
        ({"bh_carveout": "no"}, {"bh_company"}, set()),
        ({"bh_carveout": "idk"}, {"bh_company"}, set()),
        ({"network": "in"}, {"network_options"}, set()),
        ({"cost_sharing": "copay", "copay": "$40"}, {"coinsurance_pct"}, {"copay"}),
        ({"cost_sharing": "I don't know"}, {"coinsurance_pct"}, set()),
        ({"deductible": "0"}, {"deductible_met"}, set()),
    ],
)
def test_questions_that_do_not_apply_are_skipped(changes, skipped, asked):
    chat = Chat()
    chat.begin()
    seen = []
    script = {**SPRAVATO_COINSURANCE, **changes}
    while chat.asking:
        seen.append(chat.asking)
        say_at(chat, chat.asking, script)
    assert chat.reply("summary")
    assert not skipped & set(seen)
    assert asked <= set(seen)
    assert "copay" not in seen or "coinsurance_pct" not in seen


def test_progress_counts_the_questions_that_apply():
    chat = Chat()
    chat.send(Start())
    chat.send(Menu("continue"))  # not through the welcome's buttons: asked whom it is for
    assert chat.last.context["progress"] is None  # before the numbered questions
    walk_to(chat, "treatment", {})
    assert chat.last.context["progress"] == progress_at("treatment", chat.answers())
    assert chat.last.context["progress"][0] == 1  # the first numbered question
    chat.tap("iv_ketamine")
    answers = chat.answers()
    n, total = progress_at(chat.asking, answers)
    assert chat.last.context["progress"] == (n, total)
    assert total < len(FLOW.questions) and not FLOW["benefit"].may_apply(answers)  # Spravato's
    walk_to(chat, "bh_carveout", answers)
    before = progress_at("bh_carveout", chat.answers())[1]
    chat.tap("no")  # no mental health company to name
    n, smaller = progress_at(chat.asking, chat.answers())
    assert chat.last.context["progress"] == (n, smaller) and smaller == before - 1


def test_every_question_offers_unknown_and_stores_it():
    chat = Chat()
    chat.send(Start())
    chat.send(Menu("continue"))  # not through the welcome's buttons: asked whom it is for
    while chat.asking:
        question = FLOW[chat.asking]
        labels = {b.label for b in chat.last.buttons}
        if question.unknown_value is None:  # whom the case is for: not a thing not to know
            assert "unknown" not in labels
            chat.tap(question.choices[0])
            continue
        assert "unknown" in labels or question.id == "treatment", question
        if question.id == "treatment":
            chat.tap("unsure")
        else:
            chat.tap("unknown")
    assert chat.reply("summary")
    values = chat.answers()
    assert values.pop("for_whom") == "self"
    assert values.pop("treatment") == "unsure"
    assert set(values.values()) == {"unknown"}
    assert set(chat.reply("summary").context["unknown"]) == {"treatment", *values}


@pytest.mark.parametrize("typed", ["idk", "I don't know", "not sure", "?", "Unknown"])
def test_typed_unknown_is_unknown(typed):
    chat = Chat()
    chat.begin()
    chat.say("not sure")
    assert chat.answers()["treatment"] == "unsure"
    chat.say(typed)
    assert chat.answers()["insurer"] == "unknown"


def test_back_shows_the_saved_answer_and_keep_returns_to_where_they_were():
    chat = Chat()
    chat.begin()
    chat.tap("iv_ketamine")
    walk_to(chat, "plan_type", {"insurer": "Cigna"})
    before = chat.case.log[-1]["question"]  # the question the flow asks before plan_type
    chat.tap("hmo")
    after = chat.asking
    chat.tap("back")
    assert chat.asking == "plan_type"
    assert chat.last.context["saved"] == "hmo"
    assert "keep" in {b.label for b in chat.last.buttons}
    chat.send(Back())
    assert chat.asking == before
    chat.tap("keep")
    assert chat.asking == after  # answered questions are not asked again
    assert chat.answers()["insurer"] == "Cigna" and chat.answers()["plan_type"] == "hmo"


def test_back_then_a_new_answer_replaces_the_old_one_and_logs_both():
    chat = Chat()
    chat.begin()
    chat.tap("iv_ketamine")
    chat.tap("back")
    chat.tap("spravato")
    assert chat.answers()["treatment"] == "spravato"
    treatments = [e["value"] for e in chat.case.log if e["question"] == "treatment"]
    assert treatments == ["iv_ketamine", "spravato"]


def test_no_back_button_on_the_first_question_and_back_there_stays():
    chat = Chat()
    chat.send(Start())
    chat.send(Menu("continue"))  # not through the welcome's buttons: asked whom it is for
    assert "back" not in {b.label for b in chat.last.buttons}
    chat.send(Back())
    assert chat.asking == FLOW.questions[0].id


def test_back_from_the_summary_goes_to_the_last_question():
    chat = Chat()
    chat.begin()
    walk(chat, SPRAVATO_COINSURANCE)
    chat.send(Back())
    assert chat.asking == "sessions"
    chat.tap("keep")
    assert chat.reply("summary")


@pytest.mark.parametrize(
    ("question", "typed", "code"),
    [
        ("deductible", "-5", "negative"),
        ("deductible", "abc", "not_a_number"),
        ("deductible", "1,5", "ambiguous_comma"),
        ("deductible", "", "empty"),
        ("deductible", "x" * 10_000, "too_long"),
        ("deductible_met", "$2,000", "more_than"),
        ("coinsurance_pct", "150%", "over_100"),
        ("coinsurance_pct", "0.2", "ambiguous_fraction"),
        ("trials", "2.5", "not_whole"),
        ("trials", "400", "out_of_range"),
        ("plan_type", "gold plan", "pick_a_button"),
        ("insurer", "   ", "empty"),
        ("oop_met", "$1,600", "more_than"),
        ("price_per_session", "$20,000", "too_large"),
        ("sessions", "0", "out_of_range"),
    ],
)
def test_bad_input_is_explained_and_changes_nothing(question, typed, code):
    chat = Chat()
    chat.begin()
    while chat.asking != question:
        say_at(chat, chat.asking, SPRAVATO_COINSURANCE)
    saved = chat.case.to_dict()
    chat.say(typed)
    assert not chat.changed
    assert chat.case.to_dict() == saved
    assert chat.asking == question
    assert chat.last.context["error"]["code"] == code


def test_more_than_names_the_limit():
    chat = Chat()
    chat.begin()
    while chat.asking != "deductible_met":
        say_at(chat, chat.asking, SPRAVATO_COINSURANCE)
    chat.say("2000")
    error = chat.last.context["error"]
    assert (error["other"], str(error["limit"])) == ("deductible", "1500.00")


def test_yes_no_typed_in_words():
    chat = Chat()
    chat.begin()
    chat.say("spravato")
    walk_to(chat, "plan_type", {"insurer": "Aetna"})
    chat.say("PPO")
    walk_to(chat, "bh_carveout", {})
    chat.say("Yep")
    assert chat.answers()["plan_type"] == "ppo"
    assert chat.answers()["bh_carveout"] == "yes"


def test_answers_lists_applicable_questions_and_an_edit_says_what_it_changed():
    chat = Chat()
    chat.begin()
    walk(chat, {**SPRAVATO_COINSURANCE, "treatment": "iv_ketamine"})
    (review,) = chat.send(Review())
    assert review.template == "answers"
    applicable = [q.id for q in FLOW.applicable(chat.answers())]
    assert [qid for qid, _ in review.context["rows"]] == applicable
    assert "benefit" not in dict(review.context["rows"])
    chat.send(Edit("insurer"))
    assert chat.asking == "insurer"
    assert chat.last.context["header"] == "editing" and chat.last.context["progress"] is None
    (changed,) = chat.say("Cigna")  # one short message, not the summary and all again
    assert changed.template == "answer_changed" and changed.context["question"] == "insurer"
    assert changed.context["was"] == changed.context["estimate"]  # the insurer costs nothing
    assert [b.label for b in changed.buttons] == ["estimate", "callscript", "review"]
    assert chat.answers()["insurer"] == "Cigna" and chat.case.mode == DONE


def test_a_changed_figure_says_the_estimate_before_and_after():
    chat = Chat()
    chat.begin()
    walk(chat, SPRAVATO_COINSURANCE)
    before = chat.send(Estimate())[0].context["estimate"]
    chat.send(Edit("price_per_session"))  # out of network: the balance bill grows
    (changed,) = chat.say("$985")
    assert changed.context["was"] == before
    assert changed.context["estimate"] == chat.send(Estimate())[0].context["estimate"] != before
    text = Renderer().render(changed, "text").text
    low = money(changed.context["estimate"].low.patient_total)
    saved, now, *_ = text.split("\n")
    assert saved.startswith("✓ Saved: ") and saved.endswith(", $985.")
    assert now.startswith(f"Your estimate is now about {low}")
    assert f"(it was {money(before.low.patient_total)}" in text


def test_an_edit_that_makes_a_question_apply_asks_it_on_the_way_back():
    chat = Chat()
    chat.begin()
    walk(chat, {**SPRAVATO_COINSURANCE, "treatment": "iv_ketamine"})
    chat.send(Edit("treatment"))
    chat.tap("spravato")
    assert chat.asking == "benefit"
    chat.tap("medical")
    assert chat.reply("summary")


def test_lowering_the_deductible_below_what_was_met_asks_the_met_amount_again():
    chat = Chat()
    chat.begin()
    walk(chat, SPRAVATO_COINSURANCE)
    chat.send(Edit("deductible"))
    chat.say("$400")
    assert chat.asking == "deductible_met"
    assert "deductible_met" not in chat.answers()
    assert chat.case.log[-1] == {
        "question": "deductible_met",
        "cleared": True,
        "at": NOW.isoformat(),
    }
    chat.say("400")
    assert chat.reply("summary")


def test_back_while_editing_returns_to_the_answers_list():
    chat = Chat()
    chat.begin()
    walk(chat, SPRAVATO_COINSURANCE)
    chat.send(Edit("clinic"))
    chat.tap("back")
    assert chat.last.template == "answers"
    assert chat.case.mode == DONE


@pytest.mark.parametrize(
    "press",
    [
        Answer("plan_type", "ppo"),  # not the current question
        Answer("treatment", "homeopathy"),  # a value never offered
        Answer("treatment", "unknown"),  # treatment's unknown is "unsure"
        Keep("treatment"),  # nothing saved to keep
        BackFrom("insurer"),
        Edit("benefit"),  # does not apply before treatment is known
        Edit("no_such_question"),
        Confirm("reset", "yes"),  # no reset was asked
        Menu("nowhere"),  # no such menu item
    ],
)
def test_a_press_that_does_not_belong_is_a_closed_question(press):
    chat = Chat()
    chat.begin()
    saved = chat.case.to_dict()
    (reply,) = chat.send(press)
    assert reply.template == "closed" and reply.notice
    assert chat.case.to_dict() == saved


def test_pressing_the_same_answer_twice_records_it_once():
    chat = Chat()
    chat.begin()
    press = Answer("treatment", "spravato")
    chat.send(press)
    assert chat.asking == "insurer"
    (reply,) = chat.send(press)
    assert reply.template == "closed"
    assert len([e for e in chat.case.log if e["question"] == "treatment"]) == 1


def test_a_suggestion_button_for_a_typed_question_is_validated_too():
    chat = Chat()
    chat.begin()
    while chat.asking != "sessions":
        say_at(chat, chat.asking, SPRAVATO_COINSURANCE)
    assert [b.press.value for b in chat.last.buttons if b.label == "suggestion"] == ["8"]
    (reply,) = chat.send(Answer("sessions", "9999"))
    assert reply.template == "closed"
    chat.send(Answer("sessions", "8"))
    assert chat.answers()["sessions"] == 8


def test_decode_accepts_only_what_we_send():
    assert decode("a:plan_type:ppo") == Answer("plan_type", "ppo")
    assert decode("m::begin") == Menu("begin")
    for forged in ("", "x", "a:b", "z:plan_type:ppo", "a:b:c:d"):
        assert decode(forged) is None


def test_callback_data_fits_telegram_limit_for_every_button():
    chat = Chat()
    chat.begin()
    seen = []
    while chat.asking:
        seen += [b.press.data for r in chat.replies for b in r.buttons]
        say_at(chat, chat.asking, SPRAVATO_COINSURANCE)
    seen += [b.press.data for r in chat.send(Review()) for b in r.buttons]
    assert seen and max(len(d.encode()) for d in seen) <= 64


def test_crisis_text_shows_resources_first_and_saves_nothing():
    chat = Chat()
    chat.begin()
    chat.tap("spravato")
    saved = chat.case.to_dict()
    (crisis,) = chat.say("honestly I want to kill myself")
    assert crisis.template == "crisis" and crisis.context["language"] == "en"
    assert chat.case.to_dict() == saved and not chat.changed
    chat.tap("crisis_continue")
    assert chat.asking == "insurer"
    assert chat.case.to_dict() == saved


def test_reset_asks_first_and_cancel_keeps_everything():
    chat = Chat()
    chat.begin()
    walk(chat, SPRAVATO_COINSURANCE)
    saved = chat.answers()
    (confirm,) = chat.send(Reset())
    assert confirm.template == "reset_confirm"
    chat.tap("reset_no")
    assert chat.answers() == saved
    assert chat.reply("summary")


def test_reset_confirmed_keeps_the_old_case_aside_and_starts_again():
    chat = Chat()
    chat.begin()
    walk(chat, SPRAVATO_COINSURANCE)
    saved = chat.answers()
    chat.send(Reset())
    chat.tap("reset_yes")
    assert chat.answers() == {"for_whom": "self"}  # the same person's case, begun again
    assert chat.asking == "treatment"
    (archived,) = chat.case.others
    assert {k: v["value"] for k, v in archived["answers"].items()} == saved


def test_past_the_most_earlier_cases_kept_starting_over_says_the_oldest_goes_first():
    chat = Chat()
    chat.begin()
    for number in range(ARCHIVED_KEPT + 1):
        chat.now = NOW + timedelta(days=number)
        chat.tap("spravato") if chat.asking == "treatment" else chat.begin()
        chat.say(f"Insurer {number}")
        (confirm,) = chat.send(Reset())
        text = Renderer().render(confirm, "text").text
        full = number >= ARCHIVED_KEPT
        assert ("put aside on Nov 26, 2026, will be removed" in text) is full
        chat.tap("reset_yes")
    insurers = [case["answers"]["insurer"]["value"] for case in chat.case.others]
    assert insurers == [f"Insurer {n}" for n in range(1, ARCHIVED_KEPT + 1)]


def test_the_change_log_keeps_the_newest_changes():
    case = Case()
    for number in range(LOG_KEPT + 5):
        case.record_change({"question": "insurer", "value": f"Insurer {number}"})
    assert len(case.log) == LOG_KEPT
    assert case.log[0]["value"] == "Insurer 5"
    assert case.log[-1]["value"] == f"Insurer {LOG_KEPT + 4}"


def test_anything_else_cancels_a_pending_reset():
    chat = Chat()
    chat.begin()
    chat.tap("spravato")
    chat.send(Reset())
    chat.say("Aetna")
    assert chat.answers()["insurer"] == "Aetna"
    (reply,) = chat.send(Confirm("reset", "yes"))
    assert reply.template == "closed"
    assert chat.answers()["treatment"] == "spravato"


def test_returning_user_is_offered_to_continue_at_their_question():
    chat = Chat()
    chat.begin()
    walk_to(chat, "benefit", SPRAVATO_COINSURANCE)
    n, total = progress_at("benefit", chat.answers())
    (welcome,) = chat.send(Start())
    assert welcome.context["returning"]
    assert welcome.context["progress"] == (n, total)
    assert [b.label for b in welcome.buttons] == ["resume", "review", "reset"]
    assert welcome.buttons[0].args == {"n": n, "total": total}
    chat.tap("continue")
    assert chat.asking == "benefit"


def test_help_and_unsupported_input_change_nothing():
    chat = Chat()
    chat.begin()
    chat.tap("spravato")
    saved = chat.case.to_dict()
    assert chat.send(Help())[0].template == "help"
    assert [r.template for r in chat.send(Unsupported())] == ["unsupported", "question"]
    assert chat.case.to_dict() == saved and not chat.changed


def test_text_after_the_summary_points_to_the_next_steps():
    chat = Chat()
    chat.begin()
    walk(chat, SPRAVATO_COINSURANCE)
    (reply,) = chat.say("hello?")
    assert reply.template == "finished"
    assert not chat.changed


def test_case_round_trips_through_a_dict():
    chat = Chat()
    chat.begin()
    walk(chat, SPRAVATO_COINSURANCE)
    assert Case.from_dict(chat.case.to_dict()) == chat.case
    assert Case.from_dict(None) == Case()


def test_answers_before_any_answer_offers_to_begin_and_nothing_to_edit():
    chat = Chat()
    (reply,) = chat.send(Review())
    assert reply.context["rows"] == []
    assert [b.label for b in reply.buttons] == ["begin"]


def test_the_end_shows_the_summary_then_the_estimate_then_the_phone_card():
    chat = Chat()
    chat.begin()
    walk(chat, SPRAVATO_COINSURANCE)
    assert [r.template for r in chat.replies][-3:] == ["summary", "estimate", "callscript_card"]
    estimate = chat.reply("estimate").context["estimate"]
    # Out of network at $885 with $600 allowed: $285 billed above the allowed amount each time.
    assert all(s.patient >= 285 for s in estimate.low.per_session)
    labels = ["fullscript", "download", "logcall", "review", "reset"]
    assert [b.label for b in chat.last.buttons] == labels
    (full,) = chat.tap("fullscript")  # the whole checklist, a tap away
    assert full.template == "callscript"
    assert [b.label for b in full.buttons] == labels[1:]
    (sent,) = chat.send(Menu("download"))
    assert [a.document for a in sent.attachments] == ["callscript"]
    (table,) = chat.send(Menu("table"))
    assert table.template == "estimate_table"


def test_estimate_and_call_script_work_at_any_time_on_what_is_answered():
    chat = Chat()
    chat.begin()
    chat.tap("iv_ketamine")
    (reply,) = chat.send(Estimate())
    assert reply.template == "estimate"
    assert reply.context["answers"] == {"for_whom": "self", "treatment": "iv_ketamine"}
    assert reply.context["estimate"].high.patient_total == 6 * 800  # not covered, 6 sessions
    assert "resume" in {b.label for b in reply.buttons}
    (script,) = chat.send(CallScript())
    assert script.template == "callscript_card"
    assert not chat.changed
    chat.tap("continue")
    assert chat.asking == "insurer"


def test_an_answer_that_no_longer_applies_is_left_out_of_the_estimate():
    chat = Chat()
    chat.begin()
    walk(chat, SPRAVATO_COINSURANCE)
    chat.send(Edit("network"))
    chat.tap("in")
    chat.tap("estimate")
    answers = chat.reply("estimate").context["answers"]
    assert "allowed_per_session" not in answers  # asked only out of network
    assert chat.answers()["allowed_per_session"] == "600.00"  # kept, in case they switch back


def unknown_everywhere(chat: Chat) -> None:
    """Begin and answer "I don't know" (or not sure) to every question."""
    chat.begin()
    while chat.asking:
        chat.say("idk")


def test_a_logged_call_fills_unknowns_with_their_source_and_narrows_the_estimate():
    chat = Chat()
    unknown_everywhere(chat)
    before = chat.send(Estimate())[0].context["estimate"]
    chat.send(LogCall())
    assert chat.asking == "call_party"
    chat.tap("insurer")
    chat.tap("today")
    chat.say("Jane D.")
    chat.say("REF-12345")
    assert chat.last.template == "call_answers"
    chat.tap("callwalk")
    assert chat.asking == "treatment"
    chat.tap("iv_ketamine")
    assert chat.asking == "insurer"  # the next unknown
    chat.say("idk")  # still not known
    while chat.asking != "plan_type":
        chat.say("idk")
    chat.tap("hmo")
    chat.tap("calldone")
    assert chat.asking == "pa_status"
    chat.tap("none")
    assert chat.asking == "call_note"  # what else they said, in the caller's words
    chat.say("Fax the <letter> to 555-0100")
    assert chat.last.template == "call_logged"
    (call,) = chat.case.calls
    assert call == {
        "id": 1,
        "party": "insurer",
        "date": "2026-11-26",
        "rep": "Jane D.",
        "reference": "REF-12345",
        "logged_at": NOW.isoformat(),
        "changed": ["treatment", "plan_type"],
        "note": "Fax the <letter> to 555-0100",
    }
    calls = Renderer().render(chat.send(Calls())[0], "html").text
    assert "Note: Fax the &lt;letter&gt; to 555-0100" in calls
    assert chat.case.answers["plan_type"]["source"] == {"call": 1}
    assert "source" not in chat.case.answers["insurer"]  # unchanged by the call
    after = chat.send(Estimate())[0].context["estimate"]
    assert after.high.patient_total < before.high.patient_total  # a narrower range
    assert chat.case.mode == DONE and chat.case.call is None


def test_authorization_news_is_recorded_with_its_dates():
    chat = Chat()
    chat.begin()
    chat.tap("spravato")
    chat.send(LogCall())
    chat.tap("insurer")
    chat.say("11/20")
    chat.tap("unknown")
    chat.tap("unknown")
    chat.tap("calldone")
    chat.tap("approved")
    chat.say("PA-777")
    chat.say("12")
    chat.say("2026-12-01")
    chat.say("2026-11-01")  # before the start
    assert chat.last.context["error"]["code"] == "before"
    chat.say("2027-05-31")
    chat.tap("unknown")  # no note
    assert "note" not in chat.case.calls[0]
    (authorization,) = chat.case.authorizations
    assert authorization == {
        "call": 1,
        "recorded_at": NOW.isoformat(),
        "status": "approved",
        "number": "PA-777",
        "sessions": 12,
        "start": "2026-12-01",
        "end": "2027-05-31",
    }
    assert chat.case.calls[0]["date"] == "2026-11-20"
    assert chat.case.mode == ASKING  # back to the questions, where they left off
    chat.send(Calls())
    assert chat.last.template == "calls"


def test_a_call_date_in_the_future_is_refused():
    chat = Chat()
    chat.send(LogCall())
    chat.tap("clinic")
    chat.say("12/31/2099")
    assert chat.last.context["error"]["code"] == "in_the_future"
    assert chat.case.call.answers == {"call_party": "clinic"}


def test_choosing_answers_on_a_call_and_cancelling_a_call():
    chat = Chat()
    chat.begin()
    walk(chat, SPRAVATO_COINSURANCE)
    chat.send(LogCall())
    chat.tap("callcancel")
    assert chat.case.call is None and chat.case.calls == []
    chat.send(LogCall())
    chat.tap("insurer")
    chat.tap("today")
    chat.tap("unknown")
    chat.tap("unknown")
    assert "callwalk" not in {b.label for b in chat.last.buttons}  # nothing unknown but coverage
    chat.tap("callpick")
    chat.send(Edit("deductible"))
    chat.say("$2,000")
    assert chat.last.template == "answers"  # back to the list to pick another
    chat.tap("calldone")
    chat.tap("none")
    chat.tap("unknown")  # no note
    assert chat.case.calls[0]["changed"] == ["deductible"]
    assert chat.case.answers["deductible"]["source"] == {"call": 1}


def test_a_press_for_a_call_question_outside_a_call_is_closed():
    chat = Chat()
    chat.begin()
    (reply,) = chat.send(Answer("call_party", "insurer"))
    assert reply.template == "closed"
    (reply,) = chat.send(Menu("calldone"))
    assert reply.template == "closed"


def test_starting_over_keeps_calls_with_the_earlier_case():
    chat = Chat()
    chat.send(LogCall())
    chat.tap("insurer")
    chat.tap("today")
    chat.tap("unknown")
    chat.tap("unknown")
    chat.tap("calldone")
    chat.tap("none")
    chat.tap("unknown")  # no note
    chat.begin()
    chat.tap("spravato")
    chat.send(Reset())
    chat.tap("reset_yes")
    (earlier,) = chat.case.others
    assert len(earlier["calls"]) == 1 and chat.case.calls == []
    (cases,) = chat.send(Cases())
    now, shown = cases.context["cases"]
    assert (now.current, now.last_call, shown.last_call) == (True, None, "2026-11-26")
    assert shown.archived_at == earlier["archived_at"] and shown.treatment == "spravato"


def test_a_pending_authorization_offers_a_reminder_to_check_on_it():
    chat = Chat()
    chat.log_authorization("pending", "PA-1")
    offers = {b.label: b.press for b in chat.last.buttons if b.label.startswith("remind_")}
    assert offers["remind_pa_pending"].day == "2026-12-03"  # a week later
    chat.send(offers["remind_pa_pending"])
    (reminder,) = chat.case.reminders
    assert reminder["kind"] == "pa_pending" and reminder["due"] == "2026-12-03"
    assert reminder["params"]["number"] == "PA-1"
    chat.send(offers["remind_pa_pending"])  # pressed twice: still one reminder
    assert len(chat.case.reminders) == 1


@pytest.mark.parametrize(
    ("plan", "deadline", "reminder", "rule"),
    [
        # Letter of 2026-11-20. Employer plan: 180 days -> 2027-05-19, reminded 30 days before.
        ({"plan_type": "ppo"}, "2027-05-19", "2027-04-19", "commercial"),
        # Medicaid managed care: 60 days -> 2027-01-19, reminded on 2026-12-20.
        ({"plan_type": "medicaid"}, "2027-01-19", "2026-12-20", "medicaid"),
        # Plan type not known: the shortest that may apply, 60 days.
        ({"plan_type": "I don't know"}, "2027-01-19", "2026-12-20", "unknown"),
    ],
)
def test_a_denial_offers_a_reminder_well_before_the_plans_appeal_deadline(
    plan, deadline, reminder, rule
):
    chat = Chat()
    chat.begin()
    walk_to(chat, "bh_carveout", plan)
    chat.log_authorization("denied", "skip", "11/20/2026")
    logged = Renderer().render(chat.reply("call_logged"), "text").text
    shown = date.fromisoformat(deadline)
    assert f"so by {shown:%b} {shown.day}, {shown.year}" in logged
    offer = next(b.press for b in chat.last.buttons if b.label == "remind_appeal")
    assert offer.day == reminder
    chat.send(offer)
    params = chat.case.reminders[0]["params"]
    assert params["deadline"] == deadline and params["appeal"] == rule


def test_a_logged_denial_puts_what_to_do_about_it_first_in_the_call_script():
    chat = Chat()
    chat.begin()
    walk_to(chat, "bh_carveout", {"plan_type": "ppo"})
    chat.log_authorization("denied", "PA-9", "11/20/2026")
    chat.send(CallScript())
    card = Renderer().render(chat.reply("callscript_card"), "text").text
    assert "1. Why is Spravato not covered?" in card  # the denial first on the phone card too
    chat.tap("fullscript")
    script = chat.reply("callscript").context["script"]
    assert script.denied and script.first == "authorization_denied"
    assert script.if_denied[:3] == ("denial_in_writing", "peer_to_peer", "internal_appeal")
    text = Renderer().render(chat.reply("callscript"), "text").text
    denial = text.index("Your prior authorization was denied: what you can do")
    assert denial < text.index("Before you call") and "peer-to-peer review" in text
    assert "If they say no" not in text  # said first, not again at the end
    # A later call with the authorization approved: the denial is no longer first.
    chat.log_authorization("approved", "PA-9", "12", "12/1/2026", "5/1/2027")
    chat.send(CallScript())
    assert chat.reply("callscript_card").context["script"].first is None


def test_an_approval_offers_a_reminder_two_weeks_before_it_ends():
    chat = Chat()
    chat.log_authorization("approved", "PA-3", "12", "12/1/2026", "5/1/2027")
    offer = next(b.press for b in chat.last.buttons if b.label == "remind_approval_end")
    assert offer.day == "2027-04-17"  # 14 days before May 1
    chat.send(offer)
    (reminder,) = chat.case.reminders
    text = Renderer().render(chat.reply("reminder_set"), "text").text
    assert "renewal of your prior authorization PA-3 before it ends on May 1, 2027" in text
    assert reminder["params"]["end"] == "2027-05-01"


def test_an_appeal_reminder_is_never_offered_after_the_deadline():
    chat = Chat()
    chat.begin()
    walk_to(chat, "bh_carveout", {"plan_type": "ppo"})
    chat.log_authorization("denied", "skip", "1/1/2026")  # 180 days: 2026-06-30, passed
    assert "remind_appeal" not in [b.label for b in chat.last.buttons]


@pytest.mark.parametrize(
    "press",
    [
        Remind("call", "2026-11-26"),  # today: not in the future
        Remind("call", "2028-01-01"),  # more than a year ahead
        Remind("party", "2026-12-01"),  # no such kind
        Remind("call", "soon"),
        CancelReminder("1"),  # no such reminder
    ],
)
def test_forged_reminder_buttons_are_closed(press):
    chat = Chat()
    (reply,) = chat.send(press)
    assert reply.template == "closed"
    assert chat.case.reminders == []


def test_reminders_are_listed_cancelled_and_delivered_once_when_due():
    chat = Chat()
    (listing,) = chat.send(Reminders())
    offers = [b.press for b in listing.buttons if b.label == "remind_call"]
    assert [p.day for p in offers] == ["2026-11-27", "2026-11-29", "2026-12-03"]
    chat.send(offers[0])
    chat.send(offers[2])
    (listing,) = chat.send(Reminders())
    assert [r["due"] for r in listing.context["reminders"]] == ["2026-11-27", "2026-12-03"]
    cancel = next(b.press for b in listing.buttons if b.label == "cancel_reminder")
    chat.send(cancel)
    assert [r["due"] for r in chat.case.reminders] == ["2026-12-03"]
    assert chat.send(DeliverDue()) == []  # not yet
    later = handle(FLOW, chat.case, DeliverDue(), datetime(2026, 12, 3, 14, 0, tzinfo=UTC))
    (reminder,) = later.replies
    assert reminder.template == "reminder"
    assert later.case.reminders[0]["sent_at"] == "2026-12-03T14:00:00+00:00"
    again = handle(FLOW, later.case, DeliverDue(), datetime(2026, 12, 4, tzinfo=UTC))
    assert again.replies == []


@pytest.mark.parametrize(("language", "its_own"), [("en", "language"), ("es", "idioma")])
def test_every_command_has_a_menu_description_and_every_description_a_command(
    language: str, its_own: str
):
    from bot.render import Renderer

    menu = [name for name, _ in Renderer().speaking(language).commands()]
    # /language and /idioma both work; each menu lists its own language's.
    assert menu == [name for name in COMMANDS if name not in {"language", "idioma"} - {its_own}]


# -- a typed answer sent again --------------------------------------------------------------------


def test_a_typed_answer_is_acknowledged_with_the_next_question():
    chat = Chat()
    chat.begin()
    walk_to(chat, "deductible", {"plan_type": "ppo"})
    chat.say("$1,500")
    acknowledged = chat.last.context["acknowledged"]
    assert acknowledged == {"question": "deductible", "value": "1500.00", "doubt": None}
    assert Renderer().render(chat.last, "text").text.startswith("✓ Saved: Deductible, $1,500\n")


def test_the_same_figure_sent_again_is_held_until_the_user_says_what_it_was_for():
    chat = Chat()
    chat.begin()
    walk_to(chat, "deductible", {"plan_type": "ppo"})
    chat.say("$1,500")
    chat.say("1500")  # the reply seemed lost: sent again
    assert chat.last.template == "resent_confirm" and chat.asking is None
    assert "deductible_met" not in chat.answers()
    text = Renderer().render(chat.last, "text").text
    assert 'You answered $1,500 to "What is your yearly deductible?"' in text
    labels = [Renderer().label(b) for b in chat.last.buttons]
    assert labels == ["Yes, it is my answer here", "No, I sent it again"]
    # Sent again: nothing is saved, the question comes back, and is not held a second time.
    chat.tap("resent_no")
    assert chat.reply("resent_kept") and chat.asking == "deductible_met"
    assert "deductible_met" not in chat.answers()
    chat.say("1500")
    assert chat.answers()["deductible_met"] == "1500.00"


def test_the_same_figure_meant_for_the_question_is_saved_on_yes():
    chat = Chat()
    chat.begin()
    walk_to(chat, "deductible", {"plan_type": "ppo"})
    chat.say("$1,500")
    chat.say("$1,500")
    chat.tap("resent_yes")
    assert chat.answers()["deductible_met"] == "1500.00" and chat.case.held is None
    assert chat.asking == "cost_sharing"


@pytest.mark.parametrize(
    ("first", "again", "minutes", "held"),
    [
        ("$1,500", "$1,500", 2, True),
        ("$1,500", "$1,500", 11, False),  # minutes later: an answer of its own
        ("$1,500", "$1,200", 1, False),  # another figure
        ("0", "0", 1, False),  # nothing, twice: common and harmless
    ],
)
def test_only_the_same_figure_within_minutes_is_held(first, again, minutes, held):
    chat = Chat()
    chat.begin()
    walk_to(chat, "deductible", {"plan_type": "ppo", "deductible": first})
    chat.say(first)
    chat.now = NOW + timedelta(minutes=minutes)
    if first == "0":  # nothing met of the maximum, then a price of $0 (a free first session)
        walk_to(chat, "oop_met", {"oop_max": "4000", "network": "in"})
        chat.say(first)
        assert chat.asking == "price_per_session"
    chat.say(again)
    assert (chat.last.template == "resent_confirm") is held


@pytest.mark.parametrize(("listing", "event"), [("calls", Calls()), ("cases", Cases())])
def test_long_lists_come_a_page_at_a_time_newest_first(listing, event):
    chat = Chat()
    chat.begin()
    chat.tap("spravato")
    for number in range(12):
        if listing == "calls":
            chat.log_authorization("none")
        else:
            chat.say(f"Insurer {number}")
            chat.send(Reset())
            chat.tap("reset_yes")
            chat.tap("spravato")
    (reply,) = chat.send(event)
    entries = reply.context[listing]
    total = 12 if listing == "calls" else 13  # the cases put aside, and the one worked on
    assert len(entries) == 5 and reply.context["page"].total == total
    older = [b.press for b in reply.buttons if b.label == "older"]
    assert older == [Older(listing, "5")]
    text = Renderer().render(reply, "text").text
    assert f"(1 to 5 of {total})" in text
    pages = [entries]
    while older:
        (reply,) = chat.send(older[0])
        pages.append(reply.context[listing])
        older = [b.press for b in reply.buttons if b.label == "older"]
    assert [len(p) for p in pages] == [5, 5, total - 10]
    shown = [e for p in pages for e in p]
    if listing == "calls":
        assert shown == list(reversed(chat.case.calls))  # newest first, each once
    else:  # the one worked on, then those put aside, the latest first
        assert shown == caseload.summaries(chat.case)
        assert [s.insurer for s in shown] == [None, *(f"Insurer {n}" for n in range(11, -1, -1))]
    assert f"(11 to {total} of {total})" in Renderer().render(reply, "text").text


def test_a_forged_page_is_a_closed_question():
    chat = Chat()
    (reply,) = chat.send(Older("calls", "99999999"))
    assert reply.template == "closed"


def test_told_not_covered_on_a_call_the_walk_skips_authorization_and_referral():
    chat = Chat()
    unknown_everywhere(chat)
    chat.send(LogCall())
    chat.tap("insurer")
    chat.tap("today")
    chat.tap("unknown")
    chat.tap("unknown")
    chat.tap("callwalk")
    asked = []
    while chat.asking not in (None, "pa_status"):
        asked.append(chat.asking)
        if chat.asking == "coverage":
            chat.tap("no")
        else:
            chat.say("idk")
    after = asked[asked.index("coverage") + 1 :]
    assert after and not {"preauth", "referral"} & set(after)
    assert chat.answers()["coverage"] == "no"


@pytest.mark.parametrize(
    ("question", "typed", "answers", "said"),
    [
        ("oop_max", "1000", {"deductible": "1500"}, "is less than your deductible ($1,500)"),
        ("price_per_session", "$8", {}, "unusual price for a session"),
        ("price_per_session", "$6,000", {}, "unusual price for a session"),
        ("coinsurance_pct", "80%", {}, "A coinsurance above 50% is rare"),
        ("oop_max", "4000", {"deductible": "1500"}, None),  # as usual: nothing said
        ("price_per_session", "$885", {}, None),
    ],
)
def test_an_unusual_figure_is_saved_and_questioned_in_the_same_breath(
    question, typed, answers, said
):
    chat = Chat()
    chat.begin()
    base = {"plan_type": "ppo", "network": "in", "cost_sharing": "coinsurance"}
    walk_to(chat, question, base | answers)
    chat.say(typed)
    assert chat.asking != question  # saved and on to the next question: never refused
    text = Renderer().render(chat.last, "text").text
    first, second = text.split("\n")[:2]
    assert first.startswith("✓ Saved: ")
    if said is None:
        assert "Is that right?" not in text
    else:
        assert second.startswith("Is that right?") and said in second
        assert "/answers" in second and "if it is right, just go on" in second
        following = chat.asking
        chat.tap("change")  # the button the doubt offers: the figure asked again
        assert chat.asking == question and chat.last.context["saved"] == chat.answers()[question]
        chat.say("40%" if question == "coinsurance_pct" else "4000")
        assert chat.asking == following  # changed, and back to where the user was
        assert chat.answers()[question] in ("40", "4000.00")
    if said is None:
        assert "change" not in [button.label for button in chat.last.buttons]


def test_going_on_after_a_doubt_keeps_the_figure_and_changing_it_later_offers_the_button():
    chat = Chat()
    chat.begin()
    walk_to(chat, "oop_max", {"plan_type": "ppo", "deductible": "1500"})
    chat.say("1000")
    say_at(chat, chat.asking, {})  # going on is confirming
    assert chat.answers()["oop_max"] == "1000.00"
    walk_to(chat, None, {})
    chat.send(Edit("oop_max"))  # from /answers
    chat.say("900")
    changed = chat.reply("answer_changed")
    assert changed is not None and changed.context["doubt"] == "below_deductible"
    assert changed.buttons[0].label == "change"
