import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { RejectLog, type BarSeries } from "../../src/core/bars.ts";
import { parseBarsCsv } from "../../src/data/csv-bars.ts";
import { parseBarsJson } from "../../src/data/json-bars.ts";
import { BarFormatError } from "../../src/data/bar-format-error.ts";
import { barProblem } from "../../src/data/series-builder.ts";
import { parseDecimal, parseIsoUtcMs, parseIsoUtcMsString, scanDecimal } from "../../src/data/parse-bytes.ts";
import { loadBarDir } from "../../src/data/load-dir.ts";
import { gunzipLimit } from "../../src/data/source-file.ts";
import { makeSeries, tempDir, toCsv } from "../data/helpers.ts";

/**
 * Bad input to the bar loaders: random bytes, valid files cut, spliced and sprinkled with garbage
 * and unicode, gzip cut short, huge lines. Nothing may throw but a BarFormatError naming the file;
 * every row is either a valid bar or a counted reject naming its file and line.
 */

// Deterministic in CI; FUZZ_RUNS=5000 FUZZ_SEED=<n> digs deeper by hand.
const RUNS = { numRuns: Number(process.env.FUZZ_RUNS ?? 150), seed: Number(process.env.FUZZ_SEED ?? 7) };
const enc = new TextEncoder();

/** What every parse result must satisfy, whatever went in. */
function expectValidSeries(s: BarSeries): void {
  for (let i = 0; i < s.length; i++) {
    expect(barProblem(s.tMs[i], s.open[i], s.high[i], s.low[i], s.close[i], s.volume[i])).toBeNull();
    if (i > 0) expect(s.tMs[i]).toBeGreaterThan(s.tMs[i - 1]);
  }
}

function expectNamedRejects(r: RejectLog, file: string): void {
  expect(r.count).toBeGreaterThanOrEqual(r.samples.length);
  for (const x of r.samples) {
    expect(x.file.startsWith(file)).toBe(true);
    expect(x.line).toBeGreaterThanOrEqual(1);
    expect(x.reason.length).toBeGreaterThan(0);
  }
}

/** Parses, and holds the outcome to the contract: a valid series, or a BarFormatError naming the file. */
function csvOutcome(bytes: Uint8Array, file = "FUZZ.csv"): { series: BarSeries; rejects: RejectLog } | null {
  const rejects = new RejectLog();
  try {
    const series = parseBarsCsv(bytes, file, rejects);
    expectValidSeries(series);
    expectNamedRejects(rejects, file);
    return { series, rejects };
  } catch (e) {
    expect(e).toBeInstanceOf(BarFormatError);
    expect((e as Error).message.startsWith(`${file}: `)).toBe(true);
    return null;
  }
}

const validCsv = (seed: number, n = 40): string => toCsv(makeSeries("FUZZ", n, { seed }));

/** Text edits of the kind real files suffer, and worse. */
const edit = fc.oneof(
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), text: fc.oneof(fc.string({ unit: "binary", maxLength: 12 }), fc.constantFrom(",", "\n", "\r\n", '"', "NaN", "-1", "1e999", "\u0000", "\ufeff", "é", "𝟙", "2024-13-45T99:99:99.999Z")) }),
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), len: fc.integer({ min: 1, max: 30 }) }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("swapLines" as const), a: fc.nat(), b: fc.nat() }),
  fc.record({ kind: fc.constant("dupLine" as const), a: fc.nat() }),
);
type Edit = typeof edit extends fc.Arbitrary<infer T> ? T : never;

function apply(text: string, e: Edit): string {
  switch (e.kind) {
    case "insert": {
      const at = e.at % (text.length + 1);
      return text.slice(0, at) + e.text + text.slice(at);
    }
    case "delete": {
      const at = e.at % (text.length + 1);
      return text.slice(0, at) + text.slice(at + e.len);
    }
    case "truncate":
      return text.slice(0, e.at % (text.length + 1));
    case "swapLines":
    case "dupLine": {
      const lines = text.split("\n");
      const a = 1 + (e.a % Math.max(1, lines.length - 1));
      if (e.kind === "dupLine") lines.splice(a, 0, lines[a] ?? "");
      else {
        const b = 1 + (e.b % Math.max(1, lines.length - 1));
        [lines[a], lines[b]] = [lines[b] ?? "", lines[a] ?? ""];
      }
      return lines.join("\n");
    }
  }
}

