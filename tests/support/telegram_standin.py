"""A strict stand-in for the Telegram Bot API, for tests.

`FakeTelegram` holds the state of a fake Telegram server: chats, messages, queued updates and
every call the bot made. It answers Bot API methods the way Telegram does, including rejecting
what Telegram rejects (bad HTML, over-long texts, oversized callback data, no-op edits, ...),
so tests catch the bugs Telegram would catch in production.

The bot reaches the fake in one of two ways:

* `StandInServer` serves the Bot API over HTTP on 127.0.0.1 (point the bot's ``base_url`` at
  ``server.base_url + "/bot"``);
* `StandInRequest` is a python-telegram-bot request backend that calls the fake in process.

Tests play the user with `FakeTelegram.send_text`, `FakeTelegram.press` and friends, and
observe the bot with `FakeTelegram.messages`, `FakeTelegram.wait_for` and the recorded calls.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import email.parser
import email.policy
import json
import re
import socket
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, unquote, urlsplit

from telegram.request import BaseRequest, RequestData

DEFAULT_TOKEN = "123456:TEST-token"
BOT_ID = 1000
BOT_USERNAME = "coverage_test_bot"
MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_POLL_TIMEOUT = 10.0

# python-telegram-bot sends every non-string value JSON-encoded inside form fields; these are
# the fields whose values are decoded back. Free-text fields (text, caption, ...) stay strings
# even when they happen to look like JSON.
JSON_FIELDS = frozenset(
    {
        "allow_paid_broadcast",
        "allow_sending_without_reply",
        "allowed_updates",
        "cache_time",
        "caption_entities",
        "chat_id",
        "commands",
        "disable_content_type_detection",
        "disable_notification",
        "disable_web_page_preview",
        "drop_pending_updates",
        "entities",
        "limit",
        "link_preview_options",
        "message_id",
        "message_thread_id",
        "offset",
        "protect_content",
        "reply_markup",
        "reply_parameters",
        "reply_to_message_id",
        "scope",
        "show_alert",
        "show_caption_above_media",
        "timeout",
        "user_id",
    }
)

CHAT_ACTIONS = frozenset(
    {
        "choose_sticker",
        "find_location",
        "record_video",
        "record_video_note",
        "record_voice",
        "typing",
        "upload_document",
        "upload_photo",
        "upload_video",
        "upload_video_note",
        "upload_voice",
    }
)

INLINE_BUTTON_ACTIONS = (
    "callback_data",
    "callback_game",
    "copy_text",
    "login_url",
    "pay",
    "switch_inline_query",
    "switch_inline_query_chosen_chat",
    "switch_inline_query_current_chat",
    "url",
    "web_app",
)

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are"
    " exactly the same as a current content and reply markup of the message"
)
QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"

_COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![A-Za-z0-9_@])")
_BOT_COMMAND_NAME_RE = re.compile(r"[a-z0-9_]{1,32}")
_URL_RE = re.compile(r"(?:https?|tg)://\S+", re.IGNORECASE)
_PATH_RE = re.compile(r"/bot([^/]+)/([A-Za-z0-9_]+)$")


def _image_size(data: bytes) -> tuple[int, int]:
    """A PNG's width and height, from its header; Telegram refuses what is not an image."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise ApiError(400, "Bad Request: IMAGE_PROCESS_FAILED")
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def utf16_length(text: str) -> int:
    """Length of text in UTF-16 code units, the unit Telegram counts lengths and offsets in."""
    return len(text.encode("utf-16-le")) // 2


class HtmlError(ValueError):
    """Raised for HTML that Telegram refuses with "can't parse entities"."""


class ApiError(Exception):
    """A Bot API error response: HTTP status code and Telegram's description."""

    def __init__(self, code: int, description: str):
        super().__init__(description)
        self.code = code
        self.description = description


class UploadedFile(NamedTuple):
    """A file uploaded in a multipart request."""

    file_name: str
    data: bytes
    mime_type: str


@dataclass(frozen=True)
class SentDocument:
    """A document the bot sent, with its bytes."""

    chat_id: int
    message_id: int
    file_name: str
    mime_type: str
    data: bytes


_TAG_ENTITY_TYPES = {
    "a": "text_link",
    "b": "bold",
    "blockquote": "blockquote",
    "code": "code",
    "del": "strikethrough",
    "em": "italic",
    "i": "italic",
    "ins": "underline",
    "pre": "pre",
    "s": "strikethrough",
    "span": "spoiler",
    "strike": "strikethrough",
    "strong": "bold",
    "tg-emoji": "custom_emoji",
    "tg-spoiler": "spoiler",
    "u": "underline",
}
_NAMED_ENTITIES = {"amp": "&", "gt": ">", "lt": "<", "quot": '"'}
_TEXT_RUN_RE = re.compile(r"[^<&]+")
_TAG_NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9-]*")
_ATTRIBUTE_RE = re.compile(
    r"""\s+([A-Za-z][A-Za-z0-9_-]*)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'<>=`]+))?"""
)
_START_TAG_END_RE = re.compile(r"\s*>")
_END_TAG_RE = re.compile(r"</([A-Za-z][A-Za-z0-9-]*)\s*>")
_ENTITY_RE = re.compile(r"&(?:#([0-9]{1,7})|#[xX]([0-9A-Fa-f]{1,6})|([A-Za-z][A-Za-z0-9]*));")


@dataclass
class _OpenTag:
    name: str
    offset: int
    entity: dict[str, Any] | None


