"""A Summary as Discord messages that always fit Discord's limits.

Discord refuses a whole message (HTTP 400, code 50035) when any limit is exceeded, so a digest
is built from whole blocks (the header, each topic, highlights, open questions, links) and
packed into as many messages as needed. Blocks split only between points; a single point too
long for a limit is shortened at a word boundary with "…", so no word, link or markdown span is
ever cut. Times are Discord timestamps (`<t:…:f>`), shown in each reader's own time zone.
Nothing summarized can ping: the payload's `allowed_mentions` parses nothing, and the only
mention a digest may carry is a role the schedule names explicitly.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from delivery.autolinks import escape_around_links
from summarizer.models import Highlight, KeyPoint, Summary

TITLE, DESCRIPTION, FIELD_NAME, FIELD_VALUE = 256, 4096, 256, 1024
FOOTER, AUTHOR, EMBED_TOTAL, EMBEDS_PER_MESSAGE, CONTENT = 2048, 256, 6000, 10, 2000
COLOR = 0x5865F2
ELLIPSIS = "…"
# Characters kept free in every message for a footer reference (`render_discord(reference=)`).
REFERENCE_ROOM = 48
FOOTER_SEPARATOR = " · "
BARS = "▁▂▃▄▅▆▇█"
_MARKDOWN = re.compile(r"([\\*_~`|>#\[\]()])")
_MASS_MENTION = re.compile(r"@(everyone|here)")


class EmbedField(BaseModel):
    """One embed field (name ≤ 256, value ≤ 1024)."""

    name: str
    value: str
    inline: bool = False


class Embed(BaseModel):
    """A Discord embed in the API's shape (only the parts digests use)."""

    title: str | None = None
    description: str | None = None
    color: int | None = COLOR
    fields: list[EmbedField] = Field(default_factory=list)
    footer: str | None = None
    timestamp: datetime | None = None

    def size(self) -> int:
        """Characters that count towards the 6,000 per message."""
        parts = [self.title or "", self.description or "", self.footer or ""]
        parts += [field.name + field.value for field in self.fields]
        return sum(len(part) for part in parts)

    def payload(self) -> dict[str, Any]:
        """The JSON Discord expects."""
        data: dict[str, Any] = {}
        if self.title:
            data["title"] = self.title
        if self.description:
            data["description"] = self.description
        if self.color is not None:
            data["color"] = self.color
        if self.fields:
            data["fields"] = [field.model_dump() for field in self.fields]
        if self.footer:
            data["footer"] = {"text": self.footer}
        if self.timestamp is not None:
            data["timestamp"] = self.timestamp.isoformat()
        return data


class DiscordMessage(BaseModel):
    """One message of a digest: content and/or embeds, and the only role it may ping."""

    content: str = ""
    embeds: list[Embed] = Field(default_factory=list)
    mention_role_id: int | None = None

    def payload(self) -> dict[str, Any]:
        """The JSON body for "create message" / "execute webhook"."""
        mentions: dict[str, Any] = {"parse": []}
        if self.mention_role_id is not None:
            mentions["roles"] = [str(self.mention_role_id)]
        return {
            "content": self.content,
            "embeds": [embed.payload() for embed in self.embeds],
            "allowed_mentions": mentions,
        }


def escape(text: str) -> str:
    """Message text as literal text: no markdown from members, no mass mention.

    Web addresses are written `<https://…>`, unescaped: still links, and without previews.
    """
    return escape_around_links(" ".join(text.split()), _literal)


def _literal(text: str) -> str:
    # A zero-width space after @ keeps @everyone readable but never a mention, whatever
    # allowed_mentions says.
    return _MASS_MENTION.sub("@\u200b\\1", _MARKDOWN.sub(r"\\\1", text))


def shorten(text: str, limit: int) -> str:
    """`text` within `limit` characters, cut only between words, marked with "…"."""
    if len(text) <= limit:
        return text
    kept = ""
    for word in text.split(" "):
        candidate = f"{kept} {word}" if kept else word
        if len(candidate) + len(ELLIPSIS) + 1 > limit:
            break
        kept = candidate
    # An escape backslash left dangling at the cut would escape the ellipsis: drop it.
    return (kept.rstrip("\\") + " " + ELLIPSIS).strip() if kept else ELLIPSIS


