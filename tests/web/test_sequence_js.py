"""The web page's ordering of live messages by ``seq`` (resources/web/js/sequence.js), run in Node.

A message older than, or the same as, the last one applied about its subject
is dropped; messages about different subjects, or that are not ordered
(pong, error), always pass; one event's messages (same number) about two
subjects both pass.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

NODE = shutil.which("node")
MODULE = Path(__file__).resolve().parents[2] / "resources" / "web" / "js" / "sequence.js"

pytestmark = pytest.mark.skipif(NODE is None, reason="needs Node.js to run the page's modules")

SCRIPT = """
import { SequenceFilter, subjectOf } from %s;
const filter = new SequenceFilter();
const messages = JSON.parse(process.argv[1]);
const accepted = messages.map((m) => filter.accept(m));
console.log(JSON.stringify({ accepted, subjects: messages.map(subjectOf), dropped: filter.dropped }));
"""


def run(messages: list[dict]) -> dict:
    script = SCRIPT % json.dumps(MODULE.as_uri())
    done = subprocess.run(
        [NODE, "--input-type=module", "-e", script, json.dumps(messages)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def price(seq: int, symbol: str = "EURUSD") -> dict:
    return {"type": "price_update", "seq": seq, "data": {"symbol": symbol}}


def test_sequence_filter_drops_duplicates_and_late_messages_per_subject():
    messages = [
        price(10),
        price(12),
        price(11),  # late: a newer EURUSD price was applied
        price(12),  # the same message again (a reconnect's overlap)
        price(11, "GBPUSD"),  # another subject: its own order
        {"type": "trade_closed", "seq": 13, "data": {"id": 7}},
        {"type": "trade_modified", "seq": 13, "data": {"id": 3}},  # the same event, another trade: kept
        {"type": "trade_execution", "seq": 9, "data": {"id": 7}},  # older news of trade 7
        {"type": "account_update", "seq": 12, "data": {}},
        {"type": "account_update", "seq": 12, "data": {}},
        {"type": "pong", "seq": 5, "data": {}},  # replies are not ordered
        {"type": "signal_alert", "seq": 14, "data": {"id": 1}},
        {"type": "feed_status", "seq": 14, "data": {"feeds": []}},
    ]
    result = run(messages)
    assert result["accepted"] == [True, True, False, False, True, True, True, False, True, False, True, True, True]
    assert result["dropped"] == 4
    assert result["subjects"][:2] == ["price:EURUSD", "price:EURUSD"] and result["subjects"][10] is None


def test_sequence_filter_accepts_a_message_without_seq():
    assert run([price(10), {"type": "price_update", "data": {"symbol": "EURUSD"}}])["accepted"] == [True, True]
