"""Start-up of every command, as whole processes: the venv, and the bundle when dist/ has one.

Targets (issue 16): ``--help`` and ``report`` under 0.5 s; ``serve`` to "listening" under
1.5 s; the window to usable ("window ready" in its log) under 1.5 s. Each figure is the
median of ``RUNS`` runs (after one warm-up run, so the files are in the page cache), printed
beside a bare ``python -c pass``. ``report`` runs on a journal with a few trades. Figures only:
nothing here asserts a time (the machine is shared).
"""

from __future__ import annotations

import os
import re
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


def _once(argv: Sequence[str], home: Path) -> float:
    started = time.perf_counter()
    subprocess.run(list(argv), env=_env(home), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True,
                   timeout=120)
    return time.perf_counter() - started


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


def _median(measure, runs: int = RUNS) -> float:
    measure()  # warm-up: page cache, .pyc files
    return statistics.median(measure() for _ in range(runs))


def _journal(home: Path) -> None:
    """A journal with an account and a few closed trades, for ``report``."""
    sys.path.insert(0, str(ROOT))
    from engine.journal import SqlJournal
    from engine.values import AccountSnapshot
    from tests.engine.journal.factories import make_trade

    db = home / "data" / "paper.db"
    db.parent.mkdir(parents=True, exist_ok=True)
    journal = SqlJournal(f"sqlite:///{db}")
    money = Decimal("10000")
    journal.commit([make_trade(i) for i in range(1, 6)],
                   AccountSnapshot(money, money, Decimal(0), money, None, "USD", 100, money))
    journal.close()


def measure(label: str, app: Sequence[str], home: Path) -> None:
    print(f"{label}_help: {_median(lambda: _once([*app, '--help'], home)):.2f} s", flush=True)
    print(f"{label}_report: {_median(lambda: _once([*app, 'report'], home)):.2f} s", flush=True)
    serve = [*app, "serve", "--feed", "sim", "--port", "0", "--seed", "1"]
    print(f"{label}_serve_listening: {_median(lambda: _until(serve, home, 'stdout', 'listening on', signal.SIGINT), 3):.2f} s",
          flush=True)
    window = [*app, "--feed", "sim", "--port", "0", "--seed", "1", "--db", str(home / "window.db")]
    print(f"{label}_window_ready: {_median(lambda: _until(window, home, 'stderr', 'window ready', signal.SIGTERM), 3):.2f} s",
          flush=True)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="paper-bench-start-") as tmp:
        home = Path(tmp)
        _journal(home)
        print(f"python_c_pass: {_median(lambda: _once([sys.executable, '-c', 'pass'], home)):.2f} s", flush=True)
        measure("venv", [str(Path(sys.executable).with_name("paper-terminal"))], home)
        if BUNDLE.exists():
            measure("bundle", [str(BUNDLE)], home)
        else:
            print("bundle: none in dist/ (make dist builds it)")


if __name__ == "__main__":
    main()
