"""``paper-terminal replay``: forward-test a signals file over recorded bars or ticks.

Loads and validates both files (a bad file is refused with its line and the
reason), runs the signals through a fresh ``PaperBroker`` at full speed
(``engine.replay.runner``), writes every trade and the final account to the
journal given with ``--db`` in one transaction at the end (without ``--db`` the
journal is temporary: nothing is kept, so nothing is written), and prints
the report (``--report text|json``) on stdout, or writes the HTML report
(``--report html --out PATH``, ``engine.htmlreport``). Progress goes to stderr for
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

from engine.bounds import MAX_BALANCE, MAX_COMMISSION, MAX_LEVERAGE, MAX_PIPS, MAX_SLIPPAGE_PIPS
from engine.errors import ValidationError
from terminal.startup import StartupFault, check_journal, open_journal, report_fault

if TYPE_CHECKING:
    from engine.replay.runner import ReplayResult

PROGRESS_MIN_ROWS = 200_000
# The values of ``engine.replay.runner.Intrabar``, first the default; spelled out here so that
# parsing the command line does not import the replay engine (pandas) — a test keeps them equal.
INTRABAR_CHOICES = ("pessimistic", "optimistic")


def _bounded(text: str, limit: float) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value) or value < 0 or value > limit:
        raise argparse.ArgumentTypeError(f"{text!r} must be a number from 0 to {limit:g}")
    return value


def _pips(text: str) -> float:
    return _bounded(text, MAX_PIPS)


def _slippage(text: str) -> float:
    return _bounded(text, MAX_SLIPPAGE_PIPS)


def _amount(text: str, limit: Decimal) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"{text!r} is not an amount") from None
    if not value.is_finite() or value < 0 or value > limit:
        raise argparse.ArgumentTypeError(f"{text!r} must be an amount from 0 to {limit:,.0f}")
    return value


def _money(text: str) -> Decimal:
    return _amount(text, MAX_COMMISSION)


def _positive_money(text: str) -> Decimal:
    value = _amount(text, MAX_BALANCE)
    if value < Decimal("0.01"):
        raise argparse.ArgumentTypeError(f"{text!r} must be a positive amount (at least 0.01)")
    return value


def _leverage(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= value <= MAX_LEVERAGE:
        raise argparse.ArgumentTypeError(f"{text!r} must be from 1 to {MAX_LEVERAGE:,}")
    return value


def _currency(text: str) -> str:
    if len(text) != 3 or not text.isalpha():
        raise argparse.ArgumentTypeError(f"{text!r} is not a 3-letter currency code")
    return text.upper()


def register(subparsers: argparse._SubParsersAction, parser: argparse.ArgumentParser) -> None:
    """Add the ``replay`` sub-command."""
    replay = subparsers.add_parser(
        "replay",
        help="forward-test a signals file over recorded bars or ticks",
        description="Forward-test a list of signals against recorded bars or ticks through the "
        "paper broker, at full speed, and print the report.",
    )
    replay.add_argument(
        "--data",
        required=True,
        type=Path,
        metavar="FILE",
        help="CSV or Parquet: bars time,open,high,low,close[,volume] or ticks "
        "time,bid,ask (a symbol column, or --symbol)",
    )
    replay.add_argument(
        "--signals",
        required=True,
        type=Path,
        metavar="FILE",
        help="CSV: time,symbol,side,sl,tp[,lots|risk_percent,order_type,price,confidence,source]",
    )
    replay.add_argument("--symbol", help="the symbol of a data file without a symbol column")
    replay.add_argument(
        "--spread", type=_pips, metavar="PIPS", help="spread added to bid bars (default: the symbol's typical spread)"
    )
    replay.add_argument(
        "--slippage",
        type=_slippage,
        default=0.0,
        metavar="PIPS",
        help="slippage of market fills, pips against the trader (default 0)",
    )
    replay.add_argument(
        "--commission",
        type=_money,
        default=Decimal("0"),
        metavar="X",
        help="account currency per lot per side (default 0)",
    )
    replay.add_argument(
        "--balance", type=_positive_money, default=Decimal("10000"), help="initial balance (default 10000)"
    )
    replay.add_argument("--currency", type=_currency, default="USD", help="account currency (default USD)")
    replay.add_argument("--leverage", type=_leverage, default=100, help="leverage (default 100)")
    replay.add_argument(
        "--intrabar",
        choices=INTRABAR_CHOICES,
        default=INTRABAR_CHOICES[0],
        help="SL and TP inside one bar: SL first (pessimistic, default) or TP first",
    )
    replay.add_argument(
        "--report",
        choices=("text", "json", "html"),
        default="text",
        help="report format: text or json on stdout (default text), html to --out",
    )
    replay.add_argument(
        "--out", type=Path, metavar="PATH", help="where --report html writes the self-contained HTML report"
    )
    replay.add_argument(
        "--db",
        type=Path,
        metavar="PATH",
        help="SQLite journal to write the trades to (a new file; default: a temporary journal)",
    )
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
        print(f"\rreplay: {percent:3d}% ({done:,}/{total:,} {self.noun})", end=end, file=sys.stderr, flush=True)


def _check_db(path: Path) -> None:
    """Refuse a ``--db`` that cannot hold a journal (``terminal.startup``), or one that already holds an
    account: replay never touches a live journal."""
    check_journal(_db_url(path), "db")
    if not path.exists() or path.stat().st_size == 0:
        return
    journal = open_journal(_db_url(path), durable=False, checked=True)
    try:
        if journal.load().account is not None:
            raise ValidationError(f"{path} already holds a journal; give --db a new file", field="db", code="exists")
    finally:
        journal.close()


def _db_url(path: Path) -> str:
    return f"sqlite:///{path}"


def _store(result: ReplayResult, db: Path) -> None:
    """Write every trade and the final account to the journal in one transaction."""
    journal = open_journal(_db_url(db), durable=False, checked=True)
    try:
        journal.commit(list(result.trades.values()), result.account)
    finally:
        journal.close()


def execute(args: argparse.Namespace) -> ReplayResult:
    """Load, validate and replay; raise ``ValidationError`` on bad input."""
    if args.report == "html":
        out = getattr(args, "out", None)
        if out is None:
            raise ValidationError("--report html needs --out PATH", field="out")
        if out.is_dir() or not out.parent.is_dir():
            raise ValidationError(
                f"cannot write the report to {out}: {'it is a folder' if out.is_dir() else 'no such folder'}",
                field="out",
            )

    from engine.replay.files import load_prices
    from engine.replay.runner import Intrabar, ReplayRunner, build_broker
    from engine.replay.signals import load_signals

    if args.db is not None:
        _check_db(args.db)
    data = load_prices(args.data, args.symbol)
    if args.spread is not None and data.kind == "ticks":
        raise ValidationError("--spread applies to bar files only (ticks carry their ask)", field="spread")
    signals = load_signals(args.signals)
    broker, order_request = build_broker(
        balance=args.balance,
        currency=args.currency,
        leverage=args.leverage,
        commission=args.commission,
        slippage_pips=args.slippage,
    )
    quiet = args.quiet or data.rows < PROGRESS_MIN_ROWS
    runner = ReplayRunner(
        data,
        signals,
        broker,
        order_factory=order_request,
        spread_pips=args.spread,
        intrabar=Intrabar(args.intrabar),
        progress=None if quiet else _Progress(data.kind),
    )
    result = runner.run()
    if args.db is not None:
        _store(result, args.db)
    return result


def run(args: argparse.Namespace) -> int:
    """Run the replay and print the report; 0 on success, 2 on bad input (one line on stderr)."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        result = execute(args)
    except (ValidationError, StartupFault) as exc:
        where = f" [{exc.field}]" if exc.field else ""
        print(f"paper-terminal replay: error{where}: {exc.message}", file=sys.stderr)
        return 2
    except SQLAlchemyError as exc:  # the --db journal failed while it was written
        return report_fault(exc, "paper-terminal replay: error [db]")
    if args.report == "html":
        from engine.htmlreport import build_report, from_replay, write_report

        try:
            write_report(build_report(from_replay(result)), args.out)
        except OSError as exc:
            print(
                f"paper-terminal replay: error [out]: cannot write {args.out}: {exc.strerror or exc}", file=sys.stderr
            )
            return 2
        print(f"report written to {args.out}")
        return 0
    from engine.replay.report import json_report, text_report

    print(json_report(result) if args.report == "json" else text_report(result))
    return 0
