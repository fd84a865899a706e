// Signals: age and expiry on the market clock, confidence, R:R, and — with the trading token —
// Execute (at the size the server gives at the live price) and Dismiss. Whether a signal can be
// executed, why not, and at what size is the engine's answer (the `executable` and `execution`
// fields of GET signals/); where the server gives none the page says so and decides nothing.

import { get, post, query } from "./api.js";
import { emit, isTrader, marketNow, on, state } from "./store.js";
import * as chart from "./chart.js";
import { $, busy, confirmAction, duration, el, errorSlot, fmt, priceText, timeText } from "./ui.js";

const LIMIT = 50;
const REFRESH_MS = 5000;   // the server's executable/size answer moves with the price: re-read it
let available = true;
let clock = null;
let refresher = null;

export function init() {
  on("ready", load);
  on("connected", ({ again }) => { if (again) load(); });
  // a signal_alert carries the signal, not the engine's answer at the live price: read that at once
  on("signal_alert", (signal) => { state.signals.set(signal.id, signal); render(); load(); });
  clearInterval(clock);
  clock = setInterval(tick, 1000);
  clearInterval(refresher);
  refresher = setInterval(() => {
    if ([...state.signals.values()].some((s) => s.status === "new")) load();
  }, REFRESH_MS);
}

async function load() {
  try {
    const body = await get(`signals/${query({ limit: LIMIT })}`);
    state.signals.clear();
    for (const s of body.items) state.signals.set(s.id, s);
    available = true;
    $("signals-note").textContent = "";
  } catch (failure) {
    available = false;
    $("signals-note").textContent = failure.status === 503 ? `Not available: ${failure.message}.` : `signals: ${failure.message}`;
  }
  render();
}

const answered = (s) => typeof s.executable === "boolean";

function render() {
  const items = [...state.signals.values()]
    .sort((a, b) => (b.created_at || "").localeCompare(a.created_at || "") || b.id - a.id).slice(0, LIMIT);
  const body = $("signals").querySelector("tbody");
  body.replaceChildren(...items.map(row));
  if (available && !items.length) $("signals-note").textContent = "no signals yet";
  else if (available && isTrader() && items.some((s) => s.status === "new" && !answered(s))) {
    $("signals-note").textContent = "This server does not say whether a signal can be executed or at what size " +
      "(no `executable` answer in GET signals/): not available here; Execute lets the server decide.";
  } else if (available) $("signals-note").textContent = "";
  emit("signals-changed");
}

function row(s) {
  const selected = state.selectedSignal === s.id;
  const tr = el("tr", { dataset: { signalId: String(s.id) }, className: selected ? "selected" : "" });
  const exec = s.execution || {};
  const liveRr = exec.rr !== undefined && exec.rr !== null ? ` (live ${fmt(exec.rr, 2)})` : "";
  tr.append(
    el("td", { className: "left" }, el("span", { className: s.side }, `#${s.id} ${s.symbol} ${s.side}`),
       el("br"), el("span", { className: "muted" }, `${s.source}${s.timeframe ? " " + s.timeframe : ""}${s.pattern ? " · " + s.pattern.name : ""}`)),
    el("td", {}, priceText(s.symbol, s.entry), el("br"),
       el("span", { className: "muted" }, `${priceText(s.symbol, s.sl)} / ${priceText(s.symbol, s.tp)}`)),
    el("td", {}, `${Math.round(s.confidence * 100)}%`),
    el("td", {}, `${fmt(s.rr, 2)}${liveRr}`),
    el("td", { className: "age" }),
    el("td", { className: "left status" }, statusText(s)),
    el("td", { className: "actions" }, actions(s)));
  ageCell(tr.querySelector(".age"), s);
  return tr;
}

function statusText(s) {
  if (s.status !== "new") {
    const outcome = s.trade_id ? `${s.status} → trade #${s.trade_id}` : s.status;
    return s.reason && s.status !== "executed" ? `${outcome}: ${s.reason}` : outcome;
  }
  if (!answered(s)) return "new";
  if (s.executable) return "new · executable";
  return el("span", { className: "warn" }, `new · not executable: ${(s.execution && s.execution.reason) || s.reason || "no reason given"}`);
}