class _HtmlParser:
    """A strict tokenizer for Telegram's HTML subset; html.parser would accept too much."""

    def __init__(self, source: str):
        self.source = source
        self.pos = 0
        self.pieces: list[str] = []
        self.length = 0
        self.stack: list[_OpenTag] = []
        self.entities: list[dict[str, Any]] = []

    def run(self) -> tuple[str, list[dict[str, Any]]]:
        while self.pos < len(self.source):
            char = self.source[self.pos]
            if char == "<" and self.source.startswith("</", self.pos):
                self._end_tag()
            elif char == "<":
                self._start_tag()
            elif char == "&":
                where = f"at byte offset {self._byte_offset(self.pos)}"
                decoded, self.pos = self._entity(self.source, self.pos, where)
                self._append(decoded)
            else:
                run = _TEXT_RUN_RE.match(self.source, self.pos)
                assert run is not None
                self._append(run.group())
                self.pos = run.end()
        if self.stack:
            raise HtmlError(
                f'Can\'t find end tag corresponding to start tag "{self.stack[-1].name}"'
            )
        self.entities.sort(key=lambda entity: (entity["offset"], -entity["length"]))
        return "".join(self.pieces), self.entities

    def _append(self, text: str) -> None:
        self.pieces.append(text)
        self.length += utf16_length(text)

    def _byte_offset(self, pos: int) -> int:
        return len(self.source[:pos].encode("utf-8"))

    @staticmethod
    def _entity(text: str, pos: int, where: str) -> tuple[str, int]:
        """Decode the character reference at text[pos] and return it with the position after."""
        match = _ENTITY_RE.match(text, pos)
        if match is None:
            raise HtmlError(f'Unescaped "&" {where}: use "&amp;"')
        decimal, hexadecimal, name = match.groups()
        if name is not None:
            if name not in _NAMED_ENTITIES:
                raise HtmlError(f'Unsupported HTML entity "{match.group()}" {where}')
            return _NAMED_ENTITIES[name], match.end()
        code_point = int(decimal) if decimal is not None else int(hexadecimal, 16)
        if not 0 < code_point <= 0x10FFFF or 0xD800 <= code_point <= 0xDFFF:
            raise HtmlError(f'Invalid character reference "{match.group()}" {where}')
        return chr(code_point), match.end()

    def _attribute_value(self, raw: str, where: str) -> str:
        if raw[:1] in ("'", '"'):
            raw = raw[1:-1]
        pieces = []
        pos = 0
        while (amp := raw.find("&", pos)) != -1:
            pieces.append(raw[pos:amp])
            decoded, pos = self._entity(raw, amp, where)
            pieces.append(decoded)
        pieces.append(raw[pos:])
        return "".join(pieces)

    def _start_tag(self) -> None:
        at = self._byte_offset(self.pos)
        name_match = _TAG_NAME_RE.match(self.source, self.pos + 1)
        if name_match is None:
            raise HtmlError(f'Unescaped "<" at byte offset {at}: use "&lt;"')
        name = name_match.group().lower()
        if name not in _TAG_ENTITY_TYPES:
            raise HtmlError(f'Unsupported start tag "{name}" at byte offset {at}')
        pos = name_match.end()
        attributes: dict[str, str] = {}
        while attribute := _ATTRIBUTE_RE.match(self.source, pos):
            value = self._attribute_value(attribute[2] or "", f"in tag at byte offset {at}")
            attributes[attribute[1].lower()] = value
            pos = attribute.end()
        tag_end = _START_TAG_END_RE.match(self.source, pos)
        if tag_end is None:
            raise HtmlError(f'Can\'t parse start tag "{name}" at byte offset {at}')
        self.pos = tag_end.end()
        entity = self._tag_entity(name, attributes, at)
        self.stack.append(_OpenTag(name, self.length, entity))

    def _tag_entity(self, name: str, attributes: dict[str, str], at: int) -> dict[str, Any] | None:
        entity_type = _TAG_ENTITY_TYPES[name]
        if name == "span" and attributes.get("class") != "tg-spoiler":
            raise HtmlError(f'Tag "span" must have class "tg-spoiler" at byte offset {at}')
        if name == "a":
            url = attributes.get("href", "")
            return {"type": entity_type, "url": url} if url else None
        if name == "tg-emoji":
            emoji_id = attributes.get("emoji-id", "")
            if not emoji_id.isdigit():
                raise HtmlError(
                    f"Custom emoji entity must have a valid emoji-id at byte offset {at}"
                )
            return {"type": entity_type, "custom_emoji_id": emoji_id}
        if name == "blockquote" and "expandable" in attributes:
            return {"type": "expandable_blockquote"}
        if name == "code" and self.stack and self.stack[-1].name == "pre":
            # <pre><code class="language-x"> is one pre entity that carries the language.
            css_class = attributes.get("class", "")
            pre_entity = self.stack[-1].entity
            if css_class.startswith("language-") and pre_entity is not None:
                pre_entity["language"] = css_class.removeprefix("language-")
            return None
        return {"type": entity_type}

    def _end_tag(self) -> None:
        at = self._byte_offset(self.pos)
        match = _END_TAG_RE.match(self.source, self.pos)
        if match is None:
            raise HtmlError(f"Can't parse end tag at byte offset {at}")
        name = match[1].lower()
        if not self.stack:
            raise HtmlError(f'Unexpected end tag "</{name}>" at byte offset {at}')
        open_tag = self.stack.pop()
        if open_tag.name != name:
            raise HtmlError(
                f'Unmatched end tag at byte offset {at}, expected "</{open_tag.name}>",'
                f' found "</{name}>"'
            )
        self.pos = match.end()
        if open_tag.entity is not None and self.length > open_tag.offset:
            self.entities.append(
                {
                    "offset": open_tag.offset,
                    "length": self.length - open_tag.offset,
                    **open_tag.entity,
                }
            )


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    """Parse Telegram HTML into (plain text, entities); raise HtmlError where Telegram would."""
    return _HtmlParser(source).run()


