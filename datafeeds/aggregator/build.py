"""Which providers exist, and building them from the configured keys.

``PROVIDER_CLASSES`` maps the ``--feed`` names to provider classes; Yahoo
needs no key, the others need theirs (``datafeeds.keys``). ``build_feed``
returns an ``AggregatedFeed`` for ``auto`` (every provider with a key, the
simulator as the fallback) or for one named provider (no simulator). With
``auto``, ``extra_feeds`` (name → ``PriceFeed``: MetaTrader through a bridge)
join the rotation as providers like the others, behind the free providers
or, with ``extra_first``, ahead of them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from datafeeds.aggregator.aggregator import AggregatedFeed, LastQuotes
from datafeeds.aggregator.limiter import default_state_path
from datafeeds.aggregator.planner import DEFAULT_PRIORITY, DEFAULT_RESERVE, Plan, ProviderInfo, plan
from datafeeds.keys import ENV_NAMES, load_keys
from datafeeds.providers.alphavantage import AlphaVantageProvider
from datafeeds.providers.base import QuoteProvider
from datafeeds.providers.feed_source import FeedProvider
from datafeeds.providers.finnhub import FinnhubProvider
from datafeeds.providers.twelvedata import TwelveDataProvider
from datafeeds.providers.yahoo import YahooProvider
from engine.errors import ValidationError
from engine.ports import PriceFeed

log = logging.getLogger(__name__)

PROVIDER_CLASSES: dict[str, Any] = {
    "yahoo": YahooProvider,
    "twelvedata": TwelveDataProvider,
    "finnhub": FinnhubProvider,
    "alphavantage": AlphaVantageProvider,
}
FEED_NAMES = ("auto", *PROVIDER_CLASSES)


def parse_priority(value: str | Sequence[str] | None) -> tuple[str, ...]:
    """Parse a priority list (``"yahoo,twelvedata"``); unknown names raise ``ValidationError``."""
    if value is None or value == "":
        return DEFAULT_PRIORITY
    names = [n.strip().lower() for n in (value.split(",") if isinstance(value, str) else value)]
    names = [n for n in names if n]
    bad = [n for n in names if n not in PROVIDER_CLASSES]
    if bad:
        raise ValidationError(
            f"unknown provider(s) {', '.join(bad)} in the priority list; expected {', '.join(PROVIDER_CLASSES)}",
            field="feed_priority",
        )
    rest = [n for n in DEFAULT_PRIORITY if n not in names]
    return tuple(dict.fromkeys(names + rest))


def provider_infos(with_keys: Iterable[str] | None = None, symbols: Sequence[str] = ()) -> list[ProviderInfo]:
    """Planner descriptions of every provider; ``with_keys=None`` assumes free keys for all."""
    keyed = set(PROVIDER_CLASSES) if with_keys is None else set(with_keys) | {"yahoo"}
    out = []
    for name, cls in PROVIDER_CLASSES.items():
        caps = cls.capabilities
        available = name in keyed
        reason = "" if available else f"no key ({ENV_NAMES.get(name, '')} or the keyring)"
        out.append(
            ProviderInfo(
                name=name,
                limits=cls.limits,
                capabilities=caps,
                available=available,
                reason=reason,
                unsupported=frozenset(s.upper() for s in symbols if s.upper() in caps.unsupported),
            )
        )
    return out


def plan_for(
    symbols: Sequence[str],
    interval: float,
    *,
    priority: Sequence[str] | str | None = None,
    configured: bool = False,
    reserve: float = DEFAULT_RESERVE,
    env: Mapping[str, str] | None = None,
) -> Plan:
    """The plan for the CLI, the settings dialog and ``GET feeds/``.

    ``configured=False`` assumes a free key for every provider; ``True`` uses
    the keys configured here (reads the keyring: call it in a worker thread).
    """
    keyed = set(load_keys(env)) if configured else None
    return plan(symbols, interval, provider_infos(keyed, symbols), parse_priority(priority), reserve)


def build_providers(
    names: Sequence[str],
    client: httpx.AsyncClient,
    env: Mapping[str, str] | None = None,
    clock: Callable[[], datetime] | None = None,
) -> list[QuoteProvider]:
    """Build the named providers that can run (Yahoo always; the others when keyed).

    Reads keys from the environment or the keyring: call it in a worker thread.
    """
    keys = load_keys(env)
    out: list[QuoteProvider] = []
    for name in names:
        if name == "yahoo":
            out.append(YahooProvider(clock=clock))
        elif name in keys:
            out.append(PROVIDER_CLASSES[name](client, keys[name].value, clock=clock))
        elif len(names) == 1:
            raise ValidationError(
                f"--feed {name} needs an API key: set {ENV_NAMES[name]} or store it in the settings dialog",
                field="feed",
                code="missing_key",
            )
        else:
            log.info("%s: no API key (%s or the keyring); not used", name, ENV_NAMES[name])
    return out


def build_feed(
    feed: str,
    *,
    interval: float = 5.0,
    priority: Sequence[str] | str | None = None,
    fallback_factory: Callable[[], PriceFeed] | None = None,
    last_quotes: LastQuotes | None = None,
    state_path: Path | None = None,
    env: Mapping[str, str] | None = None,
    extra_feeds: Mapping[str, PriceFeed] | None = None,
    extra_first: bool = False,
) -> AggregatedFeed:
    """Return the aggregated feed for ``feed`` (``auto`` or one provider name)."""
    feed = feed.strip().lower()
    if feed not in FEED_NAMES:
        raise ValidationError(f"feed {feed!r} is not a live provider ({', '.join(FEED_NAMES)})", field="feed")
    order = parse_priority(priority)
    names = order if feed == "auto" else (feed,)
    extra = [FeedProvider(name, source) for name, source in (extra_feeds or {}).items()] if feed == "auto" else []
    extra_names = tuple(p.name for p in extra)
    return AggregatedFeed(
        lambda client: [*build_providers(names, client, env), *extra],
        name=feed,
        interval=interval,
        priority=extra_names + order if extra_first else order + extra_names,
        state_path=state_path or default_state_path(),
        fallback_factory=fallback_factory if feed == "auto" else None,
        last_quotes=last_quotes,
        sources=[p.feed for p in extra],
    )
