import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { defaultConfig } from "../../src/config/load.ts";
import type { BarSeries } from "../../src/core/bars.ts";
import { runLocal } from "../../src/daemon/run-local.ts";
import { dailyBars } from "./daily-fixtures.ts";
import { generateSeries } from "../../src/data/generator.ts";

/**
 * Issue 14 follow-up: `start --local` over a minute folder and a daily folder whose first sessions
 * have daily bars only stalled at the first session close ("replay stalled waiting for bars 0/0").
 * The lock step waited for every daily bar the exchange published, while the daemon hears only
 * the `d` bars it subscribes (its 1Day strategies' symbols): a daily file of a symbol no daily
 * strategy trades was never heard.
 */

// Five daily-only sessions (Jan 2-8, 2024), then two with minute bars too (Jan 9-10).
const DAYS = ["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05", "2024-01-08", "2024-01-09", "2024-01-10"];

const daily = (symbol: string, base: number): BarSeries => dailyBars(symbol, base, DAYS);

describe("a local replay whose first sessions have daily bars only", () => {
  it("advances through the daily-only sessions into the minute sessions, with daily files of symbols no daily strategy trades", async () => {
    const minutes = generateSeries({ seed: 7, symbols: ["GME"], days: 2, startDay: "2024-01-09", calendar: true, missingProb: 0 });
    const stateDir = mkdtempSync(join(tmpdir(), "sw-daily-stall-"));
    // AMD has a daily file but no daily strategy: the daemon does not subscribe its `d` bars.
    const r = await runLocal({
      config: defaultConfig(),
      series: minutes,
      dailySeries: [daily("SPY", 470), daily("QQQ", 400), daily("AMD", 150)],
      dailySymbols: ["SPY", "QQQ"],
      stateDir,
      log: pino({ level: "silent" }),
    });
    expect(r.stoppedEarly).toBe(false);
    // Every session close is one step, every minute another: 7 daily steps and two sessions of minutes.
    expect(r.minutes).toBe(DAYS.length + 2 * 390);
    expect(r.bars).toBeGreaterThanOrEqual(2 * 390);
  }, 120_000);
});
