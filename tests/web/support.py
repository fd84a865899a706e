"""Drive the web terminal: a real ``paper-terminal serve`` process and Debian's headless Chromium.

Used by the browser tests, ``scripts/web_screenshots.py`` and the web benchmark. The server runs
in a temporary ``PAPER_TERMINAL_HOME`` with fixed tokens; Chromium is started with the flags this
machine needs (no sandbox, no GPU, no background networking) and a throw-away profile.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

#: How many times ``Browser.text`` reads again an element the page replaced while it was read.
STALE_RETRIES = 20

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
TRADING = "web-trading-token-0123456789abcdef"
VIEWER = "web-viewer-token-0123456789abcdef"
API = "/api/paper-trading"


def have_browser() -> bool:
    return CHROMIUM.exists() and CHROMEDRIVER.exists()


class Served:
    """One ``paper-terminal serve --feed sim`` process; ``restart()`` keeps its port and journal."""

    def __init__(self, folder: Path, *extra: str) -> None:
        self.folder = folder
        self.extra = extra
        self.port = 0
        self.url = ""
        self.process: subprocess.Popen[str] | None = None
        self.stderr_path = folder / "serve.err"

    def start(self, timeout: float = 60.0) -> None:
        env = {**os.environ, "PAPER_TERMINAL_HOME": str(self.folder / "home")}
        argv = [
            sys.executable,
            "-m",
            "terminal",
            "serve",
            "--feed",
            "sim",
            "--seed",
            "7",
            "--symbols",
            "EURUSD,GBPUSD,USDJPY",
            "--db",
            str(self.folder / "paper.db"),
            "--port",
            str(self.port),
            "--token",
            TRADING,
            "--viewer-token",
            VIEWER,
            "--log-level",
            "WARNING",
            *self.extra,
        ]
        err = self.stderr_path.open("a")
        self.process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=err, text=True)
        err.close()
        deadline = time.monotonic() + timeout
        assert self.process.stdout is not None
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                raise RuntimeError(f"serve ended before listening: {self.stderr_path.read_text()[-2000:]}")
            if line.startswith("listening on "):
                self.url = line.removeprefix("listening on ").strip()
                self.port = int(self.url.rsplit(":", 1)[1])
                break
        else:
            raise RuntimeError("serve did not listen in time")
        wait_for(lambda: self.price("EURUSD") is not None, 30, "a first price")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        if self.process.stdout is not None:
            self.process.stdout.close()
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def client(self, token: str = TRADING) -> httpx.Client:
        return httpx.Client(base_url=self.url + API, headers={"Authorization": f"Bearer {token}"}, timeout=10)

    def price(self, symbol: str) -> dict[str, Any] | None:
        try:
            with self.client() as c:
                response = c.get("/price/realtime/", params={"symbol": symbol})
        except httpx.HTTPError:
            return None
        return response.json() if response.status_code == 200 else None


def wait_for(condition: Callable[[], Any], timeout: float, what: str, every: float = 0.1) -> Any:
    """Return ``condition()``'s first truthy value; fail naming ``what`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


class Browser:
    """A headless Chromium under Selenium, emulating a screen of ``width`` x ``height`` CSS pixels."""

    def __init__(self, width: int = 1440, height: int = 900, dark: bool = False) -> None:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        self.profile = tempfile.mkdtemp(prefix="web-terminal-chromium-")
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
            "--hide-scrollbars",
            f"--user-data-dir={self.profile}",
            f"--window-size={max(width, 500)},{height}",
        ):
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
        self.size(width, height, dark)

    def size(self, width: int, height: int, dark: bool = False) -> None:
        self.driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600},
        )
        self.driver.execute_cdp_cmd(
            "Emulation.setEmulatedMedia",
            {"features": [{"name": "prefers-color-scheme", "value": "dark" if dark else "light"}]},
        )

    def quit(self) -> None:
        try:
            self.driver.quit()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)

    # -- finding and waiting ------------------------------------------------------------------------
    def find(self, css: str) -> Any:
        return self.driver.find_element("css selector", css)

    def all(self, css: str) -> list[Any]:
        return self.driver.find_elements("css selector", css)

    def text(self, css: str) -> str:
        """The text of every element ``css`` matches, read again when the page re-renders one meanwhile.

        A live page replaces elements on every tick (the ticket's preview, the rows): an element found
        and then replaced before its text is read raises StaleElementReferenceException.
        """
        from selenium.common.exceptions import StaleElementReferenceException

        for _ in range(STALE_RETRIES):
            try:
                return " | ".join(e.text for e in self.all(css))
            except StaleElementReferenceException:
                time.sleep(0.05)
        return " | ".join(e.text for e in self.all(css))

    def state(self, css: str) -> dict[str, Any]:
        """Text, title, class and whether it is enabled, of the first element ``css`` matches, read at once.

        Read in one script, so a row the live page re-renders between two reads cannot go stale
        (a button found, then replaced by the next tick before ``is_enabled()``: StaleElement…).
        """
        script = """
            const e = document.querySelector(arguments[0]);
            return e && {text: e.innerText, title: e.title, className: e.className, enabled: !e.disabled};"""
        found = self.driver.execute_script(script, css)
        assert found, f"no element {css}"
        return dict(found)

    def wait_text(self, css: str, predicate: Callable[[str], bool], timeout: float = 30.0) -> str:
        def check() -> str | None:
            try:
                text = self.text(css)
            except Exception:  # noqa: BLE001 - an element replaced while read: try again
                return None
            return text if self.all(css) and predicate(text) else None

        return wait_for(check, timeout, f"{css} to satisfy the check (last: {self._safe_text(css)!r})")

    def _safe_text(self, css: str) -> str:
        try:
            return self.text(css)
        except Exception:  # noqa: BLE001
            return "?"

    def wait_gone(self, css: str, timeout: float = 30.0) -> None:
        wait_for(lambda: not self.all(css), timeout, f"{css} to disappear")

    def click(self, css: str, timeout: float = 30.0) -> None:
        def attempt() -> bool:
            try:
                element = self.find(css)
                if not element.is_enabled() or not element.is_displayed():
                    return False
                element.click()
                return True
            except Exception:  # noqa: BLE001 - not there yet, or replaced by a re-render
                return False

        wait_for(attempt, timeout, f"{css} to be clickable")

    def type(self, css: str, text: str) -> None:
        element = self.find(css)
        element.clear()
        element.send_keys(text)

    def select(self, css: str, value: str) -> None:
        from selenium.webdriver.support.ui import Select

        Select(self.find(css)).select_by_value(value)

    def severe_logs(self) -> list[str]:
        return [entry["message"] for entry in self.driver.get_log("browser") if entry["level"] == "SEVERE"]

    def session_value(self, key: str) -> str | None:
        return self.driver.execute_script("return sessionStorage.getItem(arguments[0])", key)

    def fetch(self, path: str, method: str = "GET", body: Any = None) -> dict[str, Any]:
        """Call the API from inside the page with the session's token (as a forged request would)."""
        return self.driver.execute_async_script(
            """
            const [path, method, body, done] = arguments;
            fetch(path, {method, headers: {"Authorization": "Bearer " + sessionStorage.getItem("paper-terminal-token"),
                                           "Content-Type": "application/json"},
                         body: body === null ? undefined : JSON.stringify(body)})
              .then(async (r) => done({status: r.status, body: await r.json().catch(() => null)}))
              .catch((e) => done({status: 0, body: String(e)}));
        """,
            path,
            method,
            body,
        )
