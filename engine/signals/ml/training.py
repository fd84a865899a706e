"""Train, evaluate and save the ML model in one step.

``train_and_save`` runs the walk-forward evaluation (out-of-sample figures),
then fits the final model on every bar and writes ``<out>`` (joblib) and
``<out stem>.metrics.json`` next to it.

``python -m engine.signals.ml.training`` rebuilds the bundled default model
from the real EURUSD H1 bars shipped by the ``backtesting`` package (a
development dependency; the bars themselves are never copied into the repo).
"""

from __future__ import annotations

import importlib.resources
import json
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from engine.errors import ValidationError
from engine.signals.ml.features import WARMUP_BARS
from engine.signals.ml.model import DEFAULT_MODEL_PATH, train, walk_forward

MIN_BARS = 1000


def bars_frame(
    times_ns: np.ndarray, open_: np.ndarray, high: np.ndarray, low: np.ndarray, close: np.ndarray
) -> pd.DataFrame:
    """A bar DataFrame indexed by UTC time from numpy columns (times in ns since the epoch)."""
    index = pd.to_datetime(times_ns, unit="ns", utc=True)
    return pd.DataFrame({"open": open_, "high": high, "low": low, "close": close}, index=index)


def metrics_path(model_path: Path) -> Path:
    """``name.joblib`` → ``name.metrics.json``."""
    return model_path.with_name(model_path.stem + ".metrics.json")


def train_and_save(
    df: pd.DataFrame, out: Path | str, *, horizon: int = 6, c: float = 0.05, n_splits: int = 5, source: str = ""
) -> dict[str, Any]:
    """Evaluate walk-forward, fit on everything, save model and metrics; return the metrics."""
    if len(df) < MIN_BARS:
        raise ValidationError(
            f"{len(df)} bars are too few to train (at least {MIN_BARS}, of which {WARMUP_BARS} warm up the indicators)",
            field="data",
            code="too_few_bars",
        )
    out = Path(out)
    metrics = walk_forward(df, horizon=horizon, c=c, n_splits=n_splits)
    model = train(df, horizon=horizon, c=c)
    model.metadata.update(
        {
            "source": source,
            "walk_forward": {k: metrics[k] for k in ("accuracy", "log_loss", "brier", "base_rate_log_loss")},
        }
    )
    model.save(out)
    metrics = {
        "model": out.name,
        "source": source,
        "bars": len(df),
        "first_bar": df.index[0].isoformat(),
        "last_bar": df.index[-1].isoformat(),
        "classifier": f"StandardScaler + LogisticRegression(C={c:g}), CalibratedClassifierCV(sigmoid)",
        **metrics,
    }
    metrics_path(out).write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    return metrics


def backtesting_eurusd_path() -> AbstractContextManager[Path]:
    """A context giving the path of the ``backtesting`` package's EURUSD.csv (a dev dependency)."""
    return importlib.resources.as_file(importlib.resources.files("backtesting.test") / "EURUSD.csv")


def backtesting_eurusd() -> pd.DataFrame:
    """The 5,000 real EURUSD H1 bars of the ``backtesting`` package (naive times taken as UTC)."""
    with backtesting_eurusd_path() as file:
        df = pd.read_csv(file, index_col=0, parse_dates=True)
    df.index = pd.DatetimeIndex(df.index).tz_localize("UTC")
    df.columns = [c.lower() for c in df.columns]
    return df[["open", "high", "low", "close"]].astype(float)


def main() -> None:
    """Rebuild the bundled default model and print its walk-forward figures."""
    metrics = train_and_save(
        backtesting_eurusd(),
        DEFAULT_MODEL_PATH,
        source="backtesting.test/EURUSD.csv (real EURUSD H1, 2017-04..2018-02)",
    )
    print(json.dumps({k: v for k, v in metrics.items() if k != "folds"}, indent=2))


if __name__ == "__main__":
    main()
