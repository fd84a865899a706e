"""Broker symbol names ↔ the terminal's canonical names.

Brokers decorate symbols: ``EURUSD.m``, ``EURUSDpro``, ``EURUSD-ECN``,
``m.EURUSD``. A canonical name (``EURUSD``) maps to a broker name by, in
order: the configured map; canonical + configured suffix; the canonical name
itself; otherwise the shortest broker name that is the canonical name plus a
short decoration (at most 6 characters before or after). Discovery reads the
broker's list once (``symbols_get``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping

from engine.errors import ValidationError
from engine.instruments import SPECS

log = logging.getLogger(__name__)

MAX_DECORATION = 6


def match_broker_symbol(
    canonical: str, names: Iterable[str], suffix: str = "", explicit: Mapping[str, str] | None = None
) -> str:
    """Return the broker's name for ``canonical`` among ``names``.

    Raises ``ValidationError`` (field ``symbols``, code ``unknown_symbol``)
    when the broker offers nothing that matches.
    """
    available = set(names)
    if explicit and canonical in explicit:
        wanted = explicit[canonical]
        if wanted in available:
            return wanted
        raise ValidationError(
            f"mirror_symbol_map maps {canonical} to {wanted}, which the broker does not offer",
            field="mirror_symbol_map",
            code="unknown_symbol",
        )
    for candidate in (canonical + suffix, canonical):
        if candidate in available:
            return candidate
    key = canonical.upper()
    decorated = []
    for name in available:
        upper = name.upper()
        if (upper.startswith(key) and len(upper) - len(key) <= MAX_DECORATION) or (
            upper.endswith(key) and len(upper) - len(key) <= MAX_DECORATION
        ):
            decorated.append(name)
    if not decorated:
        raise ValidationError(
            f"the broker offers no symbol for {canonical} (set mirror_symbol_suffix or mirror_symbol_map)",
            field="symbols",
            code="unknown_symbol",
        )
    decorated.sort(key=lambda n: (len(n), n))
    if len(decorated) > 1:
        log.info("%s matches %s at the broker; using %s", canonical, decorated, decorated[0])
    return decorated[0]


def canonical_of(broker_name: str) -> str:
    """Best canonical name for a broker symbol (known instruments first, else the name itself)."""
    upper = broker_name.upper()
    for symbol in sorted(SPECS, key=len, reverse=True):
        if symbol in upper and len(upper) - len(symbol) <= MAX_DECORATION:
            return symbol
    return broker_name


class SymbolMap:
    """Two-way map filled by ``learn`` from the broker's symbol list."""

    def __init__(self, suffix: str = "", explicit: Mapping[str, str] | None = None) -> None:
        self.suffix = suffix
        self.explicit = dict(explicit or {})
        self._to_broker: dict[str, str] = {}
        self._to_canonical: dict[str, str] = {}

    def learn(self, canonicals: Iterable[str], broker_names: Iterable[str]) -> dict[str, str]:
        """Match each canonical symbol against the broker's names; return the new pairs."""
        names = list(broker_names)
        learned = {}
        for canonical in canonicals:
            broker = match_broker_symbol(canonical, names, self.suffix, self.explicit)
            self._to_broker[canonical] = broker
            self._to_canonical[broker] = canonical
            learned[canonical] = broker
        return learned

    def knows(self, canonical: str) -> bool:
        return canonical in self._to_broker

    def to_broker(self, canonical: str) -> str:
        """Broker name of a learnt symbol (unlearnt: explicit map, else canonical + suffix)."""
        return self._to_broker.get(canonical) or self.explicit.get(canonical) or canonical + self.suffix

    def to_canonical(self, broker_name: str) -> str:
        return self._to_canonical.get(broker_name) or canonical_of(broker_name)
