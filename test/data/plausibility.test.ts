import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { RejectLog } from "../../src/core/bars.ts";
import { loadBarDir } from "../../src/data/load-dir.ts";
import { checkBar, defaultLimits, DEFAULT_PLAUSIBILITY, limitsFromConfig, PlausibilityGate, type PlausibleBarInput } from "../../src/data/plausibility.ts";
import { plausibleSeries } from "../../src/data/plausible-series.ts";
import { generateSeries } from "../../src/data/generator.ts";
import { tempDir } from "./helpers.ts";

const NOW = Date.parse("2026-12-07T12:00:00Z");
const L = defaultLimits(NOW);
const at = (iso: string, px = 10): PlausibleBarInput => ({ tMs: Date.parse(iso), open: px, high: px, low: px, close: px });
// 2024-05-14 (a Tuesday, EDT): 13:30Z is 09:30 New York.
const T = "2024-05-14T13:30:00Z";

describe("checkBar", () => {
  it("refuses absurd prices and times with their reasons", () => {
    expect(checkBar(null, at(T, 1e300), L)).toBe("price above $1000000");
    expect(checkBar(null, at(T, 1e-300), L)).toBe("price below $0.0001");
    expect(checkBar(null, at("1970-01-02T14:30:00Z"), L)).toBe("timestamp before 1990-01-01");
    expect(checkBar(null, at("2100-01-04T14:30:00Z"), L)).toBe("timestamp after now + 1 day");
    expect(checkBar(null, at(T), L)).toBeNull();
    // A day of slack past now (sessions off: only the time range is under test here).
    const times = { ...L, checkSessions: false };
    expect(checkBar(null, { ...at(T), tMs: NOW + 23 * 3600_000 }, times)).toBeNull();
    expect(checkBar(null, { ...at(T), tMs: NOW + 25 * 3600_000 }, times)).toBe("timestamp after now + 1 day");
  });

  it("knows the sessions: pre/post market yes, nights, weekends and holidays no", () => {
    expect(checkBar(null, at("2024-05-14T08:00:00Z"), L)).toBeNull(); // 04:00 pre-market
    expect(checkBar(null, at("2024-05-14T23:59:00Z"), L)).toBeNull(); // 19:59 post-market
    expect(checkBar(null, at("2024-05-15T00:00:00Z"), L)).toBeNull(); // midnight UTC: read as the daily bar of 05-15
    expect(checkBar(null, at("2024-05-14T07:59:00Z"), L)).toBe("outside extended hours (04:00 to 4 h after the close, New York)");
    expect(checkBar(null, at("2024-05-18T14:30:00Z"), L)).toBe("market closed (Saturday)");
    expect(checkBar(null, at("2024-03-29T14:30:00Z"), L)).toBe("market closed (Good Friday)");
    // Early close at 13:00: post-market ends at 17:00.
    expect(checkBar(null, at("2024-11-29T21:59:00Z"), L)).toBeNull();
    expect(checkBar(null, at("2024-11-29T22:00:00Z"), L)).toMatch(/^outside extended hours/);
    // Daily bars stamped at midnight are judged by their date (UTC midnight as in ../shared/data, NY midnight as Alpaca's REST).
    expect(checkBar(null, at("2018-01-02T00:00:00Z"), L)).toBeNull();
    expect(checkBar(null, at("2024-05-14T04:00:00Z"), L)).toBeNull();
    expect(checkBar(null, at("2024-06-15T00:00:00Z"), L)).toBe("market closed (Saturday)");
    expect(checkBar(null, at("2024-05-18T14:30:00Z"), { ...L, checkSessions: false })).toBeNull();
  });

  it("refuses a jump from the previous close: x10 within a session, x50 across one", () => {
    const prev = { tMs: Date.parse(T), close: 2 };
    expect(checkBar(prev, at("2024-05-14T13:31:00Z", 19.9), L)).toBeNull();
    expect(checkBar(prev, at("2024-05-14T13:31:00Z", 20.1), L)).toBe("jump over x10 from the previous close, within a session");
    expect(checkBar(prev, at("2024-05-14T13:31:00Z", 0.199), L)).toBe("jump over x10 from the previous close, within a session");
    // A 1:20 reverse split overnight (WKHS 2024-06-17 went from $0.15 to $2.69) passes.
    expect(checkBar(prev, at("2024-05-15T13:30:00Z", 40), L)).toBeNull();
    expect(checkBar(prev, at("2024-05-15T13:30:00Z", 101), L)).toBe("jump over x50 from the previous close, across sessions");
  });

  it("takes its limits from the data config keys", () => {
    const l = limitsFromConfig({ ...DEFAULT_PLAUSIBILITY, minBarDate: "2020-01-01", maxPriceUsd: 500 }, NOW);
    expect(checkBar(null, at("2019-06-03T14:30:00Z"), l)).toBe("timestamp before 2020-01-01");
    expect(checkBar(null, at(T, 600), l)).toBe("price above $500");
  });
});

