"""The signal report: is a signal source worth following? (``GET signals/stats/``, ``trades/performance/``'s ``stats``).

A *trade* of a source is a closed trade record whose ``signal_id`` points to
one of its signals (a partial close counts as one, as in DESIGN's performance
figures); its result is **net** = pnl − commission + swap in the account
currency (so every figure is after costs): win > 0, loss < 0, breakeven = 0.
Trades are taken in close-time order. Per source:

- ``trades``, ``wins``, ``losses``, ``breakeven``; ``win_rate`` = wins / trades
  with ``win_rate_ci``, the 95 % **Wilson score interval**
  (p̂ + z²/2n ± z·√(p̂(1−p̂)/n + z²/4n²)) / (1 + z²/n), z = 1.96;
- ``expectancy`` = mean net result per trade (money) and ``expectancy_pips`` =
  mean pips per trade, each with a 95 % percentile **bootstrap** interval of
  the mean (``scipy.stats.bootstrap``, 2,000 resamples, fixed seed; None under
  2 trades; a point when every result is equal);
- ``profit_factor`` = gross profit / |gross loss| of the net results (None
  without a loss); ``average_r`` = mean R-multiple, R = trade pips / the
  signal's risk in pips |entry − sl| / pip;
- ``max_drawdown`` = the largest fall, in money, of the source's cumulative net
  result (starting at 0) from a running high to a later low (≥ 0);
- ``net_profit``, ``total_pips``; ``signals``: the source's signals by status;
- ``calibration``: for buckets of stated confidence ``[stated_from, stated_to)``
  (the last one closed), ``count`` of signals with closed trades,
  ``mean_stated`` and ``realised_win_rate`` (a signal wins when the net sum of
  its trades is > 0; None when empty);
- ``verdict``: ``edge`` when there are at least ``MIN_TRADES_FOR_VERDICT``
  trades and the expectancy CI lies wholly above 0; ``negative_edge`` when
  there are as many and it lies wholly below 0; ``no_evidence`` otherwise
  (too few trades, or an interval that contains 0). ``verdict_reason`` says
  which in words.

Filters (``symbol``, ``since``, ``until``) select signals by symbol and by
``created_at`` in [since, until]; their trades follow them.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import numpy as np

from engine.instruments import SPECS
from engine.values import Signal, TradeRecord, TradeStatus, money

CONFIDENCE_EDGES: tuple[float, ...] = (0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
BOOTSTRAP_RESAMPLES = 2000
CONFIDENCE_LEVEL = 0.95
WILSON_Z = 1.959963984540054  # the 97.5 % normal quantile
MIN_TRADES_FOR_VERDICT = 10
VERDICTS = ("edge", "no_evidence", "negative_edge")


def wilson_interval(wins: int, n: int, z: float = WILSON_Z) -> tuple[float, float] | None:
    """The Wilson score interval of a proportion wins / n (None when n = 0)."""
    if n <= 0:
        return None
    p = wins / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    lo, hi = max(0.0, centre - half), min(1.0, centre + half)
    return (0.0 if wins == 0 else lo), (1.0 if wins == n else hi)  # exact ends where rounding would miss them


def bootstrap_mean_ci(
    values: Sequence[float], confidence: float = CONFIDENCE_LEVEL, seed: int = 12345
) -> tuple[float, float] | None:
    """Percentile bootstrap interval of the mean; None with fewer than 2 values, a point when all are equal."""
    data = np.asarray(values, dtype=np.float64)
    if len(data) < 2:
        return None
    if np.all(data == data[0]):
        return float(data[0]), float(data[0])
    from scipy import stats as sps  # ~0.3-1 s to import: paid by a report, not by every start-up

    res = sps.bootstrap(
        (data,),
        np.mean,
        confidence_level=confidence,
        n_resamples=BOOTSTRAP_RESAMPLES,
        method="percentile",
        vectorized=True,
        batch=max(1, 4_000_000 // len(data)),
        rng=np.random.default_rng(seed),
    )
    return float(res.confidence_interval.low), float(res.confidence_interval.high)


def r_multiple(trade: TradeRecord, signal: Signal) -> float | None:
    """Trade pips divided by the signal's risk in pips; None without a risk."""
    spec = SPECS.get(signal.symbol)
    pip = spec.pip_size if spec else 0.0001
    risk = abs(signal.entry - signal.sl) / pip
    return trade.pips / risk if risk > 0 else None


def max_drawdown(results: Sequence[float]) -> float:
    """Largest fall of the cumulative sum of ``results`` (from 0) from a running high to a later low, ≥ 0."""
    if not results:
        return 0.0
    curve = np.concatenate(([0.0], np.cumsum(np.asarray(results, dtype=np.float64))))
    return float(np.max(np.maximum.accumulate(curve) - curve))


