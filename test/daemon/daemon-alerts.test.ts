import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { pino } from "pino";
import { runLocal } from "../../src/daemon/run-local.ts";
import { generateSeries } from "../../src/data/generator.ts";
import { parseConfig } from "../../src/config/load.ts";
import type { NotifyEvent } from "../../src/notify/events.ts";

describe("the daemon's alerts (issue 15)", () => {
  it("a replay through the daemon sends every fill and exit and one summary per session", async () => {
    const got: NotifyEvent[] = [];
    const alerts = { notify: (e: NotifyEvent) => (got.push(e), true) };
    const config = parseConfig({ strategy: { minDayChangePct: -10 } });
    const series = generateSeries({ seed: 42, symbols: 8, days: 5 });
    const dir = mkdtempSync(join(tmpdir(), "sw-alerts-"));
    const r = await runLocal({ config, series, stateDir: dir, log: pino({ level: "silent" }), alerts });
    expect(r.trades.length).toBeGreaterThan(0);
    const of = (k: NotifyEvent["kind"]) => got.filter((e) => e.kind === k);
    expect(of("exit").length).toBe(r.trades.length);
    const legs = r.trades.reduce((a, t) => a + t.entries.length + t.exits.length, 0);
    expect(of("fill").length).toBeGreaterThanOrEqual(legs);
    const summaries = of("summary");
    expect(summaries.length).toBe(r.journalDays.length);
    expect(summaries.reduce((a, e) => a + (e.kind === "summary" ? e.trades : 0), 0)).toBe(r.trades.length);

  }, 120_000);
});
