"""The web terminal over an in-process server in headless Chromium: a live price, an open trade, no token left
in the URL, and a terminal without signals says so instead of failing."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from pathlib import Path

import pytest

from tests.engine.api.conftest import VIEWER, quote

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
        reason="needs Debian's chromium and chromium-driver (/usr/bin/chromium, /usr/bin/chromedriver)",
    ),
]


def _start_browser(profile: str):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--window-size=1400,1000",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)


def _wait_text(driver, css: str, predicate, timeout: float = 20.0) -> str:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    found: list[str] = []

    def check(d) -> bool:
        elements = d.find_elements(By.CSS_SELECTOR, css)
        text = " | ".join(e.text for e in elements)
        if elements and predicate(text):
            found.append(text)
            return True
        return False

    WebDriverWait(driver, timeout, poll_frequency=0.1).until(check)
    return found[-1]


async def test_viewer_shows_live_price_and_open_trade(server, client, engine):
    trade = (
        await client.post(
            "/trades/execute/", json={"symbol": "EURUSD", "side": "buy", "lots": 0.1, "sl": 1.08, "tp": 1.09}
        )
    ).json()
    profile = tempfile.mkdtemp(prefix="viewer-chromium-")
    driver = await asyncio.to_thread(_start_browser, profile)
    try:
        await asyncio.to_thread(driver.get, f"{server.url}/?token={VIEWER}")
        row = await asyncio.to_thread(
            _wait_text, driver, f'#positions tbody tr[data-trade-id="{trade["id"]}"]', lambda text: "EURUSD" in text
        )
        assert "buy" in row and "1.08510" in row and "1.08000" in row
        first = await asyncio.to_thread(_wait_text, driver, "#chart-price", lambda text: "1.08500" in text)
        assert first == "1.08500 / 1.08510"
        await asyncio.to_thread(_wait_text, driver, "#connection", lambda text: text == "live")
        await engine.on_quote(quote("EURUSD", 1.08777, 1.08787))
        live = await asyncio.to_thread(_wait_text, driver, "#chart-price", lambda text: "1.08777" in text)
        assert live == "1.08777 / 1.08787"
        url = await asyncio.to_thread(lambda: driver.current_url)
        assert VIEWER not in url  # the token was taken out of the address bar
        canvases = await asyncio.to_thread(lambda: driver.find_elements("css selector", "#chart canvas"))
        assert canvases  # the chart library is loaded from the vendored file and drew
        logs = await asyncio.to_thread(driver.get_log, "browser")
        severe = [entry["message"] for entry in logs if entry["level"] == "SEVERE"]
        if engine.signals is None:  # the page shows "signals are not enabled" from the 503
            severe = [m for m in severe if "/signals/" not in m or "503" not in m]
            note = await asyncio.to_thread(_wait_text, driver, "#signals-note", lambda text: "Not available" in text)
            assert "signals are not enabled" in note
        assert severe == []
    finally:
        await asyncio.to_thread(driver.quit)
        shutil.rmtree(profile, ignore_errors=True)
