import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { regimeModelSchema } from "../../src/regime/model.ts";

const bin = resolve(import.meta.dirname, "../../bin/sizewise.js");

function cli(args: string[], cwd: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: "utf8", env: { ...process.env, CI: "1" } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("sizewise train (CLI)", () => {
  const dir = mkdtempSync(join(tmpdir(), "sw-train-"));
  const config = join(dir, "config.json");
  writeFileSync(config, JSON.stringify({ strategy: { minDayChangePct: -10 }, regime: { minSamples: 20, minLeafSamples: 5 } }));
  const gen = ["--gen-symbols", "20", "--gen-days", "60", "--state", join(dir, "state")];

  it("trains on generated bars, writes a valid model and prints rules, an in-sample confusion matrix, outcomes and importance", () => {
    const out = join(dir, "model.json");
    const r = cli(["train", ...gen, "--config", config, "--out", out], dir);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/fitted on \d+ labelled trades/);
    expect(r.stdout).toMatch(/leaf 1: (if .+ then|always) (ADD_ALLOWED|ADD_NEUTRAL|NO_ADD) \(p \d\.\d\d; \d+ ADD_ALLOWED \/ \d+ ADD_NEUTRAL \/ \d+ NO_ADD\)/);
    expect(r.stdout).toContain("Confusion matrix, IN-SAMPLE");
    expect(r.stdout).toContain("Win rate and average R per predicted regime, IN-SAMPLE");
    expect(r.stdout).toContain("Feature importance");
    expect(r.stdout).toContain(`model written to ${out}`);
    const model = regimeModelSchema.parse(JSON.parse(readFileSync(out, "utf8")));
    expect(model.training.samples).toBeGreaterThanOrEqual(20);
    expect(model.createdAt).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it("--json gives the same facts as one object", () => {
    const out = join(dir, "model2.json");
    const r = cli(["train", ...gen, "--config", config, "--out", out, "--json"], dir);
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as { out: string; samples: number; rules: string[]; inSample: { confusion: number[][] }; labelCounts: Record<string, number> };
    expect(j.out).toBe(out);
    expect(j.rules.length).toBeGreaterThan(0);
    expect(j.inSample.confusion.flat().reduce((a, x) => a + x, 0)).toBe(j.samples);
    expect(Object.values(j.labelCounts).reduce((a, x) => a + x, 0)).toBe(j.samples);
  });

  it("with too few trades writes nothing, says why and exits 1", () => {
    const out = join(dir, "none.json");
    const r = cli(["train", ...gen, "--out", out], dir);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/labelled trades < regime.minSamples 40: no model, fail-safe NORMAL\nno model written/);
    expect(existsSync(out)).toBe(false);
  });

  it("backtest --regime-model uses the model; a bad file warns and runs fail-safe NORMAL", () => {
    const out = join(dir, "model3.json");
    expect(cli(["train", ...gen, "--config", config, "--out", out], dir).status).toBe(0);
    const mode = join(dir, "tmpl.json");
    writeFileSync(mode, JSON.stringify({ strategy: { minDayChangePct: -10 }, sizing: { mode: "regime_template" } }));
    // Generated bars after the training data ends (a model only answers for later decisions).
    const later = ["--gen-symbols", "20", "--gen-days", "20", "--from", "2024-04-01", "--state", join(dir, "state")];
    const r = cli(["backtest", ...later, "--config", mode, "--regime-model", out, "--json"], dir);
    expect(r.status, r.stderr).toBe(0);
    const trades = (JSON.parse(r.stdout) as { tradeList: { sizing: { regime: { reason: string } | null } }[] }).tradeList;
    expect(trades.length).toBeGreaterThan(0);
    expect(trades.some((t) => /^leaf \d+ /.test(t.sizing.regime?.reason ?? ""))).toBe(true);
    const bad = join(dir, "bad.json");
    writeFileSync(bad, "{}");
    const b = cli(["backtest", ...later, "--config", mode, "--regime-model", bad, "--json"], dir);
    expect(b.status).toBe(0);
    expect(b.stderr).toContain(`${bad}: not a regime model file`);
    for (const t of (JSON.parse(b.stdout) as { tradeList: { sizing: { regime: { reason: string } } }[] }).tradeList) expect(t.sizing.regime.reason).toBe("no regime model: fail-safe NORMAL");
  });
});
