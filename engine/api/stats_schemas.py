"""Response schemas of the signal report (``GET signals/stats/``, ``trades/performance/``'s ``stats``).

The definitions of each figure are in ``engine/signals/stats.py``.
"""

from __future__ import annotations

from pydantic import BaseModel


class CalibrationBucketOut(BaseModel):
    stated_from: float
    stated_to: float
    count: int
    mean_stated: float | None
    realised_win_rate: float | None


class SourceStatsOut(BaseModel):
    source: str
    trades: int
    wins: int
    losses: int
    breakeven: int
    win_rate: float | None
    win_rate_ci: list[float] | None
    expectancy: float | None
    expectancy_ci: list[float] | None
    expectancy_pips: float | None
    expectancy_pips_ci: list[float] | None
    profit_factor: float | None
    average_r: float | None
    max_drawdown: float
    total_pips: float
    net_profit: float
    calibration: list[CalibrationBucketOut]
    verdict: str
    verdict_reason: str
    signals: dict[str, int]


class SignalStatsOut(BaseModel):
    items: list[SourceStatsOut]
    symbol: str | None = None
    since: str | None = None
    until: str | None = None
