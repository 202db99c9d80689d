"""Tests of the Telegram Bot API stand-in that the bot's own tests run against."""

import asyncio
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from telegram import Bot, BotCommand, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, InvalidToken
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from tests.support.telegram_standin import (
    DEFAULT_TOKEN,
    NOT_MODIFIED,
    QUERY_INVALID,
    FakeTelegram,
    HtmlError,
    StandInRequest,
    StandInServer,
    parse_html,
)

USER = 42


@pytest.fixture
def fake():
    """A fake Telegram in which user 42 has already written to the bot."""
    telegram = FakeTelegram()
    telegram.send_text(USER, "/start")
    return telegram


@pytest.fixture
def server(fake, monkeypatch):
    """The fake served over HTTP; proxies from the environment must not intercept it."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    with StandInServer(fake) as running:
        yield running


def ok(fake, method, **params):
    """Call the fake and return the result, failing on an error response."""
    status, response = fake.call(method, params)
    assert status == 200, response
    return response["result"]


def rejected(fake, method, **params):
    """Call the fake, expect a 400, and return the description."""
    status, response = fake.call(method, params)
    assert status == 400, response
    assert response["ok"] is False
    assert response["error_code"] == 400
    return response["description"]


def keyboard(*buttons):
    """An inline keyboard with one button per (text, callback_data) pair, as JSON."""
    rows = [[{"text": text, "callback_data": data}] for text, data in buttons]
    return json.dumps({"inline_keyboard": rows})


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<b>bold <i>both</i></b> plain", "bold both plain"),
        ('<a href="https://example.com/?a=1&amp;b=2">link</a>', "link"),
        ("<code>x &lt; y &amp;&amp; y &gt; z</code>", "x < y && y > z"),
        ('<pre><code class="language-python">print("hi")</code></pre>', 'print("hi")'),
        ("&quot;quoted&quot; &#39;single&#39; &#x1F600;", "\"quoted\" 'single' \U0001f600"),
        ('<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>', "👍"),
        ("שלום <b>مرحبا</b> עולם", "שלום مرحبا עולם"),
        ('<span class="tg-spoiler">secret</span> <tg-spoiler>also</tg-spoiler>', "secret also"),
        ("<blockquote expandable>quote</blockquote>", "quote"),
        ("<B>upper</B> <s>s</s><strike>t</strike><del>d</del><u>u</u><ins>n</ins>", "upper stdun"),
        ("a > b", "a > b"),
    ],
)
def test_valid_html_is_accepted(html, text):
    assert parse_html(html)[0] == text


def test_html_entities_use_utf16_offsets():
    text, entities = parse_html('😀 <b>x &amp; y</b> <a href="https://e.com">l</a>')
    assert text == "😀 x & y l"
    assert entities == [
        {"offset": 3, "length": 5, "type": "bold"},
        {"offset": 9, "length": 1, "type": "text_link", "url": "https://e.com"},
    ]


def test_pre_with_code_language_is_one_entity():
    _, entities = parse_html('<pre><code class="language-python">x = 1</code></pre>')
    assert entities == [{"offset": 0, "length": 5, "type": "pre", "language": "python"}]


@pytest.mark.parametrize(
    "html",
    [
        "<div>x</div>",
        "a<br>b",
        "a<br/>b",
        "<script>alert(1)</script>",
        "<p>para</p>",
        "<b>x",
        "x</b>",
        "<b><i>x</b></i>",
        "1 < 2",
        "<",
        "a & b",
        "AT&T",
        "&nbsp;",
        "&copy; 2024",
        "&#xD800;",
        "<span>x</span>",
        '<a href="https://e.com/?a=1&b=2">x</a>',
        "<b",
        "<!-- comment -->",
        '<tg-emoji emoji-id="abc">x</tg-emoji>',
    ],
)
def test_invalid_html_is_rejected(fake, html):
    with pytest.raises(HtmlError):
        parse_html(html)
    description = rejected(fake, "sendMessage", chat_id=USER, text=html, parse_mode="HTML")
    assert description.startswith("Bad Request: can't parse entities: ")
    assert fake.errors == [("sendMessage", description)]


def test_markup_characters_are_fine_without_parse_mode(fake):
    assert ok(fake, "sendMessage", chat_id=USER, text="1 < 2 & <div>")["text"] == "1 < 2 & <div>"


@pytest.mark.parametrize(
    ("text", "parse_mode"),
    [
        ("a" * 4096, None),
        ("&amp;" * 4096, "HTML"),
        ("<b>" + "a" * 4096 + "</b>", "HTML"),
        ("😀" * 2048, None),
        ("\n" + "a" * 4096 + "\n", None),
    ],
)
def test_text_up_to_4096_utf16_units_is_accepted(fake, text, parse_mode):
    params = {"parse_mode": parse_mode} if parse_mode else {}
    ok(fake, "sendMessage", chat_id=USER, text=text, **params)


@pytest.mark.parametrize(
    ("text", "parse_mode"),
    [("a" * 4097, None), ("&amp;" * 4097, "HTML"), ("😀" * 2048 + "a", None)],
)
def test_text_over_4096_utf16_units_is_rejected(fake, text, parse_mode):
    params = {"parse_mode": parse_mode} if parse_mode else {}
    description = rejected(fake, "sendMessage", chat_id=USER, text=text, **params)
    assert description == "Bad Request: message is too long"


@pytest.mark.parametrize(
    ("text", "parse_mode"), [("", None), (" \n\t", None), ("<b> </b>", "HTML")]
)
def test_empty_text_is_rejected(fake, text, parse_mode):
    params = {"parse_mode": parse_mode} if parse_mode else {}
    description = rejected(fake, "sendMessage", chat_id=USER, text=text, **params)
    assert description == "Bad Request: message text is empty"


def test_unknown_parse_mode_is_rejected(fake):
    assert "parse_mode" in rejected(fake, "sendMessage", chat_id=USER, text="x", parse_mode="htm")


def test_text_is_trimmed_and_entities_follow(fake):
    message = ok(fake, "sendMessage", chat_id=USER, text="\n  <b>hi</b> \n", parse_mode="HTML")
    assert message["text"] == "hi"
    assert message["entities"] == [{"offset": 0, "length": 2, "type": "bold"}]


def test_chat_never_seen_is_not_found(fake):
    assert rejected(fake, "sendMessage", chat_id=777, text="hi") == "Bad Request: chat not found"
    assert rejected(fake, "sendMessage", chat_id="@nobody", text="hi").endswith("chat not found")


def test_callback_data_of_64_bytes_is_accepted(fake):
    for data in ("x" * 64, "é" * 32):
        ok(fake, "sendMessage", chat_id=USER, text="pick", reply_markup=keyboard(("Go", data)))


@pytest.mark.parametrize("data", ["x" * 65, "é" * 32 + "x", ""])
def test_callback_data_outside_1_to_64_bytes_is_rejected(fake, data):
    description = rejected(
        fake, "sendMessage", chat_id=USER, text="pick", reply_markup=keyboard(("Go", data))
    )
    assert description == "Bad Request: BUTTON_DATA_INVALID"


@pytest.mark.parametrize(
    "button", [{"text": "", "callback_data": "x"}, {"text": "No action"}, {"callback_data": "x"}]
)
def test_inline_button_without_text_or_action_is_rejected(fake, button):
    markup = json.dumps({"inline_keyboard": [[button]]})
    rejected(fake, "sendMessage", chat_id=USER, text="pick", reply_markup=markup)


def test_reply_markup_must_be_json(fake):
    description = rejected(fake, "sendMessage", chat_id=USER, text="x", reply_markup="{oops")
    assert "reply keyboard markup" in description


def test_sent_message_looks_like_telegrams(fake):
    message = ok(fake, "sendMessage", chat_id=USER, text="hi", reply_markup=keyboard(("A", "a")))
    assert message["message_id"] == 2  # the user's /start was message 1
    assert message["chat"] == {"id": USER, "first_name": "Test", "type": "private"}
    assert message["from"]["username"] == "coverage_test_bot"
    assert message["reply_markup"] == {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
    assert isinstance(message["date"], int)
    assert fake.messages(USER) == [message]
    assert fake.buttons(USER) == [("A", "a")]


def test_edit_with_same_text_and_markup_is_not_modified(fake):
    markup = keyboard(("A", "a"))
    sent = ok(fake, "sendMessage", chat_id=USER, text="<b>hi</b>", parse_mode="HTML")
    message_id = sent["message_id"]
    edit = {"chat_id": USER, "message_id": message_id, "parse_mode": "HTML"}
    assert rejected(fake, "editMessageText", text="<b>hi</b>", **edit) == NOT_MODIFIED
    ok(fake, "editMessageText", text="<i>hi</i>", **edit)
    ok(fake, "editMessageText", text="<i>hi</i>", reply_markup=markup, **edit)
    assert rejected(fake, "editMessageText", text="<i>hi</i>", reply_markup=markup, **edit) == (
        NOT_MODIFIED
    )
    assert fake.buttons(USER) == [("A", "a")]
    edited = ok(fake, "editMessageText", text="<i>hi</i>", **edit)
    assert "reply_markup" not in edited, "an edit without reply_markup removes the keyboard"
    assert fake.buttons(USER) == []
    assert fake.messages(USER)[-1]["entities"] == [{"offset": 0, "length": 2, "type": "italic"}]


def test_edit_reply_markup_only(fake):
    sent = ok(fake, "sendMessage", chat_id=USER, text="hi", reply_markup=keyboard(("A", "a")))
    ids = {"chat_id": USER, "message_id": sent["message_id"]}
    ok(fake, "editMessageReplyMarkup", reply_markup=keyboard(("B", "b")), **ids)
    assert fake.buttons(USER) == [("B", "b")]
    rejected(fake, "editMessageReplyMarkup", reply_markup=keyboard(("B", "b")), **ids)
    ok(fake, "editMessageReplyMarkup", **ids)
    assert fake.buttons(USER) == []


def test_editing_a_missing_or_foreign_message_fails(fake):
    description = rejected(fake, "editMessageText", chat_id=USER, message_id=99, text="x")
    assert description == "Bad Request: message to edit not found"
    description = rejected(fake, "editMessageText", chat_id=USER, message_id=1, text="x")
    assert description == "Bad Request: message can't be edited"


def test_delete_message(fake):
    sent = ok(fake, "sendMessage", chat_id=USER, text="bye")
    assert ok(fake, "deleteMessage", chat_id=USER, message_id=sent["message_id"]) is True
    assert fake.messages(USER) == []
    assert fake.deleted_messages == [(USER, sent["message_id"])]
    rejected(fake, "deleteMessage", chat_id=USER, message_id=sent["message_id"])


def test_get_updates_offset_confirms_earlier_updates():
    fake = FakeTelegram()
    first, second, third = (fake.send_text(USER, text) for text in ("a", "b", "c"))
    assert [u["update_id"] for u in ok(fake, "getUpdates")] == [first, second, third]
    assert [u["update_id"] for u in ok(fake, "getUpdates", offset=second)] == [second, third]
    assert [u["update_id"] for u in ok(fake, "getUpdates", limit=1)] == [second]
    assert fake.pending_updates() == 2
    assert ok(fake, "getUpdates", offset=third + 1) == []
    assert fake.pending_updates() == 0
    fourth, fifth = fake.send_text(USER, "d"), fake.send_text(USER, "e")
    assert [u["update_id"] for u in ok(fake, "getUpdates", offset=-1)] == [fifth]
    assert fourth < fifth


def test_get_updates_over_the_wire_decodes_json_fields():
    fake = FakeTelegram()
    fake.send_text(USER, "hello")
    fake.press_data(USER, "forged", 1)
    status, response = fake.call("getUpdates", {"offset": "0", "allowed_updates": '["message"]'})
    assert status == 200
    assert [u["message"]["text"] for u in response["result"]] == ["hello"]
    assert len(fake.dropped_updates) == 1


def test_update_json_is_realistic():
    fake = FakeTelegram()
    fake.send_text(7, "/start@coverage_test_bot now", first_name="Ann")
    (update,) = ok(fake, "getUpdates")
    message = update["message"]
    assert message["from"] == {"id": 7, "is_bot": False, "first_name": "Ann", "language_code": "en"}
    assert message["chat"] == {"id": 7, "first_name": "Ann", "type": "private"}
    assert message["entities"] == [{"offset": 0, "length": 24, "type": "bot_command"}]
    assert fake.history(7) == [message]


def test_long_poll_wakes_up_on_a_new_update():
    fake = FakeTelegram()
    result = {}

    def poll():
        started = time.monotonic()
        result["updates"] = ok(fake, "getUpdates", timeout=5)
        result["elapsed"] = time.monotonic() - started

    poller = threading.Thread(target=poll)
    poller.start()
    time.sleep(0.2)
    assert poller.is_alive(), "getUpdates must wait for an update"
    fake.send_text(USER, "wake up")
    poller.join(2)
    assert not poller.is_alive()
    assert [u["message"]["text"] for u in result["updates"]] == ["wake up"]
    assert 0.15 < result["elapsed"] < 2


def test_long_poll_times_out_empty():
    fake = FakeTelegram()
    started = time.monotonic()
    assert ok(fake, "getUpdates", timeout=0.3) == []
    assert 0.25 < time.monotonic() - started < 2


def test_send_update_registers_chat_and_message():
    fake = FakeTelegram()
    chat = {"id": -100, "title": "Group", "type": "supergroup"}
    sticker_message = {
        "message_id": 5,
        "date": 0,
        "chat": chat,
        "from": {"id": 9, "is_bot": False, "first_name": "Bo"},
        "sticker": {"file_id": "s", "file_unique_id": "u", "type": "regular"},
    }
    fake.send_update({"message": sticker_message})
    assert ok(fake, "sendMessage", chat_id=-100, text="nice sticker")["message_id"] == 6


def test_press_finds_button_by_label_or_data_and_answers_once(fake):
    ok(fake, "sendMessage", chat_id=USER, text="pick", reply_markup=keyboard(("Yes", "y")))
    ok(fake, "getUpdates", offset=2)
    fake.press(USER, "Yes")
    fake.press(USER, "y")
    first, second = ok(fake, "getUpdates")
    query = first["callback_query"]
    assert query["data"] == "y"
    assert query["message"]["text"] == "pick"
    assert query["from"]["id"] == USER
    assert query["id"] != second["callback_query"]["id"]
    assert ok(fake, "answerCallbackQuery", callback_query_id=query["id"], text="ok") is True
    assert rejected(fake, "answerCallbackQuery", callback_query_id=query["id"]) == QUERY_INVALID
    assert rejected(fake, "answerCallbackQuery", callback_query_id="nope") == QUERY_INVALID
    assert fake.answered_callbacks == [{"callback_query_id": query["id"], "text": "ok"}]


def test_press_missing_button_lists_the_available_ones(fake):
    ok(fake, "sendMessage", chat_id=USER, text="pick", reply_markup=keyboard(("Yes", "y")))
    with pytest.raises(AssertionError, match=r"\('Yes', 'y'\)"):
        fake.press(USER, "No")
    with pytest.raises(AssertionError, match="no inline keyboard"):
        fake.press(USER + 1, "Yes")


def test_press_data_forges_callback_data(fake):
    sent = ok(fake, "sendMessage", chat_id=USER, text="pick", reply_markup=keyboard(("Y", "y")))
    fake.press_data(USER, "evil" * 30, sent["message_id"])
    assert ok(fake, "getUpdates", offset=2)[0]["callback_query"]["data"] == "evil" * 30


def test_unknown_method_and_wrong_token(fake):
    status, response = fake.call("sendPigeon", {"chat_id": USER})
    assert (status, response["description"]) == (404, "Not Found: method not found")
    assert fake.calls[-1] == ("sendPigeon", {"chat_id": USER})
    status, response = fake.call("getMe", {}, token="654321:other")
    assert (status, response["description"]) == (401, "Unauthorized")
    assert fake.errors == [
        ("sendPigeon", "Not Found: method not found"),
        ("getMe", "Unauthorized"),
    ]


def test_commands_are_stored_and_validated(fake):
    commands = [{"command": "start", "description": "Begin"}]
    assert ok(fake, "setMyCommands", commands=json.dumps(commands)) is True
    assert fake.commands == commands
    assert ok(fake, "getMyCommands") == commands
    bad = [{"command": "Start!", "description": "Begin"}]
    assert rejected(fake, "setMyCommands", commands=bad) == "Bad Request: BOT_COMMAND_INVALID"


def test_chat_action(fake):
    assert ok(fake, "sendChatAction", chat_id=USER, action="typing") is True
    rejected(fake, "sendChatAction", chat_id=USER, action="dancing")
    assert fake.chat_actions == [(USER, "typing")]


def test_wait_for_times_out_with_a_dump(fake):
    ok(fake, "sendMessage", chat_id=USER, text="only this")
    with pytest.raises(TimeoutError, match="only this"):
        fake.wait_for_bot_messages(USER, 2, timeout=0.1)


def test_wait_for_treats_assertions_as_not_yet(fake):
    threading.Timer(0.1, ok, (fake, "sendMessage"), {"chat_id": USER, "text": "soon"}).start()
    assert fake.wait_for(lambda f: f.last_text(USER) == "soon", timeout=5)
    with pytest.raises(TimeoutError, match="sent nothing to chat 5"):
        fake.wait_for(lambda f: f.last_text(5), timeout=0.1)


def test_wait_for_wakes_up_when_the_bot_sends(fake):
    threading.Timer(0.1, ok, (fake, "sendMessage"), {"chat_id": USER, "text": "late"}).start()
    messages = fake.wait_for_bot_messages(USER, 1, timeout=5)
    assert [m["text"] for m in messages] == ["late"]
    assert fake.last_text(USER) == "late"


def http_post(url, body, content_type):
    """POST raw bytes and return (status, decoded JSON)."""
    request = urllib.request.Request(url, body, {"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def test_http_accepts_json_form_and_query_string(server, fake):
    url = f"{server.base_url}/bot{DEFAULT_TOKEN}/sendMessage"
    body = json.dumps({"chat_id": USER, "text": "json", "reply_markup": keyboard(("A", "a"))})
    assert http_post(url, body.encode(), "application/json")[0] == 200
    form = urllib.parse.urlencode({"chat_id": str(USER), "text": "123"}).encode()
    status, response = http_post(url, form, "application/x-www-form-urlencoded")
    assert (status, response["result"]["text"]) == (200, "123")
    query = urllib.parse.urlencode({"chat_id": USER, "text": "query"})
    with urllib.request.urlopen(f"{url}?{query}", timeout=5) as response:
        assert json.load(response)["result"]["text"] == "query"
    status, response = http_post(url, b'{"chat_id": 42, "text": ""}', "application/json")
    assert (status, response["description"]) == (400, "Bad Request: message text is empty")
    assert [m.get("text") for m in fake.messages(USER)] == ["json", "123", "query"]
    assert fake.buttons(USER, fake.messages(USER)[0]["message_id"]) == [("A", "a")]
    assert fake.tokens_seen == {DEFAULT_TOKEN}


def test_real_bot_over_http(server, fake):
    document_bytes = bytes(range(256)) + b"\r\n--boundary\r\n\n\r"
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Yes ✅", callback_data="yes"),
                InlineKeyboardButton("No", callback_data="no"),
            ]
        ]
    )

    async def scenario():
        async with Bot(DEFAULT_TOKEN, base_url=server.base_url + "/bot") as bot:
            assert bot.username == "coverage_test_bot"
            await bot.set_my_commands([BotCommand("start", "Begin")])
            assert [c.command for c in await bot.get_my_commands()] == ["start"]
            (update,) = await bot.get_updates(
                timeout=0, allowed_updates=["message", "callback_query"]
            )
            assert update.message.text == "/start"
            sent = await bot.send_message(
                USER, "<b>Covered?</b> a &lt; b", parse_mode=ParseMode.HTML, reply_markup=markup
            )
            assert sent.text == "Covered? a < b"
            assert sent.reply_markup == markup
            fake.press(USER, "Yes ✅")
            (update,) = await bot.get_updates(offset=update.update_id + 1, timeout=5)
            assert update.callback_query.data == "yes"
            assert await update.callback_query.answer("Noted") is True
            edited = await sent.edit_text("Thanks", reply_markup=None)
            assert edited.text == "Thanks"
            with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
                await sent.edit_text("Thanks")
            with pytest.raises(BadRequest, match=r"(?i)can.t parse entities"):
                await bot.send_message(USER, "<div>no</div>", parse_mode=ParseMode.HTML)
            document = await bot.send_document(
                USER,
                document_bytes,
                filename="summary é.pdf",
                caption="<i>Your letter</i>",
                parse_mode=ParseMode.HTML,
            )
            assert document.document.file_name == "summary é.pdf"
            assert document.caption == "Your letter"
            await bot.send_chat_action(USER, "upload_document")
            assert await bot.delete_message(USER, edited.message_id) is True

    asyncio.run(scenario())
    assert fake.answered_callbacks[0]["text"] == "Noted"
    assert fake.documents[-1].data == document_bytes
    assert fake.documents[-1].mime_type == "application/pdf"
    assert fake.commands == [{"command": "start", "description": "Begin"}]
    assert len(fake.errors) == 2
    assert fake.errors[0] == ("editMessageText", NOT_MODIFIED)
    assert fake.errors[1][1].startswith("Bad Request: can't parse entities")


def test_real_bot_with_wrong_token_over_http(server):
    async def scenario():
        with pytest.raises(InvalidToken):
            await Bot("999:wrong", base_url=server.base_url + "/bot").get_me()

    asyncio.run(scenario())


def test_real_bot_in_process(fake):
    async def scenario():
        bot = Bot(DEFAULT_TOKEN, request=StandInRequest(fake))
        async with bot:
            sent = await bot.send_message(
                USER,
                "pick",
                reply_markup=InlineKeyboardMarkup.from_button(
                    InlineKeyboardButton("Go", callback_data="go")
                ),
            )
            with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
                await bot.send_message(
                    USER,
                    "pick",
                    reply_markup=InlineKeyboardMarkup.from_button(
                        InlineKeyboardButton("Go", callback_data="g" * 65)
                    ),
                )
            await bot.send_document(USER, b"%PDF-1.4", filename="a.pdf")
            return sent

    sent = asyncio.run(scenario())
    assert fake.buttons(USER, sent.message_id) == [("Go", "go")]
    assert fake.documents[-1].data == b"%PDF-1.4"


@pytest.mark.parametrize("transport", ["in_process", "http"])
def test_application_polls_and_stops_promptly(fake, monkeypatch, transport):
    async def start(update, context):
        await update.message.reply_text(
            "Hello",
            reply_markup=InlineKeyboardMarkup.from_button(
                InlineKeyboardButton("Next", callback_data="next")
            ),
        )

    async def next_step(update, context):
        await update.callback_query.answer()
        await update.callback_query.edit_message_text("Step two")

    async def scenario(builder):
        application = builder.token(DEFAULT_TOKEN).build()
        application.add_handler(CommandHandler("start", start))
        application.add_handler(CallbackQueryHandler(next_step))
        async with application:
            await application.start()
            await application.updater.start_polling(poll_interval=0, timeout=10)
            await asyncio.to_thread(fake.wait_for, lambda f: f.last_text(USER) == "Hello", 5)
            fake.press(USER, "Next")
            await asyncio.to_thread(fake.wait_for, lambda f: f.last_text(USER) == "Step two", 5)
            await application.updater.stop()
            await application.stop()

    started = time.monotonic()
    if transport == "http":
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        with StandInServer(fake) as server:
            asyncio.run(scenario(Application.builder().base_url(server.base_url + "/bot")))
    else:
        builder = (
            Application.builder()
            .request(StandInRequest(fake))
            .get_updates_request(StandInRequest(fake))
        )
        asyncio.run(scenario(builder))
    assert time.monotonic() - started < 5, "a pending long poll must not delay shutdown"
    assert fake.errors == []
    assert len(fake.answered_callbacks) == 1
    assert fake.pending_updates() == 0
