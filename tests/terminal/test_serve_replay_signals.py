"""``serve --feed replay --speed max``: a pattern planted in the file reaches ``GET signals/``.

The runtime must wire journal → history → generators → price worker → server: if the price
worker ran first, the whole file would be played (or taken as history) before the generators
listen, and no signal would ever be raised.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from terminal.commands.serve import serve
from terminal.settings import Settings
from terminal.wiring import build_runtime
from tests.engine.signals.factories import bars_from_closes, path_through
from tests.engine.signals.test_harmonic import series_for, swings

TRADING = "trading-token-0123456789abcdef"
VIEWER = "viewer-token-0123456789abcdef"
START = datetime(2026, 3, 2, tzinfo=timezone.utc)  # a Monday


def planted_file(path) -> list[float]:
    """H1 bars: a quiet stretch, then a textbook bullish Gartley; return its X, A, B, C, D."""
    points = swings(0.618, 0.618, 0.786, x=1.10)
    quiet = path_through([1.1080, 1.1095, 1.1085, 1.1098, 1.1088, 1.1080], 8)
    closes = quiet + series_for(points, True)[1:]
    rows = ["time,open,high,low,close"]
    for bar in bars_from_closes(closes, start=START, wick=0.0001):
        rows.append(f"{bar.time.isoformat()},{bar.open:.5f},{bar.high:.5f},{bar.low:.5f},{bar.close:.5f}")
    path.write_text("\n".join(rows) + "\n")
    return points


@pytest.mark.timeout(120)
async def test_serve_replay_at_max_speed_finds_the_planted_pattern_in_get_signals(tmp_path, capsys):
    data = tmp_path / "planted.csv"
    points = planted_file(data)
    settings = Settings.load(
        {
            "feed": "replay",
            "replay": str(data),
            "speed": "max",
            "symbols": "EURUSD",
            "db": str(tmp_path / "paper.db"),
            "port": "0",
            "token": TRADING,
            "viewer_token": VIEWER,
        }
    )
    runtime = build_runtime(settings)
    stop = asyncio.Event()
    task = asyncio.create_task(serve(runtime, stop))
    found: list[dict] = []
    try:
        async with httpx.AsyncClient(timeout=10) as client:
            for _ in range(600):
                if runtime.server is not None:
                    response = await client.get(
                        f"{runtime.server.url}/api/paper-trading/signals/",
                        headers={"Authorization": f"Bearer {VIEWER}"},
                    )
                    found = [  # the file's H1 pattern (a lower timeframe may see one of its own earlier)
                        s for s in response.json()["items"] if s["source"] == "harmonic" and s["timeframe"] == "H1"
                    ]
                    if found:
                        break
                assert not task.done(), "serve stopped"
                await asyncio.sleep(0.1)
        assert runtime.price_worker is not None
        assert found, "no harmonic signal from the replay"
        signal = found[0]
        assert signal["pattern"]["name"] == "Gartley" and signal["side"] == "buy"
        assert [p["label"] for p in signal["pattern"]["points"]] == ["X", "A", "B", "C", "D"]
        assert signal["pattern"]["points"][4]["price"] == pytest.approx(points[4] - 0.0001, abs=1e-5)
        # stamped at the close of the bar that confirmed D, in the file's (market) time
        d_time = datetime.fromisoformat(signal["pattern"]["points"][4]["time"])
        assert signal["created_at"].startswith((d_time + timedelta(hours=2)).strftime("%Y-%m-%dT%H"))
        await asyncio.wait_for(runtime.price_worker.finished.wait(), 60)
        await asyncio.sleep(0.2)
        assert not task.done()  # a finished replay keeps serving
    finally:
        stop.set()
        assert await asyncio.wait_for(task, 30) == 0
