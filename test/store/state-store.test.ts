import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SeededRng } from "../../src/core/rng.ts";
import { KellyStatsStore } from "../../src/sizing/kelly-stats.ts";
import { defaultRlConfig } from "../../src/sizing/rl/config.ts";
import { parseQTable, serializeQTable } from "../../src/sizing/rl/persist.ts";
import { QTable } from "../../src/sizing/rl/q-table.ts";
import { FileStateStore, MemoryStateStore, StateFileError } from "../../src/store/state-store.ts";
import type { StateStore } from "../../src/store/state-store.ts";
import { intent, position, steppingClock, tempDir } from "./helpers.ts";

let dir = "";
let cleanup = (): void => {};
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

function fill(store: StateStore): void {
  store.upsertPosition(position("p1"));
  store.recordIntent("o1", intent("o1"));
  store.markSubmitted("o1");
  store.markAcknowledged("o1", "broker-1");
  store.setStrategyState("AAPL", { armed: true, level: 101.2, tags: ["a"] });
  const kelly = new KellyStatsStore(20);
  for (let i = 0; i < 30; i++) kelly.add({ strategyId: "bear-trap", symbol: "AAPL", rMultiple: (i % 3) - 0.5, closeTimeMs: 1_700_000_000_000 + i });
  store.setKelly(kelly.toJSON());
  const q = QTable.fromConfig(defaultRlConfig(), "2026-01-01T00:00:00.000Z");
  const rng = new SeededRng(3);
  for (let i = 0; i < 50; i++) q.update(`s${i % 4}`, Math.floor(rng.next() * 6), rng.normal());
  store.setQTable(serializeQTable(q));
  store.raiseEquityHighWater(100_000);
  store.raiseEquityHighWater(99_000);
  store.setDaily({ date: "2026-01-05", realizedPnlUsd: -120.5, entries: 0, haltedReason: null });
  store.setLastBarTime("AAPL", 1_700_000_060_000);
}

describe("FileStateStore", () => {
  it("round-trips every part of the state through disk", async () => {
    const { store } = await FileStateStore.open(dir, { now: steppingClock() });
    fill(store);
    await store.commit();
    const { store: again, issue } = await FileStateStore.open(dir);
    expect(issue).toBeNull();
    expect(again.snapshot()).toEqual(store.snapshot());
    expect(again.getPosition("p1")).toEqual(position("p1"));
    expect(again.getOrder("o1")).toMatchObject({ status: "acknowledged", brokerId: "broker-1" });
    expect(again.getOrder("o1")?.submittedAt).not.toBeNull();
    expect(again.getStrategyState("AAPL")).toEqual({ armed: true, level: 101.2, tags: ["a"] });
    expect(again.snapshot().equityHighWaterUsd).toBe(100_000);
    expect(again.lastBarTime("AAPL")).toBe(1_700_000_060_000);
    // The learners come back through their own loaders.
    const kelly = KellyStatsStore.fromJSON(again.snapshot().kelly!);
    expect(kelly.toJSON()).toEqual(store.snapshot().kelly);
    const q = parseQTable(again.snapshot().qtable, "state.json#qtable");
    expect(serializeQTable(q)).toEqual(store.snapshot().qtable);
  });

  it("has a committed change on disk when commit resolves; files are 0600", async () => {
    const { store } = await FileStateStore.open(dir);
    store.recordIntent("o1", intent("o1"));
    const p = store.commit();
    store.setLastBarTime("MSFT", 5); // after the commit call: may or may not be in that write
    await p;
    const disk = JSON.parse(readFileSync(join(dir, "state.json"), "utf8")) as { orders: Record<string, unknown> };
    expect(disk.orders.o1).toBeDefined();
    expect(statSync(join(dir, "state.json")).mode & 0o777).toBe(0o600);
    await store.commit();
    expect(JSON.parse(readFileSync(join(dir, "state.json"), "utf8")).lastBarTimeMs.MSFT).toBe(5);
    // No temp files left behind.
    expect(readdirSync(dir)).toEqual(["state.json"]);
  });

  it("ignores and removes a stray temp file left by a crash mid-write", async () => {
    const { store } = await FileStateStore.open(dir);
    store.setLastBarTime("AAPL", 42);
    await store.commit();
    writeFileSync(join(dir, "state.json.tmp-99999-1"), '{"schemaVersion":1,"positions":{'); // cut write
    const { store: again, issue } = await FileStateStore.open(dir);
    expect(issue).toBeNull();
    expect(again.lastBarTime("AAPL")).toBe(42);
    expect(readdirSync(dir)).toEqual(["state.json"]);
  });

  it("refuses a truncated file clearly and leaves it in place by default", async () => {
    const { store } = await FileStateStore.open(dir);
    fill(store);
    await store.commit();
    const full = readFileSync(join(dir, "state.json"), "utf8");
    writeFileSync(join(dir, "state.json"), full.slice(0, Math.floor(full.length / 2)));
    const err = await FileStateStore.open(dir).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StateFileError);
    expect((err as StateFileError).kind).toBe("json");
    expect((err as Error).message).toContain(join(dir, "state.json"));
    expect(existsSync(join(dir, "state.json"))).toBe(true); // not silently replaced
  });

  it("with onCorrupt reset: moves the bad file aside, flags it, and starts empty", async () => {
    writeFileSync(join(dir, "state.json"), "{not json");
    const now = Date.UTC(2026, 0, 5, 14, 30, 0);
    const { store, issue } = await FileStateStore.open(dir, { onCorrupt: "reset", now: () => now });
    expect(issue?.kind).toBe("json");
    expect(issue?.movedTo).toBe(join(dir, "state.json.corrupt-2026-01-05T14-30-00.000Z"));
    expect(readFileSync(issue!.movedTo!, "utf8")).toBe("{not json");
    expect(existsSync(join(dir, "state.json"))).toBe(false);
    expect(store.listPositions()).toEqual([]);
    store.setLastBarTime("AAPL", 1);
    await store.commit();
    expect((await FileStateStore.open(dir)).store.lastBarTime("AAPL")).toBe(1);
  });

  it("rejects a malformed state naming the bad key (zod)", async () => {
    const { store } = await FileStateStore.open(dir);
    store.upsertPosition(position("p1"));
    await store.commit();
    const raw = JSON.parse(readFileSync(join(dir, "state.json"), "utf8"));
    raw.positions.p1.stopUsd = "ninety-nine";
    writeFileSync(join(dir, "state.json"), JSON.stringify(raw));
    await expect(FileStateStore.open(dir)).rejects.toThrow(/positions\.p1\.stopUsd/);
    raw.positions.p1.stopUsd = 99;
    raw.surprise = 1;
    writeFileSync(join(dir, "state.json"), JSON.stringify(raw));
    await expect(FileStateStore.open(dir)).rejects.toThrow(/surprise/);
    writeFileSync(join(dir, "state.json"), JSON.stringify({ ...raw, surprise: undefined, schemaVersion: 7 }));
    await expect(FileStateStore.open(dir)).rejects.toThrow(/unsupported schemaVersion 7/);
  });
});

