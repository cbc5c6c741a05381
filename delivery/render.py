"""A `Summary` as Markdown, JSON (the versioned schema) or plain text.

Plain text is the key points only, one per line, for pipes and for the quality benchmark; the
Markdown is what file destinations and the CLI show. Discord embeds arrive with delivery.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Literal

from delivery.html import render_html
from summarizer.models import KeyPoint, Summary

Format = Literal["markdown", "json", "text", "html"]


def render(summary: Summary, fmt: Format) -> str:
    """The summary in one of the formats the CLI and file destinations offer."""
    renderers: dict[str, Callable[[Summary], str]] = {
        "markdown": render_markdown,
        "json": render_json,
        "text": render_text,
        "html": render_html,
    }
    return renderers[fmt](summary)


def render_json(summary: Summary) -> str:
    """The `summarybot.summary/1` document (ids as strings, datetimes ISO 8601 UTC)."""
    return summary.model_dump_json(by_alias=True, indent=2)


def render_text(summary: Summary) -> str:
    """Key points, one per line: `Name: point` when one person said it, the point otherwise."""
    return "\n".join(_plain_point(p) for t in summary.topics for p in t.points)


def _plain_point(point: KeyPoint) -> str:
    line = " ".join(point.text.split())
    return f"{point.authors[0].name}: {line}" if len(point.authors) == 1 else line


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def _when(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC")


def _escape(value: str) -> str:
    """Keep message text from turning into headings, lists or links of its own."""
    for char in ("\\", "*", "_", "`", "[", "]", "<", ">", "#", "|", "~"):
        value = value.replace(char, "\\" + char)
    return value


def render_markdown(summary: Summary) -> str:
    """A readable digest: overview, topics with cited points, highlights, questions, stats."""
    lines = [f"# {_escape(summary.title)}", ""]
    window = summary.window
    lines.append(f"*{_when(window.start)} – {_when(window.end)} · {summary.engine} summary*")
    lines += ["", _escape(summary.overview), ""]
    for topic in summary.topics:
        who = ", ".join(_escape(p.name) for p in topic.participants[:5])
        more = len(topic.participants) - 5
        who += f" and {more} more" if more > 0 else ""
        lines.append(f"## {_escape(topic.title)}")
        lines.append(f"*{_count(topic.message_count, 'message')} · {who}*")
        lines.append("")
        for point in topic.points:
            names = " & ".join(_escape(a.name) for a in point.authors)
            cites = ", ".join(str(i) for i in point.message_ids)
            prefix = f"**{names}:** " if names else ""
            lines.append(f"- {prefix}{_escape(point.text)} ({cites})")
        lines.append("")
    if summary.highlights:
        lines += ["## Highlights", ""]
        for h in summary.highlights:
            replies = f"{h.replies} repl{'y' if h.replies == 1 else 'ies'}"
            label = f"{_count(h.reactions, 'reaction')}, {replies}"
            excerpt = _link(f"“{_escape(h.excerpt)}”", h.jump_url)
            lines.append(f"- **{_escape(h.author.name)}:** {excerpt} ({label})")
        lines.append("")
    if summary.open_questions:
        lines += ["## Open questions", ""]
        for q in summary.open_questions:
            lines.append(f"- **{_escape(q.author.name)}:** {_link(_escape(q.text), q.jump_url)}")
        lines.append("")
    if summary.links:
        lines += ["## Links", ""]
        lines += [f"- <{link.url}> — {_escape(link.author.name)}" for link in summary.links]
        lines.append("")
    lines += _stats_lines(summary)
    if summary.truncated:
        lines += ["", "*Only the most recent messages of this window were summarized.*"]
    lines += [f"*Note: {_escape(note)}*" for note in summary.notes]
    return "\n".join(lines).rstrip() + "\n"


def _link(label: str, url: str | None) -> str:
    return f"[{label}]({url})" if url else label


def _stats_lines(summary: Summary) -> list[str]:
    s = summary.stats
    top = ", ".join(f"{_escape(p.name)} ({p.messages})" for p in s.top_participants)
    lines = [
        "## Stats",
        "",
        f"- {_count(s.message_count, 'message')} from {_count(s.participant_count, 'participant')}"
        f" in {_count(s.conversation_count, 'conversation')}",
    ]
    if top:
        lines.append(f"- Most active: {top}")
    lines.append(f"- {s.messages_per_hour:g} messages per hour")
    if s.busiest_hour is not None:
        lines.append(
            f"- Busiest hour: {_when(s.busiest_hour)}"
            f" ({_count(s.busiest_hour_messages, 'message')})"
        )
    lines.append(
        f"- {_count(s.attachment_count, 'attachment')}, {_count(s.thread_count, 'thread')}"
    )
    return lines
