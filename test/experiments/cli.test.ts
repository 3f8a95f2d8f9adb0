import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const bin = resolve(import.meta.dirname, "../../bin/sizewise.js");
const dir = mkdtempSync(join(tmpdir(), "sw-exp-"));
const gen = ["--seed", "3", "--gen-symbols", "6", "--gen-days", "25", "--state", join(dir, "state")];
writeFileSync(join(dir, "config.json"), JSON.stringify({ strategy: { minDayChangePct: -10 } }));

function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: dir, encoding: "utf8", env: { ...process.env, CI: "1" } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("sizewise walkforward and experiments (CLI)", () => {
  it("walkforward --json prints one JSON document and nothing else on stdout", () => {
    const r = cli(["walkforward", ...gen, "--config", "config.json", "--train-days", "12", "--test-days", "4", "--holdout-from", "2024-01-31", "--json"]);
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as { days: number; design: { trainDays: number; learningInTest: string }; folds: { fold: number; test: { from: string }; fittedPieces: { fold: number; modes: Record<string, { kelly: unknown[]; confidence: unknown; qTable: unknown }> } }[]; outOfSample: { modes: Record<string, { trades: number }>; criteria: Record<string, unknown> }; holdout: { label: string; test: { from: string } } };
    expect(j.days).toBe(25);
    expect(j.design).toMatchObject({ trainDays: 12, learningInTest: "frozen" });
    expect(Object.keys(j.outOfSample.modes)).toEqual(["fixed", "kelly", "kelly_confidence", "regime_template", "rl", "full"]);
    expect(j.folds.every((f) => f.test.from < "2024-01-31")).toBe(true);
    for (const f of j.folds) {
      expect(f.fittedPieces.fold).toBe(f.fold);
      expect(Object.keys(f.fittedPieces.modes).sort()).toEqual(["full", "kelly", "kelly_confidence", "rl"]);
      expect(f.fittedPieces.modes.full).toHaveProperty("qTable");
    }
    expect(j.holdout.label).toBe("HOLDOUT (evaluated once)");
    expect(j.holdout.test.from).toBe("2024-01-31");
  });

  it("walkforward records each look at a holdout in the state folder's ledger and warns on the second", () => {
    const state = join(dir, "ledger-state");
    const args = ["walkforward", "--seed", "3", "--gen-symbols", "6", "--gen-days", "25", "--state", state, "--config", "config.json", "--train-days", "12", "--test-days", "4", "--holdout-from", "2024-01-31", "--modes", "fixed", "--json"];
    const first = cli(args);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stderr).not.toMatch(/WARNING/);
    expect((JSON.parse(first.stdout) as { holdout: { label: string } }).holdout.label).toBe("HOLDOUT (evaluated once)");
    const second = cli(args);
    expect(second.status, second.stderr).toBe(0);
    expect(second.stderr).toMatch(/WARNING: HOLDOUT 2024-01-31\.\.\S+ on these bars \(sha1 [0-9a-f]+\) has now been evaluated 2 times/);
    const j = JSON.parse(second.stdout) as { holdout: { label: string; ledger: { evaluations: number; previous: { command: string }[] } } };
    expect(j.holdout.label).toBe("HOLDOUT (evaluated 2 times: no longer untouched)");
    expect(j.holdout.ledger.evaluations).toBe(2);
    expect(j.holdout.ledger.previous.map((p) => p.command)).toEqual(["walkforward"]);
    expect(readFileSync(join(state, "holdout-ledger.jsonl"), "utf8").trim().split("\n")).toHaveLength(2);
  });

  it("experiments runs a plan on worker threads, prints the ranking and writes the markdown report", () => {
    writeFileSync(join(dir, "plan.json"), JSON.stringify({ name: "cli-plan", modes: ["fixed", "kelly"], minTrades: 1, walkforward: { trainDays: 12, testDays: 4 }, grid: { "strategy.stopAtrMultiple": [0.3, 0.6, 1] } }));
    const r = cli(["experiments", ...gen, "--config", "config.json", "--plan", "plan.json", "--workers", "2", "--out", "report.md"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Experiment cli-plan: 3 variants .* 2 workers/);
    expect(r.stdout).toMatch(/Best by Sharpe: stopAtrMultiple=/);
    expect(existsSync(join(dir, "report.md"))).toBe(true);
    expect(readFileSync(join(dir, "report.md"), "utf8")).toMatch(/## Ranking \(out of sample\)/);
    const j = cli(["experiments", ...gen, "--config", "config.json", "--plan", "plan.json", "--workers", "1", "--json", "--out", "r2.md"]);
    expect(j.status, j.stderr).toBe(0);
    const doc = JSON.parse(j.stdout) as { ranked: { name: string; rank: number }[]; decision: { chosen: string } };
    expect(doc.ranked.map((x) => x.rank)).toEqual([1, 2, 3]);
    expect(doc.decision.chosen).toBe(doc.ranked[0].name);
  });

  it("refuses a plan with a bad key, naming the variant and the key, and exits non-zero", () => {
    writeFileSync(join(dir, "bad.json"), JSON.stringify({ name: "bad", variants: [{ name: "fine" }, { name: "oops", overrides: { "strategy.stopAtrMultipel": 0.3 } }] }));
    const r = cli(["experiments", ...gen, "--plan", "bad.json"]);
    expect(r.status).not.toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/variant "oops": override "strategy\.stopAtrMultipel": unknown config key/);
  });
});
