"""Fixtures for the bridge tests: a fake MetaTrader5 package and trade record factories."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from bridges.clock import ServerClock
from bridges.config import MirrorOptions, Mt5Config
from bridges.mt5.client import Mt5Client
from bridges.mt5.mirror import Mt5Mirror
from engine.values import OrderType, Side, TradeRecord, TradeStatus
from tests.bridges import fake_mt5
from tests.bridges.fake_mt5.terminal import FakeTerminal

MAGIC = 777001


def make_trade(
    trade_id: int = 1,
    *,
    symbol: str = "EURUSD",
    side: Side = Side.BUY,
    order_type: OrderType = OrderType.MARKET,
    status: TradeStatus = TradeStatus.OPEN,
    lots: str = "0.10",
    entry: float | None = 1.1001,
    requested: float | None = None,
    sl: float | None = 1.0950,
    tp: float | None = 1.1050,
    parent_id: int | None = None,
    mirror_ticket: str | None = None,
) -> TradeRecord:
    """A paper trade record as the broker publishes it."""
    now = datetime.now(timezone.utc) - timedelta(seconds=1)
    return TradeRecord(
        id=trade_id,
        symbol=symbol,
        side=side,
        order_type=order_type,
        status=status,
        lots=Decimal(lots),
        requested_price=requested,
        entry_price=entry,
        sl=sl,
        tp=tp,
        trailing_pips=None,
        open_time=now,
        close_time=None,
        close_price=None,
        close_reason=None,
        pips=0.0,
        pnl=Decimal("0"),
        commission=Decimal("0"),
        swap=Decimal("0"),
        mfe_pips=0.0,
        mae_pips=0.0,
        signal_id=None,
        parent_id=parent_id,
        comment="",
        created_at=now,
        mirror_ticket=mirror_ticket,
    )


@pytest.fixture
def terminal(monkeypatch) -> FakeTerminal:
    """A fake MT5 terminal (server GMT+2) with EURUSD.m and USDJPY.m, installed as MetaTrader5."""
    term = FakeTerminal(server_offset_hours=2)
    term.add_symbol("EURUSD.m", digits=5, bid=1.10000)
    term.add_symbol("USDJPY.m", digits=3, bid=151.200)
    term.add_symbol("EURUSD.pro", digits=5, bid=1.10000)
    return fake_mt5.install(monkeypatch, term)


@pytest.fixture
def mt5_client(terminal) -> Mt5Client:
    """A client whose clock takes the market for open whatever the day (tests run on weekends too)."""
    client = Mt5Client(
        Mt5Config(login=terminal.login_id, server=terminal.server), password_lookup=lambda login: terminal.password
    )
    client.clock = ServerClock(market_open=lambda now: True)
    return client


@pytest.fixture
async def mt5_mirror(mt5_client):
    mirror = Mt5Mirror(mt5_client, MirrorOptions(magic=MAGIC, symbol_suffix=".m"))
    await mirror.connect()
    await mirror.reconcile()
    yield mirror
    await mirror.disconnect()


@pytest.fixture
def fake_ea():
    """The stock DWX EA on free loopback ports, its MaximumOrders/MaximumLotSize raised as the README says."""
    from tests.bridges.fake_ea import FakeEA

    ea = FakeEA(maximum_orders=100, maximum_lot_size=10.0).start()
    yield ea
    ea.stop()


@pytest.fixture
async def zmq_mirror(fake_ea):
    from bridges.zmq.client import ZmqClient
    from bridges.zmq.mirror import ZmqMirror

    mirror = ZmqMirror(ZmqClient(fake_ea.config()), MirrorOptions(magic=MAGIC))
    await mirror.connect()
    await mirror.reconcile()
    yield mirror
    await mirror.disconnect()
