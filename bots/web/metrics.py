"""``/healthz`` (is the database reachable?) and ``/metrics`` (Prometheus's
text format, with prometheus-client).

The figures about data — deliveries by platform and state, the moderators'
review queue, how late digests go out — are read from the database at each
scrape (core.services.operations), so every worker reports the same truth;
the updates handled are counted in this process by the front ends
(bots.metrics).
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from bots.metrics import UPDATES_HANDLED
from bots.web.state import web_state
from core.bootstrap import Runtime
from core.services import operations

__all__ = ["DatabaseFigures", "registry_for", "routes"]


class DatabaseFigures(Collector):
    """Gauges computed from the database when Prometheus scrapes."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def collect(self) -> Iterator[GaugeMetricFamily]:
        figures = operations.gauges(self.runtime.uow())
        deliveries = GaugeMetricFamily(
            "possibles_deliveries",
            "Deliveries in the ledger, by platform and state.",
            labels=["platform", "state"],
        )
        for (platform, state), count in sorted(figures.deliveries.items()):
            deliveries.add_metric([platform, state], count)
        yield deliveries
        yield GaugeMetricFamily(
            "possibles_review_queue_items",
            "Review items waiting for a moderator's decision.",
            value=figures.review_queue,
        )
        yield GaugeMetricFamily(
            "possibles_digest_lag_seconds",
            "How long the oldest due digest has waited to be sent (0 when none waits).",
            value=figures.digest_lag_seconds,
        )


def registry_for(runtime: Runtime) -> CollectorRegistry:
    """A registry of its own per app (tests build several apps in one process)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(UPDATES_HANDLED)
    registry.register(DatabaseFigures(runtime))
    return registry


def routes() -> list[BaseRoute]:
    #: runtime id -> its registry, made at the first scrape.
    registries: dict[int, CollectorRegistry] = {}

    async def metrics(request: Request) -> Response:
        runtime = web_state(request).runtime
        registry = registries.get(id(runtime))
        if registry is None:
            registry = registries[id(runtime)] = registry_for(runtime)
        body = await run_in_threadpool(generate_latest, registry)
        return Response(body, media_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})

    async def healthz(request: Request) -> Response:
        runtime = web_state(request).runtime
        up = await run_in_threadpool(operations.database_reachable, runtime.uow())
        headers = {"Cache-Control": "no-store"}
        if up:
            return PlainTextResponse("ok\n", headers=headers)
        return PlainTextResponse("database unreachable\n", status_code=503, headers=headers)

    return [
        Route("/metrics", metrics, methods=["GET", "HEAD"]),
        Route("/healthz", healthz, methods=["GET", "HEAD"]),
    ]
