"""A long, seeded conversation with the engine, rendered: to show that a change kept every word.

Usage:
    python scripts/transcript.py [--seed 1] [--steps 3000] [--no-case] > transcript.txt

One simulated user talks to the engine (no channel, no store): at each step they press one of
the buttons just shown, type something (an answer, a bad one, "I don't know", a crisis message),
send a command, or send a sticker, at random but seeded, while the clock moves on so reminders
fall due. Each step prints the event, then every reply rendered as Telegram HTML with its
keyboard (labels and callback data), its attachments, and the case as it would be stored.

Run it before and after a refactor and diff the two files: any difference is a change in what
a user reads, presses or has saved.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.conversation import with_record
from bot.documents import PDF, PNG
from bot.engine import Case, handle
from bot.events import COMMANDS, DeliverDue, Event, Text, Unsupported, decode
from bot.flow import Flow
from bot.render import Renderer

TYPED = (
    "idk",
    "I don't know yet",
    "yes",
    "no",
    "spravato",
    "Aetna",
    "Calm Center",
    "0",
    "500",
    "$1,250.50",
    "3000",
    "20%",
    "150%",
    "-5",
    "8",
    "today",
    "yesterday",
    "2026-11-01",
    "2026-12-20",
    "next week",
    "skip",
    "abc",
    "<b>bold</b> & co",
    "",
    "I want to kill myself",
)
FORGED = ("a:treatment:nonsense", "c:99:show", "r:reset:yes", "e:nope:", "x::7", "z:1:2")


def step_event(rng: random.Random, last: list) -> Event | str:
    """What the user does next: mostly a button just shown, else typing or a command
    (or callback data the bot never sent, as a string)."""
    buttons = [b for reply in last for b in reply.buttons]
    roll = rng.random()
    if buttons and roll < 0.6:  # answering is likelier than leaving, so forms get finished
        weights = [4 if b.press.data[0] in "akc" else 1 for b in buttons]
        return rng.choices(buttons, weights)[0].press
    if roll < 0.85:
        return Text(rng.choice(TYPED))
    if roll < 0.95:
        return rng.choice(list(COMMANDS.values()))
    if roll < 0.98:
        return Unsupported(edited=rng.random() < 0.5)
    return rng.choice(FORGED)


def transcript(seed: int, steps: int, *, with_case: bool = True):
    """The lines of one seeded conversation, rendered."""
    rng = random.Random(seed)
    flow = Flow()
    renderer = Renderer(flow)
    case, last = Case(), []
    now = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    for number in range(steps):
        if number and number % 40 == 0:
            now += timedelta(days=rng.choice((1, 3, 10, 40)))
            event: Event = DeliverDue()
        else:
            event = step_event(rng, last)
        if isinstance(event, str):  # the channels decode callback data before the engine
            pressed = decode(event)
            if pressed is None:
                yield f"## {number} {now:%Y-%m-%d} data {event}: never sent, closed"
                continue
            event = pressed
        outcome = handle(flow, case, event, now)
        data = getattr(event, "data", None)
        yield f"## {number} {now:%Y-%m-%d} " + (f"press {data}" if data else repr(event))
        yield f"changed={outcome.changed} erase={outcome.erase}"
        for reply in outcome.replies:
            reply = with_record(reply, {"case": outcome.case.to_dict()})
            rendered = renderer.render(reply, "html")
            flags = f"replaces_pressed={reply.replaces_pressed} notice={reply.notice}"
            yield f"-- {reply.template} {flags}"
            yield rendered.text
            for row in rendered.keyboard:
                yield "   " + " | ".join(f"[{label}]({data})" for label, data in row)
            for file in renderer.attachments(reply):
                yield f"   attachment {file.filename}:"
                # A PDF is the letter also attached as text, a PNG the chart its caption says
                # in words: their bytes are not worth reading.
                binary = file.media_type in (PDF, PNG)
                yield f"({file.media_type})" if binary else file.content.decode()
        if with_case:
            yield "case " + json.dumps(outcome.case.to_dict(), sort_keys=True)
        case = outcome.case
        if outcome.replies and not all(r.notice for r in outcome.replies):
            last = outcome.replies


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--no-case", action="store_true", help="leave out the stored case")
    args = parser.parse_args(argv)
    for line in transcript(args.seed, args.steps, with_case=not args.no_case):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
