import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../cli/run-cli.ts";

describe("intervals and Monte Carlo on the command line", () => {
  it("replay --json carries day-block intervals and a seeded Monte Carlo; --report draws the distributions", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sizewise-mc-"));
    const report = join(dir, "mc.html");
    const args = ["replay", "--trades", "config/samples/trades.csv", "--json", "--resamples", "200", "--monte-carlo", "bootstrap", "--mc-runs", "100", "--drawdown", "15", "--report", report];
    const a = await runCli(args);
    expect(a.code).toBe(0);
    const j = JSON.parse(a.out) as { intervals: { method: string; rules: { rule: string; vsFirst: { returnPct: { verdict: string } } | null; probDrawdown: number }[] }; monteCarlo: { method: string; runs: number; drawdownPct: number } };
    expect(j.intervals.method).toBe("days");
    expect(j.intervals.rules[0].rule).toBe("fixed fraction");
    expect(j.intervals.rules[0].vsFirst).toBeNull();
    expect(["better", "worse", "cannot separate"]).toContain(j.intervals.rules[1].vsFirst!.returnPct.verdict);
    expect(j.monteCarlo).toMatchObject({ method: "bootstrap", runs: 100, drawdownPct: 15 });
    expect(readFileSync(report, "utf8")).toContain('<svg class="hist"');
    // Seeded: the same command prints the same figures.
    expect((await runCli(args)).out).toBe(a.out);
  });

  it("refuses a bad level or Monte Carlo method with a message naming the option", async () => {
    const bad = await runCli(["replay", "--trades", "config/samples/trades.csv", "--level", "1.5"]);
    expect(bad.code).not.toBe(0);
    expect(bad.err).toMatch(/level/);
    const mc = await runCli(["replay", "--trades", "config/samples/trades.csv", "--monte-carlo", "dice"]);
    expect(mc.code).not.toBe(0);
    expect(mc.err).toMatch(/--monte-carlo must be shuffle or bootstrap/);
  });

  it("compare --json on generated bars adds intervals and verdicts beside the existing keys", async () => {
    const r = await runCli(["compare", "--gen-symbols", "6", "--gen-days", "30", "--modes", "fixed,full", "--json", "--resamples", "200"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as Record<string, unknown>;
    for (const k of ["bars", "modes", "criteria", "criteriaRules", "criteriaIntervals", "intervals", "verdicts"]) expect(j).toHaveProperty(k);
    expect((j.verdicts as string[])[0]).toMatch(/^full vs fixed: /);
  });
});
