// Dashboard: the account, the performance figures (GET trades/performance/), the equity and
// drawdown curves, and the per-source signal report (GET signals/stats/: win rate and expectancy
// with their confidence intervals, verdicts). A route the server lacks is shown as not available.

import { get } from "./api.js";
import { on, state } from "./store.js";
import { el, errorSlot, fmt, money, onThemeChange, themeColours, toSeconds } from "./ui.js";

let root, figures, perfBox, report, slot;
let equityChart = null, drawdownChart = null, balanceLine, equityLine, drawdownLine;
let visible = false;
let timer = null;

export function init(container) {
  root = container;
  figures = el("dl", { className: "figures", id: "account-figures" });
  perfBox = el("dl", { className: "figures", id: "performance-figures" });
  slot = errorSlot("dashboard-error");
  report = el("div", { id: "signal-report", className: "scroll" });
  root.append(el("h2", {}, "Account"), figures, el("h2", {}, "Performance"), perfBox, slot,
    el("div", { className: "curves" },
      el("div", {}, el("h2", {}, "Equity and balance"), el("div", { id: "equity-curve", className: "curve" })),
      el("div", {}, el("h2", {}, "Drawdown (from the balance's running high)"), el("div", { id: "drawdown-curve", className: "curve" }))),
    el("h2", {}, "Signal report per source"), report);
  on("tab", (id) => { visible = id === "tab-dashboard"; if (visible) load(); });
  on("account_update", () => { if (visible) showAccount(); });
  on("trade_closed", () => { if (visible) { clearTimeout(timer); timer = setTimeout(load, 500); } });
  onThemeChange(() => { for (const chart of [equityChart, drawdownChart]) if (chart) chart.applyOptions(chartOptions()); });
}

function chartOptions() {
  const c = themeColours();
  return { layout: { background: { color: c.bg }, textColor: c.text, attributionLogo: false }, autoSize: true,
           grid: { vertLines: { color: c.grid }, horzLines: { color: c.grid } }, timeScale: { timeVisible: true } };
}

function ensureCharts() {
  if (equityChart) return;
  const LC = window.LightweightCharts;
  const c = themeColours();
  equityChart = LC.createChart(document.getElementById("equity-curve"), chartOptions());
  balanceLine = equityChart.addSeries(LC.LineSeries, { color: c.accent, lineWidth: 2, title: "balance" });
  equityLine = equityChart.addSeries(LC.LineSeries, { color: c.warn, lineWidth: 1, title: "equity" });
  drawdownChart = LC.createChart(document.getElementById("drawdown-curve"), chartOptions());
  drawdownLine = drawdownChart.addSeries(LC.BaselineSeries, { baseValue: { type: "price", price: 0 }, lineWidth: 1,
                                                              bottomLineColor: c.down, bottomFillColor1: c.down,
                                                              bottomFillColor2: "rgba(0,0,0,0)", title: "drawdown" });
}

const dl = (pairs) => pairs.map(([label, value]) => el("div", {}, el("dt", {}, label), el("dd", {}, value)));

function showAccount() {
  const a = state.account;
  if (!a) return;
  figures.replaceChildren(...dl([["Balance", `${money(a.balance)} ${a.currency}`], ["Equity", money(a.equity)],
    ["Margin", money(a.margin)], ["Free margin", money(a.free_margin)],
    ["Margin level", a.margin_level === null ? "—" : `${fmt(a.margin_level, 2)} %`], ["Leverage", `1:${a.leverage}`],
    ["Initial balance", money(a.initial_balance)]]));
}

async function load() {
  showAccount();
  ensureCharts();
  slot.show(null);
  try {
    const perf = await get("trades/performance/");
    const pct = (v) => (v === null || v === undefined ? "—" : `${fmt(v * 100, 1)} %`);
    perfBox.replaceChildren(...dl([["Trades", String(perf.total_trades)], ["Win rate", pct(perf.win_rate)],
      ["Net profit", money(perf.net_profit)], ["Profit factor", fmt(perf.profit_factor, 2)],
      ["Expected payoff", money(perf.expected_payoff)], ["Total pips", fmt(perf.total_pips, 1)],
      ["Max drawdown", money(perf.max_drawdown)], ["Max drawdown %", perf.max_drawdown_pct === undefined ? "—" : `${fmt(perf.max_drawdown_pct, 2)} %`]]));
    curves(perf.equity_curve || []);
  } catch (failure) { slot.show(failure); }
  loadReport();
}

function series(points, key) {
  const byTime = new Map();
  for (const p of points) if (p.time && p[key] !== null && p[key] !== undefined) byTime.set(toSeconds(p.time), p[key]);
  return [...byTime.entries()].sort((a, b) => a[0] - b[0]).map(([time, value]) => ({ time, value }));
}

function curves(points) {
  const balance = series(points, "balance");
  balanceLine.setData(balance);
  equityLine.setData(series(points, "equity"));
  let high = -Infinity;
  drawdownLine.setData(balance.map(({ time, value }) => { high = Math.max(high, value); return { time, value: value - high }; }));
  equityChart.timeScale().fitContent();
  drawdownChart.timeScale().fitContent();
}

async function loadReport() {
  let body;
  try {
    body = await get("signals/stats/");
  } catch (failure) {
    report.replaceChildren(el("p", { className: "muted", id: "signal-report-missing" }, `Not available: ${failure.message}`));
    return;
  }
  const rows = body.items;
  if (!rows.length) { report.replaceChildren(el("p", { className: "muted" }, "no signal has been traded yet")); return; }
  const head = ["Source", "Trades", "W / L", "Win rate [CI]", "Expectancy [CI]", "Exp. pips [CI]", "PF", "Avg R", "Max DD", "Calibration", "Verdict"];
  report.replaceChildren(el("table", { id: "signal-report-table" },
    el("thead", {}, el("tr", {}, ...head.map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, ...rows.map(reportRow))));
}

/** A confidence interval as " [low, high]" (the route gives [low, high] or null). */
const interval = (ci, format) => (ci ? ` [${format(ci[0])}, ${format(ci[1])}]` : "");
const orDash = (v, format) => (v === null ? "—" : format(v));

/** One row of GET signals/stats/ (SourceStatsOut; each figure's definition is in engine/signals/stats.py). */
function reportRow(r) {
  const pct = (v) => `${fmt(v * 100, 0)}%`;
  const buckets = r.calibration.filter((b) => b.count)
    .map((b) => `${pct(b.stated_from)}–${pct(b.stated_to)}: ${b.count} → ${orDash(b.realised_win_rate, pct)}`);
  return el("tr", { dataset: { source: r.source } },
    el("td", {}, r.source), el("td", {}, String(r.trades)),
    el("td", {}, `${r.wins} / ${r.losses}`),
    el("td", {}, orDash(r.win_rate, (v) => pct(v) + interval(r.win_rate_ci, pct))),
    el("td", {}, orDash(r.expectancy, (v) => money(v) + interval(r.expectancy_ci, money))),
    el("td", {}, orDash(r.expectancy_pips, (v) => fmt(v, 1) + interval(r.expectancy_pips_ci, (x) => fmt(x, 1)))),
    el("td", {}, orDash(r.profit_factor, (v) => fmt(v, 2))), el("td", {}, orDash(r.average_r, (v) => fmt(v, 2))),
    el("td", {}, money(r.max_drawdown)), el("td", { className: "left" }, buckets.join("; ") || "—"),
    el("td", { className: `verdict verdict-${r.verdict}`, title: r.verdict_reason }, r.verdict.replaceAll("_", " ")));
}
