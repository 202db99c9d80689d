"""The Telegram channel: python-telegram-bot updates in, rendered HTML replies out.

Usage:
    TELEGRAM_BOT_TOKEN=123:abc python -m bot

Private chats only: in a group the bot says once that it works in private chat,
and stores nothing. Every answer is saved (see `Conversation`) before the reply
to it is sent.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, Conflict, NetworkError, TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.channels import webhook
from bot.channels.delivery import REPLY, BroadcastLimiter, with_retries
from bot.channels.inbox import Inbox, InboxQueue
from bot.channels.ordering import PerUserOrder
from bot.config import Settings
from bot.conversation import Conversation
from bot.documents import PNG
from bot.engine import (
    DeliverDue,
    Event,
    Reply,
    Text,
    Unsupported,
    command,
    decode,
)
from bot.languages import ENGLISH, LANGUAGES, from_telegram
from bot.postgres import PostgresInbox
from bot.reminders import last_due_day
from bot.render import Keyboard, Renderer, split_message

log = logging.getLogger(__name__)
TELEGRAM_MAX_RATE = 30
"""Messages per second Telegram accepts from one bot when it sends on its own (reminders,
`BroadcastLimiter`); 0 turns the limit off (tests)."""
LOOK_EVERY = 60.0
"""Seconds between two looks for reminders due and updates a stopped process left
(`BOT_LOOK_EVERY`)."""
AT_ONCE = 8
"""Reminders delivered at the same time, at most."""
CONFLICT_LOG_INTERVAL = 60.0
"""Seconds between two warnings that another instance polls with the token (409 Conflict)."""


class TelegramChannel:
    """Translates between Telegram updates and the conversation."""

    def __init__(self, conversation: Conversation, renderer: Renderer) -> None:
        self.conversation = conversation
        self.renderer = renderer
        self._groups_told: set[int] = set()
        self._conflict_warned_at: float | None = None

    def build(
        self,
        token: str,
        api_base_url: str,
        *,
        request: BaseRequest | None = None,
        get_updates_request: BaseRequest | None = None,
        overall_max_rate: float = TELEGRAM_MAX_RATE,
        inbox: InboxQueue | None = None,
        look_every: float = LOOK_EVERY,
    ) -> Application:
        """The python-telegram-bot Application with every handler registered.

        With an `inbox`, every update is kept on disk until it has been handled, and what a
        previous run left there is handled first (see `bot.channels.inbox`).
        """
        root = api_base_url.rstrip("/")
        self.inbox = inbox
        self.look_every = look_every
        builder = (
            Application.builder()
            .token(token)
            .base_url(f"{root}/bot")
            .base_file_url(f"{root}/file/bot")
            .post_init(self.post_init)
            .concurrent_updates(
                PerUserOrder(
                    finished=inbox.done if inbox else None,
                    in_turn=inbox.in_turn if inbox else None,
                )
            )
            .rate_limiter(BroadcastLimiter(overall_max_rate=overall_max_rate, max_retries=3))
        )
        if request is not None:
            builder = builder.request(request)
        if get_updates_request is not None:
            builder = builder.get_updates_request(get_updates_request)
        if inbox is not None:
            builder = builder.update_queue(inbox)
        app = builder.build()
        self.job_queue = app.job_queue
        private = filters.ChatType.PRIVATE
        app.add_handler(TypeHandler(Update, self.private_only), group=-1)
        app.add_handler(MessageHandler(filters.COMMAND & private, self.on_command))
        app.add_handler(CallbackQueryHandler(self.on_press))
        app.add_handler(MessageHandler(filters.UpdateType.EDITED_MESSAGE & private, self.on_edited))
        app.add_handler(MessageHandler(filters.TEXT & private, self.on_text))
        app.add_handler(MessageHandler(private, self.on_other))
        app.add_error_handler(self.on_error)
        return app

    async def post_init(self, app: Application) -> None:
        """List the commands in Telegram's command menu, queue the updates a previous run kept
        and never handled (before any new one), and look for reminders due every minute."""
        if self.inbox is not None:
            await self.inbox.replay(app.bot)
        # The menu in English for everyone, and in Spanish for apps set to Spanish.
        for language in LANGUAGES:
            menu = self.renderer.speaking(language).commands()
            commands = [BotCommand(name, text) for name, text in menu]
            await app.bot.set_my_commands(
                commands, language_code=None if language == ENGLISH else language
            )
        # Nothing is planned ahead: start-up does not grow with the reminders set.
        # (A repeating job's first run set to now would be moved a whole interval on.)
        self.job_queue.run_once(self.look, 0, name="look")
        self.job_queue.run_repeating(self.look, self.look_every, name="look")

    async def look(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Deliver the reminders due, and handle the updates a process that stopped left
        behind (another worker on the same database)."""
        try:
            await self._look(context.bot)
        except OSError as error:  # the disk or the database: the next look tries again
            log.error("could not look for reminders and updates left: %s", error)

    async def _look(self, bot: Bot) -> None:
        if self.inbox is not None:
            await self.inbox.replay(bot)
        index = self.conversation.reminder_index
        if index is None:
            return
        through = last_due_day(datetime.now(UTC), self.conversation.zone)
        at_once = asyncio.Semaphore(AT_ONCE)

        async def remind(key: str) -> None:
            async with at_once:
                try:
                    await self.remind(bot, key)
                except Exception:  # one user's failure is not another's
                    log.exception("the reminders of user %s could not be sent", key)

        # Claimed in batches until none is left; a user is never reminded twice in one look.
        seen: set[str] = set()
        while keys := [
            k for k in await asyncio.to_thread(index.claim_due, through) if k not in seen
        ]:
            seen.update(keys)
            await asyncio.gather(*(remind(key) for key in keys))

    async def private_only(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Outside private chats, say once where the bot works, and stop there."""
        chat = update.effective_chat
        if chat is None or chat.type == ChatType.PRIVATE:
            return
        if chat.id not in self._groups_told and chat.type != ChatType.CHANNEL:
            self._groups_told.add(chat.id)
            user = update.effective_user
            spoken = from_telegram(user.language_code if user else None)
            text = self.renderer.message("group_only", "html", speaking=spoken)
            await chat.send_message(text, parse_mode="HTML")
        raise ApplicationHandlerStop

    async def on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Run a command (/start, /help, /answers...), or list the commands for an unknown one."""
        await self.turn(update, command(update.effective_message.text))

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Take typed text as the answer to the current question."""
        await self.turn(update, Text(update.effective_message.text))

    async def on_edited(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Explain that edits are not taken as answers (they are still read for a crisis)."""
        message = update.effective_message
        said = message.text or message.caption or ""
        await self.turn(update, Unsupported(edited=True, text=said))

    async def on_other(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Answer stickers, photos and voice messages: only text and buttons are answers."""
        await self.turn(update, Unsupported(text=update.effective_message.caption or ""))

    async def on_press(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Take a button press; data we never sent gets the 'question closed' notice."""
        press = decode(update.callback_query.data or "")
        if press is None:  # said in the language of the user's app: their record is not read
            spoken = from_telegram(update.effective_user.language_code)
            await self.deliver(update, [Reply("closed", notice=True, language=spoken)])
            return
        await self.turn(update, press)

    async def turn(self, update: Update, event: Event) -> None:
        """Apply one event for the user who sent the update, then send the replies."""
        user = update.effective_user
        key = str(user.id)
        turn = await asyncio.to_thread(
            self.conversation.turn, key, event, update.update_id, user.language_code
        )
        if turn.replies:  # none for an update this process has answered already
            # A button pressed before a restart was answered then (its answer can only fail).
            await self.deliver(update, turn.replies, answer_press=not turn.repeated)
        if turn.language is not None:
            await self.menu_for(update.get_bot(), update.effective_chat.id, turn.language)

    async def menu_for(self, bot: Bot, chat_id: int, language: str) -> None:
        """The command menu in the user's chosen language, whatever their app's; the default
        menus again once their data is erased ("")."""
        scope = BotCommandScopeChat(chat_id)
        if not language:
            await _quietly(bot.delete_my_commands(scope=scope))
            return
        menu = self.renderer.speaking(language).commands()
        commands = [BotCommand(name, text) for name, text in menu]
        await _quietly(bot.set_my_commands(commands, scope=scope))

    async def deliver(
        self, update: Update, replies: list[Reply], *, answer_press: bool = True
    ) -> None:
        """Send replies: notices answer the button press; an answer edits the pressed message."""
        query = update.callback_query
        if query is not None and answer_press:
            notices = [self.renderer.render(r, "text").text for r in replies if r.notice]
            await _quietly(query.answer(text=notices[0] if notices else None))
        for reply in replies:
            if reply.notice and query is not None:
                continue
            if reply.replaces_pressed and query is not None and query.message is not None:
                text = self.renderer.render(reply, "html").text
                edit = update.get_bot().edit_message_text(
                    text,
                    chat_id=query.message.chat.id,
                    message_id=query.message.message_id,
                    parse_mode=ParseMode.HTML,
                    rate_limit_args=REPLY,
                )
                await _quietly(edit)
                continue
            await self.send(update.get_bot(), update.effective_chat.id, reply, answering=True)

    async def send(self, bot: Bot, chat_id: int, reply: Reply, *, answering: bool = False) -> None:
        """Send one reply as messages (split to Telegram's limit) or as documents; `answering`
        the user's own update (not held to the overall limit of `BroadcastLimiter`)."""
        rendered = self.renderer.render(reply, "html")
        limit = REPLY if answering else None
        if reply.attachments:
            for number, file in enumerate(self.renderer.attachments(reply)):
                caption = rendered.text if number == 0 else None
                # A picture is sent as a photo, shown in the chat; the rest as files.
                send = bot.send_photo if file.media_type == PNG else bot.send_document
                await with_retries(
                    lambda file=file, caption=caption, send=send: send(
                        chat_id,
                        file.content,
                        filename=file.filename,
                        caption=caption,
                        parse_mode=ParseMode.HTML,
                        rate_limit_args=limit,
                    )
                )
            return
        parts = split_message(rendered.text)
        for number, part in enumerate(parts, start=1):
            markup = _markup(rendered.keyboard) if number == len(parts) else None
            await with_retries(
                lambda part=part, markup=markup: bot.send_message(
                    chat_id,
                    part,
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup,
                    rate_limit_args=limit,
                )
            )

    async def remind(self, bot: Bot, key: str) -> None:
        """Send the user's reminders that are due."""
        turn = await asyncio.to_thread(self.conversation.turn, key, DeliverDue())
        for reply in turn.replies:
            await self.send(bot, int(key), reply)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log a failure without the user's data; Telegram being unreachable is not a bug."""
        error = context.error
        if isinstance(error, Conflict):
            self._warn_conflict(error)
            return
        if isinstance(error, NetworkError) and not isinstance(error, BadRequest):
            log.warning("Telegram unreachable for now: %s", error)
            return
        update_id = update.update_id if isinstance(update, Update) else None
        log.error("update %s failed", update_id, exc_info=error)

    def _warn_conflict(self, error: Conflict) -> None:
        """One line, at most once a minute, while getUpdates keeps getting 409 Conflict.

        Polling retries on its own; a traceback every few seconds would say nothing more.
        """
        now = time.monotonic()
        last = self._conflict_warned_at
        if last is not None and now - last < CONFLICT_LOG_INTERVAL:
            return
        self._conflict_warned_at = now
        log.warning(
            "Telegram answered 409 Conflict: another instance is polling with this token"
            " (%s); retrying, and warning at most every %d s",
            error,
            CONFLICT_LOG_INTERVAL,
        )


def _markup(keyboard: Keyboard) -> InlineKeyboardMarkup | None:
    if not keyboard:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(label, callback_data=data) for label, data in row]
            for row in keyboard
        ]
    )


async def _quietly(call) -> None:
    """Await a call whose failure only costs cosmetics (an old query, an unchanged message)."""
    try:
        await call
    except TelegramError as error:
        log.info("ignored Telegram error: %s", error)


def run(channel: TelegramChannel, settings: Settings, inbox: Inbox | PostgresInbox) -> None:
    """Run the bot until SIGINT or SIGTERM: by webhook if one is configured, else polling.

    Stopping finishes the updates in flight; every answer is saved before its reply, so
    nothing is left half-written.
    """
    app = channel.build(
        settings.token,
        settings.api_base_url,
        inbox=InboxQueue(inbox),
        look_every=settings.look_every,
    )
    if settings.webhook_url is None:
        app.run_polling(allowed_updates=Update.ALL_TYPES)
        return
    webhook.run(
        app,
        url=settings.webhook_url,
        secret=settings.webhook_secret,
        listen=settings.webhook_listen,
        port=settings.webhook_port,
    )
