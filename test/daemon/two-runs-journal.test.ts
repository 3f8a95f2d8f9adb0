import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { pino } from "pino";
import { runLocal } from "../../src/daemon/run-local.ts";
import { journalDates, readJournalDays } from "../../src/report/journal-source.ts";
import { splitRuns } from "../../src/report/journal-runs.ts";
import { reviewDays } from "../../src/report/review.ts";
import { readStatus } from "../../src/report/status.ts";
import { loadReview } from "../../src/cli/review-input.ts";
import { formatDay } from "../../src/store/journal-files.ts";
import { crashScenario } from "./fixtures/scenario.ts";

const sum = (xs: readonly number[]): number => xs.reduce((a, x) => a + x, 0);
const cents = (x: number): number => Math.round(x * 100);

/**
 * Issue 13, finding 1: `npm start` twice on one state dir started a second run that wrote into
 * the same daily journal files, and journal, report and status added its trades to the first's.
 */
describe("two runs on one state dir (issue 13.1)", () => {
  it("journals each run's events under its id and reviews every figure per run, equity-consistent", async () => {
    const { config, series } = crashScenario();
    const stateDir = mkdtempSync(join(tmpdir(), "sw-2runs-"));
    const log = pino({ level: "silent" });
    const first = await runLocal({ config, series, stateDir, log });
    const firstRun = (JSON.parse(readFileSync(join(stateDir, "state.json"), "utf8")) as { run: { id: string } }).run.id;
    // Started again on the same bars: the exchange sets the finished session aside, so a new run trades the same days.
    const second = await runLocal({ config, series, stateDir, log });
    const state = JSON.parse(readFileSync(join(stateDir, "state.json"), "utf8")) as { run: { id: string; initialCashUsd: number } };
    expect(second.resumed).toBe(false);
    expect(state.run.id).not.toBe(firstRun);
    expect(first.trades.length).toBeGreaterThan(0);
    expect(second.trades.length).toBeGreaterThan(0);

    // Every event but the few written before a run is chosen carries its run's id; both runs wrote on the same day.
    const dates = journalDates(stateDir);
    const days = readJournalDays(stateDir, dates);
    const all = days.flatMap((d) => d.events);
    const exits = all.filter((e) => e.type === "exit");
    expect(exits.length).toBe(first.trades.length + second.trades.length);
    expect(exits.filter((e) => e.run === firstRun).length).toBe(first.trades.length);
    expect(exits.filter((e) => e.run === state.run.id).length).toBe(second.trades.length);
    expect(all.filter((e) => e.run === undefined).every((e) => e.type === "state_recovered" || e.type === "reconcile")).toBe(true);
    const tradeDay = exits[0].ts.slice(0, 10);
    const runsOnDay = new Set(days.find((d) => d.date === tradeDay)!.events.map((e) => e.run));
    expect(runsOnDay).toEqual(new Set([firstRun, state.run.id]));
    expect(splitRuns(days).map((r) => r.id)).toEqual([firstRun, state.run.id]);

    // journal / report: the latest run by default, never the two summed.
    const range = { state: stateDir, from: dates[0], to: dates[dates.length - 1] };
    const latest = loadReview(range);
    expect(latest.runs.map((r) => r.id)).toEqual([state.run.id]);
    expect(latest.input.trades.length).toBe(second.trades.length);
    expect(latest.input.source).toContain(`run ${state.run.id.slice(0, 8)}`);
    expect(latest.allRuns).toEqual([firstRun.slice(0, 8), state.run.id.slice(0, 8)]);
    const both = loadReview({ ...range, allRuns: true });
    expect(both.runs.map((r) => r.input.trades.length)).toEqual([first.trades.length, second.trades.length]);
    expect(loadReview({ ...range, run: firstRun.slice(0, 8) }).input.trades.length).toBe(first.trades.length);
    expect(() => loadReview({ ...range, run: "nope" })).toThrow(/no run "nope".*runs: /);

    for (const [run, result] of [[both.runs[0], first], [both.runs[1], second]] as const) {
      // The run's P/L is its own trades' and matches its own equity: day by day, close = open + the day's P/L.
      expect(cents(sum(run.input.trades.map((t) => t.pnl)))).toBe(cents(sum(result.trades.map((t) => t.pnlUsd))));
      const reviewed = reviewDays(run.input, [...run.input.dayEnds.keys()]);
      let checked = 0;
      for (const d of reviewed) {
        if (d.summary.startEquityUsd === null || d.summary.endEquityUsd === null) continue;
        expect(Math.abs(d.summary.endEquityUsd - d.summary.startEquityUsd - d.summary.pnlUsd)).toBeLessThan(0.011);
        if (d.summary.trades > 0) checked++;
      }
      expect(checked).toBeGreaterThan(0);
      const ends = [...run.input.dayEnds.values()];
      expect(ends.length).toBeGreaterThan(0);
      const monthToDate = reviewed[reviewed.length - 1].monthToDate;
      expect(monthToDate.trades).toBe(result.trades.length);
    }
    const secondEnds = [...both.runs[1].input.dayEnds.values()];
    expect(cents(secondEnds[secondEnds.length - 1].equityUsd - state.run.initialCashUsd)).toBe(cents(sum(second.trades.map((t) => t.pnlUsd))));

    // status: today's figures are the current run's; the other run on the same day is listed apart.
    const status = readStatus(stateDir, config);
    expect(status.figuresRun).toBe(state.run.id.slice(0, 8));
    const today = status.today.date!;
    expect(status.today.tradesClosed).toBe(second.trades.filter((t) => t.exitTime.slice(0, 10) === today).length);
    const other = status.runs.find((r) => r.run === firstRun.slice(0, 8))!;
    expect(other.tradesClosed).toBe(first.trades.filter((t) => t.exitTime.slice(0, 10) === today).length);
    const byRun = readStatus(stateDir, config, { run: firstRun.slice(0, 8) });
    expect(byRun.figuresRun).toBe(firstRun.slice(0, 8));
    expect(cents(byRun.today.realizedPnlUsd)).toBe(cents(other.realizedPnlUsd));
    expect(cents(status.today.realizedPnlUsd + byRun.today.realizedPnlUsd)).toBe(cents(sum([...first.trades, ...second.trades].filter((t) => t.exitTime.slice(0, 10) === today).map((t) => t.pnlUsd))));
  }, 240_000);

  it("an older journal without run ids still reads, as one unnamed run", () => {
    const stateDir = mkdtempSync(join(tmpdir(), "sw-legacy-"));
    const dir = join(stateDir, "journal");
    const exit = (seq: number, pnl: number) => ({ type: "exit", ts: "2024-05-13T15:00:00.000Z", seq, id: `s.${seq}`, symbol: "GME", entryTime: "2024-05-13T14:00:00.000Z", exitTime: "2024-05-13T15:00:00.000Z", shares: 10, entryPrice: 20, exitPrice: 20 + pnl / 10, r: 0.5, pnl, exitReason: "target", template: null, sizing: "x" });
    mkdirSync(dir);
    writeFileSync(join(dir, "2024-05-13.json"), formatDay({ date: "2024-05-13", events: [exit(1, 50), exit(2, -20)] }));
    const r = loadReview({ state: stateDir, date: "2024-05-13" });
    expect(r.runs.map((x) => x.id)).toEqual([null]);
    expect(r.input.source).toContain("run unnamed");
    expect(r.input.trades.map((t) => t.pnl)).toEqual([50, -20]);
    expect(loadReview({ state: stateDir, date: "2024-05-13", run: "unnamed" }).input.trades.length).toBe(2);
  });
});
