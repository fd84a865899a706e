"""``paper-terminal serve``: the engine, its feed and the server, without Qt.

Prints ``listening on http://HOST:PORT`` once the server is up (when the
server is plugged in; until then it logs the engine's events). SIGINT and
SIGTERM stop it cleanly: open trades and pending orders stay in the journal
and are watched again at the next start. When a live feed's stream ends, it
stops; when a replayed file ends (``--feed replay``), it logs so and keeps
serving, so the replay's trades, signals and report can be read over REST.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from typing import TYPE_CHECKING, Any

from engine.errors import PaperTerminalError, PermanentError
from engine.events import (
    AccountReset,
    Event,
    HistoryBackfillProgressed,
    OrderCancelled,
    OrderPlaced,
    OrderRejected,
    TradeClosed,
    TradeModified,
    TradeOpened,
)
from terminal.heap import freeze_startup_heap, resume_collection
from terminal.settings import Settings, add_shared_flags
from terminal.startup import StartupFault, guarded, load_settings

if TYPE_CHECKING:
    from terminal.wiring import Runtime

log = logging.getLogger("paper_terminal.serve")


def register(subparsers: argparse._SubParsersAction, parser: argparse.ArgumentParser) -> None:
    """Add the ``serve`` sub-command."""
    serve = subparsers.add_parser(
        "serve",
        help="run the engine and the server without the window",
        description=__doc__.splitlines()[0] if __doc__ else None,
    )
    add_shared_flags(serve)
    serve.set_defaults(func=run, resumes_collection=True)  # once listening, after its heap freeze (terminal.heap)


def configure_logging(level: str) -> None:
    """Log to stderr at ``level`` (once per process)."""
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)  # migration chatter is not news


@guarded
def run(args: argparse.Namespace) -> int:
    """Run until SIGINT/SIGTERM or the end of the feed; return the exit code (2: a start-up fault)."""
    settings: Settings = load_settings(args)
    configure_logging(settings.log_level)
    from terminal.wiring import build_runtime  # the heavy part: feeds, ML model, FastAPI

    try:
        runtime = build_runtime(settings)
    except StartupFault:
        raise
    except PermanentError as exc:
        print(f"paper-terminal: {exc}", file=sys.stderr)
        return 2
    return asyncio.run(serve(runtime))


def _describe(event: Event) -> str | None:
    if isinstance(event, (TradeOpened, OrderPlaced, TradeModified, OrderCancelled)):
        t = event.trade
        price = t.entry_price if t.entry_price is not None else t.requested_price
        return f"{type(event).__name__} #{t.id} {t.symbol} {t.side.value} {t.lots} @ {price}"
    if isinstance(event, TradeClosed):
        t = event.trade
        return (
            f"TradeClosed #{t.id} {t.symbol} {t.close_reason.value if t.close_reason else ''} "
            f"@ {t.close_price} net {t.net}"
        )
    if isinstance(event, OrderRejected):
        return f"OrderRejected {event.symbol or ''} {event.code}: {event.message}"
    if isinstance(event, HistoryBackfillProgressed):
        result = f"{event.bars} bars" if event.error is None else f"none ({event.error})"
        return f"history {event.done}/{event.total}: {event.symbol} {event.timeframe} {result}"
    if isinstance(event, AccountReset):
        return f"AccountReset balance {event.account.balance} {event.account.currency}"
    return None


async def _feed_ended(runtime: Runtime) -> None:
    """Return when the feed's stream has ended for good: at once for a live feed; never for a replay."""
    assert runtime.price_worker is not None
    await runtime.price_worker.finished.wait()
    if getattr(runtime.settings, "feed", None) == "replay":
        log.info("the replay has ended; still serving (Ctrl+C stops)")
        await asyncio.Event().wait()


async def serve(runtime: Runtime, stop: asyncio.Event | None = None) -> int:
    """Start ``runtime``, wait for ``stop`` (SIGINT/SIGTERM by default), stop it; return 0."""
    stop = stop if stop is not None else asyncio.Event()
    loop = asyncio.get_running_loop()
    installed: list[int] = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(signum, stop.set)
            installed.append(signum)
        except (NotImplementedError, RuntimeError):  # Windows, or not the main thread
            pass

    def log_event(event: Any) -> None:
        text = _describe(event)
        if text is not None:
            log.info("%s", text)

    unsubscribe = runtime.bus.subscribe(Event, log_event)
    runtime.on_listening = lambda url: print(f"listening on {url}", flush=True)
    try:
        try:
            await runtime.start()
        except (OSError, PaperTerminalError) as exc:
            print(f"paper-terminal: cannot start: {exc}", file=sys.stderr, flush=True)
            return 1
        freeze_startup_heap()
        resume_collection()  # paused by terminal.cli.main while the modules loaded
        if getattr(runtime.server, "tokens_path", None) is not None:
            print(f"API tokens (trading and viewer) in {runtime.server.tokens_path}", flush=True)
        log.info(
            "engine running on feed %s for %s%s; Ctrl+C stops",
            runtime.feed.name if runtime.feed else "none",
            ",".join(runtime.engine.symbols),
            "" if runtime.server is not None else " (no server attached)",
        )
        waiters: list[asyncio.Task[Any]] = [asyncio.create_task(stop.wait(), name="serve:stop-signal")]
        if runtime.price_worker is not None:
            waiters.append(asyncio.create_task(_feed_ended(runtime), name="serve:feed-ended"))
        _done, pending = await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        log.info("stopping")
    finally:
        await runtime.stop()
        unsubscribe()
        for installed_signum in installed:
            loop.remove_signal_handler(installed_signum)
    return 0
