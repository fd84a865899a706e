// What the page knows, as the server last said it, and a small publish/subscribe between panels.
// Panels never change the server's figures: they render what REST and the WebSocket deliver.

export const state = {
  role: null,            // "viewer" or "trading" (GET session/)
  symbols: [],           // GET symbols/ items
  specs: {},             // GET symbols/ specs: digits, pip_size, pip_value per lot…
  quotes: new Map(),     // symbol -> last price_update data
  account: null,         // last account_update / GET account/
  active: new Map(),     // id -> open trade or pending order
  signals: new Map(),    // id -> signal
  chartSymbol: null,
  selectedSignal: null,  // id of the signal whose legs the chart draws
};

const handlers = new Map();

/** Call `handler(data)` on every `emit(kind, data)`; return a function that unsubscribes. */
export function on(kind, handler) {
  if (!handlers.has(kind)) handlers.set(kind, new Set());
  handlers.get(kind).add(handler);
  return () => handlers.get(kind).delete(handler);
}

/** Tell every subscriber of `kind`; one failing handler does not stop the others. */
export function emit(kind, data) {
  for (const handler of handlers.get(kind) || []) {
    try { handler(data); } catch (failure) { console.warn(`handler of ${kind} failed:`, failure); }
  }
}

export const isTrader = () => state.role === "trading";

/** The market clock: the time of the latest price the server sent (as the engine's clock, the
 *  last accepted quote's time), in ms since the epoch, or null before any price. */
export function marketNow() {
  let latest = null;
  for (const quote of state.quotes.values()) {
    const time = Date.parse(quote.time);
    if (!Number.isNaN(time) && (latest === null || time > latest)) latest = time;
  }
  return latest;
}

export function spec(symbol) {
  return state.specs[symbol] || { digits: symbol.endsWith("JPY") ? 3 : 5, pip_size: symbol.endsWith("JPY") ? 0.01 : 0.0001,
                                  pip_value: null, lot_min: 0.01, lot_step: 0.01, lot_max: 100 };
}
