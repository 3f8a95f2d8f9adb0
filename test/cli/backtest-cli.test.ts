import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { generateSeries } from "../../src/data/generator.ts";
import { seriesToAlpacaCsv } from "../../src/data/csv-writer.ts";

const bin = resolve(import.meta.dirname, "../../bin/sizewise.js");

function cli(args: string[], cwd: string): string {
  return execFileSync(process.execPath, [bin, ...args], { cwd, encoding: "utf8", env: { ...process.env, CI: "1" } });
}

interface BacktestJson {
  bars: number;
  symbols: string[];
  trades: number;
  rejectedRows: number;
  rejectedRowSamples: { file: string; line: number; reason: string }[];
  metrics: Record<string, number>;
  tradeList: { symbol: string; entryTime: string; exitTime: string; shares: number; r: number; pnl: number; exitReason: string; sizing: { factors: unknown[] } }[];
}

describe("sizewise backtest (CLI)", () => {
  const dir = mkdtempSync(join(tmpdir(), "sw-cli-"));
  const data = join(dir, "bars");
  // On the NYSE calendar (MLK day skipped): the loader refuses bars on days the market is closed.
  const series = generateSeries({ seed: 5, symbols: 3, days: 15, selloffProb: 0.2, calendar: true });
  mkdirSync(data);
  const [a, b, c] = series;
  writeFileSync(join(data, `${a.symbol}.csv.gz`), gzipSync(seriesToAlpacaCsv(a)));
  writeFileSync(join(data, `${b.symbol}.csv`), seriesToAlpacaCsv(b));
  // The third file is corrupted: a NaN, a negative price, high < low, an out-of-order time, a duplicate
  // time, and a truncated last line.
  const lines = seriesToAlpacaCsv(c).trimEnd().split("\n");
  const good = lines.length - 1;
  const row = (i: number): string[] => lines[i].split(",");
  const bad = [...lines];
  bad.splice(11, 0, ["2099-01-01T00:00:00.000Z", "NaN", ...row(10).slice(2)].join(",")); // line 12
  bad.splice(21, 0, [row(20)[0].replace(/:00\.000Z$/, ":30.000Z"), "-1", ...row(20).slice(2)].join(",")); // line 22
  bad.splice(31, 0, (() => { const r = row(29); return [r[0].replace(/:00\.000Z$/, ":45.000Z"), r[1], "0.5", "9999", r[4], r[5], r[6], r[7]].join(","); })()); // line 32: high < low
  bad.splice(41, 0, [row(5)[0], ...row(5).slice(1)].join(",")); // line 42: out of order
  bad.splice(51, 0, bad[50]); // line 52: duplicate of line 51
  const truncated = `${bad.join("\n")}\n2099-12-31T15:59:00.000Z,1.0,1.1`;
  writeFileSync(join(data, `${c.symbol}.csv`), truncated);

  it("counts and names every bad row, keeps the good ones, and reports finite figures", () => {
    const out = JSON.parse(cli(["backtest", "--data", data, "--json", "--state", join(dir, "state")], dir)) as BacktestJson;
    expect(out.rejectedRows).toBe(6);
    const where = out.rejectedRowSamples.map((s) => `${s.file.split("/").pop()}:${s.line}`);
    for (const line of [12, 22, 32, 42, 52, bad.length + 1]) expect(where).toContain(`${c.symbol}.csv:${line}`);
    expect(out.bars).toBe(a.length + b.length + good);
    expect(out.symbols).toEqual(series.map((s) => s.symbol));
    for (const [k, v] of Object.entries(out.metrics)) expect(Number.isFinite(v), k).toBe(true);
    expect(out.trades).toBe(out.tradeList.length);
    for (const t of out.tradeList) {
      expect(Number.isInteger(t.shares)).toBe(true);
      expect(t.sizing.factors.length).toBeGreaterThan(0);
    }
  });

  it("gives the same answer from the binary cache on a second run", () => {
    const args = ["backtest", "--data", data, "--json", "--state", join(dir, "state2")];
    const first = JSON.parse(cli(args, dir)) as BacktestJson;
    const second = JSON.parse(cli(args, dir)) as BacktestJson;
    expect(second.tradeList).toEqual(first.tradeList);
    expect(second.rejectedRows).toBe(first.rejectedRows);
  });

  it("filters by symbols and dates", () => {
    const day = new Date(a.tMs[Math.floor(a.length / 2)]).toISOString().slice(0, 10);
    const out = JSON.parse(cli(["backtest", "--data", data, "--json", "--no-cache", "--symbols", a.symbol.toLowerCase(), "--from", day], dir)) as BacktestJson;
    expect(out.symbols).toEqual([a.symbol]);
    expect(out.bars).toBeLessThan(a.length);
    expect(out.bars).toBeGreaterThan(0);
  });

  it("reads several --data folders into one run (minute and daily bars) and breaks the trades down by strategy", () => {
    const daily = join(dir, "daily");
    mkdirSync(daily, { recursive: true });
    const days = ["2024-01-02", "2024-01-03", "2024-01-04"];
    writeFileSync(join(daily, "SPYD.csv"), `timestamp,open,high,low,close,volume,trade_count,vwap\n${days.map((d, i) => `${d}T00:00:00.000Z,${100 + i},${101 + i},${99 + i},${100.5 + i},1000000,NaN,`).join("\n")}\n`);
    const out = JSON.parse(cli(["backtest", "--data", `${data},${daily}`, "--json", "--no-cache"], dir)) as BacktestJson & { byStrategy: { strategy: string; trades: number; pnlUsd: number }[] };
    expect(out.symbols).toContain("SPYD");
    expect(out.symbols).toContain(a.symbol);
    expect(out.byStrategy.map((r) => r.strategy)).toEqual(["bear-trap"]);
    expect(out.byStrategy[0].trades).toBe(out.trades);
    expect(out.byStrategy[0].pnlUsd).toBeCloseTo(out.tradeList.reduce((x, t) => x + t.pnl, 0), 1);
    // One symbol belongs to one folder (and one strategy).
    expect(() => cli(["backtest", "--data", `${data},${data}`, "--json", "--no-cache"], dir)).toThrow(/is in two data folders/);
  });

  it("explains a missing data folder instead of crashing", () => {
    expect(() => cli(["backtest", "--data", join(dir, "nope"), "--json"], dir)).toThrow(/nope/);
  });
});

describe("large --json answers on a pipe", () => {
  it("come out whole: the process drains stdout before it exits (they were cut at 64 KiB)", () => {
    const out = execFileSync(process.execPath, [bin, "compare", "--gen-symbols", "20", "--gen-days", "60", "--json"], { encoding: "utf8", maxBuffer: 1 << 26, stdio: ["ignore", "pipe", "ignore"] });
    expect(out.length).toBeGreaterThan(65_536);
    expect(() => JSON.parse(out)).not.toThrow();
  }, 120_000);
});
