"""An audit entry in words: who (`<@id>`, never a ping), did what, to which schedule, when.

The store keeps each entry's detail as data; this turns the known shapes into a sentence and
anything else into its action's name, so a newer kind of entry still reads. Details never
hold webhook URLs or secrets (edits record field names only); free text that could quote one
(a pause reason, an error) is passed through the log redactor anyway, and shortened.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from bot.ops.redact import Redactor
from delivery.embeds import stamp
from scheduling.models import AuditAction, AuditEntry

_REDACT = Redactor()
# Field names as a member knows them from the commands' options.
_FIELD_WORDS = {
    "recurrence": "when",
    "include_threads": "threads",
    "lookback_seconds": "lookback",
    "min_messages": "min messages",
    "channel_ids": "channels",
    "confirm_wider_audience": "wider-audience confirmation",
    "confirmed_audiences": "confirmed audiences",
    "max_runs": "max runs",
    "end_at": "end",
    "mention_role_id": "mention",
    "log_channel_id": "log channel",
    "admin_role_id": "admin role",
    "creator_role_id": "creator role",
}


def actor_text(actor: str) -> str:
    """`<@123>` for a member, `the command line` for the shell, `summarybot` for the bot."""
    kind, _, rest = actor.partition(":")
    if kind == "user" and rest.isdigit():
        return f"<@{rest}>"
    if actor == "cli":
        return "the command line"
    if actor == "system":
        return "summarybot"
    return f"`{actor[:40]}`"


def field_words(name: str) -> str:
    """A field or setting name as the commands call it."""
    return _FIELD_WORDS.get(name, name.replace("_", " "))


def free_text(value: Any, limit: int = 150) -> str:
    """A reason or an error as recorded, secrets masked, shortened to `limit` characters."""
    text = _REDACT(" ".join(str(value).split()))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def entry_line(entry: AuditEntry) -> str:
    """One line: when (a Discord timestamp), who, and what: `<@123> paused k3x9: holidays`."""
    return f"{stamp(entry.at)} {actor_text(entry.actor)} {action_text(entry)}"


def action_text(entry: AuditEntry) -> str:
    """What the entry records, in words."""
    target = f"`{entry.schedule_id}`" if entry.schedule_id else "a schedule"
    words = _WORDS.get(entry.action)
    if words is None:
        return f"{str(entry.action).replace('_', ' ')} {target}".strip()
    return words(target, entry.detail)


def _named(verb: str) -> Callable[[str, Mapping[str, Any]], str]:
    def words(target: str, detail: Mapping[str, Any]) -> str:
        name = f" ({free_text(detail['name'], 80)})" if detail.get("name") else ""
        return f"{verb} {target}{name}"

    return words


def _fields(detail: Mapping[str, Any]) -> str:
    names = detail.get("fields") or []
    return ", ".join(field_words(str(name)) for name in names) or "nothing"


def _edited(target: str, detail: Mapping[str, Any]) -> str:
    if "destination_disabled" in detail:
        why = free_text(detail.get("reason", ""))
        return f"disabled destination `{detail['destination_disabled']}` of {target}: {why}"
    if "destination_enabled" in detail:
        return f"re-enabled destination `{detail['destination_enabled']}` of {target}"
    if "destination_enable_refused" in detail:
        error = free_text(detail.get("error", ""))
        return (
            f"tried to re-enable destination `{detail['destination_enable_refused']}` of "
            f"{target}; the test delivery failed: {error}"
        )
    if "secret_rotated" in detail:
        return f"rotated the signing secret of destination `{detail['secret_rotated']}` of {target}"
    if "destination_edited" in detail:
        return (
            f"edited destination `{detail['destination_edited']}` of {target} ({_fields(detail)})"
        )
    if "expired_secrets_dropped" in detail:
        return f"forgot the expired previous signing secrets of {target}"
    return f"edited {target} ({_fields(detail)})"


def _paused(target: str, detail: Mapping[str, Any]) -> str:
    cause = {"emergency_stop": " (emergency stop)", "left_server": " (the bot left the server)"}
    reason = f": {free_text(detail['reason'])}" if detail.get("reason") else ""
    return f"paused {target}{cause.get(str(detail.get('cause')), '')}{reason}"


def _resumed(target: str, detail: Mapping[str, Any]) -> str:
    return f"resumed {target}" + (" (resume-all)" if detail.get("all") else "")


def _completed(target: str, detail: Mapping[str, Any]) -> str:
    reason = f": {free_text(detail['reason'])}" if detail.get("reason") else ""
    return f"marked {target} completed{reason}"


def _imported(target: str, detail: Mapping[str, Any]) -> str:
    if "fields" in detail:
        return f"updated {target} by an import ({_fields(detail)})"
    return _named("imported")(target, detail)


def _exported(_: str, detail: Mapping[str, Any]) -> str:
    count = detail.get("schedules", 0)
    noun = "schedule" if count == 1 else "schedules"
    secrets = (
        "with webhook URLs and signing secrets"
        if detail.get("secrets")
        else "webhook URLs masked, no secrets"
    )
    return f"exported {count} {noun} ({secrets})"


def _setting_value(name: str, value: Any) -> str:
    if value is None:
        return "none"
    if name.endswith("role_id"):
        return f"<@&{value}>"
    if name.endswith("channel_id"):
        return f"<#{value}>"
    return f"`{free_text(value, 60)}`"


def _settings(_: str, detail: Mapping[str, Any]) -> str:
    changes = []
    for name, change in detail.items():
        if isinstance(change, Mapping):
            before = _setting_value(name, change.get("from"))
            after = _setting_value(name, change.get("to"))
            changes.append(f"{field_words(name)} from {before} to {after}")
    return "changed the settings: " + ("; ".join(changes) or "nothing")


def _stopped(_: str, detail: Mapping[str, Any]) -> str:
    reason = f": {free_text(detail['reason'])}" if detail.get("reason") else ""
    return f"paused every active schedule (emergency stop){reason}"


_WORDS: dict[AuditAction, Callable[[str, Mapping[str, Any]], str]] = {
    AuditAction.CREATED: _named("created"),
    AuditAction.EDITED: _edited,
    AuditAction.PAUSED: _paused,
    AuditAction.RESUMED: _resumed,
    AuditAction.DELETED: _named("deleted"),
    AuditAction.TRIGGERED: lambda target, _: f"ran {target} now",
    AuditAction.COMPLETED: _completed,
    AuditAction.IMPORTED: _imported,
    AuditAction.EXPORTED: _exported,
    AuditAction.CLEANED_UP: lambda _, __: "deleted runs and files past their retention",
    AuditAction.SETTINGS_CHANGED: _settings,
    AuditAction.EMERGENCY_STOP: _stopped,
    AuditAction.EMERGENCY_RESUME: lambda _, __: "resumed the schedules a guild-wide pause stopped",
}
