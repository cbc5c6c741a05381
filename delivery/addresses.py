"""Webhook safety: where an outgoing webhook may connect.

A webhook URL is typed by a guild admin, so without checks the bot becomes a proxy into its
own network (cloud metadata, admin panels on localhost). The URL is checked when a
destination is added, and the address is checked again at connect time inside aiohttp's
`socket_factory`, which sees the address really dialled: that also covers IP literals,
redirects and DNS rebinding (a name that resolved to a public address at check time and to
127.0.0.1 at send time).
"""

from __future__ import annotations

import errno
import ipaddress
import socket
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import aiohttp

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_SIX_TO_FOUR = ipaddress.ip_network("2002::/16")
# Cloud metadata endpoints that are not covered by the link-local check.
_METADATA = frozenset(
    {ipaddress.ip_address("fd00:ec2::254"), ipaddress.ip_address("100.100.100.200")}
)


class UnsafeDestinationError(ValueError):
    """A webhook URL or address the bot refuses to send to; the message says why."""


def refusal(address: IPAddress) -> str | None:
    """Why `address` may not be a webhook target, or None when it is globally routable."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            inner = refusal(embedded)
            return None if inner is None else f"{inner} (inside the IPv6 address {address})"
    if address in _METADATA:
        return f"{address} is a cloud metadata address"
    checks = (
        (address.is_loopback, "a loopback address"),
        (address.is_unspecified, "an unspecified address"),
        (address.is_link_local, "a link-local address (this includes cloud metadata)"),
        (address.is_multicast, "a multicast address"),
        (isinstance(address, ipaddress.IPv4Address) and address in _CGNAT, "a CGNAT address"),
        (address.is_private, "a private address"),
        (address.is_reserved, "a reserved address"),
        (not address.is_global, "not a globally routable address"),
    )
    for hit, why in checks:
        if hit:
            return f"{address} is {why}"
    return None


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 form carries (mapped, NAT64, 6to4), which is what is reached."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if any(address in network for network in _NAT64):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address in _SIX_TO_FOUR:
        return address.sixtofour
    return None


def check_webhook_url(
    url: str, *, allow_insecure_http: bool = False, allow_private_addresses: bool = False
) -> None:
    """Refuse a URL that can never be sent to safely (checked when a destination is added).

    Host names are not resolved here (the answer may change); the connect-time check in
    `safe_connector` is the one that holds.
    """
    parts = urlsplit(url)
    if parts.scheme == "http" and not allow_insecure_http:
        raise UnsafeDestinationError(
            "webhook URLs must use https:// (plain http is allowed only with "
            "delivery.allow_insecure_http)"
        )
    if parts.scheme not in {"https", "http"}:
        raise UnsafeDestinationError("a webhook URL must start with https://")
    if parts.username is not None or parts.password is not None:
        raise UnsafeDestinationError("a webhook URL must not contain a user name or password")
    if not parts.hostname:
        raise UnsafeDestinationError("a webhook URL must name a host")
    try:
        _ = parts.port
    except ValueError:
        raise UnsafeDestinationError(
            "the webhook URL's port is not a number from 1 to 65535"
        ) from None
    if allow_private_addresses:
        return
    try:
        literal = ipaddress.ip_address(parts.hostname)
    except ValueError:
        if parts.hostname.lower() in {
            "localhost",
            "localhost.localdomain",
        } or parts.hostname.lower().endswith(".localhost"):
            raise UnsafeDestinationError(f"{parts.hostname} is a loopback host name") from None
        return
    why = refusal(literal)
    if why is not None:
        raise UnsafeDestinationError(f"webhook address refused: {why}")


def guarded_socket_factory(
    allow_private_addresses: bool,
) -> Callable[[tuple[Any, ...]], socket.socket]:
    """A `socket_factory` for aiohttp that refuses to open a socket to a forbidden address."""

    def factory(addr_info: tuple[Any, ...]) -> socket.socket:
        family, type_, proto, _, sockaddr = addr_info
        if not allow_private_addresses:
            address = ipaddress.ip_address(sockaddr[0].split("%", 1)[0])
            why = refusal(address)
            if why is not None:
                # errno + text: aiohttp puts strerror into the error people read.
                raise OSError(errno.EACCES, f"webhook address refused: {why}")
        return socket.socket(family=family, type=type_, proto=proto)

    return factory


def safe_connector(
    *, allow_private_addresses: bool = False, limit: int = 100
) -> aiohttp.TCPConnector:
    """The connector for webhook traffic: every connection passes the address check."""
    return aiohttp.TCPConnector(
        limit=limit,
        socket_factory=guarded_socket_factory(allow_private_addresses),
    )
