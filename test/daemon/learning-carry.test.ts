import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { pino } from "pino";
import { runLocal } from "../../src/daemon/run-local.ts";
import { readJournal } from "../../src/store/journal.ts";
import { LATEST_FILE, RUN_START_FILE } from "../../src/daemon/learning-checkpoint.ts";
import { generateSeries } from "../../src/data/generator.ts";
import { crashScenario } from "./fixtures/scenario.ts";

const kellyTrades = (file: string): number =>
  (JSON.parse(readFileSync(file, "utf8")) as { kelly: { series: { rMultiple: number[] }[] } }).kelly.series.reduce((n, s) => Math.max(n, s.rMultiple.length), 0);

describe("learning outlives a run (Kelly statistics, confidence samples, Q-table)", () => {
  it("a new run starts from what the last one learned, records that starting point, and sizes with it", async () => {
    const { config, series } = crashScenario();
    const stateDir = mkdtempSync(join(tmpdir(), "sw-learn-"));
    const log = pino({ level: "silent" });
    const first = await runLocal({ config, series, stateDir, log });
    expect(first.trades.length).toBeGreaterThan(3);
    const learned = kellyTrades(join(stateDir, LATEST_FILE));
    expect(learned).toBe(first.trades.length);

    // The next weeks: the finished replay is set aside, a new session begins, so a new run.
    const later = generateSeries({ seed: 4, symbols: series.map((x) => x.symbol), days: 6, startDay: "2024-02-05", selloffProb: 0.25 });
    const second = await runLocal({ config, series: later, stateDir, log });
    const start = JSON.parse(readFileSync(join(stateDir, RUN_START_FILE), "utf8")) as { runId: string };
    const state = JSON.parse(readFileSync(join(stateDir, "state.json"), "utf8")) as { run: { id: string } };
    expect(start.runId).toBe(state.run.id);
    expect(kellyTrades(join(stateDir, RUN_START_FILE))).toBe(learned);
    const day = second.trades[0].entryTime.slice(0, 10);
    const learning = readJournal(stateDir, day).filter((e) => e.type === "reconcile" && e.kind === "learning");
    expect(learning.at(-1)).toMatchObject({ from: LATEST_FILE, kellyTrades: learned, dropped: [] });
    // The first trade of the second run is sized with the first run's statistics, not from scratch.
    const kellyOf = (t: (typeof first.trades)[number]) => JSON.stringify(t.sizing.factors.find((f) => f.name === "kelly"));
    expect(kellyOf(first.trades[0])).toMatch(/n 0 </);
    expect(kellyOf(second.trades[0])).toMatch(new RegExp(`n ${learned} <`));
    expect(kellyTrades(join(stateDir, LATEST_FILE))).toBe(Math.min(config.sizing.kelly.window, learned + second.trades.length));
  }, 120_000);
});
