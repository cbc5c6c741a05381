"""Settings owned by the delivery package: `[delivery]`."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class DeliverySettings(BaseModel):
    """Per-destination limits and the webhook safety overrides."""

    model_config = ConfigDict(extra="forbid")

    file_root: str = Field(default="data/digests", min_length=1)
    timeout_seconds: float = Field(default=15, gt=0)
    max_attempts: int = Field(default=5, ge=1)
    retry_base_seconds: float = Field(default=5, ge=0)
    # Overrides for tests and local consumers; both stay off in production.
    allow_insecure_http: bool = False
    allow_private_addresses: bool = False
    max_consecutive_destination_failures: int = Field(default=10, ge=1)
    # How long a rotated-out webhook signing secret still signs alongside the new one.
    rotated_secret_grace_hours: float = Field(default=24, gt=0, le=24 * 90)
