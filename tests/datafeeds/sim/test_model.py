"""The correlated currency model: volatility, correlation signs, consistent crosses."""

from __future__ import annotations

import math

import numpy as np
import pytest

from datafeeds.sim.model import TRADING_YEAR_SECONDS, MarketModel
from engine.instruments import SPECS


def _minute_returns(symbols, seed=3, minutes=40_000):
    model = MarketModel(symbols, seed)
    path = model.x + np.cumsum(model.increments(minutes, 60.0), axis=0)
    mids = model.mids_of_path(path)
    return np.diff(np.log(mids), axis=0)


@pytest.mark.parametrize("symbol", ["EURUSD", "USDJPY", "GBPUSD", "XAUUSD"])
def test_model_annualised_volatility_matches_spec(symbol):
    returns = _minute_returns([symbol])[:, 0]
    annual = returns.std() * math.sqrt(TRADING_YEAR_SECONDS / 60)
    target = SPECS[symbol].annual_volatility
    assert 0.85 * target < annual < 1.2 * target


def test_model_majors_correlate_with_the_dollar_factor():
    returns = _minute_returns(["EURUSD", "GBPUSD", "USDCHF"])
    corr = np.corrcoef(returns.T)
    assert corr[0, 1] > 0.4  # EURUSD ~ GBPUSD
    assert corr[0, 2] < -0.4  # EURUSD ~ -USDCHF


def test_model_cross_is_product_of_its_legs():
    model = MarketModel(["EURUSD", "USDJPY", "EURJPY"], seed=9)
    for _ in range(50):
        model.step(60.0)
    eurusd, usdjpy, eurjpy = model.mids()
    assert eurjpy == pytest.approx(eurusd * usdjpy, rel=1e-12)


def test_model_same_seed_same_path_other_seed_differs():
    a, b, c = (MarketModel(["EURUSD"], seed) for seed in (1, 1, 2))
    for model in (a, b, c):
        for _ in range(10):
            model.step(0.25)
    assert a.mids()[0] == b.mids()[0] != c.mids()[0]


def test_model_starts_at_spec_base_prices():
    model = MarketModel(["EURUSD", "USDJPY"], seed=1)
    assert model.mids() == pytest.approx([SPECS["EURUSD"].base_price, SPECS["USDJPY"].base_price])
