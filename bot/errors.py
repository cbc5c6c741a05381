"""Errors the bot package turns into one-line messages for people."""

from __future__ import annotations

from pydantic import ValidationError


class ConfigError(Exception):
    """The configuration cannot be used; the message names the file or variable and the key."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


def validation_problems(exc: ValidationError) -> list[str]:
    """Every problem pydantic found, one `field.path: what is wrong` each, in plain words.

    Pydantic's own text starts custom messages with `Value error, ` and says `Field required`;
    a person reading the shell or Discord gets the message itself and `missing`.
    """
    problems = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"])
        if error["type"] == "missing":
            message = "missing"
        else:
            message = str((error.get("ctx") or {}).get("error") or error["msg"])
        problems.append(f"{where}: {message}" if where else message)
    return problems