def calibration(
    pairs: Iterable[tuple[float, bool]], edges: tuple[float, ...] = CONFIDENCE_EDGES
) -> list[dict[str, Any]]:
    """Buckets ``[stated_from, stated_to)`` (the last one closed) of ``(stated confidence, won)`` pairs."""
    pairs = list(pairs)
    rows = []
    for i, (lo, hi) in enumerate(itertools.pairwise(edges)):
        last = i == len(edges) - 2
        inside = [(c, w) for c, w in pairs if lo <= c < hi or (last and c == hi)]
        n = len(inside)
        rows.append(
            {
                "stated_from": lo,
                "stated_to": hi,
                "count": n,
                "mean_stated": sum(c for c, _ in inside) / n if n else None,
                "realised_win_rate": sum(1 for _, w in inside if w) / n if n else None,
            }
        )
    return rows


def verdict(trades: int, ci: tuple[float, float] | None) -> tuple[str, str]:
    """The verdict and its reason (module docstring)."""
    if trades < MIN_TRADES_FOR_VERDICT or ci is None:
        return "no_evidence", f"{trades} closed trades; at least {MIN_TRADES_FOR_VERDICT} are needed for a verdict"
    lo, hi = ci
    if lo > 0:
        return "edge", f"the 95 % interval of the expectancy after costs ({lo:.2f} … {hi:.2f}) lies above 0"
    if hi < 0:
        return "negative_edge", f"the 95 % interval of the expectancy after costs ({lo:.2f} … {hi:.2f}) lies below 0"
    return "no_evidence", f"the 95 % interval of the expectancy after costs ({lo:.2f} … {hi:.2f}) contains 0"


def select_signals(
    signals: Iterable[Signal], symbol: str | None = None, since: datetime | None = None, until: datetime | None = None
) -> list[Signal]:
    """The signals of ``symbol`` created in [since, until] (each filter optional)."""
    return [
        s
        for s in signals
        if (symbol is None or s.symbol == symbol)
        and (since is None or s.created_at >= since)
        and (until is None or s.created_at <= until)
    ]


def source_stats(
    signals: Sequence[Signal],
    trades: Sequence[TradeRecord],
    *,
    symbol: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    samples: bool = False,
) -> dict[str, dict[str, Any]]:
    """The figures of the module docstring for each source that has signals (sorted by source).

    ``samples`` adds ``r_multiples``, each trade's R in close-time order (for histograms).
    """
    chosen = select_signals(signals, symbol, since, until)
    by_id = {s.id: s for s in chosen if s.id is not None}
    closed: dict[str, list[tuple[TradeRecord, Signal]]] = defaultdict(list)
    for trade in sorted(
        (t for t in trades if t.status is TradeStatus.CLOSED), key=lambda t: (t.close_time is None, t.close_time, t.id)
    ):
        sig = by_id.get(trade.signal_id) if trade.signal_id is not None else None
        if sig is not None:
            closed[sig.source].append((trade, sig))
    statuses: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for s in chosen:
        statuses[s.source][s.status.value] += 1
    out = {}
    for source in sorted(statuses):
        pairs = closed.get(source, [])
        out[source] = source_figures(pairs)
        out[source]["signals"] = dict(statuses[source])
        if samples:
            out[source]["r_multiples"] = [round(r, 3) for t, s in pairs if (r := r_multiple(t, s)) is not None]
    return out


def source_figures(pairs: Sequence[tuple[TradeRecord, Signal]]) -> dict[str, Any]:
    """The figures of one source from its ``(closed trade, signal)`` pairs in close-time order."""
    nets = [t.net for t, _ in pairs]
    n = len(nets)
    wins = sum(1 for v in nets if v > 0)
    losses = sum(1 for v in nets if v < 0)
    gross_profit = sum((v for v in nets if v > 0), Decimal("0"))
    gross_loss = sum((v for v in nets if v < 0), Decimal("0"))
    rs = [r for t, s in pairs if (r := r_multiple(t, s)) is not None]
    pips = [t.pips for t, _ in pairs]
    per_signal: dict[int, list[Decimal]] = defaultdict(list)
    conf: dict[int, float] = {}
    for t, s in pairs:
        assert s.id is not None  # paired with its trade through its id
        per_signal[s.id].append(t.net)
        conf[s.id] = s.confidence
    floats = [float(v) for v in nets]
    ci = bootstrap_mean_ci(floats)
    pips_ci = bootstrap_mean_ci(pips)
    win_ci = wilson_interval(wins, n)
    word, why = verdict(n, ci)
    return {
        "trades": n,
        "wins": wins,
        "losses": losses,
        "breakeven": n - wins - losses,
        "win_rate": wins / n if n else None,
        "win_rate_ci": list(win_ci) if win_ci else None,
        "expectancy": float(money(sum(nets, Decimal("0")) / n)) if n else None,
        "expectancy_ci": list(ci) if ci else None,
        "expectancy_pips": round(float(np.mean(pips)), 2) if n else None,
        "expectancy_pips_ci": list(pips_ci) if pips_ci else None,
        "profit_factor": float(gross_profit / -gross_loss) if gross_loss < 0 else None,
        "average_r": float(np.mean(rs)) if rs else None,
        "max_drawdown": round(max_drawdown(floats), 2),
        "total_pips": round(sum(pips), 1),
        "net_profit": float(money(sum(nets, Decimal("0")))),
        "calibration": calibration((conf[sid], sum(v) > 0) for sid, v in per_signal.items()),
        "verdict": word,
        "verdict_reason": why,
    }
