"""Broker symbol suffix mapping."""

from __future__ import annotations

import pytest

from bridges.mt5.symbols import SymbolMap, canonical_of, match_broker_symbol
from engine.errors import ValidationError

BROKER = ["EURUSD.m", "EURUSD.pro", "GBPUSDm", "m.USDJPY", "XAUUSD", "EURUSDX-LONGNAME"]


@pytest.mark.parametrize(
    ("canonical", "suffix", "expected"),
    [
        ("EURUSD", ".pro", "EURUSD.pro"),  # configured suffix wins
        ("EURUSD", "", "EURUSD.m"),  # shortest decoration
        ("GBPUSD", "", "GBPUSDm"),
        ("USDJPY", "", "m.USDJPY"),  # prefix decoration
        ("XAUUSD", ".m", "XAUUSD"),  # exact when suffixed name is absent
    ],
)
def test_match_broker_symbol_decorations_resolve(canonical, suffix, expected):
    assert match_broker_symbol(canonical, BROKER, suffix) == expected


def test_match_broker_symbol_explicit_map_wins():
    assert match_broker_symbol("EURUSD", BROKER, ".m", {"EURUSD": "EURUSD.pro"}) == "EURUSD.pro"


def test_match_broker_symbol_explicit_map_to_missing_names_field():
    with pytest.raises(ValidationError) as err:
        match_broker_symbol("EURUSD", BROKER, "", {"EURUSD": "EURUSD.ecn"})
    assert err.value.field == "mirror_symbol_map" and "EURUSD.ecn" in err.value.message


def test_match_broker_symbol_unknown_raises_with_field():
    with pytest.raises(ValidationError) as err:
        match_broker_symbol("AUDNZD", BROKER)
    assert err.value.field == "symbols" and err.value.code == "unknown_symbol"
    assert "AUDNZD" in err.value.message


def test_symbol_map_learns_both_directions():
    mapping = SymbolMap(suffix=".m")
    assert mapping.learn(["EURUSD", "USDJPY"], BROKER) == {"EURUSD": "EURUSD.m", "USDJPY": "m.USDJPY"}
    assert mapping.to_broker("EURUSD") == "EURUSD.m"
    assert mapping.to_canonical("m.USDJPY") == "USDJPY"
    assert mapping.to_canonical("GBPUSDm") == "GBPUSD"  # never learnt: derived from known instruments
    assert canonical_of("WEIRD") == "WEIRD"
