import { statSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { KellyStatsStore } from "../../src/sizing/kelly-stats.ts";
import { FileStateStore, MemoryStateStore } from "../../src/store/state-store.ts";
import type { StateStore } from "../../src/store/state-store.ts";
import { intent, position, steppingClock, tempDir } from "./helpers.ts";

let dir = "";
let cleanup = (): void => {};
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

/** One full round trip as the daemon would store it: entry, stop, exit, learner update, close. */
function trade(store: StateStore, kelly: KellyStatsStore, i: number): void {
  const id = `t${i}`;
  store.upsertPosition(position(id, { orderIds: [`${id}-e`, `${id}-s`] }));
  store.recordIntent(`${id}-e`, intent(`${id}-e`));
  store.markSubmitted(`${id}-e`);
  store.markAcknowledged(`${id}-e`, `b-${id}-e`);
  store.markOrderStatus(`${id}-e`, "filled");
  store.recordIntent(`${id}-s`, intent(`${id}-s`, { side: "sell", type: "stop", stopPriceUsd: 99, limitPriceUsd: undefined, purpose: "stop" }));
  store.markSubmitted(`${id}-s`);
  store.markAcknowledged(`${id}-s`, `b-${id}-s`);
  store.markOrderStatus(`${id}-s`, "filled");
  store.closePosition(id);
  kelly.add({ strategyId: "bear-trap", symbol: "AAPL", rMultiple: (i % 5) - 1.5, closeTimeMs: 1_700_000_000_000 + i * 60_000 });
  store.setKelly(kelly.toJSON());
  store.setDaily({ date: "2026-01-05", realizedPnlUsd: i * 1.25, entries: 0, haltedReason: null });
  store.setLastBarTime(`S${i % 5}`, 1_700_000_000_000 + i * 60_000);
}

async function storeAfter(trades: number, sub: string): Promise<{ store: FileStateStore; kelly: KellyStatsStore }> {
  const { store } = await FileStateStore.open(join(dir, sub), { now: steppingClock() });
  // Kelly keeps its own bounded window (window x keys); a window of 10 on one key is full after
  // 10 trades, so any size difference left is history leaking into the state file.
  const kelly = new KellyStatsStore(10);
  for (let i = 0; i < trades; i++) {
    trade(store, kelly, i);
    if (i % 250 === 0) await store.commit();
  }
  // Keep some positions open so the file is realistic (open state is what must be kept).
  for (let k = 0; k < 3; k++) store.upsertPosition(position(`open${k}`));
  await store.commit();
  return { store, kelly };
}

async function medianCommitMs(store: FileStateStore, kelly: KellyStatsStore, from: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 15; i++) {
    trade(store, kelly, from + i);
    const t0 = performance.now();
    await store.commit();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

describe("bounded state", () => {
  it("state file size and commit time do not grow with the number of past trades (10 vs 10,000)", async () => {
    const small = await storeAfter(10, "small");
    const big = await storeAfter(10_000, "big");
    const sizeSmall = statSync(join(dir, "small", "state.json")).size;
    const sizeBig = statSync(join(dir, "big", "state.json")).size;
    // Same open positions, full Kelly windows, 16 finished orders kept in both: history does
    // not reach the state file (only the digits of ids and times differ).
    expect(Math.abs(sizeBig - sizeSmall)).toBeLessThan(4096);
    expect(Object.keys(big.store.snapshot().orders)).toHaveLength(16);
    expect(big.store.listPositions().map((p) => p.id).sort()).toEqual(["open0", "open1", "open2"]);
    const smallMs = await medianCommitMs(small.store, small.kelly, 10);
    const bigMs = await medianCommitMs(big.store, big.kelly, 10_000);
    // Timing is noisy on shared machines: only a gross dependence on history would fail this.
    expect(bigMs).toBeLessThan(Math.max(5 * smallMs, smallMs + 25));
  });

  it("never prunes working orders, only finished ones", async () => {
    const { store } = MemoryStateStore.open(null, { now: steppingClock(), maxTerminalOrders: 2 });
    store.recordIntent("w1", intent("w1"));
    store.markSubmitted("w1");
    for (let i = 0; i < 5; i++) {
      store.recordIntent(`d${i}`, intent(`d${i}`));
      store.markOrderStatus(`d${i}`, "canceled");
    }
    await store.commit();
    expect(Object.keys(JSON.parse(store.text!).orders).sort()).toEqual(["d3", "d4", "w1"]);
  });
});

describe("memory store round trip (property)", () => {
  it("reload(commit(ops)) equals the live state for any sequence of operations", async () => {
    const op = fc.oneof(
      fc.record({ k: fc.constant("pos" as const), id: fc.constantFrom("a", "b", "c"), stop: fc.double({ min: 1, max: 500, noNaN: true }) }),
      fc.record({ k: fc.constant("close" as const), id: fc.constantFrom("a", "b", "c") }),
      fc.record({ k: fc.constant("bar" as const), sym: fc.constantFrom("X", "Y"), t: fc.integer({ min: 0, max: 2 ** 45 }) }),
      // "__proto__" as a JSON key does not survive a plain-object round trip in JavaScript at all.
      fc.record({ k: fc.constant("strat" as const), sym: fc.constantFrom("X", "Y"), v: fc.jsonValue().filter((v) => !JSON.stringify(v).includes('"__proto__"')) }),
      fc.record({ k: fc.constant("eq" as const), v: fc.double({ min: 0, max: 1e7, noNaN: true }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 30 }), async (ops) => {
        const { store } = MemoryStateStore.open(null);
        for (const o of ops) {
          if (o.k === "pos") store.upsertPosition(position(o.id, { stopUsd: o.stop }));
          else if (o.k === "close") store.closePosition(o.id);
          else if (o.k === "bar") store.setLastBarTime(o.sym, o.t);
          else if (o.k === "strat") store.setStrategyState(o.sym, o.v);
          else store.raiseEquityHighWater(o.v);
        }
        await store.commit();
        const text = store.text ?? JSON.stringify(MemoryStateStore.open(null).store.snapshot());
        expect(MemoryStateStore.open(text).store.snapshot()).toEqual(JSON.parse(JSON.stringify(store.snapshot())));
      }),
      { numRuns: 100 },
    );
  });
});
