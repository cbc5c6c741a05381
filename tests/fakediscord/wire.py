"""What goes on the wire: JSON responses and Discord's error bodies."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web


def json_response(
    data: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    """A JSON response with `Content-Type: application/json` exactly.

    aiohttp's `json_response` appends `; charset=utf-8`, and discord.py then reads the
    body as text instead of JSON.
    """
    response = web.Response(body=json.dumps(data).encode(), status=status, headers=headers)
    response.headers["Content-Type"] = "application/json"
    return response


class ApiError(Exception):
    """A Discord API error: HTTP status plus the JSON `{code, message, errors}` body."""

    def __init__(
        self, status: int, code: int, message: str, errors: dict[str, Any] | None = None
    ) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors

    def body(self) -> dict[str, Any]:
        """Discord's error body."""
        data: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors is not None:
            data["errors"] = self.errors
        return data


def unknown_channel() -> ApiError:
    """10003."""
    return ApiError(404, 10003, "Unknown Channel")


def unknown_message() -> ApiError:
    """10008."""
    return ApiError(404, 10008, "Unknown Message")


def unknown_webhook() -> ApiError:
    """10015."""
    return ApiError(404, 10015, "Unknown Webhook")


def missing_access() -> ApiError:
    """50001: the bot cannot see the channel at all."""
    return ApiError(403, 50001, "Missing Access")


def missing_permissions() -> ApiError:
    """50013."""
    return ApiError(403, 50013, "Missing Permissions")


def unauthorized() -> ApiError:
    """401 as Discord sends it for a bad token."""
    return ApiError(401, 0, "401: Unauthorized")


def field_error(path: str, code: str, message: str) -> dict[str, Any]:
    """Nest one error at a dotted field path, as Discord's 50035 `errors` does."""
    node: dict[str, Any] = {"_errors": [{"code": code, "message": message}]}
    for part in reversed(path.split(".")):
        node = {part: node}
    return node


def merge_errors(target: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """Merge nested error trees so several invalid fields are all reported."""
    for key, value in extra.items():
        if key in target and isinstance(target[key], dict) and isinstance(value, dict):
            merge_errors(target[key], value)
        else:
            target[key] = value
    return target


def invalid_form_body(errors: dict[str, Any]) -> ApiError:
    """50035 with the field paths."""
    return ApiError(400, 50035, "Invalid Form Body", errors)
