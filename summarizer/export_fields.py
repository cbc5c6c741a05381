"""The field checks of an export: each value checked by hand, each error naming file and field.

Every message of a file is checked, inside the window or not, so a damaged export is refused
whatever `--since` asks for; these run 100,000 times for a large export, which is why they are
plain functions on plain values rather than a pydantic model.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from summarizer.errors import ExportError
from summarizer.models import Attachment

# Discord ids are 64-bit, held as signed everywhere (SQLite too); none reaches 2**63 before 2084.
MAX_SNOWFLAKE = 2**63 - 1
_SNOWFLAKE_DIGITS = len(str(MAX_SNOWFLAKE))
# Message times as written, within a schedule's date bounds: further out, converting to UTC
# (year 1 at +05:00) or the summary's window arithmetic (9999-12-31 plus 1 µs) overflows.
EARLIEST_DATE, LATEST_DATE = date(1970, 1, 1), date(9000, 12, 31)
_MAX_INT_DIGITS = 40  # longer integer literals become `HugeNumber`s, never converted


class FieldPath:
    """`messages[12].author.id`: a field of the message `MessagePaths.index` points at.

    Written out only when an error names it (it formats as the text): writing a dozen paths
    for each of 100,000 good messages would cost more than checking some of their fields.
    """

    __slots__ = ("_field", "_message")

    def __init__(self, message: MessagePaths, field: str) -> None:
        self._message, self._field = message, field

    def __str__(self) -> str:
        return f"messages[{self._message.index}]{self._field}"

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


class MessagePaths:
    """The `FieldPath` of each field an error can name (`of[".author.id"]`), for message `index`.

    `of` is a plain dict, looked up at C speed a dozen times per message.
    """

    FIELDS = (
        *("", ".type", ".id", ".content", ".reference", ".reference.messageId"),
        *(".author", ".author.id", ".author.name"),
        *(".timestamp", ".reactions", ".attachments"),
    )

    def __init__(self) -> None:
        self.index = 0
        self.of = {field: FieldPath(self, field) for field in self.FIELDS}


# Where a value sits: a path as text (`guild.id`) or a message's field.
Where = str | FieldPath


class HugeNumber:
    """Stands in for an integer literal too long to be anything an export holds.

    Parsed lazily like this, the field checks below name the field it sits in (an id, a
    reaction count) instead of the JSON parser failing on the whole file.
    """

    def __init__(self, text: str) -> None:
        self.negative = text.startswith("-")
        self.digits = len(text.lstrip("-"))

    def __repr__(self) -> str:
        return f"<a {'negative ' if self.negative else ''}number of {self.digits} digits>"


def parse_int(text: str) -> int | HugeNumber:
    """The JSON decoder's `parse_int`: an int, or a `HugeNumber` past 40 digits."""
    return HugeNumber(text) if len(text) > _MAX_INT_DIGITS else int(text)


def need(condition: bool, name: str, where: Where, problem: str) -> None:
    """Raise `ExportError` naming file and field unless `condition` holds."""
    if not condition:
        raise ExportError(f"{name}: {where}: {problem}")


def snowflake(value: Any, name: str, where: Where) -> int:
    """A Discord id: ASCII digits only (`str.isdigit` also takes `²`, which `int` refuses)."""
    if isinstance(value, str) and value.isascii() and value.isdigit():
        if len(value) <= _SNOWFLAKE_DIGITS and (number := int(value)) <= MAX_SNOWFLAKE:
            return number  # every real id, without the counting below
        digits = len(value.lstrip("0"))
        number = int(value) if digits <= _SNOWFLAKE_DIGITS else None
    elif isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        digits, number = len(str(value)), value
    elif isinstance(value, HugeNumber) and not value.negative:
        digits, number = value.digits, None
    else:
        raise ExportError(f"{name}: {where}: expected a numeric Discord id, got {value!r:.40}")
    if number is None or number > MAX_SNOWFLAKE:
        raise ExportError(
            f"{name}: {where}: a Discord id is at most {MAX_SNOWFLAKE}, "
            f"got a number of {digits} digits"
        )
    return number


def nonempty_text(value: Any, name: str, where: Where) -> str:
    """A name: text with at least one character."""
    if isinstance(value, str) and value:
        return value
    raise ExportError(f"{name}: {where}: expected non-empty text, got {value!r:.40}")


def timestamp(value: Any, name: str, where: Where) -> datetime:
    """An ISO 8601 time with its offset, within the dates a message can have, in UTC."""
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            if parsed.tzinfo is None:
                raise ExportError(f"{name}: {where}: ISO date without a UTC offset: {value!r:.40}")
            if not EARLIEST_DATE <= parsed.date() <= LATEST_DATE:
                raise ExportError(
                    f"{name}: {where}: {value!r:.40} is outside the dates a message can have "
                    f"({EARLIEST_DATE} to {LATEST_DATE})"
                )
            return parsed.astimezone(UTC)
    raise ExportError(f"{name}: {where}: not an ISO date: {value!r:.40}")


def reaction_count(value: Any, name: str, where: Where) -> int:
    """All reactions to a message, added up from the exporter's per-emoji counts."""
    if value is None or (value.__class__ is list and not value):
        return 0
    need(isinstance(value, list), name, where, "expected a list")
    total = 0
    for i, reaction in enumerate(value):
        count = reaction.get("count", 0) if isinstance(reaction, dict) else None
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            raise ExportError(f"{name}: {where}[{i}].count: expected a whole number")
        total += count
    return total


def attachments(value: Any, name: str, where: Where) -> tuple[Attachment, ...]:
    """A message's files, named by their file name (else their address)."""
    if not value:
        return ()
    need(isinstance(value, list), name, where, "expected a list")
    found = []
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            raise ExportError(f"{name}: {where}[{i}]: expected an object")
        url = item.get("url")
        if not isinstance(url, str):
            raise ExportError(f"{name}: {where}[{i}].url: expected text")
        found.append(Attachment.model_construct(name=str(item.get("fileName") or url), url=url))
    return tuple(found)
