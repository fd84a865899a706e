"""Loading and validation of recorded price files (bars or ticks) for replay.

A price file is CSV or Parquet with a header. Column names are matched
case-insensitively; the time column may be called ``time``, ``timestamp``,
``datetime`` or ``date`` (or be the unnamed first column, as pandas writes an
index). Two shapes are accepted:

- bars: ``time,open,high,low,close[,volume]`` — bid prices, ``time`` the open
  time of the bar;
- ticks: ``time,bid,ask``.

A ``symbol`` column holds the symbol of each row; without one the caller must
name the symbol. Times are ISO 8601 (UTC unless an offset is given) or unix
seconds, inside ``engine.bounds``' supported range. Prices are positive,
below ``engine.bounds.MAX_PRICE`` and still positive once rounded to the
symbol's digits. Per symbol, times must be strictly increasing.

The data stay as numpy columns (times as int64 nanoseconds since the epoch,
UTC): no object per row is created, so memory is the size of the columns.
Every rule that fails raises ``FileFormatError`` naming the line (CSV: the
header is line 1, so row ``i`` is line ``i + 2``; Parquet: ``row i + 1``), the
column and the reason.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from engine.bounds import MAX_PRICE, TIME_MAX, TIME_MAX_NS, TIME_MIN, TIME_MIN_NS, TIME_RANGE_TEXT
from engine.errors import ValidationError
from engine.instruments import SPECS

log = logging.getLogger(__name__)

PYARROW_MIN_BYTES = 1 << 20
TIME_ALIASES = ("time", "timestamp", "datetime", "date")
BAR_COLUMNS = ("open", "high", "low", "close")
TICK_COLUMNS = ("bid", "ask")


class FileFormatError(ValidationError):
    """A replay input file breaks a rule; ``line`` is the offending line (or None)."""

    def __init__(
        self, message: str, field: str | None = None, line: int | None = None, code: str = "invalid_file"
    ) -> None:
        super().__init__(message, field=field, code=code)
        self.line = line


@dataclass(frozen=True, slots=True, eq=False)
class PriceColumns:
    """Prices of one symbol as numpy columns, oldest first.

    ``times`` are int64 nanoseconds since the epoch (UTC). For bars, ``open``,
    ``high``, ``low``, ``close`` are bid prices and ``ask`` is None; for ticks
    ``open`` = ``high`` = ``low`` = ``close`` is the bid array and ``ask`` the
    ask array. ``volume`` is None when the file has none.
    """

    symbol: str
    times: np.ndarray
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    ask: np.ndarray | None = None
    volume: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.times.shape[0])


@dataclass(frozen=True, slots=True, eq=False)
class PriceData:
    """A loaded price file: ``kind`` is ``"bars"`` or ``"ticks"``; one series per symbol.

    ``bar_seconds`` is the bar length (the median gap between bar times of the
    first symbol; 60 when that cannot be measured); None for ticks.
    """

    kind: str
    series: dict[str, PriceColumns]
    bar_seconds: int | None

    @property
    def rows(self) -> int:
        return sum(len(s) for s in self.series.values())


class RowLocator:
    """Turns a row index into the words a user needs to find it in the file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.csv = path.suffix.lower() not in (".parquet", ".pq")

    def line(self, row: int) -> int:
        return row + 2 if self.csv else row + 1

    def where(self, row: int) -> str:
        return f"{self.path.name} line {row + 2}" if self.csv else f"{self.path.name} row {row + 1}"

    def error(self, row: int, field: str | None, reason: str) -> FileFormatError:
        return FileFormatError(f"{self.where(row)}: {reason}", field=field, line=self.line(row))


def _read_csv(path: Path) -> pd.DataFrame:
    """Read a CSV: pyarrow's parser for big files (several times faster), else pandas' own,
    which also reads what pyarrow refuses and names the line of a malformed row."""
    if path.stat().st_size > PYARROW_MIN_BYTES:
        try:
            return pd.read_csv(path, engine="pyarrow")
        except (ValueError, OSError) as exc:  # pyarrow.lib.ArrowInvalid is a ValueError
            log.debug("pyarrow could not read %s (%s); using pandas' parser", path.name, exc)
    return pd.read_csv(path, skipinitialspace=True, low_memory=False)


