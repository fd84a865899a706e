"""Budget planner: which providers can carry which symbols at a poll interval for 24 hours.

For a provider with limits (per minute M, per hour H, per day D) and a quote
cost ``cost(N)`` per poll of N symbols (N credits for Twelve Data's N-symbol
batch; one call per symbol elsewhere), polling every S seconds needs

    per minute: cost(N) × ceil(60 / S)     per hour: cost(N) × ceil(3600 / S)
    per day:    cost(N) × ceil(86400 / S)

Its *capacity* is the largest N whose needs stay within each limit times
``(1 − reserve)``; the reserve (10 % by default) is kept for history requests
and retries. Symbols are assigned in priority order: each provider takes as
many of the still-unassigned symbols it supports as its capacity allows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from datafeeds.providers.base import Capabilities, ProviderLimits

DEFAULT_PRIORITY = ("yahoo", "twelvedata", "finnhub", "alphavantage")
DEFAULT_RESERVE = 0.10
MAX_SYMBOLS = 1000


@dataclass(frozen=True, slots=True)
class ProviderInfo:
    """What the planner needs to know about one provider."""

    name: str
    limits: ProviderLimits
    capabilities: Capabilities
    available: bool = True  # has a key (or needs none) and is enabled
    reason: str = ""  # why not available
    unsupported: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class ProviderPlan:
    """One provider's part of a plan; costs in the provider's unit per day/hour/minute."""

    name: str
    available: bool
    reason: str
    capacity: int  # most symbols it carries at this interval for 24 h
    assigned: tuple[str, ...]
    cost_per_day: int  # what its assigned symbols cost per day
    cost_per_day_all: int  # what all requested symbols would cost it per day
    per_minute: int | None
    per_hour: int | None
    per_day: int | None
    reliable: bool
    official_limits: bool
    note: str

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "available": self.available,
            "reason": self.reason,
            "capacity": self.capacity,
            "assigned": list(self.assigned),
            "cost_per_day": self.cost_per_day,
            "cost_per_day_all": self.cost_per_day_all,
            "per_minute": self.per_minute,
            "per_hour": self.per_hour,
            "per_day": self.per_day,
            "reliable": self.reliable,
            "official_limits": self.official_limits,
            "note": self.note,
        }


@dataclass(frozen=True, slots=True)
class Plan:
    """The outcome: who carries what, what is left uncovered, and the total capacity."""

    symbols: tuple[str, ...]
    interval: float
    reserve: float
    providers: tuple[ProviderPlan, ...]
    assignment: dict[str, str] = field(default_factory=dict)
    uncovered: tuple[str, ...] = ()

    @property
    def carried(self) -> bool:
        """True when every symbol has a provider for the whole day."""
        return not self.uncovered

    @property
    def total_capacity(self) -> int:
        """Symbols the available providers carry together (ignoring symbol support)."""
        return sum(p.capacity for p in self.providers if p.available)

    def provider(self, name: str) -> ProviderPlan | None:
        return next((p for p in self.providers if p.name == name), None)

    def as_dict(self) -> dict[str, object]:
        return {
            "symbols": list(self.symbols),
            "interval": self.interval,
            "reserve": self.reserve,
            "carried": self.carried,
            "total_capacity": self.total_capacity,
            "assignment": dict(self.assignment),
            "uncovered": list(self.uncovered),
            "providers": [p.as_dict() for p in self.providers],
        }


def polls(interval: float, window: float) -> int:
    """Most polls every ``interval`` seconds that fall in a rolling ``window`` of seconds."""
    return math.ceil(window / interval)


def cost_per_window(caps: Capabilities, n_symbols: int, interval: float, window: float) -> int:
    """Cost of polling ``n_symbols`` every ``interval`` seconds over ``window`` seconds."""
    return caps.quote_cost(n_symbols) * polls(interval, window)


def capacity(limits: ProviderLimits, caps: Capabilities, interval: float, reserve: float = DEFAULT_RESERVE) -> int:
    """Return the most symbols the provider can poll every ``interval`` s for 24 h."""
    if not caps.quotes:
        return 0
    checks = [(w, lim) for w, lim in limits.windows() if w >= 60.0]  # shorter caps only pace
    if limits.per_day is not None:
        checks.append((86_400.0, limits.per_day))

    def fits(n: int) -> bool:
        return all(cost_per_window(caps, n, interval, w) <= math.floor(lim * (1 - reserve)) for w, lim in checks)

    low, high = 0, MAX_SYMBOLS
    if fits(high):
        return high
    while low < high:  # the largest n with fits(n); fits is monotone in n
        mid = (low + high + 1) // 2
        if fits(mid):
            low = mid
        else:
            high = mid - 1
    return low


def plan(
    symbols: Sequence[str],
    interval: float,
    providers: Sequence[ProviderInfo],
    priority: Sequence[str] = DEFAULT_PRIORITY,
    reserve: float = DEFAULT_RESERVE,
) -> Plan:
    """Assign ``symbols`` to providers in ``priority`` order within their free budgets."""
    if interval <= 0:
        raise ValueError("interval must be a positive number of seconds")
    wanted = tuple(dict.fromkeys(s.upper() for s in symbols))
    rank = {name: i for i, name in enumerate(priority)}
    ordered = sorted(providers, key=lambda p: rank.get(p.name, len(rank)))
    left = list(wanted)
    assignment: dict[str, str] = {}
    parts: list[ProviderPlan] = []
    for info in ordered:
        cap = capacity(info.limits, info.capabilities, interval, reserve) if info.available else 0
        taken: list[str] = []
        for symbol in list(left):
            if len(taken) >= cap:
                break
            if symbol in info.unsupported:
                continue
            taken.append(symbol)
            left.remove(symbol)
            assignment[symbol] = info.name
        day_polls = polls(interval, 86_400.0)
        parts.append(
            ProviderPlan(
                name=info.name,
                available=info.available,
                reason=info.reason,
                capacity=cap,
                assigned=tuple(taken),
                cost_per_day=info.capabilities.quote_cost(len(taken)) * day_polls,
                cost_per_day_all=info.capabilities.quote_cost(len(wanted)) * day_polls,
                per_minute=info.limits.per_minute,
                per_hour=info.limits.per_hour,
                per_day=info.limits.per_day,
                reliable=info.capabilities.quotes_reliable,
                official_limits=info.limits.official,
                note="; ".join(n for n in (info.limits.note, info.capabilities.note) if n),
            )
        )
    return Plan(
        symbols=wanted,
        interval=interval,
        reserve=reserve,
        providers=tuple(parts),
        assignment=assignment,
        uncovered=tuple(left),
    )
