"""End to end: the real `python -m bot` process against the Bot API stand-in over HTTP.

A full conversation from /start to the summary; then a user cut off by SIGKILL of the bot
mid-conversation, the bot restarted, and the conversation resumed with every answer the bot
acknowledged (by sending the next question) intact on disk.
"""

import json
from datetime import date, timedelta
from io import BytesIO
from pathlib import Path

from pypdf import PdfReader

from bot.estimate import estimate
from bot.events import COMMANDS
from bot.flow import Flow, Kind
from bot.render import Renderer, day, money
from tests.support.bot_process import DOWNLOAD, BotProcess, act, fall_due, wait_until
from tests.support.telegram_standin import FakeTelegram, StandInServer
from tests.support.typed_choices import typed_forms

# What a user does at each question, found by a phrase of the question's prompt.
ANSWERS = [
    ("Which treatment", "press", "Spravato (esketamine nasal spray)"),
    ("name of your health insurer", "send", "Aetna <Choice> POS II & more"),
    ("What type of plan", "press", "PPO"),
    ("managed by a separate company", "press", "Yes"),
    ("that company's name", "send", "Optum"),
    ("Does your plan cover", "press", "I don't know yet"),
    ("medical benefit or your pharmacy", "press", "Medical benefit"),
    ("prior authorization required", "press", "Yes"),
    ("referral required", "press", "No"),
    ("How many antidepressants", "press", "3"),
    ("Which clinic", "send", "Calm Mind Clinic"),
    ("in your plan's network", "press", "Out of network"),
    ("in-network providers nearby", "press", "No"),
    ("yearly deductible", "send", "$1,500"),
    ("already paid this plan year", "send", "250"),
    ("coinsurance (a percentage)", "press", "Coinsurance (%)"),
    ("What percentage", "send", "20%"),
    ("out-of-pocket maximum for the year", "send", "$4,000"),
    ("toward the out-of-pocket maximum", "send", "0"),
    ("charge per session", "send", "$885"),
    ("allowed amount per session", "send", "$600"),
    ("How many sessions", "press", "8"),
]
EXPECTED = {
    "for_whom": "self",  # Let's begin: the user's own case
    "treatment": "spravato",
    "insurer": "Aetna <Choice> POS II & more",
    "plan_type": "ppo",
    "bh_carveout": "yes",
    "bh_company": "Optum",
    "coverage": "unknown",
    "benefit": "medical",
    "preauth": "yes",
    "referral": "no",
    "trials": 3,
    "clinic": "Calm Mind Clinic",
    "network": "out",
    "network_options": "no",
    "deductible": "1500.00",
    "deductible_met": "250.00",
    "cost_sharing": "coinsurance",
    "coinsurance_pct": "20",
    "oop_max": "4000.00",
    "oop_met": "0.00",
    "price_per_session": "885.00",
    "allowed_per_session": "600.00",
    "sessions": 8,
}


def answer_current(fake: FakeTelegram, user: int) -> tuple[str, list[str]]:
    """Answer the question the user is looking at; return which one it was and the replies.

    A question ANSWERS does not know (one added to the flow) is answered "I don't know yet",
    found by its button's data.
    """
    text = fake.last_text(user)
    for phrase, kind, what in ANSWERS:
        if phrase in text:
            return phrase, act(fake, user, kind, what)
    unknown = unknown_button(fake, user)
    return unknown.split(":")[1], act(fake, user, "press", unknown)


def unknown_button(fake: FakeTelegram, user: int) -> str:
    """The data of the "I don't know yet" button of the question the user is looking at."""
    unknown = [
        data
        for _, data in fake.buttons(user)
        if data.startswith("a:") and data.endswith(":unknown")
    ]
    assert unknown, f"unexpected message: {fake.last_text(user)!r}"
    return unknown[0]


