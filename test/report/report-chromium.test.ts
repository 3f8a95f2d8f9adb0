import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { pino } from "pino";
import { compareModes } from "../../src/backtest/compare.ts";
import { parseConfig } from "../../src/config/load.ts";
import { generateSeries } from "../../src/data/generator.ts";
import { runLocal } from "../../src/daemon/run-local.ts";
import { renderReport } from "../../src/report/html.ts";
import { comparisonReport } from "../../src/report/report-data.ts";
import { runCli } from "../cli/run-cli.ts";
import { seriesToAlpacaCsv } from "../../src/data/csv-writer.ts";
import { dumpDom, findChromium, screenshot } from "./chromium.ts";

const chromium = findChromium();
if (chromium === null) console.warn("report-chromium: SKIPPED, no chromium on this machine (Debian: apt-get install -y chromium; or set CHROMIUM_BIN)");

const CHARTS = ["equity", "drawdown", "pnl", "sizes", "winrate", "kelly", "calibration", "rl-epsilon", "rl-states", "rl-policy"];

/** Each chart's data-drawn after the page's script ran, and the SVG marks inside it. */
function drawn(dom: string): Record<string, { drawn: string | null; paths: number; rects: number; circles: number }> {
  const out: Record<string, { drawn: string | null; paths: number; rects: number; circles: number }> = {};
  for (const id of CHARTS) {
    const start = dom.indexOf(`id="chart-${id}"`);
    expect(start, `chart ${id} in the DOM`).toBeGreaterThan(0);
    const tagStart = dom.lastIndexOf("<figure", start);
    const tag = dom.slice(tagStart, dom.indexOf(">", start) + 1);
    const body = dom.slice(tagStart, dom.indexOf("</figure>", start));
    out[id] = {
      drawn: /data-drawn="([^"]*)"/.exec(tag)?.[1] ?? null,
      paths: (body.match(/<path /g) ?? []).length,
      rects: (body.match(/<rect /g) ?? []).length,
      circles: (body.match(/<circle /g) ?? []).length,
    };
  }
  return out;
}

/** The trade charts lightweight-charts drew: canvases and markers in one box (by id or class). */
function tradeCharts(dom: string, id: string): { canvases: number; markers: number | null } {
  const start = dom.indexOf(`id="${id}"`);
  expect(start, `${id} in the DOM`).toBeGreaterThan(0);
  const tag = dom.slice(dom.lastIndexOf("<", start), dom.indexOf(">", start) + 1);
  const end = dom.indexOf("</section>", start);
  const m = /data-markers="(\d+)"/.exec(tag);
  return { canvases: (dom.slice(start, end).match(/<canvas/g) ?? []).length, markers: m ? Number(m[1]) : null };
}

const config = parseConfig({ strategy: { minDayChangePct: -10 }, sizing: { mode: "full" } });

