"""The ML direction model: a calibrated classifier of the next ``horizon``-bar move.

The classifier is a scikit-learn pipeline (standardisation + L2 logistic
regression) wrapped in ``CalibratedClassifierCV`` (sigmoid/Platt calibration
on time-ordered folds with a gap of ``horizon`` bars), so ``predict_up`` is a
calibrated probability that the close ``horizon`` bars later is higher.

Evaluation is walk-forward: the bars are cut into ``n_splits`` consecutive
test blocks; each block is predicted by a model trained only on the bars
before it, *purged* of the last ``horizon + embargo`` rows (whose labels look
into the test block). No test row is ever seen in training.

Files are joblib dumps of a dict with ``format_version``; loading refuses
another version rather than guess.
"""

from __future__ import annotations

import itertools
import logging
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
import sklearn
from scipy import stats as sps
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, brier_score_loss, log_loss
from sklearn.model_selection import TimeSeriesSplit
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from engine.signals.ml.features import FEATURES, build_features, make_labels
from resources import path as resource_path

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
DEFAULT_MODEL_NAME = "eurusd_h1_logreg"
DEFAULT_MODEL_PATH = resource_path("models", f"{DEFAULT_MODEL_NAME}.joblib")


class ModelFormatError(ValueError):
    """A model file that is not ours or has another format version."""


def purged_walk_forward(
    n: int, n_splits: int = 5, horizon: int = 6, embargo: int = 0, min_train: int = 500
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield ``(train_idx, test_idx)``: consecutive test blocks after ``min_train`` rows.

    Training rows end ``horizon + embargo`` rows before the test block, since the
    label of row ``t`` uses the close of row ``t + horizon``.
    """
    if n - min_train < n_splits:
        raise ValueError(f"{n} rows are too few for {n_splits} splits after {min_train} training rows")
    bounds = np.linspace(min_train, n, n_splits + 1).astype(int)
    for start, stop in itertools.pairwise(bounds):
        train_end = start - horizon - embargo
        if train_end <= 0:
            continue
        yield np.arange(0, train_end), np.arange(start, stop)


def _classifier(horizon: int, c: float) -> CalibratedClassifierCV:
    base = make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=1000))
    return CalibratedClassifierCV(base, method="sigmoid", cv=TimeSeriesSplit(n_splits=3, gap=horizon))


@dataclass
class SignalModel:
    """A trained, calibrated direction model and what it was trained on."""

    classifier: CalibratedClassifierCV
    horizon: int
    features: tuple[str, ...] = FEATURES
    metadata: dict[str, Any] = field(default_factory=dict)
    _linear: list[tuple[np.ndarray, np.ndarray, np.ndarray, float, float, float]] | None = None

    def predict_up(self, x: np.ndarray) -> np.ndarray:
        """Calibrated P(close_{t+horizon} > close_t) for each row of ``x`` (scikit-learn path)."""
        proba: np.ndarray = self.classifier.predict_proba(np.atleast_2d(x))
        return proba[:, 1]

    def predict_up_fast(self, row: np.ndarray) -> float:
        """The same probability for one row in plain numpy (no scikit-learn call overhead).

        Averages, over the calibrated folds, ``1 / (1 + exp(a * f + b))`` where
        ``f = coef · (row - mean) / scale + intercept`` is the logistic decision value
        and ``(a, b)`` the fold's Platt calibration.
        """
        if self._linear is None:
            self._linear = _linear_parts(self.classifier)
        total = 0.0
        for mean, scale, coef, intercept, a, b in self._linear:
            f = float(np.dot(coef, (row - mean) / scale)) + intercept
            total += 1.0 / (1.0 + math.exp(a * f + b))
        return total / len(self._linear)

    def save(self, path: Path | str) -> Path:
        """Write the model with its format version; return the path."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump(
            {
                "format_version": FORMAT_VERSION,
                "sklearn_version": sklearn.__version__,
                "classifier": self.classifier,
                "horizon": self.horizon,
                "features": list(self.features),
                "metadata": self.metadata,
            },
            path,
            compress=3,
        )
        return path

    @classmethod
    def load(cls, path: Path | str) -> SignalModel:
        """Read a model file; raise ``ModelFormatError`` when it is not a version-1 model."""
        payload = joblib.load(Path(path))
        if not isinstance(payload, dict) or payload.get("format_version") != FORMAT_VERSION:
            found = payload.get("format_version") if isinstance(payload, dict) else type(payload).__name__
            raise ModelFormatError(f"{path}: model format {found!r}, expected {FORMAT_VERSION}")
        saved_with = payload.get("sklearn_version")
        if saved_with != sklearn.__version__:
            log.warning(
                "%s was saved with scikit-learn %s, running %s: retrain it with "
                "`paper-terminal model train` if its predictions look wrong",
                path,
                saved_with,
                sklearn.__version__,
            )
        if tuple(payload["features"]) != FEATURES:
            raise ModelFormatError(f"{path}: trained on other features than this version computes")
        return cls(
            payload["classifier"],
            int(payload["horizon"]),
            tuple(payload["features"]),
            dict(payload.get("metadata") or {}),
        )


def _linear_parts(clf: CalibratedClassifierCV) -> list[tuple[np.ndarray, np.ndarray, np.ndarray, float, float, float]]:
    parts = []
    for cc in clf.calibrated_classifiers_:
        scaler, logreg = cc.estimator[0], cc.estimator[-1]
        cal = cc.calibrators[0]
        parts.append(
            (scaler.mean_, scaler.scale_, logreg.coef_[0], float(logreg.intercept_[0]), float(cal.a_), float(cal.b_))
        )
    return parts


