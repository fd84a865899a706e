"""``paper-terminal model train``: retrain the ML signal model and print its walk-forward results.

Bars come from ``--data FILE`` (CSV or Parquet bars, as for ``replay``) or,
without it, from the journal's stored bars of ``--symbol`` / ``--timeframe``.
The model goes to ``--out`` (default ``models/ml_model.joblib`` in the user
data dir, which the terminal prefers over the bundled model) with its
metrics in ``<name>.metrics.json`` beside it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from engine.errors import PaperTerminalError, ValidationError
from engine.values import Timeframe
from terminal.commands.journal_access import add_journal_flags, open_journal
from terminal.settings import user_data_dir
from terminal.startup import StartupFault, guarded

USER_MODEL_NAME = "ml_model.joblib"


def user_model_path() -> Path:
    """Where ``model train`` writes by default and the terminal looks first."""
    return user_data_dir() / "models" / USER_MODEL_NAME


def register(subparsers: argparse._SubParsersAction, parser: argparse.ArgumentParser) -> None:
    """Add ``model`` with its ``train`` action."""
    model = subparsers.add_parser("model", help="the ML signal model")
    actions = model.add_subparsers(dest="model_command", metavar="ACTION")
    train = actions.add_parser("train", help="retrain on the journal's bars (or --data FILE)")
    train.add_argument("--data", metavar="FILE", help="CSV/Parquet bars: time,open,high,low,close[,volume]")
    train.add_argument("--symbol", default="EURUSD", help="symbol to train on (default EURUSD)")
    train.add_argument(
        "--timeframe",
        default="H1",
        choices=[tf.value for tf in Timeframe],
        help="bar timeframe of the journal's bars (default H1)",
    )
    train.add_argument("--out", metavar="PATH", help=f"model file (default <user data>/models/{USER_MODEL_NAME})")
    train.add_argument("--horizon", type=int, default=6, help="bars ahead the model predicts (default 6)")
    train.add_argument("--splits", type=int, default=5, help="walk-forward test blocks (default 5)")
    add_journal_flags(train)
    train.set_defaults(func=run_train)
    model.set_defaults(func=lambda args: _usage(model))


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


@guarded
def run_train(args: argparse.Namespace) -> int:
    """Train and print the walk-forward figures; 0 on success, 1 on bad input, 2 on a start-up fault."""
    if args.horizon < 1 or args.splits < 2:
        print("paper-terminal: --horizon must be >= 1 and --splits >= 2", file=sys.stderr)
        return 1
    from engine.signals.ml.training import train_and_save  # scikit-learn: only to train

    try:
        df, source = _load(args)
        if df is None:
            return 1
        out = Path(args.out) if args.out else user_model_path()
        metrics = train_and_save(df, out, horizon=args.horizon, n_splits=args.splits, source=source)
    except StartupFault:
        raise  # one line and exit 2 (guarded)
    except PaperTerminalError as exc:
        field = getattr(exc, "field", None)
        print(f"paper-terminal: {exc}" + (f" (field: {field})" if field else ""), file=sys.stderr)
        return 1
    print(format_metrics(metrics, out))
    return 0


def _load(args: argparse.Namespace) -> tuple[Any, str]:
    import numpy as np

    from engine.replay.files import load_prices
    from engine.signals.ml.training import bars_frame

    symbol = args.symbol.upper()
    if args.data:
        data = load_prices(args.data, symbol=symbol)
        series = data.series.get(symbol)
        if series is None:
            raise ValidationError(f"{args.data} has no bars of {symbol}", field="symbol")
        if data.kind != "bars":
            raise ValidationError(f"{args.data} holds ticks; training needs bars", field="data")
        return bars_frame(series.times, series.open, series.high, series.low, series.close), str(args.data)
    journal = open_journal(args)
    if journal is None:
        return None, ""
    try:
        bars = journal.load_bars(symbol, Timeframe(args.timeframe), 1_000_000)
    finally:
        journal.close()
    if not bars:
        raise ValidationError(f"the journal has no {symbol} {args.timeframe} bars; use --data FILE", field="data")
    times = np.array([int(b.time.timestamp() * 1e9) for b in bars], dtype=np.int64)
    cols = [np.array([getattr(b, k) for b in bars], dtype=np.float64) for k in ("open", "high", "low", "close")]
    return bars_frame(times, *cols), f"journal {symbol} {args.timeframe}"


def format_metrics(m: dict[str, Any], out: Path) -> str:
    """Walk-forward figures as text."""
    conf = m["confident"]
    lines = [
        f"model written to {out}",
        f"bars: {m['bars']} ({m['first_bar']} .. {m['last_bar']}), predicting {m['horizon_bars']} bars ahead",
        f"walk-forward out-of-sample rows: {m['rows']} (up rate {m['up_rate']:.3f})",
        f"accuracy   {m['accuracy']:.4f}   (always the majority: {m['base_rate_accuracy']:.4f})",
        f"log loss   {m['log_loss']:.4f}   (base rate: {m['base_rate_log_loss']:.4f})",
        f"brier      {m['brier']:.4f}   (base rate: {m['base_rate_brier']:.4f})",
        f"confident (p >= {conf['threshold']}): {conf['count']} predictions, hit rate "
        + (
            f"{conf['hit_rate']:.4f} (p = {conf['p_value_vs_50pct']:.4f} vs 50 %; majority direction hits "
            f"{conf['majority_hit_rate']:.4f})"
            if conf["count"]
            else "-"
        ),
        "calibration (predicted P(up) bucket: count, mean predicted, realised):",
    ]
    for row in m["calibration"]:
        if row["count"]:
            lines.append(
                f"  {row['from']:.2f}-{row['to']:.2f}: {row['count']:5d}  "
                f"{row['mean_predicted']:.3f}  {row['realised']:.3f}"
            )
    edge = m["log_loss"] < m["base_rate_log_loss"] and m["accuracy"] > m["base_rate_accuracy"]
    lines.append(
        "verdict: "
        + ("the model beats the base rate out of sample" if edge else "no edge over the base rate out of sample")
    )
    return "\n".join(lines)
