"""Masks secrets in text bound for the logs: the configured ones by value, the rest by shape.

The code already keeps secrets out of what it logs (webhook URLs are masked, models hide
their secret fields); this is the net under that, for what libraries and exceptions say: a
discord.py debug line with a webhook URL, an aiohttp error quoting a URL with `?token=`, a
traceback. Secrets are masked in place (`***`), so the line still says what happened and
to which host, webhook id or query parameter.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlsplit, urlunsplit

MASK = "***"
# A configured value shorter than this is no real secret; masking it would garble every line.
MIN_SECRET_LENGTH = 8
# Query parameters that Discord and the gateway use and that never carry a secret: kept.
SAFE_QUERY_NAMES = frozenset(
    {
        "after",
        "around",
        "before",
        "compress",
        "encoding",
        "limit",
        "thread_id",
        "v",
        "wait",
        "with_components",
        "with_counts",
    }
)

_URL = re.compile(r"""\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s"'<>`]+""")
_URL_TRAILER = ".,;:!?)]}"
# Discord webhook and interaction tokens sit in the path, after the numeric id.
_PATH_TOKENS = re.compile(r"(/(?:webhooks|interactions)/\d+/)[A-Za-z0-9._-]+")
_SLACK_PATH = re.compile(r"(hooks\.slack\.com/(?:services|workflows|triggers)/)[^\s?#\"']+")
# A bot token: base64 user id, a timestamp, an HMAC, joined by dots (JWTs have the same look).
_DISCORD_TOKEN = re.compile(
    r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{27,}(?![A-Za-z0-9_-])"
)
_SHAPED = (
    (re.compile(r"\bwhsec_[A-Za-z0-9+/=_-]+"), "whsec_" + MASK),
    (re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]+"), r"\1 " + MASK),
    (re.compile(r"\bsk-[A-Za-z0-9_-]{16,}"), "sk-" + MASK),
    # `api_key=…`, `"password": "…"`: the name stays, the value goes.
    (
        re.compile(
            r"""(?ix)
            \b((?:api[_-]?key|access[_-]?token|auth[_-]?token|client[_-]?secret|secret
                |password|passwd|token)
            (?:\s*=\s*|["']\s*:\s*["']))
            [^\s"'&,;)}\]]+"""
        ),
        r"\1" + MASK,
    ),
)


class Redactor:
    """`redactor(text)` is `text` with every secret it recognises replaced by `***`."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        known = {s.strip() for s in secrets if s and len(s.strip()) >= MIN_SECRET_LENGTH}
        # Longest first, so a secret containing another is masked whole.
        self._known = sorted(known, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        """Mask the configured secrets, then URLs' secret parts, then secret-shaped words."""
        for secret in self._known:
            text = text.replace(secret, MASK)
        text = _URL.sub(lambda match: _mask_url(match.group(0)), text)
        text = _PATH_TOKENS.sub(r"\1" + MASK, text)
        text = _DISCORD_TOKEN.sub(MASK, text)
        for pattern, replacement in _SHAPED:
            text = pattern.sub(replacement, text)
        return text


def _mask_url(url: str) -> str:
    """A URL with its credentials and secret-bearing query values masked; the rest kept."""
    stripped = url.rstrip(_URL_TRAILER)
    trailer = url[len(stripped) :]
    try:
        parts = urlsplit(stripped)
    except ValueError:  # not parseable as a URL: the shape patterns still apply to it
        return url
    netloc = parts.netloc
    if "@" in netloc:
        netloc = MASK + "@" + netloc.rpartition("@")[2]
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = "&".join(
            f"{name}={value if name.lower() in SAFE_QUERY_NAMES else MASK}" for name, value in pairs
        )
    masked = urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
    return _SLACK_PATH.sub(r"\1" + MASK, masked) + trailer
