"""Property: for any bar series and signals, skip-ahead and the bar-by-bar walk agree."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.replay.files import PriceColumns, PriceData
from engine.replay.runner import Intrabar, ReplayRunner, build_broker
from engine.replay.signals import ReplaySignal
from engine.values import OrderType, Side
from tests.engine.replay.helpers import START, random_bars

SIGNAL = st.tuples(
    st.integers(0, 399),
    st.sampled_from(list(Side)),
    st.integers(2, 40),
    st.integers(2, 80),
    st.sampled_from([OrderType.MARKET, OrderType.LIMIT, OrderType.STOP]),
    st.sampled_from([Decimal("0.1"), Decimal("1"), Decimal("5")]),
)


def _data(bars: np.ndarray) -> PriceData:
    times = (START + pd.to_timedelta(np.arange(len(bars)), unit="min")).as_unit("ns").asi8
    columns = PriceColumns("EURUSD", times, bars[:, 0].copy(), bars[:, 1].copy(), bars[:, 2].copy(), bars[:, 3].copy())
    return PriceData("bars", {"EURUSD": columns}, 60)


def _signal(line, bars, spec):
    index, side, sl_pips, tp_pips, order_type, lots = spec
    ref = float(bars[index, 3])
    sign = side.sign
    price = None
    if order_type is OrderType.LIMIT:
        price = round(ref - sign * 5e-4, 5)
    elif order_type is OrderType.STOP:
        price = round(ref + sign * 5e-4, 5)
    base = price if price is not None else ref
    return ReplaySignal(
        line=line,
        time_ns=int((START + pd.Timedelta(minutes=index, seconds=30)).value),
        symbol="EURUSD",
        side=side,
        sl=round(base - sign * (sl_pips + 2) * 1e-4, 5),
        tp=round(base + sign * (tp_pips + 2) * 1e-4, 5),
        lots=lots,
        risk_percent=None,
        order_type=order_type,
        price=price,
    )


def _run(data, signals, intrabar, skip):
    broker, order = build_broker(
        balance=Decimal("20000"), currency="USD", leverage=50, commission=Decimal("2"), slippage_pips=0.0
    )
    result = ReplayRunner(data, signals, broker, order_factory=order, intrabar=intrabar, skip_ahead=skip).run()
    return (
        [
            (
                t.id,
                t.status,
                t.entry_price,
                t.open_time,
                t.close_time,
                t.close_price,
                t.close_reason,
                t.pnl,
                t.mfe_pips,
                t.mae_pips,
            )
            for t in result.trades.values()
        ],
        [(o.outcome, o.code) for o in result.outcomes],
        result.account.balance,
        result.account.equity,
    )


@settings(max_examples=25, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    vol=st.sampled_from([1e-4, 3e-4, 8e-4]),
    specs=st.lists(SIGNAL, min_size=1, max_size=25),
    intrabar=st.sampled_from(list(Intrabar)),
)
def test_runner_skip_ahead_equals_bar_walk_for_any_series(seed, vol, specs, intrabar):
    bars = random_bars(400, seed, vol=vol)
    data = _data(bars)
    signals = sorted((_signal(line, bars, spec) for line, spec in enumerate(specs, start=2)), key=lambda s: s.time_ns)
    assert _run(data, signals, intrabar, True) == _run(data, signals, intrabar, False)


@settings(max_examples=15, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), specs=st.lists(SIGNAL, min_size=1, max_size=25), spreads=st.integers(1, 30))
def test_runner_skip_ahead_equals_tick_walk_for_any_ticks(seed, specs, spreads):
    bars = random_bars(400, seed, vol=3e-4)
    bid = bars[:, 3].copy()
    ask = np.round(bid + np.random.default_rng(seed).integers(1, spreads + 1, 400) * 1e-5, 5)
    times = (START + pd.to_timedelta(np.arange(400), unit="min")).as_unit("ns").asi8
    data = PriceData("ticks", {"EURUSD": PriceColumns("EURUSD", times, bid, bid, bid, bid, ask)}, None)
    signals = sorted((_signal(line, bars, spec) for line, spec in enumerate(specs, start=2)), key=lambda s: s.time_ns)
    assert _run(data, signals, Intrabar.PESSIMISTIC, True) == _run(data, signals, Intrabar.PESSIMISTIC, False)