describe("PlausibilityGate", () => {
  const minute = (i: number, px: number): PlausibleBarInput => ({ ...at(T, px), tMs: Date.parse(T) + i * 60_000 });

  it("refuses a lone spike and keeps the reference, so the next normal bar passes", () => {
    const g = new PlausibilityGate(L);
    expect(g.check(minute(0, 10))).toBeNull();
    expect(g.check(minute(1, 500))).toMatch(/^jump/);
    expect(g.check(minute(2, 10.1))).toBeNull();
    expect(g.refusedByRule.jump).toBe(1);
  });

  it("adopts a new level after jumpConfirmBars agreeing bars; never with 0", () => {
    const g = new PlausibilityGate(L);
    g.check(minute(0, 10));
    const verdicts = [1, 2, 3, 4, 5, 6].map((i) => g.check(minute(i, 200 + i)));
    expect(verdicts.map((v) => v === null)).toEqual([false, false, false, false, true, true]);
    const strict = new PlausibilityGate({ ...L, jumpConfirmBars: 0 });
    strict.check(minute(0, 10));
    expect([1, 2, 3, 4, 5, 6, 7].every((i) => strict.check(minute(i, 200)) !== null)).toBe(true);
  });
});

describe("the loaders refuse implausible rows, name them and go on", () => {
  const good = (t: string, px = 10): string => `${t},${px},${px},${px},${px},100,1,${px}`;

  it("CSV: 1e300, 1e-300, 1970 and 2100 rows are refused with reasons, file and line", () => {
    const dir = tempDir();
    const rows = [
      "timestamp,open,high,low,close,volume,trade_count,vwap",
      good("2024-05-14T13:30:00.000Z"), // line 2
      good("2024-05-14T13:31:00.000Z", 1e300), // 3
      good("2024-05-14T13:32:00.000Z", 1e-300), // 4
      good("1970-01-01T00:00:00.000Z"), // 5 (also out of order: the time is the better reason)
      good("2024-05-14T13:33:00.000Z"), // 6
      good("2100-01-04T14:30:00.000Z"), // 7
      good("2024-05-18T14:30:00.000Z"), // 8 Saturday
      good("2024-05-20T13:30:00.000Z", 10.5), // 9
    ];
    writeFileSync(join(dir, "AMC.csv"), `${rows.join("\n")}\n`);
    const r = loadBarDir(dir, { cacheDir: null, plausibility: L });
    expect(r.rows).toBe(3);
    expect(r.rejects.samples.map((s) => [s.file.split("/").pop(), s.line, s.reason])).toEqual([
      ["AMC.csv", 3, "price above $1000000"],
      ["AMC.csv", 4, "price below $0.0001"],
      ["AMC.csv", 5, "timestamp before 1990-01-01"],
      ["AMC.csv", 7, "timestamp after now + 1 day"],
      ["AMC.csv", 8, "market closed (Saturday)"],
    ]);
    expect(Object.fromEntries(r.rejects.byReason)).toEqual({
      "price above $1000000": 1,
      "price below $0.0001": 1,
      "timestamp before 1990-01-01": 1,
      "timestamp after now + 1 day": 1,
      "market closed (Saturday)": 1,
    });
    // null turns the plausibility rules off (shape only): 1e300 and 2100 then pass, and the 2100 row
    // pushes the two after it out of order, which is how one absurd bar used to cost the rest of a file.
    expect(loadBarDir(dir, { cacheDir: null, plausibility: null }).rows).toBe(5);
  });

  it("REST-shaped JSON pages are checked per symbol, across pages", () => {
    const dir = tempDir();
    const bar = (t: string, px: number) => ({ t, o: px, h: px, l: px, c: px, v: 100 });
    const pages = [
      { bars: { GME: [bar("2024-05-14T13:30:00Z", 20), bar("2024-05-14T13:31:00Z", 1e300)] }, next_page_token: "x" },
      { bars: { GME: [bar("2024-05-14T13:32:00Z", 20.2), bar("2100-01-04T14:30:00Z", 20)] }, next_page_token: null },
    ];
    writeFileSync(join(dir, "pages.json"), JSON.stringify(pages));
    const r = loadBarDir(dir, { cacheDir: null, plausibility: L });
    expect(r.rows).toBe(2);
    expect(r.rejects.samples.map((s) => [s.file.split("/").pop(), s.line, s.reason])).toEqual([
      ["pages.json [page 1, GME]", 2, "price above $1000000"],
      ["pages.json [page 2, GME]", 2, "timestamp after now + 1 day"],
    ]);
  });

  it("a cached parse is keyed by the limits: a changed limit re-parses", () => {
    const dir = tempDir();
    const cacheDir = join(tempDir(), "cache");
    writeFileSync(join(dir, "AMC.csv"), `timestamp,open,high,low,close,volume\n${good("2024-05-14T13:30:00.000Z", 600)}\n`);
    expect(loadBarDir(dir, { cacheDir, plausibility: L }).rows).toBe(1);
    const tight = { ...L, maxPriceUsd: 500 };
    const r = loadBarDir(dir, { cacheDir, plausibility: tight });
    expect([r.parsedFiles, r.rows, r.rejects.count]).toEqual([1, 0, 1]);
    expect(loadBarDir(dir, { cacheDir, plausibility: tight }).cachedFiles).toBe(1);
  });

  it("generated bars on the calendar pass with no refusal; on plain weekdays the holiday is refused", () => {
    const onCalendar = generateSeries({ seed: 3, symbols: 2, days: 12, calendar: true });
    const rejects = new RejectLog();
    for (const s of onCalendar) expect(plausibleSeries(s, L, rejects)).toBe(s);
    expect(rejects.count).toBe(0);
    const weekdays = generateSeries({ seed: 3, symbols: 1, days: 12 });
    const kept = plausibleSeries(weekdays[0], L, rejects);
    expect(kept.length).toBeLessThan(weekdays[0].length);
    expect([...rejects.byReason.keys()]).toEqual(["market closed (Martin Luther King Jr. Day)"]);
  });
});
