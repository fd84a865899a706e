"""Replay: forward-test a list of signals over recorded bars or ticks through the PaperBroker."""
