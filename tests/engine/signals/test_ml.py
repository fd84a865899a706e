"""ML model: causal features, purged walk-forward, calibration wrapper, save/load, generator."""

from __future__ import annotations

import joblib
import numpy as np
import pandas as pd
import pytest

from engine.signals.ml.features import FEATURES, WARMUP_BARS, FeatureState, build_features, make_labels
from engine.signals.ml.generator import MLGenerator
from engine.signals.ml.model import (
    DEFAULT_MODEL_PATH,
    ModelFormatError,
    SignalModel,
    purged_walk_forward,
    train,
    walk_forward,
)
from engine.signals.ml.training import backtesting_eurusd, metrics_path, train_and_save
from engine.signals.validation import validate_signal
from engine.values import Timeframe
from tests.engine.signals.factories import bars_from_closes, frame_of, random_walk, run_generator


@pytest.fixture(scope="module")
def eurusd() -> pd.DataFrame:
    return backtesting_eurusd().iloc[:2500]


@pytest.fixture(scope="module")
def model(eurusd) -> SignalModel:
    return train(eurusd, horizon=6)


def test_features_truncated_series_equal_full_series_rows(eurusd):
    full = build_features(eurusd)
    cut = 1500
    part = build_features(eurusd.iloc[:cut])
    common = part.index
    pd.testing.assert_frame_equal(part, full.loc[common], check_exact=False, rtol=1e-9, atol=1e-12)
    assert len(common) == cut - WARMUP_BARS


def test_features_changing_future_bars_leaves_past_features_unchanged(eurusd):
    shocked = eurusd.copy()
    shocked.iloc[2000:, :] *= 1.05  # a future shock
    a, b = build_features(eurusd), build_features(shocked)
    before = a.index < eurusd.index[2000]
    pd.testing.assert_frame_equal(a[before], b[before])
    assert not np.allclose(a.loc[~before, "ret_1"].to_numpy()[:1], b.loc[~before, "ret_1"].to_numpy()[:1])


def test_feature_state_incremental_equals_batch(eurusd):
    df = eurusd.iloc[:400]
    batch = build_features(df)
    state = FeatureState()
    rows = []
    for t, h, lo, c in zip(df.index, df["high"], df["low"], df["close"], strict=True):
        row = state.update(int(t.timestamp()), float(h), float(lo), float(c))
        if row is not None:
            rows.append(row)
    np.testing.assert_allclose(np.array(rows), batch.to_numpy(), rtol=1e-7, atol=1e-10)
    assert batch.columns.tolist() == list(FEATURES)


def test_labels_look_horizon_ahead_and_are_nan_at_the_end():
    close = pd.Series([1.0, 2.0, 1.5, 1.0, 2.0])
    assert make_labels(close, 2).tolist()[:3] == [1.0, 0.0, 1.0]
    assert make_labels(close, 2).iloc[-2:].isna().all()


def test_purged_walk_forward_train_ends_horizon_before_test():
    splits = list(purged_walk_forward(1000, n_splits=4, horizon=6, embargo=2, min_train=200))
    assert len(splits) == 4
    tests = np.concatenate([te for _, te in splits])
    assert tests.tolist() == list(range(200, 1000))  # consecutive, each row tested once
    for tr, te in splits:
        assert tr.max() + 6 + 2 < te.min()  # purged: no label reaches the test block
        assert tr.min() == 0


def test_purged_walk_forward_too_few_rows_raises():
    with pytest.raises(ValueError):
        list(purged_walk_forward(100, n_splits=5, min_train=99))


def test_model_predictions_are_probabilities_and_fast_path_matches(model, eurusd):
    x = build_features(eurusd).dropna().to_numpy()[:300]
    p = model.predict_up(x)
    assert ((p > 0) & (p < 1)).all()
    fast = np.array([model.predict_up_fast(row) for row in x])
    np.testing.assert_allclose(fast, p, rtol=0, atol=1e-12)


def test_model_save_load_round_trip_same_predictions(model, eurusd, tmp_path):
    path = model.save(tmp_path / "m.joblib")
    loaded = SignalModel.load(path)
    x = build_features(eurusd).dropna().to_numpy()[:50]
    np.testing.assert_array_equal(loaded.predict_up(x), model.predict_up(x))
    assert loaded.horizon == 6


