"""The opt-in HTTP listener: `/healthz` for supervisors, `/metrics` for Prometheus.

Off unless METRICS_PORT is set, and bound to 127.0.0.1 unless METRICS_HOST
says otherwise: a bot's internals are nobody else's business by default.
`/healthz` is 200 only while every check passes (the adapter says whether
the gateway is up; the database must answer a trivial query in time), and
503 with the failing reasons otherwise, so Docker's HEALTHCHECK, systemd or a
load balancer can act on it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.ops.metrics import CONTENT_TYPE, Metrics

log = logging.getLogger(__name__)

DB_TIMEOUT_S = 3.0

# Returns None when healthy, or what is wrong in a few words.
Probe = Callable[[], Awaitable[str | None]]


def database_probe(sessions: async_sessionmaker[AsyncSession]) -> Probe:
    async def probe() -> str | None:
        try:
            async with asyncio.timeout(DB_TIMEOUT_S):
                async with sessions() as session:
                    await session.execute(text("SELECT 1"))
        except TimeoutError:
            return f"database did not answer within {DB_TIMEOUT_S:g} s"
        except Exception as error:  # any driver error is a reason, never a crash
            return f"database error: {type(error).__name__}"
        return None

    return probe


@dataclass
class HealthServer:
    probes: list[Probe]
    metrics: Metrics
    host: str = "127.0.0.1"
    port: int = 0
    _runner: web.AppRunner | None = None

    async def healthz(self, _request: web.Request) -> web.Response:
        reasons = [r for r in await asyncio.gather(*(p() for p in self.probes)) if r]
        if reasons:
            return web.Response(status=503, text="unhealthy: " + "; ".join(reasons) + "\n")
        return web.Response(text="ok\n")

    async def metrics_page(self, _request: web.Request) -> web.Response:
        body = await self.metrics.render()
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})

    async def start(self) -> int:
        """Listen; returns the port (useful with port 0 in tests)."""
        app = web.Application()
        app.router.add_get("/healthz", self.healthz)
        app.router.add_get("/metrics", self.metrics_page)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        if self.port == 0 and self._runner.addresses:
            self.port = self._runner.addresses[0][1]
        log.info("health and metrics on http://%s:%d/healthz and /metrics", self.host, self.port)
        return self.port

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
