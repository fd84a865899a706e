"""Replay speed: 1,000,000 M1 bars with a bracket signal every 50 bars, whole command in-process.

Generates a seeded random walk of EURUSD M1 bars (σ 0.7 pip per bar) to a
temporary Parquet file and a signals CSV (alternating buy/sell every 50 bars,
SL 20 pips, TP 40 pips, 0.10 lots), then times ``paper-terminal replay``
(loading and validating both files, the replay, the journal write and the
JSON report). Prints ``name: value unit`` lines; ``bars_per_s`` is over wall
time, ``bars_per_cpu_s`` over this process's CPU time (steadier on a busy
machine). ``--bars N`` changes the size, ``--every N`` the signal spacing.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from terminal.commands import replay as replay_command

PIP = 0.0001


def make_files(folder: Path, bars: int, seed: int = 42, every: int = 50) -> tuple[Path, Path]:
    """Write the bars (Parquet) and the signals (CSV); return their paths."""
    rng = np.random.default_rng(seed)
    close = 1.1 + np.cumsum(rng.standard_normal(bars) * 0.7 * PIP)
    open_ = np.r_[1.1, close[:-1]]
    high = np.maximum(open_, close) + np.abs(rng.standard_normal(bars)) * 0.4 * PIP
    low = np.minimum(open_, close) - np.abs(rng.standard_normal(bars)) * 0.4 * PIP
    times = pd.date_range("2020-01-01", periods=bars, freq="1min", tz="UTC")
    data = folder / "bars.parquet"
    pd.DataFrame(
        {"time": times, "open": open_.round(5), "high": high.round(5), "low": low.round(5), "close": close.round(5)}
    ).to_parquet(data)
    index = np.arange(0, bars - 1, every)
    side = np.where(np.arange(index.size) % 2 == 0, "buy", "sell")
    sign = np.where(side == "buy", 1.0, -1.0)
    reference = close[index]
    signals = folder / "signals.csv"
    pd.DataFrame(
        {
            "time": (times[index] + pd.Timedelta(seconds=59)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "symbol": "EURUSD",
            "side": side,
            "sl": (reference - sign * 20 * PIP).round(5),
            "tp": (reference + sign * 40 * PIP).round(5),
        }
    ).to_csv(signals, index=False)
    return data, signals


def main(argv: list[str]) -> int:
    options = argparse.ArgumentParser()
    options.add_argument("--bars", type=int, default=1_000_000)
    options.add_argument("--every", type=int, default=50, help="one signal every N bars")
    parsed = options.parse_args(argv)
    bars = parsed.bars
    with tempfile.TemporaryDirectory(prefix="bench-replay-") as folder:
        data, signals = make_files(Path(folder), bars, every=parsed.every)
        parser = argparse.ArgumentParser()
        replay_command.register(parser.add_subparsers(dest="command"), parser)
        args = parser.parse_args(
            [
                "replay",
                "--data",
                str(data),
                "--signals",
                str(signals),
                "--symbol",
                "EURUSD",
                "--balance",
                "100000",
                "--report",
                "json",
                "--quiet",
            ]
        )
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        out = io.StringIO()
        started, cpu_started = time.perf_counter(), time.process_time()
        with contextlib.redirect_stdout(out):
            code = args.func(args)
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if code != 0:
        print(f"replay failed with exit code {code}", file=sys.stderr)
        return 1
    report = json.loads(out.getvalue())
    executed = sum(s["status"] == "executed" for s in report["signals"])
    print(f"replay_bars: {bars} bars")
    print(f"replay_seconds: {elapsed:.2f} s")
    print(f"replay_bars_per_s: {bars / elapsed:,.0f} bars/s")
    print(f"replay_cpu_seconds: {cpu:.2f} s")
    print(f"replay_bars_per_cpu_s: {bars / cpu:,.0f} bars/s")
    print(f"replay_peak_memory: {peak / 1024:.0f} MiB")
    print(f"replay_peak_memory_growth: {(peak - rss_before) / 1024:.0f} MiB")
    print(f"replay_trades: {len(report['trades'])} trades")
    print(f"replay_signals_executed: {executed} signals")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
