// The web terminal's entry: sign-in, the header (session, connection, account), then the panels.
// The server stays the authority: the role only decides which controls are built; every write is a
// REST call the server may refuse, and its message is shown next to the control.

import * as api from "./api.js";
import * as live from "./live.js";
import { emit, on, state } from "./store.js";
import { $, el, money, tabs } from "./ui.js";
import * as chart from "./chart.js";
import * as watch from "./watch.js";
import * as signals from "./signals.js";
import * as positions from "./positions.js";
import * as ticket from "./ticket.js";
import * as historyPanel from "./history.js";
import * as dashboard from "./dashboard.js";

function showSignIn(message) {
  $("terminal").hidden = true;
  $("sign-in-view").hidden = false;
  $("session").hidden = true;
  $("sign-out").hidden = true;
  $("sign-in-error").textContent = message || "";
  $("token-input").value = "";
  $("token-input").focus();
}

async function signIn(token) {
  api.storeToken(token);
  let session;
  try {
    session = await api.get("session/");
  } catch (failure) {
    if (failure.status === 401) api.forgetToken();
    showSignIn(failure.status === 401 ? "This token is not accepted by the terminal." : failure.message);
    return;
  }
  state.role = session.role === "trading" ? "trading" : "viewer";
  const badge = $("session");
  badge.textContent = state.role === "trading" ? "trading session" : "viewer session: watching only";
  badge.className = `badge ${state.role}`;
  badge.hidden = false;
  $("sign-out").hidden = false;
  $("sign-in-view").hidden = true;
  $("terminal").hidden = false;
  $("terminal").classList.toggle("viewer", state.role !== "trading");
  await startTerminal();
}

let started = false;

async function startTerminal() {
  const listed = await api.get("symbols/").catch(() => ({ items: [], specs: {} }));
  state.symbols = listed.items || [];
  state.specs = listed.specs || {};
  if (!started) {
    started = true;
    watch.init();
    chart.init();
    signals.init();
    positions.init();
    ticket.init();
    historyPanel.init($("history-view"));
    dashboard.init($("dashboard-view"));
    tabs(document.querySelector(".tabs"), (id) => emit("tab", id));
  }
  try { onAccount(await api.get("account/")); } catch (failure) { /* the socket greets with it too */ }
  try { onFeeds(await api.get("feeds/")); } catch (failure) { /* feed_status messages say it on a change */ }
  emit("ready");
  live.start();
}

function onAccount(account) {
  state.account = account;
  const open = account.equity - account.balance;
  $("account-summary").replaceChildren(
    el("span", {}, "Balance ", el("strong", { id: "balance" }, `${money(account.balance)} ${account.currency}`)),
    el("span", {}, "Equity ", el("strong", { id: "equity-value" }, money(account.equity))),
    el("span", { className: open > 0 ? "pos" : open < 0 ? "neg" : "" }, "Open P&L ", money(open)),
    el("span", {}, "Free margin ", money(account.free_margin)));
}

/** The journal's state from GET feeds/ or a feed_status message ({feeds, journal}): shown unless it is ok. */
function onFeeds({ journal }) {
  const badge = $("journal-state");
  const trouble = journal && journal.state !== "ok";
  badge.hidden = !trouble;
  badge.textContent = trouble ? journal.message || `journal ${journal.state}` : "";
  badge.title = trouble && journal.last_error ? journal.last_error : "";
  badge.className = `badge ${journal && journal.state === "read_only" ? "stale" : "down"}`;
}

function onConnection({ state: now, retryIn }) {
  const badge = $("connection");
  const text = { live: "live", stale: "connected, prices stale",
                 down: `disconnected: reconnecting in ${Math.max(1, Math.round((retryIn || 0) / 1000))} s` }[now];
  badge.textContent = text;
  badge.className = `badge ${now}`;
  document.body.dataset.connection = now;
}

function boot() {
  on("price_update", (price) => state.quotes.set(price.symbol, price));   // first: every panel reads it
  on("account_update", onAccount);
  on("connection", onConnection);
  on("feed_status", onFeeds);
  on("signed-out", ({ reason }) => { live.stop(); api.forgetToken(); showSignIn(reason); });
  $("sign-in").addEventListener("submit", (event) => {
    event.preventDefault();
    const value = $("token-input").value.trim();
    if (value) signIn(value);
  });
  $("sign-out").addEventListener("click", () => { live.stop(); api.forgetToken(); window.location.reload(); });
  const token = api.takeToken();
  if (token) signIn(token); else showSignIn();
}

boot();
