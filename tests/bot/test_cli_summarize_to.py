"""`summarybot summarize --to`: webhooks and files through the fan-out, checked first."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import discord
import pytest
from standardwebhooks import Webhook

from bot.cli.main import main
from delivery.signing import new_signing_secret

FIXTURE = Path(__file__).resolve().parents[1] / "data" / "sample-export"


class Consumer:
    def __init__(self) -> None:
        self.requests: list[tuple[str, dict, str]] = []
        self.status = 200
        consumer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                consumer.requests.append((self.path, dict(self.headers), body))
                self.send_response(consumer.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def consumer():
    made = Consumer()
    yield made
    made.server.shutdown()


@pytest.fixture
def local_config(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "config.toml"
    config.write_text(
        "[delivery]\nallow_insecure_http = true\nallow_private_addresses = true\nmax_attempts = 1\n"
    )
    return config


def test_webhook_and_file_destinations(consumer, local_config, tmp_path, capsys):
    secret = new_signing_secret()
    code = main(
        [
            "summarize",
            str(FIXTURE),
            "--config",
            str(local_config),
            "--to",
            consumer.url,
            "--to",
            "file:reports/help.json",
            "--webhook-secret",
            secret,
        ]
    )
    out = capsys.readouterr().out.splitlines()
    assert code == 0
    port = consumer.server.server_address[1]
    assert out[0] == f"delivered  http://127.0.0.1:{port}/…  (HTTP 200, 1 attempt)"
    assert out[1].startswith("delivered  ")
    assert out[1].endswith("data/digests/reports/help.json  (1 attempt)")
    _, headers, body = consumer.requests[0]
    event = Webhook(secret).verify(body, headers)
    assert event["type"] == "summary.created"
    written = json.loads((tmp_path / "data" / "digests" / "reports" / "help.json").read_text())
    assert written["schema"] == "summarybot.summary/1"


def test_secret_from_the_environment(consumer, local_config, monkeypatch, capsys):
    secret = new_signing_secret()
    monkeypatch.setenv("SUMMARYBOT_WEBHOOK_SECRET", secret)
    assert (
        main(["summarize", str(FIXTURE), "--config", str(local_config), "--to", consumer.url]) == 0
    )
    _, headers, body = consumer.requests[0]
    Webhook(secret).verify(body, headers)
    assert "whsec_" not in capsys.readouterr().err


def test_a_new_secret_is_printed_once_to_stderr(consumer, local_config, capsys):
    assert (
        main(["summarize", str(FIXTURE), "--config", str(local_config), "--to", consumer.url]) == 0
    )
    err = capsys.readouterr().err
    assert err.count("whsec_") == 1
    secret = err.split("): ", 1)[1].strip()
    _, headers, body = consumer.requests[0]
    Webhook(secret).verify(body, headers)


def test_a_failed_destination_makes_the_command_fail(consumer, local_config, capsys):
    consumer.status = 500
    code = main(
        [
            "summarize",
            str(FIXTURE),
            "--config",
            str(local_config),
            "--to",
            consumer.url,
            "--to",
            "ok.md",
            "--webhook-secret",
            new_signing_secret(),
        ]
    )
    out = capsys.readouterr().out.splitlines()
    assert code == 1
    assert out[0].startswith("failed     http://127.0.0.1:")
    assert out[0].endswith("(1 attempt): HTTP 500")
    assert out[1].startswith("delivered  ")


@pytest.mark.parametrize(
    ("dest", "message"),
    [
        ("/etc/passwd", "must be relative to delivery.file_root"),
        ("file:../outside.md", "must not contain '..'"),
        ("file:.", "must name a file inside the digest folder"),
        ("file:reports/", "must name a file inside the digest folder"),
        ("file:{date:%Y}.md", "takes no format or conversion"),
        ("http://example.com/hook", "must use https://"),
        ("https://127.0.0.1/hook", "loopback"),
    ],
)
def test_unsafe_destinations_are_refused_before_anything_is_sent(
    dest, message, consumer, tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    code = main(
        [
            "summarize",
            str(FIXTURE),
            "--to",
            "first.md",
            "--to",
            dest,
            "--webhook-secret",
            new_signing_secret(),
        ]
    )
    err = capsys.readouterr().err
    assert code == 1
    assert message in err
    assert not (tmp_path / "data" / "digests" / "first.md").exists()


def test_a_secret_without_the_prefix_is_refused(local_config, consumer, capsys):
    code = main(
        [
            "summarize",
            str(FIXTURE),
            "--config",
            str(local_config),
            "--to",
            consumer.url,
            "--webhook-secret",
            "hunter2",
        ]
    )
    assert code == 1
    assert "must start with whsec_" in capsys.readouterr().err
    assert consumer.requests == []


def test_a_discord_webhook_url_is_sent_in_discords_format(tmp_path, monkeypatch, capsys):
    import asyncio

    from tests.fakediscord.server import FakeDiscord

    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, daemon=True).start()
    fake = FakeDiscord()
    asyncio.run_coroutine_threadsafe(fake.start(), loop).result(timeout=10)
    try:
        guild = fake.add_guild("Guild")
        channel = fake.add_channel(guild.id, "digests")
        hook = fake.add_webhook(channel.id)
        monkeypatch.chdir(tmp_path)
        config = tmp_path / "config.toml"
        config.write_text(f"[discord]\napi_base = '{fake.api_base}'\n")
        url = f"https://discord.com/api/webhooks/{hook.id}/{hook.token}"
        code = main(["summarize", str(FIXTURE), "--config", str(config), "--to", url])
        captured = capsys.readouterr()
        assert code == 0, captured
        assert captured.out.startswith("delivered  https://discord.com/…")
        assert "whsec_" not in captured.err  # Discord webhooks are not signed by us
        posted = fake.posted(channel.id)
        assert posted
        assert all(m.webhook_id == hook.id for m in posted)
        assert fake.pings(channel.id) == []
        assert discord.http.Route.BASE == "https://discord.com/api/v10"  # restored
    finally:
        asyncio.run_coroutine_threadsafe(fake.close(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)


# --- what counts as a webhook, a file, or neither ------------------------------------------

FORMS = (
    "write https://… for a webhook (http://… only with delivery.allow_insecure_http), "
    "file:PATH or a plain relative path for a file"
)


@pytest.mark.parametrize(
    ("dest", "shown"),
    [
        ("https:/hooks.example.com/secret", "https:…: not a webhook URL"),
        ("HTTPS:hooks.example.com/secret", "HTTPS:…: not a webhook URL"),
        ("htps://hooks.example.com/secret", "htps:…: unknown kind of destination"),
        ("ftp://x/secret", "ftp:…: unknown kind of destination"),
        ("c:secret.md", "c:…: unknown kind of destination"),
    ],
)
def test_neither_a_url_nor_a_path_is_refused_with_the_accepted_forms(
    dest, shown, tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    code = main(["summarize", str(FIXTURE), "--to", "first.md", "--to", dest])
    err = capsys.readouterr().err
    assert code == 1
    # One line: no new signing secret is printed for a command that sends nothing.
    assert err.splitlines() == [f"summarybot: --to {shown}; {FORMS}"]
    assert not (tmp_path / "data").exists()  # no `htps:` folder, not even first.md


def test_a_url_scheme_in_capitals_is_a_webhook(consumer, local_config, tmp_path, capsys):
    url = consumer.url.replace("http://", "HTTP://")
    secret = new_signing_secret()
    code = main(
        [
            "summarize",
            str(FIXTURE),
            "--config",
            str(local_config),
            "--to",
            url,
            "--webhook-secret",
            secret,
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith(f"delivered  http://127.0.0.1:{consumer.server.server_address[1]}/…")
    assert len(consumer.requests) == 1
    assert not (tmp_path / "data" / "digests").exists()


@pytest.mark.parametrize(
    "host", ["discord.com", "ptb.discord.com", "canary.discord.com", "discordapp.com"]
)
def test_a_discord_webhook_url_needs_https_even_where_http_is_allowed(host, tmp_path, capsys):
    config = tmp_path / "config.toml"
    config.write_text(
        "[discord]\napi_base = 'http://127.0.0.1:9/api/v10'\n"  # nothing leaves the machine
        "[delivery]\nallow_insecure_http = true\nmax_attempts = 1\n"
    )
    url = f"http://{host}/api/webhooks/123/secret-token"
    code = main(["summarize", str(FIXTURE), "--config", str(config), "--to", url])
    captured = capsys.readouterr()
    assert code == 1
    assert captured.out == ""
    assert captured.err.splitlines() == [
        f"summarybot: --to http://{host}/…: Discord webhook URLs must start with https:// "
        "(Discord serves them only over https; delivery.allow_insecure_http does not apply)"
    ]


def test_the_slash_commands_file_and_webhook_options_follow_the_same_rule(tmp_path):
    from bot.destinations import DestinationError, file_destination, webhook_destination
    from delivery.settings import DeliverySettings

    settings = DeliverySettings(file_root=str(tmp_path / "digests"))
    with pytest.raises(DestinationError, match="htps:…: unknown kind of destination; write"):
        file_destination("htps://hooks.example.com/secret", settings)
    with pytest.raises(DestinationError, match=r"^https://hooks\.example\.com/…: a webhook URL"):
        file_destination("https://hooks.example.com/secret", settings)
    assert file_destination("FILE:reports/x.md", settings).template == "reports/x.md"
    assert file_destination("reports/x.md", settings).template == "reports/x.md"
    hook = webhook_destination("HTTPS://hooks.example.com/x", settings, None)
    assert hook.url == "https://hooks.example.com/x"
    with pytest.raises(DestinationError, match="Discord webhook URLs must start with https://"):
        webhook_destination("http://discord.com/api/webhooks/1/t", settings, None)


def test_format_chooses_a_files_format_over_its_name(local_config, tmp_path, capsys):
    argv = ["summarize", str(FIXTURE), "--config", str(local_config), "--to", "file:x.txt"]
    assert main([*argv, "--format", "json"]) == 0
    written = json.loads((tmp_path / "data" / "digests" / "x.txt").read_text())
    assert written["schema"] == "summarybot.summary/1"
    assert main(argv) == 0  # without --format, the name decides: Markdown
    assert (tmp_path / "data" / "digests" / "x.txt").read_text().startswith("# Digest of")
    capsys.readouterr()
    assert main([*argv, "--format", "text"]) == 1
    assert capsys.readouterr().err.strip() == (
        "summarybot: --format text is for printing: a file is written as markdown, json or "
        "html (leave --format out to follow the file name)"
    )