def sparkline(counts: list[int], width: int = 24) -> str:
    """Counts as a row of block characters, summed into at most `width` columns."""
    if not counts or not any(counts):
        return ""
    size = -(-len(counts) // width)  # ceiling division: columns of whole hours
    columns = [sum(counts[i : i + size]) for i in range(0, len(counts), size)]
    peak = max(columns)
    return "".join(BARS[min(len(BARS) - 1, c * len(BARS) // (peak + 1))] for c in columns)


def _count(number: int, noun: str, plural: str | None = None) -> str:
    return f"{number:,} {noun if number == 1 else plural or noun + 's'}"


def stamp(moment: datetime, style: str = "f") -> str:
    """A Discord timestamp: every reader sees it in their own zone."""
    return f"<t:{int(moment.timestamp())}:{style}>"


def _point_line(point: KeyPoint, budget: int) -> str:
    who = f"**{escape(point.authors[0].name)[:80]}:** " if len(point.authors) == 1 else ""
    link = f" [↗]({point.jump_url})" if _safe_url(point.jump_url) else ""
    return "• " + who + shorten(escape(point.text), budget - len(who) - len(link) - 2) + link


def _blocks(summary: Summary) -> list[tuple[str, list[str]]]:
    """(title, lines) per block, every line already within the description limit."""
    window = f"{stamp(summary.window.start)} – {stamp(summary.window.end)}"
    stats = summary.stats
    header = [
        shorten(escape(summary.overview), 1500),
        window,
        f"{_count(stats.message_count, 'message')} · "
        f"{_count(stats.participant_count, 'person', 'people')}",
    ]
    activity = sparkline(stats.activity)
    if activity:
        header.append(f"Activity per hour: `{activity}`")
    if summary.truncated and not summary.notes:  # stored before the note said how many
        header.append("Only the most recent messages of this window were read.")
    header += [shorten(escape(note), 300) for note in summary.notes]
    blocks = [(summary.title, header)]
    for topic in summary.topics:
        lines = [_point_line(point, 1000) for point in topic.points]
        title = f"{topic.period} · {topic.title}" if topic.period else topic.title
        blocks.append((title, lines or ["(no key points)"]))
    if summary.highlights:
        blocks.append(
            (
                "Highlights",
                [
                    _quote(h.author.name, h.excerpt, h.jump_url, _highlight_label(h))
                    for h in summary.highlights
                ],
            )
        )
    if summary.open_questions:
        blocks.append(
            (
                "Open questions",
                [
                    _quote(q.author.name, q.text, q.jump_url, stamp(q.asked_at, "R"))
                    for q in summary.open_questions
                ],
            )
        )
    if summary.links:
        lines = [f"• <{link.url}>" for link in summary.links if _safe_url(link.url)]
        if lines:
            blocks.append(("Links", lines))
    return blocks


def _highlight_label(highlight: Highlight) -> str:
    """Its reactions, after what it shared if anything: "(shared an image; 4 reactions)"."""
    reactions = _count(highlight.reactions, "reaction")
    return f"({highlight.shared}; {reactions})" if highlight.shared else f"({reactions})"


def _quote(name: str, text: str, url: str | None, suffix: str) -> str:
    link = f" [jump]({url})" if _safe_url(url) else ""
    return f"• **{escape(name)[:80]}:** {shorten(escape(text), 300)}{link} {suffix}"


def _safe_url(url: str | None) -> bool:
    return (
        bool(url)
        and url.startswith(("https://", "http://"))
        and len(url) <= 512
        and (not any(c in url for c in " <>()\n"))
    )


def _chunks(lines: list[str], limit: int) -> list[str]:
    """Join lines into texts of at most `limit` characters, breaking only between lines."""
    chunks, current = [], ""
    for line in lines:
        line = shorten(line, limit)
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit and current:
            chunks.append(current)
            candidate = line
        current = candidate
    if current:
        chunks.append(current)
    return chunks


def render_discord(
    summary: Summary,
    *,
    style: Literal["embed", "markdown"] = "embed",
    mention_role_id: int | None = None,
    reference: Callable[[int], str] | None = None,
) -> list[DiscordMessage]:
    """The digest as one or more messages, each within every Discord limit.

    `reference(part)`, when given (embed style), ends the footer of each message's last embed,
    so a message can be recognised later in the channel's history (`delivery.channel`).
    """
    mention = f"<@&{mention_role_id}>" if mention_role_id is not None else ""
    if style == "markdown":
        messages = _markdown_messages(summary, CONTENT - len(mention) - 1)
    elif reference is None:
        messages = _embed_messages(summary)
    else:
        messages = _referenced(_embed_messages(summary, EMBED_TOTAL - REFERENCE_ROOM), reference)
    if mention:
        first = messages[0]
        content = f"{mention} {first.content}".strip() if first.content else mention
        messages[0] = first.model_copy(
            update={"content": content, "mention_role_id": mention_role_id}
        )
    return messages


def _referenced(
    messages: list[DiscordMessage], reference: Callable[[int], str]
) -> list[DiscordMessage]:
    """Each message's last embed footed with its reference (room for it was kept free)."""
    marked = []
    for part, message in enumerate(messages):
        tag = reference(part)
        if len(tag) > REFERENCE_ROOM - len(FOOTER_SEPARATOR):
            raise ValueError(f"a message reference {tag!r} does not fit in the room kept for it")
        *rest, last = message.embeds
        footer = f"{last.footer}{FOOTER_SEPARATOR}{tag}" if last.footer else tag
        embeds = [*rest, last.model_copy(update={"footer": footer})]
        marked.append(message.model_copy(update={"embeds": embeds}))
    return marked


def _embed_messages(summary: Summary, total: int = EMBED_TOTAL) -> list[DiscordMessage]:
    embeds: list[Embed] = []
    for title, lines in _blocks(summary):
        parts = _chunks(lines, DESCRIPTION // 2)
        for number, part in enumerate(parts):
            name = shorten(escape(title), TITLE - 14) + (" (continued)" if number else "")
            embeds.append(Embed(title=name, description=part))
    embeds[-1] = embeds[-1].model_copy(
        update={"footer": f"summarybot · {summary.engine}", "timestamp": summary.generated_at}
    )
    messages: list[DiscordMessage] = []
    batch: list[Embed] = []
    for embed in embeds:
        size = sum(e.size() for e in batch) + embed.size()
        if batch and (len(batch) == EMBEDS_PER_MESSAGE or size > total):
            messages.append(DiscordMessage(embeds=batch))
            batch = []
        batch.append(embed)
    messages.append(DiscordMessage(embeds=batch))
    return messages


def _markdown_messages(summary: Summary, limit: int) -> list[DiscordMessage]:
    lines: list[str] = []
    for title, block in _blocks(summary):
        lines.append(f"**{shorten(escape(title), 200)}**")
        lines.extend(block)
    return [DiscordMessage(content=text) for text in _chunks(lines, limit)]
