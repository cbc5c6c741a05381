"""Standard Webhooks signing for outgoing webhook events (the `standardwebhooks` package).

`webhook-id` is the delivery's id, the same on every retry and after a restart, so consumers
can drop duplicates; `webhook-timestamp` is fresh per attempt, so a consumer's replay window
(five minutes in the reference verifier) never rejects a late retry.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime
from math import floor

from standardwebhooks import Webhook

SECRET_PREFIX = "whsec_"  # noqa: S105 -- the format prefix, not a secret


def new_signing_secret() -> str:
    """A fresh per-destination secret (`whsec_` + base64 of 32 random bytes), shown once."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def signed_headers(
    secret: str | Sequence[str], message_id: str, body: str | bytes, at: datetime
) -> dict[str, str]:
    """The three Standard Webhooks headers for `body` (UTF-8 when bytes) sent at `at`.

    Several secrets (during a rotation's grace period) give several signatures, space
    separated in one `webhook-signature` header as the specification allows: a receiver
    accepts the event when any of them matches its secret.

    `Webhook.sign` replaces the datetime's zone with UTC instead of converting it, so a
    non-UTC datetime would be signed with the wrong timestamp: convert first.
    """
    moment = at.astimezone(UTC)
    keys = [secret] if isinstance(secret, str) else list(secret)
    if not keys:
        raise ValueError("signing needs at least one secret")
    if any(not key.removeprefix(SECRET_PREFIX) for key in keys):
        raise ValueError("a webhook signing secret may not be empty")
    text = body.decode("utf-8") if isinstance(body, bytes) else body
    signatures = [Webhook(key).sign(msg_id=message_id, timestamp=moment, data=text) for key in keys]
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(floor(moment.timestamp())),
        "webhook-signature": " ".join(signatures),
    }
