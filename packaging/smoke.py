"""Smoke-test an installed Paper Terminal (``make dist-check``; the release workflow runs it too).

Usage: ``python packaging/smoke.py [--reference CMD] [--wrap CMD] [--window] APP``

``APP`` is the installed executable (``/usr/bin/paper-terminal`` of a scratch root,
or ``dist/paper-terminal/paper-terminal``). ``--wrap`` runs every command of the
app through a wrapper (``packaging/linux/no-python-run``, which hides every Python
of the machine). ``--reference`` is the same program run from the dev venv
(``.venv/bin/paper-terminal``): the outputs of ``report``, ``export``, ``replay`` and
``feeds plan`` must be byte-identical between the two.

Each check prints ``PASS name (seconds)`` or ``FAIL name: why``; the last line is
``N passed, N failed``; the exit code is 1 when anything failed. Every command must
exit 0 (``feeds plan``: 0 or 2, its "not carried" code) and write nothing to
stderr but log lines. Only the Python standard library is used here, except to
write the Parquet test file (pandas, from the interpreter running this script).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shlex
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path

# Qt's offscreen platform plugin (used here: no display) says this once per window; a real display does not.
OFFSCREEN_NOTE = "This plugin does not support propagateSizeHints()"
WALL_TIME = re.compile(r"^(.* in )\d+(?:\.\d+)? s$", re.MULTILINE)
# What export says on stderr when it wrote a file (its stdout may be the data itself).
EXPORT_NOTE = "exported "
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO|WARNING) [\w.]+: ")
SYMBOL = "EURUSD"
TIMEOUT = 120


class Failed(Exception):
    """A check failed; the message says why."""


class App:
    """One way of running the program: the installed app (maybe wrapped) or the reference venv."""

    def __init__(self, command: Sequence[str], home: Path) -> None:
        self.command = list(command)
        self.home = home

    def env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("PYTHON", "PAPER_TERMINAL_", "VIRTUAL_ENV", "QT_", "LD_"))
        }
        env.update(
            {"PAPER_TERMINAL_HOME": str(self.home), "QT_QPA_PLATFORM": "offscreen", "TZ": "UTC", "LC_ALL": "C.UTF-8"}
        )
        env.update(extra or {})
        return env

    def run(
        self, *args: str, ok: Sequence[int] = (0,), timeout: float = TIMEOUT, allowed: Sequence[str] = ()
    ) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [*self.command, *args], capture_output=True, text=True, env=self.env(), timeout=timeout, check=False
        )
        if done.returncode not in ok:
            raise Failed(f"{' '.join(args)} exited {done.returncode}: {tail(done.stderr or done.stdout)}")
        stray = stderr_problems(done.stderr, allowed)
        if stray:
            raise Failed(f"{' '.join(args)} wrote to stderr: {stray}")
        return done

    def start(self, *args: str, extra_env: dict[str, str] | None = None) -> subprocess.Popen:
        return subprocess.Popen(
            [*self.command, *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=self.env(extra_env),
            start_new_session=os.name != "nt",
        )


def tail(text: str, lines: int = 6) -> str:
    return " | ".join(text.strip().splitlines()[-lines:])


def stderr_problems(text: str, allowed: Sequence[str] = ()) -> str:
    """Lines of stderr that are not log lines of level WARNING or below (empty when all are)."""
    bad = [
        line
        for line in text.splitlines()
        if line.strip() and not LOG_LINE.match(line) and not any(a in line for a in allowed)
    ]
    return " | ".join(bad[:5])


def write_prices(folder: Path) -> tuple[Path, Path, Path]:
    """A deterministic EURUSD H1 random walk (CSV and Parquet) and a signals file that trades it."""
    rows, price, state = [], 1.1000, 12345
    start = 1_700_000_000 - 1_700_000_000 % 3600
    for i in range(2400):
        state = (1103515245 * state + 12345) % 2**31  # a fixed LCG: the same file everywhere
        step = (state / 2**31 - 0.5) * 0.0030
        open_, close = price, round(price + step, 5)
        high = round(max(open_, close) + abs(step) * 0.4 + 0.0002, 5)
        low = round(min(open_, close) - abs(step) * 0.4 - 0.0002, 5)
        when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start + 3600 * i))
        rows.append((when, f"{open_:.5f}", f"{high:.5f}", f"{low:.5f}", f"{close:.5f}"))
        price = close
    csv_path = folder / "bars.csv"
    csv_path.write_text("time,open,high,low,close\n" + "".join(",".join(r) + "\n" for r in rows))
    import pandas as pd  # only to write the Parquet copy of the same bars

    frame = pd.read_csv(csv_path)
    parquet_path = folder / "bars.parquet"
    frame.to_parquet(parquet_path, index=False)
    signals = ["time,symbol,side,sl,tp,source"]
    for i in range(10, 2300, 97):
        when, close = rows[i][0], float(rows[i][4])
        side = "buy" if (i // 97) % 2 else "sell"
        sign = 1 if side == "buy" else -1
        sl, tp = close - sign * 0.0040, close + sign * 0.0060
        signals.append(f"{when},{SYMBOL},{side},{sl:.5f},{tp:.5f},smoke{i % 3}")
    signals_path = folder / "signals.csv"
    signals_path.write_text("\n".join(signals) + "\n")
    return csv_path, parquet_path, signals_path


def http(url: str, token: str | None = None, body: dict | None = None) -> tuple[int, str]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode() if body is not None else None, method="POST" if body is not None else "GET"
    )
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    if body is not None:
        request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=30) as response:  # loopback only
        return response.status, response.read().decode()


def wait_for_line(process: subprocess.Popen, pattern: str, timeout: float) -> re.Match:
    """Read the process's stdout until a line matches ``pattern``."""
    deadline = time.monotonic() + timeout
    compiled = re.compile(pattern)
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            if process.poll() is not None:
                raise Failed(
                    f"exited {process.returncode} before printing {pattern!r}: "
                    f"{tail(process.stderr.read() if process.stderr else '')}"
                )
            continue
        match = compiled.search(line)
        if match:
            return match
    raise Failed(f"no {pattern!r} within {timeout:.0f} s")


