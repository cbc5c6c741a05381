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
