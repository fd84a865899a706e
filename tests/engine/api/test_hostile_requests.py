"""A bounded hostile-request run over every write route: 0 x 5xx, every 4xx names its field.

The generator and the big run live in ``tests/engine/api/hostile.py``
(``python -m tests.engine.api.hostile --count 6000`` against a real ``serve``).
"""

from __future__ import annotations

from engine.signals.book import SignalBook
from tests.engine.api.conftest import TRADING
from tests.engine.api.hostile import cases, run_hostile

COUNT = 400


async def test_hostile_requests_never_5xx_and_every_4xx_names_its_field(server, engine):
    engine.attach_signals(SignalBook(engine))
    try:
        stats = await run_hostile(server.url, TRADING, COUNT, seed=0)
    finally:
        engine.attach_signals(None)
    assert stats.sent == COUNT
    assert stats.server_errors == 0, stats.failures[:20]
    assert stats.failures == [], "\n".join(stats.failures[:40])
    assert sum(n for status, n in stats.by_status.items() if 400 <= status < 500) > COUNT // 2
    assert len(stats.by_route) >= 9  # every write route (and the reads' queries) got its share


def test_hostile_cases_cover_every_write_route():
    routes = {(c.route.method, c.route.path.removeprefix("/api/paper-trading")) for c in cases(COUNT)}
    for route in (
        ("POST", "/trades/execute/"),
        ("PATCH", "/trades/{id}/"),
        ("POST", "/trades/{id}/close/"),
        ("POST", "/account/reset/"),
        ("POST", "/signals/"),
        ("POST", "/signals/{id}/execute/"),
    ):
        assert route in routes, route
