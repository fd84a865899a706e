"""A fake of the stock DWX ZeroMQ Server v2.0.1 RC8 expert advisor (MQL4) for the bridge tests."""

from tests.bridges.fake_ea.mt4 import MT4, OP_BUY, OP_BUYLIMIT, OP_SELL, Order
from tests.bridges.fake_ea.server import FakeEA

__all__ = ["MT4", "OP_BUY", "OP_BUYLIMIT", "OP_SELL", "FakeEA", "Order"]
