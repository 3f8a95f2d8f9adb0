import type { OrderEnded, Venue, VenueFactory } from "./venue.ts";

/** Refusals a venue answered, by kind of order and reason: what a run's sequencing cost. */
export interface RefusalTally {
  /** "purpose: reason" -> count; purposes folded (tp1, t2_2R, add1, ... keep their names). */
  readonly byReason: Map<string, number>;
  total(): number;
}

/**
 * Wraps a venue factory to count every refusal its venues answer: at once (`accepted: false`
 * from submit or replace) and after acceptance (`onEnded` with status "rejected"). Broker
 * cancels and expiries are not refusals and are not counted. Used to show a run's order flow
 * breaks none of the broker's rules (the simulated broker applies Alpaca's).
 */
export function tallyRefusals(inner: VenueFactory): { factory: VenueFactory; tally: RefusalTally } {
  const byReason = new Map<string, number>();
  const purposeOf = new Map<string, string>();
  const count = (purpose: string, reason: string): void => {
    const key = `${purpose}: ${reason.replace(/\d+(\.\d+)?/g, "N")}`;
    byReason.set(key, (byReason.get(key) ?? 0) + 1);
  };
  const factory: VenueFactory = (symbols, onFill, bar, onEnded) => {
    const ended = (e: OrderEnded): void => {
      if (e.status === "rejected") count(purposeOf.get(e.clientOrderId) ?? "?", e.reason);
      onEnded?.(e);
    };
    const v = inner(symbols, onFill, bar, ended);
    const wrapped: Venue = {
      onBar: (b) => v.onBar(b),
      submit: (i) => {
        purposeOf.set(i.clientOrderId, i.purpose);
        const r = v.submit(i);
        if (!r.accepted) count(i.purpose, r.reason);
        return r;
      },
      cancel: (id) => v.cancel(id),
      replace: (old, i) => {
        purposeOf.set(i.clientOrderId, i.purpose);
        const r = v.replace(old, i);
        if (!r.accepted) count(`${i.purpose} (replace)`, r.reason);
        return r;
      },
      equityUsd: () => v.equityUsd(),
      buyingPowerUsd: () => v.buyingPowerUsd(),
      lastPriceUsd: (s) => v.lastPriceUsd(s),
      liquidate: (s, p, t, id, purpose) => v.liquidate(s, p, t, id, purpose),
    };
    return wrapped;
  };
  return { factory, tally: { byReason, total: () => [...byReason.values()].reduce((a, b) => a + b, 0) } };
}