def assert_expected(saved: dict) -> None:
    """The answers of EXPECTED, and "unknown" for any question ANSWERS does not know."""
    assert {k: v for k, v in saved.items() if k in EXPECTED} == EXPECTED
    assert {v for k, v in saved.items() if k not in EXPECTED} <= {"unknown"}


def saved_answers(workdir: Path, user: int) -> dict:
    path = workdir / "data" / "users" / f"{user}.json"
    record = json.loads(path.read_text())["case"]["1"]
    return {qid: answer["value"] for qid, answer in record["case"]["answers"].items()}


def finish(fake: FakeTelegram, user: int) -> tuple[list[str], list[str]]:
    """Answer questions until the summary; return the phrases asked and the final replies."""
    asked, replies = [], []
    while not any(text.startswith("Your answers") for text in replies):
        phrase, replies = answer_current(fake, user)
        asked.append(phrase)
    return asked, replies


def test_a_full_conversation_through_the_estimate_and_the_call_script(world, tmp_path):
    fake, bot = world
    user = 111
    act(fake, user, "send", "/start")
    assert "ketamine therapy" in fake.last_text(user)
    act(fake, user, "press", "Let's begin")
    asked, (summary, cost, *script) = finish(fake, user)
    phrases = [phrase for phrase, _, _ in ANSWERS]
    assert [phrase for phrase in asked if phrase in phrases] == phrases
    assert_expected(saved_answers(tmp_path, user))

    assert "Insurer: Aetna <Choice> POS II & more" in summary
    assert "Price per session: $885" in summary
    unknown = sum(
        value in ("unknown", "unsure") for value in saved_answers(tmp_path, user).values()
    )
    assert f"Still to find out: {unknown} answer{'s' if unknown != 1 else ''}" in summary
    expected = estimate(EXPECTED)
    low, high = (money(s.patient_total) for s in (expected.low, expected.high))
    assert f"About {low} to {high} for you for 8 sessions" in cost
    assert "Covered for depression" in cost  # the unknown to ask about first
    (card,) = script  # the phone card, one message; the full checklist a tap away
    assert card.startswith("Phone card for your call to Aetna <Choice> POS II & more\n")
    assert "may I have your name and a reference number" in card and len(card) <= 4096
    call_script = "\n".join(act(fake, user, "press", "The full checklist", expect="If they say no"))
    for fact in ("G2082", "J0013", "Optum", "network-gap exception", "Write down"):
        assert fact in call_script, fact

    act(fake, user, "press", DOWNLOAD)
    document = fake.documents[-1]
    assert document.file_name == "call-script.txt"
    printable = document.data.decode("utf-8")
    assert "Aetna <Choice> POS II & more" in printable and "____" in printable
    estimate_message = next(
        m for m in fake.messages(user) if m.get("text", "").startswith("Cost estimate")
    )
    (per_session,) = act(
        fake, user, "press", "Cost per session", message_id=estimate_message["message_id"]
    )
    assert "Sessions 1 to 8" in per_session or "Session 1:" in per_session
    (again, *_) = act(fake, user, "send", "/estimate")
    assert "Cost estimate" in again
    assert [c["command"] for c in fake.commands] == [c for c in COMMANDS if c != "idioma"]
    assert bot.stop() == 0


def test_changing_one_answer_after_the_summary_is_one_short_message(world, tmp_path):
    fake, _ = world
    user = 112
    act(fake, user, "send", "/start")
    act(fake, user, "press", "Let's begin")
    finish(fake, user)
    act(fake, user, "send", "/answers")
    act(fake, user, "press", "Deductible")
    before = len(fake.messages(user))
    act(fake, user, "send", "$2,000", expect="Your estimate")
    (changed,) = fake.messages(user)[before:]  # before any button is pressed
    assert changed["text"].startswith("✓ Saved: Deductible, $2,000.\nYour estimate is now about")
    assert len(changed["text"]) <= 800
    assert saved_answers(tmp_path, user)["deductible"] == "2000.00"
    (estimate_message,) = act(fake, user, "press", "Cost estimate")  # one tap away
    assert estimate_message.startswith("Cost estimate")


