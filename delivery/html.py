"""A digest as a standalone HTML page for file destinations: escaped, no external assets."""

from __future__ import annotations

from html import escape

from summarizer.models import KeyPoint, Summary

_STYLE = """
body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#222}
h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd}
.meta{color:#666;font-size:.9rem}li{margin:.3rem 0}a{color:#3451b2}
"""


def _link(label: str, url: str | None) -> str:
    # Only http(s): a javascript: URL in a digest file must never become clickable code.
    if url and url.startswith(("https://", "http://")):
        return f'<a href="{escape(url, quote=True)}">{escape(label)}</a>'
    return escape(label)


def _point(point: KeyPoint) -> str:
    who = f"<strong>{escape(point.authors[0].name)}:</strong> " if len(point.authors) == 1 else ""
    jump = f" {_link('↗', point.jump_url)}" if point.jump_url else ""
    return f"<li>{who}{escape(point.text)}{jump}</li>"


def render_html(summary: Summary) -> str:
    """The whole page; every piece of text from the chat is escaped."""
    window = f"{summary.window.start:%Y-%m-%d %H:%M} – {summary.window.end:%Y-%m-%d %H:%M} UTC"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(summary.title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{escape(summary.title)}</h1>",
        f'<p class="meta">{escape(window)} · {escape(summary.engine)} summary</p>',
        f"<p>{escape(summary.overview)}</p>",
    ]
    parts += [f'<p class="meta">{escape(note)}</p>' for note in summary.notes]
    for topic in summary.topics:
        parts.append(f"<h2>{escape(topic.title)}</h2>")
        if topic.period:
            parts.append(f'<p class="meta">{escape(topic.period)}</p>')
        parts.append("<ul>")
        parts += [_point(point) for point in topic.points]
        parts.append("</ul>")
    if summary.highlights:
        parts.append("<h2>Highlights</h2><ul>")
        for item in summary.highlights:
            quote = _link(f"“{item.excerpt}”", item.jump_url)
            shared = f" ({escape(item.shared)})" if item.shared else ""
            parts.append(f"<li><strong>{escape(item.author.name)}:</strong> {quote}{shared}</li>")
        parts.append("</ul>")
    if summary.open_questions:
        parts.append("<h2>Open questions</h2><ul>")
        for question in summary.open_questions:
            asked = _link(question.text, question.jump_url)
            parts.append(f"<li><strong>{escape(question.author.name)}:</strong> {asked}</li>")
        parts.append("</ul>")
    if summary.links:
        parts.append("<h2>Links</h2><ul>")
        parts += [f"<li>{_link(link.url, link.url)}</li>" for link in summary.links]
        parts.append("</ul>")
    stats = summary.stats
    messages = f"{stats.message_count} message{'' if stats.message_count == 1 else 's'}"
    people = f"{stats.participant_count} participant{'' if stats.participant_count == 1 else 's'}"
    parts.append(f'<p class="meta">{messages} from {people}</p></body></html>')
    return "\n".join(parts) + "\n"
