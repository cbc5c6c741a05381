"""What a guild and its members chose: settings, opt-outs and DM subscriptions.

These are stored beside the schedules (one database is the truth) but belong to no single
schedule: a guild's default zone and log channel, the members who opted out of every summary,
and the members who asked for a schedule's digest by DM.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from scheduling.zones import canonical_zone_name

# A member is told they stopped receiving a digest, and the subscription dropped, after this
# many DMs in a row that Discord refused (closed DMs, blocked bot).
MAX_DM_REFUSALS = 3


class GuildSettings(BaseModel):
    """A guild's own settings; None means the bot-wide default."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    guild_id: int = Field(gt=0)
    timezone: str | None = None
    log_channel_id: int | None = Field(default=None, gt=0)
    admin_role_id: int | None = Field(default=None, gt=0)
    # Members with this role create schedules and manage only those they created.
    creator_role_id: int | None = Field(default=None, gt=0)
    updated_at: AwareDatetime | None = None

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        return None if value is None else canonical_zone_name(value)


class Subscription(BaseModel):
    """One member receiving one schedule's digest by DM."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    schedule_id: str
    guild_id: int = Field(gt=0)
    user_id: int = Field(gt=0)
    created_at: AwareDatetime
    refusals: int = Field(default=0, ge=0)
    lost_access: bool = False

    @property
    def destination_id(self) -> str:
        """The id of this member's DM destination in a run's deliveries (unique per run)."""
        return subscriber_destination_id(self.user_id)


def subscriber_destination_id(user_id: int) -> str:
    """`sub_<user id>`: a subscriber's delivery rows name the member, not a schedule setting."""
    return f"sub_{user_id}"


def notice_day(at: datetime) -> str:
    """The UTC day a notice counts against (at most one per subject per day)."""
    return at.astimezone(UTC).date().isoformat()
