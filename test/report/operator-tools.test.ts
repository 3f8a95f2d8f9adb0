import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { pino } from "pino";
import { runLocal, type LocalRunResult } from "../../src/daemon/run-local.ts";
import { generateSeries } from "../../src/data/generator.ts";
import { defaultConfig, parseConfig } from "../../src/config/load.ts";
import { readJournal } from "../../src/store/journal.ts";
import { journalDates, journalInput, readJournalDays } from "../../src/report/journal-source.ts";
import { reviewDays, weekStart } from "../../src/report/review.ts";
import { readStatus } from "../../src/report/status.ts";
import { claimPidFile, PID_FILE } from "../../src/store/pid-file.ts";
import { runCli } from "../cli/run-cli.ts";

/** A real short run of the daemon on generated bars: the journal and state every tool here reads. */
const config = parseConfig({ strategy: { minDayChangePct: -10 }, sizing: { mode: "full" } });
let stateDir = "";
let run: LocalRunResult;

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), "sw-ops-"));
  run = await runLocal({ config, series: generateSeries({ seed: 42, symbols: 12, days: 12 }), stateDir, log: pino({ level: "silent" }) });
}, 60_000);

describe("sizewise journal", () => {
  it("rebuilds every trade of the run with its sizing breakdown, regime, template and mode", () => {
    expect(run.trades.length).toBeGreaterThan(3);
    const dates = journalDates(stateDir);
    const input = journalInput(stateDir, readJournalDays(stateDir, dates));
    expect(input.trades.map((t) => t.id)).toEqual(run.trades.map((t) => t.id));
    for (const [i, t] of input.trades.entries()) {
      const e = run.trades[i];
      expect(t.pnl).toBeCloseTo(e.pnlUsd, 6);
      expect(t.shares).toBe(e.shares);
      expect(t.mode).toBe("full");
      expect(t.template).toBe(e.template);
      expect(t.regime).toBe("ADD_NEUTRAL");
      expect(t.sizing?.summary).toBe(e.sizing.summary);
      expect(t.sizing?.factors.map((f) => f.name)).toEqual(["risk", "kelly", "conf", "vol", "rl", "dd", "tmpl"]);
      expect(t.adds.map((a) => a.summary)).toEqual(e.addSizing.map((a) => a.summary));
    }
  });

  it("sums each day like the journal's own summary, and the week and month to date", () => {
    const dates = journalDates(stateDir);
    const input = journalInput(stateDir, readJournalDays(stateDir, dates));
    const days = reviewDays(input, dates);
    for (const d of days) {
      const summary = readJournal(stateDir, d.date).find((e) => e.type === "summary" && e.date === d.date);
      if (!summary) continue;
      expect(d.summary.trades).toBe(summary.trades);
      expect(d.summary.pnlUsd).toBeCloseTo(summary.pnlUsd as number, 6);
      expect(d.summary.endEquityUsd).toBeCloseTo(summary.equityUsd as number, 6);
      const week = input.trades.filter((t) => t.day >= weekStart(d.date) && t.day <= d.date);
      expect(d.weekToDate.trades).toBe(week.length);
      expect(d.weekToDate.pnlUsd).toBeCloseTo(week.reduce((a, t) => a + t.pnl, 0), 6);
      const month = input.trades.filter((t) => t.day.slice(0, 7) === d.date.slice(0, 7) && t.day <= d.date);
      expect(d.monthToDate.trades).toBe(month.length);
    }
    const last = days[days.length - 1];
    expect(last.monthToDate.pnlUsd).toBeCloseTo(run.trades.reduce((a, t) => a + t.pnlUsd, 0), 4);
  });

  it("prints tables with every factor's reason, Markdown, and JSON; defaults to the latest day", async () => {
    const day = run.trades[0].exitTime.slice(0, 10);
    const text = await runCli(["journal", "--state", stateDir, "--date", day]);
    expect(text.code).toBe(0);
    expect(text.out).toContain(`=== ${day}`);
    expect(text.out).toContain(run.trades[0].symbol);
    expect(text.out).toContain(run.trades[0].sizing.summary);
    for (const f of run.trades[0].sizing.factors) expect(text.out).toContain(f.reason);
    expect(text.out).toMatch(/Day: P\/L .* \| trades \d+ \| win rate/);
    expect(text.out).toMatch(/Week to date \(/);
    const md = await runCli(["journal", "--state", stateDir, "--date", day, "--md"]);
    expect(md.out).toContain(`## ${day}`);
    expect(md.out).toContain("| # | symbol | entry | exit |");
    const json = JSON.parse((await runCli(["journal", "--state", stateDir, "--json"])).out);
    expect(json.days).toHaveLength(1);
    expect(json.days[0].date).toBe(journalDates(stateDir).at(-1));
    const range = JSON.parse((await runCli(["journal", "--state", stateDir, "--from", "2000-01-01", "--to", "2100-01-01", "--json"])).out);
    expect(range.days.flatMap((d: { trades: unknown[] }) => d.trades)).toHaveLength(run.trades.length);
    const bad = await runCli(["journal", "--state", stateDir, "--date", "2024-1-2"]);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain("--date must be YYYY-MM-DD");
  });

  it("reviews a backtest's JSON output the same way", async () => {
    const file = join(stateDir, "bt.json");
    const tradeList = run.trades.map((t) => ({ id: t.id, symbol: t.symbol, strategy: t.strategyId, entryTime: t.entryTime, exitTime: t.exitTime, entryPrice: t.entryPriceUsd, exitPrice: t.exitPriceUsd, shares: t.shares, r: t.rMultiple, pnl: t.pnlUsd, exitReason: t.exitReason, template: t.template, sizing: { ...t.sizing, template: t.template } }));
    writeFileSync(file, JSON.stringify({ sizingMode: "full", tradeList }));
    const r = JSON.parse((await runCli(["journal", "--input", file, "--from", "2000-01-01", "--to", "2100-01-01", "--json"])).out);
    expect(r.days.flatMap((d: { trades: unknown[] }) => d.trades)).toHaveLength(run.trades.length);
    // Broken down by strategy (issue 14): every trade counted once under its strategy, P/L summed.
    expect(r.byStrategy.map((x: { strategy: string }) => x.strategy)).toEqual([...new Set(run.trades.map((t) => t.strategyId))]);
    expect(r.byStrategy.reduce((a: number, x: { trades: number }) => a + x.trades, 0)).toBe(run.trades.length);
    expect(r.byStrategy.reduce((a: number, x: { pnlUsd: number }) => a + x.pnlUsd, 0)).toBeCloseTo(run.trades.reduce((a, t) => a + t.pnlUsd, 0), 6);
    const text = await runCli(["journal", "--input", file, "--from", "2000-01-01", "--to", "2100-01-01"]);
    expect(text.out).toMatch(/By strategy \(\d{4}-\d{2}-\d{2}(\.\.\d{4}-\d{2}-\d{2})?\):/);
    expect(text.out).toMatch(/strategy .* trades .* win rate .* Kelly .* allocation/);
  });
});

describe("sizewise status", () => {
  it("reports a stopped daemon's broker, equity, today's trades and last bars from its state dir", async () => {
    const s = readStatus(stateDir, defaultConfig());
    expect(s.running.state).toBe("stopped");
    expect(s.broker).toBe("local");
    expect(s.sizingMode).toBe("full");
    expect(s.equity.estimateUsd).toBeCloseTo(run.finalEquityUsd, 2);
    expect(s.equity.lastReportedUsd).toBeCloseTo(run.finalEquityUsd, 2);
    expect(s.positions).toEqual([]);
    expect(s.lastBars).toHaveLength(12);
    expect(s.streams.map((x) => x.state)).toEqual(["ok", "ok"]);
    const text = await runCli(["status", "--state", stateDir]);
    expect(text.out).toContain("Daemon:    not running");
    expect(text.out).toContain("Broker:    local");
    expect(text.out).toContain("sizing mode: full");
    const json = JSON.parse((await runCli(["status", "--state", stateDir, "--json"])).out);
    expect(json.run.symbols).toHaveLength(12);
  });

  it("shows the kill switch (state/HALT) as an active halt", () => {
    writeFileSync(join(stateDir, "HALT"), JSON.stringify({ reason: "flat for the FOMC", source: "manual", at: "2024-01-03T14:00:00Z" }));
    expect(readStatus(stateDir, defaultConfig()).halts).toEqual(["KILL SWITCH (manual, 2024-01-03T14:00:00Z): flat for the FOMC; no new entries until sizewise resume"]);
    rmSync(join(stateDir, "HALT"));
    expect(readStatus(stateDir, defaultConfig()).halts).toEqual([]);
  });

  it("tells running from stale with the pid file", () => {
    const release = claimPidFile(stateDir, "local", null);
    expect(readStatus(stateDir, defaultConfig()).running).toMatchObject({ state: "running", pid: process.pid });
    expect(() => claimPidFile(stateDir, "local", null)).not.toThrow(); // the same process may claim again
    release();
    expect(existsSync(join(stateDir, PID_FILE))).toBe(false);
    // A pid that is gone: stale.
    const dead = spawnSync(process.execPath, ["-e", "0"]).pid!;
    writeFileSync(join(stateDir, PID_FILE), JSON.stringify({ pid: dead, startedAt: "2024-01-02T14:30:00.000Z", broker: "paper", configFile: null }));
    const s = readStatus(stateDir, defaultConfig());
    expect(s.running.state).toBe("stale");
    expect(s.running.detail).toContain(`pid ${dead}`);
    claimPidFile(stateDir, "local", null)(); // a stale file is taken over
  });

  it("marks open positions at their last bar, with the stop and the next template step", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sw-ops-open-"));
    const stop = new AbortController();
    await runLocal({
      config,
      series: generateSeries({ seed: 42, symbols: 12, days: 12 }),
      stateDir: dir,
      log: pino({ level: "silent" }),
      signal: stop.signal,
      onMinute: ({ daemon }) => {
        if (daemon.engine.openPositions().length > 0) stop.abort();
      },
    });
    const s = readStatus(dir, defaultConfig());
    expect(s.positions.length).toBeGreaterThan(0);
    const state = JSON.parse(readFileSync(join(dir, "state.json"), "utf8"));
    for (const p of s.positions) {
      const last = state.lastPriceUsd[p.symbol];
      expect(p.lastPriceUsd).toBe(last);
      expect(p.unrealizedUsd).toBeCloseTo((last - p.avgEntryUsd) * p.shares, 6);
      expect(Number.isFinite(p.stopUsd)).toBe(true);
      expect(p.next).toMatch(/add #1 at \$|tp1 at \$|trail the stop|closing/);
    }
    const text = (await runCli(["status", "--state", dir])).out;
    expect(text).toMatch(/Positions: \d+ open/);
    expect(text).toContain(s.positions[0].symbol);
  }, 60_000);
});

describe("sizewise report (structure; the browser test draws it)", () => {
  it("writes one self-contained HTML file with the run's data and no network reference", async () => {
    const out = join(stateDir, "r.html");
    const r = await runCli(["report", "--state", stateDir, "--out", out]);
    expect(r.code).toBe(0);
    const html = readFileSync(out, "utf8");
    expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//);
    const data = JSON.parse(html.match(/<script id="report-data" type="application\/json">(.*?)<\/script>/s)![1]);
    expect(data.runs).toHaveLength(1);
    expect(data.runs[0].trades).toHaveLength(run.trades.length);
    expect(data.runs[0].rl.steps.length).toBeGreaterThan(0);
    expect(data.runs[0].kelly).toHaveLength(run.trades.length);
    for (const id of ["equity", "drawdown", "pnl", "sizes", "winrate", "kelly", "calibration", "rl-epsilon", "rl-states", "rl-policy"]) expect(html).toContain(`id="chart-${id}"`);
  });
});
