"""Channels: thin adapters between a way of chatting and the conversation engine."""
