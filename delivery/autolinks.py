"""Web addresses in escaped text: left whole, as `<https://…>` autolinks.

Markdown (GitHub's and Discord's) reads a backslash inside an address as part of it, so
escaping the `_` of `…/wiki/Tyrian_purple` breaks the link. Every renderer that escapes
message text escapes only what lies between addresses; the angle brackets keep an address
a link whatever it contains, and stop Discord from unfurling a preview for it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

# What GitHub-flavoured Markdown takes for an address; `address` trims what ends a sentence.
URL = re.compile(r"https?://[^\s<>\"`|]+")
_END = ".,;:!?*_~'\")]}"


def address(url: str) -> str:
    """The URL without the punctuation after it; a `)` stays when it closes a `(` inside."""
    while url and url[-1] in _END:
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        url = url[:-1]
    return url if len(url) > len("https://") else ""


def escape_around_links(text: str, escape: Callable[[str], str]) -> str:
    """`escape` applied to everything but web addresses, which become `<address>`."""
    if "://" not in text:
        return escape(text)
    parts, done = [], 0
    for match in URL.finditer(text):
        found = address(match.group())
        if not found:
            continue
        start, end = match.start(), match.start() + len(found)
        if text[start - 1 : start] == "<" and text[end : end + 1] == ">":
            start, end = start - 1, end + 1  # already written as an autolink
        parts += [escape(text[done:start]), f"<{found}>"]
        done = end
    parts.append(escape(text[done:]))
    return "".join(parts)
