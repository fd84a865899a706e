"""The paper broker: pure, synchronous, in-memory trading rules (see broker.py)."""

from engine.broker.broker import PaperBroker
from engine.broker.requests import UNSET, BrokerConfig, FixedSlippage, RandomSlippage
from engine.orders import OrderRequest  # the broker's input, defined next to the value types

__all__ = ["UNSET", "BrokerConfig", "FixedSlippage", "OrderRequest", "PaperBroker", "RandomSlippage"]
