import { describe, expect, it } from "vitest";
import { FileStateStore } from "../../src/store/state-store.ts";
import { OrderManager } from "../../src/orders/order-manager.ts";
import { compareWithBroker } from "../../src/daemon/order-check.ts";
import { intent, tempDir } from "./helpers.ts";

/** The state file keeps the order manager's orders (bounded) and a restart compares the broker's reports with them. */
describe("order snapshots in the state file", () => {
  function manager(finished: number) {
    const m = new OrderManager();
    for (let i = 0; i < finished; i++) {
      const id = `p.done.${i}`;
      m.add(intent(id));
      m.apply(id, { kind: "submitted", timeMs: i });
      m.apply(id, { kind: "accepted", timeMs: i, brokerId: `b${i}` });
      m.fill({ brokerOrderId: `b${i}`, cumQty: 100, qtyShares: 100, priceUsd: 101, timeMs: 1000 + i });
    }
    m.add(intent("p.stop.1", { side: "sell", type: "stop", stopPriceUsd: 99, limitPriceUsd: undefined, purpose: "stop" }));
    m.apply("p.stop.1", { kind: "submitted", timeMs: 5 });
    m.apply("p.stop.1", { kind: "accepted", timeMs: 5, brokerId: "b-stop" });
    return m;
  }

  it("persists every working order and the newest finished ones, and restores them with their fills", async () => {
    const { dir, cleanup } = tempDir();
    try {
      const m = manager(80);
      const snaps = m.snapshots(50);
      expect(snaps).toHaveLength(51);
      expect(snaps.some((s) => s.intent.clientOrderId === "p.done.0")).toBe(false);
      const { store } = await FileStateStore.open(dir);
      store.setOrderSnapshots(snaps);
      await store.commit();
      const { store: again } = await FileStateStore.open(dir);
      const back = new OrderManager();
      back.restore(again.getOrderSnapshots());
      expect(back.get("p.stop.1")).toMatchObject({ status: "accepted", brokerId: "b-stop" });
      // A late repeat of a saved fill is still a duplicate after the restart.
      expect(back.fill({ brokerOrderId: "b79", cumQty: 100, qtyShares: 100, priceUsd: 101, timeMs: 2000 }).kind).toBe("duplicate");
      expect(back.locate("b-stop", undefined)?.order.clientOrderId).toBe("p.stop.1");
    } finally {
      cleanup();
    }
  });

  it("a saved working order the broker ended or lacks, and a saved finished one it still works, are differences", () => {
    const snaps = manager(2).snapshots();
    const diffs = compareWithBroker(snaps, [
      { clientOrderId: "p.stop.1", status: "canceled" },
      { clientOrderId: "p.done.0", status: "filled" },
      { clientOrderId: "p.done.1", status: "new" },
    ]);
    expect(diffs).toEqual([
      { clientOrderId: "p.stop.1", saved: "accepted", broker: "canceled" },
      { clientOrderId: "p.done.1", saved: "filled", broker: "new" },
    ]);
    expect(compareWithBroker(snaps, [{ clientOrderId: "p.done.0", status: "filled" }, { clientOrderId: "p.done.1", status: "filled" }])).toEqual([{ clientOrderId: "p.stop.1", saved: "accepted", broker: null }]);
  });
});

describe("order check after a restart", () => {
  it("an OCO filled through its stop leg and a cancel completed while down are no differences", () => {
    const m = new OrderManager();
    m.add(intent("p.tp1.1", { side: "sell", type: "oco", stopPriceUsd: 99, limitPriceUsd: 104, purpose: "tp1" }));
    m.apply("p.tp1.1", { kind: "submitted", timeMs: 1 });
    m.apply("p.tp1.1", { kind: "accepted", timeMs: 1, brokerId: "lim", stopLegId: "stp" });
    m.fill({ brokerOrderId: "stp", cumQty: 100, qtyShares: 100, priceUsd: 99, timeMs: 2 });
    m.add(intent("p.stop.1", { side: "sell", type: "stop", stopPriceUsd: 99, purpose: "stop" }));
    m.apply("p.stop.1", { kind: "submitted", timeMs: 1 });
    m.apply("p.stop.1", { kind: "accepted", timeMs: 1, brokerId: "s1" });
    m.apply("p.stop.1", { kind: "pending_cancel", timeMs: 3 });
    expect(compareWithBroker(m.snapshots(), [
      { clientOrderId: "p.tp1.1", status: "canceled", legs: [{ id: "stp", status: "filled" }] },
      { clientOrderId: "p.stop.1", status: "canceled" },
    ])).toEqual([]);
  });
});
