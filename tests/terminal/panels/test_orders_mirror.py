"""The MetaTrader mirror in the window: the Mirror column, the status bar and "Pause mirroring".

Real TradingEngine and MainWindow; the mirror is a real ``MirrorService``
over an in-memory ``TradeMirror`` (tests.bridges.fake_mirror).
"""

from __future__ import annotations

import asyncio
import tomllib
from decimal import Decimal

import pytest

from bridges.sync import MirrorService
from engine.broker import OrderRequest
from engine.events import MirrorStateChanged
from engine.values import FeedStatus, Side
from terminal.panels.orders import mirror_cell
from tests.bridges.fake_mirror import FakeMirror


def buy(qloop, engine, lots="0.10"):
    q = engine.quote("EURUSD")
    return qloop.run(
        engine.place_order(
            OrderRequest(
                "EURUSD", Side.BUY, lots=Decimal(lots), sl=round(q.ask - 0.0030, 5), tp=round(q.ask + 0.0060, 5)
            )
        )
    )


@pytest.fixture
def service(qloop, engine):
    fake = FakeMirror()
    svc = MirrorService(
        engine.bus, fake, record_state=engine.set_mirror_state, active_trades=engine.active_trades, watch_interval=60
    )
    engine.register_status_source(svc.status)
    qloop.run(svc.start())
    qloop.until(lambda: svc.status().details["connected"], what="mirror connected")
    engine.attach_mirror(svc)  # as terminal.wiring.attach_mirror does
    svc.fake = fake
    yield svc
    qloop.run(svc.stop())


def test_mirror_cell_formats_ticket_state_and_refusal():
    assert mirror_cell(None, None) == ("", "")
    text, tip = mirror_cell("123456", "open")
    assert text == "#123456 open" and "ticket 123456" in tip and "position is open" in tip
    text, tip = mirror_cell(None, "refused", "not enough money")
    assert text == "refused: not enough money" and "refused to open" in tip and "not enough money" in tip
    assert mirror_cell("9", "closed", "done")[0] == "#9 closed"  # detail only spelled out for problems
    text, tip = mirror_cell("9", "close_failed", "market is closed " * 10)
    assert len(text) < 60 and text.endswith("…") and "market is closed " * 10 in tip  # the column stays narrow


def test_orders_mirror_column_updates_on_mirror_state_changed(make_window, qloop, engine, prefs):
    window = make_window(engine, prefs)
    table = window.orders.positions
    trade = buy(qloop, engine)
    qloop.until(lambda: table.rowCount() == 1, what="row")
    assert table.isColumnHidden(table.col["Mirror"])  # no mirror, nothing mirrored: no clutter
    qloop.run(engine.set_mirror_state(trade.id, "123456", "open"))
    qloop.until(lambda: table.cell(trade.id, "Mirror").text() == "#123456 open", what="mirror cell")
    assert not table.isColumnHidden(table.col["Mirror"])
    assert "MetaTrader ticket 123456" in table.cell(trade.id, "Mirror").toolTip()
    qloop.run(engine.set_mirror_state(trade.id, "123456", "close_refused"))
    engine.bus.publish(
        MirrorStateChanged(trade.id, "123456", "close_refused", {"code": "10018", "message": "market closed"})
    )
    qloop.until(
        lambda: table.cell(trade.id, "Mirror").text() == "#123456 close_refused: market closed",
        what="refusal with its reason",
    )
    assert "still open" in table.cell(trade.id, "Mirror").toolTip()


def test_orders_mirror_column_shows_service_ticket_and_refusal(make_window, qloop, engine, prefs, service):
    window = make_window(engine, prefs)
    table = window.orders.positions
    assert not table.isColumnHidden(table.col["Mirror"])  # a mirror is configured
    first = buy(qloop, engine)
    qloop.run(asyncio.wait_for(service.drain(), 5))
    qloop.until(lambda: table.cell(first.id, "Mirror").text() == "#500001 open", what="mirrored")
    service.fake.refuse_next("10019", "not enough money")
    second = buy(qloop, engine)
    qloop.run(asyncio.wait_for(service.drain(), 5))
    qloop.until(
        lambda: table.cell(second.id, "Mirror").text() == "refused: not enough money", what="refused with its reason"
    )
    assert engine.broker.trade(second.id).mirror_state == "refused"