def test_choices_typed_as_labels_ids_and_near_misses_are_understood(world, tmp_path):
    """Three users answer by typing instead of pressing, each choice question a different way
    for each user: its label, its id, a near miss; all three end with the same answers."""
    fake, _ = world
    forms, renderer = ("label", "id", "near miss"), Renderer()
    choices = {question.id for question in Flow().questions if question.kind == Kind.CHOICE}
    users = {401: 0, 402: 1, 403: 2}
    for user in users:
        act(fake, user, "send", "/start")
        act(fake, user, "press", "Let's begin")
    typed_ways = set()
    for user, shift in users.items():
        number, replies = 0, []
        while not any(reply.startswith("Your answers") for reply in replies):
            text = fake.last_text(user)
            step = next((step for step in ANSWERS if step[0] in text), None)
            if step is None:  # a question added to the flow: answered as answer_current does
                _, replies = answer_current(fake, user)
                continue
            _, kind, what = step
            data = dict(fake.buttons(user)).get(what, "")
            _, question, choice = data.split(":") if data.startswith("a:") else ("", "", "")
            if kind == "press" and question in choices and choice != "unknown":
                form = forms[(number + shift) % 3]
                what = typed_forms(renderer, question, choice)[form]
                typed_ways.add((question, form))
                number += 1
            replies = act(fake, user, "send", what)
            assert not any("didn't recognise" in r or "Did you mean" in r for r in replies), what
        assert_expected(saved_answers(tmp_path, user))
    asked = {question for question, _ in typed_ways}
    assert typed_ways == {(question, form) for question in asked for form in forms}


def test_a_user_cut_off_by_sigkill_resumes_with_every_acknowledged_answer(world, tmp_path):
    fake, bot = world
    user = 222
    act(fake, user, "send", "/start")
    act(fake, user, "press", "Let's begin")
    while "How many antidepressants" not in fake.last_text(user):
        answer_current(fake, user)
    acknowledged = saved_answers(tmp_path, user)
    assert len(acknowledged) >= 9

    # The next answer is on its way when the bot dies.
    fake.press(user, "3")  # antidepressants tried
    bot.kill()
    bot.start(fake)

    # Any reply to the answer that was in flight comes first; then the welcome.
    act(fake, user, "send", "/start", expect="Welcome back")
    after_restart = saved_answers(tmp_path, user)
    assert after_restart.items() >= acknowledged.items(), "an acknowledged answer was lost"
    assert len(after_restart) <= len(acknowledged) + 1
    act(fake, user, "press", next(label for label, _ in fake.buttons(user) if "Continue" in label))
    finish(fake, user)
    assert_expected(saved_answers(tmp_path, user))


def estimate_range(fake: FakeTelegram, user: int) -> str:
    """The estimate's line of what the sessions cost (after any line about an authorization)."""
    (reply, *_) = act(fake, user, "send", "/estimate")
    return next(line for line in reply.split("\n") if line.startswith("About "))


