"""Destinations from what a person typed (a webhook URL, a file template), checked up front.

Shared by `summarybot summarize --to` and `/schedule create|destination add`, so both refuse
the same unsafe URLs and paths with the same words, before anything is stored or sent.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from pydantic import ValidationError

from delivery.addresses import UnsafeDestinationError, check_webhook_url
from delivery.models import FileDestination, WebhookDestination
from delivery.paths import UnsafePathError, resolve_under_root
from delivery.settings import DeliverySettings

_FORMATS = {".json": "json", ".html": "html", ".htm": "html"}


class DestinationError(ValueError):
    """A destination that cannot be used; the message names it (URLs masked) and says why."""


def _first_message(exc: ValidationError) -> str:
    return str(exc.errors()[0]["msg"]).removeprefix("Value error, ")


def webhook_destination(
    url: str, settings: DeliverySettings, secret: str | None
) -> WebhookDestination:
    """A webhook destination; Discord webhook URLs are not signed (their token is the URL)."""
    try:
        destination = WebhookDestination(url=url, secret=secret)
    except ValidationError as exc:
        raise DestinationError(_first_message(exc)) from None
    if destination.is_discord:
        return WebhookDestination(url=destination.url)
    try:
        check_webhook_url(
            destination.url,
            allow_insecure_http=settings.allow_insecure_http,
            allow_private_addresses=settings.allow_private_addresses,
        )
    except UnsafeDestinationError as exc:
        raise DestinationError(f"{destination.masked_url()}: {exc}") from None
    return destination


def file_destination(template: str, settings: DeliverySettings) -> FileDestination:
    """A file destination whose template stays inside `delivery.file_root`."""
    if not template.strip():
        raise DestinationError("a file destination needs a path")
    suffix = PurePosixPath(template).suffix.lower()
    try:
        destination = FileDestination(template=template, format=_FORMATS.get(suffix, "markdown"))
        resolve_under_root(Path(settings.file_root), template)
    except ValidationError as exc:
        raise DestinationError(f"{template}: {_first_message(exc)}") from None
    except UnsafePathError as exc:
        raise DestinationError(f"{template}: {exc}") from None
    return destination
