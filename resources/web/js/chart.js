// The chart: the vendored Lightweight Charts with symbol and timeframe switchers, the forming
// candle (bid) moved by every price, bid and ask lines, entry/SL/TP lines of open trades and
// pending orders, trade and signal markers, and the selected signal's pattern legs (X-A-B-C-D).

import { get, query } from "./api.js";
import { emit, on, spec, state } from "./store.js";
import { $, el, onThemeChange, priceText, themeColours, toSeconds } from "./ui.js";

const TF_SECONDS = { M1: 60, M5: 300, M15: 900, M30: 1800, H1: 3600, H4: 14400, D1: 86400 };
let LC, chart, candles, legs, candleMarkers, legMarkers;
let timeframe = "M1";
let lastBar = null;
let bidLine = null, askLine = null;
let tradeLines = [];
let signalLines = [];
let tradeHistory = [];        // recent trades of the chart's symbol, for markers
let loading = 0;
let historyTimer = null;

const barTime = (seconds) => seconds - (seconds % TF_SECONDS[timeframe]);

function options() {
  const c = themeColours();
  return {
    // The library's own logo injects an inline <style>, which the page's CSP forbids: the page
    // credits TradingView with a visible link under the chart instead (vendor/README.md).
    layout: { background: { color: c.bg }, textColor: c.text, attributionLogo: false },
    grid: { vertLines: { color: c.grid }, horzLines: { color: c.grid } },
    rightPriceScale: { borderColor: c.line }, timeScale: { borderColor: c.line, timeVisible: true, secondsVisible: false },
    autoSize: true,
  };
}

function seriesColours() {
  const c = themeColours();
  return { upColor: c.up, downColor: c.down, borderVisible: false, wickUpColor: c.up, wickDownColor: c.down,
           lastValueVisible: false, priceLineVisible: false };   // the bid and ask lines say it
}

export function init() {
  LC = window.LightweightCharts;
  chart = LC.createChart($("chart"), options());
  candles = chart.addSeries(LC.CandlestickSeries, seriesColours());
  legs = chart.addSeries(LC.LineSeries, { color: themeColours().warn, lineWidth: 2, priceLineVisible: false,
                                           lastValueVisible: false, crosshairMarkerVisible: false });
  candleMarkers = LC.createSeriesMarkers(candles, []);
  legMarkers = LC.createSeriesMarkers(legs, []);
  onThemeChange(() => {
    chart.applyOptions(options());
    candles.applyOptions(seriesColours());
    legs.applyOptions({ color: themeColours().warn });
    drawLevels();
  });
  $("chart-symbol").addEventListener("change", () => select($("chart-symbol").value));
  $("chart-timeframe").addEventListener("change", () => { timeframe = $("chart-timeframe").value; reload(); });
  on("ready", () => {
    $("chart-symbol").replaceChildren(...state.symbols.map((s) => el("option", { value: s }, s)));
    const wanted = (new URLSearchParams(window.location.search).get("symbol") || "").toUpperCase();
    select(state.symbols.includes(wanted) ? wanted : state.symbols[0]);
  });
  on("connected", ({ again }) => { if (again) reload(); });
  on("price_update", onPrice);
  on("active-changed", drawLevels);
  on("signals-changed", drawMarkers);
  on("signal-selected", drawSignal);
  for (const kind of ["trade_execution", "trade_closed"]) on(kind, scheduleHistory);
}

/** Show `symbol` on the chart (also called by the market watch). */
export function select(symbol) {
  if (!symbol) return;
  state.chartSymbol = symbol;
  $("chart-symbol").value = symbol;
  emit("chart-symbol", symbol);
  reload();
}

async function reload() {
  const symbol = state.chartSymbol;
  const ticket = ++loading;
  $("chart-note").textContent = "loading…";
  try {
    const [body, trades] = await Promise.all([
      get(`price/ohlc/${query({ symbol, timeframe, limit: 500 })}`),
      get(`trades/${query({ symbol, limit: 200 })}`)]);
    if (ticket !== loading) return;           // a newer choice won
    const bars = body.bars.map((b) => ({ time: toSeconds(b.time), open: b.open, high: b.high, low: b.low, close: b.close }));
    const digits = spec(symbol).digits;
    candles.applyOptions({ priceFormat: { type: "price", precision: digits, minMove: 10 ** -digits } });
    candles.setData(bars);
    lastBar = bars.length ? { ...bars[bars.length - 1] } : null;
    tradeHistory = trades.items;
    $("chart-note").textContent = bars.length ? "" : "no bars yet";
    $("chart").dataset.bars = String(bars.length);
    const quote = state.quotes.get(symbol);
    if (quote) onPrice(quote);
    removeLines(bidLine ? [bidLine, askLine] : []);
    bidLine = askLine = null;
    drawLevels();
    drawMarkers();
    drawSignal();
    chart.timeScale().scrollToRealTime();
  } catch (failure) {
    if (ticket === loading) $("chart-note").textContent = `chart: ${failure.message}`;
  }
}

let priced = false;

