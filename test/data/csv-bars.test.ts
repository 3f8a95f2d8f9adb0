import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RejectLog } from "../../src/core/bars.ts";
import { BarFormatError } from "../../src/data/bar-format-error.ts";
import { parseBarsCsv } from "../../src/data/csv-bars.ts";
import { symbolFromFileName } from "../../src/data/source-file.ts";
import { columns, makeSeries, toCsv } from "./helpers.ts";

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

const CORRUPT = [
  "timestamp,open,high,low,close,volume,trade_count,vwap", // 1
  "2024-04-01T08:00:00.000Z,3.72,3.76,3.72,3.74,1576,37,3.738", // 2 good
  "2024-04-01T08:01:00.000Z,NaN,3.76,3.76,3.76,318,7,3.76", // 3
  "2024-04-01T08:02:00.000Z,3.76,3.80,-3.70,3.75,100,5,3.7", // 4
  "2024-04-01T08:03:00.000Z,3.76,3.70,3.80,3.75,100,5,3.7", // 5
  "", // 6 blank
  "2024-04-01T08:04:00.000Z,3.75,3.78,3.74,3.77,200,5,3.76", // 7 good
  "2024-04-01T08:03:30.000Z,3.75,3.78,3.74,3.77,200,5,3.76", // 8
  "2024-04-01T08:04:00.000Z,3.75,3.78,3.74,3.77,999,5,3.76", // 9
  "2024-04-01T08:05:00.000Z,3.77,3.79,3.76,3.78,150,4,3.77", // 10 good
  "2024-04-01T08:06:00.000Z,3.78,3.80,3.77,3.79,-5,4,3.77", // 11
  "garbage line here", // 12
  "2024-04-01T08:07:00.000Z,3.78,3.8x,3.77,3.79,5,4,3.77", // 13
  "2024-13-01T08:08:00.000Z,3.78,3.80,3.77,3.79,5,4,3.77", // 14
  "2024-04-01T08:09:00.000Z,3.78,3.80,3.77,3.82,5,4,3.77", // 15
  "2024-04-01T08:10:00.000Z,3.79,3.81,3.78,3.80,10,3,3.8", // 16 good
  "2024-04-01T08:11:00.000Z,0,0,0,0,0,0,0", // 17
  "2024-04-01T08:12:00.000Z,3.8,3.9", // 18 truncated, no final newline
].join("\r\n");

const EXPECTED_REJECTS = [
  { line: 3, reason: "non-finite open" },
  { line: 4, reason: "price <= 0" },
  { line: 5, reason: "high < low" },
  { line: 8, reason: "out-of-order timestamp" },
  { line: 9, reason: "duplicate timestamp" },
  { line: 11, reason: "volume < 0" },
  { line: 12, reason: "missing fields (truncated line?)" },
  { line: 13, reason: "non-finite high" },
  { line: 14, reason: "bad timestamp" },
  { line: 15, reason: "close > high" },
  { line: 17, reason: "price <= 0" },
  { line: 18, reason: "missing fields (truncated line?)" },
];

/** A deliberately naive reference: split, Date.parse, parseFloat. */
function referenceParse(text: string): { tMs: number[]; open: number[]; high: number[]; low: number[]; close: number[]; volume: number[] } {
  const out = { tMs: [] as number[], open: [] as number[], high: [] as number[], low: [] as number[], close: [] as number[], volume: [] as number[] };
  for (const line of text.split(/\r?\n/).slice(1)) {
    if (line === "") continue;
    const f = line.split(",");
    out.tMs.push(Date.parse(f[0]));
    out.open.push(Number.parseFloat(f[1]));
    out.high.push(Number.parseFloat(f[2]));
    out.low.push(Number.parseFloat(f[3]));
    out.close.push(Number.parseFloat(f[4]));
    out.volume.push(Number.parseFloat(f[5]));
  }
  return out;
}

