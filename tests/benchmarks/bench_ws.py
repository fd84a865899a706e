"""Tick-to-client latency and delivery rate of the WebSocket hub.

A price enters ``engine.on_quote`` (real TradingEngine over PaperBroker and an
SQLite journal) and is received, decoded, by WebSocket clients on
``/ws/prices/``. Clients run in separate processes so the server's loop is
not shared with them: spread evenly over one process per core (at most 500
connections each), as remote viewers would be spread over their own machines. Latency = client receive time −
the time just before ``on_quote`` (both ``time.time()`` on one machine); each
tick's sequence number travels in its bid price.

Phases per client count (1, 100, 1,000): 100 ticks at 20 per second (latency
p50/p99 over every delivered tick and client), then 2 s of ticks as fast as
the engine takes them (messages delivered per second across all clients;
slow clients are coalesced, so fewer than ticks × clients may arrive).

``ws_server_written_p99`` separates the server from the clients and the OS:
the time from just before ``on_quote`` to the end of the hub's pump pass that
wrote the tick to every client's socket (the part the server controls); the
rest of the end-to-end latency is the kernel waking the client processes and
their own parsing.

Run: ``python -m tests.benchmarks.bench_ws`` (prints ``name: value unit``).
"""

from __future__ import annotations

import asyncio
import base64
import bisect
import gc
import multiprocessing as mp
import os
import resource
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import orjson

PER_PROCESS = 500
LATENCY_TICKS = 100
LATENCY_RATE = 20.0
BURST_SECONDS = 2.0
BURST_FIRST_SEQ = 50_000
STEP = 0.00001  # bid = 1 + seq * STEP carries the sequence number