def read_table(path: str | Path) -> tuple[pd.DataFrame, RowLocator]:
    """Read a CSV or Parquet file with lower-cased, stripped column names."""
    path = Path(path)
    if path.is_dir():
        raise FileFormatError(f"{path}: is a directory, not a CSV or Parquet file", field="path", code="not_a_file")
    if not path.is_file():
        raise FileFormatError(f"{path}: no such file", field="path", code="not_found")
    locator = RowLocator(path)
    try:
        frame = _read_csv(path) if locator.csv else pd.read_parquet(path)
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        raise FileFormatError(
            f"{path.name}: cannot be read as {'CSV' if locator.csv else 'Parquet'}: {exc}", field="path"
        ) from exc
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    if len(frame.columns) and frame.columns[0] in ("", "unnamed: 0") and "time" not in frame.columns:
        frame = frame.rename(columns={frame.columns[0]: "time"})
    for alias in TIME_ALIASES[1:]:
        if "time" not in frame.columns and alias in frame.columns:
            frame = frame.rename(columns={alias: "time"})
    return frame, locator


def parse_times(column: pd.Series, loc: RowLocator, field: str = "time") -> np.ndarray:
    """Parse a time column into int64 UTC nanoseconds.

    Numbers are unix seconds (fractions allowed); text is ISO 8601, taken as
    UTC unless it carries an offset. A blank or unreadable value raises
    ``FileFormatError`` naming its line.
    """
    if pd.api.types.is_numeric_dtype(column.dtype) and not pd.api.types.is_bool_dtype(column.dtype):
        column = column.astype("float64")
        seconds = column.to_numpy()
        bad_mask = ~np.isfinite(seconds)
        if bad_mask.any():
            bad = int(np.flatnonzero(bad_mask)[0])
            raise loc.error(
                bad, field, f"{field} {_shown(column.iloc[bad])} is not a unix time in seconds or an ISO 8601 time"
            )
        _check_seconds_range(seconds, column, loc, field)
        return np.round(seconds * 1e9).astype("int64")
    if pd.api.types.is_datetime64_any_dtype(column.dtype):
        parsed = column.dt.tz_localize("UTC") if column.dt.tz is None else column.dt.tz_convert("UTC")
    else:
        text = column.astype("string").str.strip()
        numeric = pd.to_numeric(text, errors="coerce")
        is_number = numeric.notna().to_numpy()
        parsed = pd.to_datetime(text.where(~is_number), utc=True, format="ISO8601", errors="coerce")
        if is_number.any():
            seconds = numeric.to_numpy(dtype="float64", na_value=np.nan)
            _check_seconds_range(np.where(is_number, seconds, 0.0), column, loc, field)
            from_numbers = pd.to_datetime(np.where(is_number, seconds, 0.0) * 1e9, utc=True)
            parsed = parsed.where(~is_number, pd.Series(from_numbers, index=parsed.index))
    bad_mask = parsed.isna().to_numpy()
    if bad_mask.any():
        bad = int(np.flatnonzero(bad_mask)[0])
        raise loc.error(bad, field, f"{field} {_shown(column.iloc[bad])} is not an ISO 8601 time or unix seconds")
    outside = ((parsed < pd.Timestamp(TIME_MIN)) | (parsed >= pd.Timestamp(TIME_MAX))).to_numpy()
    if outside.any():
        bad = int(np.flatnonzero(outside)[0])
        raise loc.error(
            bad, field, f"{field} {_shown(column.iloc[bad])} is outside the supported range {TIME_RANGE_TEXT}"
        )
    ns: np.ndarray = parsed.dt.as_unit("ns").astype("int64").to_numpy()
    return ns


def _check_seconds_range(seconds: np.ndarray, column: pd.Series, loc: RowLocator, field: str) -> None:
    """Refuse unix seconds outside ``engine.bounds``' supported range (before they become nanoseconds)."""
    outside = (seconds < TIME_MIN_NS / 1e9) | (seconds >= TIME_MAX_NS / 1e9)
    if outside.any():
        bad = int(np.flatnonzero(outside)[0])
        raise loc.error(
            bad,
            field,
            f"{field} {_shown(column.iloc[bad])} (unix seconds) is outside the supported range {TIME_RANGE_TEXT}",
        )


