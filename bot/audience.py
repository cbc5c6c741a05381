"""Who can see a channel, and whether a destination shows more people than a source.

Permissions are computed the way Discord computes them, and "more people" means somebody
who could see the destination but not read the source.

Discord's rule for a member in a channel: the server owner and administrators see
everything; otherwise the permissions of @everyone and of all the member's roles are OR-ed,
then the channel's @everyone overwrite applies, then the denies and allows of all the
member's roles' overwrites together (denies first), then the member's own overwrite. A
thread takes its parent's permissions; a private thread shows only to the members added to
it and to those who may manage threads in the parent.

The bot has no member list (it does not ask for the privileged members intent), so it cannot
compare audiences member by member. Instead "is #dest wider than #src" asks whether any
member *could* see #dest but not read #src: any combination of roles, and every member with
an overwrite of their own. Every step above ORs over the member's roles, so the outcome
depends only on the OR of their roles' relevant bits: the combinations to try are the
OR-closure of the roles' distinct signatures, which is exact and small in practice. Members
with their own overwrite are judged by their real roles when the bot knows them, and by
every combination when it does not. What the search cannot settle counts as wider.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import discord

from scheduling.audiences import ChannelAccess, Overwrite

Channel = Any  # a guild channel or thread as discord.py gives it

VIEW = discord.Permissions.view_channel.flag
HISTORY = discord.Permissions.read_message_history.flag
THREADS = discord.Permissions.manage_threads.flag
ADMIN = discord.Permissions.administrator.flag
RELEVANT = VIEW | HISTORY | THREADS | ADMIN
# Distinct role combinations tried before the search gives up and calls the audience wider.
MAX_COMBINATIONS = 4096

# "see": the channel shows new messages to them (a destination); "read": they can read its
# history too (a source, or a private thread's content).
Need = Literal["see", "read"]
# Role ids of members the bot knows, by member id; None: not a member of the server (any
# more). A member with an overwrite who is missing from the mapping is unknown.
Known = Mapping[int, frozenset[int] | None]


def _masked(pair: tuple[discord.Permissions, discord.Permissions]) -> Overwrite:
    allow, deny = pair
    return (allow.value & RELEVANT, deny.value & RELEVANT)


def access_of(channel: Channel) -> ChannelAccess:
    """The settings deciding who can view `channel` (a thread: its parent's)."""
    thread = isinstance(channel, discord.Thread)
    holder = channel.parent if thread else channel
    guild = channel.guild
    private = thread and channel.is_private()
    if holder is None:
        # A thread whose parent the bot cannot see: nobody provably sees it but the owner,
        # so as a source it is narrower than anything (never included unconfirmed).
        return ChannelAccess(
            channel_id=channel.id, owner_id=guild.owner_id or 0, everyone=0, private_thread=True
        )
    everyone_overwrite: Overwrite = (0, 0)
    role_overwrites: dict[int, Overwrite] = {}
    member_overwrites: dict[int, Overwrite] = {}
    for target, overwrite in holder.overwrites.items():
        pair = _masked(overwrite.pair())
        if target.id == guild.id:
            everyone_overwrite = pair
        elif isinstance(target, discord.Role) or getattr(target, "type", None) is discord.Role:
            role_overwrites[target.id] = pair
        else:
            member_overwrites[target.id] = pair
    return ChannelAccess(
        channel_id=holder.id,
        owner_id=guild.owner_id or 0,
        everyone=guild.default_role.permissions.value & RELEVANT,
        roles={
            role.id: role.permissions.value & RELEVANT
            for role in guild.roles
            if not role.is_default() and role.permissions.value & RELEVANT
        },
        everyone_overwrite=everyone_overwrite,
        role_overwrites=role_overwrites,
        member_overwrites=member_overwrites,
        private_thread=private,
    )


def permissions(access: ChannelAccess, role_ids: frozenset[int], member_id: int | None) -> int:
    """The relevant permission bits of a member with `role_ids` in the channel of `access`."""
    if member_id is not None and member_id == access.owner_id:
        return RELEVANT
    base = access.everyone
    for role_id in role_ids:
        base |= access.roles.get(role_id, 0)
    if base & ADMIN:
        return RELEVANT
    allow_everyone, deny_everyone = access.everyone_overwrite
    value = (base & ~deny_everyone) | allow_everyone
    allow = deny = 0
    for role_id in role_ids:
        pair = access.role_overwrites.get(role_id)
        if pair is not None:
            allow |= pair[0]
            deny |= pair[1]
    value = (value & ~deny) | allow
    if member_id is not None and member_id in access.member_overwrites:
        allow_member, deny_member = access.member_overwrites[member_id]
        value = (value & ~deny_member) | allow_member
    return value if value & VIEW else 0


def can(
    access: ChannelAccess,
    need: Need,
    role_ids: frozenset[int],
    member_id: int | None = None,
    *,
    thread_member: bool = False,
) -> bool:
    """Whether such a member can see (or read) the channel of `access`."""
    value = permissions(access, role_ids, member_id)
    if not value & VIEW:
        return False
    if need == "read" and not value & HISTORY:
        return False
    if access.private_thread and not thread_member:
        return bool(value & THREADS)  # moderators (owner and administrators hold every bit)
    return True


@dataclass(frozen=True)
class Witness:
    """Somebody who could see the shown channel but not read (or see) what is required.

    `roles` holds one group per role the member needs; roles in a group are interchangeable
    (they agree in every channel concerned), so any one of each group will do.
    """

    roles: tuple[tuple[int, ...], ...] = ()
    member_id: int | None = None
    undecided: bool = False

    def describe(self) -> str:
        """`a member with the roles @A (or @B) and @C`, for replies (mentions never ping)."""
        if self.undecided:
            return "too many combinations of roles differ between the channels to rule it out"
        if self.member_id is not None:
            return f"<@{self.member_id}>"
        if not self.roles:
            return "a member with no roles"
        names = []
        for group in self.roles:
            first, *others = (f"<@&{role_id}>" for role_id in group[:3])
            names.append(f"{first} (or {' or '.join(others)})" if others else first)
        listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        return f"a member with the role{'s' if len(names) > 1 else ''} {listed}"


def _combinations(
    accesses: Sequence[ChannelAccess],
) -> tuple[dict[frozenset[int], None], dict[int, tuple[int, ...]]] | None:
    """One representative role set per distinct outcome (the OR-closure of role signatures).

    Roles whose bits and overwrites agree in every channel concerned are interchangeable, so
    one of them stands for all (the second value maps it to all of them); a combination
    adding nothing new is skipped.
    """
    role_ids = {role_id for a in accesses for role_id in (*a.roles, *a.role_overwrites)}
    by_signature: dict[tuple[object, ...], list[int]] = {}
    for role_id in sorted(role_ids):
        signature = tuple(
            (a.roles.get(role_id, 0), a.role_overwrites.get(role_id, (0, 0))) for a in accesses
        )
        by_signature.setdefault(signature, []).append(role_id)
    groups = {same[0]: tuple(same) for same in by_signature.values()}
    states: dict[tuple[object, ...], frozenset[int]] = {_state(accesses, frozenset()): frozenset()}
    for role_id in groups:
        for roles in list(states.values()):
            wider = roles | {role_id}
            key = _state(accesses, wider)
            if key not in states:
                states[key] = wider
                if len(states) > MAX_COMBINATIONS:
                    return None
    return dict.fromkeys(states.values()), groups


def _state(accesses: Sequence[ChannelAccess], role_ids: frozenset[int]) -> tuple[object, ...]:
    """What decides the outcome in each channel: OR-ed role bits, overwrite allows, denies."""
    key: list[object] = []
    for access in accesses:
        base = allow = deny = 0
        for role_id in role_ids:
            base |= access.roles.get(role_id, 0)
            pair = access.role_overwrites.get(role_id)
            if pair is not None:
                allow |= pair[0]
                deny |= pair[1]
        key.append((base, allow, deny))
    return tuple(key)


def find_witness(
    shown: ChannelAccess,
    required: Sequence[tuple[ChannelAccess, Need]],
    known: Known | None = None,
) -> Witness | None:
    """Somebody who could see `shown` but fails one of `required`, or None when nobody could.

    A private thread shown is seen by whoever is added to it, so anybody who can see its
    parent counts; a private thread required is read only by its moderators, since the bot
    cannot list who was added.
    """
    known = known or {}
    accesses = [shown, *(access for access, _ in required)]

    def leaks(role_ids: frozenset[int], member_id: int | None) -> bool:
        if not can(shown, "see", role_ids, member_id, thread_member=True):
            return False
        return not all(can(access, need, role_ids, member_id) for access, need in required)

    found = _combinations(accesses)
    if found is None:
        return Witness(undecided=True)
    combinations, groups = found
    for role_ids in combinations:
        if leaks(role_ids, None):
            return Witness(roles=tuple(groups[role_id] for role_id in sorted(role_ids)))
    members = {member_id for access in accesses for member_id in access.member_overwrites}
    for member_id in sorted(members):
        if member_id == shown.owner_id:
            continue
        if member_id in known:
            roles = known[member_id]
            if roles is not None and leaks(roles, member_id):
                return Witness(member_id=member_id)
        elif any(leaks(role_ids, member_id) for role_ids in combinations):
            return Witness(member_id=member_id)
    return None


def public(sources: Sequence[ChannelAccess]) -> bool:
    """Whether a member with no roles can read every source (and none is a private thread)."""
    return all(can(access, "read", frozenset()) for access in sources)


def overwrite_members(accesses: Sequence[ChannelAccess]) -> set[int]:
    """Members with an overwrite of their own in any of the channels (to look up)."""
    return {member_id for access in accesses for member_id in access.member_overwrites}


def known_from_cache(guild: discord.Guild, member_ids: set[int]) -> dict[int, frozenset[int]]:
    """The role sets of those members the bot's cache holds (the rest stay unknown)."""
    known: dict[int, frozenset[int]] = {}
    for member_id in member_ids:
        member = guild.get_member(member_id)
        if member is not None:
            known[member_id] = frozenset(role.id for role in member.roles if not role.is_default())
    return known
