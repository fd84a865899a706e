"""Fixtures: a real TradingEngine over an SQLite journal, served by a real ApiServer.

The broker is the real ``engine.broker.PaperBroker``; quotes are fed straight
into ``engine.on_quote``.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from engine.api.server import ApiServer
from engine.api.tokens import ApiTokens
from engine.broker import BrokerConfig, PaperBroker
from engine.journal import SqlJournal
from engine.service import TradingEngine
from engine.values import Quote
from tests.kit import make_engine

TRADING = "trading-token-0123456789abcdef"
VIEWER = "viewer-token-0123456789abcdef"
SYMBOLS = ("EURUSD", "GBPUSD", "USDJPY")
START_PRICES = {"EURUSD": (1.08500, 1.08510), "GBPUSD": (1.26500, 1.26512), "USDJPY": (151.200, 151.212)}


def make_broker(balance: Decimal = Decimal("10000"), currency: str = "USD", leverage: int = 100) -> PaperBroker:
    """The real paper broker of a fresh account."""
    return PaperBroker(BrokerConfig(balance=balance, currency=currency, leverage=leverage), next_id=1)


def quote(symbol: str, bid: float, ask: float, when: datetime | None = None, **kw) -> Quote:
    return Quote(symbol, bid, ask, when or datetime.now(timezone.utc), source="test", **kw)


async def feed_start_prices(engine: TradingEngine) -> None:
    for symbol, (bid, ask) in START_PRICES.items():
        await engine.on_quote(quote(symbol, bid, ask))


@pytest.fixture
def tokens() -> ApiTokens:
    return ApiTokens(trading=TRADING, viewer=VIEWER)


@pytest.fixture(scope="session")
def journal_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty, migrated journal file, made once and copied per test (migrations are slow-ish)."""
    path = tmp_path_factory.mktemp("template") / "journal.db"
    SqlJournal(f"sqlite:///{path}").close()
    return path


@pytest.fixture
async def engine(
    request: pytest.FixtureRequest, tmp_path: Path, journal_template: Path
) -> AsyncIterator[TradingEngine]:
    """A started engine fed ``START_PRICES`` now, on a market clock.

    Parametrized indirectly, ``{"clock": MarketClock(...), "start_prices": False}`` gives it another
    clock (a live feed's wall clock) or no prices yet (a fast simulation's market time comes with its
    first quotes).
    """
    options = getattr(request, "param", {})
    db = tmp_path / "journal.db"
    shutil.copyfile(journal_template, db)
    journal = SqlJournal(f"sqlite:///{db}", durable=False)
    eng = make_engine(
        journal,
        broker=make_broker(),
        symbols=SYMBOLS,
        broker_factory=lambda b, c, lev: make_broker(b, c, lev),
        clock=options.get("clock"),
    )
    await eng.start()
    if options.get("start_prices", True):
        await feed_start_prices(eng)
    yield eng
    await eng.stop()


@pytest.fixture
async def server(engine: TradingEngine, tokens: ApiTokens) -> AsyncIterator[ApiServer]:
    srv = ApiServer(engine, "127.0.0.1", 0, tokens, send_timeout=1.0)
    await srv.start()
    yield srv
    await srv.stop()


@pytest.fixture
async def client(server: ApiServer) -> AsyncIterator[httpx.AsyncClient]:
    """A client with the trading token."""
    async with httpx.AsyncClient(
        base_url=server.url + "/api/paper-trading", headers={"Authorization": f"Bearer {TRADING}"}, timeout=10
    ) as c:
        yield c


@pytest.fixture
async def viewer(server: ApiServer) -> AsyncIterator[httpx.AsyncClient]:
    """A client with the viewer token."""
    async with httpx.AsyncClient(
        base_url=server.url + "/api/paper-trading", headers={"Authorization": f"Bearer {VIEWER}"}, timeout=10
    ) as c:
        yield c
