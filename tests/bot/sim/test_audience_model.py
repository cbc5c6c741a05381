"""`bot.audience` against simcord's own permission model, over seeded random servers.

simcord computes access independently (its backend answers every REST call with it), so
agreeing with it on random roles, overwrites and private threads checks both the bot's
reading of discord.py's objects and its arithmetic. The search for a witness is checked
both ways: whenever some real member could see the destination but not read the source, a
witness is found; and a witness made of roles is real: a new member holding them leaks.
"""

from __future__ import annotations

import random

import discord
from simcord.backend.access import channel_accessible

from bot.audience import access_of, can, find_witness

SEEDS = range(12)
BITS = {
    "view_channel": discord.Permissions.view_channel.flag,
    "read_message_history": discord.Permissions.read_message_history.flag,
    "manage_threads": discord.Permissions.manage_threads.flag,
}


def random_permissions(rng: random.Random) -> discord.Permissions:
    value = 0
    for flag in BITS.values():
        if rng.random() < 0.3:
            value |= flag
    if rng.random() < 0.04:
        value |= discord.Permissions.administrator.flag
    return discord.Permissions(value)


def random_overwrite(rng: random.Random) -> discord.PermissionOverwrite:
    settings = {name: rng.choice([None, None, True, False]) for name in BITS}
    return discord.PermissionOverwrite(**settings)


async def random_server(world, rng: random.Random):
    guild = world.guild
    roles = [
        guild.create_role(f"r{i}", permissions=random_permissions(rng))
        for i in range(rng.randint(2, 5))
    ]
    members = [
        guild.add_member(
            world.env.create_user(f"u{rng.random():.6f}"),
            roles=rng.sample(roles, rng.randint(0, min(3, len(roles)))),
        )
        for _ in range(10)
    ]
    channels = []
    for i in range(3):
        overwrites = {world.env.bot.user: discord.PermissionOverwrite(view_channel=True)}
        if rng.random() < 0.7:
            overwrites[guild.default_role] = random_overwrite(rng)
        for role in rng.sample(roles, rng.randint(0, len(roles))):
            overwrites[role] = random_overwrite(rng)
        if rng.random() < 0.5:
            overwrites[rng.choice(members)] = random_overwrite(rng)
        channels.append(guild.create_text_channel(f"c{i}", overwrites=overwrites))
    backend = world.env.backend
    thread = backend.create_thread(
        channels[0].id, "t", world.admin.id, type=discord.ChannelType.private_thread.value
    )
    for member in rng.sample(members, 3):
        thread.thread_members[member.id] = backend.now_iso()
    await world.env.settle()
    return roles, members, [c.id for c in channels], thread.id


def role_ids(world, member_id: int) -> frozenset[int]:
    return frozenset(world.env.backend.guilds[world.guild.id].members[member_id].role_ids)


async def test_access_agrees_with_simcord_on_random_servers(world):
    checked = 0
    for seed in SEEDS:
        rng = random.Random(seed)
        _, members, channel_ids, thread_id = await random_server(world, rng)
        cache = world.env.bot.get_guild(world.guild.id)
        backend = world.env.backend
        for channel_id in [*channel_ids, thread_id]:
            access = access_of(cache.get_channel_or_thread(channel_id))
            added = backend.channels[channel_id].thread_members
            for member in members:
                for need, history in (("see", False), ("read", True)):
                    ours = can(
                        access,
                        need,
                        role_ids(world, member.id),
                        member.id,
                        thread_member=member.id in added,
                    )
                    truth = channel_accessible(backend, channel_id, member.id, history=history)
                    assert ours == truth, (seed, channel_id, member.id, need)
                    checked += 1
    assert checked > 500


async def test_a_witness_is_found_exactly_when_a_leak_is_possible(world):
    backend = world.env.backend
    for seed in SEEDS:
        rng = random.Random(seed)
        _, members, channel_ids, _ = await random_server(world, rng)
        cache = world.env.bot.get_guild(world.guild.id)
        for shown_id in channel_ids:
            for source_id in channel_ids:
                if shown_id == source_id:
                    continue
                shown = access_of(cache.get_channel(shown_id))
                source = access_of(cache.get_channel(source_id))
                witness = find_witness(shown, [(source, "read")])
                leakers = [
                    m.id
                    for m in members
                    if channel_accessible(backend, shown_id, m.id)
                    and not channel_accessible(backend, source_id, m.id, history=True)
                ]
                if leakers:
                    assert witness is not None, (seed, shown_id, source_id, leakers)
                if witness is not None and witness.member_id is None and not witness.undecided:
                    # The witness is real: a newcomer holding those roles leaks.
                    chosen = [world.guild.roles[_name(world, g[0])] for g in witness.roles]
                    newcomer = world.guild.add_member(
                        world.env.create_user(f"w{seed}-{shown_id}-{source_id}"), roles=chosen
                    )
                    await world.env.settle()
                    assert channel_accessible(backend, shown_id, newcomer.id)
                    assert not channel_accessible(backend, source_id, newcomer.id, history=True)


def _name(world, role_id: int) -> str:
    return world.env.backend.guilds[world.guild.id].roles[role_id].name
