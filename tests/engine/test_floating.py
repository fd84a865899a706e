from datetime import datetime, timezone
from decimal import Decimal

from engine.floating import floating_gross, pip_value_per_lot, with_floating
from engine.values import Quote, Side, TradeRecord, TradeStatus
from tests.kit import make_trade

T = datetime(2026, 11, 24, 12, tzinfo=timezone.utc)


def _trade(
    symbol: str, side: Side, entry: float, lots: str = "1.00", status: TradeStatus = TradeStatus.OPEN
) -> TradeRecord:
    return make_trade(
        1,
        at=T,
        symbol=symbol,
        side=side,
        status=status,
        lots=lots,
        requested_price=entry,
        entry_price=entry,
        sl=None,
        tp=None,
        pnl="0",
        commission="0",
        swap="0",
        comment="",
        created_at=None,
    )


def _quotes(*quotes: tuple[str, float, float]) -> dict[str, Quote]:
    return {s: Quote(s, bid, ask, T) for s, bid, ask in quotes}


def test_floating_usdjpy_sell_in_usd_account_divides_by_usdjpy():
    trade = _trade("USDJPY", Side.SELL, 150.00)
    # closes at the ask 149.50: +50.0 pips, 0.50 JPY × 100,000 = 50,000 JPY ÷ mid 149.49 USD
    pips, gross = floating_gross(trade, _quotes(("USDJPY", 149.48, 149.50)), "USD")
    assert pips == 50.0
    assert gross == Decimal("334.47")


def test_floating_eurgbp_in_usd_account_multiplies_by_gbpusd():
    trade = _trade("EURGBP", Side.BUY, 0.85000, lots="0.50")
    quotes = _quotes(("EURGBP", 0.84900, 0.84910), ("GBPUSD", 1.25000, 1.25000))
    pips, gross = floating_gross(trade, quotes, "USD")
    assert pips == -10.0
    assert gross == Decimal("-62.50")  # −0.001 × 50,000 GBP × 1.25


def test_floating_without_a_rate_gives_pips_only_and_record_keeps_pnl():
    trade = _trade("EURGBP", Side.BUY, 0.85000)
    quotes = _quotes(("EURGBP", 0.85100, 0.85110))
    assert floating_gross(trade, quotes, "USD") == (10.0, None)
    assert with_floating(trade, quotes, "USD").pnl == Decimal("0")


def test_floating_pending_or_unpriced_trade_is_unchanged():
    pending = _trade("EURUSD", Side.BUY, 1.1, status=TradeStatus.PENDING)
    assert with_floating(pending, _quotes(("EURUSD", 1.2, 1.2001)), "USD") is pending
    assert floating_gross(_trade("EURUSD", Side.BUY, 1.1), {}, "USD") == (None, None)


def test_pip_value_per_lot_eurusd_is_ten_dollars():
    assert pip_value_per_lot("EURUSD", _quotes(("EURUSD", 1.1, 1.1001)), "USD") == 10.0
