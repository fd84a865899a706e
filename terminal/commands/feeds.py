"""``paper-terminal feeds plan``: which providers can carry the symbols for a day on free keys.

By default the plan assumes a free key for every provider; ``--configured``
plans with only the keys this machine has (environment or keyring; Yahoo
needs none). ``--format json`` prints the plan object (the same one ``GET
feeds/`` and the settings dialog use). Exit code 0 when every symbol is
carried, 2 when some are not, 1 on bad input.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from engine.errors import ValidationError
from engine.instruments import SPECS

if TYPE_CHECKING:
    from datafeeds.aggregator.planner import Plan

DEFAULT_SYMBOLS = "EURUSD,GBPUSD,USDJPY"


def register(subparsers: argparse._SubParsersAction, parser: argparse.ArgumentParser) -> None:
    """Add the ``feeds`` command and its ``plan`` sub-command."""
    feeds = subparsers.add_parser("feeds", help="live price providers: budgets and plans")
    actions = feeds.add_subparsers(dest="feeds_command", metavar="ACTION")
    sub = actions.add_parser("plan", help="which providers can carry SYMBOLS every S seconds for a day on free keys")
    sub.add_argument("--symbols", default=DEFAULT_SYMBOLS, help=f"comma-separated symbols (default {DEFAULT_SYMBOLS})")
    sub.add_argument("--interval", type=float, default=5.0, help="poll interval in seconds (default 5)")
    sub.add_argument("--priority", default=None, help="provider order, e.g. yahoo,twelvedata,finnhub,alphavantage")
    sub.add_argument(
        "--configured", action="store_true", help="plan with the keys configured here instead of free keys for all"
    )
    sub.add_argument(
        "--reserve", type=float, default=None, help="share of each budget kept for history and retries (default 0.1)"
    )
    sub.add_argument("--format", choices=("text", "json"), default="text")
    sub.set_defaults(func=run_plan)
    feeds.set_defaults(func=lambda args: _usage(feeds))


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 1


def parse_symbols(text: str) -> list[str]:
    """Split and check a symbol list; raise ``ValidationError`` naming ``symbols``."""
    symbols = [s.strip().upper() for s in text.split(",") if s.strip()]
    if not symbols:
        raise ValidationError("give at least one symbol, e.g. EURUSD,GBPUSD", field="symbols")
    unknown = [s for s in symbols if s not in SPECS]
    if unknown:
        raise ValidationError(
            f"unknown symbol(s) {', '.join(unknown)}; known: {', '.join(sorted(SPECS))}", field="symbols"
        )
    return list(dict.fromkeys(symbols))


def build_plan(args: argparse.Namespace) -> Plan:
    """Return the plan the arguments ask for (raises ``ValidationError`` on bad input)."""
    from datafeeds.aggregator.build import plan_for  # HTTP providers: imported only to plan
    from datafeeds.aggregator.planner import DEFAULT_RESERVE

    symbols = parse_symbols(args.symbols)
    if not args.interval > 0:
        raise ValidationError("interval must be a positive number of seconds", field="interval")
    reserve = DEFAULT_RESERVE if args.reserve is None else args.reserve
    if not 0 <= reserve < 1:
        raise ValidationError("reserve must be in [0, 1)", field="reserve")
    return plan_for(symbols, args.interval, priority=args.priority, configured=args.configured, reserve=reserve)


def run_plan(args: argparse.Namespace) -> int:
    """Print the plan; 0 when every symbol is carried, 2 when not, 1 on bad input."""
    try:
        result = build_plan(args)
    except ValidationError as exc:
        print(f"paper-terminal feeds plan: {exc.field}: {exc.message}", file=sys.stderr)
        return 1
    if args.format == "json":
        print(json.dumps(result.as_dict(), indent=2))
    else:
        print(format_plan(result))
    return 0 if result.carried else 2


def format_plan(result: Plan) -> str:
    """The plan as text: one line per provider, then the verdict."""
    lines = [
        (
            f"{len(result.symbols)} symbol(s) every {result.interval:g} s for 24 h "
            f"({result.reserve:.0%} of each budget kept in reserve):"
        ),
        "",
    ]
    header = f"{'provider':<13}{'limits (free)':<32}{'capacity':>9}  {'cost/day':>9}  assigned"
    lines += [header, "-" * len(header)]
    for p in result.providers:
        limits = ", ".join(
            f"{v:,}/{unit}"
            for v, unit in ((p.per_minute, "min"), (p.per_hour, "h"), (p.per_day, "day"))
            if v is not None
        )
        if not p.official_limits:
            limits += " (self-imposed)"
        assigned = ",".join(p.assigned) if p.assigned else "-"
        if not p.available:
            assigned = f"not available: {p.reason}"
        lines.append(f"{p.name:<13}{limits:<32}{p.capacity:>9}  {p.cost_per_day:>9,}  {assigned}")
    notes = [f"  {p.name}: {p.note}" for p in result.providers if p.note]
    if notes:
        lines += ["", "notes:", *notes]
    lines.append("")
    if result.carried:
        lines.append(f"carried: all {len(result.symbols)} symbol(s)")
    else:
        lines.append(
            f"NOT carried for 24 h: {', '.join(result.uncovered)} "
            f"(total free capacity {result.total_capacity} symbol(s) at this interval)"
        )
    return "\n".join(lines)
