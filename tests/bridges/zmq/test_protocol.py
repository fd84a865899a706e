"""DWX command building, points conversion and reply parsing."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridges.zmq import protocol
from engine.errors import BadPayload, ValidationError
from engine.values import Side


def test_trade_command_matches_reference_layout():
    command = protocol.trade_command(
        "OPEN", op_type=0, symbol="EURUSD", sl_points=500, tp_points=500, comment="comment", lots=0.01, magic=123456
    )
    assert command == "TRADE;OPEN;0;EURUSD;0.0;500;500;comment;0.01;123456;0"


def test_trade_command_refuses_separator_in_comment():
    with pytest.raises(ValidationError) as err:
        protocol.trade_command("OPEN", comment="a;b")
    assert err.value.field == "comment"


def test_hist_and_track_commands():
    start, end = datetime(2020, 1, 1), datetime(2020, 6, 1)
    assert (
        protocol.hist_command("EURUSD", 1440, start, end) == "HIST;EURUSD;1440;2020.01.01 00:00:00;2020.06.01 00:00:00"
    )
    assert protocol.track_prices_command(["EURUSD", "GBPUSD"]) == "TRACK_PRICES;EURUSD;GBPUSD"


@pytest.mark.parametrize(
    ("side", "ref", "sl", "tp", "point", "expected"),
    [
        (Side.BUY, 1.10010, 1.09510, 1.10510, 0.00001, (500, 500)),
        (Side.SELL, 151.200, 151.700, 150.200, 0.001, (500, 1000)),
        (Side.BUY, 1.10010, None, 1.10110, 0.00001, (0, 100)),
        (Side.SELL, 1.2650, 1.2660, None, 0.00001, (100, 0)),
    ],
)
def test_stop_points_converts_levels_to_points(side, ref, sl, tp, point, expected):
    assert protocol.stop_points(side, ref, sl, tp, point) == expected


@pytest.mark.parametrize(
    ("side", "sl", "tp", "field"),
    [
        (Side.BUY, 1.2, None, "sl"),
        (Side.BUY, None, 1.0, "tp"),
        (Side.SELL, 1.0, None, "sl"),
    ],
)
def test_stop_points_wrong_side_names_field(side, sl, tp, field):
    with pytest.raises(ValidationError) as err:
        protocol.stop_points(side, 1.1, sl, tp, 0.00001)
    assert err.value.field == field and err.value.code == "invalid_stops"


def test_parse_execution_reply():
    reply = protocol.parse_reply(
        "{'_action': 'EXECUTION', '_symbol': 'EURUSD', '_magic': 123456, '_ticket': 85051741, "
        "'_open_time': '2019.08.02 10:17:00', '_open_price': 1.10939000, '_sl': 1.10439000, '_tp': 1.11439000}"
    )
    execution = protocol.parse_execution(reply)
    assert execution.ticket == 85051741 and execution.sl == 1.10439
    assert execution.open_time == datetime(2019, 8, 2, 10, 17)
    assert protocol.refusal_of(reply) is None


def test_parse_open_trades_reply():
    reply = protocol.parse_reply(
        "{'_action': 'OPEN_TRADES', '_trades': {85051741: {'_magic': 123456, '_symbol': 'EURUSD', "
        "'_lots': 0.01, '_type': 0, '_open_price': 1.10939, '_open_time': '2019.08.02 10:17:00', "
        "'_SL': 0.0, '_TP': 0.0, '_pnl': -0.06, '_comment': 'dwx-zeromq'}}}"
    )
    (trade,) = protocol.parse_open_trades(reply)
    assert (trade.ticket, trade.magic, trade.lots, trade.comment) == (85051741, 123456, 0.01, "dwx-zeromq")


@pytest.mark.parametrize(
    ("reply", "code", "words"),
    [
        ({"_action": "EXECUTION", "_response": "134", "response_value": "not enough money"}, "134", "not enough money"),
        ({"_response": "TRADE_CONTEXT_BUSY__ABORTED_COMMAND"}, "TRADE_CONTEXT_BUSY", "busy"),
        ({"_response": "TRADING_IS_NOT_ALLOWED__ABORTED_COMMAND"}, "TRADING_IS_NOT_ALLOWED", "Algo Trading"),
        (
            {"_action": "EXECUTION", "_response": "LOT_SIZE_ERROR", "response_value": "MAX_LOT_SIZE_EXCEEDED"},
            "LOT_SIZE_ERROR",
            "raise MaximumLotSize",
        ),
        (
            {
                "_action": "EXECUTION",
                "_response": "NUM_ORDERS_ERROR",
                "response_value": "MAX_NUMBER_OF_ORDERS_EXCEEDED",
            },
            "NUM_ORDERS_ERROR",
            "raise MaximumOrders",
        ),
        ({"_action": "CLOSE", "_ticket": 1, "_response": "NOT_FOUND"}, "NOT_FOUND", "not found"),
    ],
)
def test_refusal_of_error_replies(reply, code, words):
    refusal = protocol.refusal_of(reply)
    assert refusal is not None and refusal.code == code and words in refusal.message


def test_refusal_of_close_success_is_none():
    assert (
        protocol.refusal_of(
            {"_action": "CLOSE", "_ticket": 1, "_response": "CLOSE_MARKET", "_response_value": "SUCCESS"}
        )
        is None
    )


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "{'_action': 'EXECUTION', '_ticket': oops",
        "__import__('os').system('true')",
        "[1, 2, 3]",
        "{'a': 1",
        "not a dict at all",
        "{'_action': 'EXECUTION'}" + "x",
    ],
)
def test_parse_reply_garbage_raises_bad_payload(text):
    with pytest.raises(BadPayload):
        protocol.parse_reply(text)


def test_parse_execution_without_ticket_is_bad_payload():
    with pytest.raises(BadPayload, match="_ticket"):
        protocol.parse_execution({"_action": "EXECUTION"})


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=200))
def test_parse_reply_any_text_returns_dict_or_bad_payload(text):
    try:
        assert isinstance(protocol.parse_reply(text), dict)
    except BadPayload:
        pass


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("EURUSD:|:1.108450;1.108470", ("EURUSD", 1.10845, 1.10847)),
        ("USDJPY.m:|:151.200000;151.212000", ("USDJPY.m", 151.2, 151.212)),
    ],
)
def test_parse_price_stream(message, expected):
    assert protocol.parse_price(message) == expected


@pytest.mark.parametrize("message", ["EURUSD 1.1;1.2", "EURUSD:|:1.1", "EURUSD:|:a;b", ":|:1;2"])
def test_parse_price_garbage(message):
    with pytest.raises(BadPayload):
        protocol.parse_price(message)


def test_refusal_of_mt5_retcode_from_mql5_ea():
    refusal = protocol.refusal_of({"_action": "EXECUTION", "_response": "10019", "response_value": "No money"})
    assert refusal.code == "10019" and "not enough money" in refusal.message and not refusal.retryable
    assert protocol.refusal_of({"_action": "EXECUTION", "_response": "10004"}).retryable


# What the stock EA really sends (strings built as its MQL4 builds them).
STOCK_FAILED_CLOSE = (
    "{'_action': 'CLOSE', '_ticket': 85051741, '_response': '132', '_response_value': "
    "'market is closed', '_response': '0', '_response_value': 'no error', '_response': '132', "
    "'_response_value': 'market is closed', '_response': '0', '_response_value': 'no error', "
    "'_response': '132', '_response_value': 'market is closed', '_response': '0', "
    "'_response_value': 'no error', '_response': 'CLOSE_MARKET', '_response_value': 'SUCCESS'}"
)


def test_failed_close_of_the_stock_ea_parses_as_success_but_keeps_its_error_codes():
    reply = protocol.parse_reply(STOCK_FAILED_CLOSE)
    assert protocol.refusal_of(reply) is None and "_close_price" not in reply  # what fooled the old bridge
    errors = protocol.venue_errors(reply)
    assert [e.code for e in errors] == ["132", "132", "132"] and errors[0].message == "market is closed"
    assert reply.pairs[2] == ("_response", "132") and len(reply.pairs) == 16


def test_open_trades_with_a_quote_in_a_comment_is_repaired():
    text = (
        "{'_action': 'OPEN_TRADES', '_trades': {85051742: {'_magic': 1, '_symbol': 'EURUSD', '_lots': "
        "0.01000000, '_type': 0, '_open_price': 1.10000000, '_open_time': '2026.11.24 14:00:00', '_SL': "
        "0.00000000, '_TP': 0.00000000, '_pnl': 0.00000000, '_comment': 'Bob's}, EA'}, 85051741: {'_magic': "
        "2, '_symbol': 'EURUSD', '_lots': 0.10000000, '_type': 1, '_open_price': 1.10000000, '_open_time': "
        "'2026.11.24 14:00:00', '_SL': 0.00000000, '_TP': 0.00000000, '_pnl': 0.00000000, '_comment': 'pt:7'}}}"
    )
    trades = {t.ticket: t for t in protocol.parse_open_trades(protocol.parse_reply(text))}
    assert trades[85051742].comment == "Bob's}, EA" and trades[85051741].comment == "pt:7"


def test_stock_ea_non_dma_open_reply_is_unparseable():
    with pytest.raises(BadPayload, match="malformed"):
        protocol.parse_reply(
            "{'_action': 'EXECUTION', '_symbol': 'EURUSD', '_magic': 1, '_ticket': 5, "
            "'_open_time': '2026.11.24 14:00:00', '_open_price': 1.10000000}}"
        )


def test_refusal_of_ea_that_set_no_stops_after_a_fill():
    reply = protocol.parse_reply(
        "{'_action': 'EXECUTION', '_symbol': 'EURUSD', '_magic': 1, '_ticket': 5, '_open_time': "
        "'2026.11.24 14:00:00', '_open_price': 1.10010000, '_response': '130', '_response_value': "
        "'invalid stops', '_sl_attempted': 1.10010, '_tp_attempted': 1.10510, '_response': 'ERROR_SETTING_SL_TP'}"
    )
    assert protocol.refusal_of(reply).code == "ERROR_SETTING_SL_TP"
    assert [e.code for e in protocol.venue_errors(reply)] == ["130", "ERROR_SETTING_SL_TP"]
