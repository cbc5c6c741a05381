"""Discord shards as the unit of ownership when several bot processes share one database.

A guild belongs to shard `(guild_id >> 22) % shard_count` (Discord's own formula), so the
process connected to a guild's shard is the one that gets its commands; the same process
fires, catches up and recovers that guild's schedules. A process serves a *group* of
consecutive shards: pinned (`--shards 0-3`) or claimed at start (`--shards auto`).
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_SHARDS = 4096  # far above any bot this serves; keeps the parsed plan small


def shard_of(guild_id: int, shard_count: int) -> int:
    """The shard Discord routes the guild's events to."""
    return (guild_id >> 22) % shard_count


@dataclass(frozen=True)
class ShardPlan:
    """The shards one process serves, out of `count`."""

    count: int
    shards: tuple[int, ...]

    def __post_init__(self) -> None:
        if not 1 <= self.count <= MAX_SHARDS:
            raise ValueError(f"the shard count must be 1 to {MAX_SHARDS}, not {self.count}")
        if not self.shards:
            raise ValueError("a process must serve at least one shard")
        outside = [shard for shard in self.shards if not 0 <= shard < self.count]
        if outside:
            raise ValueError(
                f"shard {outside[0]} does not exist: with {self.count} shards they are"
                f" 0 to {self.count - 1}"
            )

    @property
    def everything(self) -> bool:
        """Whether this plan covers every shard (one process: nothing to filter)."""
        return len(set(self.shards)) == self.count

    def owns(self, guild_id: int) -> bool:
        """Whether this process serves the guild."""
        return shard_of(guild_id, self.count) in self.shards

    def share(self) -> float:
        """This process's part of the bot's traffic (its part of the global rate limit)."""
        return len(set(self.shards)) / self.count

    def describe(self) -> str:
        """`0-3 of 16`: for logs, `summarybot check` and /summarybot status."""
        return f"{format_shards(self.shards)} of {self.count}"


def parse_shards(text: str, count: int) -> ShardPlan:
    """`0-3`, `5`, `0-1,4`: the shards a pinned process serves, checked against `count`."""
    shards: list[int] = []
    for part in text.replace(" ", "").split(","):
        first, dash, last = part.partition("-")
        if not first.isdigit() or (dash and not last.isdigit()):
            raise ValueError(
                f"--shards {text!r}: expected shard numbers and ranges such as 0-3 or 0-1,4,"
                " or auto"
            )
        low, high = int(first), int(last) if dash else int(first)
        if high < low:
            raise ValueError(f"--shards {text!r}: the range {part} runs backwards")
        if high >= MAX_SHARDS:
            raise ValueError(f"--shards {text!r}: shard {high} is above {MAX_SHARDS - 1}")
        shards.extend(range(low, high + 1))
    return ShardPlan(count, tuple(sorted(set(shards))))


def groups(count: int, per_process: int) -> list[ShardPlan]:
    """The groups `--shards auto` claims from: consecutive runs of `per_process` shards."""
    if not 1 <= per_process <= count:
        raise ValueError(
            f"--shards-per-process must be 1 to the shard count ({count}), not {per_process}"
        )
    return [
        ShardPlan(count, tuple(range(start, min(start + per_process, count))))
        for start in range(0, count, per_process)
    ]


def format_shards(shards: tuple[int, ...] | list[int]) -> str:
    """`0-3,6`: runs of consecutive shards collapsed."""
    parts: list[str] = []
    ordered = sorted(set(shards))
    start = previous = ordered[0] if ordered else 0
    for shard in [*ordered[1:], None]:
        if shard is not None and shard == previous + 1:
            previous = shard
            continue
        parts.append(str(start) if start == previous else f"{start}-{previous}")
        if shard is not None:
            start = previous = shard
    return ",".join(parts) if ordered else ""
