"""Destinations from what a person typed (a webhook URL, a file template), checked up front.

Shared by `summarybot summarize --to` and `/schedule create|destination add`, so both refuse
the same unsafe URLs and paths with the same words, before anything is stored or sent.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath
from typing import Literal

from pydantic import ValidationError

from delivery.addresses import UnsafeDestinationError, check_webhook_url
from delivery.models import FileDestination, WebhookDestination, mask_url
from delivery.paths import UnsafePathError, resolve_under_root
from delivery.settings import DeliverySettings

_FORMATS = {".json": "json", ".html": "html", ".htm": "html"}
# RFC 3986's scheme syntax. A single letter counts too (`c:notes.md`): only Linux is supported,
# so it is never a drive, and a file named like that can still be written `file:c:notes.md`.
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_WEBHOOK_START = re.compile(r"https?://[^/?#\s]", re.IGNORECASE)
ACCEPTED_FORMS = (
    "https://… for a webhook (http://… only with delivery.allow_insecure_http), "
    "file:PATH or a plain relative path for a file"
)


class DestinationError(ValueError):
    """A destination that cannot be used; the message names it (URLs masked) and says why."""


def _first_message(exc: ValidationError) -> str:
    return str(exc.errors()[0]["msg"]).removeprefix("Value error, ")


def destination_kind(value: str) -> Literal["webhook", "file"]:
    """Whether a typed destination is a webhook or a file: the one rule for both.

    A file is written `file:…` or has no scheme-like prefix at all; `http(s)` in any case is a
    webhook. Anything else with a scheme (`htps:`, `ftp:`) is refused: taken as a path, it
    would quietly make a folder named after the typo and report the digest delivered.
    """
    match = _SCHEME.match(value.lstrip())
    if match is None:
        return "file"
    scheme = match[0][:-1].lower()
    if scheme in {"https", "http"}:
        return "webhook"
    if scheme == "file":
        return "file"
    raise DestinationError(f"{match[0]}…: unknown kind of destination; write {ACCEPTED_FORMS}")


def webhook_destination(
    url: str, settings: DeliverySettings, secret: str | None
) -> WebhookDestination:
    """A webhook destination; Discord webhook URLs are not signed (their token is the URL)."""
    url = url.strip()
    if not _WEBHOOK_START.match(url):
        scheme = _SCHEME.match(url)
        shown = f"{scheme[0]}…" if scheme else "this"
        raise DestinationError(f"{shown}: not a webhook URL; write {ACCEPTED_FORMS}")
    scheme, sep, rest = url.partition("://")
    try:
        destination = WebhookDestination(url=scheme.lower() + sep + rest, secret=secret)
    except ValidationError as exc:
        raise DestinationError(_first_message(exc)) from None
    try:
        check_webhook_url(
            destination.url,
            allow_insecure_http=settings.allow_insecure_http,
            allow_private_addresses=settings.allow_private_addresses,
        )
    except UnsafeDestinationError as exc:
        raise DestinationError(f"{destination.masked_url()}: {exc}") from None
    if destination.is_discord:
        return WebhookDestination(url=destination.url)
    return destination


def file_destination(template: str, settings: DeliverySettings) -> FileDestination:
    """A file destination whose template stays inside `delivery.file_root`.

    `file:` in front is taken off; any other scheme-like prefix is refused (`destination_kind`).
    """
    if destination_kind(template) != "file":
        raise DestinationError(f"{mask_url(template)}: a webhook URL, not a file path")
    prefix = _SCHEME.match(template.lstrip())  # `file:`, as destination_kind allowed no other
    if prefix is not None:
        template = template.lstrip()[prefix.end() :]
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
