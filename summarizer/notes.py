"""What a digest says about itself, worded once for every place that adds it.

A window cut by `summarizer.max_messages` is cut in three places (the summarizer, an export,
the bot's history reader); the reader of the digest should see the same plain sentence
whichever it was: how many messages were left out and which setting raises the limit.
"""

from __future__ import annotations

from summarizer.models import Summary

MAX_MESSAGES_SETTING = "summarizer.max_messages"


def count(number: int, noun: str, plural: str | None = None) -> str:
    """`1 message`, `2 messages`, `1 person`, `5,000 people`: a count with its noun agreeing."""
    return f"{number:,} {noun if number == 1 else plural or noun + 's'}"


def truncation_note(limit: int, left_out: int, *, exact: bool = True) -> str:
    """The note for a window the limit cut: what was kept, what was left out, what to raise.

    `exact=False` when the source stopped reading at the limit and knows only a lower bound;
    `left_out=0` when it knows nothing but that more messages exist.
    """
    kept = f"only the most recent {count(limit, 'message')} of this window are summarized"
    if left_out <= 0:
        dropped = "earlier ones were left out"
    else:
        ones = "earlier one was" if left_out == 1 else "earlier ones were"
        dropped = f"{'' if exact else 'at least '}{left_out:,} {ones} left out"
    return f"{kept}; {dropped} (raise {MAX_MESSAGES_SETTING} to include them)"


def mark_truncated(summary: Summary, *, limit: int, left_out: int, exact: bool = True) -> Summary:
    """`summary` flagged as truncated, with the note that says by how much."""
    note = truncation_note(limit, left_out, exact=exact)
    return summary.model_copy(update={"truncated": True, "notes": [*summary.notes, note]})
