import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { etToUtcMs, isoToEtDay } from "../../src/core/ny-time.ts";
import { sliceSeries } from "../../src/data/day-range.ts";
import { loadBarDir } from "../../src/data/load-dir.ts";
import { makeSeries, tempDir, toCsv } from "./helpers.ts";

const jsonBar = (tMs: number, px: number) => ({ t: new Date(tMs).toISOString(), o: px, h: px + 1, l: px - 1, c: px, v: 10 });

describe("loadBarDir", () => {
  it("loads csv, csv.gz, json and json.gz files, sorted by symbol, ignoring other files", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "ZZZ.csv"), toCsv(makeSeries("ZZZ", 5)));
    writeFileSync(join(dir, "AMC.csv.gz"), gzipSync(toCsv(makeSeries("AMC", 7))));
    const t0 = Date.UTC(2024, 3, 1, 14);
    writeFileSync(join(dir, "multi.json"), JSON.stringify({ bars: { MMM: [jsonBar(t0, 5)], NNN: [jsonBar(t0, 6), jsonBar(t0 + 60_000, 7)] } }));
    writeFileSync(join(dir, "SPY.json.gz"), gzipSync(JSON.stringify({ bars: [jsonBar(t0, 500)] })));
    writeFileSync(join(dir, "README.md"), "not bars");
    const progress: [number, number][] = [];
    const r = loadBarDir(dir, { cacheDir: null, onFile: (d, t) => progress.push([d, t]) });
    expect(r.series.map((s) => [s.symbol, s.length])).toEqual([["AMC", 7], ["MMM", 1], ["NNN", 2], ["SPY", 1], ["ZZZ", 5]]);
    expect([r.files, r.parsedFiles, r.cachedFiles, r.rows]).toEqual([4, 4, 0, 16]);
    expect(progress).toEqual([[1, 4], [2, 4], [3, 4], [4, 4]]);
  });

  it("filters symbols case-insensitively and lists the ones it did not find", () => {
    const dir = tempDir();
    for (const s of ["AMC", "GME", "HOOD"]) writeFileSync(join(dir, `${s}.csv`), toCsv(makeSeries(s, 3)));
    const r = loadBarDir(dir, { cacheDir: null, symbols: ["gme", "amc", "TSLA"] });
    expect(r.series.map((s) => s.symbol)).toEqual(["AMC", "GME"]);
    expect(r.files).toBe(2);
    expect(r.missingSymbols).toEqual(["TSLA"]);
  });

  it("keeps whole New York calendar days, across the UTC date line and DST, as views", () => {
    const dir = tempDir();
    // Every 30 minutes from 2024-03-08 to 2024-03-12 (DST starts 2024-03-10): round the clock and
    // through a weekend, so the session rule is off here (plausibility.test.ts covers it).
    const s = makeSeries("AMC", 4 * 48, { startMs: Date.UTC(2024, 2, 8), stepMs: 30 * 60_000 });
    writeFileSync(join(dir, "AMC.csv"), toCsv(s));
    const all = loadBarDir(dir, { cacheDir: null, plausibility: null }).series[0];
    const r = loadBarDir(dir, { cacheDir: null, plausibility: null, fromDay: "2024-03-09", toDay: "2024-03-10" });
    const got = r.series[0];
    const from = etToUtcMs(isoToEtDay("2024-03-09"), 0);
    const to = etToUtcMs(isoToEtDay("2024-03-11"), 0);
    const want = [...all.tMs].filter((t) => t >= from && t < to);
    expect([...got.tMs]).toEqual(want);
    expect(got.length).toBe(want.length);
    expect(new Date(got.tMs[0]).toISOString()).toBe("2024-03-09T05:00:00.000Z"); // EST midnight
    expect(new Date(got.tMs[got.length - 1]).toISOString()).toBe("2024-03-11T03:30:00.000Z"); // EDT 23:30
    const view = sliceSeries(all, from, to);
    expect(view.tMs.buffer).toBe(all.tMs.buffer);
    expect([...view.close]).toEqual([...got.close]);
    expect(r.rows).toBe(want.length);
    expect(loadBarDir(dir, { cacheDir: null, plausibility: null, fromDay: "2024-03-20" }).series).toEqual([]);
    expect(loadBarDir(dir, { cacheDir: null, plausibility: null, toDay: "2024-03-08" }).series[0].length).toBe(10 + 48); // Mar 7 evening ET, then all of Mar 8 ET
  });

  it("throws clear errors naming the path", () => {
    const dir = tempDir();
    expect(() => loadBarDir(join(dir, "nope"), { cacheDir: null })).toThrow(`bar data directory not found: ${join(dir, "nope")}`);
    writeFileSync(join(dir, "plain-file"), "x");
    expect(() => loadBarDir(join(dir, "plain-file"), { cacheDir: null })).toThrow(/not a directory/);
    mkdirSync(join(dir, "X.csv"));
    expect(() => loadBarDir(dir, { cacheDir: null })).toThrow(`cannot read bar file ${join(dir, "X.csv")}`);
  });

  it("refuses a file that is not bars at all, names and counts it, and loads the others", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "AMC.csv"), toCsv(makeSeries("AMC", 3)));
    writeFileSync(join(dir, "GME.csv"), "name,price\nfoo,1\n");
    writeFileSync(join(dir, "HOOD.csv.gz"), Buffer.from([0x1f, 0x8b, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
    const r = loadBarDir(dir, { cacheDir: null });
    expect(r.series.map((s) => s.symbol)).toEqual(["AMC"]);
    expect(r.badFiles).toBe(2);
    expect(r.rejects.samples.map((x) => `${x.file}:${x.line}`)).toEqual([`${join(dir, "GME.csv")}:0`, `${join(dir, "HOOD.csv.gz")}:0`]);
    for (const x of r.rejects.samples) expect(x.reason).toMatch(/^file refused: /);
    expect(r.warnings).toHaveLength(2);
  });

  it("refuses a symbol given by two files, and a bad date", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "AMC.csv"), toCsv(makeSeries("AMC", 3)));
    writeFileSync(join(dir, "AMC.csv.gz"), gzipSync(toCsv(makeSeries("AMC", 3))));
    expect(() => loadBarDir(dir, { cacheDir: null })).toThrow(/symbol AMC is in two bar files/);
    expect(() => loadBarDir(dir, { cacheDir: null, fromDay: "2024-02-30" })).toThrow(/fromDay must be a date as YYYY-MM-DD/);
    expect(() => loadBarDir(dir, { cacheDir: null, fromDay: "2024-03-02", toDay: "2024-03-01" })).toThrow(/after toDay/);
  });

  it("does not touch a cache folder when the cache is off", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "AMC.csv"), toCsv(makeSeries("AMC", 3)));
    loadBarDir(dir, { cacheDir: null });
    expect(readdirSync(dir)).toEqual(["AMC.csv"]);
  });
});
