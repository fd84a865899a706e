"""Forward-test statistics of each signal source: does it make money, is its confidence honest?

A *trade* is a closed trade record whose ``signal_id`` points to a signal of
the source (a partial close counts as one, as in DESIGN's performance
figures); its result is net = pnl − commission + swap in account currency:
win > 0, loss < 0. Per source:

- ``trades``, ``wins``, ``losses``, ``win_rate`` = wins / trades (0..1);
- ``expectancy`` = mean net result per trade (money), with ``expectancy_ci`` a
  95 % percentile bootstrap interval of that mean (``scipy.stats.bootstrap``,
  2,000 resamples, fixed seed; None under 2 trades);
- ``expectancy_r`` = mean result in R-multiples, ``R = pips / risk_pips`` with
  ``risk_pips = |entry − sl| / pip`` of the signal;
- ``profit_factor`` = gross profit / |gross loss| (None without a loss);
- ``total_pips``, ``net_profit`` (money, to the cent);
- ``signals`` by status; ``calibration``: per bucket of stated confidence, the
  number of executed-and-closed signals, their mean stated confidence and the
  realised win rate (a signal wins when the net sum of its trades is > 0).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

import numpy as np
from scipy import stats as sps

from engine.instruments import SPECS
from engine.values import Signal, TradeRecord, TradeStatus, money

CONFIDENCE_EDGES: tuple[float, ...] = (0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
BOOTSTRAP_RESAMPLES = 2000


def bootstrap_mean_ci(values: Sequence[float], confidence: float = 0.95,
                      seed: int = 12345) -> tuple[float, float] | None:
    """Percentile bootstrap interval of the mean; None with fewer than 2 values."""
    data = np.asarray(values, dtype=np.float64)
    if len(data) < 2:
        return None
    if np.all(data == data[0]):
        return float(data[0]), float(data[0])
    res = sps.bootstrap((data,), np.mean, confidence_level=confidence, n_resamples=BOOTSTRAP_RESAMPLES,
                        method="percentile", rng=np.random.default_rng(seed))
    return float(res.confidence_interval.low), float(res.confidence_interval.high)


def r_multiple(trade: TradeRecord, signal: Signal) -> float | None:
    """Trade pips divided by the signal's risk in pips; None without a risk."""
    spec = SPECS.get(signal.symbol)
    pip = spec.pip_size if spec else 0.0001
    risk = abs(signal.entry - signal.sl) / pip
    return trade.pips / risk if risk > 0 else None


def calibration(pairs: Iterable[tuple[float, bool]],
                edges: tuple[float, ...] = CONFIDENCE_EDGES) -> list[dict[str, Any]]:
    """Buckets ``[from, to)`` (last one closed) of ``(confidence, won)`` pairs.

    Each bucket: ``from``, ``to``, ``count``, ``mean_confidence``, ``win_rate`` (None when empty).
    """
    pairs = list(pairs)
    rows = []
    for i, (lo, hi) in enumerate(zip(edges[:-1], edges[1:])):
        last = i == len(edges) - 2
        inside = [(c, w) for c, w in pairs if lo <= c < hi or (last and c == hi)]
        n = len(inside)
        rows.append({"from": lo, "to": hi, "count": n,
                     "mean_confidence": sum(c for c, _ in inside) / n if n else None,
                     "win_rate": sum(1 for _, w in inside if w) / n if n else None})
    return rows


def source_stats(signals: Sequence[Signal], trades: Sequence[TradeRecord]) -> dict[str, dict[str, Any]]:
    """The figures of the module docstring for each source that has signals."""
    by_id = {s.id: s for s in signals if s.id is not None}
    closed: dict[str, list[tuple[TradeRecord, Signal]]] = defaultdict(list)
    for trade in trades:
        sig = by_id.get(trade.signal_id)
        if sig is not None and trade.status is TradeStatus.CLOSED:
            closed[sig.source].append((trade, sig))
    statuses: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for s in signals:
        statuses[s.source][s.status.value] += 1
    out = {}
    for source in sorted(statuses):
        pairs = closed.get(source, [])
        out[source] = _figures(pairs)
        out[source]["signals"] = dict(statuses[source])
    return out


def _figures(pairs: list[tuple[TradeRecord, Signal]]) -> dict[str, Any]:
    nets = [t.net for t, _ in pairs]
    n = len(nets)
    wins = sum(1 for v in nets if v > 0)
    losses = sum(1 for v in nets if v < 0)
    gross_profit = sum((v for v in nets if v > 0), Decimal("0"))
    gross_loss = sum((v for v in nets if v < 0), Decimal("0"))
    rs = [r for t, s in pairs if (r := r_multiple(t, s)) is not None]
    per_signal: dict[int, list[Decimal]] = defaultdict(list)
    conf: dict[int, float] = {}
    for t, s in pairs:
        per_signal[s.id].append(t.net)
        conf[s.id] = s.confidence
    floats = [float(v) for v in nets]
    ci = bootstrap_mean_ci(floats)
    return {
        "trades": n, "wins": wins, "losses": losses,
        "win_rate": wins / n if n else None,
        "expectancy": float(money(sum(nets, Decimal("0")) / n)) if n else None,
        "expectancy_ci": list(ci) if ci else None,
        "expectancy_r": float(np.mean(rs)) if rs else None,
        "profit_factor": float(gross_profit / -gross_loss) if gross_loss < 0 else None,
        "total_pips": round(sum(t.pips for t, _ in pairs), 1),
        "net_profit": float(money(sum(nets, Decimal("0")))),
        "calibration": calibration((conf[sid], sum(v) > 0) for sid, v in per_signal.items()),
    }