def test_log_a_call_then_a_reminder_survives_a_restart_and_arrives_when_due(world, tmp_path):
    fake, bot = world
    user = 333
    act(fake, user, "send", "/start")
    act(fake, user, "press", "Let's begin")
    replies: list[str] = []
    while not any(text.startswith("Your answers") for text in replies):
        replies = act(fake, user, "send", "idk")
    before = estimate_range(fake, user)

    act(fake, user, "send", "/logcall")
    act(fake, user, "press", "The clinic")
    act(fake, user, "press", "today")
    act(fake, user, "send", "Jane")
    act(fake, user, "send", "REF-777")
    act(fake, user, "press", "Choose answers to update")
    act(fake, user, "press", "Price per session")
    act(fake, user, "send", "$600")
    act(fake, user, "press", "Sessions planned")
    act(fake, user, "send", "6")
    act(fake, user, "press", "Done with answers")
    act(fake, user, "press", "Submitted, waiting")
    act(fake, user, "send", "PA-42")
    (logged,) = act(fake, user, "send", "They want the trial history faxed")  # the call's note
    assert "reference REF-777" in logged and "Price per session: $600" in logged
    labels = [label for label, _ in fake.buttons(user)]
    remind = next(label for label in labels if label.startswith("Remind me to check"))
    (confirmation,) = act(fake, user, "press", remind)
    assert "Reminder set" in confirmation

    assert before.startswith("About $0 to $10,320")  # 8 whole sessions at $1,290 at worst
    # 6 at $600, by the plan's cost sharing if the pending authorization is approved; all of it
    # if it is denied.
    assert estimate_range(fake, user).startswith("About $0 to $3,600")
    (estimate, *_) = act(fake, user, "send", "/estimate")
    assert "If it is denied and the denial stands, the plan pays nothing: about $3,600" in estimate
    (calls, *_) = act(fake, user, "send", "/calls")
    assert "REF-777" in calls and "PA-42" in calls
    assert "Note: They want the trial history faxed" in calls
    (answers, *_) = act(fake, user, "send", "/answers")
    assert "Price per session: $600" in answers and "clinic call ref REF-777" in answers

    # The bot is down while the reminder falls due.
    user_file, index_file = fall_due(fake, bot, tmp_path, user, lambda case: case)
    assert "prior authorization PA-42" in fake.last_text(user)
    (listing, *_) = act(fake, user, "send", "/reminders")
    assert "You have no reminders set." in listing  # delivered once, not again

    # A second call, then everything exported, then erased.
    act(fake, user, "send", "/logcall")
    act(fake, user, "press", "The insurer")
    act(fake, user, "press", "yesterday")
    act(fake, user, "press", "Skip")
    act(fake, user, "send", "REF-888")
    act(fake, user, "press", "Done with answers")
    act(fake, user, "press", "No news about one")
    act(fake, user, "press", "No note")
    (calls, *_) = act(fake, user, "send", "/calls")
    assert calls.index("REF-888") < calls.index("REF-777")  # newest first
    documents = len(fake.documents)
    act(fake, user, "send", "/export")
    fake.wait_for(lambda f: len(f.documents) >= documents + 3 and f.photos)  # and the chart
    exported = json.loads(fake.documents[documents].data)
    assert [c["reference"] for c in exported["record"]["case"]["calls"]] == ["REF-777", "REF-888"]
    act(fake, user, "send", "/delete")
    act(fake, user, "press", "Yes, delete everything")
    assert not user_file.exists()
    assert str(user) not in index_file.read_text()
    leftovers = [
        p for p in (tmp_path / "data").rglob("*") if p.is_file() and b"REF-777" in p.read_bytes()
    ]
    assert leftovers == []


NEXT = {  # what the bot asks after each answer of the clinic form, to wait for
    "name": "in your plan's network?",
    "network": "How does",
    "per session": "charge per session?",
    "package": "How many sessions does the package",
    "sessions": "cost in all?",
    "total": "after the package is used up?",
    "allowed": "Anything to note",
    "note": "Tap a clinic",
}


def add_clinic(fake: FakeTelegram, user: int, steps: list[tuple[str, str, str]]) -> list[str]:
    """Add a clinic from /clinics: steps of (press or send, what, NEXT key or a phrase)."""
    act(fake, user, "send", "/clinics", expect="Your clinics, compared")
    replies = act(fake, user, "press", "Add a clinic", expect="What is the clinic called?")
    for kind, what, then in steps:
        replies = act(fake, user, kind, what, expect=NEXT.get(then, then))
    return replies


