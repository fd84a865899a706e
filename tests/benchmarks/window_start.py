"""Cold start of the window for bench_chart: interpreter start → main window shown and loaded.

Runs the real entry (``terminal.app.main``) on the simulated feed with a
journal in a temporary folder; prints ``window_shown: S s`` and
``window_loaded: S s`` measured from ``t0`` (taken by the caller at
interpreter start), then closes the window.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
os.environ.setdefault("QT_API", "pyside6")


def main(t0: float) -> None:
    work = Path(tempfile.mkdtemp(prefix="paper-start-"))
    os.environ["PAPER_TERMINAL_HOME"] = str(work)
    os.environ["XDG_CONFIG_HOME"] = str(work / "xdg")
    from PySide6.QtWidgets import QApplication

    import qasync

    from terminal import app as terminal_app
    from terminal.settings import Settings

    async def run() -> None:
        import asyncio

        from terminal.mainwindow import MainWindow

        shown_at: list[float] = []
        original_show = MainWindow.show

        def timed_show(self) -> None:
            original_show(self)
            QApplication.processEvents()
            shown_at.append(time.perf_counter())

        MainWindow.show = timed_show  # measure the moment the window is on screen
        ready = asyncio.get_running_loop().create_future()
        settings = Settings.load({"db": work / "paper.db", "feed": "sim", "seed": 1, "port": 0})
        task = asyncio.ensure_future(terminal_app.main(settings, ready))
        window = await ready
        loaded = time.perf_counter()
        print(f"window_shown: {shown_at[0] - t0:.2f} s")
        print(f"window_loaded: {loaded - t0:.2f} s")
        window.close()
        await task

    terminal_app.make_application()
    qasync.run(run())
    sys.stdout.flush()


if __name__ == "__main__":
    main(time.perf_counter())
