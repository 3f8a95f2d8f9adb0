import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { RejectLog } from "../../src/core/bars.ts";
import { BarFormatError } from "../../src/data/bar-format-error.ts";
import { parseBarsJson } from "../../src/data/json-bars.ts";

const enc = (x: unknown): Uint8Array => new TextEncoder().encode(typeof x === "string" ? x : JSON.stringify(x));
const bar = (min: number, o: number, h: number, l: number, c: number, v: number) => ({
  t: new Date(Date.UTC(2024, 3, 1, 13, 30 + min)).toISOString().replace(".000Z", "Z"),
  o,
  h,
  l,
  c,
  v,
  n: 10,
  vw: (h + l) / 2,
});
const T = (min: number): number => Date.UTC(2024, 3, 1, 13, 30 + min);

describe("parseBarsJson", () => {
  it("reads the multi-symbol page", () => {
    const doc = { bars: { AMC: [bar(0, 4, 4.2, 3.9, 4.1, 100), bar(1, 4.1, 4.3, 4, 4.2, 50)], GME: [bar(0, 20, 21, 19, 20.5, 7)] }, next_page_token: null };
    const rejects = new RejectLog();
    const m = parseBarsJson(enc(doc), "bars.json", rejects);
    expect([...m.keys()]).toEqual(["AMC", "GME"]);
    expect([...m.get("AMC")!.tMs]).toEqual([T(0), T(1)]);
    expect([...m.get("AMC")!.close]).toEqual([4.1, 4.2]);
    expect(m.get("GME")!.volume[0]).toBe(7);
    expect(rejects.count).toBe(0);
  });

  it("reads the single-symbol page, falling back to the file name when symbol is absent", () => {
    const a = parseBarsJson(enc({ symbol: "TSLA", bars: [bar(0, 1, 2, 0.5, 1.5, 9)], next_page_token: "abc" }), "x.json", new RejectLog());
    expect([...a.keys()]).toEqual(["TSLA"]);
    const b = parseBarsJson(enc({ bars: [bar(0, 1, 2, 0.5, 1.5, 9)] }), "dir/SPY.json", new RejectLog());
    expect([...b.keys()]).toEqual(["SPY"]);
    const empty = parseBarsJson(enc({ symbol: "SPY", bars: null }), "SPY.json", new RejectLog());
    expect(empty.get("SPY")!.length).toBe(0);
  });

  it("joins an array of pages, continuing each symbol across pages (gzip too)", () => {
    const pages = [
      { bars: { AMC: [bar(0, 4, 4.2, 3.9, 4.1, 100)] }, next_page_token: "p2" },
      { bars: { AMC: [bar(1, 4.1, 4.3, 4, 4.2, 50)], GME: [bar(1, 20, 21, 19, 20.5, 7)] }, next_page_token: null },
    ];
    const m = parseBarsJson(gzipSync(enc(pages)), "bars.json.gz", new RejectLog());
    expect([...m.get("AMC")!.tMs]).toEqual([T(0), T(1)]);
    expect(m.get("GME")!.length).toBe(1);
  });

  it("rejects bad bars with symbol, page and 1-based index, keeping the rest", () => {
    const pages = [
      {
        bars: {
          AMC: [
            bar(0, 4, 4.2, 3.9, 4.1, 100),
            { ...bar(1, 4, 4.2, 3.9, 4.1, 100), h: 3 }, // high < low
            { ...bar(2, 4, 4.2, 3.9, 4.1, 100), t: "2024-04-01T13:32:00" }, // no zone
            { ...bar(3, 4, 4.2, 3.9, 4.1, 100), c: "4.1" }, // string
            { t: bar(4, 1, 1, 1, 1, 1).t, o: 1, h: 1, l: 1, c: 1 }, // no v
            "nope",
            bar(6, 4, 4.2, 3.9, 4.1, 100),
          ],
        },
      },
      { bars: { AMC: [bar(6, 4, 4.2, 3.9, 4.1, 100), bar(5, 4, 4.2, 3.9, 4.1, 1), bar(7, 4, 4.2, 3.9, -4.1, 1)] } },
    ];
    const rejects = new RejectLog();
    const m = parseBarsJson(enc(pages), "b.json", rejects);
    expect([...m.get("AMC")!.tMs]).toEqual([T(0), T(6)]);
    expect(rejects.samples).toEqual([
      { file: "b.json [page 1, AMC]", line: 2, reason: "high < low" },
      { file: "b.json [page 1, AMC]", line: 3, reason: "bad timestamp" },
      { file: "b.json [page 1, AMC]", line: 4, reason: "non-numeric close" },
      { file: "b.json [page 1, AMC]", line: 5, reason: "missing field v" },
      { file: "b.json [page 1, AMC]", line: 6, reason: "bar is not an object" },
      { file: "b.json [page 2, AMC]", line: 1, reason: "duplicate timestamp" },
      { file: "b.json [page 2, AMC]", line: 2, reason: "out-of-order timestamp" },
      { file: "b.json [page 2, AMC]", line: 3, reason: "price <= 0" },
    ]);
  });

  it("throws one clear error for a malformed document or envelope", () => {
    const cases: [unknown, RegExp][] = [
      ["{not json", /x\.json: not valid JSON/],
      [{ bars: 5 }, /x\.json: not an Alpaca bars response: bars: /],
      [{ bars: { AMC: "x" } }, /x\.json: not an Alpaca bars response: bars\.AMC: /],
      [{ data: [] }, /x\.json: not an Alpaca bars response: bars: /],
      [[{ bars: {} }, 7], /x\.json: not an Alpaca bars response: \[1\] should be an object/],
      [{ symbol: 5, bars: [] }, /x\.json: not an Alpaca bars response: symbol: /],
      [42, /should be an object/],
    ];
    const gz = gzipSync(enc({ bars: { AMC: [bar(0, 4, 4.2, 3.9, 4.1, 100)] } }));
    expect(() => parseBarsJson(gz.subarray(0, gz.length - 10), "x.json.gz", new RejectLog())).toThrow(/x\.json\.gz: gzip data is corrupt or cut short/);
    for (const [doc, msg] of cases) {
      const run = () => parseBarsJson(enc(doc), "x.json", new RejectLog());
      expect(run).toThrow(BarFormatError);
      expect(run).toThrow(msg);
    }
  });
});
