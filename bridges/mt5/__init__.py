"""MetaTrader 5 through the ``MetaTrader5`` Python package (Windows only, imported lazily)."""
