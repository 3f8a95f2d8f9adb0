import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runChaos } from "../../src/chaos/run-chaos.ts";
import { compareTrades } from "../../src/chaos/trade-diff.ts";
import { chaosSummary } from "../../src/chaos/summary.ts";

/**
 * The shortened chaos run (`npm run chaos -- --quick`): three sessions of eight symbols with the
 * daemon SIGKILLed (between minutes, mid-minute, inside a POST, while an order is partially
 * filled), streams dropped, REST 500s/429s/late answers, and repeated or stale frames. Nothing may
 * be lost or duplicated, and the trade list may differ from a fault-free run only where the bot
 * was down.
 */
describe("chaos run (short)", () => {
  it("survives kills and faults with every zero-count holding", async () => {
    const base = { seed: 3, symbols: 8, days: 3 };
    const reference = await runChaos({ ...base, kills: 0, faults: false, stateDir: mkdtempSync(join(tmpdir(), "sw-chaos-ref-")) });
    const dir = mkdtempSync(join(tmpdir(), "sw-chaos-"));
    const faulted = await runChaos({ ...base, kills: 8, faults: true, stateDir: dir });
    const summary = chaosSummary(reference, faulted, 0, dir);
    expect(reference.trades.length, summary.join("\n")).toBeGreaterThan(3);
    expect(faulted.kills, summary.join("\n")).toBe(8);
    expect(faulted.killsByKind["mid-minute"] + faulted.killsByKind["between minutes"]).toBeGreaterThan(0);
    expect({
      duplicateClientOrderIds: faulted.duplicateClientOrderIds,
      ordersPlacedTwice: faulted.ordersPlacedTwice,
      unknownBrokerPositions: faulted.unknownBrokerPositions,
      fillsMissingFromJournal: faulted.fillsMissingFromJournal,
      unparseableStateFiles: faulted.unparseableStateFiles,
    }).toEqual({ duplicateClientOrderIds: 0, ordersPlacedTwice: 0, unknownBrokerPositions: 0, fillsMissingFromJournal: 0, unparseableStateFiles: 0 });
    expect(compareTrades(reference.trades, faulted.trades, faulted.downWindows).filter((d) => d.explanation === null), summary.join("\n")).toEqual([]);
    expect(summary.at(-1)).toMatch(/^chaos PASS: kills survived \d+, duplicate client order ids 0, orders placed twice 0/);
  }, 240_000);

  it("makes every kill asked for, and survives the embedded exchange dying with the bot (start --local)", async () => {
    const base = { seed: 3, symbols: 8, days: 3, killExchange: true };
    const reference = await runChaos({ ...base, kills: 0, faults: false, stateDir: mkdtempSync(join(tmpdir(), "sw-chaos-ref-")) });
    const dir = mkdtempSync(join(tmpdir(), "sw-chaos-"));
    const faulted = await runChaos({ ...base, kills: 8, faults: true, stateDir: dir });
    const summary = chaosSummary(reference, faulted, 0, dir);
    expect(reference.trades.length, summary.join("\n")).toBeGreaterThan(3);
    // Exactly as many kills as asked (the old scheduler ran out of replay first).
    expect(faulted.kills, summary.join("\n")).toBe(8);
    // The exchange's own files were used: each life resumed the book the last one saved.
    expect(existsSync(join(dir, "exchange", "book.json"))).toBe(true);
    expect(summary.at(-1), summary.join("\n")).toMatch(
      /^chaos PASS: kills survived 8, duplicate client order ids 0, orders placed twice 0, broker positions unknown to state 0, fills missing from journal 0, state files unparseable 0, refused by sequencing 0\/0, trade differences \d+ \(unexplained 0\)/,
    );
  }, 240_000);

  it("explains a difference only by a down window", () => {
    const t = (entry: string, exit: string, shares = 10) => ({ symbol: "A", entryTime: entry, exitTime: exit, shares, pnlUsd: 1, exitReason: "stop" });
    const down = [{ fromMs: Date.parse("2024-01-02T15:00:00Z"), toMs: Date.parse("2024-01-02T15:03:00Z") }];
    const diffs = compareTrades([t("2024-01-02T15:02:00.000Z", "2024-01-02T15:10:00.000Z"), t("2024-01-02T17:00:00.000Z", "2024-01-02T17:05:00.000Z")], [t("2024-01-02T17:00:00.000Z", "2024-01-02T17:09:00.000Z")], down);
    expect(diffs.map((d) => [d.kind, d.explanation === null])).toEqual([
      ["missing", false],
      ["changed", true],
    ]);
  });
});
