"""A deadline on the wait for a stream's next real event, which keep-alive pings do not reset.

The transport's read timeout bounds the silence between two chunks of bytes. A server (or a
proxy before it) that sends keep-alive pings — SSE comments (``: ping``), which the SSE decoders
drop without yielding an event, or Anthropic's ``event: ping`` — keeps every read short while no
part of the reply comes, and would hold a stream for as long as it pings. So the wait for the
next real event is bounded too, by the same number of seconds: :meth:`IdleDeadline.next` awaits
an iterator's next item, and the time spent waiting adds up until :meth:`IdleDeadline.progressed`
says a real event came. Time the caller spends between two events is not counted.

One timer per stream, not per event: the timer fires no earlier than the deadline could pass,
checks, and re-arms itself if events came in the meantime, so a stream that keeps sending pays
two readings of the monotonic clock per event (``time.monotonic`` itself, not the loop's
``time()`` method around it; the timer is armed relative to now, so the loop's clock and this one
need only agree on what a second is). When the deadline passes, the waiting task is cancelled (as
``asyncio.timeout`` does) and the wait raises the error it was given instead.
"""

from __future__ import annotations

import asyncio
from asyncio import current_task
from collections.abc import AsyncIterator, Callable
from time import monotonic
from typing import Any, TypeVar

from llm_registry.runtime._errors import ProviderError

__all__ = ["IdleDeadline"]

T = TypeVar("T")


class IdleDeadline:
    """Fails a wait once ``seconds`` of waiting have passed since the last real event."""

    __slots__ = (
        "_error",
        "_expired",
        "_loop",
        "_seconds",
        "_task",
        "_timer",
        "_wait_started",
        "_waited",
    )

    def __init__(self, seconds: float, error: Callable[[], ProviderError]) -> None:
        self._seconds = seconds
        self._error = error
        self._loop = asyncio.get_running_loop()
        self._waited = 0.0  # seconds spent waiting since the last real event
        self._wait_started: float | None = None  # set while a wait is under way
        self._task: asyncio.Task[Any] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._expired = False

    async def next(self, iterator: AsyncIterator[T]) -> T:
        """``iterator``'s next item, or the error once the deadline passes while waiting for it.

        ``StopAsyncIteration`` and the iterator's own errors pass through.
        """
        # Given the loop, current_task() skips looking the running loop up again.
        task = current_task(self._loop)
        started = monotonic()
        self._task = task
        self._wait_started = started
        if self._timer is None:
            self._timer = self._loop.call_later(self._seconds - self._waited, self._check)
        try:
            item = await iterator.__anext__()
        except asyncio.CancelledError:
            # Ours only if the deadline cancelled the task and nobody else did as well.
            if not self._expired or task is None or task.uncancel() > 0:
                raise
        else:
            if not self._expired:
                return item
            if task is not None:  # the item came with the cancellation: still too late
                task.uncancel()
        finally:
            self._waited += monotonic() - started
            self._wait_started = None
        # Raised here, outside the except block, so that it chains nothing.
        raise self._error()

    def progressed(self) -> None:
        """A real event came: the deadline starts over."""
        self._waited = 0.0

    def close(self) -> None:
        """The stream is over: drop the timer."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _check(self) -> None:
        self._timer = None
        started = self._wait_started
        if started is None or self._task is None:
            return  # not waiting: the next wait arms the timer again
        left = self._seconds - self._waited - (monotonic() - started)
        if left > 0:
            self._timer = self._loop.call_later(left, self._check)
        else:
            self._expired = True
            self._task.cancel()
