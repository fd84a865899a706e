// The order ticket (trading token only; a viewer gets no ticket at all): market, limit or stop;
// lots or risk %; SL/TP as a price or in pips. Before sending it previews, from the numbers typed
// and the live price, the stop and target in pips, the R:R and the money at risk, and flags a stop
// on the wrong side of the price it is checked against. The server decides: its refusal is shown
// next to the field it names.

import { get, post } from "./api.js";
import { emit, isTrader, on, spec, state } from "./store.js";
import { $, busy, describe, el, errorSlot, fmt, money, priceText } from "./ui.js";

const f = {};          // the ticket's controls by name
const slots = {};      // their error lines by field name

export function init() {
  if (!isTrader()) return;                  // viewer: the ticket is never built
  build();
  on("ready", () => {
    f.symbol.replaceChildren(...state.symbols.map((s) => el("option", { value: s }, s)));
    f.symbol.value = state.chartSymbol || state.symbols[0];
    preview();
  });
  on("chart-symbol", (symbol) => { f.symbol.value = symbol; preview(); });
  on("ticket-symbol", (symbol) => { f.symbol.value = symbol; preview(); });
  on("price_update", (price) => { if (price.symbol === f.symbol.value) preview(); });
  on("account_update", preview);
  setInterval(refreshSpecs, 30000);
}

async function refreshSpecs() {
  try { state.specs = (await get("symbols/")).specs || state.specs; } catch (failure) { /* keep the last ones */ }
}

function labelled(label, control, extra) {
  slots[control.name] = errorSlot(`ticket-${control.name}-error`);
  return el("div", { className: "field" }, el("div", { className: "row" }, el("label", { htmlFor: control.id }, label), control, extra || ""),
            slots[control.name]);
}

function input(name, props = {}) {
  return el("input", { id: `ticket-${name}`, name, type: "number", inputMode: "decimal", min: "0", ...props });
}

function build() {
  const panel = $("ticket-panel");
  f.symbol = el("select", { id: "ticket-symbol", name: "symbol" });
  f.buy = el("input", { type: "radio", name: "side", id: "ticket-buy", value: "buy", checked: true });
  f.sell = el("input", { type: "radio", name: "side", id: "ticket-sell", value: "sell" });
  f.type = el("select", { id: "ticket-type", name: "order_type" },
              el("option", { value: "market" }, "Market"), el("option", { value: "limit" }, "Limit"), el("option", { value: "stop" }, "Stop"));
  f.price = input("price", { step: "0.00001" });
  f.sizeBy = el("select", { id: "ticket-size-by", name: "size_by", "aria-label": "size by" },
                el("option", { value: "lots" }, "lots"), el("option", { value: "risk" }, "risk % of equity"));
  f.amount = input("lots", { step: "0.01", value: "0.10" });
  f.sl = input("sl", { step: "any" });
  f.slUnit = unitSelect("sl");
  f.tp = input("tp", { step: "any" });
  f.tpUnit = unitSelect("tp");
  f.send = el("button", { type: "submit", id: "ticket-send", className: "buy" }, "Buy");
  slots.send = errorSlot("ticket-send-error");
  f.done = el("p", { id: "ticket-done", className: "pos", role: "status" });
  f.preview = el("div", { className: "preview", id: "ticket-preview", "aria-live": "polite" });
  const priceRow = labelled("Price", f.price);
  priceRow.id = "ticket-price-row";
  const form = el("form", { id: "ticket", noValidate: true, "aria-label": "order ticket" },
    labelled("Symbol", f.symbol),
    el("fieldset", { className: "sides" }, el("legend", {}, "Side"),
       el("label", { htmlFor: "ticket-buy", className: "buy" }, f.buy, " Buy"),
       el("label", { htmlFor: "ticket-sell", className: "sell" }, f.sell, " Sell")),
    labelled("Type", f.type), priceRow,
    labelled("Size", f.amount, f.sizeBy),
    labelled("Stop-loss", f.sl, f.slUnit), labelled("Take-profit", f.tp, f.tpUnit),
    f.preview, f.send, slots.send, f.done);
  panel.replaceChildren(el("h2", { id: "ticket-title" }, "Order ticket"), form);
  panel.hidden = false;
  form.addEventListener("input", preview);
  form.addEventListener("change", preview);
  form.addEventListener("submit", (event) => { event.preventDefault(); send(); });
  preview();
}

function unitSelect(name) {
  return el("select", { id: `ticket-${name}-unit`, name: `${name}_unit`, "aria-label": `${name === "sl" ? "stop-loss" : "take-profit"} unit` },
            el("option", { value: "price" }, "price"), el("option", { value: "pips" }, "pips"));
}

const number = (control) => (control.value.trim() === "" ? null : Number(control.value));

/** The order as typed, with SL/TP turned into prices and the preview's figures. */
function read() {
  const symbol = f.symbol.value;
  const s = spec(symbol);
  const side = f.sell.checked ? "sell" : "buy";
  const type = f.type.value;
  const quote = state.quotes.get(symbol);
  const pending = type !== "market";
  const entry = pending ? number(f.price) : quote ? (side === "buy" ? quote.ask : quote.bid) : null;
  // the price a stop is checked against: the closing side for a market order, the order's price for a pending one
  const reference = pending ? entry : quote ? (side === "buy" ? quote.bid : quote.ask) : null;
  const sign = side === "buy" ? 1 : -1;
  const level = (control, unit, away) => {
    const value = number(control);
    if (value === null || unit.value === "price") return value;
    return entry === null ? null : Number((entry + away * sign * value * s.pip_size).toFixed(s.digits));
  };
  const sl = level(f.sl, f.slUnit, -1);
  const tp = level(f.tp, f.tpUnit, 1);
  return { symbol, s, side, type, pending, entry, reference, sl, tp, amount: number(f.amount), byRisk: f.sizeBy.value === "risk" };
}

/** Stops on the wrong side of the reference price, as {field: message}. */
function wrongSide(o) {
  const flags = {};
  if (o.reference === null) return flags;
  const what = o.pending ? `${o.type} price` : o.side === "buy" ? "bid" : "ask";
  const ref = priceText(o.symbol, o.reference);
  if (o.sl !== null && (o.side === "buy" ? o.sl >= o.reference : o.sl <= o.reference)) {
    flags.sl = `a ${o.side}'s stop-loss must be ${o.side === "buy" ? "below" : "above"} the ${what} ${ref}`;
  }
  if (o.tp !== null && (o.side === "buy" ? o.tp <= o.reference : o.tp >= o.reference)) {
    flags.tp = `a ${o.side}'s take-profit must be ${o.side === "buy" ? "above" : "below"} the ${what} ${ref}`;
  }
  return flags;
}

function preview() {
  if (!f.symbol) return;
  const o = read();
  $("ticket-price-row").hidden = !o.pending;
  f.amount.step = o.byRisk ? "0.1" : String(o.s.lot_step || 0.01);
  const pipsOf = (a, b) => (a === null || b === null ? null : Math.abs(a - b) / o.s.pip_size);
  const stopPips = pipsOf(o.entry, o.sl);
  const targetPips = pipsOf(o.tp, o.entry);
  const rr = stopPips && targetPips !== null ? targetPips / stopPips : null;
  const account = state.account;
  let risk = "—";
  if (o.byRisk && o.amount !== null && account) risk = `${money(account.equity * o.amount / 100)} ${account.currency} (the server sizes the lots)`;
  else if (!o.byRisk && o.amount !== null && stopPips !== null && o.s.pip_value !== null && account) {
    risk = `${money(o.amount * stopPips * o.s.pip_value)} ${account.currency}`;
  } else if (!o.byRisk && stopPips !== null && o.s.pip_value === null) risk = "not available (no pip value yet)";
  const flags = wrongSide(o);
  for (const name of ["sl", "tp"]) {
    slots[name].textContent = flags[name] || "";
    slots[name].classList.toggle("warn", Boolean(flags[name]));
  }
  const line = (label, value, id) => el("div", { id }, el("span", { className: "muted" }, label), el("span", {}, value));
  f.preview.replaceChildren(
    line(o.pending ? "Order price" : `Entry (${o.side === "buy" ? "ask" : "bid"})`, priceText(o.symbol, o.entry), "preview-entry"),
    line("Stop-loss", o.sl === null ? "none" : `${priceText(o.symbol, o.sl)} (${fmt(stopPips, 1)} pips)`, "preview-sl"),
    line("Take-profit", o.tp === null ? "none" : `${priceText(o.symbol, o.tp)} (${fmt(targetPips, 1)} pips)`, "preview-tp"),
    line("R:R", rr === null ? "—" : `1 : ${fmt(rr, 2)}`, "preview-rr"),
    line("Risk at the stop", o.sl === null ? "unlimited (no stop-loss)" : risk, "preview-risk"));
  const size = o.byRisk ? `${o.amount ?? "?"} % risk` : `${o.amount ?? "?"} lots`;
  f.send.textContent = `${o.side === "buy" ? "Buy" : "Sell"} ${size} ${o.symbol}${o.pending ? ` ${o.type} at ${priceText(o.symbol, o.entry)}` : " at market"}`;
  f.send.className = o.side;
  f.send.disabled = Boolean(flags.sl || flags.tp);
  f.send.title = f.send.disabled ? "a stop is on the wrong side of the price" : "";
}

async function send() {
  const o = read();
  for (const slot of Object.values(slots)) { slot.show(null); slot.classList.remove("warn"); }
  f.done.textContent = "";
  const order = { symbol: o.symbol, side: o.side, order_type: o.type };
  if (o.pending) order.price = o.entry;
  if (o.byRisk) order.risk_percent = o.amount; else order.lots = o.amount;
  if (o.sl !== null) order.sl = o.sl;
  if (o.tp !== null) order.tp = o.tp;
  const trade = await busy(f.send, null, () => post("trades/execute/", order)).catch((failure) => {
    const target = { lots: "lots", risk_percent: "lots", price: "price", sl: "sl", tp: "tp", symbol: "symbol", order_type: "order_type" }[failure.field];
    (slots[target] || slots.send).textContent = describe(failure);
    return null;
  });
  if (trade) {
    f.done.textContent = `${trade.status === "pending" ? "Placed" : "Opened"} #${trade.id} ${trade.side} ${trade.lots} ${trade.symbol}`;
    emit("trade-written", trade);
  }
  preview();
}
