"""Forward-test generators over recorded bars: generate signals bar by bar, replay them, score each source.

``generate_over_history`` feeds closed bars of several timeframes to the
generators in the order they would have closed (on equal close times the
higher timeframe first, as the runner sees them live) and collects the
signals, plus the aggregator's combinations. ``forward_test`` replays those
signals through the ``PaperBroker`` with ``engine.replay`` (a signal stamped
at its bar's close trades at the next bar's open — the bar that opens at that
very time — SL/TP intrabar pessimistic) and returns the per-source
statistics of ``engine.signals.stats``.

``python -m engine.signals.forward`` prints the README's table (needs the
``backtesting`` development package for its real EURUSD H1 bars).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from engine.bars import resample
from engine.replay.files import PriceData, load_prices
from engine.replay.results import ReplayResult
from engine.replay.runner import ReplayRunner, build_broker
from engine.replay.signals import ReplaySignal
from engine.signals.aggregate import SignalAggregator
from engine.signals.harmonic import HarmonicGenerator
from engine.signals.ml.generator import MLGenerator
from engine.signals.ml.model import train
from engine.signals.ml.training import backtesting_eurusd, backtesting_eurusd_path
from engine.signals.mtf import MultiTimeframeGenerator
from engine.signals.protocol import BarsFrame, SignalGenerator
from engine.signals.stats import source_stats
from engine.signals.validation import validate_signal
from engine.values import Bar, Signal, SignalStatus, Timeframe


def generate_over_history(
    bars: Mapping[Timeframe, Sequence[Bar]],
    generators: Sequence[SignalGenerator],
    aggregator: SignalAggregator | None = None,
    capacity: int = 500,
) -> list[Signal]:
    """Every valid signal the generators (and aggregator) raise over ``bars`` (one symbol), numbered from 1."""
    stream = sorted(
        (b for tf_bars in bars.values() for b in tf_bars),
        key=lambda b: (b.time.timestamp() + b.timeframe.seconds, -b.timeframe.seconds),
    )
    frames: dict[Timeframe, BarsFrame] = {}
    out: list[Signal] = []
    for bar in stream:
        frame = frames.get(bar.timeframe)
        if frame is None:
            frame = frames[bar.timeframe] = BarsFrame(bar.symbol, bar.timeframe, capacity)
        frame.append(bar)
        for gen in generators:
            if bar.timeframe not in gen.timeframes:
                continue
            for signal in gen.on_bar(bar.symbol, bar.timeframe, frame):
                out.append(dataclasses.replace(validate_signal(signal), id=len(out) + 1))
                if aggregator is not None:
                    combined = aggregator.add(out[-1])
                    if combined is not None:
                        out.append(dataclasses.replace(validate_signal(combined), id=len(out) + 1))
    return out


def forward_test(
    data: PriceData, signals: Sequence[Signal], *, risk_percent: float = 1.0, balance: Decimal = Decimal("10000")
) -> tuple[ReplayResult, dict[str, dict[str, Any]]]:
    """Replay ``signals`` (ids set) over ``data``; return (result, stats). ``ValueError`` for a signal without id."""
    numbered: list[tuple[int, Signal]] = []
    for s in signals:
        if s.id is None:
            raise ValueError("forward_test needs numbered signals (generate_over_history numbers them)")
        numbered.append((s.id, s))
    broker, order = build_broker(
        balance=balance, currency="USD", leverage=100, commission=Decimal("0"), slippage_pips=0.0
    )
    # A generator's signal is stamped at the close of the bar it was computed on, which is the open
    # time of the next bar; the replay trades at the first price strictly after a signal's time, so the
    # signal is handed over one nanosecond before its stamp: it enters at that next bar's open (README),
    # never on the prices of the bar it was computed from.
    rows = [
        ReplaySignal(
            line=line,
            time_ns=_ns(s.created_at) - 1,
            symbol=s.symbol,
            side=s.side,
            sl=s.sl,
            tp=s.tp,
            lots=None,
            risk_percent=risk_percent,
            confidence=s.confidence,
            source=s.source,
        )
        for line, s in numbered
    ]
    result = ReplayRunner(data, rows, broker, order_factory=order).run()
    by_line = {o.signal.line: o for o in result.outcomes}
    marked = []
    for line, s in numbered:
        outcome = by_line.get(line)
        trade_id = outcome.trade_id if outcome is not None else None
        marked.append(
            dataclasses.replace(
                s,
                status=SignalStatus.EXECUTED if trade_id is not None else SignalStatus.REJECTED,
                trade_id=trade_id,
            )
        )
    return result, source_stats(marked, result.closed())


def _ns(when: datetime) -> int:
    """Nanoseconds since the epoch of an aware datetime (exact to the microsecond)."""
    return (int(when.timestamp()) * 1_000_000 + when.microsecond) * 1_000


def eurusd_demo(cut: int = 3000) -> tuple[list[Signal], ReplayResult, dict[str, dict[str, Any]]]:
    """The README's forward test: the models over the real EURUSD H1 bars of ``backtesting`` after bar ``cut``.

    The ML model is trained on the bars before ``cut`` only; MTF runs on H1/H4/D1
    (the file has no M15); the aggregator combines signals within 6 hours.
    """
    df = backtesting_eurusd()
    model = train(df.iloc[:cut])
    tail = df.iloc[cut:]
    h1 = [
        Bar("EURUSD", Timeframe.H1, t.to_pydatetime(), o, h, lo, c)
        for t, o, h, lo, c in zip(tail.index, tail.open, tail.high, tail.low, tail.close, strict=True)
    ]
    history = {Timeframe.H1: h1, Timeframe.H4: resample(h1, Timeframe.H4), Timeframe.D1: resample(h1, Timeframe.D1)}
    generators: list[SignalGenerator] = [
        HarmonicGenerator(timeframes=(Timeframe.H1, Timeframe.H4)),
        MultiTimeframeGenerator(timeframes=(Timeframe.H1, Timeframe.H4, Timeframe.D1), warmup_bars=30),
        MLGenerator(model),
    ]
    signals = generate_over_history(history, generators, SignalAggregator(window=timedelta(hours=6)))
    with backtesting_eurusd_path() as path:
        data = load_prices(str(path), symbol="EURUSD")
    result, stats = forward_test(data, signals)
    return signals, result, stats


def main() -> None:
    """Print the signal report of ``eurusd_demo`` as the README's Markdown table."""
    _, result, stats = eurusd_demo()
    print(
        "| source | trades | win rate (95 % CI) | expectancy USD (95 % CI) | pips/trade (95 % CI) "
        "| profit factor | avg R | max DD | verdict |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for source, s in stats.items():
        if not s["trades"]:
            print(f"| {source} | 0 | | | | | | | {s['verdict']} |")
            continue
        wr, ci, pci = s["win_rate_ci"], s["expectancy_ci"], s["expectancy_pips_ci"]
        pf = "-" if s["profit_factor"] is None else f"{s['profit_factor']:.2f}"
        print(
            f"| {source} | {s['trades']} | {s['win_rate']:.0%} ({wr[0]:.0%} … {wr[1]:.0%}) | "
            f"{s['expectancy']:.2f} ({ci[0]:.2f} … {ci[1]:.2f}) | "
            f"{s['expectancy_pips']:+.1f} ({pci[0]:+.1f} … {pci[1]:+.1f}) | {pf} | "
            f"{s['average_r']:+.2f} | {s['max_drawdown']:.2f} | {s['verdict']} |"
            if s["trades"] >= 2
            else f"| {source} | {s['trades']} | | | | | | | {s['verdict']} |"
        )
    print(f"closed trades: {len(result.closed())}, final balance {result.account.balance}")


if __name__ == "__main__":
    main()
