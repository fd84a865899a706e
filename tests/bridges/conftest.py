"""Fixtures for the bridge tests: a fake MetaTrader5 package, clients and mirrors (trades: tests.kit)."""

from __future__ import annotations

import pytest

from bridges.clock import ServerClock
from bridges.config import MirrorOptions, Mt5Config
from bridges.mt5.client import Mt5Client
from bridges.mt5.mirror import Mt5Mirror
from tests.bridges import fake_mt5
from tests.bridges.fake_mt5.terminal import FakeTerminal

MAGIC = 777001


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
