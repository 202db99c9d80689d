"""A Telegram bot that helps people get ketamine therapy paid for by their health insurer."""

__version__ = "0.1.0"