/** Data lines that are not blank (a blank line, or a lone CR, is skipped by design). */
function dataLines(text: string): number {
  return text.split("\n").slice(1).filter((l) => l.replace(/\r$/, "") !== "").length;
}

describe("fuzz: CSV bars", () => {
  it("random bytes: a valid (possibly empty) series or a BarFormatError naming the file", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), (b) => void csvOutcome(b)), RUNS);
    fc.assert(fc.property(fc.string({ unit: "binary", maxLength: 300 }), (s) => void csvOutcome(enc.encode(`timestamp,open,high,low,close,volume\n${s}`))), RUNS);
  });

  it("edited valid files: every non-blank data line is a bar or a counted reject with its line", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), fc.array(edit, { minLength: 1, maxLength: 8 }), (seed, edits) => {
        const header = "timestamp,open,high,low,close,volume,trade_count,vwap\n";
        const body = edits.reduce(apply, validCsv(seed).slice(header.length));
        const text = header + body;
        const out = csvOutcome(enc.encode(text));
        expect(out).not.toBeNull();
        expect(out!.series.length + out!.rejects.count).toBe(dataLines(text));
        for (const x of out!.rejects.samples) expect(x.line).toBeLessThanOrEqual(text.split("\n").length);
      }),
      RUNS,
    );
  });

  it("gzip: corrupt, cut short or sprinkled; never anything but a series or a BarFormatError", () => {
    const gz = gzipSync(validCsv(3, 300));
    fc.assert(
      fc.property(fc.nat(), fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 8 }), (cut, at, junk) => {
        csvOutcome(gz.subarray(0, cut % (gz.length + 1)), "FUZZ.csv.gz");
        const spliced = Buffer.concat([gz.subarray(0, at % gz.length), junk, gz.subarray((at % gz.length) + junk.length)]);
        csvOutcome(spliced, "FUZZ.csv.gz");
      }),
      RUNS,
    );
    // A cut inside the deflate stream keeps the rows before it and says so.
    const cut = csvOutcome(gz.subarray(0, Math.floor(gz.length * 0.6)), "FUZZ.csv.gz");
    expect(cut!.series.length).toBeGreaterThan(0);
    expect(cut!.rejects.samples.some((x) => /gzip data ends early/.test(x.reason))).toBe(true);
  });

  it("huge lines and many bad rows: counted, not kept, and the good rows still load", () => {
    const header = "timestamp,open,high,low,close,volume\n";
    const long = `2024-04-01T13:30:00.000Z,${"9".repeat(2_000_000)},1,1,1,1\n`;
    const junk = Array.from({ length: 50_000 }, (_, i) => `x${i},,,,\n`).join("");
    const out = csvOutcome(enc.encode(header + long + junk + validCsv(1, 5).split("\n").slice(1).join("\n")));
    expect(out!.series.length).toBe(5);
    expect(out!.rejects.count).toBe(50_001);
    expect(out!.rejects.samples.length).toBeLessThanOrEqual(1000);
  });
});

describe("fuzz: JSON bars", () => {
  const bar = (i: number) => ({ t: new Date(Date.UTC(2024, 3, 1, 14, i)).toISOString(), o: 10, h: 11, l: 9, c: 10.5, v: 100 });
  const jsonOutcome = (bytes: Uint8Array, file = "FUZZ.json"): number | null => {
    const rejects = new RejectLog();
    try {
      const m = parseBarsJson(bytes, file, rejects);
      let n = 0;
      for (const s of m.values()) {
        expectValidSeries(s);
        n += s.length;
      }
      expectNamedRejects(rejects, file);
      return n + rejects.count;
    } catch (e) {
      expect(e).toBeInstanceOf(BarFormatError);
      expect((e as Error).message.startsWith(`${file}: `)).toBe(true);
      return null;
    }
  };

  it("any JSON document, any bytes: a map of valid series or a BarFormatError naming the file", () => {
    fc.assert(fc.property(fc.jsonValue(), (doc) => void jsonOutcome(enc.encode(JSON.stringify(doc)))), RUNS);
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (b) => void jsonOutcome(b)), RUNS);
  });

  it("pages whose bars hold anything: every bar is a bar or a counted reject", () => {
    const value = fc.oneof(fc.jsonValue(), fc.constantFrom(-1, 0, 1e308, "10", "", null, "2024-04-01T14:00:00Z", "not a date"));
    const badBar = fc.record({ i: fc.nat(59), key: fc.constantFrom("t", "o", "h", "l", "c", "v", "extra"), value });
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.nat(59).map((i) => bar(i)), badBar.map(({ i, key, value: v }) => ({ ...bar(i), [key]: v })), fc.jsonValue()), { maxLength: 30 }), fc.boolean(), (bars, multi) => {
        const doc = multi ? { bars: { FUZZ: bars, "Ω≈ç": bars }, next_page_token: null } : { symbol: "FUZZ", bars };
        expect(jsonOutcome(enc.encode(JSON.stringify(doc)))).toBe(bars.length * (multi ? 2 : 1));
      }),
      RUNS,
    );
  });
});

