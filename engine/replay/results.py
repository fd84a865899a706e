"""What a replay produces: each signal's outcome, every trade's final record, the account."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timezone

from engine.replay.signals import ReplaySignal
from engine.values import AccountSnapshot, TradeRecord, TradeStatus

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


class Intrabar(str, enum.Enum):
    """Which of SL and TP fills first when both fall inside one bar."""

    PESSIMISTIC = "pessimistic"
    OPTIMISTIC = "optimistic"


class Outcome(str, enum.Enum):
    EXECUTED = "executed"
    REJECTED = "rejected"
    NOT_EXECUTED = "not_executed"


@dataclass(frozen=True, slots=True)
class SignalOutcome:
    """What became of one signal: the trade it opened, or why it did not."""

    signal: ReplaySignal
    outcome: Outcome
    trade_id: int | None = None
    code: str | None = None
    reason: str | None = None


@dataclass(slots=True)
class ReplayResult:
    """Every trade's final record (by id), each signal's outcome and the final account."""

    trades: dict[int, TradeRecord]
    outcomes: list[SignalOutcome]
    account: AccountSnapshot
    rows: int
    kind: str
    seconds: float = 0.0
    symbols: list[str] = field(default_factory=list)

    def closed(self) -> list[TradeRecord]:
        """Closed trade records (partials included), by close time then id."""
        done = [t for t in self.trades.values() if t.status is TradeStatus.CLOSED]
        return sorted(done, key=lambda t: (t.close_time or _EPOCH, t.id))
