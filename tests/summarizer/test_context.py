"""What a message shared besides its words, as a phrase a key point can use."""

from __future__ import annotations

import pytest

from summarizer.context import attachment_kind, context_phrase, link_previews
from summarizer.export import parse_export
from summarizer.models import Attachment, LinkPreview
from tests.summarizer.helpers import message


def shared(text: str = "", files: tuple[str, ...] = (), previews=()):
    return message(0, text).model_copy(
        update={
            "attachments": tuple(Attachment(name=f, url=f"https://cdn.example/{f}") for f in files),
            "embeds": tuple(previews),
        }
    )


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("image.png", "image"),
        ("PXL_20230930_110245882.JPG", "image"),
        ("scroll.mp4", "video"),
        ("sider-ch3.pdf", "PDF"),
        ("notes.docx", "document"),
        ("readings.csv", "spreadsheet"),
        ("model.ply", "3D model"),
        ("Makefile", "file"),
        ("data.bin", "file"),
    ],
)
def test_attachment_kinds(name, kind):
    assert attachment_kind(name) == kind


def test_words_alone_share_nothing():
    assert context_phrase(shared("the murex purple dye came from sea snails")) is None


def test_an_image():
    assert context_phrase(shared("here's the murex purple", ("image.png",))) == "shared an image"


def test_several_files_by_kind():
    phrase = context_phrase(shared("", ("a.png", "b.jpg", "c.png", "sider-ch3.pdf")))
    assert phrase == "shared 3 images and a PDF (sider-ch3.pdf)"


def test_a_link_is_named_by_its_preview_title_and_site():
    url = "https://www.metmuseum.org/toah/hd/pyma/hd_pyma.htm"
    preview = LinkPreview(url=url, title="Papyrus-Making in Egypt")
    assert (
        context_phrase(shared(url, previews=[preview]))
        == "shared a link to “Papyrus-Making in Egypt” (metmuseum.org)"
    )


def test_a_link_without_preview_is_named_by_its_site():
    phrase = context_phrase(shared("see https://papyri.info/dclp/59483 for the edition"))
    assert phrase == "shared a link to papyri.info"


def test_a_video_site_and_an_attachment_together():
    phrase = context_phrase(shared("https://youtu.be/abc123", ("frame.png",)))
    assert phrase == "shared an image and a YouTube video"


def test_many_links_are_counted():
    text = " ".join(f"https://example.org/{i}" for i in range(4))
    assert context_phrase(shared(text)) == "shared 4 links"


def test_export_embeds_become_link_previews():
    export = parse_export(
        {
            "channel": {"id": "2", "name": "papyrology"},
            "messages": [
                {
                    "id": "10",
                    "type": "Default",
                    "timestamp": "2023-05-17T10:00:00+00:00",
                    "content": "https://www.metmuseum.org/toah/hd/pyma/hd_pyma.htm",
                    "author": {"id": "1", "name": "ann"},
                    "embeds": [
                        {
                            "title": "Papyrus-Making in Egypt",
                            "url": "https://www.metmuseum.org/toah/hd/pyma/hd_pyma.htm",
                        },
                        {"title": 7, "url": ["not", "a", "url"]},
                        "nonsense",
                    ],
                }
            ],
        },
        "export.json",
    )
    (only,) = export.messages
    assert only.embeds == (
        LinkPreview(
            url="https://www.metmuseum.org/toah/hd/pyma/hd_pyma.htm",
            title="Papyrus-Making in Egypt",
        ),
    )
    assert context_phrase(only) == "shared a link to “Papyrus-Making in Egypt” (metmuseum.org)"


@pytest.mark.parametrize("value", [None, {}, "x", [None, 3, {"url": "javascript:alert(1)"}]])
def test_malformed_previews_are_skipped(value):
    assert link_previews(value) == ()
