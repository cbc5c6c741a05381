"""Outgoing signatures verify with the reference `standardwebhooks` verifier."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from delivery.signing import new_signing_secret, signed_headers

BODY = '{"type":"summary.created"}'


def test_signature_verifies_with_the_reference_library():
    secret = new_signing_secret()
    headers = signed_headers(secret, "msg_1", BODY, datetime.now(UTC))
    assert Webhook(secret).verify(BODY, headers) == {"type": "summary.created"}


def test_a_non_utc_clock_still_signs_the_right_instant():
    secret = new_signing_secret()
    berlin = datetime.now(UTC).astimezone(timezone(timedelta(hours=1)))
    headers = signed_headers(secret, "msg_1", BODY, berlin)
    assert int(headers["webhook-timestamp"]) == int(berlin.timestamp())
    Webhook(secret).verify(BODY, headers)


def test_a_tampered_body_or_another_secret_fails():
    secret = new_signing_secret()
    headers = signed_headers(secret, "msg_1", BODY, datetime.now(UTC))
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY.replace("created", "deleted"), headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(new_signing_secret()).verify(BODY, headers)


def test_secrets_are_unique_and_prefixed():
    one, two = new_signing_secret(), new_signing_secret()
    assert one.startswith("whsec_")
    assert one != two


@pytest.mark.parametrize(
    "body",
    [BODY, '{"overview":"Zoë said \\"hi\\" — 🎉"}', "x" * 5000],
    ids=["ascii", "non-ascii", "long"],
)
def test_a_body_in_bytes_is_signed_as_its_text(body):
    """The webhook sender signs the bytes it sends: the same signatures as the text's."""
    at = datetime(2026, 3, 2, 14, 0, 7, 900_000, tzinfo=UTC)
    keys = [new_signing_secret(), new_signing_secret()]
    headers = signed_headers(keys, "msg_7", body, at)
    assert signed_headers(keys, "msg_7", body.encode("utf-8"), at) == headers
    expected = " ".join(Webhook(k).sign(msg_id="msg_7", timestamp=at, data=body) for k in keys)
    assert headers["webhook-signature"] == expected


def test_an_empty_secret_is_refused():
    with pytest.raises(ValueError, match="empty"):
        signed_headers("whsec_", "msg_1", BODY, datetime.now(UTC))
