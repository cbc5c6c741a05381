"""Message validation (Discord's documented size limits) and who a message pings."""

from __future__ import annotations

import re
from typing import Any

from tests.fakediscord.state import Pings
from tests.fakediscord.wire import ApiError, field_error, invalid_form_body, merge_errors

CONTENT_MAX = 2000
EMBEDS_MAX = 10
EMBED_TOTAL_MAX = 6000
FIELDS_MAX = 25
NONCE_MAX = 25

_TOO_LONG = "BASE_TYPE_MAX_LENGTH"
_USER_MENTION = re.compile(r"<@!?(\d+)>")
_ROLE_MENTION = re.compile(r"<@&(\d+)>")


def _too_long(path: str, limit: int) -> dict[str, Any]:
    return field_error(path, _TOO_LONG, f"Must be {limit} or fewer in length.")


def _check_embed(index: int, embed: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """Errors for one embed and the characters it counts towards the 6,000 total."""
    errors: dict[str, Any] = {}
    prefix = f"embeds.{index}"
    total = 0
    for key, limit in (("title", 256), ("description", 4096)):
        text = embed.get(key) or ""
        total += len(text)
        if len(text) > limit:
            merge_errors(errors, _too_long(f"{prefix}.{key}", limit))
    for key, sub, limit in (("footer", "text", 2048), ("author", "name", 256)):
        text = (embed.get(key) or {}).get(sub) or ""
        total += len(text)
        if len(text) > limit:
            merge_errors(errors, _too_long(f"{prefix}.{key}.{sub}", limit))
    fields = embed.get("fields") or []
    if len(fields) > FIELDS_MAX:
        merge_errors(errors, _too_long(f"{prefix}.fields", FIELDS_MAX))
    for n, item in enumerate(fields):
        for key, limit in (("name", 256), ("value", 1024)):
            text = item.get(key) or ""
            total += len(text)
            if len(text) > limit:
                merge_errors(errors, _too_long(f"{prefix}.fields.{n}.{key}", limit))
    return errors, total


def validate_message(payload: dict[str, Any], *, require_body: bool = True) -> None:
    """Raise 50035 (or 50006) as Discord would for this message payload."""
    errors: dict[str, Any] = {}
    content = payload.get("content")
    if content is not None and not isinstance(content, str):
        content = str(content)
    if content and len(content) > CONTENT_MAX:
        merge_errors(errors, _too_long("content", CONTENT_MAX))
    embeds = payload.get("embeds") or []
    if len(embeds) > EMBEDS_MAX:
        merge_errors(errors, _too_long("embeds", EMBEDS_MAX))
    total = 0
    for index, embed in enumerate(embeds):
        embed_errors, size = _check_embed(index, embed)
        merge_errors(errors, embed_errors)
        total += size
    if total > EMBED_TOTAL_MAX and not errors:
        merge_errors(
            errors,
            field_error(
                "embeds",
                "MAX_EMBED_SIZE_EXCEEDED",
                f"Embed size exceeds maximum size of {EMBED_TOTAL_MAX}",
            ),
        )
    nonce = payload.get("nonce")
    if isinstance(nonce, str) and len(nonce) > NONCE_MAX:
        merge_errors(errors, _too_long("nonce", NONCE_MAX))
    if errors:
        raise invalid_form_body(errors)
    has_body = content or embeds or payload.get("attachments") or payload.get("sticker_ids")
    if require_body and not has_body:
        raise ApiError(400, 50006, "Cannot send an empty message")


def compute_pings(
    content: str,
    allowed_mentions: dict[str, Any] | None,
    *,
    default_parse: tuple[str, ...],
    mentionable_roles: set[int],
    may_mention_everyone: bool,
) -> Pings:
    """Who would be notified, under Discord's allowed_mentions rules.

    Omitted allowed_mentions means `default_parse` (users, roles and everyone for normal
    messages; users only for webhooks and interactions). Explicit `users`/`roles` lists
    whitelist ids; `parse` enables a whole kind. Roles ping only when mentionable or the
    author may mention everyone; @everyone/@here only when the author may.
    """
    if allowed_mentions is None:
        parse: set[str] = set(default_parse)
        user_ids: set[int] = set()
        role_ids: set[int] = set()
    else:
        parse = set(allowed_mentions.get("parse") or [])
        user_ids = {int(u) for u in allowed_mentions.get("users") or []}
        role_ids = {int(r) for r in allowed_mentions.get("roles") or []}
    users = [int(u) for u in _USER_MENTION.findall(content)]
    roles = [int(r) for r in _ROLE_MENTION.findall(content)]
    pinged_users = [u for u in dict.fromkeys(users) if "users" in parse or u in user_ids]
    pinged_roles = [
        r
        for r in dict.fromkeys(roles)
        if ("roles" in parse or r in role_ids) and (r in mentionable_roles or may_mention_everyone)
    ]
    everyone = (
        "everyone" in parse
        and may_mention_everyone
        and ("@everyone" in content or "@here" in content)
    )
    return Pings(users=pinged_users, roles=pinged_roles, everyone=everyone)
