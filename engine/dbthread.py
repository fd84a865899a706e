"""One dedicated database thread: every journal call runs there, in order.

The asyncio (or Qt) loop never touches the database: it submits a callable
and awaits its result. A single worker means calls run one after another in
submission order, so the order of commits is the order of submission.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

T = TypeVar("T")
P = ParamSpec("P")


class DbThread:
    """A single-worker executor for the journal."""

    def __init__(self, name: str = "journal-db") -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._closed = False

    async def run(self, func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run ``func(*args, **kwargs)`` on the database thread and return its result."""
        if self._closed:
            raise RuntimeError("the database thread is shut down")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(func, *args, **kwargs))

    def call(self, func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run ``func`` on the database thread and block until done (outside the loop only)."""
        return self._executor.submit(func, *args, **kwargs).result()

    def shutdown(self) -> None:
        """Finish queued calls and stop the thread."""
        self._closed = True
        self._executor.shutdown(wait=True)
