"""Budget planner: capacities of the free plans and assignment in priority order."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from datafeeds.aggregator.build import provider_infos
from datafeeds.aggregator.planner import capacity, cost_per_window, plan
from datafeeds.providers.base import Capabilities, ProviderLimits
from datafeeds.providers.twelvedata import TwelveDataProvider
from datafeeds.providers.yahoo import YahooProvider

MAJORS = ["EURUSD", "GBPUSD", "USDJPY", "USDCHF", "AUDUSD", "USDCAD", "NZDUSD"]


@pytest.mark.parametrize(
    ("interval", "expected"),
    [
        (60, {"yahoo": 30, "twelvedata": 0, "finnhub": 54, "alphavantage": 0}),
        (5, {"yahoo": 2, "twelvedata": 0, "finnhub": 4, "alphavantage": 0}),
        # Every symbol is polled at once: a poll must fit in one minute's budget too.
        (120, {"yahoo": 54, "twelvedata": 1, "finnhub": 54, "alphavantage": 0}),
        (3600, {"yahoo": 54, "twelvedata": 7, "finnhub": 54, "alphavantage": 0}),
    ],
)
def test_capacity_of_free_plans(interval, expected):
    got = {i.name: capacity(i.limits, i.capabilities, interval) for i in provider_infos()}
    assert got == expected


def test_alphavantage_carries_one_symbol_at_most_every_3928_seconds():
    info = next(i for i in provider_infos() if i.name == "alphavantage")
    # 25/day × 0.9 → 22 requests; ceil(86400 / 3928) = 22 polls fit, ceil(86400 / 3927) = 23 do not.
    assert capacity(info.limits, info.capabilities, 3928) == 1
    assert capacity(info.limits, info.capabilities, 3927) == 0


def test_twelvedata_batch_costs_one_credit_per_symbol():
    caps = TwelveDataProvider.capabilities
    assert caps.quote_cost(8) == 8 and caps.quote_cost(9) == 9
    assert cost_per_window(caps, 3, 60, 86_400) == 3 * 1440


def test_plan_assigns_in_priority_order_and_reports_uncovered():
    symbols = [f"{s}" for s in MAJORS] * 1
    result = plan(symbols, 5, provider_infos())
    assert result.assignment == {
        "EURUSD": "yahoo",
        "GBPUSD": "yahoo",
        "USDJPY": "finnhub",
        "USDCHF": "finnhub",
        "AUDUSD": "finnhub",
        "USDCAD": "finnhub",
    }
    assert result.uncovered == ("NZDUSD",) and not result.carried
    assert not result.provider("finnhub").reliable


def test_plan_without_keys_uses_yahoo_only():
    result = plan(MAJORS, 60, provider_infos(with_keys=[]))
    assert set(result.assignment.values()) == {"yahoo"} and result.carried
    assert "TWELVEDATA_API_KEY" in result.provider("twelvedata").reason


def test_plan_respects_custom_priority_and_unsupported_symbols():
    result = plan(
        ["XAUUSD", "EURUSD"],
        60,
        provider_infos(symbols=["XAUUSD"]),
        priority=("yahoo", "twelvedata", "finnhub", "alphavantage"),
    )
    assert result.assignment == {"EURUSD": "yahoo", "XAUUSD": "finnhub"}


def test_plan_rejects_non_positive_interval():
    with pytest.raises(ValueError):
        plan(MAJORS, 0, provider_infos())


def test_plan_as_dict_is_json_ready():
    import json

    data = plan(MAJORS, 60, provider_infos()).as_dict()
    assert json.loads(json.dumps(data))["providers"][0]["name"] == "yahoo"


@settings(max_examples=60, deadline=None)
@given(interval=st.floats(min_value=1, max_value=7200), per_minute=st.integers(1, 100), per_day=st.integers(1, 5000))
def test_capacity_never_exceeds_any_limit(interval, per_minute, per_day):
    limits = ProviderLimits(per_minute=per_minute, per_day=per_day)
    caps = Capabilities(batch_size=8, cost_per_symbol=True)
    n = capacity(limits, caps, interval, reserve=0.0)
    assert cost_per_window(caps, n, interval, 60) <= per_minute
    assert cost_per_window(caps, n, interval, 86_400) <= per_day
    bigger = n + 1
    assert (
        cost_per_window(caps, bigger, interval, 60) > per_minute
        or cost_per_window(caps, bigger, interval, 86_400) > per_day
    )


def test_yahoo_budget_is_marked_self_imposed():
    assert YahooProvider.limits.official is False and YahooProvider.limits.per_hour == 2000
