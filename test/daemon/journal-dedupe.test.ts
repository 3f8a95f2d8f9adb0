import { describe, expect, it } from "vitest";
import { MemoryJournal } from "../../src/store/journal.ts";
import { DedupingJournal } from "../../src/daemon/journal-dedupe.ts";

describe("DedupingJournal: a restart's replay journals only what the journal lacks", () => {
  it("drops events already on file (as a multiset), marks the rest recovered, and passes through outside a replay", () => {
    const inner = new MemoryJournal();
    const day = "2024-05-13";
    inner.append(day, "fill", { clientOrderId: "a", qty: 10, price: 1.5, pnl: NaN });
    inner.append(day, "fill", { clientOrderId: "a", qty: 10, price: 1.5, pnl: NaN });
    const j = new DedupingJournal(inner);
    j.beginReplay();
    // NaN went to disk as null: the comparison must survive that trip.
    expect(j.append(day, "fill", { clientOrderId: "a", qty: 10, price: 1.5, pnl: NaN })).toBe(false);
    expect(j.append(day, "fill", { clientOrderId: "a", qty: 10, price: 1.5, pnl: NaN })).toBe(false);
    // A third identical fill was never journaled: it is added.
    expect(j.append(day, "fill", { clientOrderId: "a", qty: 10, price: 1.5, pnl: NaN })).toBe(true);
    expect(j.append(day, "exit", { id: "t1" })).toBe(true);
    j.endReplay();
    expect(j.append(day, "exit", { id: "t1" })).toBe(true);
    const events = inner.readDay(day);
    expect(events.map((e) => `${e.type}${e.recovered === true ? "*" : ""}`)).toEqual(["fill", "fill", "fill*", "exit*", "exit"]);
    expect([j.skipped, j.added]).toEqual([2, 2]);
  });
});
