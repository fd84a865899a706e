// Market watch: bid, ask and spread (pips, as the server computes it) per symbol, with a stale
// mark when the server says the price is stale (the price's time and source in the row's title).
// A symbol opens on the chart and in the ticket.

import { emit, on, state } from "./store.js";
import * as chart from "./chart.js";
import { $, el, fmt, priceText, timeText } from "./ui.js";

const rows = new Map();

export function init() {
  on("ready", build);
  on("price_update", update);
  on("chart-symbol", (symbol) => {
    for (const [name, row] of rows) row.classList.toggle("selected", name === symbol);
  });
}

function build() {
  rows.clear();
  const body = $("watch").querySelector("tbody");
  body.replaceChildren(...state.symbols.map((symbol) => {
    const row = el("tr", { dataset: { symbol } },
      el("th", { scope: "row" }, el("button", { type: "button", title: `show ${symbol} on the chart`,
                                                 onclick: () => { chart.select(symbol); emit("ticket-symbol", symbol); } }, symbol)),
      el("td", { className: "bid" }, "—"), el("td", { className: "ask" }, "—"),
      el("td", { className: "spread" }, "—"));
    rows.set(symbol, row);
    return row;
  }));
  for (const quote of state.quotes.values()) update(quote);
}

function update(price) {
  const row = rows.get(price.symbol);
  if (!row) return;
  row.querySelector(".bid").textContent = priceText(price.symbol, price.bid);
  row.querySelector(".ask").textContent = priceText(price.symbol, price.ask);
  const spread = row.querySelector(".spread");
  spread.replaceChildren(fmt(price.spread_pips, 1),
    price.stale ? el("span", { className: "stale-mark", title: "stale: no provider has answered lately" }, " stale") : "");
  row.title = `${price.symbol} at ${timeText(price.time)} UTC from ${price.source}${price.stale ? " (stale)" : ""}`;
  row.classList.toggle("stale", Boolean(price.stale));
}
