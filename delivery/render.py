"""A `Summary` as Markdown, JSON (the versioned schema) or plain text.

Plain text is the key points only, one per line, for pipes and for the quality benchmark; the
Markdown is what file destinations and the CLI show. Discord embeds arrive with delivery.
Neither cites bare message ids: Markdown links each point to its message, plain text names
the time it was said.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Literal

from delivery.autolinks import URL, escape_around_links
from delivery.html import render_html
from summarizer.models import KeyPoint, Summary, Window

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
    """The overview's opening sentence, then key points, one per line, each with its time.

    A point that names its author (a statement: "Maria will bring the cake (14:03)") is
    printed as it is; one quoted as written gets `Name: ` in front (`Olga: Привет (14:03)`).

    The time is UTC, with the date when the window spans more than one day. A window of an
    hour or less gets no times: its points were said minutes apart, and a column of `(14:03)`
    `(14:05)` tells the reader nothing the order does not. Notes (such as what a limit left
    out) follow after a blank line.
    """
    dated = _spans_days(summary.window)
    timed = summary.window.end - summary.window.start > UNTIMED_WINDOW
    lines = [_plain_point(p, dated, timed) for t in summary.topics for p in t.points]
    if lines and _opening(summary.overview):
        lines.insert(0, _opening(summary.overview))
    if summary.notes:
        lines += ["", *(f"Note: {' '.join(note.split())}" for note in summary.notes)]
    return "\n".join(lines)


def _plain_point(point: KeyPoint, dated: bool, timed: bool = True) -> str:
    line = " ".join(point.text.split())
    if timed and point.said_at is not None:
        line += f" ({point.said_at.strftime('%Y-%m-%d %H:%M' if dated else '%H:%M')})"
    if len(point.authors) == 1 and not _names(line, point.authors[0].name):
        return f"{point.authors[0].name}: {line}"
    return line


def _names(line: str, name: str) -> bool:
    """Whether a point already names its author ("Maria will bring the cake"): no `Name:`."""
    return re.search(rf"(?<!\w){re.escape(name)}(?!\w)", line) is not None


def _opening(overview: str) -> str:
    """The overview's first sentence: who took part and what about."""
    return " ".join(re.split(r"(?<=[.!?])\s", overview.strip(), maxsplit=1)[0].split())


def _spans_days(window: Window) -> bool:
    last = max(window.start, window.end - timedelta(microseconds=1))
    return window.start.date() != last.date()


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def _when(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC")


# Text output names each point's time only for windows longer than this.
UNTIMED_WINDOW = timedelta(hours=1)
_SPECIAL = re.compile(r"([\\*_`\[\]<>#|~])")


def _escape(value: str) -> str:
    """Keep message text from turning into headings, lists or links of its own.

    Web addresses are left whole, as autolinks: a backslash before the `_` of `Tyrian_purple`
    would be part of the address and break the link.
    """
    return escape_around_links(value, lambda part: _SPECIAL.sub(r"\\\1", part))


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
        when = f"{_escape(topic.period)} · " if topic.period else ""
        lines.append(f"*{when}{_count(topic.message_count, 'message')} · {who}*")
        lines.append("")
        for point in topic.points:
            names = " & ".join(_escape(a.name) for a in point.authors)
            # A statement names its author already ("Lena can take the tutorial").
            said = len(point.authors) == 1 and _names(point.text, point.authors[0].name)
            prefix = f"**{names}:** " if names and not said else ""
            lines.append(f"- {prefix}{_escape(point.text)}{_jump(point.jump_url)}")
        lines.append("")
    if summary.highlights:
        lines += ["## Highlights", ""]
        for h in summary.highlights:
            replies = f"{h.replies} repl{'y' if h.replies == 1 else 'ies'}"
            label = f"{_count(h.reactions, 'reaction')}, {replies}"
            label = f"{h.shared}; {label}" if h.shared else label
            excerpt = f"“{_escape(h.excerpt)}”{_jump(h.jump_url)}"
            lines.append(f"- **{_escape(h.author.name)}:** {excerpt} ({label})")
        lines.append("")
    if summary.open_questions:
        lines += ["## Open questions", ""]
        for q in summary.open_questions:
            lines.append(f"- **{_escape(q.author.name)}:** {_escape(q.text)}{_jump(q.jump_url)}")
        lines.append("")
    if summary.links:
        lines += ["## Links", ""]
        lines += [f"- <{link.url}> — {_escape(link.author.name)}" for link in summary.links]
        lines.append("")
    lines += _stats_lines(summary)
    if summary.truncated and not summary.notes:  # stored before the note said how many
        lines += ["", "*Only the most recent messages of this window were summarized.*"]
    lines += [f"*Note: {_escape(note)}*" for note in summary.notes]
    return "\n".join(lines).rstrip() + "\n"


def _jump(url: str | None) -> str:
    """` [↗](url)`: a link after the text, which stays out of the label (links in it break).

    A URL that is not a plain http(s) address is left out rather than written half-working.
    """
    if not url or URL.fullmatch(url) is None or "(" in url or ")" in url:
        return ""
    return f" [↗]({url})"


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
    rate = s.messages_per_hour
    lines.append(f"- {rate:g} message{'' if rate == 1 else 's'} per hour")
    if s.busiest_hour is not None:
        lines.append(
            f"- Busiest hour: {_when(s.busiest_hour)}"
            f" ({_count(s.busiest_hour_messages, 'message')})"
        )
    lines.append(
        f"- {_count(s.attachment_count, 'attachment')}, {_count(s.thread_count, 'thread')}"
    )
    return lines