describe("intent ledger", () => {
  it("records before submit, transitions once, and is idempotent by client order id", () => {
    const { store } = MemoryStateStore.open(null, { now: steppingClock() });
    expect(() => store.markSubmitted("nope")).toThrow(/unknown client order id/);
    expect(store.recordIntent("o1", intent("o1")).created).toBe(true);
    expect(store.recordIntent("o1", intent("o1")).created).toBe(false);
    expect(() => store.recordIntent("o1", intent("o1", { qtyShares: 5 }))).toThrow(/different intent/);
    expect(store.markSubmitted("o1")).toBe(true);
    expect(store.markSubmitted("o1")).toBe(false);
    store.markAcknowledged("o1", "b1");
    expect(store.markAcknowledged("o1", "b2")).toMatch(/conflicts/);
    store.markOrderStatus("o1", "filled");
    expect(store.markRejected("o1", "late")).toMatch(/already filled/);
    store.recordIntent("o2", intent("o2"));
    store.markRejected("o2", "insufficient buying power");
    expect(store.getOrder("o2")).toMatchObject({ status: "rejected", reason: "insufficient buying power" });
    // An invalid intent never reaches the state.
    expect(() => store.recordIntent("o3", intent("o3", { qtyShares: -1 }))).toThrow();
    expect(store.getOrder("o3")).toBeUndefined();
  });

  it("an intent recorded before a crash survives it (reconcile instead of re-posting)", async () => {
    const { store } = await FileStateStore.open(dir);
    store.recordIntent("o1", intent("o1"));
    await store.commit(); // then the process dies during the POST
    const { store: again } = await FileStateStore.open(dir);
    expect(again.listOrders((o) => o.status === "intended").map((o) => o.intent.clientOrderId)).toEqual(["o1"]);
  });
});

describe("MemoryStateStore", () => {
  it("behaves like the file store: same JSON, same validation, same corrupt handling", async () => {
    const clockA = steppingClock();
    const clockB = steppingClock();
    const { store: mem } = MemoryStateStore.open(null, { now: clockA });
    const { store: file } = await FileStateStore.open(dir, { now: clockB });
    fill(mem);
    fill(file);
    await mem.commit();
    await file.commit();
    expect(mem.text).toBe(readFileSync(join(dir, "state.json"), "utf8"));
    expect(MemoryStateStore.open(mem.text).store.snapshot()).toEqual(file.snapshot());
    expect(() => MemoryStateStore.open("{cut")).toThrow(StateFileError);
    const { store, issue } = MemoryStateStore.open("{cut", { onCorrupt: "reset" });
    expect(issue?.kind).toBe("json");
    expect(store.corrupt).toEqual(["{cut"]);
  });
});

describe("impossible order-status changes", () => {
  it("are refused with a reason and counted, never thrown and never applied", () => {
    const { store } = MemoryStateStore.open(null, { now: steppingClock() });
    store.recordIntent("o1", intent("o1"));
    store.markSubmitted("o1");
    expect(store.markAcknowledged("o1", "b-1")).toBeNull();
    expect(store.markOrderStatus("o1", "filled")).toBeNull();
    // A late "rejected" after the fill (a replayed or mis-ordered report).
    expect(store.markRejected("o1", "late")).toBe("o1: already filled, cannot become rejected");
    expect(store.getOrder("o1")?.status).toBe("filled");
    expect(store.markAcknowledged("o1", "b-2")).toMatch(/conflicts with b-1; kept b-1/);
    expect(store.getOrder("o1")?.brokerId).toBe("b-1");
    expect(store.markOrderStatus("nope", "canceled")).toMatch(/never recorded/);
    expect(store.refusedChanges().count).toBe(3);
    expect(store.refusedChanges().recent.at(-1)).toMatch(/nope/);
  });
});
