"""REST: channels, messages (history paging, create, edit, delete), threads and DMs."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aiohttp import web

from tests.fakediscord import permissions as p
from tests.fakediscord.limits import compute_pings, validate_message
from tests.fakediscord.state import Channel, ChannelType, Message, User
from tests.fakediscord.wire import (
    ApiError,
    field_error,
    invalid_form_body,
    json_response,
    missing_access,
    missing_permissions,
    unknown_message,
)

if TYPE_CHECKING:
    from tests.fakediscord.server import FakeDiscord, Handler

Add = Callable[[str, str, "Handler"], None]
NORMAL_PARSE = ("users", "roles", "everyone")
WEBHOOK_PARSE = ("users",)
EPHEMERAL = 1 << 6


async def read_payload(request: web.Request) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The JSON body, or `payload_json` plus uploaded files from a multipart body."""
    if request.content_type.startswith("multipart/"):
        payload: dict[str, Any] = {}
        files: list[dict[str, Any]] = []
        reader = await request.multipart()
        async for part in reader:
            if part.name == "payload_json":
                payload = json.loads(await part.text())  # type: ignore[union-attr]
            else:
                data = await part.read()  # type: ignore[union-attr]
                files.append({"filename": part.filename, "size": len(data)})  # type: ignore[union-attr]
        return payload, files
    if not request.can_read_body:
        return {}, []
    try:
        return await request.json(), []
    except json.JSONDecodeError as exc:
        raise ApiError(400, 50109, "The request body contains invalid JSON.") from exc


def create_message(
    fake: FakeDiscord,
    channel: Channel,
    author: User,
    payload: dict[str, Any],
    files: list[dict[str, Any]],
    *,
    default_parse: tuple[str, ...],
    may_mention_everyone: bool,
    webhook_id: int | None = None,
    interaction_id: int | None = None,
) -> Message:
    """Validate and store a message; pings follow allowed_mentions (the default differs by kind)."""
    if files:
        payload = payload | {"attachments": payload.get("attachments") or files}
    validate_message(payload)
    guild = fake.guilds.get(channel.guild_id) if channel.guild_id else None
    mentionable = {r.id for r in guild.roles.values() if r.mentionable} if guild else set()
    content = str(payload.get("content") or "")
    message = Message(
        id=fake.ids.next_id(),
        channel_id=channel.id,
        guild_id=channel.guild_id,
        author=author,
        content=content,
        embeds=list(payload.get("embeds") or []),
        attachments=[
            {
                "id": str(fake.ids.next_id()),
                "filename": f.get("filename") or "file",
                "size": f.get("size", 0),
                "url": f"https://cdn.invalid/{f.get('filename')}",
                "proxy_url": f"https://cdn.invalid/{f.get('filename')}",
            }
            for f in files
        ],
        nonce=payload.get("nonce"),
        webhook_id=webhook_id,
        interaction_id=interaction_id,
        flags=int(payload.get("flags") or 0),
        pings=compute_pings(
            content,
            payload.get("allowed_mentions"),
            default_parse=default_parse,
            mentionable_roles=mentionable,
            may_mention_everyone=may_mention_everyone,
        ),
        posted=True,
    )
    if channel.is_thread and channel.archived:
        channel.archived = False  # sending to an archived, unlocked thread unarchives it
    if not message.flags & EPHEMERAL:
        # Ephemeral replies exist only for their user: never in channel history.
        fake.store_message(channel, message)
    return message


def _visible(fake: FakeDiscord, message: Message) -> dict[str, Any]:
    """Without MESSAGE_CONTENT, other users' content and embeds come back empty."""
    data = message.to_json()
    own = message.author.id == fake.bot_user.id
    if not fake.message_content_granted and not own and fake.bot_user.id not in message.pings.users:
        data.update(content="", embeds=[], attachments=[], components=[])
    return data


def _snowflake_param(request: web.Request, name: str) -> int | None:
    value = request.query.get(name)
    if value is None:
        return None
    if not value.isdigit():
        raise invalid_form_body(
            field_error(name, "NUMBER_TYPE_COERCE", f'Value "{value}" is not snowflake.')
        )
    return int(value)


def _limit(request: web.Request, default: int = 50) -> int:
    raw = request.query.get("limit", str(default))
    if not raw.lstrip("-").isdigit():
        raise invalid_form_body(
            field_error("limit", "NUMBER_TYPE_COERCE", f'Value "{raw}" is not int.')
        )
    limit = int(raw)
    if limit < 1:
        raise invalid_form_body(
            field_error(
                "limit", "NUMBER_TYPE_MIN", "int value should be greater than or equal to 1."
            )
        )
    if limit > 100:
        raise invalid_form_body(
            field_error(
                "limit", "NUMBER_TYPE_MAX", "int value should be less than or equal to 100."
            )
        )
    return limit