def _strip_formatted(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict]]:
    """Trim surrounding whitespace like Telegram does, moving and clipping entities to match."""
    left_trimmed = text.lstrip()
    shift = utf16_length(text) - utf16_length(left_trimmed)
    stripped = left_trimmed.rstrip()
    total = utf16_length(stripped)
    kept = []
    for entity in entities:
        start = max(entity["offset"] - shift, 0)
        end = min(entity["offset"] + entity["length"] - shift, total)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return stripped, kept


def _decode_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """Decode JSON-encoded values of structured fields, leaving free text untouched."""
    decoded = dict(params)
    for name, value in params.items():
        # A value that is not JSON, like chat_id="@channel", is taken as the string it is.
        if name in JSON_FIELDS and isinstance(value, str):
            with contextlib.suppress(ValueError):
                decoded[name] = json.loads(value)
    return decoded


def _parse_body(content_type: str, body: bytes) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
    """Parse a urlencoded, multipart or JSON request body into (params, uploaded files)."""
    media_type = content_type.split(";", 1)[0].strip().lower()
    if not body:
        return {}, {}
    if media_type == "application/json":
        payload = json.loads(body)
        if not isinstance(payload, dict):
            raise ValueError("the JSON body is not an object")
        return payload, {}
    if media_type == "multipart/form-data":
        return _parse_multipart(content_type, body)
    return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True)), {}


def _parse_multipart(
    content_type: str, body: bytes
) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
    head = f"Content-Type: {content_type}\r\n\r\n".encode("latin-1")
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    if not message.is_multipart():
        raise ValueError("malformed multipart body")
    params: dict[str, Any] = {}
    files: dict[str, UploadedFile] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True) or b""
        file_name = part.get_filename()
        if file_name is None:
            params[name] = payload.decode("utf-8")
        else:
            files[name] = UploadedFile(file_name, payload, part.get_content_type())
    return params, files


FAULTS = {
    "429": (429, "Too Many Requests: retry after {retry_after}"),
    "500": (500, "Internal Server Error"),
    "502": (502, "Bad Gateway"),
    "not_modified": (400, NOT_MODIFIED),
    "query_too_old": (400, QUERY_INVALID),
    "blocked": (403, "Forbidden: bot was blocked by the user"),
    "conflict": (
        409,
        "Conflict: terminated by other getUpdates request;"
        " make sure that only one bot instance is running",
    ),
    "slow": (0, ""),
    "drop": (0, ""),
}


@dataclass(frozen=True)
class Fault:
    """A failure scheduled for a call (see `FakeTelegram.inject`)."""

    method: str
    kind: str
    chat_id: int | None
    retry_after: int
    seconds: float