function onPrice(price) {
  if (price.symbol !== state.chartSymbol || !candles) return;
  if (!priced) { priced = true; performance.mark("first-price"); }   // "time to first price" (make bench)
  $("chart-price").textContent = `${priceText(price.symbol, price.bid)} / ${priceText(price.symbol, price.ask)}`;
  $("chart-price").classList.toggle("stale-mark", Boolean(price.stale));
  $("chart-price").title = price.stale ? "stale: no provider has answered lately" : "bid / ask";
  const c = themeColours();
  if (!bidLine) {
    bidLine = candles.createPriceLine({ price: price.bid, color: c.muted, lineStyle: 3, lineWidth: 1, title: "bid" });
    askLine = candles.createPriceLine({ price: price.ask, color: c.accent, lineStyle: 3, lineWidth: 1, title: "ask" });
  } else {
    bidLine.applyOptions({ price: price.bid });
    askLine.applyOptions({ price: price.ask });
  }
  const time = barTime(toSeconds(price.time));
  if (lastBar && time < lastBar.time) return; // an older price: the chart only moves forward
  const bar = lastBar && lastBar.time === time
    ? { time, open: lastBar.open, high: Math.max(lastBar.high, price.bid), low: Math.min(lastBar.low, price.bid), close: price.bid }
    : { time, open: price.bid, high: price.bid, low: price.bid, close: price.bid };
  lastBar = bar;
  candles.update(bar);
}

function removeLines(lines) {
  for (const line of lines) candles.removePriceLine(line);
}

/** Entry, SL and TP lines of the symbol's open trades and pending orders. */
function drawLevels() {
  if (!candles) return;
  removeLines(tradeLines);
  tradeLines = [];
  const c = themeColours();
  const drawn = [];
  for (const t of state.active.values()) {
    if (t.symbol !== state.chartSymbol) continue;
    const entry = t.status === "open" ? t.entry_price : t.requested_price;
    const tag = t.status === "open" ? `#${t.id} ${t.side} ${t.lots}` : `#${t.id} ${t.side} ${t.order_type} ${t.lots}`;
    if (entry) tradeLines.push(candles.createPriceLine({ price: entry, color: c.accent, lineStyle: t.status === "open" ? 0 : 2, title: tag }));
    if (t.sl) tradeLines.push(candles.createPriceLine({ price: t.sl, color: c.down, lineStyle: 1, title: `SL #${t.id}` }));
    if (t.tp) tradeLines.push(candles.createPriceLine({ price: t.tp, color: c.up, lineStyle: 1, title: `TP #${t.id}` }));
    drawn.push(`${t.id}:${entry}:${t.sl}:${t.tp}`);
  }
  $("chart").dataset.levels = drawn.join(" ");   // what is drawn, for tests and assistive checks
}

function scheduleHistory(trade) {
  if (!trade || trade.symbol !== state.chartSymbol) return;
  clearTimeout(historyTimer);
  historyTimer = setTimeout(async () => {
    try {
      tradeHistory = (await get(`trades/${query({ symbol: state.chartSymbol, limit: 200 })}`)).items;
      drawMarkers();
    } catch (failure) { /* the next change retries */ }
  }, 400);
}

/** Trade entries and exits, and the symbol's signals, as markers on the candles. */
function drawMarkers() {
  if (!candleMarkers) return;
  const c = themeColours();
  const markers = [];
  const trades = new Map(tradeHistory.map((t) => [t.id, t]));
  for (const t of state.active.values()) if (t.symbol === state.chartSymbol) trades.set(t.id, t);
  for (const t of trades.values()) {
    if (t.open_time && t.entry_price !== null && t.status !== "cancelled" && t.close_reason !== "partial") {
      markers.push({ time: barTime(toSeconds(t.open_time)), position: t.side === "buy" ? "belowBar" : "aboveBar",
                     shape: t.side === "buy" ? "arrowUp" : "arrowDown", color: t.side === "buy" ? c.up : c.down,
                     text: `#${t.id} ${t.side} ${t.lots}` });
    }
    if (t.close_time && t.status === "closed") {
      markers.push({ time: barTime(toSeconds(t.close_time)), position: "inBar", shape: "circle", color: c.muted,
                     text: `#${t.id} ${t.close_reason}` });
    }
  }
  for (const s of state.signals.values()) {
    if (s.symbol !== state.chartSymbol || !s.created_at) continue;
    markers.push({ time: barTime(toSeconds(s.created_at)), position: s.side === "buy" ? "belowBar" : "aboveBar",
                   shape: "square", color: c.warn, text: `S${s.id}` });
  }
  markers.sort((a, b) => a.time - b.time);
  candleMarkers.setMarkers(markers);
  $("chart").dataset.markers = String(markers.length);
}

/** The selected signal: its entry/SL/TP and, for a pattern signal, the legs through its points. */
function drawSignal() {
  if (!legs) return;
  removeLines(signalLines);
  signalLines = [];
  const signal = state.signals.get(state.selectedSignal);
  if (!signal || signal.symbol !== state.chartSymbol) {
    legs.setData([]);
    legMarkers.setMarkers([]);
    $("chart").dataset.legs = "";
    return;
  }
  const c = themeColours();
  for (const [name, value, colour] of [["entry", signal.entry, c.warn], ["SL", signal.sl, c.down], ["TP", signal.tp, c.up]]) {
    signalLines.push(candles.createPriceLine({ price: value, color: colour, lineStyle: 2, lineWidth: 1, title: `S${signal.id} ${name}` }));
  }
  const points = (signal.pattern && signal.pattern.points) || [];
  const byTime = new Map();
  for (const p of points) byTime.set(barTime(toSeconds(p.time)), p);
  const data = [...byTime.entries()].sort((a, b) => a[0] - b[0]).map(([time, p]) => ({ time, value: p.price, label: p.label }));
  legs.setData(data.map(({ time, value }) => ({ time, value })));
  legMarkers.setMarkers(data.map(({ time, label }) => ({ time, position: "inBar", shape: "circle", color: c.warn, text: label, size: 0.5 })));
  $("chart").dataset.legs = data.map((p) => p.label).join("-");
}