def parse_numbers(
    frame: pd.DataFrame,
    name: str,
    loc: RowLocator,
    *,
    positive: bool = True,
    optional: bool = False,
    limit: float | None = None,
) -> np.ndarray:
    """Return column ``name`` as float64.

    A blank cell is an error unless ``optional`` (then it is NaN); text that is
    not a number, infinities, (when ``positive``) values ≤ 0 and (with
    ``limit``) values ≥ ``limit`` are errors.
    """
    raw = frame[name]
    if pd.api.types.is_numeric_dtype(raw.dtype) and not pd.api.types.is_bool_dtype(raw.dtype):
        values = raw.to_numpy(dtype="float64", na_value=np.nan)
    else:
        values = pd.to_numeric(raw.astype("string").str.strip(), errors="coerce").to_numpy(
            dtype="float64", na_value=np.nan
        )
    bad_mask = ~np.isfinite(values)
    if optional:
        bad_mask &= ~raw.isna().to_numpy()
    if bad_mask.any():
        bad = int(np.flatnonzero(bad_mask)[0])
        raise loc.error(bad, name, f"{name} {_shown(raw.iloc[bad])} is not a number")
    if positive:
        nonpositive = values <= 0
        if nonpositive.any():
            bad = int(np.flatnonzero(nonpositive)[0])
            raise loc.error(bad, name, f"{name} {plain(values[bad])} must be positive")
    if limit is not None:
        too_big = values >= limit
        if too_big.any():
            bad = int(np.flatnonzero(too_big)[0])
            raise loc.error(bad, name, f"{name} {plain(values[bad])} must be below {limit:g}")
    return np.require(values, requirements="W")  # a view of the frame may be read-only


def plain(value: object) -> str:
    """A number as a user writes it (``-1.0``, ``1e+308``), never numpy's ``np.float64(-1.0)``."""
    return repr(float(value))  # type: ignore[arg-type]