function ageCell(cell, s) {
  const now = marketNow();
  if (now === null || !s.created_at) { cell.textContent = "—"; return; }
  const age = now - Date.parse(s.created_at);
  const left = s.expires_at ? Date.parse(s.expires_at) - now : null;
  cell.replaceChildren(duration(age), el("br"), el("span", { className: left !== null && left <= 0 ? "warn" : "muted" },
    left === null ? "no expiry" : left > 0 ? `expires in ${duration(left)}` : "past expiry"));
  cell.title = `on the market clock (${timeText(new Date(now).toISOString())} UTC)`;
}

function tick() {
  for (const tr of $("signals").querySelectorAll("tbody tr")) {
    const s = state.signals.get(Number(tr.dataset.signalId));
    if (s) ageCell(tr.querySelector(".age"), s);
  }
}

function actions(s) {
  const show = el("button", { type: "button", className: "small", "aria-pressed": String(state.selectedSignal === s.id),
                              onclick: () => selectSignal(s) }, "Chart");
  const parts = [show];
  if (isTrader() && s.status === "new") {
    const slot = errorSlot();
    const exec = s.execution || {};
    const blocked = answered(s) && !s.executable;
    const lots = exec.lots !== undefined && exec.lots !== null ? ` ${fmt(exec.lots, 2)} lots` : "";
    const warn = exec.needs_confirmation ? " ⚠" : "";
    const rr = exec.rr !== undefined && exec.rr !== null ? [el("br"), `R:R ${fmt(exec.rr, 2)}${warn}`] : [warn];
    const title = blocked ? (exec.reason || s.reason || "not executable")
      : exec.needs_confirmation ? `the price has drifted ${fmt(exec.drift_pips, 1)} pips (max ${fmt(exec.max_drift_pips, 1)}): asks first`
      : "execute at the live price";
    const execute = el("button", { type: "button", className: `small ${s.side}`, disabled: blocked, title,
                                   onclick: () => run(s, execute, slot) }, ...(blocked ? ["Execute"] : [`Execute${lots}`, ...rr]));
    const dismiss = el("button", { type: "button", className: "small",
                                   onclick: () => busy(dismiss, slot, () => post(`signals/${s.id}/dismiss/`).then(upsert)) }, "Dismiss");
    parts.push(execute, dismiss, slot);
  }
  return parts;
}

/** Execute the signal; a drift beyond the max is asked about first (the window's rule). The page sends
 *  `confirm_drift: false` unless its trader has just confirmed, so a price that drifted since the last
 *  GET signals/ is refused by the server (code `drift`) and asked about then, never traded unseen. */
async function run(s, button, slot) {
  const exec = s.execution || {};
  let confirmed = false;
  if (exec.needs_confirmation) {
    confirmed = await confirmAction(`Execute signal #${s.id}?`,
      `The price has moved ${fmt(exec.drift_pips, 1)} pips from the signal's entry (max ${fmt(exec.max_drift_pips, 1)}). ` +
      `Executing now trades ${fmt(exec.lots, 2)} lots at ${priceText(s.symbol, exec.price)} with an effective R:R of ${fmt(exec.rr, 2)}.`,
      "Execute");
    if (!confirmed) return;
  }
  await busy(button, slot, async () => {
    let trade;
    try {
      trade = await post(`signals/${s.id}/execute/`, { confirm_drift: confirmed });
    } catch (failure) {
      if (failure.code !== "drift") throw failure;
      if (!(await confirmAction(`Execute signal #${s.id}?`, failure.message.replace(/^signal \d+: /, ""), "Execute"))) {
        await reload();
        return;
      }
      trade = await post(`signals/${s.id}/execute/`, { confirm_drift: true });
    }
    emit("trade-written", trade);
    await reload();
  });
}

async function reload() {
  const updated = await get(`signals/${query({ limit: LIMIT })}`).catch(() => null);
  if (updated) { for (const item of updated.items) state.signals.set(item.id, item); render(); }
}

function upsert(signal) { state.signals.set(signal.id, signal); render(); }

function selectSignal(s) {
  state.selectedSignal = state.selectedSignal === s.id ? null : s.id;
  if (state.selectedSignal !== null && state.chartSymbol !== s.symbol) chart.select(s.symbol);
  emit("signal-selected");
  render();
}
