"""What a message shared besides its words: files, images, links, and what the links were.

"Here's what I got" with an image, or a bare link, means nothing in a digest unless it says
what was shared. `context_phrase` says it as a verb phrase a key point can use ("shared an
image", "shared a link to “Papyrus-Making in Egypt” (metmuseum.org)"), from the message's
attachments (by file extension) and links (by the page title Discord previewed, else the site).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from summarizer import text
from summarizer.models import Attachment, ChatMessage, LinkPreview

# A page title longer than this is cut: the phrase sits inside a sentence.
TITLE_CHARS = 70
# Links named one by one; more are counted ("shared 4 links").
NAMED_LINKS = 2
_KINDS = {
    "image": "png jpg jpeg gif webp bmp tif tiff heic heif avif svg jfif",
    "video": "mp4 mov webm mkv avi m4v wmv",
    "audio file": "mp3 wav ogg oga m4a flac opus aac",
    "PDF": "pdf",
    "document": "doc docx odt rtf txt md tex epub",
    "spreadsheet": "csv tsv xls xlsx ods",
    "presentation": "ppt pptx odp key",
    "archive": "zip tar gz tgz bz2 xz 7z rar",
    "3D model": "obj ply stl glb gltf",
}
_KIND_OF = {ext: kind for kind, exts in _KINDS.items() for ext in exts.split()}
# Kinds whose file name tells a reader something ("a PDF (sider-ch3.pdf)"); a photo's does not.
_NAMED_KINDS = frozenset({"PDF", "document", "spreadsheet", "presentation", "archive", "file"})
_SITES = {"youtube.com": "a YouTube video", "youtu.be": "a YouTube video"}


def attachment_kind(name: str) -> str:
    """What a file is, from its extension: "image", "video", "PDF", … or "file"."""
    _, dot, extension = name.rpartition(".")
    return _KIND_OF.get(extension.lower(), "file") if dot else "file"


def context_phrase(message: ChatMessage, shown: str = "") -> str | None:
    """What the message shared, as "shared …", or None when it shared nothing but words.

    Links written out in `shown` (the words a key point quotes) are not named again.
    """
    parts = _attachment_parts(message.attachments) + _link_parts(message, shown)
    if not parts:
        return None
    joined = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"shared {joined}"


def _attachment_parts(attachments: Sequence[Attachment]) -> list[str]:
    """One part per kind, in first-seen order: `an image`, `3 images`, `a PDF (notes.pdf)`."""
    by_kind: dict[str, list[str]] = {}
    for attachment in attachments:
        by_kind.setdefault(attachment_kind(attachment.name), []).append(attachment.name)
    parts = []
    for kind, names in by_kind.items():
        if len(names) > 1:
            parts.append(f"{len(names)} {kind}s")
            continue
        named = f" ({text.shorten(names[0], 40)})" if kind in _NAMED_KINDS else ""
        parts.append(f"{_article(kind)} {kind}{named}")
    return parts


def _link_parts(message: ChatMessage, shown: str = "") -> list[str]:
    urls = [url for url in dict.fromkeys(text.links(message.content)) if url not in shown]
    if not urls:
        return []
    if len(urls) > NAMED_LINKS:
        return [f"{len(urls)} links"]
    return [_link(url, _preview_title(url, message.embeds, len(urls))) for url in urls]


def _link(url: str, title: str) -> str:
    site = _site(url)
    if site in _SITES and not title:
        return _SITES[site]
    if title:
        shown = text.shorten(" ".join(title.split()), TITLE_CHARS)
        return f"a link to “{shown}” ({site})" if site else f"a link to “{shown}”"
    return f"a link to {site}" if site else "a link"


def _preview_title(url: str, previews: Sequence[LinkPreview], links: int) -> str:
    """The title Discord showed for `url`: same address, same page, or the only preview."""
    if not previews:
        return ""
    for preview in previews:
        if preview.url == url:
            return preview.title
    for preview in previews:
        if preview.url and _page(preview.url) == _page(url):
            return preview.title
    if links == 1 and len(previews) == 1 and previews[0].url is None:
        return previews[0].title
    return ""


def _site(url: str) -> str:
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    return host.removeprefix("www.")


def _page(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    return f"{(parts.hostname or '').removeprefix('www.')}{parts.path.rstrip('/')}"


def _article(noun: str) -> str:
    # "an MP3" would need the sound of a letter; these nouns start with a vowel sound or not.
    return "an" if noun[0].lower() in "aeiou" else "a"


def link_previews(value: Any) -> tuple[LinkPreview, ...]:
    """Link previews from an export's `embeds` list; anything malformed is skipped.

    Previews only add a title to a link already in the text, so a bad one costs nothing and
    never makes an export unreadable.
    """
    if not isinstance(value, list):
        return ()
    found = []
    for item in value:
        if not isinstance(item, dict):
            continue
        url, title = item.get("url"), item.get("title")
        url = url if isinstance(url, str) and url.startswith(("https://", "http://")) else None
        title = title.strip() if isinstance(title, str) else ""
        if url or title:
            found.append(LinkPreview(url=url, title=title))
    return tuple(found)
