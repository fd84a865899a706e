"""Loop lag of the running window (or ``serve``): how long the event loop is ever kept from its next callback.

Runs the real entry (``terminal.app.main``; with ``--serve``, ``terminal.commands.serve.serve``
with a WebSocket client on ``/ws/prices/``) offscreen on the simulator at
speed 1 with a journal in a temporary folder, waits until the window is
loaded and its server listening (it opens just after the window is usable), then for ``SECONDS`` seconds a heartbeat
coroutine sleeps 2 ms at a time; lag = how late each wake-up is. A watchdog thread samples the GUI
thread's Python stack whenever the heartbeat is more than ``STALL_MS`` late,
so a recurring stall names its culprit (``--stacks`` prints them).

Prints ``loop_lag_p50_ms``, ``loop_lag_p99_ms``, ``loop_lag_max_ms``,
``loop_stalls_over_10ms`` (count over the run) and the full garbage collections
(count, longest); ``--timeline`` lists every wake-up later than 30 ms with the
collections and the stack sampled during it.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
os.environ.setdefault("QT_API", "pyside6")

SECONDS = float(os.environ.get("PAPER_BENCH_LOOP_SECONDS", "45"))
BEAT_S = 0.002
STALL_MS = 10.0


class Watchdog(threading.Thread):
    """Sample the GUI thread's stack while its heartbeat is late."""

    def __init__(self, main_thread_id: int) -> None:
        super().__init__(daemon=True, name="loop-watchdog")
        self.main = main_thread_id
        self.beat = time.perf_counter()
        self.running = True
        self.stacks: Counter[str] = Counter()
        self.others: Counter[str] = Counter()  # the other threads' innermost frames at each stall
        self.timeline: list[tuple[float, str]] = []  # (time, innermost frames) of each stall sampled

    def run(self) -> None:
        sampled_for = None
        while self.running:
            time.sleep(0.003)
            late = (time.perf_counter() - self.beat) * 1000
            if late > STALL_MS and sampled_for != self.beat:
                sampled_for = self.beat
                frame = sys._current_frames().get(self.main)
                if frame is not None:
                    lines = traceback.format_stack(frame)[-12:]
                    self.stacks["".join(lines)] += 1
                    inner = [ln.strip().splitlines()[0] for ln in lines[-4:]]
                    self.timeline.append((time.perf_counter(), " <- ".join(reversed(inner))))
                for ident, other in sys._current_frames().items():  # who else runs Python (holds the GIL?)
                    if ident not in (self.main, threading.get_ident()):
                        self.others[f"{other.f_code.co_filename}:{other.f_lineno} {other.f_code.co_name}"] += 1


