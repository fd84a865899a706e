"""``paper-terminal replay``: forward-test a signals file over recorded bars or ticks.

Loads and validates both files (a bad file is refused with its line and the
reason), runs the signals through a fresh ``PaperBroker`` at full speed
(``engine.replay.runner``), writes every trade and the final account to the
journal given with ``--db`` in one transaction at the end (without ``--db`` the
journal is temporary: nothing is kept, so nothing is written), and prints
the report (``--report text|json``) on stdout. Progress goes to stderr for
files of ``PROGRESS_MIN_ROWS`` rows or more.

Exit codes: 0 done, 2 bad input (flags or files).
"""

from __future__ import annotations

import argparse
import math
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING

from engine.errors import ValidationError

if TYPE_CHECKING:
    from engine.replay.runner import ReplayResult

PROGRESS_MIN_ROWS = 200_000
# The values of ``engine.replay.runner.Intrabar``, first the default; spelled out here so that
# parsing the command line does not import the replay engine (pandas) — a test keeps them equal.
INTRABAR_CHOICES = ("pessimistic", "optimistic")


def _non_negative(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be a number >= 0")
    return value


def _money(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"{text!r} is not an amount") from None
    if not value.is_finite() or value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be an amount >= 0")
    return value


def _positive_money(text: str) -> Decimal:
    value = _money(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be a positive amount")
    return value


def _leverage(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


def _currency(text: str) -> str:
    if len(text) != 3 or not text.isalpha():
        raise argparse.ArgumentTypeError(f"{text!r} is not a 3-letter currency code")
    return text.upper()


def register(subparsers: argparse._SubParsersAction, parser: argparse.ArgumentParser) -> None:
    """Add the ``replay`` sub-command."""
    replay = subparsers.add_parser(
        "replay", help="forward-test a signals file over recorded bars or ticks",
        description="Forward-test a list of signals against recorded bars or ticks through the "
                    "paper broker, at full speed, and print the report.")
    replay.add_argument("--data", required=True, type=Path, metavar="FILE",
                        help="CSV or Parquet: bars time,open,high,low,close[,volume] or ticks "
                             "time,bid,ask (a symbol column, or --symbol)")
    replay.add_argument("--signals", required=True, type=Path, metavar="FILE",
                        help="CSV: time,symbol,side,sl,tp[,lots|risk_percent,order_type,price,"
                             "confidence,source]")
    replay.add_argument("--symbol", help="the symbol of a data file without a symbol column")
    replay.add_argument("--spread", type=_non_negative, metavar="PIPS",
                        help="spread added to bid bars (default: the symbol's typical spread)")
    replay.add_argument("--slippage", type=_non_negative, default=0.0, metavar="PIPS",
                        help="slippage of market fills, pips against the trader (default 0)")
    replay.add_argument("--commission", type=_money, default=Decimal("0"), metavar="X",
                        help="account currency per lot per side (default 0)")
    replay.add_argument("--balance", type=_positive_money, default=Decimal("10000"),
                        help="initial balance (default 10000)")
    replay.add_argument("--currency", type=_currency, default="USD",
                        help="account currency (default USD)")
    replay.add_argument("--leverage", type=_leverage, default=100, help="leverage (default 100)")
    replay.add_argument("--intrabar", choices=INTRABAR_CHOICES,
                        default=INTRABAR_CHOICES[0],
                        help="SL and TP inside one bar: SL first (pessimistic, default) or TP first")
    replay.add_argument("--report", choices=("text", "json"), default="text",
                        help="report format on stdout (default text)")
    replay.add_argument("--db", type=Path, metavar="PATH",
                        help="SQLite journal to write the trades to (a new file; default: a "
                             "temporary journal)")
    replay.add_argument("--quiet", action="store_true", help="no progress on stderr")
    replay.set_defaults(func=run)


class _Progress:
    """A progress line on stderr: rewritten in place on a terminal, every 25 % otherwise."""

    def __init__(self, noun: str) -> None:
        self.noun = noun
        self.tty = sys.stderr.isatty()
        self.shown = -1

    def __call__(self, done: int, total: int) -> None:
        percent = done * 100 // max(total, 1)
        step = 1 if self.tty else 25
        if percent // step == self.shown // step and done < total:
            return
        self.shown = percent
        end = "\n" if not self.tty or done >= total else ""
        print(f"\rreplay: {percent:3d}% ({done:,}/{total:,} {self.noun})", end=end,
              file=sys.stderr, flush=True)


def _check_db(path: Path) -> None:
    """Refuse a journal that already holds an account: replay never touches a live journal."""
    if not path.exists():
        return
    from engine.journal import SqlJournal

    journal = SqlJournal(f"sqlite:///{path}", durable=False)
    try:
        if journal.load().account is not None:
            raise ValidationError(f"{path} already holds a journal; give --db a new file",
                                  field="db", code="exists")
    finally:
        journal.close()


def _store(result: ReplayResult, db: Path) -> None:
    """Write every trade and the final account to the journal in one transaction."""
    from engine.journal import SqlJournal

    journal = SqlJournal(f"sqlite:///{db}", durable=False)
    try:
        journal.commit(list(result.trades.values()), result.account)
    finally:
        journal.close()


def execute(args: argparse.Namespace) -> ReplayResult:
    """Load, validate and replay; raise ``ValidationError`` on bad input."""
    from engine.replay.files import load_prices
    from engine.replay.runner import Intrabar, ReplayRunner, build_broker
    from engine.replay.signals import load_signals

    if args.db is not None:
        _check_db(args.db)
    data = load_prices(args.data, args.symbol)
    if args.spread is not None and data.kind == "ticks":
        raise ValidationError("--spread applies to bar files only (ticks carry their ask)",
                              field="spread")
    signals = load_signals(args.signals)
    broker, order_request = build_broker(balance=args.balance, currency=args.currency,
                                         leverage=args.leverage, commission=args.commission,
                                         slippage_pips=args.slippage)
    quiet = args.quiet or data.rows < PROGRESS_MIN_ROWS
    runner = ReplayRunner(data, signals, broker, order_factory=order_request,
                          spread_pips=args.spread, intrabar=Intrabar(args.intrabar),
                          progress=None if quiet else _Progress(data.kind))
    result = runner.run()
    if args.db is not None:
        _store(result, args.db)
    return result


def run(args: argparse.Namespace) -> int:
    """Run the replay and print the report; 0 on success, 2 on bad input."""
    try:
        result = execute(args)
    except ValidationError as exc:
        where = f" [{exc.field}]" if exc.field else ""
        print(f"paper-terminal replay: error{where}: {exc.message}", file=sys.stderr)
        return 2
    from engine.replay.report import json_report, text_report

    print(json_report(result) if args.report == "json" else text_report(result))
    return 0
