import type { Rng } from "../core/rng.ts";
import type { FrameFault, RestFault } from "../exchange/server.ts";

/** Counts of each injected fault, by name (printed in the chaos summary). */
export type FaultCounts = Record<string, number>;

/** All fault counters at zero. */
export function noFaults(): FaultCounts {
  return { rest500Before: 0, rest500After: 0, rest429: 0, restSlow: 0, streamDrops: 0, barFramesDuplicated: 0, barFramesStale: 0, updateFramesDuplicated: 0, updateFramesStale: 0 };
}

/** Adds `b`'s counts into `a`. */
export function addFaults(a: FaultCounts, b: Readonly<FaultCounts>): void {
  for (const [k, n] of Object.entries(b)) a[k] = (a[k] ?? 0) + n;
}

/**
 * The exchange's fault hooks for the chaos run: seeded REST failures on the order calls (500
 * before or after the book changed, 429 with Retry-After, a late answer past the client's
 * deadline) and repeated or stale stream frames. `on()` switches them (off while the bot stops).
 * Lives in the driver when the exchange does, in the daemon child when the exchange dies with it.
 */
export function faultHooks(rng: Rng, counts: FaultCounts, on: () => boolean) {
  const rest = (req: { readonly method: string; readonly path: string }): RestFault | null => {
    if (!on()) return null;
    const orderCall = (req.method === "POST" && req.path === "/v2/orders") || (req.method === "DELETE" && req.path.startsWith("/v2/orders/")) || req.path === "/v2/orders:by_client_order_id";
    if (!orderCall) return null;
    const x = rng.next();
    if (x < 0.04) return (counts.rest500Before++, { when: "before", status: 500 });
    if (x < 0.08) return (counts.rest500After++, { when: "after", status: 500 });
    if (x < 0.1) return (counts.rest429++, { when: "before", status: 429, retryAfterS: 1 });
    if (x < 0.12) return (counts.restSlow++, { when: "after", delayMs: 700 });
    return null;
  };
  const frame = (stream: "bars" | "trade_updates"): FrameFault | null => {
    if (!on()) return null;
    const x = rng.next();
    const bars = stream === "bars";
    if (x < 0.03) return (counts[bars ? "barFramesDuplicated" : "updateFramesDuplicated"]++, "duplicate");
    if (x < 0.05) return (counts[bars ? "barFramesStale" : "updateFramesStale"]++, "stale");
    return null;
  };
  return { rest, frame };
}
