"""One viewer client floods ``/ws/prices/`` with subscriptions of made-up symbols (issue 12's attack).

Starts a real ``paper-terminal serve --feed sim``, connects one viewer
client, sends 2,000 subscribe messages of 200 made-up symbols each (400,000
names) without waiting, and prints what the server did: error replies, bytes
of replies, the close code, and the server's resident memory before and after.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import websockets

VIEWER = "viewer-token-for-the-bench-0123"
MESSAGES, NAMES = 2_000, 200


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def _attack(url: str) -> tuple[int, int, int | None]:
    errors = received = 0
    async with websockets.connect(url.replace("http", "ws") + f"/ws/prices/?token={VIEWER}", max_size=None) as ws:

        async def read() -> None:
            nonlocal errors, received
            try:
                async for message in ws:
                    received += len(message)
                    errors += '"error"' in message[:40]
            except websockets.ConnectionClosed:
                pass

        reader = asyncio.create_task(read())
        try:
            for batch in range(MESSAGES):
                await ws.send(
                    json.dumps({"action": "subscribe", "symbols": [f"X{batch:04d}{i:03d}" for i in range(NAMES)]})
                )
        except websockets.ConnectionClosed:
            pass
        try:
            await asyncio.wait_for(reader, 120)
        except TimeoutError:
            pass
        return errors, received, ws.close_code


def main() -> int:
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "PAPER_TERMINAL_HOME": home}
        child = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "terminal",
                "serve",
                "--feed",
                "sim",
                "--port",
                "0",
                "--token",
                "t" * 32,
                "--viewer-token",
                VIEWER,
                "--db",
                str(Path(home) / "paper.db"),
                "--log-level",
                "WARNING",
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert child.stdout is not None
        url = next(line.split()[-1] for line in child.stdout if line.startswith("listening on "))
        time.sleep(2)
        before = _rss_mib(child.pid)
        errors, received, code = asyncio.run(_attack(url))
        time.sleep(2)
        after = _rss_mib(child.pid)
        child.terminate()
        _, err = child.communicate(timeout=60)
    logged = sum("websocket client" in line and "closed" in line for line in err.splitlines())
    print(f"ws_abuse_error_replies: {errors}")
    print(f"ws_abuse_reply_bytes: {received / 1e6:.2f} MB")
    print(f"ws_abuse_close_code: {code}")
    print(f"ws_abuse_server_rss_growth: {after - before:.1f} MiB ({before:.0f} -> {after:.0f})")
    print(f"ws_abuse_close_log_lines: {logged}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
