// The live connection: /ws/trading/ with reconnection (exponential backoff with jitter, at most
// 15 s) after a server restart or a network loss, and a watchdog that says when prices are stale.
// Emits "live" messages by type (price_update, trade_*, account_update, signal_alert, feed_status),
// "connected" after every (re)connection (panels then reload from REST) and "connection" states.
// A message older than, or the same as, one already applied about the same subject is dropped
// (its `seq`: sequence.js), as can happen around a reconnect.

import { get, token } from "./api.js";
import { SequenceFilter } from "./sequence.js";
import { emit } from "./store.js";

const MAX_DELAY_MS = 15000;
const FIRST_DELAY_MS = 500;
const STALE_AFTER_MS = 20000;   // no price at all for this long while connected: "prices stale"

let socket = null;
let attempt = 0;
let timer = null;
let stopped = true;
let lastPriceAt = 0;
let watchdog = null;
let connectedOnce = false;
let stale = false;
export const sequence = new SequenceFilter();   // kept across reconnects: numbers are never reused

/** Open the connection and keep it open until `stop()`. */
export function start() {
  stopped = false;
  attempt = 0;
  open();
  clearInterval(watchdog);
  watchdog = setInterval(checkStale, 2000);
}

export function stop() {
  stopped = true;
  clearTimeout(timer);
  clearInterval(watchdog);
  if (socket) { socket.onclose = null; socket.close(1000); socket = null; }
}

function open() {
  const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
  // A WebSocket cannot carry an Authorization header, and a browser prints a failed socket's
  // URL in its console: the token travels as a subprotocol (base64url), never in a URL.
  const encoded = btoa(String.fromCharCode(...new TextEncoder().encode(token())))
    .replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  const ws = new WebSocket(`${scheme}//${window.location.host}/ws/trading/`, ["paper-terminal", `paper-terminal.token.${encoded}`]);
  socket = ws;
  ws.onopen = () => {
    attempt = 0;
    stale = false;
    lastPriceAt = Date.now();
    emit("connection", { state: "live" });
    emit("connected", { again: connectedOnce });
    connectedOnce = true;
  };
  ws.onmessage = (event) => {
    let message;
    try { message = JSON.parse(event.data); } catch (failure) { return; }
    if (!sequence.accept(message)) return;
    if (message.type === "price_update") {
      lastPriceAt = Date.now();
      if (stale) { stale = false; emit("connection", { state: "live" }); }
    }
    emit(message.type, message.data);
  };
  ws.onclose = () => {
    if (socket !== ws || stopped) return;
    socket = null;
    schedule();
  };
}

async function schedule() {
  const delay = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** attempt) * (0.8 + Math.random() * 0.4);
  attempt += 1;
  emit("connection", { state: "down", retryIn: delay });
  // A server that restarted with other tokens would refuse the socket forever: ask once.
  try {
    await get("session/");
  } catch (failure) {
    if (failure.status === 401) { emit("signed-out", { reason: "the terminal no longer accepts this token" }); return; }
  }
  if (stopped) return;
  clearTimeout(timer);
  timer = setTimeout(() => { if (!stopped) open(); }, delay);
}

function checkStale() {
  if (!socket || socket.readyState !== WebSocket.OPEN) return;
  if (!stale && Date.now() - lastPriceAt > STALE_AFTER_MS) {
    stale = true;
    emit("connection", { state: "stale" });
  }
}
