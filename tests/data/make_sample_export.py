"""Write `sample-export/` : a made-up community channel in DiscordChatExporter's JSON format.

The channel is #help of "Quillpress", an imaginary open-source static site generator. The talk
below is hand-written; this script only adds ids, timestamps, reactions, replies, a thread and a
bot, deterministically (`random.Random(4)`), so the committed JSON can always be regenerated:

    python tests/data/make_sample_export.py
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

OUT = Path(__file__).resolve().parent / "sample-export"
GUILD = {"id": "880000000000000001", "name": "Quillpress Community", "iconUrl": ""}
CHANNEL = {"id": "880000000000000100", "name": "help", "type": "GuildTextChat"}
THREAD = {"id": "880000000000000200", "name": "Deploying to Netlify"}
PEOPLE = {
    "maya": ("Maya", False),
    "tomas": ("Tomás", False),
    "priya": ("Priya", False),
    "ken": ("Ken", False),
    "lena": ("Lena", False),
    "olu": ("Olu", False),
    "sam": ("Sam", False),
    "ruth": ("Ruth", False),
    "quillbot": ("QuillBot", True),
    "ci": ("Release CI", True),
}
# (start offset in minutes from the first day, [(who, text, replies-to line or None, reactions)])
CONVERSATIONS: list[tuple[int, list[tuple[str, str, int | None, int]]]] = [
    (
        0,
        [
            (
                "maya",
                "Morning all! After upgrading to Quillpress 2.4 my build fails with "
                "'TemplateNotFound: layouts/post.html'. Anyone else seeing this?",
                None,
                0,
            ),
            (
                "tomas",
                "Yes, 2.4 moved layouts into the theme folder. Check the upgrade notes: "
                "https://quillpress.dev/docs/upgrading-2-4",
                0,
                3,
            ),
            ("maya", "Oh I missed that. So I move layouts/ to themes/default/layouts?", None, 0),
            (
                "tomas",
                'Exactly, or set layout_dir = "layouts" in quill.toml to keep the old path.',
                2,
                2,
            ),
            ("ken", "same problem here, the layout_dir setting fixed it for me", None, 1),
            ("maya", "Setting layout_dir worked, build is green again. Thanks Tomás!", None, 2),
            (
                "priya",
                "Should the upgrade notes mention layout_dir more prominently? "
                "I only found it in the config reference.",
                None,
                0,
            ),
            (
                "tomas",
                "Good point, I'll open a docs PR to put layout_dir at the top of the upgrade "
                "notes.",
                6,
                4,
            ),
            (
                "quillbot",
                "Tip: run `quill doctor` to check your site for 2.4 upgrade problems.",
                None,
                0,
            ),
        ],
    ),
    (
        40,
        [
            (
                "lena",
                "Is there a way to make the image pipeline generate WebP and AVIF at the same "
                "time? My config only produces WebP.",
                None,
                0,
            ),
            (
                "olu",
                'formats = ["webp", "avif"] under [images] should do it, AVIF needs '
                "libavif installed though",
                0,
                2,
            ),
            ("lena", "I have formats set like that, but no AVIF files appear at all.", None, 0),
            (
                "olu",
                "Then libavif is probably missing. On Ubuntu: apt install libavif-dev, then "
                "rebuild the image cache with quill build --clean",
                None,
                1,
            ),
            ("lena", "That was it. libavif was missing, now both formats are generated.", None, 3),
            (
                "sam",
                "How much smaller are the AVIF files for you? Worth the longer build time?",
                None,
                0,
            ),
            (
                "lena",
                "About 30% smaller than WebP on photos, build takes roughly twice as long on "
                "my laptop.",
                5,
                2,
            ),
            ("sam", "nice, I'll try AVIF on the gallery pages", None, 0),
        ],
    ),
    (
        95,
        [
            (
                "ruth",
                "Has anyone got search working on a site with more than 5000 pages? The "
                "search index gets huge and the page freezes on mobile.",
                None,
                1,
            ),
            (
                "priya",
                "We split the search index per section on the docs site. There is a "
                'search.split_by = "section" option since 2.3.',
                0,
                3,
            ),
            (
                "ruth",
                "Splitting by section sounds good. Does the search box then only search the "
                "current section?",
                None,
                0,
            ),
            (
                "priya",
                'By default yes; set search.scope = "all" to load the other section indexes '
                "lazily when someone types.",
                2,
                2,
            ),
            (
                "ken",
                "We went with Pagefind instead of the built-in search for a 12k page site, "
                "works great: https://pagefind.app",
                None,
                4,
            ),
            (
                "ruth",
                "Pagefind looks interesting. Does it work with the Quillpress i18n folders?",
                None,
                0,
            ),
            (
                "ruth",
                "Also, is the built-in search index compressed at all? The JSON looks "
                "uncompressed to me.",
                None,
                0,
            ),
            ("ruth", "I'll try split_by first, thanks both!", None, 1),
        ],
    ),
    (
        180,
        [
            (
                "sam",
                "Quick poll: who is coming to the Quillpress meetup in Lisbon next month?",
                None,
                5,
            ),
            ("maya", "Me! Booked the train already.", 0, 1),
            ("olu", "I'll be there and give the lightning talk about image pipelines", 0, 6),
            ("tomas", "Can't make it this time, will there be a recording?", None, 0),
            (
                "sam",
                "Yes, all talks will be recorded and posted on the YouTube channel a week later.",
                3,
                2,
            ),
            (
                "lena",
                "Is there still space for another lightning talk? I could talk about AVIF images.",
                None,
                0,
            ),
            (
                "sam",
                "Sure, add it to the talk sheet: https://quillpress.dev/meetup/lisbon-talks",
                5,
                3,
            ),
        ],
    ),
    (
        1440,
        [
            (
                "ken",
                "Our deploy preview on Netlify takes 14 minutes since we added the blog "
                "archive. Any tips for speeding up Quillpress builds?",
                None,
                1,
            ),
            (
                "tomas",
                'Turn on the incremental cache: cache_dir = ".quill-cache" and persist it '
                "between builds with the netlify-plugin-cache plugin.",
                0,
                3,
            ),
            ("ken", "Will the cache survive when I change the theme?", None, 0),
            (
                "tomas",
                "Theme changes invalidate the template cache, but the image cache stays, "
                "which is usually the slow part.",
                2,
                1,
            ),
            (
                "priya",
                "Also check whether the archive pages render the full post body. We cut "
                "build time in half by rendering excerpts only.",
                None,
                4,
            ),
            (
                "ken",
                "The archive renders every full post, that explains a lot. Switching to excerpts.",
                4,
                1,
            ),
            ("ken", "Build is down to 5 minutes with the cache and excerpts. Thanks!", None, 5),
        ],
    ),
    (
        1530,
        [
            (
                "olu",
                "Does anybody know why quill serve ignores changes in the data/ folder? I have "
                "to restart the server every time I edit data/authors.yaml",
                None,
                0,
            ),
            ("maya", "Same here on macOS, templates reload fine but data files don't.", None, 1),
            ("olu", "Is that a known bug or am I missing a watch setting?", None, 0),
            (
                "ruth",
                "Anyone tried the new shortcodes API? The docs example for a YouTube shortcode "
                "does not render for me.",
                None,
                0,
            ),
        ],
    ),
    (
        1600,
        [
            (
                "priya",
                "Reminder: the 2.5 release candidate is out, please test it on your sites "
                "and report regressions in the issue tracker.",
                None,
                6,
            ),
            (
                "ci",
                "Quillpress v2.5.0-rc1 published: https://github.com/quillpress/quillpress/"
                "releases/tag/v2.5.0-rc1",
                None,
                0,
            ),
            ("lena", "Tried rc1 on my photo blog, builds 20% faster than 2.4 here.", 0, 3),
            (
                "ken",
                "rc1 breaks our custom markdown extension, it seems the hook signature changed.",
                0,
                0,
            ),
            (
                "priya",
                "Yes, markdown hooks now receive the page object as the first argument. "
                "I'll add that to the release notes.",
                3,
                2,
            ),
            ("ken", "Updated the extension to take the page first, works with rc1 now.", None, 1),
        ],
    ),
]
THREAD_TALK = [
    ("maya", "Starting a thread for Netlify deploy questions so #help stays readable.", None, 1),
    ("ken", "Which Node version does the Netlify build image need for Quillpress 2.4?", None, 0),
    ("tomas", "Node 20. Set NODE_VERSION=20 in netlify.toml under [build.environment].", 1, 2),
    ("ken", "Thanks, NODE_VERSION=20 fixed the build.", None, 0),
    ("maya", "How do I get pretty URLs without the trailing .html on Netlify?", None, 0),
    (
        "tomas",
        "Set pretty_urls = true in quill.toml; Netlify serves folder/index.html automatically.",
        4,
        1,
    ),
    ("sam", "Do redirects from the old WordPress URLs work with the _redirects file?", None, 0),
    ("priya", "Yes, put _redirects in static/ and Quillpress copies it to the output root.", 6, 2),
    ("sam", "Is there a way to generate the _redirects file from front matter aliases?", None, 0),
]
CHATTER = ["thanks!", "+1", "nice", "good to know", "same here", "👍", "makes sense", "ty"]
WELCOME = "Welcome {name}! Please read #rules and use threads for long questions."


def build(rng: random.Random) -> tuple[dict, dict]:
    start = datetime(2024, 5, 6, 8, 0, tzinfo=UTC)
    channel_messages: list[dict] = []
    next_id = iter(range(1_240_000_000_000_000_000, 1_250_000_000_000_000_000, 4_194_304))
    for offset, lines in CONVERSATIONS:
        at = start + timedelta(minutes=offset)
        ids: list[str] = []
        for who, said, replies_to, reactions in lines:
            at += timedelta(seconds=rng.randint(40, 240))
            reply_id = ids[replies_to] if replies_to is not None else None
            ids.append(_emit(channel_messages, next(next_id), at, who, said, reply_id, reactions))
            if rng.random() < 0.3 and not PEOPLE[who][1]:
                # Short acknowledgements real channels are full of.
                at += timedelta(seconds=rng.randint(10, 60))
                other = rng.choice([p for p in PEOPLE if p != who and not PEOPLE[p][1]])
                _emit(channel_messages, next(next_id), at, other, rng.choice(CHATTER), None, 0)
    joined = start + timedelta(minutes=300)
    for name in ("Ruth", "Sam"):
        joined += timedelta(minutes=7)
        channel_messages.append(_system(next(next_id), joined, "GuildMemberJoin", name))
        _emit(
            channel_messages,
            next(next_id),
            joined + timedelta(seconds=2),
            "quillbot",
            WELCOME.format(name=name),
            None,
            0,
        )
    thread_start = start + timedelta(minutes=2000)
    channel_messages.append(_system(next(next_id), thread_start, "ThreadCreated", "Maya"))
    thread_messages: list[dict] = []
    ids = []
    at = thread_start
    for who, said, replies_to, reactions in THREAD_TALK:
        at += timedelta(seconds=rng.randint(60, 400))
        reply_id = ids[replies_to] if replies_to is not None else None
        ids.append(_emit(thread_messages, next(next_id), at, who, said, reply_id, reactions))
    channel_messages.sort(key=lambda m: m["timestamp"])
    return _export(CHANNEL, channel_messages), _export(
        {**THREAD, "type": "GuildPublicThread", "categoryId": CHANNEL["id"], "category": "help"},
        thread_messages,
    )


def _author(who: str) -> dict:
    name, bot = PEOPLE[who]
    number = 700_000_000_000_000_000 + list(PEOPLE).index(who)
    return {
        "id": str(number),
        "name": who,
        "discriminator": "0000",
        "nickname": name,
        "color": None,
        "isBot": bot,
        "avatarUrl": "",
    }


def _emit(
    out: list[dict],
    number: int,
    at: datetime,
    who: str,
    said: str,
    reply_id: str | None,
    reactions: int,
) -> str:
    message = {
        "id": str(number),
        "type": "Reply" if reply_id else "Default",
        "timestamp": at.isoformat(timespec="milliseconds"),
        "timestampEdited": None,
        "callEndedTimestamp": None,
        "isPinned": False,
        "content": said,
        "author": _author(who),
        "attachments": [],
        "embeds": [],
        "stickers": [],
        "reactions": [
            {
                "emoji": {
                    "id": "",
                    "name": "👍",
                    "code": "thumbsup",
                    "isAnimated": False,
                    "imageUrl": "",
                },
                "count": reactions,
                "users": [],
            }
        ]
        if reactions
        else [],
        "mentions": [],
    }
    if reply_id:
        message["reference"] = {
            "messageId": reply_id,
            "channelId": CHANNEL["id"],
            "guildId": GUILD["id"],
        }
    out.append(message)
    return message["id"]


def _system(number: int, at: datetime, kind: str, who: str) -> dict:
    person = next(p for p, (name, _) in PEOPLE.items() if name == who)
    return {
        "id": str(number),
        "type": kind,
        "timestamp": at.isoformat(timespec="milliseconds"),
        "timestampEdited": None,
        "isPinned": False,
        "content": "Joined the server." if kind == "GuildMemberJoin" else "Started a thread.",
        "author": _author(person),
        "attachments": [],
        "embeds": [],
        "stickers": [],
        "reactions": [],
        "mentions": [],
    }


def _export(channel: dict, messages: list[dict]) -> dict:
    return {
        "guild": GUILD,
        "channel": channel,
        "dateRange": {"after": None, "before": None},
        "messages": messages,
        "messageCount": len(messages),
    }


def main() -> None:
    """Write both export files."""
    channel, thread = build(random.Random(4))
    OUT.mkdir(exist_ok=True)
    for name, data in (("quillpress-help.json", channel), ("quillpress-help-netlify.json", thread)):
        (OUT / name).write_text(
            json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )


if __name__ == "__main__":
    main()