def dataset(df: pd.DataFrame, horizon: int) -> tuple[pd.DataFrame, pd.Series]:
    """Features and labels of a bar frame, rows without a label or a feature dropped."""
    x = build_features(df)
    y = make_labels(df["close"].astype(float), horizon).reindex(x.index)
    keep = x.notna().all(axis=1) & y.notna()
    return x[keep], y[keep].astype(int)


def train(df: pd.DataFrame, horizon: int = 6, c: float = 0.05) -> SignalModel:
    """Fit the calibrated model on every labelled row of ``df``."""
    x, y = dataset(df, horizon)
    clf = _classifier(horizon, c).fit(x.to_numpy(), y.to_numpy())
    meta = {
        "trained_at": datetime.now(timezone.utc).isoformat(),
        "rows": len(x),
        "first_bar": x.index[0].isoformat(),
        "last_bar": x.index[-1].isoformat(),
        "c": c,
    }
    return SignalModel(clf, horizon, FEATURES, meta)


def walk_forward(
    df: pd.DataFrame,
    horizon: int = 6,
    c: float = 0.05,
    n_splits: int = 5,
    embargo: int = 0,
    min_train: int | None = None,
    confident: float = 0.55,
) -> dict[str, Any]:
    """Out-of-sample evaluation (see module docstring); return the metrics dict.

    The first ``min_train`` rows (default 40 %, 300..1,500) only ever train.

    Keys: ``rows`` (test rows), ``accuracy``, ``log_loss``, ``brier``, the same for
    the base rate (predicting the training up-frequency), ``calibration`` (buckets of
    predicted P(up): count, mean predicted, realised up rate), ``confident`` (rows with
    max(p, 1 - p) >= ``confident``: count, hit rate, binomial p-value vs 50 %), ``folds``.
    """
    x, y = dataset(df, horizon)
    xs, ys = x.to_numpy(), y.to_numpy()
    if min_train is None:  # 40 % of the rows, at least 300, at most 1,500
        min_train = max(300, min(1500, int(0.4 * len(xs))))
    probs, bases, truth, folds = [], [], [], []
    for tr, te in purged_walk_forward(len(xs), n_splits, horizon, embargo, min_train):
        clf = _classifier(horizon, c).fit(xs[tr], ys[tr])
        p = clf.predict_proba(xs[te])[:, 1]
        probs.append(p)
        bases.append(np.full(len(te), ys[tr].mean()))
        truth.append(ys[te])
        folds.append(
            {
                "train_rows": len(tr),
                "test_rows": len(te),
                "test_from": x.index[te[0]].isoformat(),
                "test_to": x.index[te[-1]].isoformat(),
                "accuracy": float(accuracy_score(ys[te], p > 0.5)),
            }
        )
    p, base, yt = np.concatenate(probs), np.concatenate(bases), np.concatenate(truth)
    return {
        "horizon_bars": horizon,
        "rows": len(yt),
        "up_rate": float(yt.mean()),
        "accuracy": float(accuracy_score(yt, p > 0.5)),
        "log_loss": float(log_loss(yt, p, labels=[0, 1])),
        "brier": float(brier_score_loss(yt, p)),
        "base_rate_accuracy": float(accuracy_score(yt, base > 0.5)),
        "base_rate_log_loss": float(log_loss(yt, base, labels=[0, 1])),
        "base_rate_brier": float(brier_score_loss(yt, base)),
        "calibration": calibration_table(p, yt),
        "confident": confident_hits(p, yt, confident),
        "folds": folds,
    }


def calibration_table(
    p: np.ndarray, y: np.ndarray, edges: tuple[float, ...] = (0.0, 0.4, 0.45, 0.5, 0.55, 0.6, 1.0)
) -> list[dict[str, Any]]:
    """Buckets of predicted probability: ``{from, to, count, mean_predicted, realised}``."""
    rows = []
    for lo, hi in itertools.pairwise(edges):
        mask = (p >= lo) & ((p < hi) if hi < 1.0 else (p <= hi))
        n = int(mask.sum())
        rows.append(
            {
                "from": lo,
                "to": hi,
                "count": n,
                "mean_predicted": float(p[mask].mean()) if n else None,
                "realised": float(y[mask].mean()) if n else None,
            }
        )
    return rows


def confident_hits(p: np.ndarray, y: np.ndarray, threshold: float) -> dict[str, Any]:
    """Hit rate of the predictions with max(p, 1 - p) >= threshold and one-sided binomial p-values.

    ``majority_hit_rate`` is what always predicting the more frequent direction
    would hit on the same rows: an edge must beat it, not just 50 %.
    """
    mask = np.maximum(p, 1 - p) >= threshold
    n = int(mask.sum())
    hits = int(((p[mask] > 0.5) == (y[mask] == 1)).sum())
    pvalue = float(sps.binomtest(hits, n, 0.5, alternative="greater").pvalue) if n else None
    # What always betting on the majority direction would have hit on the same rows.
    up = float(y[mask].mean()) if n else None
    always = max(up, 1 - up) if up is not None else None
    pbase = (
        float(sps.binomtest(hits, n, always, alternative="greater").pvalue)
        if always is not None and always < 1  # None exactly when no row is confident (n == 0)
        else None
    )
    return {
        "threshold": threshold,
        "count": n,
        "hit_rate": hits / n if n else None,
        "p_value_vs_50pct": pvalue,
        "majority_hit_rate": always,
        "p_value_vs_majority": pbase,
    }
