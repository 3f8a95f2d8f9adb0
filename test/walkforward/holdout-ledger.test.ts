import { appendFileSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generateSeries } from "../../src/data/generator.ts";
import { MergedBars } from "../../src/data/merged-bars.ts";
import { holdoutDataHash, holdoutLabel, ledgerPath, readLedger, recordHoldout, type HoldoutLedgerJson } from "../../src/walkforward/holdout-ledger.ts";
import { etToUtcMs, isoToEtDay } from "../../src/core/ny-time.ts";

const bars = MergedBars.fromSeries(generateSeries({ seed: 3, symbols: 4, days: 20 }));
const ms = (iso: string): number => etToUtcMs(isoToEtDay(iso), 0);
const range = { from: "2024-01-22", to: "2024-01-26", days: 5 };

function look(state: string, warnings: string[], over: { from?: string; plan?: string | null; nowMs?: number } = {}): HoldoutLedgerJson {
  const from = over.from ?? range.from;
  return recordHoldout({
    stateDir: state,
    window: bars.window(ms(from), ms("2024-01-27")),
    holdout: { ...range, from },
    command: "experiments",
    plan: over.plan === undefined ? "config/plans/x.json" : over.plan,
    evaluated: ["a", "b"],
    nowMs: over.nowMs ?? Date.UTC(2026, 0, 1),
    warn: (m) => warnings.push(m),
  });
}

describe("holdout ledger", () => {
  it("records every evaluation and warns loudly from the second look at the same holdout on the same bars", () => {
    const state = mkdtempSync(join(tmpdir(), "sw-ledger-"));
    const warnings: string[] = [];
    const first = look(state, warnings);
    expect(first).toMatchObject({ label: "HOLDOUT (evaluated once)", evaluations: 1, previous: [] });
    expect(warnings).toEqual([]);
    const second = look(state, warnings, { nowMs: Date.UTC(2026, 0, 2) });
    expect(second.evaluations).toBe(2);
    expect(second.label).toBe("HOLDOUT (evaluated 2 times: no longer untouched)");
    expect(second.previous).toEqual([{ at: "2026-01-01T00:00:00.000Z", command: "experiments", plan: "config/plans/x.json" }]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^WARNING: HOLDOUT 2024-01-22\.\.2024-01-26 on these bars \(sha1 [0-9a-f]{12}\) has now been evaluated 2 times\./);
    expect(warnings[0]).toContain("2026-01-01T00:00:00.000Z experiments --plan config/plans/x.json");
    const { entries } = readLedger(ledgerPath(state));
    expect(entries.map((e) => [e.at, e.holdout.from, e.command, e.evaluated])).toEqual([
      ["2026-01-01T00:00:00.000Z", "2024-01-22", "experiments", ["a", "b"]],
      ["2026-01-02T00:00:00.000Z", "2024-01-22", "experiments", ["a", "b"]],
    ]);
    expect(entries[0].dataHash).toBe(entries[1].dataHash);
  });

  it("counts another range, or other bars, as another holdout", () => {
    const state = mkdtempSync(join(tmpdir(), "sw-ledger-"));
    const warnings: string[] = [];
    look(state, warnings);
    expect(look(state, warnings, { from: "2024-01-23" }).evaluations).toBe(1);
    const other = MergedBars.fromSeries(generateSeries({ seed: 4, symbols: 4, days: 20 }));
    const a = holdoutDataHash(bars.window(ms(range.from), ms("2024-01-27")));
    const b = holdoutDataHash(other.window(ms(range.from), ms("2024-01-27")));
    expect(a).not.toBe(b);
    expect(holdoutDataHash(bars.window(ms(range.from), ms("2024-01-27")))).toBe(a);
    expect(warnings).toEqual([]);
  });

  it("survives a damaged ledger: unreadable lines are counted and kept, the rest still counts", () => {
    const state = mkdtempSync(join(tmpdir(), "sw-ledger-"));
    const warnings: string[] = [];
    look(state, warnings);
    appendFileSync(ledgerPath(state), "not json\n{\"at\":1}\n");
    const again = look(state, warnings);
    expect(again.evaluations).toBe(2);
    expect(warnings[0]).toMatch(/2 unreadable line\(s\) ignored/);
    expect(readFileSync(ledgerPath(state), "utf8").split("\n").filter(Boolean)).toHaveLength(4);
  });

  it("labels the first look as evaluated once", () => {
    expect(holdoutLabel(1)).toBe("HOLDOUT (evaluated once)");
    expect(holdoutLabel(3)).toBe("HOLDOUT (evaluated 3 times: no longer untouched)");
  });
});
