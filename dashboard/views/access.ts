/**
 * Who sees what (pure): the trading centre sees every order, match and total. A participant sees its own orders in
 * full; while listing is open nothing of others' orders; after the deadline others' orders without who placed them
 * (enough for the merit-order curves) and the match table (the public result), and only its own totals.
 */
import type { Role } from "../auth";
import type { RoundSnapshot } from "./market";

export interface Viewer {
  readonly role: Role;
  readonly address: string;
}

export function visibleRound(s: RoundSnapshot, viewer: Viewer): RoundSnapshot {
  if (viewer.role === "trading-centre") return s;
  const own = (o: { owner: string }) => o.owner.toLowerCase() === viewer.address.toLowerCase();
  const ownNames = new Set(s.orders.filter(own).map((o) => o.name));
  const listing = s.status.state === "listing";
  const orders = s.orders
    .filter((o) => own(o) || !listing)
    .map((o) => (own(o) ? o : { ...o, name: "", owner: "", escrow: 0 }));
  const totals = Object.fromEntries(Object.entries(s.totals).filter(([name]) => ownNames.has(name)));
  return { status: s.status, orders, matches: listing ? [] : s.matches, totals };
}
