"""The DWX ZeroMQ protocol: command strings out, Python-literal replies in.

Commands are ``;``-separated. A trade command is
``TRADE;ACTION;TYPE;SYMBOL;PRICE;SL;TP;COMMENT;LOTS;MAGIC;TICKET``, where TYPE
is MQL4's ``OP_BUY`` 0 … ``OP_SELLSTOP`` 5 and SL/TP are distances in
*points* (``10 ** -digits``) from the fill price (OPEN) or the open price
(MODIFY); 0 means none. Replies are Python dict literals, parsed with
``ast`` (never ``eval``) into a ``Reply``: a dict (a repeated key keeps its
last value, as Python would) that also keeps every key/value pair in order,
because the stock EA repeats ``_response`` and the earlier ones carry the
trade server's error codes. Anything else raises ``BadPayload`` naming what
is wrong. The price stream publishes ``SYMBOL:|:bid;ask``.

What the stock EA (DWX ZeroMQ Server v2.0.1 RC8) really answers, and what the
parsers below allow for: OPEN refusals say ``response_value`` and the others
``_response_value``; a CLOSE that failed all its attempts still ends with
``CLOSE_MARKET``/``SUCCESS`` (only ``_close_price`` tells a real close); a
MODIFY reply has no ``_ticket``; an order comment is not escaped, so a quote
in one breaks ``OPEN_TRADES`` (repaired here); times are server time.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bridges.mt5 import retcodes
from engine.errors import BadPayload, ValidationError
from engine.values import OrderType, Side

MAX_REPLY_CHARS = 2_000_000
STREAM_DELIMITER = ":|:"
OP_TYPES = {
    (Side.BUY, OrderType.MARKET): 0,
    (Side.SELL, OrderType.MARKET): 1,
    (Side.BUY, OrderType.LIMIT): 2,
    (Side.SELL, OrderType.LIMIT): 3,
    (Side.BUY, OrderType.STOP): 4,
    (Side.SELL, OrderType.STOP): 5,
}

#: MQL4 trade server errors an EA reports in ``_response``.
MQL_ERRORS = {
    "128": "trade timeout",
    "129": "invalid price",
    "130": "invalid stops (SL/TP)",
    "131": "invalid trade volume",
    "132": "market is closed",
    "133": "trade is disabled",
    "134": "not enough money",
    "135": "price changed",
    "136": "off quotes",
    "138": "requote",
    "146": "trade context is busy",
    "148": "too many open and pending orders",
    "4108": "invalid ticket",
    "4109": "trading is not allowed in the expert's properties",
}
GATE_ERRORS = {
    # MQL4's IsTradeAllowed() is also false while another expert holds the trade context.
    "TRADING_IS_NOT_ALLOWED": "trading is not allowed: 'Algo Trading' is off in MetaTrader, or its trade "
    "context stayed busy",
    "EA_IS_DISABLED": "the expert advisor is disabled",
    "TRADE_CONTEXT_BUSY": "the terminal's trade context is busy (another expert is trading)",
    "DLLS_DISABLED": "DLL imports are disabled: allow them for the expert advisor (libzmq)",
    "LIBS_DISABLED": "library imports are disabled: allow them for the expert advisor",
    "NO_BROKER_CONNECTION": "MetaTrader is not connected to the broker's trade server",
}
#: The stock EA's own limits (inputs MaximumOrders = 1 and MaximumLotSize = 0.01 by default).
EA_LIMITS = {
    "NUM_ORDERS_ERROR": "the expert advisor's MaximumOrders input is reached (it counts every order of the "
    "account; the stock EA allows 1): raise MaximumOrders in its inputs (F7)",
    "LOT_SIZE_ERROR": "the order is larger than the expert advisor's MaximumLotSize input (the stock EA "
    "allows 0.01 lots): raise MaximumLotSize in its inputs (F7)",
}
#: Codes worth retrying after a short pause (MQL4 errors and MT5 retcodes of the MQL5 EA).
RETRYABLE = frozenset(
    {"TRADE_CONTEXT_BUSY", "TRADING_IS_NOT_ALLOWED", "146", "135", "136", "138", "10004", "10020", "10021"}
)
#: ``_response`` values of the stock EA that report a failure inside an otherwise normal reply.
FAILURE_WORDS = frozenset({"ERROR_SETTING_SL_TP", "WAIT_LIMIT_EXCEEDED", "CLOSE_PARTIAL_FAILED", "NOT_FOUND"})
SUCCESS_RESPONSES = frozenset({"CLOSE_MARKET", "CLOSE_PARTIAL", "CLOSE_PENDING", "MODIFIED", "loud and clear!"})


# -- commands ---------------------------------------------------------------
def _field(value: str, name: str) -> str:
    if ";" in value or "\n" in value:
        raise ValidationError(f"{name} must not contain ';' or a newline: {value!r}", field=name)
    return value


def _num(value: float) -> str:
    return repr(float(value))


def trade_command(
    action: str,
    *,
    op_type: int = 0,
    symbol: str = "NULL",
    price: float = 0.0,
    sl_points: int = 0,
    tp_points: int = 0,
    comment: str = "",
    lots: float = 0.0,
    magic: int = 0,
    ticket: int | str = 0,
) -> str:
    """Build ``TRADE;ACTION;TYPE;SYMBOL;PRICE;SL;TP;COMMENT;LOTS;MAGIC;TICKET``."""
    if sl_points < 0 or tp_points < 0:
        raise ValidationError(
            "SL/TP distances in points must be >= 0", field="sl" if sl_points < 0 else "tp", code="invalid_stops"
        )
    parts = [
        "TRADE",
        action,
        str(op_type),
        _field(symbol, "symbol"),
        _num(price),
        str(sl_points),
        str(tp_points),
        _field(comment, "comment"),
        _num(lots),
        str(magic),
        str(ticket),
    ]
    return ";".join(parts)


def open_trades_command() -> str:
    return trade_command("GET_OPEN_TRADES")


def hist_command(symbol: str, timeframe_minutes: int, start: datetime, end: datetime) -> str:
    """``HIST;SYMBOL;MINUTES;START;END`` with naive server-time ``YYYY.MM.DD HH:MM:SS`` bounds."""
    fmt = "%Y.%m.%d %H:%M:%S"
    return f"HIST;{_field(symbol, 'symbol')};{timeframe_minutes};{start.strftime(fmt)};{end.strftime(fmt)}"


def track_prices_command(symbols: list[str]) -> str:
    return ";".join(["TRACK_PRICES", *(_field(s, "symbols") for s in symbols)])


HEARTBEAT = "HEARTBEAT"


def points_between(price: float, level: float | None, point: float) -> int:
    """Distance |price − level| in whole points (0 when ``level`` is None)."""
    if level is None:
        return 0
    return int(round(abs(price - level) / point))


def stop_points(side: Side, reference: float, sl: float | None, tp: float | None, point: float) -> tuple[int, int]:
    """SL and TP of a ``side`` trade as point distances from ``reference``.

    A buy needs SL below and TP above the reference, a sell the reverse;
    otherwise ``ValidationError`` (field ``sl``/``tp``, code ``invalid_stops``).
    """
    sign = side.sign
    if sl is not None and sign * (reference - sl) <= 0:
        raise ValidationError(
            f"sl {sl} is on the wrong side of {reference} for a {side.value}", field="sl", code="invalid_stops"
        )
    if tp is not None and sign * (tp - reference) <= 0:
        raise ValidationError(
            f"tp {tp} is on the wrong side of {reference} for a {side.value}", field="tp", code="invalid_stops"
        )
    return points_between(reference, sl, point), points_between(reference, tp, point)


# -- replies ----------------------------------------------------------------
class Reply(dict):
    """A parsed reply: the dict (last value of a repeated key) plus ``pairs``, every key/value in order."""

    pairs: list[tuple[Any, Any]]


_COMMENT = re.compile(r"('_comment': ')(.*?)('\}(?:, -?\d+: \{|\}\}\s*$))", re.DOTALL)


def _repair_comments(text: str) -> str:
    """Escape quotes inside ``'_comment': '…'`` values (the stock EA writes comments unescaped)."""

    def escape(found: re.Match[str]) -> str:
        return found.group(1) + found.group(2).replace("\\", "\\\\").replace("'", "\\'") + found.group(3)

    return _COMMENT.sub(escape, text)


def _literal(text: str) -> Reply:
    tree = ast.parse(text, mode="eval")
    if not isinstance(tree.body, ast.Dict):
        raise ValueError("not a dict")
    reply = Reply()
    reply.pairs = []
    for key_node, value_node in zip(tree.body.keys, tree.body.values, strict=True):
        if key_node is None:
            raise ValueError("dict unpacking")
        key, value = ast.literal_eval(key_node), ast.literal_eval(value_node)
        reply.pairs.append((key, value))
        reply[key] = value
    return reply


def parse_reply(text: str) -> Reply:
    """Parse one reply string (a Python dict literal) without evaluating code; ``BadPayload`` otherwise."""
    if not isinstance(text, str) or not text.strip():
        raise BadPayload("empty reply from the expert advisor")
    if len(text) > MAX_REPLY_CHARS:
        raise BadPayload(f"reply from the expert advisor is too long ({len(text)} characters)")
    body = text.strip()
    attempts = [body, _repair_comments(body)] if "'_comment': '" in body else [body]
    error: Exception | None = None
    for candidate in attempts:
        try:
            return _literal(candidate)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError) as exc:
            error = error or exc
    if isinstance(error, ValueError) and str(error) == "not a dict":
        raise BadPayload(f"reply from the expert advisor is not a dict: {text[:120]!r}")
    raise BadPayload(f"malformed reply from the expert advisor ({type(error).__name__}): {text[:120]!r}")


@dataclass(frozen=True, slots=True)
class Refusal:
    """The EA or the trade server refused; ``code`` as sent (``134``, ``TRADE_CONTEXT_BUSY``)."""

    code: str
    message: str

    @property
    def retryable(self) -> bool:
        return self.code in RETRYABLE


def refusal_of(reply: dict[str, Any]) -> Refusal | None:
    """Return the refusal a reply carries, or None when it reports success."""
    response = reply.get("_response")
    if response is None:
        return None
    response = str(response)
    value = reply.get("_response_value", reply.get("response_value"))
    if response in SUCCESS_RESPONSES and value in (None, "SUCCESS", True):
        return None
    for gate, gate_text in GATE_ERRORS.items():
        if response.startswith(gate):
            return Refusal(gate, gate_text)
    if response in EA_LIMITS:
        return Refusal(response, EA_LIMITS[response])
    text = MQL_ERRORS.get(response)
    if text is None and response.isdigit() and 10004 <= int(response) <= 10050:
        text = retcodes.describe(int(response))  # an MT5 retcode from the MQL5 expert advisor
    detail = str(value) if value not in (None, "") else None
    message = ": ".join(dict.fromkeys(p for p in (text or response.replace("_", " ").lower(), detail) if p))
    return Refusal(response, message)


def venue_errors(reply: dict[str, Any]) -> list[Refusal]:
    """Every failure a reply reports, in order, from its repeated ``_response`` keys.

    The stock EA appends ``'_response': '<code>', '_response_value': '<text>'``
    for each failed attempt inside a reply that may still end in ``SUCCESS``;
    ``'0'``/``'1'`` (no error) and the closing success words are skipped.
    """
    pairs = getattr(reply, "pairs", None) or list(reply.items())
    found: list[Refusal] = []
    for index, (key, value) in enumerate(pairs):
        if key != "_response":
            continue
        code = str(value)
        if not (code.isdigit() and code not in ("0", "1")) and code not in FAILURE_WORDS:
            continue
        text = None
        follower = pairs[index + 1] if index + 1 < len(pairs) else None
        if follower is not None and follower[0] in ("_response_value", "response_value"):
            text = str(follower[1])
        described = MQL_ERRORS.get(code) or (code.replace("_", " ").lower() if not code.isdigit() else None)
        message = ": ".join(dict.fromkeys(p for p in (described, text) if p)) or f"error {code}"
        found.append(Refusal(code, message))
    return found


def _get(reply: dict[str, Any], key: str, kind: type, what: str) -> Any:
    if key not in reply:
        raise BadPayload(f"{what} reply lacks {key!r}: {reply!r:.160}")
    try:
        return kind(reply[key])
    except (TypeError, ValueError):
        raise BadPayload(f"{what} reply has a bad {key!r}: {reply[key]!r}") from None


def parse_server_time(text: object) -> datetime:
    """Parse MetaTrader's ``YYYY.MM.DD HH:MM[:SS]`` (naive, server time); ``BadPayload`` otherwise."""
    if isinstance(text, str):
        for fmt in ("%Y.%m.%d %H:%M:%S", "%Y.%m.%d %H:%M"):
            try:
                return datetime.strptime(text, fmt)  # noqa: DTZ007  (the server's wall clock: naive by design)
            except ValueError:
                continue
    raise BadPayload(f"bad MetaTrader time {text!r} (expected YYYY.MM.DD HH:MM[:SS])")


