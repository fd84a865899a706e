"""``serve``: runs the engine on a feed, stops cleanly, keeps open trades in the journal."""

from __future__ import annotations

import asyncio
import gc
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from engine.broker import OrderRequest
from engine.journal import SqlJournal
from engine.values import Quote, Side, Timeframe, TradeStatus
from terminal.commands.serve import serve
from terminal.settings import Settings
from terminal.wiring import build_runtime
from tests.terminal.cli_helpers import ListFeed, run

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 11, 24, 10, 0, tzinfo=timezone.utc)


async def test_serve_runs_until_stopped_and_keeps_open_trades(tmp_path, capsys):
    db = tmp_path / "paper.db"
    settings = Settings.load({"db": str(db), "symbols": "EURUSD", "port": "0"})
    quotes = [
        Quote("EURUSD", 1.085 + i * 1e-5, 1.0851 + i * 1e-5, T0 + timedelta(seconds=i), "list") for i in range(20)
    ]
    feed = ListFeed(quotes)
    runtime = build_runtime(settings, feed=feed)
    stop = asyncio.Event()
    task = asyncio.create_task(serve(runtime, stop))
    for _ in range(200):
        worker = runtime.price_worker
        if worker is not None and worker.quotes_processed == len(quotes) and runtime.server is not None:
            break
        await asyncio.sleep(0.01)
    trade = await runtime.engine.place_order(OrderRequest("EURUSD", Side.BUY, lots=Decimal("0.10"), sl=1.08))
    listening = [line for line in capsys.readouterr().out.splitlines() if line.startswith("listening on ")]
    assert len(listening) == 1 and runtime.server is not None
    url = listening[0].removeprefix("listening on ")
    assert url == runtime.server.url and not url.endswith(":0")
    async with httpx.AsyncClient() as client:
        assert (await client.get(f"{url}/api/health")).status_code == 200
    assert runtime.engine.signals is not None
    assert gc.get_freeze_count() > 10_000  # the start-up heap is out of the full collections
    assert [s.name for s in runtime.engine.feeds_status()] == ["list"]
    assert [b.time for b in await runtime.engine.bars("EURUSD", Timeframe.H1)][:3] == [
        T0 - timedelta(hours=3),
        T0 - timedelta(hours=2),
        T0 - timedelta(hours=1),
    ]
    stop.set()
    assert await asyncio.wait_for(task, 10) == 0
    assert feed.started_with == ["EURUSD"]
    assert runtime.price_worker is not None and not runtime.price_worker.running
    journal = SqlJournal(f"sqlite:///{db}")
    state = journal.load()
    assert [(t.id, t.status) for t in state.active] == [(trade.id, TradeStatus.OPEN)]
    assert journal.last_quotes()[0].bid == quotes[-1].bid


def test_serve_bad_setting_exits_2_naming_the_field(capsys):
    assert run("serve", "--port", "-1") == 2
    assert "port" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.timeout(60)
def test_serve_process_on_sim_prints_url_and_stops_cleanly_on_sigint(tmp_path):
    db = tmp_path / "paper.db"
    code = "import sys; from tests.terminal.cli_helpers import run; sys.exit(run(*sys.argv[1:], modules=('serve',)))"
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            code,
            "serve",
            "--feed",
            "sim",
            "--speed",
            "max",
            "--seed",
            "1",
            "--symbols",
            "EURUSD",
            "--db",
            str(db),
            "--port",
            "0",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    first = child.stdout.readline()  # blocks until the server listens (or the child dies: "")
    time.sleep(0.5)
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=30)
    assert first.startswith("listening on http://127.0.0.1:"), err
    assert child.returncode == 0, err
    assert "stopping" in err
    journal = SqlJournal(f"sqlite:///{db}")
    assert journal.account() is not None and journal.last_quotes()
