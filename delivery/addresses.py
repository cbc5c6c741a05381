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

from delivery.models import is_discord_host

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_CGNAT = ipaddress.ip_network("100.64.0.0/10")
# Forms that carry an IPv4 address, which is what is reached: it is checked instead. The
# local-use NAT64 prefix 64:ff9b:1::/48 is not one of them: it is refused outright below.
_MAPPED = ipaddress.ip_network("::ffff:0:0/96")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_SIX_TO_FOUR = ipaddress.ip_network("2002::/16")
# IANA's IPv4 and IPv6 Special-Purpose Address Registries
# (https://www.iana.org/assignments/iana-ipv4-special-registry and
# https://www.iana.org/assignments/iana-ipv6-special-registry), written down from what was
# known of them in late 2024 (3fff::/20 and 5f00::/16 are 2024 additions): every range whose
# "Globally Reachable" is False or N/A, the documentation ranges among them; mapped, NAT64 and
# 6to4 addresses are judged by the IPv4 address they embed (above). Written out rather than
# left to `ipaddress.is_global`, whose answer changes between Python versions (3.11 passes
# 192.0.0.8, fec0::/10 and 3fff::/20). The few reachable anycast services inside 192.0.0.0/24
# and 2001::/23 (PCP, TURN, AMT, AS112) are refused with their block: none is a webhook
# consumer. Add new registry entries here, and to the test's own list.
SPECIAL_PURPOSE: tuple[tuple[IPNetwork, str], ...] = tuple(
    (ipaddress.ip_network(network), name)
    for network, name in (
        ("0.0.0.0/8", "'this network'"),
        ("10.0.0.0/8", "private-use"),
        ("100.64.0.0/10", "shared address space (CGNAT)"),
        ("127.0.0.0/8", "loopback"),
        ("169.254.0.0/16", "link-local"),
        ("172.16.0.0/12", "private-use"),
        ("192.0.0.0/24", "IETF protocol assignments"),
        ("192.0.2.0/24", "documentation (TEST-NET-1)"),
        ("192.88.99.0/24", "deprecated 6to4 relay anycast"),
        ("192.168.0.0/16", "private-use"),
        ("198.18.0.0/15", "benchmarking"),
        ("198.51.100.0/24", "documentation (TEST-NET-2)"),
        ("203.0.113.0/24", "documentation (TEST-NET-3)"),
        ("224.0.0.0/4", "multicast"),
        ("240.0.0.0/4", "reserved"),
        ("255.255.255.255/32", "limited broadcast"),
        ("::/128", "unspecified"),
        ("::1/128", "loopback"),
        ("64:ff9b:1::/48", "local-use IPv4/IPv6 translation"),
        ("100::/64", "discard-only"),
        ("100:0:0:1::/64", "dummy IPv6 prefix"),
        ("2001::/23", "IETF protocol assignments (Teredo included)"),
        ("2001:db8::/32", "documentation"),
        ("3fff::/20", "documentation"),
        ("5f00::/16", "segment routing (SRv6) SIDs"),
        ("fc00::/7", "unique-local"),
        ("fe80::/10", "link-local"),
        ("fec0::/10", "deprecated site-local"),
        ("ff00::/8", "multicast"),
    )
)
# IANA allocates global unicast IPv6 only from 2000::/3; everything else is reserved.
_GLOBAL_UNICAST_V6 = ipaddress.ip_network("2000::/3")
# Cloud metadata endpoints that are not covered by the link-local check.
_METADATA = frozenset(
    {ipaddress.ip_address("fd00:ec2::254"), ipaddress.ip_address("100.100.100.200")}
)

# Open connections of the webhook session (aiohttp's default); `deliver_all` lets as many
# deliveries be in flight, so neither bound waits on the other.
WEBHOOK_CONNECTIONS = 100


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
    )
    for hit, why in checks:
        if hit:
            return f"{address} is {why}"
    special = _special_purpose(address)
    if special is not None:
        return f"{address} is {special}"
    if not address.is_global:
        return f"{address} is not a globally routable address"
    return None


def _special_purpose(address: IPAddress) -> str | None:
    """Which IANA special-purpose range holds `address`, whatever this Python's `is_global` says."""
    for network, name in SPECIAL_PURPOSE:
        if address.version == network.version and address in network:
            return f"in {network}, a special-purpose range ({name})"
    if isinstance(address, ipaddress.IPv6Address) and address not in _GLOBAL_UNICAST_V6:
        return f"outside {_GLOBAL_UNICAST_V6}, the only global unicast IPv6 space"
    return None


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 form carries (mapped, NAT64, 6to4), which is what is reached."""
    if address in _MAPPED:
        return address.ipv4_mapped
    if address in _NAT64:
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
    if is_discord_host(parts.hostname) and parts.scheme != "https":
        # Discord serves webhooks only over https: a plain-http URL would send the token (the
        # URL's path) in the clear, whatever delivery.allow_insecure_http says.
        raise UnsafeDestinationError(
            "Discord webhook URLs must start with https:// (Discord serves them only over "
            "https; delivery.allow_insecure_http does not apply)"
        )
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
    *, allow_private_addresses: bool = False, limit: int = WEBHOOK_CONNECTIONS
) -> aiohttp.TCPConnector:
    """The connector for webhook traffic: every connection passes the address check."""
    return aiohttp.TCPConnector(
        limit=limit,
        socket_factory=guarded_socket_factory(allow_private_addresses),
    )
