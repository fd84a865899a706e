"""One definition of an order's rules (``engine.orders``) and of ``max_open_trades``, seen from every path.

The same request is refused with the same field and code by the REST route, by the
engine the window's ticket asks (``engine.check_order``), by signal execution and by
the replay's signal parser; ``max_open_trades`` refuses a new order from every source.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from engine.errors import OrderRejectedError
from engine.orders import OrderRequest
from engine.replay.files import FileFormatError
from engine.replay.signals import load_signals
from engine.signals.auto import AutoConfig
from engine.signals.book import SignalBook
from engine.values import OrderType, Side

SIGNAL = {"symbol": "EURUSD", "side": "buy", "entry": 1.0851, "sl": 1.0821, "tp": 1.0911, "confidence": 0.9}


@pytest.fixture
def book(engine):
    book = SignalBook(engine)
    engine.attach_signals(book)
    yield book
    engine.attach_signals(None)


def refusal(call) -> tuple[str | None, str | None]:
    with pytest.raises(OrderRejectedError) as info:
        call()
    return info.value.field, info.value.code


def test_validate_is_the_one_place_of_the_rules_that_need_no_market():
    both = OrderRequest("EURUSD", Side.BUY, lots=Decimal("0.1"), risk_percent=1.0, sl=1.08)
    assert refusal(both.validate) == ("risk_percent", "conflict")  # DESIGN: lots | risk_percent, never both
    assert refusal(OrderRequest("EURUSD", Side.BUY).validate) == ("lots", "invalid_lots")
    assert refusal(OrderRequest("EURUSD", Side.BUY, risk_percent=1.0).validate) == ("sl", "invalid_stops")
    limit = OrderRequest("EURUSD", Side.BUY, OrderType.LIMIT, lots=Decimal("0.1"))
    assert refusal(limit.validate) == ("price", "invalid_price")
    market = OrderRequest("EURUSD", Side.BUY, lots=Decimal("0.1"), price=1.08)
    assert refusal(market.validate) == ("price", "not_allowed")
    ok = OrderRequest(" eurusd ", "sell", "limit", lots=0.1, price=1.09).validate()  # type: ignore[arg-type]
    assert (ok.symbol, ok.side, ok.order_type, ok.lots) == ("EURUSD", Side.SELL, OrderType.LIMIT, Decimal("0.1"))


async def test_lots_and_risk_percent_together_are_refused_by_every_path(engine, client, book, tmp_path):
    both = OrderRequest("EURUSD", Side.BUY, lots=Decimal("0.1"), risk_percent=1.0, sl=1.08)
    # the window's ticket asks the engine; before, the broker let lots win
    assert refusal(lambda: engine.check_order(both)) == ("risk_percent", "conflict")
    with pytest.raises(OrderRejectedError) as info:
        await engine.place_order(both)
    assert (info.value.field, info.value.code) == ("risk_percent", "conflict")
    # REST
    response = await client.post(
        "/trades/execute/", json={"symbol": "EURUSD", "side": "buy", "lots": 0.1, "risk_percent": 1, "sl": 1.08}
    )
    assert response.status_code == 400
    assert (response.json()["error"]["field"], response.json()["error"]["code"]) == ("risk_percent", "conflict")
    # signal execution
    signal = (await client.post("/signals/", json=SIGNAL)).json()
    answer = await client.post(f"/signals/{signal['id']}/execute/", json={"lots": 0.1, "risk_percent": 1})
    assert answer.status_code == 400 and answer.json()["error"]["field"] == "risk_percent"
    # the replay's signal file
    path = tmp_path / "signals.csv"
    path.write_text("time,symbol,side,sl,tp,lots,risk_percent\n2024-03-04,EURUSD,buy,1.09,1.11,0.1,1\n")
    with pytest.raises(FileFormatError) as bad:
        load_signals(path)
    assert bad.value.field == "risk_percent" and "not both" in str(bad.value)
    assert not engine.active_trades()


async def test_max_open_trades_refuses_every_order_source_with_one_code(engine, client, book):
    engine.set_max_open_trades(2)
    first = await engine.place_order(OrderRequest("EURUSD", Side.BUY, lots=Decimal("0.1")))
    response = await client.post(  # a pending order counts too
        "/trades/execute/",
        json={"symbol": "GBPUSD", "side": "buy", "order_type": "limit", "price": 1.2, "lots": 0.1},
    )
    assert response.status_code == 201, response.text
    expected = ("max_open_trades", "max_open_trades")
    window = OrderRequest("USDJPY", Side.SELL, lots=Decimal("0.1"))
    assert refusal(lambda: engine.check_order(window)) == expected  # the ticket's question
    with pytest.raises(OrderRejectedError) as info:
        await engine.place_order(window)
    assert (info.value.field, info.value.code) == expected and "max_open_trades" in info.value.message
    rest = await client.post("/trades/execute/", json={"symbol": "USDJPY", "side": "sell", "lots": 0.1})
    assert rest.status_code == 400 and rest.json()["error"]["code"] == "max_open_trades"
    assert rest.json()["error"]["field"] == "max_open_trades"
    signal = (await client.post("/signals/", json=SIGNAL)).json()
    assert book.assess(await book.get(signal["id"])).code == "max_open_trades"  # what the Signals tab shows
    executed = await client.post(f"/signals/{signal['id']}/execute/", json={"lots": 0.1})
    assert executed.status_code == 400 and executed.json()["error"]["code"] == "max_open_trades"
    book.auto.config = AutoConfig(enabled=True, min_confidence=0.5, min_rr=1.0, max_open_per_symbol=5)
    auto = (
        await client.post("/signals/", json={**SIGNAL, "symbol": "USDJPY", "entry": 151.21, "sl": 150.9, "tp": 151.9})
    ).json()
    assert auto["status"] == "rejected" and "max_open_trades" in auto["reason"]  # auto-execution
    assert len(engine.active_trades()) == 2
    book.auto.config = AutoConfig()
    await engine.close_trade(first.id)
    assert (await client.post("/trades/execute/", json={"symbol": "USDJPY", "side": "sell", "lots": 0.1})).is_success
    engine.set_max_open_trades(None)
    assert engine.max_open_trades is None
