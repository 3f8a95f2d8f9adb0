import { describe, expect, it } from "vitest";
import { checkEntry, type RiskSnapshot } from "../../src/risk/gates.ts";
import { defaultConfig } from "../../src/config/load.ts";

const cfg = defaultConfig().risk;
const ok: RiskSnapshot = { entriesToday: 0, openPositions: 0, dayPnlUsd: 0, startOfDayEquityUsd: 100_000, halted: null, hasPositionInSymbol: false };

describe("entry gates", () => {
  it("approves a clean snapshot", () => expect(checkEntry(ok, cfg)).toEqual({ ok: true }));
  it("enforces max trades per day", () => {
    expect(checkEntry({ ...ok, entriesToday: 9 }, cfg).ok).toBe(true);
    expect(checkEntry({ ...ok, entriesToday: 10 }, cfg)).toEqual({ ok: false, reason: "max trades/day 10 reached" });
  });
  it("enforces max open positions", () => {
    expect(checkEntry({ ...ok, openPositions: 5 }, cfg)).toEqual({ ok: false, reason: "max open positions 5 reached" });
  });
  it("halts at the daily loss limit (10% of start-of-day equity)", () => {
    expect(checkEntry({ ...ok, dayPnlUsd: -9_999 }, cfg).ok).toBe(true);
    expect(checkEntry({ ...ok, dayPnlUsd: -10_000 }, cfg).ok).toBe(false);
  });
  it("refuses while halted or already in the symbol", () => {
    expect(checkEntry({ ...ok, halted: "manual" }, cfg)).toEqual({ ok: false, reason: "halted: manual" });
    expect(checkEntry({ ...ok, hasPositionInSymbol: true }, cfg).ok).toBe(false);
  });
});
