"""What the bot counts and times, in Prometheus form.

One `Metrics` per process (or per test) with its own CollectorRegistry, so
tests read exact numbers and nothing leaks between them. The adapter feeds
it through small hooks: the interaction it received, the HTTP responses its
aiohttp session saw (a TraceConfig, public aiohttp API that discord.py
accepts as `http_trace`), the database's transactions (SQLAlchemy engine
events). Nothing here changes what the bot does: with no listener the
numbers are simply never read.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import aiohttp
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from db.models import DiscussionRun

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# Discord wants an interaction answered within 3 s: the buckets resolve that range.
LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0)
DB_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
LATENESS_BUCKETS = (0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600)
CALLBACK = re.compile(r"/interactions/(\d+)/[^/]+/callback$")
UNANSWERED_AFTER_S = 15.0


@dataclass
class _Pending:
    kind: str
    received: float


class Metrics:
    def __init__(
        self,
        registry: CollectorRegistry | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._clock = clock
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.interactions = Counter(
            "quizbot_interactions",
            "Interactions answered, by kind (command, component, modal, autocomplete) "
            "and outcome (answered, expired, rejected, unanswered).",
            ["kind", "outcome"],
            registry=r,
        )
        self.response_seconds = Histogram(
            "quizbot_interaction_response_seconds",
            "From receiving an interaction (a click, a command) to Discord accepting the answer.",
            ["kind"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.running_quizzes = Gauge(
            "quizbot_running_quizzes", "Quizzes this process is driving now.", registry=r
        )
        self.open_discussions = Gauge(
            "quizbot_open_discussions", "Discussions open in the database now.", registry=r
        )
        self.db_transaction_seconds = Histogram(
            "quizbot_db_transaction_seconds",
            "Database transactions, from BEGIN to COMMIT or ROLLBACK.",
            ["outcome"],
            buckets=DB_BUCKETS,
            registry=r,
        )
        self.discord_responses = Counter(
            "quizbot_discord_responses",
            "Discord REST responses by status code (429 = rate limited, 5xx = Discord trouble).",
            ["status"],
            registry=r,
        )
        self.gateway_latency = Gauge(
            "quizbot_gateway_latency_seconds",
            "Heartbeat round trip per shard.",
            ["shard"],
            registry=r,
        )
        self.gateway_connected = Gauge(
            "quizbot_gateway_connected",
            "1 while the shard's gateway is connected.",
            ["shard"],
            registry=r,
        )
        self.schedule_lateness = Histogram(
            "quizbot_schedule_fire_lateness_seconds",
            "How long after its due time a scheduled quiz or question of the day fired.",
            buckets=LATENESS_BUCKETS,
            registry=r,
        )
        self._pending: dict[int, _Pending] = {}
        # Each label's child, looked up once: `labels()` takes a lock and checks its
        # arguments, at every click otherwise.
        self._by_status: dict[int, Counter] = {}
        self._latency: dict[str, Histogram] = {}
        self._outcomes: dict[tuple[str, str], Counter] = {}
        self._refreshers: list[Callable[[Metrics], Awaitable[None] | None]] = []

    # -- interactions ---------------------------------------------------------------------

    def interaction_received(self, interaction_id: int, kind: str) -> None:
        now = self._clock()
        self._sweep(now)
        self._pending[interaction_id] = _Pending(kind, now)

    def interaction_answered(self, interaction_id: int, status: int) -> None:
        pending = self._pending.pop(interaction_id, None)
        if pending is None:
            return
        kind = pending.kind
        if 200 <= status < 300:
            outcome = "answered"
            latency = self._latency.get(kind)
            if latency is None:
                latency = self._latency[kind] = self.response_seconds.labels(kind)
            latency.observe(self._clock() - pending.received)
        elif status == 404:
            outcome = "expired"  # answered after Discord's deadline (10062)
        else:
            outcome = "rejected"
        self._outcome(kind, outcome).inc()

    def _outcome(self, kind: str, outcome: str) -> Counter:
        counter = self._outcomes.get((kind, outcome))
        if counter is None:
            counter = self._outcomes[kind, outcome] = self.interactions.labels(kind, outcome)
        return counter

    def _sweep(self, now: float) -> None:
        """Interactions never answered are counted once they are certainly too late.

        `_pending` is in order of receipt (a dict keeps insertion order, the clock is
        monotonic), so only its oldest entries are looked at: a busy server's hundreds
        of clicks in flight cost one look per click, not a walk over all of them."""
        cutoff = now - UNANSWERED_AFTER_S
        while self._pending:
            interaction_id, pending = next(iter(self._pending.items()))
            if pending.received >= cutoff:
                return
            del self._pending[interaction_id]
            self._outcome(pending.kind, "unanswered").inc()

    # -- Discord's HTTP responses ------------------------------------------------------------

    def trace_config(self) -> aiohttp.TraceConfig:
        """Hand to discord.py as `http_trace=`: sees every REST response the bot gets."""
        trace = aiohttp.TraceConfig()

        async def on_end(
            _session: aiohttp.ClientSession,
            _context: SimpleNamespace,
            params: aiohttp.TraceRequestEndParams,
        ) -> None:
            self.http_response(params.url.path, params.response.status)

        trace.on_request_end.append(on_end)
        return trace

    def http_response(self, path: str, status: int) -> None:
        if status == 101:  # the gateway's websocket upgrade, not a REST call
            return
        counter = self._by_status.get(status)
        if counter is None:
            counter = self._by_status[status] = self.discord_responses.labels(str(status))
        counter.inc()
        match = CALLBACK.search(path) if path.endswith("/callback") else None
        if match:
            self.interaction_answered(int(match.group(1)), status)

    # -- the database ----------------------------------------------------------------------

    def watch_engine(self, engine: AsyncEngine) -> None:
        """Time transactions through SQLAlchemy's events. The hooks never touch the
        connection (an invalidated one raises on access) and never raise."""
        began: dict[int, float] = {}

        def begin(connection: Any) -> None:
            began[id(connection)] = time.perf_counter()

        def ended(outcome: str) -> Callable[[Any], None]:
            def done(connection: Any) -> None:
                start = began.pop(id(connection), None)
                if start is not None:
                    with contextlib.suppress(Exception):
                        self.db_transaction_seconds.labels(outcome).observe(
                            time.perf_counter() - start
                        )

            return done

        sync = engine.sync_engine
        event.listen(sync, "begin", begin)
        event.listen(sync, "commit", ended("commit"))
        event.listen(sync, "rollback", ended("rollback"))

    # -- schedules -------------------------------------------------------------------------

    def schedule_fired(self, late_by_seconds: float) -> None:
        self.schedule_lateness.observe(max(0.0, late_by_seconds))

    # -- reading -------------------------------------------------------------------------

    def on_refresh(self, refresh: Callable[[Metrics], Awaitable[None] | None]) -> None:
        """Gauges that are read when scraped (running quizzes, gateway latency)."""
        self._refreshers.append(refresh)

    async def render(self) -> bytes:
        for refresh in self._refreshers:
            result = refresh(self)
            if result is not None:
                await result
        return generate_latest(self.registry)

    def value(self, name: str, **labels: str) -> float:
        """One sample's value (0 when absent): for tests and `quizbot doctor`."""
        found = self.registry.get_sample_value(name, labels)
        return float(found) if found is not None else 0.0


async def count_open_discussions(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        count = await session.scalar(
            select(func.count()).select_from(DiscussionRun).where(DiscussionRun.status == "open")
        )
    return int(count or 0)