def test_three_clinics_compared_in_chat_and_the_cheapest_used_by_the_call_script(world, tmp_path):
    fake, bot = world
    user = 444
    act(fake, user, "send", "/start")
    act(fake, user, "press", "Let's begin")
    finish(fake, user)  # the plan of EXPECTED: deductible $1,500 ($250 met), 20%, OOP $4,000
    allowed = "Do you know your plan's allowed amount"

    add_clinic(
        fake,
        user,
        [
            ("send", "Bright & <Early> Clinic", "name"),
            ("press", "In network", "network"),
            ("press", "A price per session", "per session"),
            ("send", "-$700", "can't be negative"),  # refused, asked again
            ("send", "$700", allowed),
            ("press", "I don't know it", "allowed"),
            ("press", "No note", "note"),
        ],
    )
    add_clinic(
        fake,
        user,
        [
            ("send", "Calm Center", "name"),
            ("press", "Out of network", "network"),
            ("press", "A package of sessions", "package"),
            ("send", "0", "from 1 to 60"),  # refused: a package of 0 sessions
            ("send", "8", "sessions"),
            ("send", "$4,000", "total"),
            ("press", "I don't know yet", allowed),
            ("send", "$450", "allowed"),
            ("send", "Free parking", "note"),
        ],
    )
    listing = add_clinic(
        fake,
        user,
        [
            ("send", "Far Away Ketamine", "name"),
            ("press", "Out of network", "network"),
            ("press", "A price per session", "per session"),
            ("send", "$650", allowed),
            ("press", "I don't know it", "allowed"),
            ("press", "No note", "note"),
        ],
    )[-1]
    assert "Your clinics, compared" in listing
    record = json.loads((tmp_path / "data" / "users" / f"{user}.json").read_text())
    clinics = record["case"]["1"]["case"]["clinics"]
    assert [c["name"] for c in clinics] == [
        "Bright & <Early> Clinic",
        "Calm Center",
        "Far Away Ketamine",
    ]
    assert clinics[1]["package"] == {"sessions": 8, "total": "4000.00"}
    # Coverage is not known, so the upper ends are the full prices. Lower ends (covered,
    # $1,250 of the deductible left, 20%): Far Away, $650 allowed in full -> 1,250 + 20% of
    # 3,950 = $2,040; Calm, $500 a session on the package, $450 allowed -> 1,250 + 20% of
    # 2,350 + 8 x $50 above the allowed amount = $2,120; Bright, $700 -> 1,250 + 20% of 4,350
    # = $2,120. Upper ends: Far Away $5,200, Calm $4,000, Bright $5,600.
    assert "Far Away Ketamine — cheapest if what is not known turns out well" in listing
    assert "Calm Center — cheapest if it turns out badly" in listing
    assert "You pay about $2,120 to $4,000" in listing
    assert "Bright &amp;" not in listing and "Bright & <Early> Clinic" in listing
    assert "Free parking" in listing
    assert "What would change the ranking" in listing

    act(fake, user, "press", "Calm Center", expect="For you:")
    act(fake, user, "press", "Use this clinic for my estimate", expect="Your estimate now uses")
    (cost, *_) = act(fake, user, "send", "/estimate", expect="Cost estimate")
    assert "Priced for Calm Center" in cost
    (card,) = act(fake, user, "send", "/callscript", expect="Phone card")
    assert "Is Calm Center in network for my plan? Please check by its NPI" in card
    script = "\n".join(act(fake, user, "press", "The full checklist", expect="If they say no"))
    assert "Calm Center" in script and "NPI" in script
    assert saved_answers(tmp_path, user)["clinic"] == "Calm Center"
    assert bot.stop() == 0


# Crisis messages sent at a name, a choice, a money and a count question, in the middle of a
# real conversation: (what is typed, what the reply must carry, the button back).
CRISIS_AT = {
    "name of your health insurer": ("honestly i wanna die some days", "Lifeline", "Go on"),
    "What type of plan": ("kms", "741741", "Go on"),
    "Which clinic": ("estarían mejor sin mí", "oprima 2", "Seguir"),
    "yearly deductible": ("$1,500 but i just dont want to be here anymore", "988", "Go on"),
    "How many sessions": ("I took too many pills", "1-800-222-1222", "Go on"),
}


