"""Counters the front ends increment as they work (updates handled, by
platform), for the web's ``/metrics``. The core knows nothing of them: a
front end calls ``update_handled("telegram")`` once it handled an update.

Counters live in this process: each worker reports its own, as Prometheus
expects (it sums them over the workers it scrapes).
"""

from __future__ import annotations

from prometheus_client import Counter

__all__ = ["UPDATES_HANDLED", "update_handled"]

#: Not in prometheus_client's global registry: each web app registers it in its own.
UPDATES_HANDLED = Counter(
    "possibles_updates_handled",
    "Platform updates (messages, presses, inline queries) handled, by platform.",
    ["platform"],
    registry=None,
)


def update_handled(platform: str) -> None:
    """Count one update handled on ``platform``."""
    UPDATES_HANDLED.labels(platform=platform).inc()
