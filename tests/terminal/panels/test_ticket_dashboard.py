"""The order ticket and the performance dashboard over the real engine."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from engine.broker import OrderRequest
from engine.figure_text import figure_text
from engine.values import Side, TradeStatus
from terminal.panels.dashboard import FIGURES, DashboardPanel, drawdown
from terminal.panels.ticket import TicketPanel
from tests.terminal.conftest import quote


@pytest.fixture
def ticket(qtbot, engine):
    panel = TicketPanel(engine, risk_percent=1.0)
    qtbot.addWidget(panel)
    return panel


def test_ticket_pips_to_prices_risk_and_rr_before_sending(ticket, engine):
    ticket.volume.setText("0.50")
    ticket.sl_unit.setCurrentText("pips")
    ticket.tp_unit.setCurrentText("pips")
    ticket.sl.setText("20")
    ticket.tp.setText("50")
    p = ticket.preview(Side.BUY)
    ask = engine.quote("EURUSD").ask
    assert p["entry"] == ask
    assert p["sl"] == round(ask - 0.0020, 5) and p["tp"] == round(ask + 0.0050, 5)
    # 0.50 lots × 20 pips × 10 USD per pip per lot = 100.00 USD = 1 % of 10,000
    assert p["risk"] == Decimal("100.00") and p["risk_pct"] == pytest.approx(1.0)
    assert p["rr"] == pytest.approx(2.5)
    ticket.refresh_preview()
    assert "risk 100.00 USD (1.00%)" in ticket.summary.text() and "R:R 2.50" in ticket.summary.text()


def test_ticket_risk_mode_sizes_with_engine_lot_size(ticket, engine):
    ticket.volume_mode.setCurrentText("risk %")
    assert ticket.volume.text() == "1"
    ticket.sl_unit.setCurrentText("pips")
    ticket.sl.setText("25")
    p = ticket.preview(Side.SELL)
    bid = engine.quote("EURUSD").bid
    assert p["lots"] == engine.lot_size("EURUSD", 1.0, bid, round(bid + 0.0025, 5))


def test_ticket_risk_mode_without_sl_names_the_field(ticket, qloop, engine):
    ticket.volume_mode.setCurrentText("risk %")
    ticket.send(Side.BUY)
    qloop.spin(0.05)
    assert ticket.error.text() == "Stop loss: sizing by risk % needs a stop loss"
    assert engine.active_trades() == []


def test_ticket_send_opens_trade_with_levels(ticket, qloop, engine):
    ticket.sl_unit.setCurrentText("pips")
    ticket.sl.setText("15")
    ticket.send(Side.SELL)
    qloop.until(lambda: len(engine.active_trades()) == 1, what="trade")
    trade = engine.active_trades()[0]
    assert trade.side is Side.SELL and trade.lots == Decimal("0.10")
    assert trade.sl == round(trade.entry_price + 0.0015, 5) and trade.tp is None


def test_ticket_pending_limit_needs_and_uses_price(ticket, qloop, engine):
    ticket.order_type.setCurrentText("limit")
    ticket.price.clear()
    ticket.send(Side.BUY)
    qloop.spin(0.05)
    assert ticket.error.text() == "Price: a pending order needs a price"
    ticket.price.setText("1.08000")
    ticket.send(Side.BUY)
    qloop.until(lambda: len(engine.active_trades()) == 1, what="order")
    order = engine.active_trades()[0]
    assert order.status is TradeStatus.PENDING and order.requested_price == 1.08


def test_ticket_engine_refusal_is_shown(ticket, qloop, engine):
    ticket.order_type.setCurrentText("limit")
    ticket.price.setText("1.09500")  # a buy limit above the market
    ticket.send(Side.BUY)
    qloop.until(lambda: ticket.error.text() != "", what="refusal")
    assert ticket.error.text() == "Buy limit price 1.09500 must be below the ask 1.08508"


def close_two(qloop, engine):
    for bid_move, symbol in ((0.0020, "EURUSD"), (-0.0010, "GBPUSD")):
        q = engine.quote(symbol)
        trade = qloop.run(engine.place_order(OrderRequest(symbol, Side.BUY, lots=Decimal("0.30"))))
        qloop.run(engine.on_quote(quote(symbol, q.bid + bid_move)))
        qloop.run(engine.close_trade(trade.id))


def test_dashboard_figures_equal_engine_performance(qtbot, qloop, engine):
    close_two(qloop, engine)
    panel = DashboardPanel(engine)
    qtbot.addWidget(panel)
    qloop.run(panel.reload())
    figures = qloop.run(engine.performance())
    assert figures["total_trades"] == 2
    for key, _, kind in FIGURES:
        text = figure_text(figures.get(key), kind)
        if kind == "money" and figures.get(key) is not None:
            text += " USD"
        assert panel.values[key].text() == text, key
    _xs, ys = panel.balance_line.getData()
    curve = figures["equity_curve"]
    balances = [float(p["balance"]) for p in curve]
    assert list(ys[::2]) == balances and list(ys[1::2]) == balances  # a step per close, held to now
    _, dd = panel.dd_line.getData()
    assert list(dd[::2]) == list(drawdown(np.array(balances)))
    assert panel.breakdown.rowCount() == len(figures["by_source"])


def test_dashboard_without_trades_shows_no_rate_rather_than_zero_percent(qtbot, qloop, engine):
    panel = DashboardPanel(engine)
    qtbot.addWidget(panel)
    qloop.run(panel.reload())
    assert panel.values["total_trades"].text() == "0"
    for key in ("win_rate", "expected_payoff", "average_win", "average_loss"):
        assert panel.values[key].text() == "—", key
    assert panel.values["net_profit"].text() == "0.00 USD"  # nothing made is 0.00, a true figure
    close_two(qloop, engine)
    qloop.run(panel.reload())
    assert panel.values["win_rate"].text().endswith("%")


def test_drawdown_is_balance_minus_running_peak():
    assert list(drawdown(np.array([100.0, 120.0, 90.0, 130.0, 125.0]))) == [0.0, 0.0, -30.0, 0.0, -5.0]


def test_format_figure_kinds():
    assert figure_text(None, "ratio") == "—"
    assert figure_text(Decimal("-1234.5"), "money") == "-1,234.50"
    assert figure_text(0.4567, "pct01") == "45.7%"
    assert figure_text(3725, "seconds") == "1h 02m"
