"""Trade server return codes (``OrderSendResult.retcode``) and what they mean.

Values are MQL5's ``TRADE_RETCODE_*``, identical in the MetaTrader5 package.
``order_check`` answers 0 when the request would pass.
"""

from __future__ import annotations

CHECK_OK = 0
REQUOTE = 10004
REJECT = 10006
CANCEL = 10007
PLACED = 10008
DONE = 10009
DONE_PARTIAL = 10010
ERROR = 10011
TIMEOUT = 10012
INVALID = 10013
INVALID_VOLUME = 10014
INVALID_PRICE = 10015
INVALID_STOPS = 10016
TRADE_DISABLED = 10017
MARKET_CLOSED = 10018
NO_MONEY = 10019
PRICE_CHANGED = 10020
PRICE_OFF = 10021
NO_CHANGES = 10025
CLIENT_DISABLES_AT = 10027
INVALID_FILL = 10030
CONNECTION = 10031
POSITION_CLOSED = 10036

#: Codes meaning the request was carried out.
SUCCESS = frozenset({PLACED, DONE, DONE_PARTIAL, NO_CHANGES})
#: Codes worth retrying at a fresh price (within the allowed deviation).
RETRY_AT_NEW_PRICE = frozenset({REQUOTE, PRICE_CHANGED, PRICE_OFF})
#: Codes after which the request may still have been carried out: look before reporting a refusal.
UNCERTAIN = frozenset({ERROR, TIMEOUT, CONNECTION})


def uncertain(code: int) -> bool:
    """True for a retcode that does not say whether the request was executed (or one we do not know)."""
    return code in UNCERTAIN or code not in _TEXT


_TEXT = {
    10004: ("requote", "requote: the price changed"),
    10006: ("reject", "request rejected by the trade server"),
    10007: ("cancel", "request cancelled by the trader"),
    10008: ("placed", "order placed"),
    10009: ("done", "request completed"),
    10010: ("done_partial", "only part of the request was completed"),
    10011: ("error", "request processing error"),
    10012: ("timeout", "request cancelled by timeout"),
    10013: ("invalid", "invalid request"),
    10014: ("invalid_volume", "invalid volume in the request"),
    10015: ("invalid_price", "invalid price in the request"),
    10016: ("invalid_stops", "invalid stops (SL/TP) in the request"),
    10017: ("trade_disabled", "trading is disabled for this account or symbol"),
    10018: ("market_closed", "the market is closed"),
    10019: ("no_money", "not enough money to complete the request"),
    10020: ("price_changed", "prices changed"),
    10021: ("price_off", "no quotes to process the request"),
    10022: ("invalid_expiration", "invalid order expiration date"),
    10023: ("order_changed", "order state changed"),
    10024: ("too_many_requests", "too frequent requests"),
    10025: ("no_changes", "no changes in the request"),
    10026: ("server_disables_at", "auto-trading disabled by the server"),
    10027: ("client_disables_at", "auto-trading disabled in the terminal"),
    10028: ("locked", "request locked for processing"),
    10029: ("frozen", "order or position frozen"),
    10030: ("invalid_fill", "invalid order filling type"),
    10031: ("connection", "no connection with the trade server"),
    10032: ("only_real", "operation allowed only for live accounts"),
    10033: ("limit_orders", "the number of pending orders reached the limit"),
    10034: ("limit_volume", "the volume of orders and positions reached the limit"),
    10035: ("invalid_order", "incorrect or prohibited order type"),
    10036: ("position_closed", "the position is already closed"),
}


def retcode_name(code: int) -> str:
    """Short machine name of a retcode (``no_money``), or ``retcode_<n>`` when unknown."""
    return _TEXT.get(code, (f"retcode_{code}", ""))[0]


def describe(code: int, server_comment: str | None = None) -> str:
    """Readable message: our text, then the server's own comment when it adds something."""
    text = _TEXT.get(code, (None, f"trade server answered retcode {code}"))[1]
    if server_comment and server_comment.lower() not in text.lower():
        return f"{text} ({server_comment})"
    return text
