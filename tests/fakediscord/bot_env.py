"""The environment a real `summarybot run` gets to talk to the fake Discord.

One builder for everything that starts the bot as a process against the fake (the end-to-end
tests, the crash suite, the burst, soak and scale-out benches), so a setting every such
process needs is added in one place.
"""

from __future__ import annotations

import os
from pathlib import Path

from tests.fakediscord.server import FakeDiscord

# The repository: the bot process imports the project from here.
ROOT = Path(__file__).resolve().parents[2]


def bot_env(fake: FakeDiscord, workdir: Path, **settings: str) -> dict[str, str]:
    """The caller's environment for `summarybot run` against `fake`, writing into `workdir`.

    No `SUMMARYBOT_*` variable or Discord token of the caller's leaks in; the process gets the
    fake's token and address, a digest folder in `workdir`, INFO logs, then `settings`:
    `SUMMARYBOT_` variables without the prefix (`STORAGE__PATH="..."`), which win.
    """
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("SUMMARYBOT_") and key != "DISCORD_TOKEN"
    }
    env |= {
        "PYTHONPATH": str(ROOT),
        "DISCORD_TOKEN": fake.token,
        "SUMMARYBOT_DISCORD__API_BASE": fake.api_base,
        "SUMMARYBOT_DELIVERY__FILE_ROOT": str(workdir / "digests"),
        "SUMMARYBOT_LOGGING__LEVEL": "INFO",
    }
    return env | {f"SUMMARYBOT_{key}": value for key, value in settings.items()}