def _shown(value: object) -> str:
    """Quote a cell for an error message; a missing cell reads as 'blank'."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return "(blank)"
    text = str(value).strip()
    return "(blank)" if text == "" else repr(text)


def _check_increasing(times: np.ndarray, rows: np.ndarray, loc: RowLocator, symbol: str) -> None:
    if times.shape[0] < 2:
        return
    gaps = np.diff(times)
    bad_mask = gaps <= 0
    if bad_mask.any():
        k = int(np.flatnonzero(bad_mask)[0]) + 1
        what = "duplicate time" if gaps[k - 1] == 0 else "time is earlier than the previous row's"
        stamp = pd.Timestamp(int(times[k]), tz="UTC").isoformat()
        raise loc.error(int(rows[k]), "time", f"{what} ({stamp}) for {symbol}: times must be strictly increasing")


def _check_bars(o: np.ndarray, h: np.ndarray, low: np.ndarray, c: np.ndarray, loc: RowLocator) -> None:
    checks = (
        (h < low, "high", "high {h} is below low {l}"),
        (h < np.maximum(o, c), "high", "high {h} is below max(open {o}, close {c})"),
        (low > np.minimum(o, c), "low", "low {l} is above min(open {o}, close {c})"),
    )
    for mask, field, template in checks:
        if mask.any():
            k = int(np.flatnonzero(mask)[0])
            raise loc.error(k, field, template.format(o=plain(o[k]), h=plain(h[k]), l=plain(low[k]), c=plain(c[k])))


def _symbols(frame: pd.DataFrame, symbol: str | None, loc: RowLocator) -> tuple[np.ndarray | None, list[str]]:
    """Return the upper-cased symbol of every row and the distinct symbols in file order.

    A file without a symbol column holds ``symbol`` alone: the rows' symbols are then None
    (every row), not a per-row array.
    """
    if "symbol" in frame.columns:
        column = frame["symbol"].astype(str).str.strip().str.upper().to_numpy()
        distinct = list(pd.unique(column))
        for name in distinct:
            if name not in SPECS:
                k = int(np.flatnonzero(column == name)[0])
                raise loc.error(k, "symbol", f"unknown symbol {name!r}")
        return column, distinct
    if not symbol:
        raise FileFormatError(
            f"{loc.path.name}: the file has no symbol column; give --symbol", field="symbol", code="missing_symbol"
        )
    name = symbol.strip().upper()
    if name not in SPECS:
        raise FileFormatError(f"unknown symbol {symbol!r}", field="symbol", code="unknown_symbol")
    return None, [name]


def _release_arrow_memory() -> None:
    """Give back to the system the memory Arrow kept after reading a Parquet file.

    Arrow's allocator keeps freed blocks for reuse; after the file's columns became numpy
    arrays nothing reuses them, and they would stay in the process as large as the file.
    """
    try:
        import pyarrow
    except ImportError:  # CSV-only installs: nothing was allocated by Arrow
        return
    pyarrow.default_memory_pool().release_unused()


def load_prices(path: str | Path, symbol: str | None = None) -> PriceData:
    """Load and validate a bar or tick file (see the module docstring).

    ``symbol`` names the symbol of a file without a ``symbol`` column; for a
    file with one it selects that symbol's rows.
    """
    frame, loc = read_table(path)
    columns = set(frame.columns)
    if "time" not in columns:
        raise FileFormatError(
            f"{loc.path.name}: missing column 'time' (found: {', '.join(frame.columns) or 'none'})",
            field="time",
            code="missing_column",
        )
    if set(BAR_COLUMNS) <= columns:
        kind = "bars"
    elif set(TICK_COLUMNS) <= columns:
        kind = "ticks"
    else:
        missing = [c for c in BAR_COLUMNS if c not in columns]
        raise FileFormatError(
            f"{loc.path.name}: missing column(s) {', '.join(missing)} (bars need time,open,high,"
            f"low,close; ticks need time,bid,ask)",
            field=missing[0],
            code="missing_column",
        )
    if frame.empty:
        raise FileFormatError(f"{loc.path.name}: the file holds no rows", field="time", code="empty_file")
    row_symbols, distinct = _symbols(frame, symbol, loc)
    if symbol and "symbol" in columns:
        wanted = symbol.strip().upper()
        if wanted not in distinct:
            raise FileFormatError(
                f"{loc.path.name}: no rows for symbol {wanted}", field="symbol", code="unknown_symbol"
            )
        distinct = [wanted]
    times = parse_times(frame["time"], loc)
    names = BAR_COLUMNS if kind == "bars" else TICK_COLUMNS
    values = {name: parse_numbers(frame, name, loc, limit=MAX_PRICE) for name in names}
    volume = (
        parse_numbers(frame, "volume", loc, positive=False, optional=True)
        if kind == "bars" and "volume" in columns
        else None
    )
    if kind == "bars":
        _check_bars(values["open"], values["high"], values["low"], values["close"], loc)
    else:
        crossed = values["ask"] < values["bid"]
        if crossed.any():
            k = int(np.flatnonzero(crossed)[0])
            raise loc.error(k, "ask", f"ask {plain(values['ask'][k])} is below bid {plain(values['bid'][k])}")
    del frame
    _release_arrow_memory()
    series: dict[str, PriceColumns] = {}
    for name in distinct:
        rows = (
            np.arange(len(times))
            if len(distinct) == 1 and "symbol" not in columns
            else np.flatnonzero(row_symbols == name)
        )
        whole = rows.shape[0] == times.shape[0]

        def pick(array: np.ndarray, whole: bool = whole, rows: np.ndarray = rows) -> np.ndarray:
            return array if whole else array[rows]

        sym_times = pick(times)
        digits = SPECS[name].digits  # prices carry the symbol's digits
        for column in names:
            array = values[column]
            if whole:
                np.round(array, digits, out=array)
            else:
                array[rows] = np.round(array[rows], digits)
            _check_rounded(array if whole else array[rows], rows, column, digits, name, loc)
        _check_increasing(sym_times, rows, loc, name)
        if kind == "bars":
            series[name] = PriceColumns(
                name,
                sym_times,
                pick(values["open"]),
                pick(values["high"]),
                pick(values["low"]),
                pick(values["close"]),
                None,
                None if volume is None else pick(volume),
            )
        else:
            bid = pick(values["bid"])
            series[name] = PriceColumns(name, sym_times, bid, bid, bid, bid, pick(values["ask"]))
    return PriceData(kind, series, _bar_seconds(series) if kind == "bars" else None)


def _check_rounded(
    prices: np.ndarray, rows: np.ndarray, column: str, digits: int, symbol: str, loc: RowLocator
) -> None:
    """Refuse prices that became 0 when rounded to the symbol's digits (``1e-300`` is not a price)."""
    zero = prices <= 0
    if zero.any():
        k = int(np.flatnonzero(zero)[0])
        raise loc.error(int(rows[k]), column, f"{column} rounds to 0 at {symbol}'s {digits} digits")


def _bar_seconds(series: dict[str, PriceColumns]) -> int:
    first = next(iter(series.values()))
    if len(first) < 2:
        return 60
    gap = float(np.median(np.diff(first.times[:10_001]))) / 1e9
    return max(1, int(math.floor(gap + 0.5)))