def stop(process: subprocess.Popen, signum: int = signal.SIGINT, timeout: float = 60) -> tuple[int, str, str]:
    """Send ``signum``; return (exit code, rest of stdout, stderr).

    Windows has no SIGINT/SIGTERM to send to another process: there the process is
    terminated, and the exit code reported as 0 (a clean stop is checked on Linux and macOS).
    """
    if os.name == "nt":
        process.terminate()
        out, err = process.communicate(timeout=timeout)
        return 0, out, err
    process.send_signal(signum)
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        raise Failed(f"did not stop within {timeout:.0f} s of {signal.Signals(signum).name}") from None
    return process.returncode, out, err


class Smoke:
    """The checks, in order; later ones use the journal the ``serve`` check traded in."""

    def __init__(self, app: App, reference: App | None, work: Path, window: bool, guide: Path | None = None) -> None:
        self.app, self.reference, self.work, self.window = app, reference, work, window
        self.guide = guide
        self.results: list[tuple[str, bool, str, float]] = []
        self.bars_csv, self.bars_parquet, self.signals = write_prices(work)

    def check(self, name: str, body: Callable[[], str | None]) -> None:
        started = time.monotonic()
        try:
            note = body() or ""
            ok = True
        except (Failed, subprocess.TimeoutExpired, OSError, ValueError, KeyError) as exc:
            note, ok = f"{type(exc).__name__}: {exc}" if not isinstance(exc, Failed) else str(exc), False
        took = time.monotonic() - started
        self.results.append((name, ok, note, took))
        print(f"{'PASS' if ok else 'FAIL'} {name} ({took:.1f} s){': ' + note if note else ''}", flush=True)

    def same_as_reference(self, args: Sequence[str], ok: Sequence[int] = (0,), timed: bool = False) -> str:
        """Run ``args`` with the app and the reference; their stdout must be byte-identical.

        ``timed``: the output's first line ends with the run's wall-clock duration ("in 0.01 s"),
        the one part that differs between any two runs; it is masked on both sides.
        """
        mine = self.app.run(*args, ok=ok)
        if self.reference is None:
            return "no reference to compare with"
        theirs = self.reference.run(*args, ok=ok)
        if timed:
            mine.stdout, theirs.stdout = (WALL_TIME.sub(r"\1<t> s", out.stdout, count=1) for out in (mine, theirs))
        if (mine.returncode, mine.stdout) != (theirs.returncode, theirs.stdout):
            raise Failed(
                f"{' '.join(args)}: output differs from the venv's "
                f"({len(mine.stdout)} vs {len(theirs.stdout)} characters)"
            )
        masked = ", wall time masked" if timed else ""
        return f"byte-identical to the venv ({len(mine.stdout)} characters{masked})"

    # --- the checks -------------------------------------------------------------------------
    def version(self) -> str:
        out = self.app.run("--version").stdout.strip()
        if not re.fullmatch(r"paper-terminal \d+\.\d+\S*", out):
            raise Failed(f"--version printed {out!r}")
        if self.reference is not None and self.reference.run("--version").stdout.strip() != out:
            raise Failed(f"--version {out!r} is not the venv's")
        return out

    def help(self) -> None:
        out = self.app.run("--help").stdout
        missing = [c for c in ("serve", "report", "export", "replay", "feeds", "model") if c not in out]
        if missing:
            raise Failed(f"--help does not list {missing}")

    def serve(self) -> str:
        process = self.app.start("serve", "--feed", "sim", "--port", "0", "--seed", "7", "--speed", "60")
        try:
            url = wait_for_line(process, r"listening on (http://\S+)", 90).group(1).rstrip("/")
            status, _ = http(f"{url}/api/health")
            if status != 200:
                raise Failed(f"/api/health answered {status}")
            status, page = http(f"{url}/")
            if status != 200 or "<html" not in page.lower():
                raise Failed(f"the web page answered {status} without HTML")
            tokens = json.loads((self.app.home / "config" / "api-tokens.json").read_text())
            _, account = http(f"{url}/api/paper-trading/account/", tokens["viewer"])
            for side in ("buy", "sell"):
                _, trade = http(
                    f"{url}/api/paper-trading/trades/execute/",
                    tokens["trading"],
                    {"symbol": SYMBOL, "side": side, "lots": 0.1},
                )
                trade_id = json.loads(trade)["id"]
                http(f"{url}/api/paper-trading/trades/{trade_id}/close/", tokens["trading"], {})
        except BaseException:
            process.kill()
            process.communicate()
            raise
        code, _, err = stop(process, signal.SIGINT)
        if code != 0:
            raise Failed(f"serve exited {code} on SIGINT: {tail(err)}")
        stray = stderr_problems(err)
        if stray:
            raise Failed(f"serve wrote to stderr: {stray}")
        return f"{url}: health, web page, account {json.loads(account)['balance']}, two trades opened and closed"

    def report(self) -> str:
        return self.same_as_reference(["report"]) + "; " + self.same_as_reference(["report", "--format", "json"])

    def export(self) -> str:
        notes = []
        for fmt in ("csv", "json"):
            notes.append(self.same_as_reference(["export", "--format", fmt, "-"]))
            out = self.work / f"trades.{fmt}"
            self.app.run("export", "--format", fmt, str(out), allowed=(EXPORT_NOTE,))
            if not out.exists() or out.stat().st_size == 0:
                raise Failed(f"export --format {fmt} wrote no file")
        return "; ".join(notes)

    def replay(self, data: Path) -> str:
        notes = []
        for report in ("text", "json"):
            notes.append(
                self.same_as_reference(
                    [
                        "replay",
                        "--data",
                        str(data),
                        "--signals",
                        str(self.signals),
                        "--symbol",
                        SYMBOL,
                        "--report",
                        report,
                        "--quiet",
                    ],
                    timed=report == "text",
                )
            )
        trades = len(
            json.loads(
                self.app.run(
                    "replay",
                    "--data",
                    str(data),
                    "--signals",
                    str(self.signals),
                    "--symbol",
                    SYMBOL,
                    "--report",
                    "json",
                    "--quiet",
                ).stdout
            )["trades"]
        )
        if trades == 0:
            raise Failed("the replay traded nothing")
        return f"{trades} trades; " + "; ".join(notes)

    def feeds_plan(self) -> str:
        return self.same_as_reference(["feeds", "plan", "--symbols", "EURUSD,GBPUSD", "--interval", "60"], ok=(0, 2))

    def model_train(self) -> str:
        out = self.work / "model" / "smoke.joblib"
        done = self.app.run(
            "model", "train", "--data", str(self.bars_csv), "--out", str(out), "--splits", "3", timeout=300
        )
        if not out.exists() or "model written" not in done.stdout:
            raise Failed(f"no model file: {tail(done.stdout)}")
        metrics = json.loads(out.with_suffix(".metrics.json").read_text())
        if not (0 < metrics["accuracy"] <= 1 and math.isfinite(metrics["log_loss"])):
            raise Failed(f"odd metrics {metrics['accuracy']}, {metrics['log_loss']}")
        return f"accuracy {metrics['accuracy']:.3f} on {metrics['bars']} bars"

    def window_offscreen(self) -> str:
        process = self.app.start("--feed", "sim", "--port", "0", "--seed", "3", "--db", str(self.work / "window.db"))
        started = time.monotonic()
        deadline = started + 90
        err_lines: list[str] = []
        assert process.stderr is not None
        while time.monotonic() < deadline:
            line = process.stderr.readline()
            if not line and process.poll() is not None:
                raise Failed(f"the window exited {process.returncode} before it was ready: {tail(''.join(err_lines))}")
            err_lines.append(line)
            if "window ready" in line:
                break
        else:
            process.kill()
            raise Failed("no 'window ready' within 90 s")
        ready = time.monotonic() - started
        time.sleep(3)  # a few seconds of ticks, repaints and bar closes
        code, _, err = stop(process, signal.SIGTERM)
        err = "".join(err_lines) + err
        if code != 0:
            raise Failed(f"the window exited {code} on SIGTERM: {tail(err)}")
        stray = stderr_problems(err, allowed=(OFFSCREEN_NOTE,))
        if stray or "uncaught exception" in err.lower():
            raise Failed(f"the window wrote to stderr: {stray or 'uncaught exception'}")
        return f"ready in {ready:.1f} s, closed cleanly on SIGTERM"

    def guide_pages(self) -> str:
        """The built guide is installed where Help → Paper Terminal guide looks (resources/guide)."""
        if self.guide is None:
            raise Failed("no guide path to check (give --guide)")
        folder = self.guide.parent
        wanted = [
            self.guide,
            folder / "guide" / "window.html",
            folder / "install.html",
            folder / "images" / "main-dark.png",
        ]
        missing = [str(p) for p in wanted if not p.is_file()]
        if missing:
            raise Failed(f"the installed guide lacks {', '.join(missing)}")
        pages = sum(1 for _ in folder.rglob("*.html"))
        return f"{pages} pages in {folder}"

    def run_all(self) -> int:
        self.check("--version", self.version)
        self.check("--help", self.help)
        self.check("serve (health, web page, REST trades)", self.serve)
        self.check("report", self.report)
        self.check("export", self.export)
        self.check("replay CSV", lambda: self.replay(self.bars_csv))
        self.check("replay Parquet", lambda: self.replay(self.bars_parquet))
        self.check("feeds plan", self.feeds_plan)
        self.check("model train", self.model_train)
        self.check("guide (Help menu's pages)", self.guide_pages)
        if self.window:
            self.check("window (offscreen)", self.window_offscreen)
        passed = sum(ok for _, ok, _, _ in self.results)
        print(f"{passed} passed, {len(self.results) - passed} failed")
        return 0 if passed == len(self.results) else 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("app", help="the installed paper-terminal executable")
    parser.add_argument("--wrap", default="", help="a command to run the app through (e.g. the no-Python sandbox)")
    parser.add_argument("--reference", help="the venv's paper-terminal, for byte-identical outputs")
    parser.add_argument("--window", action="store_true", help="also open the window offscreen for a few seconds")
    parser.add_argument(
        "--guide",
        type=Path,
        help="the installed guide's index.html (default: _internal/resources/guide/ beside the app)",
    )
    args = parser.parse_args(argv)
    guide = args.guide or Path(args.app).resolve().parent / "_internal" / "resources" / "guide" / "index.html"
    with tempfile.TemporaryDirectory(prefix="paper-smoke-") as tmp:
        work = Path(tmp)
        home = work / "home"
        (home / "data").mkdir(parents=True)
        app = App([*shlex.split(args.wrap), args.app], home)
        reference = App([args.reference], home) if args.reference else None
        return Smoke(app, reference, work, args.window, guide).run_all()


if __name__ == "__main__":
    sys.exit(main())
