"""Loading price and signal files: every bad file is refused with its line and reason."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from engine.replay.files import FileFormatError, load_prices
from engine.replay.signals import DEFAULT_LOTS, load_signals
from engine.values import OrderType, Side

GOOD_BARS = (
    "time,open,high,low,close\n"
    "2024-03-04T10:00:00Z,1.1,1.1002,1.0998,1.1001\n"
    "2024-03-04T10:01:00Z,1.1001,1.1003,1.0999,1.1002\n"
    "2024-03-04T10:02:00Z,1.1002,1.1004,1.1,1.1003\n"
)


def _write(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def _refused(path, symbol="EURUSD"):
    with pytest.raises(FileFormatError) as caught:
        load_prices(path, symbol)
    return caught.value


def test_load_prices_good_bars_keeps_columns_as_numpy(tmp_path):
    data = load_prices(_write(tmp_path, GOOD_BARS), "eurusd")
    series = data.series["EURUSD"]
    assert data.kind == "bars" and data.bar_seconds == 60 and len(series) == 3
    assert isinstance(series.close, np.ndarray) and series.close[-1] == 1.1003
    assert series.times[1] - series.times[0] == 60 * 10**9


def test_load_prices_unix_seconds_and_offsets_are_utc(tmp_path):
    text = "time,bid,ask\n1709546400,1.1,1.1001\n2024-03-04T11:00:30+01:00,1.1,1.1002\n"
    data = load_prices(_write(tmp_path, text), "EURUSD")
    times = data.series["EURUSD"].times
    assert data.kind == "ticks"
    assert times[0] == pd.Timestamp("2024-03-04T10:00:00Z").value
    assert times[1] == pd.Timestamp("2024-03-04T10:00:30Z").value


def test_load_prices_missing_columns_names_them(tmp_path):
    error = _refused(_write(tmp_path, "time,open,close\n2024-03-04,1,1\n"))
    assert error.field == "high" and "missing column(s) high, low" in error.message


def test_load_prices_missing_time_column_is_refused(tmp_path):
    error = _refused(_write(tmp_path, "open,high,low,close\n1,1,1,1\n"))
    assert error.field == "time" and "missing column 'time'" in error.message


def test_load_prices_unsorted_times_name_the_line(tmp_path):
    lines = GOOD_BARS.splitlines()
    text = "\n".join([lines[0], lines[2], lines[1], lines[3]]) + "\n"
    error = _refused(_write(tmp_path, text))
    assert error.line == 3 and error.field == "time" and "earlier than the previous" in error.message


def test_load_prices_duplicate_times_name_the_line(tmp_path):
    text = GOOD_BARS + "2024-03-04T10:02:00Z,1.1002,1.1004,1.1,1.1003\n"
    error = _refused(_write(tmp_path, text))
    assert error.line == 5 and "duplicate time" in error.message


def test_load_prices_non_numeric_value_names_line_and_column(tmp_path):
    text = GOOD_BARS.replace("1.1001,1.1003", "abc,1.1003")
    error = _refused(_write(tmp_path, text))
    assert (error.line, error.field) == (3, "open") and "'abc' is not a number" in error.message


def test_load_prices_blank_value_is_refused(tmp_path):
    text = GOOD_BARS + "2024-03-04T10:03:00Z,1.1,,1.0998,1.1001\n"
    error = _refused(_write(tmp_path, text))
    assert (error.line, error.field) == (5, "high") and "(blank)" in error.message


@pytest.mark.parametrize(
    ("row", "field", "words"),
    [
        ("1.1,1.0990,1.1000,1.0995", "high", "below low"),
        ("1.1,1.1001,1.0990,1.1005", "high", "below max(open"),
        ("1.1,1.1010,1.1001,1.1005", "low", "above min(open"),
    ],
)
def test_load_prices_inconsistent_bar_names_the_rule(tmp_path, row, field, words):
    error = _refused(_write(tmp_path, GOOD_BARS + f"2024-03-04T10:03:00Z,{row}\n"))
    assert (error.line, error.field) == (5, field) and words in error.message


def test_load_prices_negative_price_is_refused(tmp_path):
    error = _refused(_write(tmp_path, "time,bid,ask\n2024-03-04,-1,1\n"))
    assert error.field == "bid" and "positive" in error.message


def test_load_prices_ask_below_bid_is_refused(tmp_path):
    error = _refused(_write(tmp_path, "time,bid,ask\n2024-03-04,1.1,1.09\n"))
    assert error.field == "ask" and error.line == 2


def test_load_prices_unknown_symbol_column_value_names_line(tmp_path):
    text = "time,symbol,bid,ask\n2024-03-04T10:00Z,EURUSD,1.1,1.1001\n2024-03-04T10:00Z,FOOBAR,1,1\n"
    error = _refused(_write(tmp_path, text), symbol=None)
    assert (error.line, error.field) == (3, "symbol") and "FOOBAR" in error.message


def test_load_prices_without_symbol_needs_one(tmp_path):
    error = _refused(_write(tmp_path, GOOD_BARS), symbol=None)
    assert error.field == "symbol" and "--symbol" in error.message
    assert _refused(_write(tmp_path, GOOD_BARS), symbol="XXXYYY").code == "unknown_symbol"


def test_load_prices_bad_time_names_line(tmp_path):
    error = _refused(_write(tmp_path, GOOD_BARS.replace("2024-03-04T10:01:00Z", "yesterday")))
    assert (error.line, error.field) == (3, "time") and "ISO 8601" in error.message


def test_load_prices_symbol_column_splits_series_each_sorted(tmp_path):
    text = (
        "time,symbol,bid,ask\n2024-03-04T10:00Z,EURUSD,1.1,1.1001\n"
        "2024-03-04T10:00Z,GBPUSD,1.27,1.2702\n2024-03-04T10:01Z,EURUSD,1.1001,1.1002\n"
    )
    data = load_prices(_write(tmp_path, text))
    assert list(data.series) == ["EURUSD", "GBPUSD"]
    assert len(data.series["EURUSD"]) == 2 and data.series["GBPUSD"].ask[0] == 1.2702
    only = load_prices(_write(tmp_path, text), "GBPUSD")
    assert list(only.series) == ["GBPUSD"]


def test_load_prices_parquet_errors_name_the_row(tmp_path):
    frame = pd.DataFrame(
        {
            "time": pd.to_datetime(["2024-03-04 10:00", "2024-03-04 09:00"], utc=True),
            "bid": [1.1, 1.1],
            "ask": [1.1001, 1.1001],
        }
    )
    path = tmp_path / "ticks.parquet"
    frame.to_parquet(path)
    error = _refused(path)
    assert error.line == 2 and "row 2" in error.message


def test_load_prices_prices_are_rounded_to_symbol_digits(tmp_path):
    text = "time,bid,ask\n2024-03-04,1.1000000001,1.1001000004\n"
    series = load_prices(_write(tmp_path, text), "EURUSD").series["EURUSD"]
    assert (series.open[0], series.ask[0]) == (1.1, 1.1001)


# -- signals ------------------------------------------------------------------------

SIGNAL_HEADER = "time,symbol,side,sl,tp,lots,risk_percent,order_type,price,confidence,source\n"


def test_load_signals_reads_every_column_and_sorts_by_time(tmp_path):
    text = (
        SIGNAL_HEADER
        + "2024-03-04T10:05:00Z,eurusd,SELL,1.11,1.09,,1.5,limit,1.1050,0.7,model-a\n"
        + "1709546400,GBPUSD,buy,1.26,1.29,0.25,,,,,\n"
    )
    later, earlier = load_signals(_write(tmp_path, text, "s.csv"))[::-1]
    assert (earlier.line, earlier.symbol, earlier.side, earlier.lots) == (3, "GBPUSD", Side.BUY, Decimal("0.25"))
    assert earlier.order_type is OrderType.MARKET and earlier.source == "replay"
    assert later.side is Side.SELL and later.risk_percent == 1.5 and later.lots is None
    assert (later.order_type, later.price, later.confidence, later.source) == (OrderType.LIMIT, 1.105, 0.7, "model-a")


def test_load_signals_without_size_trades_default_lots(tmp_path):
    text = "time,symbol,side,sl,tp\n2024-03-04T10:00Z,EURUSD,buy,,\n"
    [signal] = load_signals(_write(tmp_path, text, "s.csv"))
    assert signal.lots == DEFAULT_LOTS == Decimal("0.10") and signal.sl is None


@pytest.mark.parametrize(
    ("row", "field", "words"),
    [
        ("2024-03-04,EURUSD,hold,1.09,1.11,,,,,,", "side", "must be buy or sell"),
        ("2024-03-04,FOOBAR,buy,1.09,1.11,,,,,,", "symbol", "unknown symbol"),
        ("2024-03-04,EURUSD,buy,x,1.11,,,,,,", "sl", "not a number"),
        ("2024-03-04,EURUSD,buy,1.09,1.11,0.1,1,,,,", "risk_percent", "not both"),
        ("2024-03-04,EURUSD,buy,,1.11,,1,,,,", "sl", "needs an SL"),
        ("2024-03-04,EURUSD,buy,1.09,1.11,,,,1.1,,", "price", "market order takes no price"),
        ("2024-03-04,EURUSD,buy,1.09,1.11,-1,,,,,", "lots", "outside 0.01"),
        ("2024-03-04,EURUSD,buy,1.09,1.11,,,limit,,,", "price", "needs a price"),
        ("2024-03-04,EURUSD,buy,1.09,1.11,,,twap,,,", "order_type", "market, limit or stop"),
        ("2024-03-04,EURUSD,buy,1.09,1.11,,,,,1.5,", "confidence", "0..1"),
        ("soon,EURUSD,buy,1.09,1.11,,,,,,", "time", "ISO 8601"),
    ],
)
def test_load_signals_bad_row_names_line_field_and_reason(tmp_path, row, field, words):
    good = "2024-03-04,EURUSD,buy,1.09,1.11,,,,,,\n"
    with pytest.raises(FileFormatError) as caught:
        load_signals(_write(tmp_path, SIGNAL_HEADER + good + row + "\n", "s.csv"))
    assert (caught.value.line, caught.value.field) == (3, field)
    assert words in caught.value.message and "line 3" in caught.value.message


def test_load_signals_missing_column_is_refused(tmp_path):
    with pytest.raises(FileFormatError) as caught:
        load_signals(_write(tmp_path, "time,symbol,side,sl\n2024-03-04,EURUSD,buy,1\n", "s.csv"))
    assert caught.value.field == "tp" and "missing column(s) tp" in caught.value.message


def test_load_signals_missing_file_is_refused(tmp_path):
    with pytest.raises(FileFormatError) as caught:
        load_signals(tmp_path / "nope.csv")
    assert caught.value.code == "not_found"


def _big_bars(tmp_path, rows=30_000):
    times = pd.date_range("2024-01-01", periods=rows, freq="1min", tz="UTC")
    close = np.round(1.1 + np.cumsum(np.random.default_rng(3).standard_normal(rows)) * 1e-4, 5)
    frame = pd.DataFrame(
        {
            "time": times.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "open": close,
            "high": close + 0.0002,
            "low": close - 0.0002,
            "close": close,
        }
    )
    path = tmp_path / "big.csv"
    frame.to_csv(path, index=False)
    return path


def test_load_prices_big_csv_reads_fast_path_and_keeps_line_numbers(tmp_path):
    path = _big_bars(tmp_path)
    assert path.stat().st_size > (1 << 20)
    assert len(load_prices(path, "EURUSD").series["EURUSD"]) == 30_000
    lines = path.read_text().splitlines()
    lines[20_000] = lines[20_000].split(",")[0] + ",1.1,oops,1.0,1.1"
    path.write_text("\n".join(lines) + "\n")
    error = _refused(path)
    assert (error.line, error.field) == (20_001, "high") and "'oops'" in error.message


def test_load_prices_big_csv_with_ragged_row_names_the_line(tmp_path):
    path = _big_bars(tmp_path)
    lines = path.read_text().splitlines()
    lines[500] += ",extra"
    path.write_text("\n".join(lines) + "\n")
    error = _refused(path)
    assert "line 501" in error.message and error.field == "path"
