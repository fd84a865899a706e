"""Signals: validation, the SignalBook, generators (harmonic, multi-timeframe, ML), aggregator, auto-execution, stats."""
