import { readdirSync, readFileSync, statSync, truncateSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { RejectLog } from "../../src/core/bars.ts";
import { cacheFilePath, readBarCache, readBarCacheLayout, writeBarCache } from "../../src/data/bar-cache.ts";
import { loadBarDir } from "../../src/data/load-dir.ts";
import { sha1Hex } from "../../src/data/source-hash.ts";
import { columns, makeSeries, tempDir, toCsv } from "./helpers.ts";

const barsFiles = (dir: string): string[] => readdirSync(dir).filter((f) => f.endsWith(".bars"));

describe("bar cache file", () => {
  it("round-trips several series with their rejects, as aligned Float64Array views", () => {
    const dir = tempDir();
    const a = makeSeries("AMC", 1234, { seed: 1 });
    const b = makeSeries("GME", 0);
    const c = makeSeries("X", 7, { seed: 3 });
    const rejects = new RejectLog();
    rejects.add("src/AMC.csv", 9, "high < low");
    const path = join(dir, "entry.bars");
    writeBarCache(path, [a, b, c], rejects, "src/AMC.csv");
    const got = readBarCache(path);
    expect(got).not.toBeNull();
    expect(got!.series.map((s) => s.symbol)).toEqual(["AMC", "GME", "X"]);
    expect(got!.series.map(columns)).toEqual([a, b, c].map(columns));
    for (const s of got!.series) expect(s.tMs.byteOffset % 8).toBe(0);
    expect(got!.rejects.toJSON()).toEqual(rejects.toJSON());
    expect(readBarCache(path, "moved/AMC.csv")!.rejects.samples[0].file).toBe("moved/AMC.csv");
    expect(readBarCacheLayout(path)!.series.map((s) => [s.symbol, s.rows])).toEqual([["AMC", 1234], ["GME", 0], ["X", 7]]);
    expect(readdirSync(dir)).toEqual(["entry.bars"]); // no temp file left behind
  });

  it("ignores missing, short, padded, foreign or scrambled files instead of trusting them", () => {
    const dir = tempDir();
    const path = join(dir, "e.bars");
    const s = makeSeries("AMC", 100);
    expect(readBarCache(path)).toBeNull();
    writeBarCache(path, [s], new RejectLog(), "AMC.csv");
    const good = readFileSync(path);

    truncateSync(path, good.length - 8);
    expect(readBarCache(path)).toBeNull();
    expect(readBarCacheLayout(path)).toBeNull();

    writeFileSync(path, Buffer.concat([good, Buffer.alloc(8)]));
    expect(readBarCache(path)).toBeNull();

    const wrongVersion = Buffer.from(good);
    wrongVersion[8] = 99;
    writeFileSync(path, wrongVersion);
    expect(readBarCache(path)).toBeNull();

    const badMagic = Buffer.from(good);
    badMagic[0] = 0;
    writeFileSync(path, badMagic);
    expect(readBarCache(path)).toBeNull();

    const badMeta = Buffer.from(good);
    badMeta[30] = 0x7b; // "{" inside the JSON
    writeFileSync(path, badMeta);
    expect(readBarCache(path)).toBeNull();

    // Columns that do not match the header's first/last times.
    const shifted = Buffer.from(good);
    const dataStart = good.length - 100 * 48;
    shifted.writeDoubleLE(123, dataStart);
    writeFileSync(path, shifted);
    expect(readBarCache(path)).toBeNull();

    writeFileSync(path, "");
    expect(readBarCache(path)).toBeNull();
  });
});

describe("loadBarDir with the cache", () => {
  it("parses once, then loads identical arrays from the cache, with the rejects", () => {
    const data = tempDir();
    const cacheDir = join(tempDir(), "cache");
    // 800 minutes from 04:00 New York on a Monday: inside one extended session.
    const amc = makeSeries("AMC", 800, { seed: 1 });
    const bad = toCsv(makeSeries("GME", 50, { seed: 2 })) + "2020-01-01T00:00:00Z,1,1,1,1,1,1,1\n";
    writeFileSync(join(data, "AMC.csv.gz"), gzipSync(toCsv(amc)));
    writeFileSync(join(data, "GME.csv"), bad);

    const first = loadBarDir(data, { cacheDir });
    expect([first.parsedFiles, first.cachedFiles, first.files]).toEqual([2, 0, 2]);
    expect(first.rejects.count).toBe(1);
    expect(barsFiles(cacheDir)).toHaveLength(2);
    expect(cacheFilePath(cacheDir, sha1Hex(readFileSync(join(data, "AMC.csv.gz"))), "AMC")).toMatch(/\.AMC\.v1\.bars$/);

    const second = loadBarDir(data, { cacheDir });
    expect([second.parsedFiles, second.cachedFiles]).toEqual([0, 2]);
    expect(second.series.map(columns)).toEqual(first.series.map(columns));
    expect(second.series.map((s) => s.symbol)).toEqual(["AMC", "GME"]);
    expect(second.rejects.toJSON()).toEqual(first.rejects.toJSON());
    expect(second.rows).toBe(850);
  });

  it("misses when a source file changes, even keeping its size and mtime", () => {
    const data = tempDir();
    const cacheDir = tempDir();
    const file = join(data, "AMC.csv");
    const text = toCsv(makeSeries("AMC", 200, { seed: 1 }));
    writeFileSync(file, text);
    // Old enough for the stat memo to remember its hash.
    const old = new Date(Date.now() - 3_600_000);
    utimesSync(file, old, old);
    expect(loadBarDir(data, { cacheDir }).parsedFiles).toBe(1);
    expect(loadBarDir(data, { cacheDir }).cachedFiles).toBe(1);

    // Same length: trade_count of the first bar goes from 0 to 1.
    const lines = text.split("\n");
    const f = lines[1].split(",");
    expect(f[6]).toBe("0");
    f[6] = "1";
    lines[1] = f.join(",");
    const changed = lines.join("\n");
    expect(changed.length).toBe(text.length);
    writeFileSync(file, changed);
    utimesSync(file, old, old);
    const after = loadBarDir(data, { cacheDir });
    expect([after.parsedFiles, after.cachedFiles]).toEqual([1, 0]);
    expect(barsFiles(cacheDir)).toHaveLength(2);
    expect(Math.abs(statSync(file).mtimeMs - old.getTime())).toBeLessThan(1);
  });

  it("re-parses over a corrupt cache entry and repairs it", () => {
    const data = tempDir();
    const cacheDir = tempDir();
    writeFileSync(join(data, "AMC.csv"), toCsv(makeSeries("AMC", 100)));
    loadBarDir(data, { cacheDir });
    const [entry] = barsFiles(cacheDir);
    truncateSync(join(cacheDir, entry), 100);
    const r = loadBarDir(data, { cacheDir });
    expect([r.parsedFiles, r.cachedFiles, r.rows]).toEqual([1, 0, 100]);
    expect(loadBarDir(data, { cacheDir }).cachedFiles).toBe(1);
  });

  it("keeps same-content files under different names apart (the symbol comes from the name)", () => {
    const data = tempDir();
    const cacheDir = tempDir();
    const text = toCsv(makeSeries("A", 10));
    writeFileSync(join(data, "A.csv"), text);
    writeFileSync(join(data, "B.csv"), text);
    loadBarDir(data, { cacheDir });
    const r = loadBarDir(data, { cacheDir });
    expect(r.cachedFiles).toBe(2);
    expect(r.series.map((s) => s.symbol)).toEqual(["A", "B"]);
  });

  it("reports a cache folder it cannot write as a warning and still loads", () => {
    const data = tempDir();
    writeFileSync(join(data, "AMC.csv"), toCsv(makeSeries("AMC", 10)));
    const blocker = join(tempDir(), "file");
    writeFileSync(blocker, "x");
    const r = loadBarDir(data, { cacheDir: join(blocker, "cache") });
    expect(r.rows).toBe(10);
    expect(r.warnings[0]).toMatch(/could not write bar cache/);
  });
});