@dataclass(frozen=True, slots=True)
class Execution:
    ticket: int
    open_price: float
    sl: float
    tp: float
    open_time: datetime | None


def parse_execution(reply: dict[str, Any]) -> Execution:
    """Schema of a successful ``EXECUTION`` (open or modify) reply."""
    opened = reply.get("_open_time")
    return Execution(
        ticket=_get(reply, "_ticket", int, "EXECUTION"),
        open_price=float(reply.get("_open_price", 0.0) or 0.0),
        sl=float(reply.get("_sl", 0.0) or 0.0),
        tp=float(reply.get("_tp", 0.0) or 0.0),
        open_time=parse_server_time(opened) if opened else None,
    )


@dataclass(frozen=True, slots=True)
class Closed:
    ticket: int
    close_price: float
    close_lots: float
    response: str


def parse_close(reply: dict[str, Any]) -> Closed:
    return Closed(
        ticket=_get(reply, "_ticket", int, "CLOSE"),
        close_price=float(reply.get("_close_price", 0.0) or 0.0),
        close_lots=float(reply.get("_close_lots", 0.0) or 0.0),
        response=str(reply.get("_response", "")),
    )


@dataclass(frozen=True, slots=True)
class OpenTrade:
    ticket: int
    magic: int
    symbol: str
    lots: float
    op_type: int
    open_price: float
    open_time: datetime | None
    sl: float
    tp: float
    pnl: float
    comment: str