async def _ws_client(runtime: Any) -> None:
    """A browser-like subscriber on ``/ws/prices/`` (the tick stream a stall shows up in)."""
    import websockets

    server = runtime.server
    url = f"ws://127.0.0.1:{server.port}/ws/prices/?token={server.tokens.trading}"
    async with websockets.connect(url) as ws:
        async for _message in ws:
            pass


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="paper-loop-"))
    os.environ["PAPER_TERMINAL_HOME"] = str(work)
    os.environ["XDG_CONFIG_HOME"] = str(work / "xdg")
    import asyncio
    import gc

    import qasync

    from terminal import app as terminal_app
    from terminal.settings import Settings

    lags: list[float] = []
    collections: list[tuple[float, int, float]] = []  # (end time, generation, ms) of every collection
    started: list[float] = [0.0]
    steady_full: list[tuple[str, float, int]] = []  # (thread, ms, objects freed) of full collections while measuring

    def on_gc(phase: str, info: dict) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            collections.append((time.perf_counter(), info["generation"], (time.perf_counter() - started[0]) * 1000))
            if info["generation"] == 2 and watchdog.is_alive():
                steady_full.append((threading.current_thread().name, collections[-1][2], info["collected"]))

    gc.callbacks.append(on_gc)
    late: list[tuple[float, float]] = []  # (time, lag ms) of wake-ups later than 30 ms
    # (lag ms, CPU ms the loop's thread used meanwhile) of each stall: a stall with little CPU is the
    # machine's scheduler (the process was not running), one with CPU ≈ lag is work on the loop
    busy: list[tuple[float, float]] = []
    beat_cpu: list[float] = []  # CPU ms the loop's thread used during each beat (its own work, whatever the machine)
    watchdog = Watchdog(threading.get_ident())

    settings = Settings.load({"db": work / "paper.db", "feed": "sim", "seed": 1, "port": 0})

    async def heartbeat() -> None:
        await asyncio.sleep(2.0)  # let the start-up settle
        watchdog.start()
        loop = asyncio.get_running_loop()
        end = loop.time() + SECONDS
        while loop.time() < end:
            before = time.perf_counter()
            cpu_before = time.thread_time()
            watchdog.beat = before
            await asyncio.sleep(BEAT_S)
            lags.append(max((time.perf_counter() - before - BEAT_S) * 1000, 0.0))
            beat_cpu.append((time.thread_time() - cpu_before) * 1000)
            if lags[-1] > STALL_MS:
                busy.append((lags[-1], beat_cpu[-1]))
            if lags[-1] > 30:
                late.append((before, lags[-1]))
        watchdog.running = False

    async def run_window() -> None:
        ready = asyncio.get_running_loop().create_future()
        task = asyncio.ensure_future(terminal_app.main(settings, ready))
        window = await ready
        while window.server_address is None or gc.get_freeze_count() == 0:  # the server opens once usable
            await asyncio.sleep(0.01)
        await heartbeat()
        window.close()
        await task

    async def run_serve() -> None:
        from terminal.commands.serve import serve
        from terminal.wiring import build_runtime

        runtime = build_runtime(settings)
        stop = asyncio.Event()
        task = asyncio.ensure_future(serve(runtime, stop))
        while runtime.server is None or not runtime.server.running:
            await asyncio.sleep(0.01)
        client = asyncio.ensure_future(_ws_client(runtime))
        await heartbeat()
        client.cancel()
        await asyncio.gather(client, return_exceptions=True)
        stop.set()
        await task

    if "--serve" in sys.argv:
        asyncio.run(run_serve())
    else:
        terminal_app.make_application()
        qasync.run(run_window())
    lags.sort()
    n = len(lags)
    print(f"loop_lag_p50_ms: {lags[n // 2]:.2f} ms")
    print(f"loop_lag_p99_ms: {lags[int(n * 0.99)]:.2f} ms")
    print(f"loop_lag_max_ms: {lags[-1]:.2f} ms")
    print(f"loop_stalls_over_10ms: {sum(1 for v in lags if v > STALL_MS)} in {SECONDS:.0f} s")
    beat_cpu.sort()
    print(
        f"loop_work_per_beat_ms: p99 {beat_cpu[int(len(beat_cpu) * 0.99)]:.2f}, max {beat_cpu[-1]:.2f} "
        "(CPU time of the loop's thread between two heartbeats)"
    )
    working = sorted(cpu for _, cpu in busy if cpu > STALL_MS)
    print(
        f"loop_stalls_working_over_10ms: {len(working)} (the loop's thread used > {STALL_MS:.0f} ms CPU; "
        f"the rest were waits for a CPU), longest {max(working, default=0):.1f} ms CPU"
    )
    full = [ms for _, g, ms in collections if g == 2]
    print(f"gc_full_collections: {len(full)}, longest {max(full, default=0):.1f} ms")
    print(
        f"gc_full_collections_while_measuring: {len(steady_full)}: "
        + ", ".join(f"{ms:.1f} ms in {thread} ({freed} freed)" for thread, ms, freed in steady_full)
    )
    if "--timeline" in sys.argv and late:
        t0 = late[0][0]
        for when, lag in late:
            near = [what for t, what in watchdog.timeline if 0 <= t - when < lag / 1000 + 0.01]
            gcs = [f"gc{g} {ms:.0f} ms" for t, g, ms in collections if when <= t <= when + lag / 1000 + 0.005]
            print(f"  +{when - t0:7.2f} s  {lag:6.1f} ms  {gcs} {near[0] if near else '(no sample)'}"[:400])
    if "--stacks" in sys.argv:
        for where, count in watchdog.others.most_common(8):
            print(f"other thread at a stall ({count}x): {where}")
        for stack, count in watchdog.stacks.most_common(8):
            print(f"--- {count} stall(s) in:\n{stack}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
