"""A small token bucket per client, for what is costly to answer (the
open-data exports, /mydata's downloads): a client may take ``burst`` at
once, then ``rate`` per second; beyond, 429 with Retry-After. Kept in
memory, per process: it stops one client from hammering a worker, it is no
quota."""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

__all__ = ["TokenBuckets", "limited"]

Handler = Callable[[Request], Awaitable[Response]]


class TokenBuckets:
    """``take(client)`` -> 0.0 when allowed, else the seconds to wait."""

    def __init__(
        self, rate: float, burst: int, *, clients: int = 10_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("a bucket needs a positive rate and a burst of at least 1")
        self.rate = rate
        self.burst = float(burst)
        self.clock = clock
        self.clients = clients
        #: client -> (tokens, when counted); the least recently seen are forgotten first.
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def take(self, client: str) -> float:
        now = self.clock()
        tokens, then = self._buckets.pop(client, (self.burst, now))
        tokens = min(self.burst, tokens + (now - then) * self.rate)
        wait = 0.0
        if tokens >= 1.0:
            tokens -= 1.0
        else:
            wait = (1.0 - tokens) / self.rate
        self._buckets[client] = (tokens, now)
        while len(self._buckets) > self.clients:
            self._buckets.popitem(last=False)
        return wait

    @staticmethod
    def retry_after(wait: float) -> str:
        """The Retry-After header's whole seconds (at least 1)."""
        return str(max(1, math.ceil(wait)))


def limited(buckets: TokenBuckets, handler: Handler, *, message: str = "Too many requests") -> Handler:
    """``handler`` behind ``buckets``, one bucket per client address: 429
    with Retry-After (and ``message``) for a client past its burst."""

    async def checked(request: Request) -> Response:
        client = request.client.host if request.client is not None else "unknown"
        wait = buckets.take(client)
        if wait > 0:
            return Response(
                f"{message}; try again later.\n",
                status_code=429,
                media_type="text/plain",
                headers={"Retry-After": TokenBuckets.retry_after(wait)},
            )
        return await handler(request)

    return checked