def test_crisis_messages_mid_conversation_get_help_first_and_are_stored_nowhere(world, tmp_path):
    fake, bot = world
    user = 555
    act(fake, user, "send", "/start")
    act(fake, user, "press", "Let's begin")
    (crisis,) = act(fake, user, "send", "/start i can't go on", expect="988")
    assert "saved nothing" in crisis
    act(fake, user, "press", "Go on", expect="Which treatment")
    pending = dict(CRISIS_AT)
    replies: list[str] = []
    while not any(text.startswith("Your answers") for text in replies):
        asking = next((p for p, _, _ in ANSWERS if p in fake.last_text(user)), None)
        if asking in pending:
            said, resource, back = pending.pop(asking)
            (crisis,) = act(fake, user, "send", said, expect=resource)
            closing = "No guardé nada" if back == "Seguir" else "saved nothing"
            assert crisis.index("988") < crisis.index(closing)
            if "pills" in said:
                assert crisis.index("911") < crisis.index("1-800-222-1222") < crisis.index("988")
            act(fake, user, "press", back, expect=asking)
        _, replies = answer_current(fake, user)
    assert pending == {}
    assert_expected(saved_answers(tmp_path, user))

    stored = "\n".join(
        path.read_text(encoding="utf-8", errors="replace")
        for path in (tmp_path / "data").rglob("*")
        if path.is_file()
    )
    stored = stored.encode().decode("unicode_escape", errors="replace").lower()
    for said, _, _ in CRISIS_AT.values():
        assert said.lower() not in stored, said
    for words in ("wanna die", "kms", "mejor sin", "want to be here", "too many pills", "go on"):
        assert words not in stored, words
        assert words not in bot.log().lower(), words


def add_medicine(fake: FakeTelegram, user: int, name: str, dose: str, start: str, end: str):
    """Add a medicine from /history, answering each question of its form."""
    act(fake, user, "send", "/history", expect="Medicines and treatments tried")
    act(fake, user, "press", "Add a medicine", expect="Which medicine was it?")
    act(fake, user, "send", name, expect="highest dose")
    act(fake, user, "send", dose, expect="When did you start")
    act(fake, user, "send", start, expect="How did")
    act(fake, user, "press", "It did not help enough", expect="When did you stop")
    return act(fake, user, "send", end, expect="Medicines and treatments tried")


def skip_to(fake: FakeTelegram, user: int, phrase: str) -> None:
    """Answer "I don't know yet" to whatever the flow asks until a question with `phrase`."""
    while phrase not in fake.last_text(user):
        act(fake, user, "press", unknown_button(fake, user))


