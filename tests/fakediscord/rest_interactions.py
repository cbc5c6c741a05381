"""REST: application commands, interactions (inject, callback, follow-ups) and webhooks."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import web

from tests.fakediscord.rest_messages import (
    EPHEMERAL,
    WEBHOOK_PARSE,
    apply_edit,
    create_message,
    read_payload,
)
from tests.fakediscord.state import Channel, Message, User, new_token
from tests.fakediscord.wire import ApiError, json_response, unknown_message, unknown_webhook

if TYPE_CHECKING:
    from tests.fakediscord.server import FakeDiscord, Handler

Add = Callable[[str, str, "Handler"], None]
LOADING = 1 << 7
CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE = 4, 5


@dataclass
class InjectedInteraction:
    """A slash command the test sent, and everything the bot answered to it."""

    id: int
    token: str
    channel_id: int
    user: User
    payload: dict[str, Any]
    callback: dict[str, Any] | None = None
    original: Message | None = None
    followups: list[Message] = field(default_factory=list)
    answered: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def response_type(self) -> int | None:
        """4 (message), 5 (deferred), ... or None before the bot acknowledged."""
        return None if self.callback is None else int(self.callback.get("type", 0))

    async def wait_response(self, timeout: float = 5.0) -> dict[str, Any]:  # noqa: ASYNC109
        """The callback body the bot sent (waits for it)."""
        async with asyncio.timeout(timeout):
            await self.answered.wait()
        assert self.callback is not None
        return self.callback


async def inject_command(
    fake: FakeDiscord,
    channel_id: int,
    user_id: int,
    name: str,
    options: list[dict[str, Any]],
    permissions: int | None,
) -> InjectedInteraction:
    """Build INTERACTION_CREATE for a slash command and dispatch it."""
    channel = fake.channel(channel_id)
    assert channel.guild_id is not None, "commands are injected in guild channels"
    guild = fake.guilds[channel.guild_id]
    member = guild.members[user_id]
    perms = fake.permissions_in(channel, user_id) if permissions is None else permissions
    command_id = next(
        (
            int(c["id"])
            for scope in (guild.id, None)
            for c in fake.commands.get(scope, [])
            if c["name"] == name
        ),
        fake.ids.next_id(),
    )
    interaction = InjectedInteraction(
        id=fake.ids.next_id(),
        token=new_token(),
        channel_id=channel_id,
        user=member.user,
        payload={},
    )
    interaction.payload = {
        "id": str(interaction.id),
        "application_id": str(fake.application_id),
        "type": 2,
        "token": interaction.token,
        "version": 1,
        "guild_id": str(guild.id),
        "guild": {"id": str(guild.id), "locale": "en-US", "features": []},
        "channel_id": str(channel_id),
        "channel": channel.to_json(),
        "data": {
            "id": str(command_id),
            "name": name,
            "type": 1,
            "options": options,
            "guild_id": str(guild.id),
        },
        "member": member.to_json() | {"permissions": str(perms)},
        "app_permissions": str(fake.permissions_in(channel, fake.bot_user.id)),
        "locale": "en-US",
        "guild_locale": "en-US",
        "entitlements": [],
        "authorizing_integration_owners": {"0": str(guild.id)},
        "context": 0,
        "attachment_size_limit": 8 * 1024 * 1024,
    }
    resolved = _resolved(fake, guild, options, user_id)
    if resolved:
        interaction.payload["data"]["resolved"] = resolved
    if not fake.gateway.serving(guild.id):
        raise RuntimeError(
            "no bot has identified on the fake gateway (for this guild's shard) yet;"
            " wait for READY first"
        )
    fake.interactions[interaction.id] = interaction
    await fake.dispatch("INTERACTION_CREATE", interaction.payload)
    return interaction


USER_OPTION, CHANNEL_OPTION, ROLE_OPTION, MENTIONABLE_OPTION = 6, 7, 8, 9


def _walk(options: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Leaf options, through subcommand groups and subcommands."""
    leaves = []
    for option in options:
        leaves.extend(_walk(option["options"]) if "options" in option else [option])
    return leaves