describe("fuzz: number and time readers", () => {
  it("never throw, and agree with parseFloat / Date.parse on what they accept", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (b) => {
        expect(typeof parseDecimal(b, 0, b.length)).toBe("number");
        expect(typeof scanDecimal(b, 0, b.length)).toBe("number");
        expect(typeof parseIsoUtcMs(b, 0, b.length)).toBe("number");
      }),
      RUNS,
    );
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        const s = String(x);
        expect(parseDecimal(enc.encode(s), 0, s.length)).toBe(Number.parseFloat(s));
      }),
      RUNS,
    );
    fc.assert(
      fc.property(fc.date({ min: new Date("1970-01-01T00:00:00Z"), max: new Date("9999-12-31T23:59:59Z"), noInvalidDate: true }), (d) => {
        const s = d.toISOString();
        expect(parseIsoUtcMsString(s)).toBe(d.getTime());
        expect(parseIsoUtcMs(enc.encode(s), 0, s.length)).toBe(d.getTime());
      }),
      RUNS,
    );
  });
});

describe("fuzz: a data folder of bad files", () => {
  it("loads what it can, refuses whole files by name, and the cache gives back what the parse gave", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            ext: fc.constantFrom(".csv", ".csv.gz", ".json", ".json.gz", ".txt"),
            content: fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 1, max: 99 }).map((seed) => enc.encode(validCsv(seed, 20))), fc.jsonValue().map((v) => enc.encode(JSON.stringify(v)))),
            gzip: fc.boolean(),
          }),
          { minLength: 1, maxLength: 6 },
        ),
        (files) => {
          const dir = tempDir("sw-fuzz-dir-");
          const data = join(dir, "bars");
          mkdirSync(data);
          files.forEach((f, i) => writeFileSync(join(data, `S${i}${f.ext}`), f.gzip ? gzipSync(f.content) : f.content));
          const cacheDir = join(dir, "cache");
          const first = loadBarDir(data, { cacheDir });
          for (const s of first.series) expectValidSeries(s);
          for (const x of first.rejects.samples) expect(x.file.startsWith(data)).toBe(true);
          expect(first.files).toBe(files.filter((f) => f.ext !== ".txt").length);
          expect(first.warnings.length).toBeGreaterThanOrEqual(first.badFiles);
          const again = loadBarDir(data, { cacheDir });
          expect(again.series.map((s) => [s.symbol, s.length, [...s.tMs]])).toEqual(first.series.map((s) => [s.symbol, s.length, [...s.tMs]]));
          expect(again.rejects.count).toBe(first.rejects.count);
        },
      ),
      { numRuns: 40, seed: 11 },
    );
  });
});

describe("fuzz: gzip bombs", () => {
  it("a file that expands past the limit is refused by name, not unpacked into memory", () => {
    const saved = gunzipLimit.maxBytes;
    gunzipLimit.maxBytes = 4 * 1024 * 1024;
    try {
      const bomb = gzipSync(Buffer.concat([enc.encode("timestamp,open,high,low,close,volume\n"), Buffer.alloc(16 * 1024 * 1024, 0x20)]));
      expect(bomb.length).toBeLessThan(64 * 1024);
      expect(() => parseBarsCsv(bomb, "BOMB.csv.gz", new RejectLog())).toThrow(/^BOMB\.csv\.gz: gzip data is corrupt \(gzip data expands past 4194304 bytes .*gzip bomb\)/);
      expect(() => parseBarsJson(bomb, "BOMB.json.gz", new RejectLog())).toThrow(/^BOMB\.json\.gz: .*expands past 4194304 bytes/);
      // A trailer that lies about the size costs nothing up front.
      const liar = Buffer.from(gzipSync(validCsv(2, 10)));
      liar.writeUInt32LE(0xffffffff, liar.length - 4);
      expect(csvOutcome(liar, "LIAR.csv.gz")).toBeNull();
    } finally {
      gunzipLimit.maxBytes = saved;
    }
  });
});
