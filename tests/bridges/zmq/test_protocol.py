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
    command = protocol.trade_command("OPEN", op_type=0, symbol="EURUSD", sl_points=500, tp_points=500,
                                     comment="comment", lots=0.01, magic=123456)
    assert command == "TRADE;OPEN;0;EURUSD;0.0;500;500;comment;0.01;123456;0"


def test_trade_command_refuses_separator_in_comment():
    with pytest.raises(ValidationError) as err:
        protocol.trade_command("OPEN", comment="a;b")
    assert err.value.field == "comment"


def test_hist_and_track_commands():
    start, end = datetime(2020, 1, 1), datetime(2020, 6, 1)
    assert protocol.hist_command("EURUSD", 1440, start, end) == \
        "HIST;EURUSD;1440;2020.01.01 00:00:00;2020.06.01 00:00:00"
    assert protocol.track_prices_command(["EURUSD", "GBPUSD"]) == "TRACK_PRICES;EURUSD;GBPUSD"


@pytest.mark.parametrize(("side", "ref", "sl", "tp", "point", "expected"), [
    (Side.BUY, 1.10010, 1.09510, 1.10510, 0.00001, (500, 500)),
    (Side.SELL, 151.200, 151.700, 150.200, 0.001, (500, 1000)),
    (Side.BUY, 1.10010, None, 1.10110, 0.00001, (0, 100)),
    (Side.SELL, 1.2650, 1.2660, None, 0.00001, (100, 0)),
])
def test_stop_points_converts_levels_to_points(side, ref, sl, tp, point, expected):
    assert protocol.stop_points(side, ref, sl, tp, point) == expected


@pytest.mark.parametrize(("side", "sl", "tp", "field"), [
    (Side.BUY, 1.2, None, "sl"), (Side.BUY, None, 1.0, "tp"), (Side.SELL, 1.0, None, "sl"),
])
def test_stop_points_wrong_side_names_field(side, sl, tp, field):
    with pytest.raises(ValidationError) as err:
        protocol.stop_points(side, 1.1, sl, tp, 0.00001)
    assert err.value.field == field and err.value.code == "invalid_stops"


def test_parse_execution_reply():
    reply = protocol.parse_reply(
        "{'_action': 'EXECUTION', '_symbol': 'EURUSD', '_magic': 123456, '_ticket': 85051741, "
        "'_open_time': '2019.08.02 10:17:00', '_open_price': 1.10939000, '_sl': 1.10439000, '_tp': 1.11439000}")
    execution = protocol.parse_execution(reply)
    assert execution.ticket == 85051741 and execution.sl == 1.10439
    assert execution.open_time == datetime(2019, 8, 2, 10, 17)
    assert protocol.refusal_of(reply) is None


def test_parse_open_trades_reply():
    reply = protocol.parse_reply(
        "{'_action': 'OPEN_TRADES', '_trades': {85051741: {'_magic': 123456, '_symbol': 'EURUSD', "
        "'_lots': 0.01, '_type': 0, '_open_price': 1.10939, '_open_time': '2019.08.02 10:17:00', "
        "'_SL': 0.0, '_TP': 0.0, '_pnl': -0.06, '_comment': 'dwx-zeromq'}}}")
    (trade,) = protocol.parse_open_trades(reply)
    assert (trade.ticket, trade.magic, trade.lots, trade.comment) == (85051741, 123456, 0.01, "dwx-zeromq")


@pytest.mark.parametrize(("reply", "code", "words"), [
    ({"_action": "EXECUTION", "_response": "134", "response_value": "not enough money"}, "134", "not enough money"),
    ({"_response": "TRADE_CONTEXT_BUSY__ABORTED_COMMAND"}, "TRADE_CONTEXT_BUSY", "busy"),
    ({"_response": "TRADING_IS_NOT_ALLOWED__ABORTED_COMMAND"}, "TRADING_IS_NOT_ALLOWED", "Algo Trading"),
    ({"_action": "EXECUTION", "_response": "LOT_SIZE_ERROR", "response_value": "MAX_LOT_SIZE_EXCEEDED"},
     "LOT_SIZE_ERROR", "MAX_LOT_SIZE_EXCEEDED"),
    ({"_action": "CLOSE", "_ticket": 1, "_response": "NOT_FOUND"}, "NOT_FOUND", "not found"),
])
def test_refusal_of_error_replies(reply, code, words):
    refusal = protocol.refusal_of(reply)
    assert refusal is not None and refusal.code == code and words in refusal.message


def test_refusal_of_close_success_is_none():
    assert protocol.refusal_of({"_action": "CLOSE", "_ticket": 1, "_response": "CLOSE_MARKET",
                                "_response_value": "SUCCESS"}) is None


@pytest.mark.parametrize("text", [
    "", "   ", "{'_action': 'EXECUTION', '_ticket': oops", "__import__('os').system('true')",
    "[1, 2, 3]", "{'a': 1", "not a dict at all", "{'_action': 'EXECUTION'}" + "x",
])
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


@pytest.mark.parametrize(("message", "expected"), [
    ("EURUSD:|:1.108450;1.108470", ("EURUSD", 1.10845, 1.10847)),
    ("USDJPY.m:|:151.200000;151.212000", ("USDJPY.m", 151.2, 151.212)),
])
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
