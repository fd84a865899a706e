"""Combine several models' signals on one symbol and time window into one signal.

Weights come from each model's recent forward-test results. With ``R`` the
result of a closed trade in R-multiples (pips / the signal's risk in pips)
over the model's last ``recent_trades`` trades:

    expectancy_shrunk = Σ R / (n + prior_trades)   (shrunk toward 0 by a prior of ``prior_trades`` break-even trades)
    weight            = max(floor, 1 + expectancy_shrunk)

A new model weighs 1; a model losing half its risk per trade on average over
many trades weighs about 0.5; one winning 0.5 R weighs about 1.5.

Combining signals ``s_i`` (direction ``d_i`` = +1 buy / −1 sell, confidence
``c_i``, weight ``w_i``), at most the newest one per model:

    net        = Σ w_i · c_i · d_i            direction = sign(net) (none when 0)
    confidence = Σ_{agreeing} w_i · c_i / Σ_all w_i

so disagreement and low-weight models lower the confidence. Entry is the newest
agreeing signal's entry; the stop and target distances are the (w·c)-weighted
means of the agreeing signals' distances. The chart pattern, if any, is that
of the agreeing signal with the largest w·c among those carrying one (a
harmonic model's X-A-B-C-D), so the aggregate shows what it rests on. An
aggregate needs at least ``min_models`` different models in the window.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from engine.instruments import SPECS
from engine.signals.stats import r_multiple
from engine.values import Side, Signal, TradeRecord, TradeStatus


@dataclass(frozen=True, slots=True)
class ModelWeight:
    """A model's weight and the forward-test figures it comes from."""

    source: str
    weight: float
    trades: int
    expectancy_r: float | None


class SignalAggregator:
    """Multi-model aggregator (see module docstring); ``name`` is the aggregate's source."""

    def __init__(
        self,
        name: str = "aggregate",
        window: timedelta = timedelta(hours=1),
        min_models: int = 2,
        prior_trades: int = 20,
        floor: float = 0.05,
        recent_trades: int = 100,
    ) -> None:
        self.name = name
        self.window = window
        self.min_models = min_models
        self.prior_trades = prior_trades
        self.floor = floor
        self.recent_trades = recent_trades
        self._weights: dict[str, ModelWeight] = {}
        self._pending: dict[str, deque[Signal]] = defaultdict(deque)

    def weight(self, source: str) -> float:
        """The current weight of ``source`` (1.0 when it has no forward-test trades yet)."""
        w = self._weights.get(source)
        return w.weight if w is not None else 1.0

    def weights(self) -> dict[str, dict[str, Any]]:
        """Every known model's ``{weight, trades, expectancy_r}``."""
        return {
            s: {"weight": w.weight, "trades": w.trades, "expectancy_r": w.expectancy_r}
            for s, w in sorted(self._weights.items())
        }

    def update_weights(self, signals: Sequence[Signal], trades: Sequence[TradeRecord]) -> dict[str, dict[str, Any]]:
        """Recompute the weights from journaled signals and closed trades; return ``weights()``."""
        by_id = {s.id: s for s in signals if s.id is not None and s.source != self.name}
        results: dict[str, list[tuple[Any, float]]] = defaultdict(list)
        for trade in trades:
            sig = by_id.get(trade.signal_id) if trade.signal_id is not None else None
            if sig is None or trade.status is not TradeStatus.CLOSED:
                continue
            r = r_multiple(trade, sig)
            if r is not None:
                results[sig.source].append((trade.close_time, r))
        weights = {}
        for source in {s.source for s in by_id.values()}:
            recent = [r for _, r in sorted(results.get(source, []), key=lambda p: p[0])][-self.recent_trades :]
            n = len(recent)
            shrunk = sum(recent) / (n + self.prior_trades)
            weights[source] = ModelWeight(source, max(self.floor, 1.0 + shrunk), n, sum(recent) / n if n else None)
        self._weights = weights
        return self.weights()

    def combine(self, signals: Sequence[Signal]) -> Signal | None:
        """One signal from several (see module docstring); None when they cancel out."""
        if not signals:
            return None
        total_w = sum(self.weight(s.source) for s in signals)
        net = sum(self.weight(s.source) * s.confidence * s.side.sign for s in signals)
        if net == 0 or total_w <= 0:
            return None
        side = Side.BUY if net > 0 else Side.SELL
        agree = [s for s in signals if s.side is side]
        support = [self.weight(s.source) * s.confidence for s in agree]
        mass = sum(support)
        if mass <= 0:
            return None
        newest = max(agree, key=lambda s: s.created_at)
        risk = sum(k * abs(s.entry - s.sl) for k, s in zip(support, agree, strict=True)) / mass
        reward = sum(k * abs(s.tp - s.entry) for k, s in zip(support, agree, strict=True)) / mass
        digits = SPECS[newest.symbol].digits if newest.symbol in SPECS else 5
        expires = min(s.expires_at for s in agree)
        if expires <= newest.created_at:
            expires = newest.expires_at
        patterned = [(k, s.pattern) for k, s in zip(support, agree, strict=True) if s.pattern]
        pattern = max(patterned, key=lambda kp: kp[0])[1] if patterned else None
        return Signal(
            id=None,
            symbol=newest.symbol,
            side=side,
            entry=newest.entry,
            sl=round(newest.entry - side.sign * risk, digits),
            tp=round(newest.entry + side.sign * reward, digits),
            confidence=round(min(1.0, mass / total_w), 4),
            source=self.name,
            timeframe=newest.timeframe,
            created_at=newest.created_at,
            expires_at=expires,
            pattern=pattern,
        )

    def add(self, signal: Signal) -> Signal | None:
        """Take one model signal; return an aggregate once ``min_models`` models are in the window.

        The signals used are consumed: each takes part in at most one aggregate.
        """
        if signal.source == self.name:
            return None
        queue = self._pending[signal.symbol]
        queue.append(signal)
        horizon = signal.created_at - self.window
        while queue and queue[0].created_at < horizon:
            queue.popleft()
        latest: dict[str, Signal] = {}
        for s in queue:
            if s.created_at <= signal.created_at:
                latest[s.source] = s
        if len(latest) < self.min_models:
            return None
        combined = self.combine(list(latest.values()))
        queue.clear()
        return combined
