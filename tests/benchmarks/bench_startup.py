"""Start-up of every command, as whole processes: the venv, and the bundle when dist/ has one.

Targets (issue 16): ``--help`` and ``report`` under 0.5 s; ``serve`` to "listening" under
1.5 s; the window to usable under 1.5 s. The window is timed twice: ``window_shown`` until
it is mapped on an X screen (a private Xvfb, polled with xdotool; skipped when either is
missing) and ``window_ready`` until its log says "window ready" (every panel filled from
the started engine: 3 symbols x 7 timeframes of simulated history, prices flowing) and
``window_server`` until its server listens (it opens once the window is usable). Each figure is the
median of ``RUNS`` runs (after one warm-up run, so the files are in the page cache), printed
beside a bare ``python -c pass``. ``report`` runs on a journal with a few trades. Figures only:
nothing here asserts a time (the machine is shared).

The project's modules are compiled to bytecode first (``compileall``), as an installed
package and the bundle have them: with ``PYTHONDONTWRITEBYTECODE`` set (CI, this machine)
a source checkout would otherwise compile every changed module again at every start.
"""

from __future__ import annotations

import os
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUNS = int(os.environ.get("BENCH_STARTUP_RUNS", "5"))
BUNDLE = ROOT / "dist" / "paper-terminal" / "paper-terminal"


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAPER_TERMINAL_")}
    env.update({"PAPER_TERMINAL_HOME": str(home), "QT_QPA_PLATFORM": "offscreen"})
    return env


CPU: list[float] = []  # CPU seconds (user + system) of each _once run, less sensitive to a busy machine


def _once(argv: Sequence[str], home: Path) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(
        list(argv), env=_env(home), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, timeout=120
    )
    took = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return took


def _timed(argv: Sequence[str], home: Path) -> str:
    """Median wall time of ``argv`` and the median CPU time of the same runs."""
    CPU.clear()
    wall = _median(lambda: _once(argv, home))
    return f"{wall:.2f} s (cpu {statistics.median(CPU[1:]):.2f} s)"


def _until(argv: Sequence[str], home: Path, stream: str, pattern: str, stop: int) -> float:
    """Seconds from spawn to the first line of ``stream`` matching ``pattern``; then stop the process."""
    started = time.perf_counter()
    process = subprocess.Popen(list(argv), env=_env(home), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    source = process.stdout if stream == "stdout" else process.stderr
    assert source is not None
    try:
        for line in source:
            if re.search(pattern, line):
                return time.perf_counter() - started
        raise RuntimeError(f"{' '.join(argv)} ended without {pattern!r}")
    finally:
        process.send_signal(stop)
        try:
            process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


def _until_mapped(argv: Sequence[str], home: Path, display: str) -> float:
    """Seconds from spawn until a window named "Paper Terminal" is visible on ``display``; then SIGTERM."""
    env = {**_env(home), "DISPLAY": display}
    env.pop("QT_QPA_PLATFORM")
    started = time.perf_counter()
    process = subprocess.Popen(list(argv), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while time.perf_counter() - started < 120:
            found = subprocess.run(
                ["xdotool", "search", "--onlyvisible", "--name", "^Paper Terminal$"],
                env=env,
                capture_output=True,
                check=False,
            )
            if found.stdout.strip():
                return time.perf_counter() - started
            time.sleep(0.02)
        raise RuntimeError("no window within 120 s")
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _xvfb() -> tuple[subprocess.Popen, str] | None:
    """A private Xvfb on a free display number, or None without Xvfb/xdotool."""
    if not (shutil.which("Xvfb") and shutil.which("xdotool")):
        return None
    for number in range(160, 200):
        if not Path(f"/tmp/.X11-unix/X{number}").exists() and not Path(f"/tmp/.X{number}-lock").exists():
            server = subprocess.Popen(
                ["Xvfb", f":{number}", "-screen", "0", "1600x900x24"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(1.0)
            if server.poll() is None:
                return server, f":{number}"
    return None


def _median(measure, runs: int = RUNS) -> float:
    measure()  # warm-up: page cache, .pyc files
    return statistics.median(measure() for _ in range(runs))


def _journal(home: Path) -> None:
    """A journal with an account and a few closed trades, for ``report``."""
    sys.path.insert(0, str(ROOT))
    from engine.journal import SqlJournal
    from engine.values import AccountSnapshot
    from tests.kit import make_trade

    db = home / "data" / "paper.db"
    db.parent.mkdir(parents=True, exist_ok=True)
    journal = SqlJournal(f"sqlite:///{db}")
    money = Decimal("10000")
    journal.commit(
        [make_trade(i) for i in range(1, 6)], AccountSnapshot(money, money, Decimal(0), money, None, "USD", 100, money)
    )
    journal.close()


def measure(label: str, app: Sequence[str], home: Path, display: str | None) -> None:
    print(f"{label}_help: {_timed([*app, '--help'], home)}", flush=True)
    print(f"{label}_report: {_timed([*app, 'report'], home)}", flush=True)
    serve = [*app, "serve", "--feed", "sim", "--port", "0", "--seed", "1"]
    listening = _median(lambda: _until(serve, home, "stdout", "listening on", signal.SIGINT), 3)
    print(f"{label}_serve_listening: {listening:.2f} s", flush=True)
    window = [*app, "--feed", "sim", "--port", "0", "--seed", "1", "--db", str(home / "window.db")]
    if display is not None:
        print(f"{label}_window_shown: {_median(lambda: _until_mapped(window, home, display), 3):.2f} s", flush=True)
    ready = _median(lambda: _until(window, home, "stderr", "window ready", signal.SIGTERM), 3)
    print(f"{label}_window_ready: {ready:.2f} s", flush=True)
    server = _median(lambda: _until(window, home, "stderr", "API server listening", signal.SIGTERM), 3)
    print(f"{label}_window_server: {server:.2f} s", flush=True)


def _compile_project() -> None:
    """Write the bytecode of the project's packages (what ``pip install`` and the bundle ship)."""
    import compileall

    for package in ("engine", "datafeeds", "bridges", "terminal"):
        compileall.compile_dir(ROOT / package, quiet=1)


def main() -> None:
    _compile_project()
    with tempfile.TemporaryDirectory(prefix="paper-bench-start-") as tmp:
        home = Path(tmp)
        _journal(home)
        print(f"python_c_pass: {_timed([sys.executable, '-c', 'pass'], home)}", flush=True)
        xvfb = _xvfb()
        display = xvfb[1] if xvfb else None
        try:
            measure("venv", [str(Path(sys.executable).with_name("paper-terminal"))], home, display)
            if BUNDLE.exists():
                measure("bundle", [str(BUNDLE)], home, display)
            else:
                print("bundle: none in dist/ (make dist builds it)")
        finally:
            if xvfb:
                xvfb[0].terminate()
                xvfb[0].wait()


if __name__ == "__main__":
    main()
