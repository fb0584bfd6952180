"""What runs beside the bot in `quizbot run`: the HTTP listener, daily backups, signals.

SIGTERM (systemd, `docker stop`) and SIGINT (Ctrl-C) start an orderly stop:
the bot's own `close()` finishes the pending answer writes, hands running
quizzes over (stored state and released leases, so the next start or
another process resumes them at once), and closes the gateway. It gets
SHUTDOWN_S seconds; past that the process exits anyway with status 1,
because supervisors send SIGKILL soon after (Docker after 10 s).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import Awaitable, Callable
from types import TracebackType

from bot.app import Database, StartupError
from bot.ops.backup import DailyBackups
from bot.ops.health import HealthServer, Probe, database_probe
from bot.ops.metrics import Metrics
from bot.settings import Settings
from db.engine import is_sqlite

log = logging.getLogger(__name__)

SHUTDOWN_S = 9.0
SIGNALS = (signal.SIGTERM, signal.SIGINT)


class OpsRuntime:
    def __init__(
        self,
        settings: Settings,
        database: Database,
        metrics: Metrics,
        probes: list[Probe],
        stop: Callable[[], Awaitable[None]],
    ) -> None:
        self.settings = settings
        self.database = database
        self.metrics = metrics
        self.probes = probes
        self.stop = stop
        self.server: HealthServer | None = None
        self.backups: DailyBackups | None = None
        self.stopping: asyncio.Task[None] | None = None
        self.timed_out = False
        self._signals: list[signal.Signals] = []

    async def __aenter__(self) -> OpsRuntime:
        if self.settings.metrics_port is not None:
            self.metrics.watch_engine(self.database.engine)
            probes = [*self.probes, database_probe(self.database.sessions)]
            self.server = HealthServer(
                probes, self.metrics, self.settings.metrics_host, self.settings.metrics_port
            )
            try:
                await self.server.start()
            except OSError as error:
                raise StartupError(
                    f"cannot serve /healthz and /metrics on {self.settings.metrics_host}:"
                    f"{self.settings.metrics_port} ({error.strerror or error}): pick another "
                    "METRICS_PORT, or leave it empty to serve none"
                ) from None
        if self.settings.backup_dir is not None:
            self.backups = DailyBackups(
                self.settings.database_url, self.settings.backup_dir, self.settings.backup_keep
            )
            self.backups.start()
            if not is_sqlite(self.settings.database_url):
                log.info("daily backups of PostgreSQL use pg_dump (it must be installed)")
        loop = asyncio.get_running_loop()
        for sig in SIGNALS:
            with contextlib.suppress(NotImplementedError, RuntimeError):  # not on Windows
                loop.add_signal_handler(sig, self.request_stop, sig)
                self._signals.append(sig)
        return self

    def request_stop(self, sig: signal.Signals | None = None) -> None:
        name = sig.name if sig is not None else "request"
        if self.stopping is not None:
            log.warning("%s again: already stopping", name)
            return
        log.info("%s: stopping (finishing answer writes, handing quizzes over)", name)
        self.stopping = asyncio.get_running_loop().create_task(self._stop(), name="shutdown")

    async def _stop(self) -> None:
        try:
            await asyncio.wait_for(self.stop(), SHUTDOWN_S)
        except TimeoutError:
            self.timed_out = True
            log.error("stopping took more than %.0f s: exiting now", SHUTDOWN_S)
            logging.shutdown()
            os._exit(1)  # the bot's tasks are stuck; a supervisor would SIGKILL next
        except Exception:
            log.exception("stopping failed")
        else:
            log.info("stopped cleanly")

    async def __aexit__(
        self,
        _type: type[BaseException] | None,
        _error: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        loop = asyncio.get_running_loop()
        for sig in self._signals:
            loop.remove_signal_handler(sig)
        if self.stopping is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self.stopping
        if self.backups is not None:
            await self.backups.stop()
        if self.server is not None:
            await self.server.stop()
