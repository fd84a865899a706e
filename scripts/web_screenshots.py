"""Save PNG screenshots of the web terminal at phone (390x844) and laptop (1440x900) sizes.

Usage: ``python scripts/web_screenshots.py [FOLDER]`` (default ``docs/images``).
Starts a real ``paper-terminal serve --feed sim`` in a temporary folder, opens two trades
with SL/TP, places a pending order, closes part of a trade, posts a pattern signal, then
photographs the page in headless Chromium: the trading session on a laptop (light and dark,
the signal's X-A-B-C-D legs on the chart) and the viewer session on a phone (dark and
light). Nothing touches the user's files.
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.web.support import TRADING, VIEWER, Browser, Served


def _seed(served: Served) -> int:
    """Trades, a pending order and a pattern signal on EURUSD; return the signal's id."""
    quote = served.price("EURUSD")
    assert quote is not None
    bid, ask = quote["bid"], quote["ask"]
    when = datetime.fromisoformat(quote["time"])
    with served.client() as c:
        first = c.post(
            "/trades/execute/",
            json={
                "symbol": "EURUSD",
                "side": "buy",
                "lots": 0.3,
                "sl": round(bid - 0.0030, 5),
                "tp": round(bid + 0.0045, 5),
            },
        ).json()
        c.post(f"/trades/{first['id']}/close/", json={"lots": 0.1})
        c.post("/trades/execute/", json={"symbol": "GBPUSD", "side": "sell", "lots": 0.2})
        c.post(
            "/trades/execute/",
            json={
                "symbol": "EURUSD",
                "side": "sell",
                "order_type": "limit",
                "lots": 0.1,
                "price": round(bid + 0.0020, 5),
                "sl": round(bid + 0.0045, 5),
                "tp": round(bid - 0.0015, 5),
            },
        )
        legs = [("X", -48, -0.0016), ("A", -38, 0.0012), ("B", -29, -0.0004), ("C", -18, 0.0007), ("D", -3, -0.0010)]
        signal = c.post(
            "/signals/",
            json={
                "symbol": "EURUSD",
                "side": "buy",
                "entry": ask,
                "sl": round(ask - 0.0020, 5),
                "tp": round(ask + 0.0040, 5),
                "confidence": 0.68,
                "source": "harmonic",
                "timeframe": "M1",
                "pattern": {
                    "name": "gartley",
                    "points": [
                        {"label": label, "time": (when + timedelta(minutes=m)).isoformat(), "price": round(bid + d, 5)}
                        for label, m, d in legs
                    ],
                },
            },
        ).json()
    return int(signal["id"])


def _shoot(served: Served, token: str, width: int, height: int, dark: bool, path: Path, signal_id: int | None) -> None:
    browser = Browser(width, height, dark)
    try:
        browser.driver.get(f"{served.url}/?token={token}&symbol=EURUSD")
        browser.wait_text("#connection", lambda t: t == "live")
        browser.wait_text("#positions tbody", lambda t: "EURUSD" in t)
        if signal_id is not None:
            browser.click(f'#signals tr[data-signal-id="{signal_id}"] button')
        time.sleep(1.5)
        browser.driver.save_screenshot(str(path))
        print(f"wrote {path}")
    finally:
        browser.quit()


def main(argv: list[str]) -> int:
    folder = Path(argv[0]) if argv else ROOT / "docs" / "images"
    folder.mkdir(parents=True, exist_ok=True)
    served = Served(Path(tempfile.mkdtemp(prefix="web-screenshots-")))
    served.start()
    try:
        signal_id = _seed(served)
        time.sleep(2.0)
        _shoot(served, TRADING, 1440, 900, False, folder / "web-laptop-light.png", signal_id)
        _shoot(served, TRADING, 1440, 900, True, folder / "web-laptop-dark.png", signal_id)
        _shoot(served, VIEWER, 390, 844, True, folder / "web-phone-dark.png", None)
        _shoot(served, TRADING, 390, 844, False, folder / "web-phone-light.png", None)
    finally:
        served.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
