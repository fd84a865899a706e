"""The chart on the real engine: every bar close keeps the candles equal to the engine's bar store."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from engine.values import Timeframe
from terminal.bridge import EngineBridge
from terminal.chart.view import ChartView
from tests.terminal.conftest import quote


def rows(bars) -> list[tuple]:
    return [(int(b.time.timestamp()), b.open, b.high, b.low, b.close) for b in bars]


def chart_rows(view: ChartView) -> list[tuple]:
    s = view.series
    return [
        (int(s.times[i]), float(s.open[i]), float(s.high[i]), float(s.low[i]), float(s.close[i])) for i in range(len(s))
    ]


def test_chart_on_engine_bar_closes_matches_bar_store_without_errors(qtbot, qloop, engine):
    view = ChartView(["EURUSD"], timeframe=Timeframe.M1)
    qtbot.addWidget(view)
    view.resize(900, 500)
    view.show()
    bridge = EngineBridge(engine.bus, view)
    bridge.quote_received.connect(view.apply_quote)
    bridge.bar_closed.connect(view.apply_bar)
    bridge.frame.connect(lambda _: view.repaint_now())
    qloop.run(view.load(lambda s, tf: engine.bars(s, tf, limit=400)))
    closes: list[bool] = []

    def check(bar) -> None:
        if bar.symbol == "EURUSD" and bar.timeframe is view.timeframe:
            closes.append(True)

    bridge.bar_closed.connect(check)
    start = Timeframe.M5.floor(datetime.now(timezone.utc)) + timedelta(minutes=5)
    for k in range(60):  # 60 quotes 23 s apart: ~23 minutes, M1 and M5 boundaries crossed many times
        qloop.run(
            engine.on_quote(quote("EURUSD", 1.085 + ((k * 7) % 11 - 5) * 1e-5, when=start + timedelta(seconds=23 * k)))
        )
        bridge.flush_now()
        mine = chart_rows(view)
        theirs = rows(qloop.run(engine.bars("EURUSD", view.timeframe, limit=len(mine))))
        assert mine[-len(theirs) :] == theirs
        if k == 30:
            view.set_timeframe(Timeframe.M5)
            qloop.run(view.load(lambda s, tf: engine.bars(s, tf, limit=400)))
    assert len(closes) >= 8
    assert view.series.close[-1] == engine._quotes["EURUSD"].bid