def test_model_load_other_format_version_refused(tmp_path):
    path = tmp_path / "old.joblib"
    joblib.dump({"format_version": 99, "classifier": None}, path)
    with pytest.raises(ModelFormatError, match="99"):
        SignalModel.load(path)


def test_walk_forward_metrics_shape(eurusd):
    m = walk_forward(eurusd, horizon=6, n_splits=3, min_train=1000)
    assert m["rows"] == sum(f["test_rows"] for f in m["folds"])
    assert 0 <= m["accuracy"] <= 1 and m["log_loss"] > 0 and 0 <= m["brier"] <= 1
    assert sum(b["count"] for b in m["calibration"]) == m["rows"]
    for fold in m["folds"]:
        assert fold["train_rows"] < fold["test_rows"] * 100


def test_train_and_save_writes_model_and_metrics(eurusd, tmp_path):
    out = tmp_path / "x.joblib"
    metrics = train_and_save(eurusd, out, n_splits=3)
    assert SignalModel.load(out).horizon == 6
    assert metrics_path(out).exists()
    assert metrics["bars"] == len(eurusd)


def test_default_model_ships_and_loads():
    loaded = SignalModel.load(DEFAULT_MODEL_PATH)
    assert metrics_path(DEFAULT_MODEL_PATH).exists()
    assert loaded.features == FEATURES


def test_ml_generator_confident_model_signals_once_per_horizon(model):
    bars = bars_from_closes(random_walk(600, seed=5), wick=0.0002)
    gen = MLGenerator(model, timeframes=(Timeframe.H1,), threshold=0.5)  # any prediction is "confident"
    signals = run_generator(gen, bars)
    assert signals
    for s in signals:
        clean = validate_signal(s)
        assert clean.confidence >= 0.5
        assert clean.rr == pytest.approx(1.0, abs=0.05)
    gaps = np.diff([s.created_at.timestamp() for s in signals]) / 3600
    assert gaps.min() >= model.horizon


def test_ml_generator_high_threshold_no_signal(model):
    bars = bars_from_closes(random_walk(300, seed=6))
    assert run_generator(MLGenerator(model, threshold=0.99), bars) == []


def test_ml_generator_uses_only_past_bars(model):
    closes = random_walk(400, seed=7)
    bars = bars_from_closes(closes)
    first = run_generator(MLGenerator(model, threshold=0.5), bars[:300])
    changed = bars_from_closes(closes[:300] + [c * 1.1 for c in closes[300:]])
    again = [s for s in run_generator(MLGenerator(model, threshold=0.5), changed) if s.created_at <= bars[299].time]
    assert [(s.side, s.confidence) for s in again] == [
        (s.side, s.confidence) for s in first if s.created_at <= bars[299].time
    ]
    assert frame_of(bars[:5]).shape == (5, 5)


def test_model_load_other_sklearn_version_warns(model, tmp_path, caplog):
    path = model.save(tmp_path / "m.joblib")
    payload = joblib.load(path)
    payload["sklearn_version"] = "0.0"
    joblib.dump(payload, path)
    with caplog.at_level("WARNING"):
        SignalModel.load(path)
    assert "scikit-learn 0.0" in caplog.text


def test_ml_generator_given_a_loader_loads_on_its_first_bar_and_signals_as_if_loaded(model):
    """Start-up does not wait for scikit-learn: the model loads on the first bar and no bar is skipped."""
    bars = bars_from_closes(random_walk(600, seed=5), wick=0.0002)
    calls: list[int] = []

    def load() -> SignalModel:
        calls.append(1)
        return model

    lazy = MLGenerator(load, threshold=0.5)
    assert calls == []  # nothing loaded when built
    assert run_generator(lazy, bars) == run_generator(MLGenerator(model, threshold=0.5), bars)
    assert calls == [1]  # once


def test_ml_generator_whose_model_does_not_load_raises_nothing():
    bars = bars_from_closes(random_walk(300, seed=6))
    assert run_generator(MLGenerator(lambda: None, threshold=0.5), bars) == []


def test_building_the_default_generators_imports_neither_scikit_learn_nor_scipy():
    """The serve and window start-up paths (issue 16's targets): both libraries wait for the first bar."""
    import subprocess
    import sys

    code = (
        "import sys; from engine.signals.setup import default_generators; default_generators(); "
        "print(sorted(m for m in ('sklearn', 'scipy', 'scipy.stats') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr
