// Ordering and de-duplication of the live messages by `seq`, the engine's event sequence number,
// which every message of /ws/trading/ carries (DESIGN). After a reconnect, or from a socket being
// replaced, a message can arrive twice or after a newer one: a message is applied only when it is
// newer than the last one applied about the same subject (a symbol's price, the account, a trade,
// a signal, the feeds). The messages of one event share its number (a partial close's
// trade_closed and trade_modified) but are about different subjects. Numbers are never reused,
// not even by a restarted server, so nothing needs forgetting on a reconnect.

/** What a message is about (its key for ordering), or null for messages that are not ordered. */
export function subjectOf(message) {
  const data = message.data || {};
  switch (message.type) {
    case "price_update": return `price:${data.symbol}`;
    case "account_update": return "account";
    case "trade_execution":
    case "trade_modified":
    case "trade_closed": return `trade:${data.id}`;
    case "signal_alert": return `signal:${data.id}`;
    case "feed_status": return "feeds";
    default: return null;
  }
}

/** The last `seq` applied per subject; `accept(message)` says whether to apply a message. */
export class SequenceFilter {
  constructor() {
    this.applied = new Map();
    this.dropped = 0;
  }

  /** True when `message` is newer than the last one applied about its subject (then it is noted). */
  accept(message) {
    const subject = subjectOf(message);
    if (subject === null || typeof message.seq !== "number") return true;
    const last = this.applied.get(subject);
    if (last !== undefined && message.seq <= last) {
      this.dropped += 1;
      return false;
    }
    this.applied.set(subject, message.seq);
    return true;
  }
}
