"""Helpers of the command tests: a parser of some command modules only, a list-playing feed."""

from __future__ import annotations

import argparse
import asyncio
import importlib
from collections.abc import AsyncIterator, Sequence
from datetime import datetime, timedelta, timezone

from engine.values import Bar, FeedStatus, Quote, Timeframe

T0 = datetime(2026, 11, 24, 10, 0, tzinfo=timezone.utc)


def parser_with(*modules: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="paper-terminal")
    subparsers = parser.add_subparsers(dest="command")
    for name in modules:
        importlib.import_module(f"terminal.commands.{name}").register(subparsers, parser)
    return parser


def run(*argv: str, modules: tuple[str, ...] = ("serve", "report", "export")) -> int:
    args = parser_with(*modules).parse_args(list(argv))
    return int(args.func(args) or 0)


class ListFeed:
    """A PriceFeed that plays a list of quotes, then waits until stopped."""

    name = "list"

    def __init__(self, quotes: Sequence[Quote]) -> None:
        self._quotes = list(quotes)
        self._stopped = asyncio.Event()
        self.started_with: list[str] = []

    async def start(self, symbols: Sequence[str]) -> None:
        self.started_with = list(symbols)

    async def stop(self) -> None:
        self._stopped.set()

    async def stream(self) -> AsyncIterator[Quote]:
        for quote in self._quotes:
            yield quote
        await self._stopped.wait()

    async def history(self, symbol: str, timeframe: Timeframe, count: int) -> list[Bar]:
        if timeframe is not Timeframe.H1:
            return []
        return [Bar(symbol, Timeframe.H1, T0 - timedelta(hours=h), 1.08, 1.09, 1.07, 1.085) for h in range(3, 0, -1)]

    def status(self) -> list[FeedStatus]:
        return [FeedStatus(self.name, True, True, in_use=True)]
