"""Read where a restarted simulator continues from the journal (``datafeeds.sim.resume.ResumePoint``).

Blocking database reads: call it where ``build_runtime`` runs (before the loop, or off it).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from datafeeds.sim.resume import ResumePoint, SimPast
from engine.values import Bar, Timeframe


def resume_point(journal: Any, symbols: Sequence[str], bars: int) -> ResumePoint | None:
    """The journal's market for ``symbols``: last quotes, the last ``bars`` stored M1 bars, the earliest
    stored bar the engine shows (of its last ``bars`` per timeframe), the last event, how its first start
    invented the past (``SimPast``, when recorded); None when it has no price.
    """
    quotes = {q.symbol: q for q in journal.last_quotes() if q.symbol in symbols}
    m1: dict[str, list[Bar]] = {}
    first: dict[str, Bar] = {}
    for symbol in symbols:
        for timeframe in Timeframe:
            stored = journal.load_bars(symbol, timeframe, bars)
            if not stored:
                continue
            if timeframe is Timeframe.M1:
                m1[symbol] = stored
            if symbol not in first or stored[0].time < first[symbol].time:
                first[symbol] = stored[0]
    if not quotes and not m1:
        return None
    recorded = getattr(journal, "sim_past", None)  # journals of earlier versions' tests may lack it
    past = SimPast.parse(recorded()) if recorded is not None else None
    return ResumePoint(quotes=quotes, bars=m1, first_bar=first, not_before=journal.last_event_time(), past=past)
