"""Discord mentions as members read them: `<@123>` becomes `@Name`, `<#456>` becomes `#name`.

Message content carries mentions as ids. A digest that quoted them would show `<@1456…>` to
its readers (or, cut and then escaped, worse), so every source resolves them with the names
it knows (an export's `mentions` list, the bot's guild cache) before the summarizer reads the
text, and `text.clean` turns any still unresolved into a placeholder. The result is text only:
nothing a digest sends can ping (Discord sends parse no mentions).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

# <@id> and <@!id> (a member), <@&id> (a role), <#id> (a channel or thread).
MENTION = re.compile(r"<(@!?|@&|#)(\d{1,20})>")
# What an unknown mention reads as: which kind it was, never its id.
UNKNOWN = {"@": "@user", "@&": "@role", "#": "#channel"}
_NONE: Mapping[int, str] = {}


def resolve(
    content: str,
    users: Mapping[int, str] = _NONE,
    roles: Mapping[int, str] = _NONE,
    channels: Mapping[int, str] = _NONE,
) -> str:
    """`content` with every mention written as `@name` / `#name`, or as its kind if unknown."""
    if "<" not in content:
        return content

    def name(match: re.Match[str]) -> str:
        kind = "@" if match[1] == "@!" else match[1]
        known = {"@": users, "@&": roles, "#": channels}[kind].get(int(match[2]))
        return f"{kind[0]}{known}" if known else UNKNOWN[kind]

    return MENTION.sub(name, content)
