import { describe, expect, it } from "vitest";
import { checkEntry, checkSlotEntry, type RiskSnapshot } from "../../src/risk/gates.ts";
import { defaultConfig } from "../../src/config/load.ts";

const cfg = defaultConfig().risk;
const ok: RiskSnapshot = { entriesToday: 0, openPositions: 0, dayPnlUsd: 0, startOfDayEquityUsd: 100_000, halted: null, hasPositionInSymbol: false };

describe("entry gates", () => {
  it("approves a clean snapshot", () => expect(checkEntry(ok, cfg)).toEqual({ ok: true }));
  it("enforces max trades per day", () => {
    expect(checkEntry({ ...ok, entriesToday: 9 }, cfg).ok).toBe(true);
    expect(checkEntry({ ...ok, entriesToday: 10 }, cfg)).toEqual({ ok: false, reason: "account max trades/day 10 reached" });
  });
  it("enforces max open positions", () => {
    expect(checkEntry({ ...ok, openPositions: 5 }, cfg)).toEqual({ ok: false, reason: "account max open positions 5 reached" });
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

describe("a strategy's own gates", () => {
  const base = { strategyId: "daily-trend", openPositions: 0, dayPnlUsd: 0, startOfDayEquityUsd: 40_000 };
  it("are off when the strategy has no limits of its own", () => {
    expect(checkSlotEntry({ ...base, openPositions: 99, dayPnlUsd: -39_000 }, { maxOpenPositions: null, dailyLossLimitPct: null })).toEqual({ ok: true });
  });
  it("refuse naming the strategy: its open positions, its loss on its share of the account", () => {
    const limits = { maxOpenPositions: 3, dailyLossLimitPct: 2 };
    expect(checkSlotEntry({ ...base, openPositions: 3 }, limits)).toEqual({ ok: false, reason: "strategy daily-trend: max open positions 3 reached" });
    expect(checkSlotEntry({ ...base, dayPnlUsd: -799 }, limits).ok).toBe(true);
    expect(checkSlotEntry({ ...base, dayPnlUsd: -800 }, limits)).toEqual({ ok: false, reason: "strategy daily-trend: daily loss limit 2% reached" });
  });
});