def page(
    messages: list[Message],
    *,
    limit: int,
    before: int | None,
    after: int | None,
    around: int | None,
) -> list[Message]:
    """Discord's paging over ascending `messages`; the result is always newest first.

    `before`/`after` are exclusive; `after` yields the OLDEST `limit` messages after it.
    `around` takes up to limit//2 older messages and fills the rest with the message
    itself and newer ones (so `around=X&limit=1` returns X).
    """
    if around is not None:
        older = [m for m in messages if m.id < around][-(limit // 2) :] if limit // 2 else []
        newer = [m for m in messages if m.id >= around][: limit - len(older)]
        chosen = older + newer
    elif before is not None:
        chosen = [m for m in messages if m.id < before][-limit:]
    elif after is not None:
        chosen = [m for m in messages if m.id > after][:limit]
    else:
        chosen = messages[-limit:]
    return list(reversed(chosen))


def _readable_channel(fake: FakeDiscord, channel_id: str) -> tuple[Channel, int]:
    channel = fake.channel(int(channel_id))
    perms = fake.permissions_in(channel, fake.bot_user.id)
    if not perms & p.VIEW_CHANNEL:
        raise missing_access()
    return channel, perms


def register(add: Add, fake: FakeDiscord) -> None:
    """Add the channel, message, thread and DM routes."""

    async def get_channel(request: web.Request) -> web.Response:
        channel, _ = _readable_channel(fake, request.match_info["channel_id"])
        return json_response(channel.to_json())

    async def list_messages(request: web.Request) -> web.Response:
        channel, perms = _readable_channel(fake, request.match_info["channel_id"])
        limit = _limit(request)
        if not perms & p.READ_MESSAGE_HISTORY:
            raise missing_permissions()
        chosen = page(
            channel.messages,
            limit=limit,
            before=_snowflake_param(request, "before"),
            after=_snowflake_param(request, "after"),
            around=_snowflake_param(request, "around"),
        )
        return json_response([_visible(fake, m) for m in chosen])

    async def get_message(request: web.Request) -> web.Response:
        channel, perms = _readable_channel(fake, request.match_info["channel_id"])
        if not perms & p.READ_MESSAGE_HISTORY:
            raise missing_permissions()
        return json_response(_visible(fake, _find(channel, request.match_info["message_id"])))

    async def post_message(request: web.Request) -> web.Response:
        channel = fake.channel(int(request.match_info["channel_id"]))
        payload, files = await read_payload(request)
        if channel.guild_id is None:
            recipient = channel.recipients[0].id if channel.recipients else 0
            if recipient in fake.dm_blocked:
                raise ApiError(403, 50007, "Cannot send messages to this user")
            perms = p.ALL
        else:
            perms = fake.permissions_in(channel, fake.bot_user.id)
            if not perms & p.VIEW_CHANNEL:
                raise missing_access()
            if not p.can_post(channel, perms):
                raise missing_permissions()
            if payload.get("embeds") and not perms & p.EMBED_LINKS:
                raise missing_permissions()
            if files and not perms & p.ATTACH_FILES:
                raise missing_permissions()
        if channel.type in (ChannelType.FORUM, ChannelType.CATEGORY):
            raise ApiError(400, 50008, "Cannot send messages in a non-text channel")
        if channel.is_thread and channel.archived and channel.locked:
            raise ApiError(400, 50083, "Thread is archived")
        nonce = payload.get("nonce")
        if nonce is not None and payload.get("enforce_nonce"):
            for earlier in reversed(channel.messages):
                if earlier.nonce == nonce and earlier.author.id == fake.bot_user.id:
                    fake.nonce_dedups += 1
                    return json_response(earlier.to_json())
        message = create_message(
            fake,
            channel,
            fake.bot_user,
            payload,
            files,
            default_parse=NORMAL_PARSE,
            may_mention_everyone=bool(perms & p.MENTION_EVERYONE),
        )
        return json_response(message.to_json())

    async def edit_message(request: web.Request) -> web.Response:
        channel = fake.channel(int(request.match_info["channel_id"]))
        message = _find(channel, request.match_info["message_id"])
        if message.author.id != fake.bot_user.id:
            raise ApiError(403, 50005, "Cannot edit a message authored by another user")
        payload, _ = await read_payload(request)
        apply_edit(message, payload)
        return json_response(message.to_json())

    async def delete_message(request: web.Request) -> web.Response:
        channel = fake.channel(int(request.match_info["channel_id"]))
        message = _find(channel, request.match_info["message_id"])
        perms = fake.permissions_in(channel, fake.bot_user.id)
        if message.author.id != fake.bot_user.id and not perms & p.MANAGE_MESSAGES:
            raise missing_permissions()
        channel.messages.remove(message)
        return web.Response(status=204)

    async def active_threads(request: web.Request) -> web.Response:
        guild_id = int(request.match_info["guild_id"])
        if guild_id not in fake.guilds:
            raise ApiError(404, 10004, "Unknown Guild")
        threads = [
            c
            for c in fake.guild_channels(guild_id)
            if c.is_thread
            and not c.archived
            and fake.permissions_in(c, fake.bot_user.id) & p.VIEW_CHANNEL
        ]
        return json_response({"threads": [t.to_json() for t in threads], "members": []})

    def archived(kind: ChannelType) -> Any:
        async def handler(request: web.Request) -> web.Response:
            parent, perms = _readable_channel(fake, request.match_info["channel_id"])
            if not perms & p.READ_MESSAGE_HISTORY:
                raise missing_permissions()
            # Listing archived private threads also needs Manage Threads, as on Discord.
            if kind == ChannelType.PRIVATE_THREAD and not perms & p.MANAGE_THREADS:
                raise missing_permissions()
            limit = _limit(request, default=50)
            threads = [
                c
                for c in fake.channels.values()
                if c.parent_id == parent.id and c.archived and c.type == kind
            ]
            threads.sort(key=lambda t: t.id, reverse=True)
            return json_response(
                {
                    "threads": [t.to_json() for t in threads[:limit]],
                    "members": [],
                    "has_more": len(threads) > limit,
                }
            )

        return handler

    async def open_dm(request: web.Request) -> web.Response:
        payload, _ = await read_payload(request)
        user = fake.users.get(int(payload.get("recipient_id", 0)))
        if user is None:
            raise ApiError(404, 10013, "Unknown User")
        for channel in fake.channels.values():
            if channel.type == ChannelType.DM and channel.recipients[0].id == user.id:
                return json_response(channel.to_json())
        dm = Channel(id=fake.ids.next_id(), type=ChannelType.DM, name="", recipients=[user])
        fake.channels[dm.id] = dm
        return json_response(dm.to_json())

    async def get_member(request: web.Request) -> web.Response:
        guild = fake.guilds.get(int(request.match_info["guild_id"]))
        if guild is None:
            raise ApiError(404, 10004, "Unknown Guild")
        member = guild.members.get(int(request.match_info["user_id"]))
        if member is None:
            raise ApiError(404, 10007, "Unknown Member")
        return json_response(member.to_json())

    add("GET", "/channels/{channel_id}", get_channel)
    add("GET", "/guilds/{guild_id}/members/{user_id}", get_member)
    add("GET", "/channels/{channel_id}/messages", list_messages)
    add("POST", "/channels/{channel_id}/messages", post_message)
    add("GET", "/channels/{channel_id}/messages/{message_id}", get_message)
    add("PATCH", "/channels/{channel_id}/messages/{message_id}", edit_message)
    add("DELETE", "/channels/{channel_id}/messages/{message_id}", delete_message)
    add("GET", "/guilds/{guild_id}/threads/active", active_threads)
    add(
        "GET", "/channels/{channel_id}/threads/archived/public", archived(ChannelType.PUBLIC_THREAD)
    )
    add(
        "GET",
        "/channels/{channel_id}/threads/archived/private",
        archived(ChannelType.PRIVATE_THREAD),
    )
    add("POST", "/users/@me/channels", open_dm)


def apply_edit(message: Message, payload: dict[str, Any]) -> None:
    """Change content/embeds/flags of a message as PATCH does (absent keys stay)."""
    merged = {"content": message.content, "embeds": message.embeds} | {
        k: v for k, v in payload.items() if k in ("content", "embeds")
    }
    validate_message(merged, require_body=False)
    message.content = str(merged.get("content") or "")
    message.embeds = list(merged.get("embeds") or [])
    message.edited_at = datetime.now(UTC)


def _find(channel: Channel, message_id: str) -> Message:
    for message in channel.messages:
        if str(message.id) == message_id:
            return message
    raise unknown_message()
