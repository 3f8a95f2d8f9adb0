import { describe, expect, it } from "vitest";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Journal, MemoryJournal, readJournal } from "../../src/store/journal.ts";
import { DedupingJournal } from "../../src/daemon/journal-dedupe.ts";

describe("journal run stamp", () => {
  it("stamps every event after setRun with the run id, and refuses a payload that sets run", () => {
    const j = new MemoryJournal({ now: () => 0 });
    j.append("2024-05-13", "state_recovered", { problem: "x" });
    j.setRun("run-a");
    j.append("2024-05-13", "startup", {});
    const [before, after] = j.readDay("2024-05-13");
    expect(before.run).toBeUndefined();
    expect(after.run).toBe("run-a");
    expect(() => j.append("2024-05-13", "error", { run: "other" })).toThrow(/reserved key "run"/);
  });

  it("lets a second run journal a client order id the first run used (one submission per run)", () => {
    const dir = mkdtempSync(join(tmpdir(), "jrun-"));
    const a = Journal.open(dir, { fsync: false, now: () => 0 });
    a.setRun("run-a");
    expect(a.append("2024-05-13", "order_submitted", { clientOrderId: "s.1" })).toBe(true);
    expect(a.append("2024-05-13", "order_submitted", { clientOrderId: "s.1" })).toBe(false);
    a.close();
    const b = Journal.open(dir, { fsync: false, now: () => 0 });
    b.setRun("run-b");
    expect(b.append("2024-05-13", "order_submitted", { clientOrderId: "s.1" })).toBe(true);
    b.close();
    expect(readJournal(dir, "2024-05-13").map((e) => e.run)).toEqual(["run-a", "run-b"]);
  });

  it("a replay dedupes only against its own run's events, never another run's identical ones", () => {
    const inner = new MemoryJournal({ now: () => 0 });
    inner.setRun("run-a");
    inner.append("2024-05-13", "exit", { id: "s.1", pnl: -125.8 });
    const d = new DedupingJournal(inner);
    d.setRun("run-b");
    d.beginReplay();
    expect(d.append("2024-05-13", "exit", { id: "s.1", pnl: -125.8 })).toBe(true);
    d.endReplay();
    const again = new DedupingJournal(inner);
    again.setRun("run-b");
    again.beginReplay();
    expect(again.append("2024-05-13", "exit", { id: "s.1", pnl: -125.8 })).toBe(false);
    expect(again.skipped).toBe(1);
  });
});
