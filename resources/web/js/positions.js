// Open positions and pending orders with live P&L (as the server values them: the open trades are
// re-read at most once a second while their prices move), and — with the trading token — Close,
// partial close, SL/TP (and pending price) changes after a confirmation, and Cancel.

import { get, patch, post, query } from "./api.js";
import { emit, isTrader, on, spec, state } from "./store.js";
import { $, busy, confirmAction, describe, el, errorSlot, fmt, money, priceText, signClass, timeText } from "./ui.js";

const REFRESH_MS = 1000;
let refreshTimer = null;
let lastRefresh = 0;
let dialogTrade = null;

export function init() {
  on("ready", load);
  on("connected", ({ again }) => { if (again) load(); });
  on("trade-written", () => load());
  for (const kind of ["trade_execution", "trade_modified"]) on(kind, upsert);
  on("trade_closed", (trade) => { state.active.delete(trade.id); changed(); schedule(300); });
  on("price_update", (price) => {
    for (const t of state.active.values()) if (t.status === "open" && t.symbol === price.symbol) { schedule(REFRESH_MS); return; }
  });
}

async function load() {
  try {
    const [open, pending] = await Promise.all([get(`trades/${query({ status: "open", limit: 1000 })}`),
                                               get(`trades/${query({ status: "pending", limit: 1000 })}`)]);
    state.active = new Map([...open.items, ...pending.items].map((t) => [t.id, t]));
    lastRefresh = Date.now();
    changed();
  } catch (failure) { /* shown by the connection badge; the next change retries */ }
}

/** Re-read the active trades no sooner than `wait` ms after the last read. */
function schedule(wait) {
  if (refreshTimer) return;
  const due = Math.max(0, lastRefresh + wait - Date.now());
  refreshTimer = setTimeout(() => { refreshTimer = null; load(); }, due);
}

function upsert(trade) {
  if (trade.status === "open" || trade.status === "pending") state.active.set(trade.id, trade);
  else state.active.delete(trade.id);
  changed();
}

function changed() {
  const trades = [...state.active.values()].sort((a, b) => b.id - a.id);
  $("positions").querySelector("tbody").replaceChildren(...trades.filter((t) => t.status === "open").map(positionRow));
  $("orders").querySelector("tbody").replaceChildren(...trades.filter((t) => t.status === "pending").map(orderRow));
  $("tab-positions").textContent = `Positions (${trades.filter((t) => t.status === "open").length})`;
  $("tab-orders").textContent = `Pending orders (${trades.filter((t) => t.status === "pending").length})`;
  if (dialogTrade !== null && $("trade-dialog").open) {
    const fresh = state.active.get(dialogTrade);
    if (fresh) $("trade-dialog-state").textContent = `${dialogNotice(fresh.id)}${summary(fresh)}`;
    else $("trade-dialog-state").textContent = "This trade is no longer active.";
  }
  emit("active-changed");
}

// What the dialog just did to its trade ("Modified."), kept in front of the live summary for
// NOTICE_MS: the next price refresh must not wipe the confirmation before the trader reads it.
const NOTICE_MS = 5000;
let notice = { id: null, text: "", until: 0 };

function dialogNotice(id) {
  return notice.id === id && Date.now() < notice.until ? `${notice.text} ` : "";
}

function summary(t) {
  const at = t.status === "open" ? `entry ${priceText(t.symbol, t.entry_price)}` : `${t.order_type} at ${priceText(t.symbol, t.requested_price)}`;
  return `${t.side} ${t.lots} lots, ${at}, SL ${priceText(t.symbol, t.sl)}, TP ${priceText(t.symbol, t.tp)}` +
    (t.status === "open" ? `, ${fmt(t.pips, 1)} pips, P&L ${money(t.pnl)}` : "");
}

function positionRow(t) {
  return el("tr", { dataset: { tradeId: String(t.id) } },
    el("td", {}, String(t.id)), el("td", { className: "left" }, t.symbol), el("td", { className: `left ${t.side}` }, t.side),
    el("td", {}, fmt(t.lots, 2)), el("td", {}, priceText(t.symbol, t.entry_price)),
    el("td", { className: "sl" }, priceText(t.symbol, t.sl)), el("td", { className: "tp" }, priceText(t.symbol, t.tp)),
    el("td", { className: signClass(t.pips) }, fmt(t.pips, 1)), el("td", { className: `pnl ${signClass(t.pnl)}` }, money(t.pnl)),
    el("td", { className: "actions" }, rowActions(t, "Close")));
}

function orderRow(t) {
  return el("tr", { dataset: { tradeId: String(t.id) } },
    el("td", {}, String(t.id)), el("td", { className: "left" }, t.symbol),
    el("td", { className: `left ${t.side}` }, `${t.side} ${t.order_type}`), el("td", {}, fmt(t.lots, 2)),
    el("td", {}, priceText(t.symbol, t.requested_price)),
    el("td", { className: "sl" }, priceText(t.symbol, t.sl)), el("td", { className: "tp" }, priceText(t.symbol, t.tp)),
    el("td", {}, t.expires_at ? timeText(t.expires_at) : "GTC"),
    el("td", { className: "actions" }, rowActions(t, "Cancel")));
}

function rowActions(t, finishLabel) {
  if (!isTrader()) return [];
  const slot = errorSlot();
  const edit = el("button", { type: "button", className: "small", "aria-label": `Edit #${t.id}`, onclick: () => openDialog(t.id) }, "Edit");
  const finish = el("button", { type: "button", className: "small", "aria-label": `${finishLabel} #${t.id}`,
                                onclick: () => closeTrade(t, finish, slot) }, finishLabel);
  return [edit, finish, slot];
}

async function closeTrade(t, button, slot, lots) {
  const what = t.status === "pending" ? `Cancel pending order #${t.id} (${t.side} ${t.order_type} ${t.lots} ${t.symbol})?`
    : lots ? `Close ${lots} of ${t.lots} lots of #${t.id} ${t.symbol} ${t.side} at the market?`
      : `Close #${t.id} ${t.symbol} ${t.side} ${t.lots} lots at the market?`;
  if (!(await confirmAction(t.status === "pending" ? "Cancel order" : "Close position", what,
                            t.status === "pending" ? "Cancel order" : "Close"))) return false;
  const done = await busy(button, slot, () => post(`trades/${t.id}/close/`, lots ? { lots: Number(lots) } : undefined));
  if (done) emit("trade-written", done);
  return Boolean(done);
}

// -- the trade dialog: SL/TP/price changes and partial close ---------------------------------------
function field(label, id, value, step, hint) {
  const input = el("input", { id, type: "number", step: String(step), min: "0", inputMode: "decimal", value: value ?? "" });
  const slot = errorSlot(`${id}-error`);
  return { input, slot, node: el("div", { className: "field" }, el("label", { htmlFor: id }, label),
                                 el("div", { className: "row" }, input, hint ? el("span", { className: "muted hint" }, hint) : ""), slot) };
}

function openDialog(id) {
  const t = state.active.get(id);
  if (!t) return;
  dialogTrade = id;
  const dialog = $("trade-dialog");
  const point = 10 ** -spec(t.symbol).digits;
  const sl = field("Stop-loss (empty: none)", "edit-sl", t.sl, point);
  const tp = field("Take-profit (empty: none)", "edit-tp", t.tp, point);
  const price = t.status === "pending" ? field("Order price", "edit-price", t.requested_price, point) : null;
  const slots = { sl: sl.slot, tp: tp.slot, price: price && price.slot };
  const modifySlot = errorSlot("edit-modify-error");
  const modify = el("button", { type: "button", className: "primary", id: "edit-modify",
                                onclick: () => modifyTrade(t, { sl, tp, price }, slots, modify, modifySlot) }, "Modify…");
  const parts = [el("h2", { id: "trade-dialog-title" }, `#${t.id} ${t.symbol} ${t.side} ${t.status === "pending" ? t.order_type : ""}`),
                 el("p", { id: "trade-dialog-state", className: "muted" }, summary(t)),
                 price ? price.node : "", sl.node, tp.node, el("div", { className: "row" }, modify), modifySlot];
  if (t.status === "open") {
    const lots = field("Lots to close", "edit-lots", "", spec(t.symbol).lot_step || 0.01, `of ${t.lots}`);
    const part = el("button", { type: "button", id: "edit-partial",
                                onclick: async () => {
                                  if (!lots.input.value) { lots.slot.textContent = "give the lots to close"; return; }
                                  if (await closeTrade(t, part, lots.slot, lots.input.value)) dialog.close();
                                } }, "Close part…");
    parts.push(lots.node, el("div", { className: "row" }, part));
  }
  const finishSlot = errorSlot();
  const finish = el("button", { type: "button", id: "edit-finish",
                                onclick: async () => { if (await closeTrade(t, finish, finishSlot)) dialog.close(); } },
                    t.status === "pending" ? "Cancel order…" : "Close all…");
  const back = el("button", { type: "button", onclick: () => dialog.close() }, "Done");
  parts.push(el("div", { className: "buttons" }, finish, back), finishSlot);
  dialog.replaceChildren(...parts);
  dialog.showModal();
  (price || sl).input.focus();
}

async function modifyTrade(t, inputs, slots, button, slot) {
  for (const s of Object.values(slots)) if (s) s.show(null);
  slot.show(null);
  const current = state.active.get(t.id) || t;
  const changes = {};
  const lines = [];
  for (const [name, label] of [["price", "price"], ["sl", "SL"], ["tp", "TP"]]) {
    const box = inputs[name];
    if (!box) continue;
    const text = box.input.value.trim();
    const value = text === "" ? null : Number(text);
    const before = name === "price" ? current.requested_price : current[name];
    if (value !== null && !Number.isFinite(value)) { slots[name].textContent = `${label} must be a number`; return; }
    if (value === before || (value !== null && before !== null && Math.abs(value - before) < 1e-12)) continue;
    changes[name] = value;
    lines.push(`${label} ${priceText(t.symbol, before)} → ${value === null ? "none" : priceText(t.symbol, value)}`);
  }
  if (!lines.length) { slot.textContent = "nothing changed"; return; }
  if (!(await confirmAction(`Modify #${t.id}?`, `${t.symbol} ${t.side} ${t.lots} lots: ${lines.join(", ")}.`, "Modify"))) return;
  button.disabled = true;
  try {
    const trade = await patch(`trades/${t.id}/`, changes);
    notice = { id: trade.id, text: "Modified.", until: Date.now() + NOTICE_MS };
    upsert(trade);
    $("trade-dialog-state").textContent = `${dialogNotice(trade.id)}${summary(trade)}`;
  } catch (failure) {
    (slots[failure.field] || slot).textContent = describe(failure);
  } finally {
    button.disabled = false;
  }
}
