"""The optional HTTP server (`[http] enabled`): `GET /healthz` and `GET /metrics`.

For orchestrators and Prometheus, not for people: it binds to `127.0.0.1` by default, answers
nothing but these two paths, and keeps no access log (a probe every few seconds would drown
the bot's own lines).
"""

from __future__ import annotations

import logging

from aiohttp import web

from bot.ops.health import HealthChecks, run_checks
from bot.ops.metrics import BotMetrics

log = logging.getLogger(__name__)


class HttpServerError(Exception):
    """The server could not start (the port is taken, the address is not this machine's)."""


class HealthServer:
    """Serves the health report and the metrics; `start()` binds, `stop()` releases the port."""

    def __init__(self, checks: HealthChecks, metrics: BotMetrics, *, host: str, port: int) -> None:
        self.checks = checks
        self.metrics = metrics
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None

    def app(self) -> web.Application:
        """The aiohttp application with the two routes."""
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/metrics", self._metrics)
        return app

    async def start(self) -> None:
        """Bind and serve; raises `HttpServerError` naming the address when it cannot."""
        runner = web.AppRunner(self.app(), access_log=None)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.host, self.port).start()
        except OSError as exc:
            await runner.cleanup()
            reason = exc.strerror or str(exc)
            raise HttpServerError(
                f"cannot serve health and metrics on {self.host}:{self.port} ([http] host and "
                f"port): {reason}"
            ) from None
        self._runner = runner
        # Port 0 asks the system for a free port: report the one it gave.
        self.port = _bound_port(runner, self.port)
        log.info("health and metrics on http://%s:%d (/healthz, /metrics)", self.host, self.port)

    async def stop(self) -> None:
        """Stop serving and release the port (idempotent)."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def _healthz(self, _request: web.Request) -> web.Response:
        report = await run_checks(self.checks)
        return web.json_response(
            report.model_dump(),
            status=200 if report.healthy else 503,
            headers={"Cache-Control": "no-store"},
        )

    async def _metrics(self, request: web.Request) -> web.Response:
        await self.metrics.refresh()
        body, content_type = self.metrics.render(request.headers.get("Accept"))
        response = web.Response(body=body)
        # Set as a header: the type carries its own charset (and version) parameters, which
        # aiohttp's `content_type=` argument refuses.
        response.headers["Content-Type"] = content_type
        return response


def _bound_port(runner: web.AppRunner, asked: int) -> int:
    for address in runner.addresses:
        if isinstance(address, tuple) and len(address) >= 2:
            return int(address[1])
    return asked