def test_trade_whose_metatrader_close_failed_stays_in_positions_until_closed(make_window, qloop, engine, prefs):
    fake = FakeMirror()
    svc = MirrorService(
        engine.bus,
        fake,
        record_state=engine.set_mirror_state,
        active_trades=engine.active_trades,
        watch_interval=0.05,
        first_retry=0.2,
    )
    engine.register_status_source(svc.status)
    qloop.run(svc.start())
    try:
        window = make_window(engine, prefs)
        table = window.orders.positions
        trade = buy(qloop, engine)
        qloop.run(asyncio.wait_for(svc.drain(), 5))
        fake.refuse_closes = ("132", "market is closed; ticket 500001 still open")
        qloop.run(engine.close_trade(trade.id))
        qloop.until(
            lambda: (
                table.rowCount() == 1
                and table.cell(trade.id, "Mirror").text().startswith("#500001 close_failed: market is closed")
            ),
            what="the closed trade kept with its reason",
        )
        cell = table.cell(trade.id, "Mirror")
        assert "still open there" in cell.toolTip() and cell.foreground().color().name() == window.theme.palette.loss
        assert table.cell(trade.id, "Price").text().startswith("closed ")
        assert table.cellWidget(table.row_of(trade.id), table.col[""]) is None  # nothing to close on paper
        assert window.orders.tabs.tabText(0) == "Positions (0) + 1 still open in MetaTrader"
        fake.refuse_closes = None  # the retry gets through
        qloop.until(lambda: table.rowCount() == 0, what="gone once MetaTrader closed it")
        assert window.orders.tabs.tabText(0) == "Positions (0)"
    finally:
        qloop.run(svc.stop())


def test_statusbar_shows_bridge_connected_account_and_last_error(make_window, qloop, engine, prefs):
    state = {"connected": True, "error": None}

    def bridge_status() -> FeedStatus:
        return FeedStatus(
            name="mirror:mt5",
            enabled=True,
            healthy=state["connected"],
            last_error=state["error"],
            in_use=True,
            details={
                "connected": state["connected"],
                "account": "5012345",
                "paused": False,
                "mirrored_positions": 2,
                "tickets": {"1": "9"},
            },
        )

    window = make_window(engine, prefs)
    label = window.status.mirror
    assert label.isHidden()  # no mirror configured
    engine.register_status_source(bridge_status)
    window.status.set_feeds(engine.feeds_status())
    assert not label.isHidden()
    assert label.text() == "mirror mt5: connected · 5012345 · 2 mirrored"
    assert "tickets" not in label.toolTip() and "account: 5012345" in label.toolTip()
    assert not window.status.feed.text().startswith("feed: mirror")
    state.update(connected=False, error="MetaTrader terminal not running")
    window.status.set_feeds(engine.feeds_status())
    assert label.text().startswith("mirror mt5: disconnected · 5012345")
    assert "last error: MetaTrader terminal not running" in label.text()
    assert window.theme.palette.loss in label.styleSheet()


def test_statusbar_shows_real_mirror_service_status(make_window, qloop, engine, prefs, service):
    window = make_window(engine, prefs)
    buy(qloop, engine)
    qloop.run(asyncio.wait_for(service.drain(), 5))
    qloop.until(lambda: "1 mirrored" in window.status.mirror.text(), what="bridge status")
    assert window.status.mirror.text() == "mirror fake: connected · 5012345 · 1 mirrored"


def test_pause_mirroring_action_pauses_service_and_persists(make_window, qloop, engine, prefs, service, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('feed = "sim"\nmirror = "mt5"\n', encoding="utf-8")
    window = make_window(engine, prefs, config_path=config)
    action = window.mirror_control.action
    assert action.isEnabled() and not action.isChecked()
    action.trigger()
    assert service.paused and action.isChecked()
    qloop.until(lambda: tomllib.loads(config.read_text()).get("mirror_paused") is True, what="saved")
    assert tomllib.loads(config.read_text())["feed"] == "sim"  # other keys kept
    trade = buy(qloop, engine)
    qloop.run(asyncio.wait_for(service.drain(), 5))
    assert service.fake.opens == []
    qloop.until(lambda: window.orders.positions.cell(trade.id, "Mirror").text() == "not_mirrored", what="state")
    assert "paused" in window.status.mirror.text()
    action.trigger()
    assert not service.paused and not action.isChecked()
    qloop.until(lambda: tomllib.loads(config.read_text()).get("mirror_paused") is False, what="saved off")
    buy(qloop, engine)
    qloop.run(asyncio.wait_for(service.drain(), 5))
    assert len(service.fake.opens) == 1


def test_pause_mirroring_action_disabled_without_mirror(make_window, engine, prefs):
    window = make_window(engine, prefs)
    action = window.mirror_control.action
    assert not action.isEnabled()
    action.trigger()  # a disabled action does nothing
    assert not action.isChecked()


def test_pause_setting_is_read_back_at_next_start(make_window, qloop, engine, prefs, service, tmp_path):
    from bridges.factory import make_mirror_service
    from terminal.settings import Settings

    config = tmp_path / "config.toml"
    window = make_window(engine, prefs, config_path=config)
    window.mirror_control.action.trigger()
    qloop.until(lambda: config.exists() and "mirror_paused" in config.read_text(), what="saved")
    settings = Settings.load({"config": config})
    restarted = make_mirror_service(settings, engine.bus, FakeMirror())
    assert restarted.paused is True
    window.mirror_control.attach(restarted)
    assert window.mirror_control.action.isChecked()
