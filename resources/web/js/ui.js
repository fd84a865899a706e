// DOM helpers shared by the panels: element building, number and time formats, errors shown next
// to the control that caused them, the confirmation dialog and the tab list.

import { spec } from "./store.js";

export const $ = (id) => document.getElementById(id);

/** Create an element: el("button", {type: "button", className: "small", onclick}, "Close"). */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key in node && !key.includes("-")) node[key] = value;
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

let uid = 0;
export const nextId = (prefix) => `${prefix}-${++uid}`;

export const fmt = (value, digits) => (value === null || value === undefined || Number.isNaN(Number(value))
  ? "—" : Number(value).toFixed(digits));
export const priceText = (symbol, value) => fmt(value, spec(symbol).digits);
export const money = (value) => (value === null || value === undefined ? "—"
  : Number(value).toLocaleString(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 }));
export const signClass = (value) => (value > 0 ? "pos" : value < 0 ? "neg" : "");
export const toSeconds = (iso) => Math.floor(Date.parse(iso) / 1000);

/** "2026-11-24 17:00:05" in UTC from an ISO time (the API's times are UTC). */
export function timeText(iso, withDate = true) {
  if (!iso) return "—";
  const text = iso.replace("T", " ").slice(0, 19);
  return withDate ? text : text.slice(11);
}

/** A duration in ms as "3m 05s", "2h 10m" or "4d 3h" (negative: "-…"). */
export function duration(ms) {
  if (ms === null || Number.isNaN(ms)) return "—";
  const sign = ms < 0 ? "-" : "";
  let s = Math.floor(Math.abs(ms) / 1000);
  const d = Math.floor(s / 86400); s -= d * 86400;
  const h = Math.floor(s / 3600); s -= h * 3600;
  const m = Math.floor(s / 60); s -= m * 60;
  if (d) return `${sign}${d}d ${h}h`;
  if (h) return `${sign}${h}h ${String(m).padStart(2, "0")}m`;
  return `${sign}${m}m ${String(s).padStart(2, "0")}s`;
}

/** An error line (role=alert) meant to sit next to a control; `show(err)` / `show(null)`. */
export function errorSlot(id) {
  const slot = el("p", { className: "error", role: "alert", id });
  slot.show = (error) => { slot.textContent = error ? describe(error) : ""; };
  return slot;
}

/** The API's message, with the field it names. */
export function describe(error) {
  if (!error) return "";
  const field = error.field && !String(error.message).includes(error.field) ? ` (${error.field})` : "";
  return `${error.message}${field}`;
}

/** Run `action` with `button` disabled (no double sends); errors go to `slot` (or are rethrown). */
export async function busy(button, slot, action) {
  button.disabled = true;
  if (slot) slot.show(null);
  try {
    return await action();
  } catch (failure) {
    if (!slot) throw failure;
    slot.show(failure);
    return undefined;
  } finally {
    button.disabled = false;
  }
}

/** Ask for confirmation in the page's modal dialog; resolve true (Confirm) or false (Back/Escape). */
export function confirmAction(title, text, confirmLabel = "Confirm") {
  const dialog = $("confirm-dialog");
  $("confirm-title").textContent = title;
  $("confirm-text").textContent = text;
  $("confirm-yes").textContent = confirmLabel;
  return new Promise((resolve) => {
    const finish = (answer) => {
      $("confirm-yes").removeEventListener("click", yes);
      $("confirm-no").removeEventListener("click", no);
      dialog.removeEventListener("close", closed);
      if (dialog.open) dialog.close();
      resolve(answer);
    };
    const yes = () => finish(true);
    const no = () => finish(false);
    const closed = () => finish(false);
    $("confirm-yes").addEventListener("click", yes);
    $("confirm-no").addEventListener("click", no);
    dialog.addEventListener("close", closed);
    dialog.showModal();
    $("confirm-no").focus();
  });
}

/** Make a role=tablist work: click and arrow keys select, the chosen panel shows. */
export function tabs(list, onSelect) {
  const all = [...list.querySelectorAll('[role="tab"]')];
  const select = (tab, focus) => {
    for (const other of all) {
      const chosen = other === tab;
      other.setAttribute("aria-selected", String(chosen));
      other.tabIndex = chosen ? 0 : -1;
      document.getElementById(other.getAttribute("aria-controls")).hidden = !chosen;
    }
    if (focus) tab.focus();
    if (onSelect) onSelect(tab.id);
  };
  for (const tab of all) {
    tab.addEventListener("click", () => select(tab, false));
    tab.addEventListener("keydown", (event) => {
      const index = all.indexOf(tab);
      const step = { ArrowRight: 1, ArrowLeft: -1, Home: -index, End: all.length - 1 - index }[event.key];
      if (step === undefined) return;
      event.preventDefault();
      select(all[(index + step + all.length) % all.length], true);
    });
  }
}

/** The CSS colour variables of the current theme, for the charts. */
export function themeColours() {
  const style = getComputedStyle(document.documentElement);
  const read = (name) => style.getPropertyValue(name).trim();
  return { bg: read("--panel"), text: read("--text"), grid: read("--grid"), line: read("--line"),
           up: read("--up"), down: read("--down"), accent: read("--accent"), warn: read("--warn"), muted: read("--muted") };
}

/** Call `handler` when the system switches between light and dark. */
export function onThemeChange(handler) {
  window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", handler);
}
