"""Errors the bot package turns into one-line messages for people."""

from __future__ import annotations


class ConfigError(Exception):
    """The configuration cannot be used; the message names the file or variable and the key."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))
