import { describe, expect, it } from "vitest";
import { SeededRng } from "../../src/core/rng.ts";
import { analyze, verdictRules } from "../../src/experiments/analyze.ts";
import { dayRun, variantResult } from "./helpers/runs.ts";

const boot = { resamples: 400, level: 0.95, seed: 3 };

describe("experiment verdicts from the intervals", () => {
  const rng = new SeededRng(21);
  const noise = Array.from({ length: 60 }, () => rng.normal() * 2);
  const other = Array.from({ length: 60 }, () => rng.normal() * 2);
  const results = [
    variantResult(0, "base", dayRun(60, (k) => noise[k])),
    // The same days plus 0.4 R each: a real, paired edge.
    variantResult(1, "edge", dayRun(60, (k) => noise[k] + 0.4)),
    // Other noise, shifted so its point figures beat the margins: a lucky draw, not an edge.
    variantResult(2, "lucky", dayRun(60, (k) => other[k] - other.reduce((a, x) => a + x, 0) / 60 + noise.reduce((a, x) => a + x, 0) / 60 + 0.3)),
  ];
  const a = analyze(results.map((r) => ({ name: r.name, overrides: {} })), results, "fixed", "base", verdictRules({ beats: ["edgeR"] }), boot);

  it("the paired edge beats the baseline with its interval above 0; the lucky draw meets the margin but not the interval", () => {
    const edge = a.ranked.find((r) => r.name === "edge")!;
    const lucky = a.ranked.find((r) => r.name === "lucky")!;
    expect(edge.beatsBaseline).toBe(true);
    expect(edge.checks[0].interval!.verdict).toBe("better");
    expect(lucky.checks[0].improvement).toBeGreaterThanOrEqual(lucky.checks[0].margin);
    expect(lucky.checks[0].interval!.verdict).toBe("cannot separate");
    expect(lucky.checks[0].interval!.tradesNeeded).toBeGreaterThan(60);
    expect(lucky.beatsBaseline).toBe(false);
    expect(a.decision.beatBaseline.map((b) => b.name)).toEqual(["edge"]);
  });

  it("states the verdicts and how the intervals were made", () => {
    expect(a.decision.intervals).toMatchObject({ level: 0.95, resamples: 400, days: 60, baseline: "base" });
    expect(a.decision.verdicts[0]).toMatch(/^edge vs base: P\/L per trade \(R\) better \+0\.40 R \[/);
    expect(a.decision.verdicts[1]).toMatch(/^lucky vs base: P\/L per trade \(R\) cannot be separated .*trades needed$/);
  });
});

describe("experiment grid: deflated Sharpe and PBO", () => {
  it("a grid of skill-less variants: no survivor; a planted edge is found and survives", () => {
    const rng = new SeededRng(77);
    const days = 200;
    const mk = (edge: number) => {
      const xs = Array.from({ length: days }, () => rng.normal() * 2 + edge);
      return (k: number) => xs[k];
    };
    const noise = Array.from({ length: 12 }, (_, i) => variantResult(i, `v${i}`, dayRun(days, mk(0))));
    const names = (rs: typeof noise) => rs.map((r) => ({ name: r.name, overrides: {} }));
    const a = analyze(names(noise), noise, "fixed", "v0", verdictRules({}), boot);
    expect(a.decision.overfitting!.trials).toBe(12);
    expect(a.decision.overfitting!.survivors).toEqual([]);
    expect(a.decision.overfitting!.pbo!.splits).toBe(12870);
    const planted = [...noise, variantResult(12, "edge", dayRun(days, mk(1)))];
    const b = analyze(names(planted), planted, "fixed", "v0", verdictRules({}), boot);
    expect(b.decision.overfitting!.deflated[0].name).toBe("edge");
    expect(b.decision.overfitting!.survivors).toEqual(["edge"]);
    expect(b.decision.overfitting!.pbo!.pbo).toBeLessThan(0.1);
  });
});
