// Trade history from GET trades/ with its filters (status, symbol, since, until; dates in UTC)
// and paging; refreshed when a trade closes while the tab is open.

import { get, query } from "./api.js";
import { on, state } from "./store.js";
import { el, errorSlot, fmt, money, priceText, signClass, timeText } from "./ui.js";

const PAGE = 50;
let root, form, table, pager, slot;
let offset = 0;
let visible = false;

export function init(container) {
  root = container;
  const select = (name, label, options) => el("label", {}, label,
    el("select", { name, id: `history-${name}` }, ...options.map(([value, text]) => el("option", { value }, text))));
  const date = (name, label) => el("label", {}, label, el("input", { type: "date", name, id: `history-${name}` }));
  form = el("form", { className: "filters", "aria-label": "history filters" },
    select("status", "Status", [["closed", "closed"], ["cancelled", "cancelled"], ["", "all"], ["open", "open"], ["pending", "pending"]]),
    select("symbol", "Symbol", [["", "all"]]),
    date("since", "From (UTC)"), date("until", "To (UTC)"),
    el("button", { type: "submit" }, "Show"));
  slot = errorSlot("history-error");
  table = el("table", { id: "history" },
    el("thead", {}, el("tr", {}, ...["#", "Symbol", "Side", "Lots", "Opened", "Entry", "Closed", "Exit", "Reason", "Pips", "P&L", "Comm.", "Swap"]
      .map((h) => el("th", { scope: "col" }, h)))), el("tbody"));
  pager = el("div", { className: "pager" });
  root.append(form, slot, el("div", { className: "scroll" }, table, el("p", { className: "muted empty" }, "no trades match")), pager);
  form.addEventListener("submit", (event) => { event.preventDefault(); offset = 0; load(); });
  on("ready", () => {
    const symbols = form.elements.symbol;
    symbols.replaceChildren(el("option", { value: "" }, "all"), ...state.symbols.map((s) => el("option", { value: s }, s)));
  });
  on("tab", (id) => { visible = id === "tab-history"; if (visible) load(); });
  on("trade_closed", () => { if (visible) load(); });
}

async function load() {
  const data = new FormData(form);
  const since = data.get("since"), until = data.get("until");
  const params = { status: data.get("status"), symbol: data.get("symbol"), limit: PAGE, offset,
                   since: since ? `${since}T00:00:00Z` : "", until: until ? `${until}T23:59:59.999Z` : "" };
  slot.show(null);
  try {
    const body = await get(`trades/${query(params)}`);
    table.tBodies[0].replaceChildren(...body.items.map(row));
    const last = Math.min(offset + PAGE, body.total);
    const prev = el("button", { type: "button", className: "small", disabled: offset === 0,
                                onclick: () => { offset = Math.max(0, offset - PAGE); load(); } }, "Previous");
    const next = el("button", { type: "button", className: "small", disabled: last >= body.total,
                                onclick: () => { offset += PAGE; load(); } }, "Next");
    pager.replaceChildren(prev, el("span", { className: "muted" }, body.total ? `${offset + 1}–${last} of ${body.total}` : "0 trades"), next);
  } catch (failure) {
    slot.show(failure);
  }
}

function row(t) {
  const entry = t.entry_price ?? t.requested_price;
  return el("tr", { dataset: { tradeId: String(t.id) } },
    el("td", {}, String(t.id)), el("td", { className: "left" }, t.symbol),
    el("td", { className: `left ${t.side}` }, t.order_type === "market" ? t.side : `${t.side} ${t.order_type}`),
    el("td", {}, fmt(t.lots, 2)), el("td", {}, timeText(t.open_time)), el("td", {}, priceText(t.symbol, entry)),
    el("td", {}, timeText(t.close_time)), el("td", {}, priceText(t.symbol, t.close_price)),
    el("td", { className: "left" }, t.close_reason || t.status), el("td", { className: signClass(t.pips) }, fmt(t.pips, 1)),
    el("td", { className: signClass(t.pnl) }, money(t.pnl)), el("td", {}, money(t.commission)), el("td", {}, money(t.swap)));
}
