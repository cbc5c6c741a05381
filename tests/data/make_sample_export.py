# ruff: noqa: E501 - the hand-written talk keeps one message per line, however long
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
THEMES = {"id": "880000000000000300", "name": "Theme showcase"}
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
MORE_TALK = """
@ 2900
priya | Docs sprint this Saturday! We want to rewrite the getting-started guide and the theming tutorial. Who wants to help? | - | 5
lena | I can take the theming tutorial, I rewrote my own theme last month anyway. | 0 | 3
olu | I'll review PRs on Saturday morning, ping me on GitHub. | 0 | 2
maya | Can the getting-started guide use the new quill init wizard instead of copying the example site? | - | 0
priya | Yes, the wizard is stable since 2.4, so the guide should start with quill init. | 3 | 2
ruth | Is there a list of docs issues we can pick from, so we don't duplicate work? | - | 0
priya | All docs issues are labelled docs-sprint: https://github.com/quillpress/quillpress/labels/docs-sprint | 5 | 4
sam | I'll take the screenshots for the tutorial, my monitor is the only one without dark mode lol | - | 3
@ 2990
ken | Random question: does anyone use Quillpress for a company intranet behind SSO? | - | 0
ruth | We do, the site is static so we just put it behind our reverse proxy with oauth2-proxy. | 0 | 2
ken | And search still works behind the proxy? | - | 0
ruth | Yes, the search index is just another static file, the proxy protects it like every other page. | 2 | 1
ken | Perfect, that's what I hoped. Going to pitch it to my team. | - | 1
@ 3060
olu | PSA: the image cache can grow huge. Mine was 11 GB after a year of builds. | - | 4
tomas | quill cache prune --older-than 30d removes variants no page uses anymore. | 0 | 5
olu | Oh nice, that took it down to 2 GB. Should prune run automatically after each build? | - | 0
tomas | There is an open proposal for auto-prune, comments welcome: https://github.com/quillpress/quillpress/discussions/812 | 2 | 2
maya | +1 for auto-prune, our CI runners keep running out of disk. | 3 | 1
@ 3200
lena | How do I add a dark mode toggle to the default theme without forking it? | - | 0
maya | Override partials/header.html in your site folder, the theme lookup prefers site files. | 0 | 2
lena | Override worked, but where do I store the toggle state so it survives page loads? | - | 0
tomas | localStorage, and read it in a tiny inline script in the head so the page doesn't flash white. | 2 | 3
lena | The inline script fixed the white flash. Dark mode toggle is live on my blog now! | - | 4
sam | Looks great, can you share the partial? | 4 | 0
lena | Sure, here it is: https://gist.github.com/lena-photos/3f2a9c-dark-mode-toggle | 5 | 3
@ 3330
sam | Is anyone else getting 'too many open files' errors when building on macOS? | - | 0
ken | Yes, macOS has a low default limit. ulimit -n 4096 before quill build fixes it. | 0 | 3
sam | ulimit fixed it, thanks. Could Quillpress raise the limit itself? | - | 0
priya | Not portably, but we can print a hint with the ulimit command when the error happens. I'll open an issue. | 2 | 2
@ 4320
ruth | Good morning! Has anyone migrated a Jekyll site with Liquid includes to Quillpress? | - | 0
maya | I did last year. The quill import jekyll command converts most includes, but custom Liquid filters need rewriting. | 0 | 2
ruth | How long did the migration take for you? | - | 0
maya | About two weekends for 600 posts, mostly fixing custom filters and permalinks. | 2 | 1
ruth | Does the importer keep the old permalinks, or do I need redirects? | - | 0
tomas | It keeps them if you pass --keep-permalinks; otherwise it writes a _redirects file for you. | 4 | 3
ruth | --keep-permalinks is exactly what I need. Starting the import tonight. | - | 1
@ 4420
olu | Does the RSS feed support full content, or only summaries? | - | 0
ken | feed.full_content = true in quill.toml gives full posts in the feed. | 0 | 2
olu | Can I limit the feed to one category, like only the photography posts? | - | 0
@ 4500
maya | Has anyone tried the new i18n fallback? Missing German pages should fall back to English but I get 404s. | - | 0
priya | Fallback only works when i18n.fallback = "en" is set and the English page has the same slug. | 0 | 2
maya | The slugs differ, that's the problem. Is there a way to map slugs between languages? | - | 0
priya | Put translation_key in the front matter of both pages, then the fallback matches them by key instead of slug. | 2 | 3
maya | translation_key fixed the German fallback, thank you! | - | 2
@ 4610
tomas | The 2.5 final release is planned for next Thursday if no blockers show up in rc2. | - | 7
ci | Quillpress v2.5.0-rc2 published: https://github.com/quillpress/quillpress/releases/tag/v2.5.0-rc2 | - | 0
ken | rc2 builds our 12k page site without errors, and 10% faster than rc1. | 0 | 3
lena | rc2 fixed the AVIF color profile bug I reported, photos look right now. | 0 | 2
sam | Will 2.5 drop support for Python 3.9? | - | 0
tomas | Yes, 2.5 needs Python 3.10 or newer; it's in the release notes. | 4 | 1
@ 5800
ken | Our sitemap.xml lists draft pages. Is that a bug? | - | 0
tomas | Drafts are excluded only in production mode; build with --env production or set drafts = false. | 0 | 3
ken | --env production fixed the sitemap, the drafts are gone. | - | 1
@ 5900
sam | Anyone using Quillpress with Tailwind? The CSS bundle is 3 MB in development. | - | 0
lena | Enable the purge step: assets.tailwind.purge = true scans your templates and drops unused classes. | 0 | 3
sam | That brought it down to 18 KB. Does purge also see classes built dynamically in shortcodes? | - | 0
lena | No, list those in assets.tailwind.safelist or they get purged. | 2 | 2
sam | Safelist done, the shortcode buttons are styled again. | - | 1
@ 6000
priya | Docs sprint recap: 23 PRs merged, the getting-started guide and the theming tutorial are rewritten. Thanks everyone! | - | 9
maya | The new getting-started guide is so much better, my colleague had a site running in ten minutes. | 0 | 3
olu | Great work! Next sprint should cover the plugin API docs, they are the most outdated. | 0 | 4
ruth | Agreed on plugin API docs. Can we also get a page on deploying to GitHub Pages? | - | 0
priya | Yes, I'll add both to the next sprint board. | 3 | 2
@ 6150
olu | Does anyone know how to make quill serve listen on all interfaces so I can test on my phone? | - | 0
maya | quill serve --bind 0.0.0.0 and then open your laptop's IP on the phone. | 0 | 3
olu | --bind worked, testing the gallery on my phone now. | - | 0
@ 6200
ruth | Where do I report a security issue in Quillpress? I don't want to open a public issue. | - | 0
tomas | Please email security@quillpress.dev, it is in SECURITY.md: https://github.com/quillpress/quillpress/security/policy | 0 | 4
ruth | Sent, thanks. | - | 0
@ 6300
lena | Is there a plugin that adds EXIF data like camera and lens under photos? | - | 0
sam | Has anybody benchmarked Quillpress against Hugo for a big site? | - | 0
"""
THEMES_TALK = """
@ 3600
sam | Theme showcase thread! Post the themes you built with Quillpress. | - | 6
lena | My photo blog theme with a masonry gallery and dark mode: https://lena.photos | 0 | 5
olu | Minimal docs theme with sidebar search, source here: https://github.com/olu-dev/quill-docs-theme | 0 | 4
ruth | Lovely. Olu, does your docs theme support versioned docs? | 2 | 0
olu | Not yet, versioned docs are on my list for the summer. | 3 | 1
ken | Does anyone have a theme with good print styles? Our handbook gets printed a lot. | - | 0
"""