describe("parseBarsCsv", () => {
  it("counts every bad row with file, line and reason, and keeps the good ones (CRLF, blank line, truncated end)", () => {
    const rejects = new RejectLog();
    const s = parseBarsCsv(enc(CORRUPT), "data/AMC.csv", rejects);
    expect(s.symbol).toBe("AMC");
    expect(s.length).toBe(4);
    expect([...s.tMs].map((t) => new Date(t).toISOString().slice(11, 16))).toEqual(["08:00", "08:04", "08:05", "08:10"]);
    expect([...s.close]).toEqual([3.74, 3.77, 3.78, 3.8]);
    expect(s.volume[1]).toBe(200); // the duplicate (999) was dropped, the first kept
    expect(rejects.count).toBe(EXPECTED_REJECTS.length);
    expect(rejects.samples).toEqual(EXPECTED_REJECTS.map((r) => ({ file: "data/AMC.csv", ...r })));
    expect(rejects.byReason.get("missing fields (truncated line?)")).toBe(2);
  });

  it("refuses impossible times in the common 24-character spelling too", () => {
    const rows = ["00:00:00.000", "24:00:00.000", "23:60:00.000", "23:59:60.000", "2a:00:00.000", "23:00:00.0x0", "23:00:00,000", "23:59:59.999"];
    const text = ["timestamp,open,high,low,close,volume", ...rows.map((t) => `2024-04-01T${t}Z,1,1,1,1,1`)].join("\n");
    const rejects = new RejectLog();
    const s = parseBarsCsv(enc(text), "T.csv", rejects);
    expect([...s.tMs]).toEqual([Date.UTC(2024, 3, 1), Date.UTC(2024, 3, 1, 23, 59, 59, 999)]);
    expect(rejects.samples.map((r) => [r.line, r.reason])).toEqual([
      [3, "bad timestamp"],
      [4, "bad timestamp"],
      [5, "bad timestamp"],
      [6, "bad timestamp"],
      [7, "bad timestamp"],
      [8, "bad timestamp"],
    ]);
  });

  it("notices a last line cut inside the trailing columns", () => {
    const rejects = new RejectLog();
    const text = "timestamp,open,high,low,close,volume,trade_count,vwap\n2024-04-01T08:00:00Z,1,2,1,2,10,3,1.5\n2024-04-01T08:01:00Z,1,2,1,2,10";
    const s = parseBarsCsv(enc(text), "X.csv", rejects);
    expect(s.length).toBe(1);
    expect(rejects.samples).toEqual([{ file: "X.csv", line: 3, reason: "missing fields (truncated line?)" }]);
  });

  it("gives identical series for gzip and plain input", () => {
    const text = toCsv(makeSeries("GME", 5000, { seed: 7, gaps: true }));
    const a = parseBarsCsv(enc(text), "GME.csv", new RejectLog());
    const b = parseBarsCsv(gzipSync(enc(text)), "GME.csv.gz", new RejectLog());
    expect(b.symbol).toBe("GME");
    expect(columns(b)).toEqual(columns(a));
    expect(a.length).toBe(5000);
  });

  it("keeps the rows before the cut of a truncated .gz, says so, and refuses corrupt gzip", () => {
    const s = makeSeries("AMC", 3000, { seed: 5 });
    const gz = gzipSync(enc(toCsv(s)));
    const rejects = new RejectLog();
    const got = parseBarsCsv(gz.subarray(0, Math.floor(gz.length * 0.6)), "AMC.csv.gz", rejects);
    expect(got.length).toBeGreaterThan(1000);
    expect(got.length).toBeLessThan(3000);
    expect([...got.close]).toEqual([...s.close.subarray(0, got.length)]);
    const last = rejects.samples[rejects.samples.length - 1];
    expect(last.reason).toBe("gzip data ends early (file cut short?)");
    expect(last.line).toBeGreaterThan(got.length + 1);

    const corrupt = Buffer.from(gz);
    for (let i = 20; i < 60; i++) corrupt[i] ^= 0x5a;
    expect(() => parseBarsCsv(corrupt, "AMC.csv.gz", new RejectLog())).toThrow(/AMC\.csv\.gz: gzip data is corrupt/);
  });

  it("matches Date.parse/parseFloat bit for bit on generated files (LF or CRLF, with or without final newline)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.integer({ min: 0, max: 400 }),
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        (seed, n, crlf, finalNewline, gz) => {
          let text = toCsv(makeSeries("SYM", n, { seed, gaps: true }), crlf ? "\r\n" : "\n");
          if (!finalNewline) text = text.replace(/\r?\n$/, "");
          const rejects = new RejectLog();
          const s = parseBarsCsv(gz ? gzipSync(enc(text)) : enc(text), "SYM.csv", rejects);
          expect(rejects.count).toBe(0);
          const ref = referenceParse(text);
          const got = columns(s);
          for (const k of Object.keys(ref) as (keyof typeof ref)[]) {
            expect(got[k].length).toBe(ref[k].length);
            for (let i = 0; i < ref[k].length; i++) if (!Object.is(got[k][i], ref[k][i])) expect(got[k][i]).toBe(ref[k][i]);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it("maps columns by header name, in any order, with short names, quotes and a BOM", () => {
    const text = '\ufeff"v", c ,l,h,o,extra,t\n1576,3.74,3.72,3.76,3.72,zzz,2024-04-01T08:00:00+00:00\n';
    const s = parseBarsCsv(enc(text), "AMC.csv", new RejectLog());
    expect(columns(s)).toEqual({ tMs: [Date.UTC(2024, 3, 1, 8)], open: [3.72], high: [3.76], low: [3.72], close: [3.74], volume: [1576] });
  });

  it("reads exponents and other rare number spellings through the fallback", () => {
    const text = "t,o,h,l,c,v\n2024-04-01T08:00:00Z,3.72e0,3.76,3.72,3.74,1.5e3\n";
    const s = parseBarsCsv(enc(text), "A.csv", new RejectLog());
    expect([s.open[0], s.volume[0]]).toEqual([3.72, 1500]);
  });

  it("throws one clear error for a file that is not bar CSV, naming file and missing columns", () => {
    const bad = () => parseBarsCsv(enc("time,price,size\n2024-04-01T08:00:00Z,1,2\n"), "dir/BAD.csv", new RejectLog());
    expect(bad).toThrow(BarFormatError);
    expect(bad).toThrow(/dir\/BAD\.csv: header lacks column\(s\) timestamp, open, high, low, close, volume/);
    expect(() => parseBarsCsv(new Uint8Array(0), "E.csv", new RejectLog())).toThrow(/E\.csv: empty file/);
  });

  it("accepts a header-only file as an empty series", () => {
    const s = parseBarsCsv(enc("timestamp,open,high,low,close,volume\n"), "A.csv", new RejectLog());
    expect(s.length).toBe(0);
  });

  it("never throws on arbitrary junk after a valid header, and keeps only valid, increasing bars", () => {
    const junkLine = fc.oneof(
      fc.string({ maxLength: 80 }),
      fc
        .tuple(fc.integer({ min: 0, max: 100_000 }), fc.array(fc.oneof(fc.double(), fc.constant("NaN"), fc.string({ maxLength: 6 })), { maxLength: 7 }))
        .map(([m, f]) => [new Date(Date.UTC(2024, 0, 1) + m * 60_000).toISOString(), ...f.map(String)].join(",")),
    );
    fc.assert(
      fc.property(fc.array(junkLine, { maxLength: 60 }), fc.constantFrom("\n", "\r\n"), (lines, eol) => {
        const text = ["timestamp,open,high,low,close,volume", ...lines].join(eol);
        const rejects = new RejectLog();
        const s = parseBarsCsv(enc(text), "J.csv", rejects);
        for (let i = 0; i < s.length; i++) {
          expect(s.low[i]).toBeGreaterThan(0);
          expect(s.low[i]).toBeLessThanOrEqual(Math.min(s.open[i], s.close[i]));
          expect(s.high[i]).toBeGreaterThanOrEqual(Math.max(s.open[i], s.close[i]));
          expect(s.volume[i]).toBeGreaterThanOrEqual(0);
          if (i > 0) expect(s.tMs[i]).toBeGreaterThan(s.tMs[i - 1]);
        }
        for (const r of rejects.samples) expect(r.line).toBeGreaterThan(1);
      }),
      { numRuns: 300 },
    );
  });
});

describe("symbolFromFileName", () => {
  it("strips folders and bar-file extensions", () => {
    expect(symbolFromFileName("/x/y/AMC.csv.gz")).toBe("AMC");
    expect(symbolFromFileName("BRK.B.csv")).toBe("BRK.B");
    expect(symbolFromFileName("SPY.json.gz")).toBe("SPY");
    expect(symbolFromFileName("notes.txt")).toBe("notes");
  });
});
