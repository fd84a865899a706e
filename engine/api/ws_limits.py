"""Bounds on what one WebSocket client may ask of the hub.

- Subscriptions (``/ws/prices/``): only symbols this terminal is fed with;
  at most ``MAX_SUBSCRIBED_SYMBOLS`` names per message and in total per
  connection. A message naming unknown symbols is refused whole, naming them.
- Message rate: a token bucket per connection, ``rate`` messages per second
  with bursts of ``burst``. A client beyond it is closed with 1008 (policy
  violation): a well-behaved viewer sends a handful of messages a minute.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

MAX_SUBSCRIBED_SYMBOLS = 200
MESSAGE_RATE = 20.0  # messages per second, sustained
MESSAGE_BURST = 40  # messages at once
CLOSE_POLICY = 1008
SHOWN_UNKNOWN = 10


class MessageRate:
    """A token bucket: ``allow(now)`` is False once a client sends faster than ``rate``/s beyond ``burst``."""

    __slots__ = ("rate", "burst", "_tokens", "_last")

    def __init__(self, rate: float = MESSAGE_RATE, burst: int = MESSAGE_BURST) -> None:
        self.rate = rate
        self.burst = float(burst)
        self._tokens = float(burst)
        self._last: float | None = None

    def allow(self, now: float) -> bool:
        """Spend one token for a message received at loop time ``now``; False when none is left."""
        if self._last is not None:
            self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
        self._last = now
        if self._tokens < 1.0:
            return False
        self._tokens -= 1.0
        return True


def unknown_symbols_message(unknown: Iterable[str], known: Collection[str]) -> str:
    """Name the unknown symbols (the first ``SHOWN_UNKNOWN``) and the ones that can be subscribed."""
    names = sorted(unknown)
    shown = ", ".join(name[:20] for name in names[:SHOWN_UNKNOWN])
    more = f" and {len(names) - SHOWN_UNKNOWN} more" if len(names) > SHOWN_UNKNOWN else ""
    return f"unknown symbol(s) {shown}{more}; this terminal carries {', '.join(sorted(known))}"
