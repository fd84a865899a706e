"""Paper Terminal's engine: instruments, paper broker, journal, signals, events.

No Qt and no network clients live here (see shared/STYLE.md, rule 1).
"""