class FakeTelegram:
    """Thread-safe state of a fake Telegram server, and the user side that tests drive."""

    def __init__(self, token: str = DEFAULT_TOKEN):
        self.token = token
        self.bot_user: dict[str, Any] = {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "Coverage Bot",
            "username": BOT_USERNAME,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.errors: list[tuple[str, str]] = []
        self.tokens_seen: set[str] = set()
        self.answered_callbacks: list[dict[str, Any]] = []
        self.documents: list[SentDocument] = []
        self.photos: list[SentDocument] = []
        self.chat_actions: list[tuple[int, str]] = []
        self.deleted_messages: list[tuple[int, int]] = []
        self.dropped_updates: list[dict[str, Any]] = []
        self.faults_fired: list[tuple[str, str]] = []
        self.webhook: dict[str, Any] | None = None
        self._faults: list[Fault] = []
        self._cond = threading.Condition(threading.RLock())
        self._updates: list[dict[str, Any]] = []
        self._next_update_id = 1
        self._allowed_updates: frozenset[str] | None = None
        self._chats: dict[int, dict[str, Any]] = {}
        self._users: dict[int, dict[str, Any]] = {}
        self._history: dict[int, list[dict[str, Any]]] = {}
        self._next_message_id: dict[int, int] = {}
        self._callbacks: dict[str, bool] = {}
        self._next_callback_id = 1
        self._files: dict[str, tuple[dict[str, Any], bytes]] = {}
        self._commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._handlers: dict[str, Callable[[dict[str, Any], dict[str, UploadedFile]], Any]] = {
            "getme": lambda params, files: self.bot_user,
            "deletewebhook": self._delete_webhook,
            "setwebhook": self._set_webhook,
            "setmycommands": self._set_my_commands,
            "getmycommands": self._get_my_commands,
            "deletemycommands": self._delete_my_commands,
            "sendmessage": self._send_message,
            "editmessagetext": self._edit_message_text,
            "editmessagereplymarkup": self._edit_message_reply_markup,
            "answercallbackquery": self._answer_callback_query,
            "senddocument": self._send_document,
            "sendphoto": self._send_photo,
            "deletemessage": self._delete_message,
            "sendchataction": self._send_chat_action,
            "close": lambda params, files: True,
            "logout": lambda params, files: True,
        }

    def call(
        self,
        method: str,
        params: Mapping[str, Any] | None = None,
        files: Mapping[str, UploadedFile] | None = None,
        *,
        token: str | None = None,
        cancel: threading.Event | None = None,
    ) -> tuple[int, dict[str, Any]]:
        """Handle one Bot API call; return (HTTP status, response JSON). Blocks for long polls."""
        params = _decode_params(params or {})
        files = dict(files or {})
        with self._cond:
            recorded = dict(params)
            for name, upload in files.items():
                recorded[name] = {"file_name": upload.file_name, "size": len(upload.data)}
            self.calls.append((method, recorded))
            # Waiters may be watching for the call itself (a long poll starting), not its result.
            self._cond.notify_all()
            if token is not None:
                self.tokens_seen.add(token)
            try:
                if token is not None and token != self.token:
                    raise ApiError(401, "Unauthorized")
                if method.lower() == "getupdates":
                    result = self._get_updates(params, cancel)
                elif method.lower() in self._handlers:
                    result = self._handlers[method.lower()](params, files)
                else:
                    raise ApiError(404, "Not Found: method not found")
            except ApiError as error:
                self.errors.append((method, error.description))
                response = {"ok": False, "error_code": error.code, "description": error.description}
                status = error.code
            else:
                response = {"ok": True, "result": copy.deepcopy(result)}
                status = 200
            self._cond.notify_all()
            return status, response

    def inject(
        self,
        method: str,
        kind: str,
        *,
        times: int = 1,
        chat_id: int | None = None,
        retry_after: int = 1,
        seconds: float = 6.0,
    ) -> None:
        """Make the next `times` calls of `method` (to `chat_id`, if given) fail like Telegram can.

        Kinds: "429" (with retry_after), "500", "502", "slow" (answer after `seconds`, past the
        client's timeout), "drop" (close the connection unanswered), "not_modified",
        "query_too_old", "blocked" (403), "conflict" (409, another instance polling).
        Served over HTTP only.
        """
        if kind not in FAULTS:
            raise ValueError(f"unknown fault {kind!r}")
        with self._cond:
            self._faults += [Fault(method.lower(), kind, chat_id, retry_after, seconds)] * times

    def take_fault(self, method: str, params: Mapping[str, Any]) -> Fault | None:
        """The first scheduled fault for this call, removed from the schedule."""
        chat = _decode_params(params).get("chat_id")
        with self._cond:
            for fault in self._faults:
                if fault.method == method.lower() and fault.chat_id in (None, chat):
                    self._faults.remove(fault)
                    self.faults_fired.append((method, fault.kind))
                    return fault
        return None

    def clear_faults(self) -> None:
        """Cancel every scheduled fault that has not fired yet."""
        with self._cond:
            self._faults.clear()

    def faults_pending(self) -> int:
        """How many scheduled faults have not fired yet."""
        with self._cond:
            return len(self._faults)

    def wake(self) -> None:
        """Wake threads blocked in getUpdates or wait_for so they re-check their condition."""
        with self._cond:
            self._cond.notify_all()

    def _get_updates(
        self, params: dict[str, Any], cancel: threading.Event | None
    ) -> list[dict[str, Any]]:
        offset = self._int_param(params, "offset", required=False) or 0
        limit = min(max(self._int_param(params, "limit", required=False) or 100, 1), 100)
        timeout = params.get("timeout") or 0
        if not isinstance(timeout, int | float) or isinstance(timeout, bool):
            raise ApiError(400, "Bad Request: invalid timeout specified")
        if "allowed_updates" in params:
            allowed = params["allowed_updates"]
            if not isinstance(allowed, list):
                raise ApiError(400, "Bad Request: can't parse allowed updates")
            self._allowed_updates = frozenset(allowed) or None
            self._drop_unwanted_updates()
        # Like Telegram: a positive offset confirms every earlier update, a negative one keeps
        # only that many of the newest updates.
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]
        self._cond.wait_for(
            lambda: self._updates or (cancel is not None and cancel.is_set()),
            min(max(float(timeout), 0.0), MAX_POLL_TIMEOUT),
        )
        return self._updates[:limit]

    def _drop_unwanted_updates(self) -> None:
        wanted = []
        for update in self._updates:
            (wanted if self._is_wanted(update) else self.dropped_updates).append(update)
        self._updates = wanted

    def _is_wanted(self, update: dict[str, Any]) -> bool:
        return self._allowed_updates is None or _update_type(update) in self._allowed_updates

    def _set_webhook(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> bool:
        if not str(params.get("url", "")).startswith("https://"):
            raise ApiError(400, "Bad Request: bad webhook: HTTPS url must be provided for webhook")
        self.webhook = {k: v for k, v in params.items() if k in ("url", "secret_token")}
        return True

    def _delete_webhook(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> bool:
        if params.get("drop_pending_updates"):
            self.dropped_updates.extend(self._updates)
            self._updates = []
        return True

    def _set_my_commands(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise ApiError(400, "Bad Request: can't parse commands JSON object")
        for command in commands:
            if not isinstance(command, dict):
                raise ApiError(400, "Bad Request: can't parse BotCommand JSON object")
            if not _BOT_COMMAND_NAME_RE.fullmatch(str(command.get("command", ""))):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            description = str(command.get("description", "")).strip()
            if not 1 <= len(description) <= 256:
                raise ApiError(400, "Bad Request: command description is empty or too long")
        self._commands[_commands_key(params)] = commands
        return True

    def _delete_my_commands(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> bool:
        self._commands.pop(_commands_key(params), None)
        return True

    def _get_my_commands(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> list:
        return self._commands.get(_commands_key(params), [])

    def _send_message(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> dict:
        chat = self._chat_param(params)
        text, entities = self._formatted(params, "text", "parse_mode", "entities")
        fields: dict[str, Any] = {"text": text}
        if entities:
            fields["entities"] = entities
        return self._store_bot_message(chat, fields, self._inline_markup(params))

    def _edit_message_text(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> dict:
        message = self._editable_message(params)
        if "text" not in message:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        text, entities = self._formatted(params, "text", "parse_mode", "entities")
        markup = self._inline_markup(params)
        if (
            text == message["text"]
            and entities == message.get("entities", [])
            and markup == message.get("reply_markup")
        ):
            raise ApiError(400, NOT_MODIFIED)
        message["text"] = text
        message.pop("entities", None)
        if entities:
            message["entities"] = entities
        return self._finish_edit(message, markup)

    def _edit_message_reply_markup(
        self, params: dict[str, Any], files: dict[str, UploadedFile]
    ) -> dict:
        message = self._editable_message(params)
        markup = self._inline_markup(params)
        if markup == message.get("reply_markup"):
            raise ApiError(400, NOT_MODIFIED)
        return self._finish_edit(message, markup)

    def _finish_edit(self, message: dict[str, Any], markup: dict[str, Any] | None) -> dict:
        # Like Telegram, an edit that leaves out reply_markup removes the keyboard.
        message.pop("reply_markup", None)
        if markup is not None:
            message["reply_markup"] = markup
        message["edit_date"] = int(time.time())
        return message

    def _answer_callback_query(
        self, params: dict[str, Any], files: dict[str, UploadedFile]
    ) -> bool:
        query_id = params.get("callback_query_id")
        if self._callbacks.get(str(query_id)) is not False:
            raise ApiError(400, QUERY_INVALID)
        if len(str(params.get("text", ""))) > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        self._callbacks[str(query_id)] = True
        self.answered_callbacks.append(dict(params))
        return True

    def _send_document(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> dict:
        chat = self._chat_param(params)
        document, data = self._document_param(params, files)
        caption, entities = self._formatted(
            params, "caption", "parse_mode", "caption_entities", caption=True
        )
        fields: dict[str, Any] = {"document": document}
        if caption:
            fields["caption"] = caption
        if entities:
            fields["caption_entities"] = entities
        message = self._store_bot_message(chat, fields, self._inline_markup(params))
        self.documents.append(
            SentDocument(
                chat["id"],
                message["message_id"],
                document["file_name"],
                document["mime_type"],
                data,
            )
        )
        return message

    def _send_photo(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> dict:
        """A photo: a PNG or JPEG of at most 10 MB, width and height adding up to at most
        10,000 pixels, neither side over 20 times the other (Telegram's limits)."""
        chat = self._chat_param(params)
        document, data = self._document_param(params, files, field="photo")
        if len(data) > MAX_PHOTO_BYTES:
            raise ApiError(400, "Bad Request: PHOTO_INVALID_DIMENSIONS")
        width, height = _image_size(data)
        if width + height > 10_000 or max(width, height) > 20 * min(width, height):
            raise ApiError(400, "Bad Request: PHOTO_INVALID_DIMENSIONS")
        caption, entities = self._formatted(
            params, "caption", "parse_mode", "caption_entities", caption=True
        )
        photo = {
            "file_id": document["file_id"],
            "file_unique_id": document["file_unique_id"],
            "width": width,
            "height": height,
            "file_size": document["file_size"],
        }
        fields: dict[str, Any] = {"photo": [photo]}
        if caption:
            fields["caption"] = caption
        if entities:
            fields["caption_entities"] = entities
        message = self._store_bot_message(chat, fields, self._inline_markup(params))
        self.photos.append(
            SentDocument(chat["id"], message["message_id"], document["file_name"], "image", data)
        )
        return message

    def _document_param(
        self, params: dict[str, Any], files: dict[str, UploadedFile], field: str = "document"
    ) -> tuple[dict[str, Any], bytes]:
        reference = params.get(field)
        if isinstance(reference, str) and reference.startswith("attach://"):
            upload = files.get(reference.removeprefix("attach://"))
        else:
            upload = files.get(field)
        if upload is None:
            if isinstance(reference, str) and reference in self._files:
                return self._files[reference]
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        if not upload.data:
            raise ApiError(400, "Bad Request: file must be non-empty")
        number = len(self._files) + 1
        document = {
            "file_name": upload.file_name,
            "mime_type": upload.mime_type,
            "file_id": f"BQACAgIAAxkDAAI{number:08d}",
            "file_unique_id": f"AgADd{number:06d}",
            "file_size": len(upload.data),
        }
        self._files[document["file_id"]] = (document, upload.data)
        return document, upload.data

    def _delete_message(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> bool:
        chat = self._chat_param(params)
        message_id = self._int_param(params, "message_id")
        history = self._history[chat["id"]]
        for index, message in enumerate(history):
            if message["message_id"] == message_id:
                del history[index]
                self.deleted_messages.append((chat["id"], message_id))
                return True
        raise ApiError(400, "Bad Request: message to delete not found")

    def _send_chat_action(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> bool:
        chat = self._chat_param(params)
        action = params.get("action")
        if action not in CHAT_ACTIONS:
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        self.chat_actions.append((chat["id"], action))
        return True

    @staticmethod
    def _int_param(params: dict[str, Any], name: str, *, required: bool = True) -> int | None:
        value = params.get(name)
        if value is None or value == "":
            if required:
                raise ApiError(400, f"Bad Request: {name} is empty")
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise ApiError(400, f"Bad Request: invalid {name} specified")
        return value

    def _chat_param(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise ApiError(400, "Bad Request: chat_id is empty")
        if not isinstance(chat_id, int) or chat_id not in self._chats:
            raise ApiError(400, "Bad Request: chat not found")
        return self._chats[chat_id]

    def _editable_message(self, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("inline_message_id"):
            raise ApiError(400, "Bad Request: message to edit not found")
        chat = self._chat_param(params)
        message_id = self._int_param(params, "message_id")
        message = self._find_message(chat["id"], message_id)
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        if message["from"]["id"] != BOT_ID:
            raise ApiError(400, "Bad Request: message can't be edited")
        return message

    @staticmethod
    def _formatted(
        params: dict[str, Any],
        text_field: str,
        mode_field: str,
        entities_field: str,
        *,
        caption: bool = False,
    ) -> tuple[str, list[dict[str, Any]]]:
        """Validate a text or caption like Telegram; return the plain text and its entities."""
        raw = params.get(text_field)
        if raw is None and caption:
            return "", []
        raw = "" if raw is None else str(raw)
        mode = str(params.get(mode_field) or "")
        if mode.lower() == "html":
            try:
                text, entities = parse_html(raw)
            except HtmlError as error:
                raise ApiError(400, f"Bad Request: can't parse entities: {error}") from None
        elif mode.lower() in ("", "markdown", "markdownv2"):
            # Markdown is passed through unvalidated; only HTML is checked strictly.
            text, entities = raw, list(params.get(entities_field) or [])
        else:
            raise ApiError(400, f"Bad Request: unsupported parse_mode {mode!r}")
        text, entities = _strip_formatted(text, entities)
        if not text and not caption:
            raise ApiError(400, "Bad Request: message text is empty")
        limit = MAX_CAPTION_LENGTH if caption else MAX_TEXT_LENGTH
        if utf16_length(text) > limit:
            what = "message caption" if caption else "message"
            raise ApiError(400, f"Bad Request: {what} is too long")
        return text, entities

    @staticmethod
    def _inline_markup(params: dict[str, Any]) -> dict[str, Any] | None:
        """Validate reply_markup; return the inline keyboard to store on the message, if any."""
        markup = params.get("reply_markup")
        if markup is None or markup == "":
            return None
        if not isinstance(markup, dict):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        if "inline_keyboard" not in markup:
            # Reply keyboards and keyboard removals are accepted but are not part of a message.
            return None
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise ApiError(400, "Bad Request: can't parse inline keyboard markup JSON object")
        rows = [row for row in rows if row]
        for button in (button for row in rows for button in row):
            _validate_inline_button(button)
        return {"inline_keyboard": rows} if rows else None

    def _allocate_message_id(self, chat_id: int) -> int:
        message_id = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = message_id + 1
        return message_id

    def _store_bot_message(
        self, chat: dict[str, Any], fields: dict[str, Any], markup: dict[str, Any] | None
    ) -> dict[str, Any]:
        sender = {key: self.bot_user[key] for key in ("id", "is_bot", "first_name", "username")}
        message = {
            "message_id": self._allocate_message_id(chat["id"]),
            "from": sender,
            "chat": dict(chat),
            "date": int(time.time()),
            **fields,
        }
        if markup is not None:
            message["reply_markup"] = markup
        self._history[chat["id"]].append(message)
        return message

    def _find_message(self, chat_id: int, message_id: int | None) -> dict[str, Any] | None:
        for message in self._history.get(chat_id, []):
            if message["message_id"] == message_id:
                return message
        return None

    def _register_chat(self, chat: dict[str, Any]) -> None:
        self._chats.setdefault(chat["id"], dict(chat))
        self._history.setdefault(chat["id"], [])

    def _queue(self, payload: dict[str, Any]) -> int:
        update = {"update_id": self._next_update_id, **copy.deepcopy(payload)}
        self._next_update_id += 1
        if self._is_wanted(update):
            self._updates.append(update)
        else:
            self.dropped_updates.append(update)
        self._cond.notify_all()
        return update["update_id"]

    def _user(self, user_id: int, first_name: str) -> dict[str, Any]:
        return self._users.setdefault(
            user_id,
            {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "en"},
        )

    def send_message(
        self,
        user_id: int,
        *,
        chat_type: str = "private",
        chat_id: int | None = None,
        first_name: str = "Test",
        **fields: Any,
    ) -> int:
        """Queue a `message` update from the user with the given content fields (text, photo...)."""
        chat_id = user_id if chat_id is None else chat_id
        if chat_type == "private" and chat_id != user_id:
            raise ValueError("a private chat's id is the user's id")
        with self._cond:
            user = self._user(user_id, first_name)
            if chat_type == "private":
                chat = {"id": chat_id, "first_name": user["first_name"], "type": chat_type}
            else:
                chat = {"id": chat_id, "title": "Test group", "type": chat_type}
            self._register_chat(chat)
            message = {
                "message_id": self._allocate_message_id(chat_id),
                "from": dict(user),
                "chat": dict(self._chats[chat_id]),
                "date": int(time.time()),
                **fields,
            }
            self._history[chat_id].append(message)
            return self._queue({"message": message})

    def send_text(
        self,
        user_id: int,
        text: str,
        *,
        chat_type: str = "private",
        chat_id: int | None = None,
        first_name: str = "Test",
    ) -> int:
        """Queue a text message from the user, marking a leading /command like Telegram does."""
        fields: dict[str, Any] = {"text": text}
        if command := _COMMAND_RE.match(text):
            length = utf16_length(command.group())
            fields["entities"] = [{"offset": 0, "length": length, "type": "bot_command"}]
        return self.send_message(
            user_id, chat_type=chat_type, chat_id=chat_id, first_name=first_name, **fields
        )

    def send_update(self, update: dict[str, Any]) -> int:
        """Queue a raw update (without update_id); chats, messages and callback ids in it count."""
        with self._cond:
            payload = copy.deepcopy(update)
            for value in payload.values():
                if not isinstance(value, dict):
                    continue
                if isinstance(value.get("from"), dict):
                    self._users.setdefault(value["from"]["id"], dict(value["from"]))
                chat = value.get("chat") or (value.get("message") or {}).get("chat")
                if isinstance(chat, dict):
                    self._register_chat(chat)
            if isinstance(payload.get("message"), dict) and "message_id" in payload["message"]:
                message = payload["message"]
                chat_id = message["chat"]["id"]
                self._history[chat_id].append(copy.deepcopy(message))
                self._next_message_id[chat_id] = max(
                    self._next_message_id.get(chat_id, 1), message["message_id"] + 1
                )
            if isinstance(payload.get("callback_query"), dict):
                self._callbacks.setdefault(str(payload["callback_query"]["id"]), False)
            return self._queue(payload)

    def press(
        self,
        user_id: int,
        label_or_data: str,
        *,
        message_id: int | None = None,
        chat_id: int | None = None,
    ) -> int:
        """Press an inline button, found by text or callback_data, in the newest keyboard."""
        chat_id = user_id if chat_id is None else chat_id
        with self._cond:
            message = self._keyboard_message(chat_id, message_id)
            if message is None:
                where = f"message {message_id}" if message_id is not None else "any bot message"
                raise AssertionError(
                    f"no inline keyboard on {where} in chat {chat_id}\n{self._dump()}"
                )
            buttons = [b for row in message["reply_markup"]["inline_keyboard"] for b in row]
            matches = [b for b in buttons if b["text"] == label_or_data] or [
                b for b in buttons if b.get("callback_data") == label_or_data
            ]
            available = [(b["text"], b.get("callback_data")) for b in buttons]
            if not matches:
                raise AssertionError(
                    f"no button {label_or_data!r} on message {message['message_id']} in chat"
                    f" {chat_id}; available (text, callback_data): {available}"
                )
            if "callback_data" not in matches[0]:
                raise AssertionError(f"button {label_or_data!r} has no callback_data: {matches[0]}")
            return self._queue_callback(user_id, message, matches[0]["callback_data"])

    def press_data(
        self, user_id: int, data: str, message_id: int, *, chat_id: int | None = None
    ) -> int:
        """Queue a callback query with arbitrary (possibly forged) data on a bot message."""
        chat_id = user_id if chat_id is None else chat_id
        with self._cond:
            message = self._find_message(chat_id, message_id)
            if message is None:
                raise AssertionError(f"no message {message_id} in chat {chat_id}")
            return self._queue_callback(user_id, message, data)

    def _queue_callback(self, user_id: int, message: dict[str, Any], data: str) -> int:
        query_id = str(4_000_000_000_000_000 + self._next_callback_id)
        self._next_callback_id += 1
        self._callbacks[query_id] = False
        query = {
            "id": query_id,
            "from": dict(self._user(user_id, "Test")),
            "message": copy.deepcopy(message),
            "chat_instance": str(-7_000_000_000_000_000 - message["chat"]["id"]),
            "data": data,
        }
        return self._queue({"callback_query": query})

    def _keyboard_message(self, chat_id: int, message_id: int | None) -> dict[str, Any] | None:
        for message in reversed(self._history.get(chat_id, [])):
            if message_id is not None and message["message_id"] != message_id:
                continue
            if message["from"]["id"] == BOT_ID and "reply_markup" in message:
                return message
        return None

    @property
    def commands(self) -> list[dict[str, Any]]:
        """The command list set for the default scope and language."""
        return self.commands_for() or []

    def commands_for(
        self, language_code: str = "", chat_id: int | None = None
    ) -> list[dict[str, Any]] | None:
        """The command list set for users whose app is in a language (the default scope), or
        for one chat (its own scope); None if none was set."""
        scope = {"type": "chat", "chat_id": chat_id} if chat_id is not None else None
        with self._cond:
            found = self._commands.get(
                _commands_key({"language_code": language_code, "scope": scope})
            )
            return copy.deepcopy(found)

    def set_language(self, user_id: int, language_code: str) -> None:
        """The language the user's Telegram app is set to (sent as `from.language_code`)."""
        with self._cond:
            self._user(user_id, "Test")["language_code"] = language_code

    def history(self, chat_id: int) -> list[dict[str, Any]]:
        """All messages in the chat, the user's and the bot's, oldest first."""
        with self._cond:
            return copy.deepcopy(self._history.get(chat_id, []))

    def messages(self, chat_id: int) -> list[dict[str, Any]]:
        """The bot's messages in the chat, oldest first."""
        return [m for m in self.history(chat_id) if m["from"]["id"] == BOT_ID]

    def last_text(self, chat_id: int) -> str:
        """Text (or caption) of the bot's newest message in the chat."""
        messages = self.messages(chat_id)
        if not messages:
            raise AssertionError(f"the bot has sent nothing to chat {chat_id}")
        return messages[-1].get("text", messages[-1].get("caption", ""))

    def buttons(self, chat_id: int, message_id: int | None = None) -> list[tuple[str, Any]]:
        """(text, callback_data) of each button on the newest (or given) bot keyboard message."""
        with self._cond:
            message = self._keyboard_message(chat_id, message_id)
            if message is None:
                return []
            rows = message["reply_markup"]["inline_keyboard"]
            return [(b["text"], b.get("callback_data")) for row in rows for b in row]

    def pending_updates(self) -> int:
        """Number of queued updates the bot has not confirmed yet."""
        with self._cond:
            return len(self._updates)

    def wait_for(self, predicate: Callable[[FakeTelegram], Any], timeout: float = 10.0) -> Any:
        """Block until predicate(fake) is truthy and return its value; TimeoutError otherwise."""
        failures: list[AssertionError] = []

        def check() -> Any:
            # An assertion inside the predicate (say, last_text before any message) means "not
            # yet"; it is reported if the wait times out.
            failures.clear()
            try:
                return predicate(self)
            except AssertionError as error:
                failures.append(error)
                return False

        with self._cond:
            result = self._cond.wait_for(check, timeout)
            if not result:
                reason = f" (last assertion: {failures[0]})" if failures else ""
                raise TimeoutError(f"condition not met within {timeout}s{reason}\n{self._dump()}")
            return result

    def wait_for_bot_messages(
        self, chat_id: int, count: int, timeout: float = 10.0
    ) -> list[dict[str, Any]]:
        """Wait until the bot has sent at least count messages to the chat; return them all."""
        self.wait_for(lambda fake: len(fake.messages(chat_id)) >= count, timeout)
        return self.messages(chat_id)

    def _dump(self) -> str:
        lines = ["Recent messages:"]
        for chat_id, history in self._history.items():
            for message in history[-6:]:
                who = "bot" if message["from"]["id"] == BOT_ID else "user"
                content = message.get("text", message.get("caption", "<no text>"))
                line = f"  chat {chat_id} #{message['message_id']} {who}: {content!r}"
                if "reply_markup" in message:
                    rows = message["reply_markup"]["inline_keyboard"]
                    line += (
                        f" buttons={[(b['text'], b.get('callback_data')) for r in rows for b in r]}"
                    )
                lines.append(line)
        lines.append(f"Errors: {self.errors}")
        recent = [method for method, _ in self.calls if method.lower() != "getupdates"][-10:]
        lines.append(f"Recent calls (without getUpdates): {recent}")
        lines.append(f"Pending updates: {len(self._updates)}")
        return "\n".join(lines)


def _update_type(update: dict[str, Any]) -> str:
    return next(key for key in update if key != "update_id")


def _commands_key(params: dict[str, Any]) -> tuple[str, str]:
    scope = params.get("scope") or {"type": "default"}
    if isinstance(scope, str):
        scope = json.loads(scope)
    return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")


def _validate_inline_button(button: Any) -> None:
    if not isinstance(button, dict):
        raise ApiError(400, "Bad Request: can't parse inline keyboard button JSON object")
    if not str(button.get("text", "")).strip():
        raise ApiError(400, "Bad Request: text buttons are unallowed in the inline keyboard")
    if not any(action in button for action in INLINE_BUTTON_ACTIONS):
        raise ApiError(400, "Bad Request: text buttons are unallowed in the inline keyboard")
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA_BYTES:
            raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
    if "url" in button and not _URL_RE.fullmatch(str(button["url"])):
        raise ApiError(400, "Bad Request: BUTTON_URL_INVALID")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Closing must not wait for handler threads still sitting in a long poll.
    block_on_close = False

    def __init__(self, fake: FakeTelegram):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up on a long poll has closed its socket before the answer.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        """Answer one Bot API request."""
        url = urlsplit(self.path)
        match = _PATH_RE.search(url.path)
        if match is None:
            self._reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
            return
        try:
            body = self._body()
        except ConnectionError:
            self.close_connection = True
            return
        try:
            body_params, files = _parse_body(self.headers.get("Content-Type", ""), body)
        except (ValueError, UnicodeDecodeError) as error:
            description = f"Bad Request: can't parse request body: {error}"
            self._reply(400, {"ok": False, "error_code": 400, "description": description})
            return
        params = dict(parse_qsl(url.query, keep_blank_values=True)) | body_params
        fault = self.server.fake.take_fault(match[2], params)
        if fault is not None and fault.kind == "drop":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if fault is not None and fault.kind == "slow":
            time.sleep(fault.seconds)  # then answer as usual: the work is done, like Telegram
        elif fault is not None:
            code, description = FAULTS[fault.kind]
            response = {"ok": False, "error_code": code, "description": description}
            if fault.kind == "429":
                response["description"] = description.format(retry_after=fault.retry_after)
                response["parameters"] = {"retry_after": fault.retry_after}
            self._reply(code, response)
            return
        status, response = self.server.fake.call(match[2], params, files, token=unquote(match[1]))
        self._reply(status, response)

    do_GET = do_POST

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while size := int(self.rfile.readline().split(b";")[0].strip(), 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass
            return b"".join(chunks)
        expected = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(expected)
        if len(body) < expected:
            # The client died mid-request: Telegram would never see it, so neither do we.
            raise ConnectionError("request cut off")
        return body

    def _reply(self, status: int, response: dict[str, Any]) -> None:
        body = json.dumps(response).encode()
        self.send_response(status, HTTPStatus(status).phrase)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet; the fake records every call itself."""


class StandInServer:
    """Serves a FakeTelegram as the Bot API over HTTP on 127.0.0.1 with a random free port."""

    def __init__(self, fake: FakeTelegram):
        self.fake = fake
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """Root URL of the server, like http://127.0.0.1:PORT; the bot uses it + "/bot"."""
        if self._httpd is None:
            raise RuntimeError("the stand-in server is not running")
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> StandInServer:
        """Start serving in a daemon thread."""
        self._httpd = _Server(self.fake)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="telegram-standin",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the listening socket."""
        if self._httpd is None or self._thread is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()
        self._httpd = None
        self._thread = None

    def __enter__(self) -> StandInServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


class StandInRequest(BaseRequest):
    """A python-telegram-bot request backend that routes Bot API calls to a FakeTelegram."""

    def __init__(self, fake: FakeTelegram, read_timeout: float | None = 5.0):
        self.fake = fake
        self._read_timeout = read_timeout

    @property
    def read_timeout(self) -> float | None:
        """Default read timeout, which python-telegram-bot adds to long-poll timeouts."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Nothing to set up: the fake lives in this process."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Run the call against the fake in a worker thread and return (status, JSON bytes)."""
        match = _PATH_RE.search(urlsplit(url).path)
        if match is None:
            body = {"ok": False, "error_code": 404, "description": "Not Found"}
            return 404, json.dumps(body).encode()
        params = request_data.json_parameters if request_data else {}
        files = {
            name: _upload_from_field(field)
            for name, field in (request_data.multipart_data if request_data else {}).items()
        }
        cancel = threading.Event()
        try:
            status, response = await asyncio.to_thread(
                self.fake.call, match[2], params, files, token=unquote(match[1]), cancel=cancel
            )
        except asyncio.CancelledError:
            # Release a long poll at once, so the worker thread does not outlive the event loop.
            cancel.set()
            self.fake.wake()
            raise
        return status, json.dumps(response).encode()


def _upload_from_field(field: tuple[Any, ...]) -> UploadedFile:
    file_name, content, mime_type = field
    data = content if isinstance(content, bytes) else content.read()
    return UploadedFile(file_name, data, mime_type)
