"""QuoteCache and BarCache."""

from __future__ import annotations

from datafeeds.aggregator.cache import BarCache, QuoteCache
from engine.values import Bar, Quote, Timeframe


def test_quote_cache_stale_copy_and_bar_cache_ttl(clock):
    cache = QuoteCache()
    q = Quote("EURUSD", 1.1, 1.1001, clock(), source="yahoo")
    cache.put(q, 100.0)
    assert cache.age("EURUSD", 160.0) == 60.0 and cache.age("GBPUSD", 1.0) is None
    stale = cache.stale_copy("EURUSD")
    assert stale.stale and stale.bid == q.bid and stale.time == q.time
    bars = BarCache()
    bar = Bar("EURUSD", Timeframe.M1, Timeframe.M1.floor(clock()), 1.1, 1.2, 1.0, 1.15)
    bars.put("EURUSD", Timeframe.M1, [bar], 0.0)
    assert bars.get("EURUSD", Timeframe.M1, 1, 59.0) == [bar]
    assert bars.get("EURUSD", Timeframe.M1, 1, 60.0) is None
    assert bars.get("EURUSD", Timeframe.M1, 2, 1.0) is None


def test_bar_cache_serves_short_answers_up_to_the_count_asked(clock):
    bars = BarCache()
    bar = Bar("EURUSD", Timeframe.H1, Timeframe.H1.floor(clock()), 1.1, 1.2, 1.0, 1.15)
    bars.put("EURUSD", Timeframe.H1, [bar], 0.0, requested=500)
    assert bars.get("EURUSD", Timeframe.H1, 500, 10.0) == [bar]
    assert bars.get("EURUSD", Timeframe.H1, 501, 10.0) is None
