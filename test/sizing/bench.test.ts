import { describe, expect, it } from "vitest";
import { benchSizing } from "../../src/sizing/bench.ts";

describe("benchSizing", () => {
  it("runs every mode and reports a finite rate (the figure itself is machine-dependent, so not asserted)", () => {
    for (const mode of ["fixed", "kelly", "kelly_confidence", "regime_template", "rl", "full"] as const) {
      const r = benchSizing(5_000, mode);
      expect(r.mode).toBe(mode);
      expect(r.n).toBe(5_000);
      expect(Number.isFinite(r.decisionsPerSec) && r.decisionsPerSec > 0).toBe(true);
      expect(r.checksum).toBeGreaterThan(0);
    }
  });

  it("is deterministic in what it sizes", () => {
    expect(benchSizing(3_000).checksum).toBe(benchSizing(3_000).checksum);
  });
});
