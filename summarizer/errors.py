"""Errors the summarizer raises; each message is one line a person can act on."""

from __future__ import annotations


class SummarizerError(Exception):
    """A summary cannot be produced as asked (an unknown or unavailable engine, bad options)."""


class ExportError(SummarizerError):
    """A DiscordChatExporter export cannot be read; the message names the file and the problem."""