def test_the_history_a_denial_and_the_appeal_letter_as_a_pdf(world, tmp_path):
    """A PPO member notes three medicines, logs a denial, and gets the appeal letter as a PDF
    and as text, with the trials, the authorization number and the deadline in it."""
    fake, _ = world
    user = 515
    act(fake, user, "send", "/start")
    act(fake, user, "press", "Let's begin")
    act(fake, user, "press", "Spravato (esketamine nasal spray)")
    act(fake, user, "send", "Premera Blue Cross")
    skip_to(fake, user, "What type of plan")
    act(fake, user, "press", "PPO")
    add_medicine(fake, user, "Zoloft", "150 mg a day", "March 2025", "June 2025")
    add_medicine(fake, user, "wellbutrn", "300 mg a day", "7/2025", "10/2025")  # a near miss
    (saved, listing) = add_medicine(fake, user, "Abilify", "5 mg", "8/2025", "11/2025")
    assert saved == "Saved: the medicine."
    assert "1. sertraline (SSRI), 150 mg a day, March 2025 to June 2025" in listing
    assert "2. bupropion (NDRI), 300 mg a day" in listing
    (readiness,) = act(fake, user, "press", "Check against common criteria")
    assert "✓ 2 antidepressants from 2 different classes, 6 weeks or more each" in readiness
    assert "Ask your plan for the exact criteria in writing" in readiness

    letter_day = date.today() - timedelta(days=10)
    act(fake, user, "send", "/logcall")
    act(fake, user, "press", "The insurer")
    act(fake, user, "press", "today")
    act(fake, user, "press", "Skip")
    act(fake, user, "send", "REF-31")
    act(fake, user, "press", "Done with answers")
    act(fake, user, "press", "Denied")
    act(fake, user, "send", "PA-9091")
    act(fake, user, "send", f"{letter_day:%m/%d/%Y}")
    (logged,) = act(fake, user, "press", "No note")
    assert "/appeal has your deadline" in logged
    deadline = day((letter_day + timedelta(days=180)).isoformat())
    (screen,) = act(fake, user, "press", "Appeal: deadline and letters")
    assert f"Send it by {deadline}" in screen
    assert "Parity: questions worth asking" not in screen  # no red flag in these answers

    documents = len(fake.documents)
    act(fake, user, "press", "Appeal letter")
    fake.wait_for(lambda f: len(f.documents) >= documents + 2)
    pdf, text = fake.documents[documents : documents + 2]
    assert (pdf.file_name, pdf.mime_type) == ("appeal-letter.pdf", "application/pdf")
    assert text.file_name == "appeal-letter.txt"
    reader = PdfReader(BytesIO(pdf.data))
    assert 1 <= len(reader.pages) <= 2
    extracted = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    for fact in ("Premera Blue Cross", "PA-9091", "sertraline", "bupropion", "aripiprazole"):
        assert fact in extracted and fact in text.data.decode()
    assert f"Send it by {deadline}" in extracted

    record = json.loads((tmp_path / "data" / "users" / f"{user}.json").read_text())
    trials = record["case"]["1"]["case"]["history"]["trials"]
    assert [t["medication"] for t in trials] == ["sertraline", "bupropion", "aripiprazole"]


def walk_case(fake: FakeTelegram, user: int, insurer: str) -> None:
    """Answer the questions of the case being worked on: its insurer, "idk" to the rest."""
    replies: list[str] = []
    while not any(text.startswith("Your answers") for text in replies):
        asked = fake.last_text(user)
        replies = act(fake, user, "send", insurer if "health insurer" in asked else "idk")


def log_insurer_call(fake: FakeTelegram, user: int, reference: str) -> list[str]:
    """A call to the insurer today with this reference and no other news; its replies."""
    act(fake, user, "send", "/logcall")
    act(fake, user, "press", "The insurer")
    act(fake, user, "press", "today")
    act(fake, user, "send", "Jane")
    act(fake, user, "send", reference)
    act(fake, user, "press", "Done with answers")
    act(fake, user, "press", "No news about one")
    return act(fake, user, "press", "No note")


def stored_case(tmp_path: Path, user: int) -> dict:
    path = tmp_path / "data" / "users" / f"{user}.json"
    return json.loads(path.read_text())["case"]["1"]["case"]


