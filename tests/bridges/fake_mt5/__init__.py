"""A fake ``MetaTrader5`` package for tests only: ``install(monkeypatch)`` puts it in ``sys.modules``."""

from __future__ import annotations

import sys
import types

from tests.bridges.fake_mt5 import constants
from tests.bridges.fake_mt5.terminal import FakeTerminal

_FUNCTIONS = (
    "initialize",
    "login",
    "shutdown",
    "last_error",
    "version",
    "account_info",
    "terminal_info",
    "symbols_total",
    "symbols_get",
    "symbol_info",
    "symbol_select",
    "symbol_info_tick",
    "copy_rates_from_pos",
    "positions_total",
    "positions_get",
    "orders_get",
    "history_deals_get",
    "order_check",
    "order_send",
)


def build_module(terminal: FakeTerminal) -> types.ModuleType:
    """Return a module named ``MetaTrader5`` whose functions act on ``terminal``."""
    module = types.ModuleType("MetaTrader5")
    for name in dir(constants):
        if name.isupper():
            setattr(module, name, getattr(constants, name))
    for name in _FUNCTIONS:
        setattr(module, name, getattr(terminal, name))
    module.__version__ = "5.0.6231-fake"
    return module


def install(monkeypatch, terminal: FakeTerminal | None = None) -> FakeTerminal:
    """Install a fake terminal as the ``MetaTrader5`` module for the current test."""
    terminal = terminal or FakeTerminal()
    monkeypatch.setitem(sys.modules, "MetaTrader5", build_module(terminal))
    return terminal


def install_globally(terminal: FakeTerminal | None = None) -> FakeTerminal:
    """Install without pytest (benchmarks); the caller owns the process."""
    terminal = terminal or FakeTerminal()
    sys.modules["MetaTrader5"] = build_module(terminal)
    return terminal