def _resolved(
    fake: FakeDiscord, guild: Any, options: list[dict[str, Any]], invoker_id: int
) -> dict[str, Any]:
    """Discord's `data.resolved` for user, channel and role options.

    A resolved channel carries the invoking member's computed permissions in it.
    """
    resolved: dict[str, dict[str, Any]] = {}
    for option in _walk(options):
        kind, value = option.get("type"), str(option.get("value"))
        if kind == CHANNEL_OPTION:
            channel = fake.channel(int(value))
            perms = fake.permissions_in(channel, invoker_id)
            entry = channel.to_json() | {"permissions": str(perms)}
            resolved.setdefault("channels", {})[value] = entry
        if kind in (USER_OPTION, MENTIONABLE_OPTION) and int(value) in guild.members:
            member = guild.members[int(value)].to_json()
            resolved.setdefault("users", {})[value] = member.pop("user")
            resolved.setdefault("members", {})[value] = member
        if kind in (ROLE_OPTION, MENTIONABLE_OPTION) and int(value) in guild.roles:
            resolved.setdefault("roles", {})[value] = guild.roles[int(value)].to_json()
    return resolved


def _by_token(fake: FakeDiscord, token: str) -> InjectedInteraction | None:
    return next((i for i in fake.interactions.values() if i.token == token), None)


