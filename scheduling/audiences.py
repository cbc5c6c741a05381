"""What a creator confirmed when a digest reaches more people than its source.

A confirmation is not a blank cheque: it covers the destination's audience as it was when
the creator said yes. So the bot records who could see the destination then — the
permission settings that decide it — and before every run compares the destination as it
is now with that record; if more people can see it now, the schedule pauses. The record is
plain data for the store; the bot computes and compares it (`bot.audience`).
"""

from __future__ import annotations

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

# Permission bits as (allow, deny) pairs of a channel overwrite.
Overwrite = tuple[int, int]


class ChannelAccess(BaseModel):
    """The settings that decide who can view one channel (a thread: its parent's, and kind).

    Permission values keep only the bits that decide viewing and reading (view channel, read
    message history, manage threads, administrator), so a record stays small and a change
    to anything else (say, who may add reactions) never looks like a wider audience.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    channel_id: int
    owner_id: int
    everyone: int = Field(ge=0)
    roles: dict[int, int] = Field(default_factory=dict)
    everyone_overwrite: Overwrite = (0, 0)
    role_overwrites: dict[int, Overwrite] = Field(default_factory=dict)
    member_overwrites: dict[int, Overwrite] = Field(default_factory=dict)
    private_thread: bool = False


class ConfirmedAudience(BaseModel):
    """One destination's wider audience, confirmed by `confirmed_by` at `confirmed_at`.

    `access` is None for a webhook or a file: those reach people outside Discord, an audience
    that cannot grow, so the confirmation stands as long as the destination does.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    destination_id: str = Field(min_length=1, max_length=40)
    confirmed_by: int = Field(ge=0)
    confirmed_at: AwareDatetime
    access: ChannelAccess | None = None
