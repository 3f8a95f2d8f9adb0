import { describe, expect, it } from "vitest";
import { pickRuns, splitRuns } from "../../src/report/journal-runs.ts";
import type { JournalEvent } from "../../src/store/journal.ts";

let seq = 0;
const ev = (type: string, run?: string, extra: Record<string, unknown> = {}): JournalEvent => ({ type, ts: "2024-05-13T14:00:00.000Z", seq: ++seq, ...(run === undefined ? {} : { run }), ...extra });

describe("splitRuns / pickRuns", () => {
  const days = [
    { date: "2024-05-13", events: [ev("exit", undefined, { pnl: 1 }), ev("startup", "aaaa1111-x"), ev("exit", "aaaa1111-x", { pnl: 2 }), ev("state_recovered"), ev("reconcile"), ev("startup", "bbbb2222-y"), ev("exit", "bbbb2222-y", { pnl: 3 })] },
    { date: "2024-05-14", events: [ev("exit", "aaaa1111-x", { pnl: 4 }), ev("summary")] },
  ];

  it("keeps an older journal's unstamped events as the unnamed run, and gives pre-run housekeeping to the run it precedes", () => {
    const runs = splitRuns(days);
    expect(runs.map((r) => r.id)).toEqual([null, "aaaa1111-x", "bbbb2222-y"]);
    const types = (i: number) => runs[i].days.flatMap((d) => d.events.map((e) => `${d.date}:${e.type}`));
    expect(types(0)).toEqual(["2024-05-13:exit"]);
    expect(types(1)).toEqual(["2024-05-13:startup", "2024-05-13:exit", "2024-05-14:exit", "2024-05-14:summary"]);
    expect(types(2)).toEqual(["2024-05-13:state_recovered", "2024-05-13:reconcile", "2024-05-13:startup", "2024-05-13:exit"]);
  });

  it("picks the state's current run by default, else the last to start; --run by prefix; --all-runs every one", () => {
    const runs = splitRuns(days);
    expect(pickRuns(runs, {}, "aaaa1111-x").map((r) => r.id)).toEqual(["aaaa1111-x"]);
    expect(pickRuns(runs, {}, null).map((r) => r.id)).toEqual(["bbbb2222-y"]);
    expect(pickRuns(runs, { run: "bbbb" }, "aaaa1111-x").map((r) => r.id)).toEqual(["bbbb2222-y"]);
    expect(pickRuns(runs, { run: "unnamed" }, null).map((r) => r.id)).toEqual([null]);
    expect(pickRuns(runs, { allRuns: true }, null)).toHaveLength(3);
    expect(() => pickRuns(runs, { run: "" }, null)).toThrow(/no run ""/);
    expect(() => pickRuns(runs, { run: "a", allRuns: true }, null)).toThrow(/not both/);
    expect(() => pickRuns(splitRuns([{ date: "2024-05-13", events: [ev("exit", "cc-1"), ev("exit", "cc-2")] }]), { run: "cc" }, null)).toThrow(/matches 2 runs/);
  });
});
