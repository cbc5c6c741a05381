"""Logging says what summarybot does, not what its libraries chatter about, and no secret."""

from __future__ import annotations

import json
import logging

import pytest

from bot.config import LoggingSettings
from bot.ops.logs import configure_logging
from bot.ops.redact import Redactor


def test_scheduler_job_runs_are_not_logged_at_info(capsys):
    configure_logging(LoggingSettings(level="INFO"))
    logging.getLogger("apscheduler.executors.default").info('Running job "TaskScheduler.poll"')
    logging.getLogger("bot.app").info("synced 0 global commands")
    err = capsys.readouterr().err
    assert "Running job" not in err
    assert "synced 0 global commands" in err


def test_scheduler_warnings_still_show_at_info(capsys):
    configure_logging(LoggingSettings(level="INFO"))
    logging.getLogger("apscheduler.executors.default").warning("Run time of job was missed")
    assert "Run time of job was missed" in capsys.readouterr().err


def test_scheduler_debug_shows_when_debugging(capsys):
    configure_logging(LoggingSettings(level="DEBUG"))
    logging.getLogger("apscheduler.scheduler").debug("Looking for jobs to run")
    assert "Looking for jobs to run" in capsys.readouterr().err


def test_missing_voice_libraries_are_not_warned_about(capsys):
    configure_logging(LoggingSettings(level="INFO"))
    client = logging.getLogger("discord.client")
    client.warning("PyNaCl is not installed, voice will NOT be supported")
    client.warning("Application has an interaction endpoint URL set")
    err = capsys.readouterr().err
    assert "voice" not in err
    assert "interaction endpoint URL" in err


# --- secrets never reach the log --------------------------------------------------------------

TOKEN = "plain-configured-token-0001"  # the configured one, whatever its shape
API_KEY = "ollama-api-key-0002"
SHAPED_TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4OQ.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB"

# (what is logged, the secret that must vanish, what must still be there)
SECRET_FORMS = [
    pytest.param(f"login with {TOKEN}", TOKEN, "login with ***", id="configured-token"),
    pytest.param(f"Authorization: Bot {SHAPED_TOKEN}", SHAPED_TOKEN, "Bot ***", id="token-shape"),
    pytest.param(f"sk={API_KEY}", API_KEY, "sk=***", id="configured-api-key"),
    pytest.param(
        "Authorization: Bearer sk-proj-abcdefghijklmnop1234",
        "abcdefghijklmnop1234",
        "Bearer ***",
        id="bearer",
    ),
    pytest.param(
        "secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw rejected",
        "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "secret whsec_*** rejected",
        id="signing-secret",
    ),
    pytest.param(
        "POST https://discord.com/api/v10/webhooks/1234567890/AbC-def_ghiJKLmnoPQR?wait=true",
        "AbC-def_ghiJKLmnoPQR",
        "https://discord.com/api/v10/webhooks/1234567890/***?wait=true",
        id="discord-webhook-url",
    ),
    pytest.param(
        "POST /interactions/55555/aW50ZXJhY3Rpb246MTIzNDU2/callback",
        "aW50ZXJhY3Rpb246MTIzNDU2",
        "/interactions/55555/***/callback",
        id="interaction-token",
    ),
    pytest.param(
        "502 from https://ops:hunter2hunter2@hooks.example.com/in?token=s3cr3tvalue&wait=true.",
        "hunter2hunter2",
        "https://***@hooks.example.com/in?token=***&wait=true.",
        id="url-credentials-and-query",
    ),
    pytest.param(
        "retrying with api_key=abcdef123456 in 5 s",
        "abcdef123456",
        "api_key=*** in 5 s",
        id="key-value",
    ),
]


def configure(fmt: str) -> logging.Logger:
    configure_logging(LoggingSettings(format=fmt), secrets=[TOKEN, API_KEY])
    return logging.getLogger("bot.test")


@pytest.mark.parametrize("fmt", ["text", "json"])
@pytest.mark.parametrize(("text", "secret", "kept"), SECRET_FORMS)
def test_secrets_in_a_message_are_masked(capsys, fmt, text, secret, kept):
    configure(fmt).warning("delivery failed: %s", text)
    err = capsys.readouterr().err
    message = json.loads(err)["message"] if fmt == "json" else err
    assert secret not in err
    assert message.rstrip("\n").endswith(kept)
    assert "delivery failed: " in message


@pytest.mark.parametrize("fmt", ["text", "json"])
@pytest.mark.parametrize(("text", "secret", "kept"), SECRET_FORMS)
def test_secrets_in_a_traceback_are_masked(capsys, fmt, text, secret, kept):
    log = configure(fmt)
    try:
        raise RuntimeError(text)
    except RuntimeError:
        log.exception("run failed")
    err = capsys.readouterr().err
    trace = json.loads(err)["exc"] if fmt == "json" else err
    assert secret not in err
    assert "Traceback (most recent call last)" in trace
    assert trace.rstrip("\n").endswith(kept)


def test_json_lines_carry_extra_context_masked(capsys):
    configure("json").info(
        "run finished",
        extra={"schedule_id": "s_abc123", "attempt": 2, "url": f"https://x.test/?token={TOKEN}"},
    )
    entry = json.loads(capsys.readouterr().err)
    assert entry["message"] == "run finished"
    assert entry["schedule_id"] == "s_abc123"
    assert entry["attempt"] == 2
    assert entry["url"] == "https://x.test/?token=***"
    assert {"time", "level", "logger"} <= entry.keys()


@pytest.mark.parametrize(
    "text",
    [
        "GET https://discord.com/api/v10/channels/1/messages?limit=100&before=456 has returned 200",
        "the daily token budget of 1000 tokens for this guild is used up",
        "Bot application 1234 synced 3 commands",
        "wss://gateway.discord.gg/?v=10&encoding=json&compress=zlib-stream",
        "delivery to https://hooks.example.com/… failed: HTTP 500",
    ],
)
def test_ordinary_lines_are_left_as_they_are(text):
    assert Redactor([TOKEN])(text) == text


def test_short_configured_values_are_not_treated_as_secrets():
    # A placeholder key like "x" would otherwise turn every x in every line into ***.
    assert Redactor(["x", ""])("exit 0") == "exit 0"