describe.skipIf(chromium === null)("the HTML report in headless Chromium", () => {
  let dir = "";
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "sw-report-"));
  });

  it("draws every chart of a comparison (one run per mode)", () => {
    const series = generateSeries({ seed: 42, symbols: 12, days: 30 });
    const cmp = compareModes({ config, series, modes: ["fixed", "kelly", "rl", "full"] });
    const file = join(dir, "compare.html");
    writeFileSync(file, renderReport(comparisonReport(cmp, config, "test compare", "generated data", [], series)));
    const dom = dumpDom(chromium!, file);
    expect(Number(/data-charts-drawn="(\d+)"/.exec(dom)?.[1])).toBeGreaterThanOrEqual(8);
    const d = drawn(dom);
    // The equity and drawdown curves: one path per mode.
    // One path per mode and the buy-and-hold benchmark of the traded symbols.
    expect(d.equity.drawn).toBe("5");
    expect(d.equity.paths).toBeGreaterThanOrEqual(5);
    expect(dom).toContain("buy &amp; hold of the traded symbols");
    expect(d.drawdown.paths).toBeGreaterThanOrEqual(4);
    expect(Number(d.pnl.drawn)).toBeGreaterThan(0);
    expect(d.pnl.rects).toBe(Number(d.pnl.drawn));
    expect(Number(d.sizes.drawn)).toBeGreaterThan(0);
    expect(Number(d.winrate.drawn)).toBeGreaterThan(0);
    expect(d.kelly.drawn).toBe("2");
    // The selected run is the last (full): it has an RL layer.
    expect(d["rl-epsilon"].drawn).toBe("1");
    expect(d["rl-states"].drawn).toBe("1");
    expect(Number(d["rl-policy"].drawn)).toBeGreaterThan(0);
    // Calibration draws its points, or says why there are none: either way the script reached it.
    expect(d.calibration.drawn).not.toBeNull();
    // The trade table is filled by the script too, a row per trade of the selected run.
    expect((dom.match(/<tr class="trade" data-ix="\d/g) ?? []).length).toBe(cmp.modes[3].run.engine.trades.length);
    // The newest trade's chart: lightweight-charts drew canvases and every marker (low, break, reclaim, entry, exits).
    const chart = tradeCharts(dom, "trade-chart");
    expect(chart.canvases).toBeGreaterThan(0);
    expect(chart.markers).toBeGreaterThanOrEqual(5);
    expect(dom).toMatch(/data-lines="[1-9]/);
    // The latest day's trades, each with its chart.
    const day = tradeCharts(dom, "day-charts");
    expect(day.canvases).toBeGreaterThan(chart.canvases - 1);
    expect(day.markers).toBeGreaterThanOrEqual(5);
    // The breakdown tables and the criteria, and New York times in the table.
    for (const t of ["by-strategy", "by-symbol", "by-exit", "by-hour", "drawdowns", "monthly", "criteria"]) expect(dom).toContain(`id="table-${t}"`);
    expect(dom).toContain("entry (New York)");
    // A panel without data says so in one line, with no axes.
    expect(dom).not.toMatch(/<svg[^>]*style="display: none;"[^>]*>\s*<line/);
    // The picture in docs/ is refreshed on demand, so a test run leaves the tree clean.
    const png = process.env.UPDATE_DOCS ? join(import.meta.dirname, "../../docs/report.png") : join(dir, "report.png");
    screenshot(chromium!, file, png, "1280,3600");
  }, 120_000);

  it("walkforward --report draws the stitched out-of-sample runs the same way", () => {
    const file = join(dir, "walkforward.html");
    const bin = join(import.meta.dirname, "../../bin/sizewise.js");
    const r = spawnSync(process.execPath, [bin, "walkforward", "--gen-symbols", "12", "--gen-days", "30", "--train-days", "15", "--test-days", "5", "--modes", "fixed,full", "--report", file], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    const dom = dumpDom(chromium!, file);
    expect(dom).toContain("out of sample");
    const d = drawn(dom);
    // Two modes and the benchmark (the walk-forward passes its bars to the report).
    expect(d.equity.drawn).toBe("3");
    expect(d.equity.paths).toBeGreaterThanOrEqual(3);
    expect(dom).toContain('id="table-folds"');
    expect(dom).toContain('id="table-criteria"');
    expect(tradeCharts(dom, "trade-chart").markers).toBeGreaterThanOrEqual(4);
    expect(d.drawdown.paths).toBeGreaterThanOrEqual(2);
  }, 120_000);

  it("draws the report of a daemon's journal (sizewise report on a real short run)", async () => {
    const stateDir = join(dir, "state");
    const series = generateSeries({ seed: 42, symbols: 12, days: 12 });
    const run = await runLocal({ config, series, stateDir, log: pino({ level: "silent" }) });
    const bars = join(dir, "bars");
    mkdirSync(bars, { recursive: true });
    for (const s of series) writeFileSync(join(bars, `${s.symbol}.csv`), seriesToAlpacaCsv(s));
    const file = join(dir, "journal.html");
    expect((await runCli(["report", "--state", stateDir, "--data", bars, "--out", file])).code).toBe(0);
    const dom = dumpDom(chromium!, file);
    const d = drawn(dom);
    // The journal's fills give the chart its entry, adds and exits; the signal its stop.
    const chart = tradeCharts(dom, "trade-chart");
    expect(chart.canvases).toBeGreaterThan(0);
    expect(chart.markers).toBeGreaterThanOrEqual(4);
    expect(tradeCharts(dom, "day-charts").markers).toBeGreaterThanOrEqual(4);
    expect(d.equity.drawn).toBe("2");
    // 12 generated weekdays hold one NYSE holiday since sessions come from the calendar: 11 sessions.
    expect(d.equity.circles).toBeGreaterThanOrEqual(11);
    expect(Number(d.pnl.drawn)).toBe(11);
    expect(d.kelly.drawn).toBe("2");
    expect(Number(d["rl-policy"].drawn)).toBeGreaterThan(0);
    expect(run.trades.length).toBeGreaterThan(0);
  }, 120_000);
});