def client_processes(clients: int) -> list[int]:
    """Clients per process: spread evenly over one process per core, at most ``PER_PROCESS`` each."""
    count = max(min(clients, os.cpu_count() or 1), -(-clients // PER_PROCESS))
    return [clients // count + (i < clients % count) for i in range(count)]


def raise_fd_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = min(hard, 65_536) if hard != resource.RLIM_INFINITY else 65_536
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


# -- client process ---------------------------------------------------------------------------


def client_process(url: str, count: int, ready: mp.Queue, results: mp.Queue, stop: mp.Event) -> None:
    raise_fd_limit()
    asyncio.run(_clients(url, count, ready, results, stop))


class TickReader(asyncio.Protocol):
    """A minimal WebSocket client: handshake, then parse server frames and timestamp ticks.

    Cheaper than a full client library, so the figures measure the server and
    not the clients' parsing (clients share the machine's cores).
    """

    def __init__(self, host: str, path: str, received: list[tuple[int, float]]) -> None:
        self.request = (
            f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
        self.received = received
        self.buffer = bytearray()
        self.open = asyncio.get_running_loop().create_future()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        transport.write(self.request)  # type: ignore[attr-defined]

    def data_received(self, data: bytes) -> None:
        now = time.time()
        buffer = self.buffer
        buffer += data
        if not self.open.done():
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            if not buffer.startswith(b"HTTP/1.1 101"):
                self.open.set_exception(RuntimeError(bytes(buffer[:80]).decode(errors="replace")))
                return
            del buffer[: end + 4]
            self.open.set_result(None)
        while len(buffer) >= 2:
            opcode, length, offset = buffer[0] & 0x0F, buffer[1] & 0x7F, 2
            if length == 126:
                if len(buffer) < 4:
                    return
                length, offset = int.from_bytes(buffer[2:4], "big"), 4
            elif length == 127:
                if len(buffer) < 10:
                    return
                length, offset = int.from_bytes(buffer[2:10], "big"), 10
            if len(buffer) < offset + length:
                return
            payload = bytes(buffer[offset : offset + length])
            del buffer[: offset + length]
            if opcode == 1:
                message = orjson.loads(payload)
                if message.get("type") == "tick":
                    self.received.append((round((message["bid"] - 1.0) / STEP), now))
            elif opcode == 9 and self.transport is not None:  # ping -> pong (masked with a zero key)
                self.transport.write(bytes([0x8A, 0x80 | len(payload)]) + b"\0\0\0\0" + payload)


async def _clients(url: str, count: int, ready: mp.Queue, results: mp.Queue, stop: mp.Event) -> None:
    parts = urlsplit(url)
    path = parts.path + "?" + parts.query
    loop = asyncio.get_running_loop()
    received: list[tuple[int, float]] = []
    readers = []
    for _ in range(count):
        _, reader = await loop.create_connection(
            lambda: TickReader(parts.netloc, path, received), parts.hostname, parts.port
        )
        await reader.open
        readers.append(reader)
    ready.put(count)
    while not stop.is_set():
        await asyncio.sleep(0.05)
    for reader in readers:
        if reader.transport is not None:
            reader.transport.close()
    results.put(received)


# -- server side --------------------------------------------------------------------------------


async def run_scenario(clients: int) -> dict[str, float]:
    from engine.api.server import ApiServer
    from engine.api.tokens import ApiTokens
    from engine.broker import BrokerConfig, PaperBroker
    from engine.bus import EventBus
    from engine.journal import SqlJournal
    from engine.service import TradingEngine
    from engine.values import Quote
    from terminal.heap import freeze_startup_heap

    folder = Path(tempfile.mkdtemp(prefix="bench-ws-"))
    journal = SqlJournal(f"sqlite:///{folder / 'journal.db'}", durable=False)
    engine = TradingEngine(EventBus(), PaperBroker(BrokerConfig(balance=Decimal("10000"))), journal, symbols=["EURUSD"])
    await engine.start()
    tokens = ApiTokens("bench-trading-token-0123456789", "bench-viewer-token-0123456789")
    server = ApiServer(engine, "127.0.0.1", 0, tokens, max_clients=5000)
    await server.start()
    freeze_startup_heap()  # as ``serve`` does once started
    written = _time_pump_passes(server.hub)
    url = server.url.replace("http://", "ws://") + f"/ws/prices/?token={tokens.viewer}"

    ctx = mp.get_context("spawn")
    ready, results, stop = ctx.Queue(), ctx.Queue(), ctx.Event()
    sizes = client_processes(clients)
    procs = [ctx.Process(target=client_process, args=(url, n, ready, results, stop), daemon=True) for n in sizes]
    for proc in procs:
        proc.start()
    loop = asyncio.get_running_loop()
    for _ in procs:
        await loop.run_in_executor(None, ready.get)
    while server.hub.client_count < clients:
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)

    async def send(seq: int) -> float:
        bid = round(1.0 + seq * STEP, 5)
        sent = time.time()
        await engine.on_quote(Quote("EURUSD", bid, round(bid + 0.0001, 5), datetime.now(timezone.utc), "bench"))
        return sent

    sent_at: dict[int, float] = {}
    for seq in range(1, LATENCY_TICKS + 1):
        sent_at[seq] = await send(seq)
        await asyncio.sleep(1.0 / LATENCY_RATE)
    await asyncio.sleep(1.0)

    burst_start = time.time()
    seq = BURST_FIRST_SEQ
    while time.time() - burst_start < BURST_SECONDS:
        sent_at[seq] = await send(seq)
        seq += 1
        await asyncio.sleep(0)  # let the senders run between ticks, as a real feed would
    burst_ticks = seq - BURST_FIRST_SEQ
    await asyncio.sleep(2.0)

    stop.set()
    received: list[tuple[int, float]] = []
    for _ in procs:
        received.extend(await loop.run_in_executor(None, results.get))
    for proc in procs:
        proc.join(timeout=10)
    await server.stop()
    await engine.stop()
    gc.unfreeze()

    latencies = [(t - sent_at[s]) * 1000 for s, t in received if s < BURST_FIRST_SEQ and s in sent_at]
    slow_phase = sorted(t for s, t in sent_at.items() if s < BURST_FIRST_SEQ)
    server_side = [(_first_after(written, t) - t) * 1000 for t in slow_phase]
    server_side = [x for x in server_side if x < 1000]
    burst = [t for s, t in received if s >= BURST_FIRST_SEQ]
    delivered_rate = len(burst) / (max(burst) - burst_start) if burst else 0.0
    quantiles = statistics.quantiles(latencies, n=100) if len(latencies) >= 2 else [float("nan")] * 99
    return {
        "p50": statistics.median(latencies) if latencies else float("nan"),
        "p99": quantiles[98],
        "written_p99": (statistics.quantiles(server_side, n=100)[98] if len(server_side) >= 2 else float("nan")),
        "delivered_pct": 100.0 * len(latencies) / (LATENCY_TICKS * clients),
        "rate": delivered_rate,
        "ticks_per_s": burst_ticks / BURST_SECONDS,
        "dropped": server.hub.dropped,
    }


def _time_pump_passes(hub: object) -> list[float]:
    """Record the end time of every pump pass of ``hub`` (the pass that writes to every ready client)."""
    ends: list[float] = []
    pump = hub._pump  # type: ignore[attr-defined]

    def timed_pump() -> None:
        pump()
        ends.append(time.time())

    hub._pump = timed_pump  # type: ignore[attr-defined]
    return ends


def _first_after(times: list[float], start: float) -> float:
    """The first of the ascending ``times`` at or after ``start`` (inf when none)."""
    index = bisect.bisect_left(times, start)
    return times[index] if index < len(times) else float("inf")


async def main(counts: list[int]) -> None:
    for clients in counts:
        figures = await run_scenario(clients)
        print(f"ws_tick_latency_p50_{clients}_clients: {figures['p50']:.2f} ms", flush=True)
        print(f"ws_tick_latency_p99_{clients}_clients: {figures['p99']:.2f} ms", flush=True)
        print(f"ws_server_written_p99_{clients}_clients: {figures['written_p99']:.2f} ms", flush=True)
        print(f"ws_ticks_delivered_at_20_per_s_{clients}_clients: {figures['delivered_pct']:.1f} %", flush=True)
        print(f"ws_messages_delivered_per_s_{clients}_clients: {figures['rate']:.0f} msg/s", flush=True)
        print(f"ws_engine_ticks_per_s_{clients}_clients: {figures['ticks_per_s']:.0f} ticks/s", flush=True)
        print(f"ws_clients_dropped_{clients}_clients: {figures['dropped']} clients", flush=True)


if __name__ == "__main__":
    raise_fd_limit()
    wanted = [int(a) for a in sys.argv[1:]] or [1, 100, 1000]
    asyncio.run(main(wanted))
