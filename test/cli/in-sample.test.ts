import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateSeries } from "../../src/data/generator.ts";
import { barsFingerprint, inSampleCheck } from "../../src/backtest/in-sample.ts";
import { loadQTable, loadQTableTraining, saveQTable } from "../../src/sizing/rl/index.ts";
import { runCli } from "./run-cli.ts";

/** train-rl records the bars it learned from; compare --rl-table on those bars says its figures are in-sample. */
let dir = "";
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "sw-insample-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const gen = (from: string, days = 15) => ["--gen-symbols", "4", "--gen-days", String(days), "--seed", "11", "--from", from];
const fast = ["--resamples", "100"];

describe("barsFingerprint / inSampleCheck", () => {
  const a = generateSeries({ seed: 3, symbols: 3, days: 5, startDay: "2024-03-04", calendar: true });
  const later = generateSeries({ seed: 3, symbols: 3, days: 5, startDay: "2024-06-03", calendar: true });

  it("the same bars give the same hash whatever the series order; another day changes it", () => {
    expect(barsFingerprint([...a].reverse())).toEqual(barsFingerprint(a));
    expect(barsFingerprint(later).sha256).not.toBe(barsFingerprint(a).sha256);
    expect(barsFingerprint(a).bars).toBe(a.reduce((n, s) => n + s.length, 0));
  });

  it("labels the training bars in-sample, a part of them in part, later bars not at all", () => {
    const fp = barsFingerprint(a);
    expect(inSampleCheck([fp], a, "the RL table")).toMatchObject({ kind: "same", text: expect.stringMatching(/^IN-SAMPLE: the RL table was trained on these bars \(3 symbols, 2024-03-04\.\.2024-03-08, \d+ bars\)$/) });
    const one = inSampleCheck([fp], [a[0], later[1]], "the RL table");
    expect(one?.kind).toBe("overlap");
    expect(one?.barsInSample).toBe(a[0].length);
    expect(one?.symbols).toEqual([a[0].symbol]);
    expect(one?.text).toMatch(/^IN-SAMPLE IN PART: /);
    expect(inSampleCheck([fp], later, "the RL table")).toBeNull();
    expect(inSampleCheck([], a, "the RL table")).toBeNull();
  });
});

describe("train-rl then compare --rl-table", () => {
  it("records the training bars in the table file (and a --resume adds a session)", async () => {
    const table = join(dir, "q.json");
    const r = await runCli(["train-rl", ...gen("2024-03-04"), "--passes", "2", "--out", table]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("Every figure above is IN-SAMPLE");
    expect(r.out).toMatch(/trained on 4 symbols, 2024-03-04\.\.2024-03-2\d \(\d+ bars\)/);
    const rec = loadQTableTraining(table);
    expect(rec).toHaveLength(1);
    expect(rec[0].symbols).toHaveLength(4);
    expect(() => loadQTable(table)).not.toThrow();
    const again = join(dir, "q2.json");
    await runCli(["train-rl", ...gen("2024-03-04"), "--passes", "1", "--out", again]);
    await runCli(["train-rl", ...gen("2024-06-03"), "--passes", "1", "--out", again, "--resume"]);
    expect(loadQTableTraining(again).map((t) => t.from.slice(0, 10))).toEqual(["2024-03-04", "2024-06-03"]);
    const json = JSON.parse((await runCli(["train-rl", ...gen("2024-03-04"), "--passes", "1", "--out", join(dir, "q3.json"), "--json"])).out);
    expect(json.inSample).toMatch(/IN-SAMPLE/);
    expect(json.trainedOn[0].sha256).toBe(rec[0].sha256);
  }, 120_000);

  it("labels the rl figures IN-SAMPLE in text, JSON and the HTML report on the same bars, and not on later bars", async () => {
    const table = join(dir, "q.json");
    const html = join(dir, "cmp.html");
    const text = await runCli(["compare", ...gen("2024-03-04"), ...fast, "--modes", "fixed,rl", "--rl-table", table, "--report", html]);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/^IN-SAMPLE: the RL table \(.*q\.json\) was trained on these bars \(4 symbols, 2024-03-04\.\.2024-03-2\d, \d+ bars\): the rl figures are in-sample$/m);
    expect(readFileSync(html, "utf8")).toContain("IN-SAMPLE: the RL table");
    const json = JSON.parse((await runCli(["compare", ...gen("2024-03-04"), ...fast, "--modes", "fixed,rl", "--rl-table", table, "--json"])).out);
    expect(json.inSample).toMatchObject({ kind: "same", modes: ["rl"] });
    expect(json.inSample.text).toMatch(/^IN-SAMPLE: /);
    // Later bars: out of sample, no label.
    const later = JSON.parse((await runCli(["compare", ...gen("2024-06-03"), ...fast, "--modes", "fixed,rl", "--rl-table", table, "--json"])).out);
    expect(later.inSample).toBeNull();
    const laterText = await runCli(["compare", ...gen("2024-06-03"), ...fast, "--modes", "fixed,rl", "--rl-table", table]);
    expect(laterText.out).not.toContain("IN-SAMPLE");
    // Partly the training period: labelled in part.
    const part = JSON.parse((await runCli(["compare", ...gen("2024-03-18"), ...fast, "--modes", "fixed,rl", "--rl-table", table, "--json"])).out);
    expect(part.inSample.kind).toBe("overlap");
    expect(part.inSample.text).toMatch(/^IN-SAMPLE IN PART: /);
    // No mode uses the table: nothing to label.
    const fixedOnly = JSON.parse((await runCli(["compare", ...gen("2024-03-04"), ...fast, "--modes", "fixed,kelly", "--rl-table", table, "--json"])).out);
    expect(fixedOnly.inSample).toBeNull();
  }, 180_000);

  it("a table from before the record says it may be in-sample rather than nothing", async () => {
    const old = join(dir, "old.json");
    saveQTable(old, loadQTable(join(dir, "q.json")));
    expect(loadQTableTraining(old)).toEqual([]);
    const json = JSON.parse((await runCli(["compare", ...gen("2024-06-03"), ...fast, "--modes", "rl", "--rl-table", old, "--json"])).out);
    expect(json.inSample).toMatchObject({ kind: "unknown", modes: ["rl"] });
    expect(json.inSample.text).toMatch(/^MAYBE IN-SAMPLE: .*old\.json does not record the bars it was trained on/);
  }, 60_000);
});
