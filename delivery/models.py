"""Where a digest goes: the destination union stored on every schedule.

The union is fixed now (foundation) with the fields the delivery layer needs, so stored
schedules never need a data migration when senders arrive. Each destination carries a stable
`id`: delivery rows, health counters and the webhook idempotency key hang off it.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from datetime import datetime
from pathlib import PurePosixPath, PureWindowsPath
from string import Formatter
from types import MappingProxyType
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationInfo, field_validator

FILE_PLACEHOLDERS = frozenset({"guild", "channel", "schedule", "date", "window_end"})
# Relative to the schedule's own folder, `<file_root>/<guild id>/` (see `delivery.paths`).
DEFAULT_FILE_TEMPLATE = "{schedule}/{window_end}.md"
# Validation context for what the store reads back: a template stored by an older version that
# today's rules refuse still loads (its deliveries fail with the reason, see `template_problem`)
# rather than making its whole schedule unreadable.
STORED: Mapping[str, object] = MappingProxyType({"stored": True})
_DISCORD_WEBHOOK_HOSTS = frozenset(
    {
        f"{prefix}{domain}"
        for prefix in ("", "ptb.", "canary.")
        for domain in ("discord.com", "discordapp.com")
    }
)


def is_discord_host(hostname: str | None) -> bool:
    """Whether a URL's host is Discord's: its webhooks take Discord's format, over https only."""
    return (hostname or "").lower().rstrip(".") in _DISCORD_WEBHOOK_HOSTS


def new_destination_id() -> str:
    """A short random id, unique within a schedule and stable for the destination's life."""
    return "d_" + secrets.token_hex(5)