def register(add: Add, fake: FakeDiscord) -> None:
    """Add command, interaction and webhook routes."""

    def commands_route(scoped: bool) -> tuple[Handler, Handler]:
        async def put(request: web.Request) -> web.Response:
            scope = int(request.match_info["guild_id"]) if scoped else None
            payload, _ = await read_payload(request)
            stored = []
            for command in payload:
                entry = {
                    "type": 1,
                    "description": "",
                    "options": [],
                    "default_member_permissions": None,
                    "dm_permission": True,
                    "nsfw": False,
                } | command
                entry |= {
                    "id": str(fake.ids.next_id()),
                    "application_id": str(fake.application_id),
                    "version": str(fake.ids.next_id()),
                }
                if scope is not None:
                    entry["guild_id"] = str(scope)
                stored.append(entry)
            fake.commands[scope] = stored
            return json_response(stored)

        async def get(request: web.Request) -> web.Response:
            scope = int(request.match_info["guild_id"]) if scoped else None
            return json_response(fake.commands.get(scope, []))

        return put, get

    async def callback(request: web.Request) -> web.Response:
        interaction = fake.interactions.get(int(request.match_info["interaction_id"]))
        if interaction is None or interaction.token != request.match_info["interaction_token"]:
            raise ApiError(404, 10062, "Unknown interaction")
        if interaction.callback is not None:
            raise ApiError(400, 40060, "Interaction has already been acknowledged.")
        payload, files = await read_payload(request)
        kind = int(payload.get("type", 0))
        data = payload.get("data") or {}
        channel = fake.channel(interaction.channel_id)
        if kind == CHANNEL_MESSAGE:
            interaction.original = _interaction_message(fake, interaction, channel, data, files)
        elif kind == DEFERRED_CHANNEL_MESSAGE:
            flags = int(data.get("flags") or 0) | LOADING
            interaction.original = Message(
                id=fake.ids.next_id(),
                channel_id=channel.id,
                guild_id=channel.guild_id,
                author=fake.bot_user,
                flags=flags,
                interaction_id=interaction.id,
                posted=True,
            )
            if not flags & EPHEMERAL:
                fake.store_message(channel, interaction.original)
        interaction.callback = payload
        interaction.answered.set()
        if "with_response" not in request.query:
            return web.Response(status=204)
        original = interaction.original
        body: dict[str, Any] = {
            "interaction": {
                "id": str(interaction.id),
                "type": 2,
                "response_message_id": str(original.id) if original else None,
                "response_message_loading": kind == DEFERRED_CHANNEL_MESSAGE,
                "response_message_ephemeral": bool(original and original.flags & EPHEMERAL),
            }
        }
        if kind == CHANNEL_MESSAGE and original is not None:
            body["resource"] = {"type": kind, "message": original.to_json()}
        elif kind != 0:
            body["resource"] = {"type": kind}
        return json_response(body)

    def resolve(
        request: web.Request,
    ) -> tuple[Channel, User, int | None, InjectedInteraction | None]:
        """A webhook URL is either a channel webhook or an interaction's follow-up webhook."""
        token = request.match_info["webhook_token"]
        hook = fake.webhooks.get(int(request.match_info["webhook_id"]))
        if hook is not None and hook.token == token:
            channel_id = int(request.query.get("thread_id") or hook.channel_id)
            return fake.channel(channel_id), hook.author, hook.id, None
        interaction = _by_token(fake, token)
        if interaction is not None and request.match_info["webhook_id"] == str(fake.application_id):
            return (
                fake.channel(interaction.channel_id),
                fake.bot_user,
                fake.application_id,
                interaction,
            )
        raise unknown_webhook()

    async def get_webhook(request: web.Request) -> web.Response:
        """GET with the webhook's own token: the webhook object, with its channel."""
        hook = fake.webhooks.get(int(request.match_info["webhook_id"]))
        if hook is None or hook.token != request.match_info["webhook_token"]:
            raise unknown_webhook()
        return json_response(hook.to_json())

    async def execute(request: web.Request) -> web.Response:
        channel, author, hook_id, interaction = resolve(request)
        if interaction is not None and interaction.callback is None:
            raise ApiError(400, 40060, "Interaction has not been acknowledged.")
        payload, files = await read_payload(request)
        if (
            interaction is not None
            and interaction.original is not None
            and (interaction.original.flags & LOADING)
        ):
            # The first follow-up after a deferral replaces the "thinking" message.
            message = interaction.original
            apply_edit(message, payload)
            message.flags &= ~LOADING
        else:
            message = create_message(
                fake,
                channel,
                author,
                payload,
                files,
                default_parse=WEBHOOK_PARSE,
                may_mention_everyone=True,
                webhook_id=hook_id,
                interaction_id=interaction.id if interaction else None,
            )
            if interaction is not None:
                interaction.followups.append(message)
        if interaction is None and request.query.get("wait") not in ("true", "1", "True"):
            return web.Response(status=204)
        return json_response(message.to_json())

    def find(request: web.Request) -> tuple[Channel, Message, InjectedInteraction | None]:
        channel, _, _, interaction = resolve(request)
        wanted = request.match_info["message_id"]
        if wanted == "@original":
            if interaction is None or interaction.original is None:
                raise unknown_message()
            return channel, interaction.original, interaction
        ephemeral = interaction.followups if interaction is not None else []
        for message in [*channel.messages, *ephemeral]:
            if str(message.id) == wanted:
                return channel, message, interaction
        raise unknown_message()

    async def get_webhook_message(request: web.Request) -> web.Response:
        _, message, _ = find(request)
        return json_response(message.to_json())

    async def edit_webhook_message(request: web.Request) -> web.Response:
        _, message, _ = find(request)
        payload, _ = await read_payload(request)
        apply_edit(message, payload)
        message.flags &= ~LOADING
        return json_response(message.to_json())

    async def delete_webhook_message(request: web.Request) -> web.Response:
        channel, message, interaction = find(request)
        if message in channel.messages:
            channel.messages.remove(message)
        if interaction is not None and interaction.original is message:
            interaction.original = None
        return web.Response(status=204)

    put_global, get_global = commands_route(False)
    put_guild, get_guild = commands_route(True)
    add("PUT", "/applications/{application_id}/commands", put_global)
    add("GET", "/applications/{application_id}/commands", get_global)
    add("PUT", "/applications/{application_id}/guilds/{guild_id}/commands", put_guild)
    add("GET", "/applications/{application_id}/guilds/{guild_id}/commands", get_guild)
    add("POST", "/interactions/{interaction_id}/{interaction_token}/callback", callback)
    add("POST", "/webhooks/{webhook_id}/{webhook_token}", execute)
    add("GET", "/webhooks/{webhook_id}/{webhook_token}", get_webhook)
    path = "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}"
    add("GET", path, get_webhook_message)
    add("PATCH", path, edit_webhook_message)
    add("DELETE", path, delete_webhook_message)


def _interaction_message(
    fake: FakeDiscord,
    interaction: InjectedInteraction,
    channel: Channel,
    data: dict[str, Any],
    files: list[dict[str, Any]],
) -> Message:
    # Interaction replies need no channel permission of the bot's: Discord posts them.
    return create_message(
        fake,
        channel,
        fake.bot_user,
        data,
        files,
        default_parse=WEBHOOK_PARSE,
        may_mention_everyone=True,
        webhook_id=fake.application_id,
        interaction_id=interaction.id,
    )
