import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { OrderManager, type FillReport } from "../../src/orders/order-manager.ts";

/**
 * Any interleaving and duplication of one order's executions (stream updates and the activities
 * catch-up report the same ones under different id strings) moves the position exactly once.
 */
describe("fill de-duplication by order and cumulative quantity", () => {
  it("changes the position once whatever the order and repetition of the same fills", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 6 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 30 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 30 }),
        fc.array(fc.integer(), { minLength: 40, maxLength: 40 }),
        (pieces, picks, fromActivities, keys) => {
          const total = pieces.reduce((a, b) => a + b, 0);
          const m = new OrderManager();
          const o = m.add({ clientOrderId: "p.entry", symbol: "ABC", symId: 0, side: "buy", type: "market", qtyShares: total, purpose: "entry" });
          if (typeof o === "string") throw new Error(o);
          m.apply("p.entry", { kind: "submitted", timeMs: 0 });
          m.apply("p.entry", { kind: "accepted", timeMs: 0, brokerId: "order-1" });
          let cum = 0;
          const execs = pieces.map((q, i) => {
            cum += q;
            return { q, cum, price: 10 + i };
          });
          // Every execution at least once, then random repeats, in a random order; each copy from
          // the stream (bare uuid) or the activities (`YYYYMMDDHHMMSSmmm::<another uuid>`).
          const seq = [...execs.map((_, i) => i), ...picks.map((p) => p % execs.length)];
          const order = seq.map((e, k) => ({ e, key: keys[k] })).sort((a, b) => a.key - b.key);
          let position = 0;
          order.forEach(({ e }, k) => {
            const x = execs[e];
            const act = fromActivities[k % fromActivities.length];
            const r: FillReport = {
              brokerOrderId: "order-1",
              cumQty: x.cum,
              qtyShares: x.q,
              priceUsd: x.price,
              timeMs: 1000 + e,
              executionId: act ? `20260105143000123::${k}-activity` : `${k}-stream-uuid`,
            };
            const out = m.fill(r);
            if (out.kind === "applied") position += out.qtyShares;
          });
          expect(position).toBe(total);
          expect(o.filledQty).toBe(total);
          expect(o.status).toBe("filled");
        },
      ),
    );
  });
});
