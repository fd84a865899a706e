"""The bundled expert advisors: the MQL4 and MQL5 versions speak the same protocol.

MQL cannot be compiled here, so the sources are read: both handle the same
commands, build replies with the same keys, send every key the bridge reads,
and the MQL4 one does not shadow MQL4's predefined names (``Open[]``,
``Close[]``, ``Digits``…), which would not compile.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

MQL = Path(__file__).resolve().parents[2] / "resources" / "mql"
MQ4, MQ5 = MQL / "PaperTerminalBridge.mq4", MQL / "PaperTerminalBridge.mq5"
#: Reply keys the bridge reads (bridges/zmq/protocol.py, clock_probe.py, feed.py).
READ_BY_BRIDGE = {
    "_action",
    "_response",
    "_response_value",
    "response_value",
    "_ticket",
    "_open_time",
    "_open_price",
    "_sl",
    "_tp",
    "_close_price",
    "_close_lots",
    "_trades",
    "_magic",
    "_symbol",
    "_lots",
    "_type",
    "_SL",
    "_TP",
    "_pnl",
    "_comment",
    "_data",
    "error_symbols",
    "time",
    "open",
    "high",
    "low",
    "close",
    "tick_volume",
    "_server_time",
    "_gmt_time",
    "_server_clock",
}
MQL4_PREDEFINED = {"Open", "Close", "High", "Low", "Time", "Volume", "Digits", "Point", "Bid", "Ask", "Bars"}


def source(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    return re.sub(r"//[^\n]*", "", text)  # without comments


def commands(text: str) -> set[str]:
    return set(re.findall(r'(?:parts\[0\]|action) [!=]= "([A-Z_]+)"', text))


def reply_keys(text: str) -> set[str]:
    literals = re.findall(r'"((?:[^"\\]|\\.)*)"', text)
    return {key for literal in literals for key in re.findall(r"'([A-Za-z_]+)':", literal)}


def test_both_versions_exist_and_speak_the_dwx_protocol():
    for path in (MQ4, MQ5):
        text = source(path)
        assert "Zmq/Zmq.mqh" in text and ":|:" in text
        assert {
            "HEARTBEAT",
            "TRACK_PRICES",
            "HIST",
            "TRADE",
            "OPEN",
            "MODIFY",
            "CLOSE",
            "CLOSE_PARTIAL",
            "GET_OPEN_TRADES",
        } <= commands(text)


def test_mq4_and_mq5_handle_the_same_commands():
    assert commands(source(MQ4)) == commands(source(MQ5))


def test_mq4_and_mq5_reply_with_the_same_keys():
    assert reply_keys(source(MQ4)) == reply_keys(source(MQ5))


@pytest.mark.parametrize("path", [MQ4, MQ5], ids=["mq4", "mq5"])
def test_every_key_the_bridge_reads_is_sent(path):
    assert reply_keys(source(path)) >= READ_BY_BRIDGE


def test_mq4_defines_no_function_named_like_an_mql4_predefined_variable():
    defined = set(
        re.findall(
            r"^\s*(?:string|int|double|bool|void|ENUM_TIMEFRAMES|datetime)\s+(\w+)\s*\(", source(MQ4), re.MULTILINE
        )
    )
    assert not defined & MQL4_PREDEFINED


def test_mq4_uses_mql4_trade_functions_only():
    text = source(MQ4)
    assert "CTrade" not in text and "PositionSelect" not in text and "Trade/Trade.mqh" not in text
    for call in ("OrderSend(", "OrderModify(", "OrderClose(", "OrderDelete(", "OrderSelect("):
        assert call in text


@pytest.mark.parametrize("path", [MQ4, MQ5], ids=["mq4", "mq5"])
def test_a_close_is_reported_done_only_with_its_close_price(path):
    text = source(path)
    for statement in re.findall(r"return[^;]*'CLOSE_MARKET'[^;]*;", text):
        assert "_close_price" in statement
