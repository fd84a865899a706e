"""The report as one self-contained HTML file: inline CSS, inline SVG, no script, no external resource."""

from __future__ import annotations

import html
import os
import tempfile
from pathlib import Path
from typing import Any

from engine.figure_text import figure_text, shown_value
from engine.htmlreport import charts
from engine.htmlreport.data import Report, balance_curve
from engine.instruments import SPECS
from engine.trade_schema import NUMERIC, Kind, TradeField, View, fields
from engine.values import TradeRecord, iso

VERDICT_TEXT = {"edge": "edge", "no_evidence": "no evidence", "negative_edge": "negative edge"}
ACCOUNT_FIGURES = (
    ("net_profit", "Net profit", "money"),
    ("total_trades", "Trades", "int"),
    ("win_rate", "Win rate", "pct01"),
    ("profit_factor", "Profit factor", "ratio"),
    ("expected_payoff", "Expected payoff", "money"),
    ("total_pips", "Pips", "pips"),
    ("gross_profit", "Gross profit", "money"),
    ("gross_loss", "Gross loss", "money"),
    ("max_drawdown", "Max drawdown", "money"),
    ("max_drawdown_pct", "Max drawdown %", "pct"),
    ("recovery_factor", "Recovery factor", "ratio"),
    ("sharpe", "Sharpe (per trade)", "ratio"),
    ("largest_win", "Largest win", "money"),
    ("largest_loss", "Largest loss", "money"),
    ("max_consecutive_wins", "Max consecutive wins", "int"),
    ("max_consecutive_losses", "Max consecutive losses", "int"),
)

CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px auto;max-width:1180px;
color:#222;background:#fff;padding:0 16px}
h1{font-size:22px;margin:0 0 2px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
h3{font-size:15px;margin:18px 0 4px}.muted{color:#777}.figures{display:grid;grid-template-columns:repeat(4,1fr);
gap:6px 18px}.figures div{display:flex;justify-content:space-between;border-bottom:1px dotted #e3e3e3}
table{border-collapse:collapse;width:100%;font-size:12.5px}th,td{padding:3px 6px;border-bottom:1px solid #eee;
text-align:right;white-space:nowrap}th{background:#f5f5f5;position:sticky;top:0}td.l,th.l{text-align:left}
.pos{color:#1a7f37}.neg{color:#c62828}.verdict{font-weight:600;padding:1px 8px;border-radius:10px}
.v-edge{background:#d8f3dc;color:#1a7f37}.v-no_evidence{background:#eeeeee;color:#555}
.v-negative_edge{background:#fde2e1;color:#c62828}.chart svg{max-width:100%;height:auto}
.trades{max-height:640px;overflow:auto;border:1px solid #eee}td.wrap{white-space:normal;min-width:220px}
"""


def _ci(pair: list[float] | None, fmt: str) -> str:
    return "" if not pair else f'<br><span class="muted">{format(pair[0], fmt)} … {format(pair[1], fmt)}</span>'


def _sign_class(value: Any) -> str:
    if value is None:
        return ""
    return "pos" if float(value) > 0 else "neg" if float(value) < 0 else ""


def _account_section(report: Report) -> str:
    account = report.input.account
    cur = account.currency
    cells = [
        ("Initial balance", figure_text(account.initial_balance, "money", cur)),
        ("Balance", figure_text(account.balance, "money", cur)),
        ("Equity", figure_text(account.equity, "money", cur)),
    ]
    for key, label, kind in ACCOUNT_FIGURES:
        cells.append((label, figure_text(shown_value(report.figures, key), kind, cur if kind == "money" else "")))
    items = "".join(f"<div><span class=muted>{html.escape(k)}</span><b>{html.escape(v)}</b></div>" for k, v in cells)
    return f'<h2>Account</h2><div class="figures">{items}</div>'


def _sources_table(report: Report) -> str:
    cur = report.input.account.currency
    if not report.stats:
        return "<p class=muted>No signals in this journal.</p>"
    rows = []
    for source, s in report.stats.items():
        verdict = s["verdict"]
        rows.append(
            f"<tr><td class=l>{html.escape(source)}</td><td>{s['trades']}</td>"
            f"<td>{figure_text(s['win_rate'], 'pct01')}"
            f"{_ci(s['win_rate_ci'] and [100 * v for v in s['win_rate_ci']], '.1f')}</td>"
            f"<td class='{_sign_class(s['expectancy'])}'>{figure_text(s['expectancy'], 'money', cur)}"
            f"{_ci(s['expectancy_ci'], ',.2f')}</td>"
            f"<td>{figure_text(s['expectancy_pips'], 'pips')}{_ci(s['expectancy_pips_ci'], '+.1f')}</td>"
            f"<td>{figure_text(s['profit_factor'], 'ratio')}</td><td>{figure_text(s['average_r'], 'ratio')}</td>"
            f"<td>{figure_text(s['max_drawdown'], 'money', cur)}</td>"
            f"<td class='l wrap'><span class='verdict v-{verdict}' title='{html.escape(s['verdict_reason'])}'>"
            f"{VERDICT_TEXT[verdict]}</span><br><span class=muted>{html.escape(s['verdict_reason'])}</span></td></tr>"
        )
    head = (
        "<tr><th class=l>Source</th><th>Trades</th><th>Win rate<br>95 % CI (Wilson)</th>"
        "<th>Expectancy<br>95 % CI (bootstrap)</th><th>Expectancy, pips<br>95 % CI</th><th>Profit factor</th>"
        "<th>Average R</th><th>Max drawdown</th><th class=l>Verdict</th></tr>"
    )
    return f"<table>{head}{''.join(rows)}</table>"


def _cell(field: TradeField, trade: TradeRecord) -> str:
    """The text of ``field`` of ``trade`` (by its kind): prices on the symbol's digits, pips signed
    to 0.1, money with thousands separators, times ISO 8601 UTC."""
    value = field.value(trade)
    if value is None:
        return ""
    kind = field.kind
    if kind is Kind.PRICE:
        spec = SPECS.get(trade.symbol)
        return f"{value:.{spec.digits if spec else 5}f}"
    if kind in (Kind.SIDE, Kind.ENUM):
        return html.escape(str(value.value))
    if kind is Kind.PIPS:
        return f"{value:+.1f}"
    if kind is Kind.MONEY:
        return f"{value:,.2f}"
    if kind is Kind.TIME:
        return iso(value) or ""
    return html.escape(str(value))


def _trades_table(trades: list[TradeRecord], sources: dict[int, str]) -> str:
    """The trades as rows of ``engine.trade_schema``'s ``TABLE`` fields, then each trade's source."""
    columns = fields(View.TABLE)
    align = ["" if f.kind in NUMERIC else " class=l" for f in columns]
    head = "".join(f"<th{a}>{html.escape(f.label)}</th>" for f, a in zip(columns, align, strict=True))
    rows = []
    for t in trades:
        net = t.net
        colour = "pos" if net > 0 else "neg" if net < 0 else ""
        cells = "".join(
            f"<td{' class=' + colour if f.name == 'net' and colour else a}>{_cell(f, t)}</td>"
            for f, a in zip(columns, align, strict=True)
        )
        source = "manual" if t.signal_id is None else sources.get(t.signal_id, "signal")
        rows.append(f"<tr>{cells}<td class=l>{html.escape(source)}</td></tr>")
    return f"<table><tr>{head}<th class=l>Source</th></tr>{''.join(rows)}</table>"


def render_html(report: Report) -> str:
    """The whole report as one HTML document (module docstring)."""
    data = report.input
    account = data.account
    closed = report.closed
    times, balance = balance_curve(closed, account.initial_balance)
    sources = {s.id: s.source for s in data.signals if s.id is not None}
    per_source = f"<h3>Calibration and R-multiples</h3><div class=chart>{charts.sources_svg(report.stats)}</div>"
    scatter = charts.excursions_svg(
        [t.mae_pips for t in closed], [t.mfe_pips for t in closed], [t.net > 0 for t in closed]
    )
    period = f"{iso(closed[0].open_time)} to {iso(closed[-1].close_time)}" if closed else "no closed trades"
    trades = sorted(data.trades, key=lambda t: t.id)
    return "".join(
        (
            "<!DOCTYPE html><html lang=en><head><meta charset=utf-8>",
            "<meta name=viewport content='width=device-width, initial-scale=1'>",
            f"<title>{html.escape(data.title)}</title><style>{CSS}</style></head><body>",
            f"<h1>{html.escape(data.title)}</h1>",
            (
                f"<p class=muted>{html.escape(data.subtitle)} · {len(closed):,} closed trades, {html.escape(period)} · "
                f"generated {iso(report.generated_at)}</p>"
            ),
            _account_section(report),
            f"<h2>Equity and drawdown</h2><div class=chart>{charts.equity_svg(times, balance, account.currency)}</div>",
            "<h2>Signal report per source</h2>",
            (
                "<p class=muted>Results are net of costs. Verdict: <b>edge</b> when at least 10 closed trades "
                "and the 95 % bootstrap interval of the expectancy lies above 0; <b>negative edge</b> when it lies "
                "below 0; otherwise <b>no evidence</b>.</p>"
            ),
            _sources_table(report),
            per_source,
            f"<h2>MFE / MAE</h2><div class=chart>{scatter}</div>",
            f"<h2>Trades ({len(trades):,})</h2><div class=trades>{_trades_table(trades, sources)}</div>",
            "</body></html>",
        )
    )


def write_report(report: Report, path: str | Path) -> Path:
    """Write the report to ``path`` atomically (a temporary file in the same folder, then a rename)."""
    target = Path(path)
    text = render_html(report)
    fd, tmp = tempfile.mkstemp(prefix=".report-", suffix=".html", dir=target.parent if str(target.parent) else ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)  # a document to share, not a secret (mkstemp makes it 0600)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
