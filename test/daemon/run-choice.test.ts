import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.ts";
import { chooseRun } from "../../src/daemon/run-choice.ts";

const base = { prev: null, config: parseConfig({}), broker: "local" as const, symbols: ["AAA"], resume: true, nowMs: Date.parse("2026-12-07T10:00:00Z"), newRunStartMs: 0 };

describe("chooseRun: a new run's starting cash", () => {
  it("starts from the broker's cash when it is an account's", () => {
    const c = chooseRun({ ...base, cashUsd: 100_000 });
    expect(c.resumed).toBe(false);
    expect(c.run.initialCashUsd).toBe(100_000);
  });

  it("refuses $8.7e301, Infinity and NaN instead of sizing every entry from them", () => {
    for (const cashUsd of [8.7e301, Infinity, NaN]) expect(() => chooseRun({ ...base, cashUsd })).toThrow(/refusing to start a new run/);
  });
});