def _script(text: str) -> list[tuple[int, list[tuple[str, str, int | None, int]]]]:
    """Parse the compact `who | text | replies-to | reactions` blocks above."""
    blocks: list[tuple[int, list[tuple[str, str, int | None, int]]]] = []
    for line in text.strip().splitlines():
        if line.startswith("@"):
            blocks.append((int(line[1:]), []))
            continue
        who, said, reply, reactions = (part.strip() for part in line.split(" | "))
        blocks[-1][1].append((who, said, None if reply == "-" else int(reply), int(reactions)))
    return blocks


CONVERSATIONS += _script(MORE_TALK)
CHATTER = ["thanks!", "+1", "nice", "good to know", "same here", "👍", "makes sense", "ty"]
WELCOME = "Welcome {name}! Please read #rules and use threads for long questions."


def build(rng: random.Random) -> list[dict]:
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
            if rng.random() < 0.45 and not PEOPLE[who][1]:
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
    threads = []
    netlify = [(2000, THREAD_TALK)]
    for meta, blocks, opener in ((THREAD, netlify, "Maya"), (THEMES, _script(THEMES_TALK), "Sam")):
        offset = blocks[0][0]
        thread_start = start + timedelta(minutes=offset)
        channel_messages.append(_system(next(next_id), thread_start, "ThreadCreated", opener))
        thread_messages: list[dict] = []
        ids = []
        at = thread_start
        for who, said, replies_to, reactions in blocks[0][1]:
            at += timedelta(seconds=rng.randint(60, 400))
            reply_id = ids[replies_to] if replies_to is not None else None
            ids.append(_emit(thread_messages, next(next_id), at, who, said, reply_id, reactions))
        threads.append(
            _export(
                {
                    **meta,
                    "type": "GuildPublicThread",
                    "categoryId": CHANNEL["id"],
                    "category": "help",
                },
                thread_messages,
            )
        )
    channel_messages.sort(key=lambda m: m["timestamp"])
    return [_export(CHANNEL, channel_messages), *threads]


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
    exports = build(random.Random(4))
    names = ("quillpress-help.json", "quillpress-help-netlify.json", "quillpress-help-themes.json")
    OUT.mkdir(exist_ok=True)
    for name, data in zip(names, exports, strict=True):
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
        (OUT / name).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