def parse_open_trades(reply: dict[str, Any]) -> list[OpenTrade]:
    """Schema of an ``OPEN_TRADES`` reply (``_trades``: ticket → fields)."""
    trades = reply.get("_trades")
    if not isinstance(trades, dict):
        raise BadPayload(f"OPEN_TRADES reply lacks a '_trades' dict: {reply!r:.160}")
    out = []
    for ticket, fields in trades.items():
        if not isinstance(fields, dict):
            raise BadPayload(f"OPEN_TRADES entry {ticket!r} is not a dict")
        what = f"OPEN_TRADES[{ticket}]"
        opened = fields.get("_open_time")
        out.append(
            OpenTrade(
                ticket=int(ticket),
                magic=_get(fields, "_magic", int, what),
                symbol=_get(fields, "_symbol", str, what),
                lots=_get(fields, "_lots", float, what),
                op_type=_get(fields, "_type", int, what),
                open_price=_get(fields, "_open_price", float, what),
                open_time=parse_server_time(opened) if opened else None,
                sl=float(fields.get("_SL", 0.0) or 0.0),
                tp=float(fields.get("_TP", 0.0) or 0.0),
                pnl=float(fields.get("_pnl", 0.0) or 0.0),
                comment=str(fields.get("_comment", "")),
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class HistRow:
    time: datetime
    open: float
    high: float
    low: float
    close: float
    tick_volume: float


def parse_hist(reply: dict[str, Any]) -> list[HistRow]:
    data = reply.get("_data")
    if not isinstance(data, list):
        raise BadPayload(f"HIST reply lacks a '_data' list: {reply!r:.160}")
    rows = []
    for item in data:
        if not isinstance(item, dict):
            raise BadPayload("HIST row is not a dict")
        rows.append(
            HistRow(
                parse_server_time(item.get("time")),
                _get(item, "open", float, "HIST"),
                _get(item, "high", float, "HIST"),
                _get(item, "low", float, "HIST"),
                _get(item, "close", float, "HIST"),
                float(item.get("tick_volume", 0) or 0),
            )
        )
    return rows


def parse_price(message: str) -> tuple[str, float, float]:
    """Parse a stream line ``SYMBOL:|:bid;ask`` into (symbol, bid, ask)."""
    symbol, sep, body = message.partition(STREAM_DELIMITER)
    if not sep or not symbol:
        raise BadPayload(f"price message lacks {STREAM_DELIMITER!r}: {message[:80]!r}")
    fields = body.split(";")
    if len(fields) != 2:
        raise BadPayload(f"price message is not 'bid;ask': {message[:80]!r}")
    try:
        bid, ask = float(fields[0]), float(fields[1])
    except ValueError:
        raise BadPayload(f"price message has non-numbers: {message[:80]!r}") from None
    return symbol, bid, ask