class _DestinationBase(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(default_factory=new_destination_id, min_length=1, max_length=40)
    # Set when the destination was switched off (HTTP 410, or failing run after run); a
    # disabled destination gets no deliveries until an admin re-enables it.
    disabled_reason: str | None = Field(default=None, max_length=300)


class ChannelDestination(_DestinationBase):
    """A Discord channel or thread in the schedule's guild."""

    kind: Literal["channel"] = "channel"
    channel_id: int = Field(gt=0)
    style: Literal["embed", "markdown"] = "embed"
    # `edit` keeps one rolling message and edits it in place (re-posted if deleted).
    mode: Literal["post", "edit"] = "post"
    # The only mention a digest may ever make, and only when set explicitly.
    mention_role_id: int | None = Field(default=None, gt=0)


class DmDestination(_DestinationBase):
    """A member who subscribed to the digest by direct message."""

    kind: Literal["dm"] = "dm"
    user_id: int = Field(gt=0)


class WebhookDestination(_DestinationBase):
    """An HTTP endpoint: Discord's webhook format for Discord URLs, a signed event otherwise.

    `url` and `secret` are kept out of `repr` so a logged model never leaks them; show them
    with `masked_url()`.
    """

    kind: Literal["webhook"] = "webhook"
    url: str = Field(repr=False, min_length=1, max_length=2048)
    # Standard Webhooks signing secret (`whsec_…`); Discord webhook URLs carry their own token.
    secret: str | None = Field(default=None, repr=False)
    # Post into a thread of the webhook's channel (Discord webhooks only).
    thread_id: int | None = Field(default=None, gt=0)
    # The secret a rotation replaced: still signed with until it expires, so a receiver can
    # switch to the new one at its own pace (`/schedule destination rotate-secret`).
    previous_secret: str | None = Field(default=None, repr=False)
    previous_secret_expires_at: AwareDatetime | None = None

    @field_validator("url")
    @classmethod
    def _plausible_url(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in {"https", "http"} or not parts.hostname:
            raise ValueError("a webhook URL must start with https:// and name a host")
        if parts.username or parts.password:
            raise ValueError("a webhook URL must not carry a user name or password")
        return value.strip()

    @field_validator("secret", "previous_secret")
    @classmethod
    def _whsec(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("whsec_"):
            raise ValueError("a webhook signing secret starts with whsec_")
        return value

    def signing_secrets(self, now: datetime) -> tuple[str, ...]:
        """The secrets to sign with at `now`: the current one, then a rotated-out one in grace.

        Standard Webhooks puts every signature in one header, so a receiver holding either
        secret accepts the event while it switches over.
        """
        if self.secret is None:
            return ()
        if self.previous_secret and self.rotation_pending(now):
            return (self.secret, self.previous_secret)
        return (self.secret,)

    def rotation_pending(self, now: datetime) -> bool:
        """Whether a rotated-out secret is still valid at `now`."""
        expires = self.previous_secret_expires_at
        return bool(self.previous_secret) and expires is not None and now < expires

    @property
    def is_discord(self) -> bool:
        """Whether the URL is a Discord webhook (sent in Discord's format, not as an event)."""
        parts = urlsplit(self.url)
        return is_discord_host(parts.hostname) and parts.path.startswith("/api/webhooks/")

    def masked_url(self) -> str:
        """The URL with its path hidden past the first segment: safe for replies and logs."""
        return mask_url(self.url)


class FileDestination(_DestinationBase):
    """A file under `delivery.file_root`, named from a template."""

    kind: Literal["file"] = "file"
    template: str = Field(default=DEFAULT_FILE_TEMPLATE, min_length=1, max_length=512)
    format: Literal["markdown", "json", "html"] = "markdown"

    @field_validator("template")
    @classmethod
    def _names_a_file_inside_the_root(cls, value: str, info: ValidationInfo) -> str:
        if (info.context or {}).get("stored"):
            return value  # checked when added; `file_name` checks it again at every write
        problem = template_problem(value)
        if problem is not None:
            raise ValueError(problem)
        return value


def template_problem(template: str) -> str | None:
    """Why `template` cannot name a digest file, or None; run when added and at every write.

    Everything is refused up front that would otherwise fail every run (a stray brace, an
    unknown placeholder, a format spec) or break the folder for everyone (a template naming
    the digest folder itself, or a folder, instead of a file in it).
    """
    allowed = "placeholders: " + ", ".join("{" + n + "}" for n in sorted(FILE_PLACEHOLDERS))
    try:
        fields = [
            (name, conversion, spec)
            for _, name, spec, conversion in Formatter().parse(template)
            if name is not None
        ]
    except ValueError as exc:
        return (
            f"not a valid file template ({exc}); write {{{{ or }}}} for a literal brace ({allowed})"
        )
    for name, conversion, spec in fields:
        written = "{" + name + (f"!{conversion}" if conversion else "")
        written += (f":{spec}" if spec else "") + "}"
        if name not in FILE_PLACEHOLDERS:
            return f"unknown placeholder {written} ({allowed})"
        if conversion or spec:
            return f"placeholder {written} takes no format or conversion: write {{{name}}}"
    return _path_problem(template)


def _path_problem(template: str) -> str | None:
    if "\x00" in template:
        return "a file template must not contain NUL characters"
    posix, windows = PurePosixPath(template), PureWindowsPath(template)
    if posix.is_absolute() or windows.is_absolute() or windows.drive:
        return "a file template must be relative to delivery.file_root"
    if ".." in posix.parts or ".." in windows.parts:
        return "a file template must not contain '..'"
    if re.split(r"[/\\]", template)[-1] in {"", "."}:
        return (
            "a file template must name a file inside the digest folder, not the folder itself "
            "or a folder in it: it may not end in '/' or '.'"
        )
    return None


Destination = Annotated[
    ChannelDestination | DmDestination | WebhookDestination | FileDestination,
    Field(discriminator="kind"),
]


def mask_url(url: str) -> str:
    """`https://hooks.example.com/…` style: scheme and host only, never the path or query."""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:  # a malformed port: show nothing rather than fail while masking
        port = ""
    return f"{parts.scheme}://{host}{port}/…"


class DeliveryTarget(BaseModel):
    """One destination to send to, with the id that makes resends recognisable.

    `delivery_id` is stable for a (run, destination) pair: it is the Standard Webhooks
    `webhook-id` and the Discord nonce seed, so a retry or a resumed outbox row is a repeat a
    consumer (or Discord) can drop, never a new digest.
    """

    model_config = ConfigDict(frozen=True)

    delivery_id: str = Field(min_length=1, max_length=100)
    destination: Destination
    attempts_so_far: int = Field(default=0, ge=0)
    # Set when this delivery may already have reached its destination (a resumed outbox row,
    # a retried run, a later attempt): the earliest moment it could have. Senders that cannot
    # rely on the receiver dropping repeats (Discord webhooks ignore nonces) look for it first.
    resend_since: AwareDatetime | None = None
    # What the last delivered digest to this destination left behind (Discord message ids for
    # the rolling `edit` mode).
    previous_external_id: str | None = None


class DeliveryContext(BaseModel):
    """Where a digest comes from: names for file templates and the webhook event body."""

    model_config = ConfigDict(frozen=True)

    guild_id: int | None = None
    channel_id: int | None = None
    schedule_id: str | None = None
    schedule_name: str | None = None
    run_id: int | None = None
    window_end: AwareDatetime


class Attempt(BaseModel):
    """The outcome of one try at one destination, as the recorder stores it."""

    model_config = ConfigDict(frozen=True)

    delivery_id: str
    attempt: int = Field(ge=1)
    ok: bool
    http_status: int | None = None
    error: str | None = None
    external_id: str | None = None
    duration_ms: int = Field(ge=0)
    # Seconds the server asked us to wait (429/503 Retry-After), when it did.
    retry_after: float | None = None
    # The destination can never work again as configured (HTTP 410 Gone, unknown webhook).
    gone: bool = False


class DeliveryResult(BaseModel):
    """The final outcome for one destination of one digest."""

    model_config = ConfigDict(frozen=True)

    delivery_id: str
    destination_id: str
    delivered: bool
    attempts: int = Field(ge=0)
    http_status: int | None = None
    error: str | None = None
    external_id: str | None = None
    duration_ms: int = Field(default=0, ge=0)
    disabled: bool = False
