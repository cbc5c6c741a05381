"""Webhook safety: refused URLs and addresses, checked again when the socket is opened."""

from __future__ import annotations

import ipaddress

import aiohttp
import pytest
from aiohttp import web

from delivery.addresses import (
    UnsafeDestinationError,
    check_webhook_url,
    refusal,
    safe_connector,
)


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("fc00::1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("100.64.0.1", "CGNAT"),
        ("224.0.0.251", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("fd00:ec2::254", "metadata"),
        ("100.100.100.200", "metadata"),
        ("::ffff:127.0.0.1", "inside the IPv6 address"),
        ("::ffff:169.254.169.254", "link-local"),
        ("64:ff9b::a00:1", "inside the IPv6 address"),
        ("2002:c0a8:101::", "private"),
    ],
)
def test_forbidden_addresses(address, reason):
    why = refusal(ipaddress.ip_address(address))
    assert why is not None
    assert reason in why


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "2606:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses_pass(address):
    assert refusal(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://hooks.example.com/x", "must use https://"),
        ("ftp://hooks.example.com/x", "must start with https://"),
        ("https://user:pw@hooks.example.com/x", "user name or password"),
        ("https:///x", "must name a host"),
        ("https://hooks.example.com:99999/x", "port"),
        ("https://127.0.0.1/x", "loopback"),
        ("https://[::ffff:10.0.0.1]/x", "private"),
        ("https://169.254.169.254/latest/meta-data", "link-local"),
        ("https://localhost:8443/x", "loopback host name"),
        ("https://api.localhost/x", "loopback host name"),
    ],
)
def test_refused_urls(url, message):
    with pytest.raises(UnsafeDestinationError, match=message):
        check_webhook_url(url)


def test_overrides_allow_local_testing():
    check_webhook_url(
        "http://127.0.0.1:8080/hook", allow_insecure_http=True, allow_private_addresses=True
    )
    check_webhook_url("https://hooks.example.com/in/abc")


@pytest.fixture
async def receiver(aiohttp_server_factory):
    return await aiohttp_server_factory()


@pytest.fixture
async def aiohttp_server_factory():
    runners = []
    seen = []

    async def start():
        async def hook(request):
            seen.append(await request.read())
            return web.Response(status=204)

        app = web.Application()
        app.router.add_post("/hook", hook)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        runners.append(runner)
        port = site._server.sockets[0].getsockname()[1]
        return port, seen

    yield start
    for runner in runners:
        await runner.cleanup()


async def test_a_name_resolving_to_loopback_is_refused_at_connect_time(receiver):
    port, seen = receiver
    async with aiohttp.ClientSession(connector=safe_connector(), trust_env=False) as session:
        with pytest.raises(
            aiohttp.ClientConnectorError, match=r"refused: 127\.0\.0\.1 is a loopback address"
        ):
            await session.post(f"http://localhost:{port}/hook", data=b"x")
    assert seen == []


async def test_an_ip_literal_is_refused_at_connect_time_too(receiver):
    port, seen = receiver
    async with aiohttp.ClientSession(connector=safe_connector(), trust_env=False) as session:
        with pytest.raises(aiohttp.ClientConnectorError, match="loopback"):
            await session.post(f"http://127.0.0.1:{port}/hook", data=b"x")
    assert seen == []


async def test_private_addresses_can_be_allowed_for_tests(receiver):
    port, seen = receiver
    connector = safe_connector(allow_private_addresses=True)
    async with aiohttp.ClientSession(connector=connector, trust_env=False) as session:
        response = await session.post(f"http://127.0.0.1:{port}/hook", data=b"x")
        assert response.status == 204
    assert seen == [b"x"]


# IANA's IPv4 and IPv6 Special-Purpose Address Registries (every range not globally reachable,
# documentation included), written out here independently of the code's own table.
REGISTRY_RANGES = [
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
    "172.16.0.0/12", "192.0.0.0/24", "192.0.0.0/29", "192.0.0.8/32", "192.0.0.170/31",
    "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24",
    "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4", "255.255.255.255/32",
    "::/128", "::1/128", "::ffff:0:0/96", "64:ff9b::/96", "64:ff9b:1::/48", "100::/64",
    "100:0:0:1::/64", "2001::/23", "2001::/32", "2001:2::/48", "2001:10::/28",
    "2001:db8::/32", "2002::/16", "3fff::/20", "5f00::/16", "fc00::/7", "fe80::/10",
    "fec0::/10", "ff00::/8",
]  # fmt: skip


@pytest.mark.parametrize("network", REGISTRY_RANGES)
def test_every_special_purpose_range_is_refused_from_its_first_address(network):
    first = ipaddress.ip_network(network).network_address
    assert refusal(first) is not None
    if ipaddress.ip_network(network).num_addresses > 1:
        assert refusal(first + 1) is not None


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("fec0::1", "site-local"),
        ("192.0.0.8", "192.0.0.0/24"),
        ("3fff::1", "documentation"),
        ("3fff:fff::1", "documentation"),
        ("192.0.0.9", "192.0.0.0/24"),  # PCP anycast: reachable, but never a webhook consumer
        ("64:ff9b:1::808:808", "64:ff9b:1::808:808 is "),  # local-use NAT64: refused outright
        ("4000::1", "4000::1 is "),  # outside 2000::/3, the global unicast space
    ],
)
def test_special_purpose_addresses_python_3_11_thinks_global(address, reason):
    why = refusal(ipaddress.ip_address(address))
    assert why is not None
    assert reason in why


@pytest.mark.parametrize(
    "address",
    ["93.184.215.14", "2606:4700::1111", "2001:4860:4860::8888", "64:ff9b::808:808"],
)
def test_ordinary_public_addresses_are_allowed(address):
    assert refusal(ipaddress.ip_address(address)) is None


def test_the_code_table_holds_the_registry():
    from delivery.addresses import SPECIAL_PURPOSE

    table = {network for network, _ in SPECIAL_PURPOSE}
    for network in map(ipaddress.ip_network, REGISTRY_RANGES):
        embeds_ipv4 = str(network) in {"::ffff:0:0/96", "64:ff9b::/96", "2002::/16"}
        assert embeds_ipv4 or any(
            network.subnet_of(held) for held in table if held.version == network.version
        ), network


@pytest.mark.parametrize(
    "host",
    ["discord.com", "ptb.discord.com", "canary.discord.com", "discordapp.com", "DISCORD.COM"],
)
def test_discord_webhook_urls_need_https_even_when_http_is_allowed(host):
    with pytest.raises(UnsafeDestinationError, match="Discord webhook URLs must start with https"):
        check_webhook_url(f"http://{host}/api/webhooks/1/token", allow_insecure_http=True)
    check_webhook_url(f"https://{host}/api/webhooks/1/token")
