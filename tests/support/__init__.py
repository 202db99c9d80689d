"""What the tests (and the soak and benchmark scripts) share.

- `telegram_standin`: the Telegram Bot API stand-in, served over HTTP on 127.0.0.1.
- `bot_process`: the real bot, started as a process against the stand-in.
- `engine_chat`: the engine driven like a chat, and walks that follow the flow.
- `flow_answers`: canonical answers per question id, with a default per kind.
- `crisis_corpus`: the crisis messages and the ordinary answers that look like them.
"""
