// Paper Terminal read-only web viewer.
// Reads the viewer token from ?token= once, keeps it in sessionStorage and removes it
// from the address bar (so it is not copied, bookmarked or sent as a Referer).
// Talks only to its own origin: REST under /api/paper-trading/, live data on /ws/trading/.
"use strict";

(function () {
  const LC = window.LightweightCharts;
  const API = "api/paper-trading/";
  const TF_SECONDS = { M1: 60, M5: 300, M15: 900, M30: 1800, H1: 3600, H4: 14400, D1: 86400 };
  const $ = (id) => document.getElementById(id);

  const token = takeToken();
  const state = { symbol: null, timeframe: "M1", lastBar: null, trades: new Map(), priceLines: [],
                  markers: null, digits: 5, socket: null, retry: 0, refreshTimer: null };

  function takeToken() {
    const params = new URLSearchParams(window.location.search);
    const fromUrl = params.get("token");
    if (fromUrl) {
      sessionStorage.setItem("paper-terminal-token", fromUrl);
      params.delete("token");
      const rest = params.toString();
      history.replaceState(null, "", window.location.pathname + (rest ? "?" + rest : "") + window.location.hash);
    }
    return sessionStorage.getItem("paper-terminal-token") || "";
  }

  function say(text) { $("message").textContent = text || ""; }

  async function api(path) {
    const response = await fetch(API + path, {
      headers: { Authorization: "Bearer " + token }, credentials: "omit", cache: "no-store",
      referrerPolicy: "no-referrer" });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      const error = (body && body.error) || {};
      const failure = new Error(error.message || ("HTTP " + response.status));
      failure.status = response.status;
      throw failure;
    }
    return body;
  }

  const toTime = (iso) => Math.floor(Date.parse(iso) / 1000);
  const barTime = (seconds) => seconds - (seconds % TF_SECONDS[state.timeframe]);
  const fmt = (value, digits) => (value === null || value === undefined ? "—" : Number(value).toFixed(digits));
  const digitsOf = (symbol) => (symbol.endsWith("JPY") ? 3 : symbol.startsWith("XAU") ? 2 : 5);

  // -- charts -------------------------------------------------------------------------------------
  const chartOptions = {
    layout: { background: { color: "#161c23" }, textColor: "#d6dde4" },
    grid: { vertLines: { color: "#1f2730" }, horzLines: { color: "#1f2730" } },
    timeScale: { timeVisible: true, secondsVisible: false }, autoSize: true };
  const chart = LC.createChart($("chart"), chartOptions);
  const candles = chart.addSeries(LC.CandlestickSeries, {
    upColor: "#26a69a", downColor: "#ef5350", borderVisible: false, wickUpColor: "#26a69a", wickDownColor: "#ef5350" });
  state.markers = LC.createSeriesMarkers(candles, []);
  const equityChart = LC.createChart($("equity"), chartOptions);
  const balanceLine = equityChart.addSeries(LC.LineSeries, { color: "#4f9cf7", lineWidth: 2, title: "balance" });
  const equityLine = equityChart.addSeries(LC.LineSeries, { color: "#f7b84f", lineWidth: 1, title: "equity" });

  async function loadBars() {
    const body = await api(`price/ohlc/?symbol=${encodeURIComponent(state.symbol)}&timeframe=${state.timeframe}&limit=500`);
    const bars = body.bars.map((b) => ({ time: toTime(b.time), open: b.open, high: b.high, low: b.low, close: b.close }));
    candles.setData(bars);
    state.lastBar = bars.length ? { ...bars[bars.length - 1] } : null;
    candles.applyOptions({ priceFormat: { type: "price", precision: state.digits, minMove: Math.pow(10, -state.digits) } });
    chart.timeScale().scrollToRealTime();
  }

  function onPrice(price) {
    if (price.symbol !== state.symbol) return;
    $("live-price").textContent = `${fmt(price.bid, state.digits)} / ${fmt(price.ask, state.digits)}`;
    $("price-time").textContent = price.time + (price.stale ? " (stale)" : "");
    const time = barTime(toTime(price.time));
    const last = state.lastBar;
    if (last && time < last.time) return; // an older price: the chart only moves forward
    const bar = last && last.time === time
      ? { time, open: last.open, high: Math.max(last.high, price.bid), low: Math.min(last.low, price.bid), close: price.bid }
      : { time, open: price.bid, high: price.bid, low: price.bid, close: price.bid };
    state.lastBar = bar;
    candles.update(bar);
  }

  // -- trades: table, markers, SL/TP lines --------------------------------------------------------
  async function loadTrades() {
    const [open, pending, recent] = await Promise.all([
      api("trades/?status=open&limit=1000"), api("trades/?status=pending&limit=1000"),
      api(`trades/?symbol=${encodeURIComponent(state.symbol)}&limit=200`)]);
    state.trades = new Map();
    for (const t of [...recent.items, ...open.items, ...pending.items]) state.trades.set(t.id, t);
    render();
  }

  function scheduleRefresh() {
    clearTimeout(state.refreshTimer);
    state.refreshTimer = setTimeout(() => { loadTrades().catch((e) => say(e.message)); loadEquity(); }, 300);
  }

  function onTrade(trade) { state.trades.set(trade.id, trade); render(); scheduleRefresh(); }

  function render() {
    const active = [...state.trades.values()].filter((t) => t.status === "open" || t.status === "pending")
      .sort((a, b) => b.id - a.id);
    const body = $("positions").querySelector("tbody");
    body.replaceChildren(...active.map(row));
    drawOnChart();
  }

  function row(t) {
    const tr = document.createElement("tr");
    tr.dataset.tradeId = String(t.id);
    const d = digitsOf(t.symbol);
    const cells = [t.id, t.symbol, t.side, t.lots.toFixed(2), fmt(t.entry_price ?? t.requested_price, d),
                   fmt(t.sl, d), fmt(t.tp, d), fmt(t.pips, 1), fmt(t.pnl, 2), t.order_type === "market" ? t.status : `${t.order_type} ${t.status}`];
    cells.forEach((value, i) => {
      const td = document.createElement("td");
      td.textContent = String(value);
      if (i === 2) td.className = t.side;
      if (i === 8) td.className = t.pnl > 0 ? "pos" : t.pnl < 0 ? "neg" : "";
      tr.appendChild(td);
    });
    return tr;
  }

  function drawOnChart() {
    for (const line of state.priceLines) candles.removePriceLine(line);
    state.priceLines = [];
    const markers = [];
    for (const t of state.trades.values()) {
      if (t.symbol !== state.symbol) continue;
      const label = `#${t.id} ${t.side} ${t.lots}`;
      if (t.open_time && t.status !== "cancelled") {
        markers.push({ time: barTime(toTime(t.open_time)), position: t.side === "buy" ? "belowBar" : "aboveBar",
                       shape: t.side === "buy" ? "arrowUp" : "arrowDown", color: t.side === "buy" ? "#26a69a" : "#ef5350", text: label });
      }
      if (t.close_time && t.status === "closed") {
        markers.push({ time: barTime(toTime(t.close_time)), position: "inBar", shape: "circle",
                       color: "#d6dde4", text: `#${t.id} ${t.close_reason}` });
      }
      if (t.status === "open" || t.status === "pending") {
        const entry = t.entry_price ?? t.requested_price;
        if (entry) state.priceLines.push(candles.createPriceLine({ price: entry, color: "#4f9cf7", lineStyle: 2, title: `#${t.id}` }));
        if (t.sl) state.priceLines.push(candles.createPriceLine({ price: t.sl, color: "#ef5350", lineStyle: 1, title: `SL #${t.id}` }));
        if (t.tp) state.priceLines.push(candles.createPriceLine({ price: t.tp, color: "#26a69a", lineStyle: 1, title: `TP #${t.id}` }));
      }
    }
    markers.sort((a, b) => a.time - b.time);
    state.markers.setMarkers(markers);
  }

  // -- signals, equity, account -------------------------------------------------------------------
  const signals = new Map();
  async function loadSignals() {
    try {
      const body = await api("signals/?limit=30");
      for (const s of body.items) signals.set(s.id, s);
      renderSignals();
    } catch (e) {
      $("signals").replaceChildren(Object.assign(document.createElement("li"), { textContent: e.message, className: "muted" }));
    }
  }

  function renderSignals() {
    const items = [...signals.values()].sort((a, b) => (b.created_at || "").localeCompare(a.created_at || "")).slice(0, 30);
    if (!items.length) {
      $("signals").replaceChildren(Object.assign(document.createElement("li"), { textContent: "no signals yet", className: "muted" }));
      return;
    }
    $("signals").replaceChildren(...items.map((s) => {
      const li = document.createElement("li");
      const d = digitsOf(s.symbol);
      li.textContent = `${s.created_at.slice(11, 19)} ${s.symbol} ${s.side} @${fmt(s.entry, d)} SL ${fmt(s.sl, d)} ` +
        `TP ${fmt(s.tp, d)} conf ${(s.confidence * 100).toFixed(0)}% ${s.source} [${s.status}]`;
      li.className = s.side;
      return li;
    }));
  }

  async function loadEquity() {
    try {
      const perf = await api("trades/performance/");
      const toPoints = (key) => dedupe(perf.equity_curve.filter((p) => p.time && p[key] !== null)
        .map((p) => ({ time: toTime(p.time), value: p[key] })));
      balanceLine.setData(toPoints("balance"));
      equityLine.setData(toPoints("equity"));
    } catch (e) {
      say("equity curve: " + e.message);
    }
  }

  function dedupe(points) { // one point per second, the last one wins, ascending
    const byTime = new Map();
    for (const p of points) byTime.set(p.time, p);
    return [...byTime.values()].sort((a, b) => a.time - b.time);
  }

  function onAccount(account) {
    $("balance").textContent = `${fmt(account.balance, 2)} ${account.currency}`;
    $("equity-value").textContent = fmt(account.equity, 2);
  }

  // -- live connection ----------------------------------------------------------------------------
  function connect() {
    const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    const socket = new WebSocket(`${scheme}//${window.location.host}/ws/trading/?token=${encodeURIComponent(token)}`);
    state.socket = socket;
    socket.onopen = () => { state.retry = 0; $("status").textContent = "live"; $("status").className = "live"; };
    socket.onclose = () => {
      $("status").textContent = "reconnecting…"; $("status").className = "down";
      const delay = Math.min(30000, 500 * Math.pow(2, state.retry++));
      setTimeout(() => { connect(); scheduleRefresh(); }, delay);
    };
    socket.onmessage = (event) => {
      let message;
      try { message = JSON.parse(event.data); } catch (e) { return; }
      const data = message.data;
      switch (message.type) {
        case "price_update": onPrice(data); break;
        case "trade_execution": case "trade_modified": case "trade_closed": onTrade(data); break;
        case "account_update": onAccount(data); break;
        case "signal_alert": signals.set(data.id, data); renderSignals(); break;
        default: break;
      }
    };
  }

  async function selectSymbol(symbol) {
    state.symbol = symbol;
    state.digits = digitsOf(symbol);
    $("live-price").textContent = "—";
    try {
      await loadBars();
      const price = await api(`price/realtime/?symbol=${encodeURIComponent(symbol)}`).catch(() => null);
      if (price) onPrice(price);
      await loadTrades();
      say("");
    } catch (e) { say(e.message); }
  }

  async function start() {
    if (!token) { say("open this page with ?token=<viewer token>"); return; }
    try {
      const account = await api("account/");
      onAccount(account);
    } catch (e) { say(e.message); return; }
    const symbols = new Set((await api("symbols/").catch(() => ({ items: [] }))).items);
    try { for (const t of (await api("trades/?status=open&limit=1000")).items) symbols.add(t.symbol); } catch (e) { /* shown later */ }
    const select = $("symbol");
    select.replaceChildren(...[...symbols].map((s) => Object.assign(document.createElement("option"), { value: s, textContent: s })));
    const wanted = new URLSearchParams(window.location.search).get("symbol");
    if (wanted && symbols.has(wanted.toUpperCase())) select.value = wanted.toUpperCase();
    select.onchange = () => selectSymbol(select.value);
    $("timeframe").onchange = () => { state.timeframe = $("timeframe").value; selectSymbol(state.symbol); };
    await selectSymbol(select.value);
    connect();
    loadSignals();
    loadEquity();
  }

  start();
})();