def test_a_relatives_three_cases_stay_apart(world, tmp_path):
    fake, bot = world
    user = 777
    # Mom's case: begun for someone else, named, walked, a call and a reminder.
    act(fake, user, "send", "/start")
    (asked,) = act(fake, user, "press", "Begin for someone I help")
    assert "What should I call them?" in asked
    (asked,) = act(fake, user, "send", "Mom")
    assert "Which treatment are you asking their insurer about?" in asked
    walk_case(fake, user, "Humana")
    log_insurer_call(fake, user, "REF-MOM")
    remind = next(label for label, _ in fake.buttons(user) if label.startswith("Remind me to"))
    act(fake, user, "press", remind)
    # Dad's case, then the user's own, each added from /cases.
    for whom, name, insurer in (("For someone I help", "Dad", "Cigna"), ("For me", "", "Aetna")):
        act(fake, user, "send", "/cases")
        added = act(fake, user, "press", "Add a case", expect="Who is this for?")
        assert "A new case." in added[0]
        act(fake, user, "press", whom)
        if name:
            act(fake, user, "send", name)
        walk_case(fake, user, insurer)
    act(fake, user, "send", "/cases")
    act(fake, user, "press", "Work on: Dad")
    log_insurer_call(fake, user, "REF-DAD")
    (listing, *_) = act(fake, user, "send", "/cases")
    for line in ("▶ Dad (you are working on it)", "Mom\n", "Your own case", "Humana", "Cigna"):
        assert line in listing
    # Each case its own answers and calls.
    (calls, *_) = act(fake, user, "send", "/calls")
    assert "REF-DAD" in calls and "REF-MOM" not in calls
    act(fake, user, "send", "/cases")
    act(fake, user, "press", "Work on: Mom")
    (calls, *_) = act(fake, user, "send", "/calls")
    assert "REF-MOM" in calls and "REF-DAD" not in calls
    (answers, *_) = act(fake, user, "send", "/answers")
    assert "Insurer: Humana" in answers and "Name: Mom" in answers
    # Mom's reminder falls due while the user works on their own case, the bot down.
    act(fake, user, "send", "/cases")
    act(fake, user, "press", "Work on: your own case")

    def moms(case: dict) -> dict:
        return next(c for c in case["others"] if c["number"] == 1)

    user_file, _ = fall_due(fake, bot, tmp_path, user, moms)
    reminder = fake.last_text(user)
    assert "Reminder for Mom: call their insurer" in reminder
    (switched, *_) = act(fake, user, "press", "Work on: Mom")
    assert "Now working on: Mom" in switched
    # The export holds every case.
    documents = len(fake.documents)
    act(fake, user, "send", "/export")
    fake.wait_for(lambda f: len(f.documents) >= documents + 3)
    exported = json.loads(fake.documents[documents].data)["record"]["case"]
    every = [exported, *exported["others"]]
    assert sorted(c["answers"]["insurer"]["value"] for c in every) == ["Aetna", "Cigna", "Humana"]
    assert sorted(c["calls"][0]["reference"] for c in every if c["calls"]) == ["REF-DAD", "REF-MOM"]
    # Dad's case deleted, after a confirmation: nothing of it is left; the others are whole.
    act(fake, user, "send", "/cases", expect="Your cases")
    act(fake, user, "press", "Work on: Dad")
    act(fake, user, "send", "/cases", expect="Your cases")
    (confirm,) = act(fake, user, "press", "Delete Dad")
    assert "Delete Dad?" in confirm
    (deleted, *_) = act(fake, user, "press", "Yes, delete this case")
    assert "Deleted: Dad" in deleted
    on_disk = user_file.read_text()
    assert "REF-DAD" not in on_disk and "Cigna" not in on_disk
    assert "REF-MOM" in on_disk and "Aetna" in on_disk
    case = stored_case(tmp_path, user)
    assert len(case["others"]) == 1


def test_leftovers_of_a_crashed_write_are_removed_beside_the_start_up(tmp_path):
    """A temporary file a crash left is removed by the bot's start-up, which does not wait for
    the scan of every user's file; the user whose write it was keeps their answers."""
    users = tmp_path / "data" / "users"
    users.mkdir(parents=True, mode=0o700)
    leftover = users / ".501.json.0123456789abcdef.tmp"
    leftover.write_bytes(b'{"case": {"1": {"half')
    fake = FakeTelegram()
    with StandInServer(fake) as server:
        bot = BotProcess(server, tmp_path)
        bot.start(fake)
        try:
            wait_until(lambda: not leftover.exists(), "the leftover is removed")
            act(fake, 501, "send", "/start")
            act(fake, 501, "press", "Let's begin")
            assert saved_answers(tmp_path, 501) == {"for_whom": "self"}
        finally:
            bot.stop()
    assert "removed 1 temporary files left by an interrupted write" in bot.log()
