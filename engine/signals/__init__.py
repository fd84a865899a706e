"""Signals: validation, SignalBook, generators (harmonic, multi-timeframe, ML), aggregator, auto-execution and stats."""
