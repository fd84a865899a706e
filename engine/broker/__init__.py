"""The paper broker: pure, synchronous, in-memory trading rules (see broker.py)."""

from engine.broker.broker import PaperBroker
from engine.broker.requests import UNSET, BrokerConfig, FixedSlippage, OrderRequest, RandomSlippage

__all__ = ["UNSET", "BrokerConfig", "FixedSlippage", "OrderRequest", "PaperBroker", "RandomSlippage"]
