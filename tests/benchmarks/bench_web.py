"""The web terminal's figures: page weight, time to first price, tick-to-page latency.

- ``web_page_*``: the page's own HTML + CSS + JS, and the vendored chart library, raw and gzipped
  (level 9, as the server's GZip middleware sends them to browsers that accept gzip).
- ``web_first_price``: a real ``paper-terminal serve --feed sim`` and headless Chromium; the page
  is loaded 10 times (signed in) and ``performance.mark("first-price")`` — set when the chart
  shows its first bid/ask — is read: milliseconds since the navigation started.
- ``web_tick_to_page``: a real TradingEngine (PaperBroker, SQLite journal) and ApiServer in this
  process; 200 ticks at 20 per second go into ``engine.on_quote``; a MutationObserver in the page
  notes ``Date.now()`` when ``#chart-price`` shows each tick's bid. Latency = that time − the time
  just before ``on_quote`` (one machine, one clock; 1 ms resolution). It covers the engine, the
  WebSocket hub, Chromium's socket and JSON, and the page's handlers up to the DOM change.

Run: ``python -m tests.benchmarks.bench_web`` (needs /usr/bin/chromium and chromedriver).
"""

from __future__ import annotations

import asyncio
import gzip
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

from tests.web.support import TRADING, VIEWER, Browser, Served, have_browser, wait_for

WEB = Path(__file__).resolve().parents[2] / "resources" / "web"
LOADS = 10
TICKS = 200
RATE = 20.0


def page_weight() -> None:
    own = [WEB / "index.html", WEB / "app.css", *sorted((WEB / "js").glob("*.js"))]
    vendor = [WEB / "vendor" / "lightweight-charts.standalone.production.js"]
    for name, files in (("own", own), ("vendor", vendor)):
        raw = sum(f.stat().st_size for f in files)
        packed = sum(len(gzip.compress(f.read_bytes(), 9)) for f in files)
        print(f"web_page_{name}_raw: {raw / 1024:.1f} KiB ({len(files)} files)")
        print(f"web_page_{name}_gzip: {packed / 1024:.1f} KiB")
    total = sum(len(gzip.compress(f.read_bytes(), 9)) for f in own + vendor)
    print(f"web_page_total_gzip: {total / 1024:.1f} KiB")


def first_price() -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-web-"))
    served = Served(folder)
    served.start()
    browser = Browser(1440, 900)
    try:
        times = []
        browser.driver.get(f"{served.url}/?token={VIEWER}")
        for _ in range(LOADS):
            browser.driver.get(f"{served.url}/")
            mark = wait_for(
                lambda: browser.driver.execute_script(
                    "const m = performance.getEntriesByName('first-price'); return m.length ? m[0].startTime : null;"
                ),
                30,
                "the first price",
            )
            times.append(mark)
        times.sort()
        print(f"web_first_price_p50: {statistics.median(times):.0f} ms (over {LOADS} loads)")
        print(f"web_first_price_max: {times[-1]:.0f} ms")
    finally:
        browser.quit()
        served.stop()


async def tick_to_page() -> None:
    from engine.api.server import ApiServer
    from engine.api.tokens import ApiTokens
    from engine.broker import BrokerConfig, PaperBroker
    from engine.bus import EventBus
    from engine.journal import SqlJournal
    from engine.service import TradingEngine
    from engine.values import Quote

    folder = Path(tempfile.mkdtemp(prefix="bench-web-tick-"))
    engine = TradingEngine(
        EventBus(),
        PaperBroker(BrokerConfig(balance=Decimal("10000"))),
        SqlJournal(f"sqlite:///{folder / 'journal.db'}", durable=False),
        symbols=["EURUSD"],
    )
    await engine.start()
    await engine.on_quote(Quote("EURUSD", 1.1, 1.1001, datetime.now(timezone.utc), "bench"))
    server = ApiServer(engine, "127.0.0.1", 0, ApiTokens(TRADING, VIEWER))
    await server.start()
    browser = await asyncio.to_thread(Browser, 1440, 900)
    try:
        await asyncio.to_thread(browser.driver.get, f"{server.url}/?token={VIEWER}")
        await asyncio.to_thread(browser.wait_text, "#connection", lambda t: t == "live")
        await asyncio.to_thread(browser.wait_text, "#chart-price", lambda t: "1.10000" in t)
        await asyncio.to_thread(
            browser.driver.execute_script,
            """
            window.__seen = {};
            const node = document.getElementById("chart-price");
            new MutationObserver(() => { const bid = node.textContent.split(" / ")[0];
                                         if (!(bid in window.__seen)) window.__seen[bid] = Date.now(); })
              .observe(node, {childList: true, characterData: true, subtree: true});""",
        )
        sent: dict[str, float] = {}
        for seq in range(1, TICKS + 1):
            bid = round(1.2 + seq * 0.00001, 5)
            sent[f"{bid:.5f}"] = time.time() * 1000
            await engine.on_quote(Quote("EURUSD", bid, round(bid + 0.0001, 5), datetime.now(timezone.utc), "bench"))
            await asyncio.sleep(1 / RATE)
        await asyncio.sleep(1.0)
        seen = await asyncio.to_thread(browser.driver.execute_script, "return window.__seen;")
        latencies = sorted(seen[bid] - at for bid, at in sent.items() if bid in seen)
        p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
        print(f"web_tick_to_page_p50: {statistics.median(latencies):.1f} ms ({len(latencies)}/{TICKS} ticks shown)")
        print(f"web_tick_to_page_p99: {p99:.1f} ms")
    finally:
        await asyncio.to_thread(browser.quit)
        await server.stop()
        await engine.stop()


def main() -> int:
    page_weight()
    if not have_browser():
        print("web_first_price: skipped (no chromium)")
        return 0
    first_price()
    asyncio.run(tick_to_page())
    return 0


if __name__ == "__main__":
    sys.exit(main())
