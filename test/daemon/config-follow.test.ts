import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { pino } from "pino";
import { runLocal } from "../../src/daemon/run-local.ts";
import { generateSeries } from "../../src/data/generator.ts";
import { parseConfig } from "../../src/config/load.ts";
import { readJournal } from "../../src/store/journal.ts";
import { journalDates } from "../../src/report/journal-source.ts";
import { until } from "../config/until.ts";

describe("a running daemon follows its config file", () => {
  it("switches the sizing mode at the next decision, journals config_changed, and refuses a bad edit", async () => {
    const stateDir = mkdtempSync(join(tmpdir(), "sw-follow-"));
    const cfgDir = mkdtempSync(join(tmpdir(), "sw-follow-cfg-"));
    const file = join(cfgDir, "local.json");
    const raw = { strategy: { minDayChangePct: -10 }, sizing: { mode: "fixed" } };
    writeFileSync(file, JSON.stringify(raw));
    const config = parseConfig(raw);
    const series = generateSeries({ seed: 42, symbols: 10, days: 6 });
    let switchedAtMinute = -1;
    const r = await runLocal({
      config,
      series,
      stateDir,
      log: pino({ level: "silent" }),
      configFile: { path: file, optional: false },
      onMinute: async ({ daemon, minute }) => {
        if (minute === 300) {
          writeFileSync(file, JSON.stringify({ ...raw, sizing: { mode: "kely" } }));
          await until(() => readAll(stateDir).some((e) => e.type === "error" && String(e.message).includes("config edit refused")), "the refusal");
          expect(daemon.sizingMode).toBe("fixed");
          writeFileSync(file, JSON.stringify({ ...raw, sizing: { mode: "kelly" }, risk: { maxTradesPerDay: 3 } }));
          await until(() => daemon.sizingMode === "kelly", "the switch");
          switchedAtMinute = minute;
        }
      },
    });
    expect(switchedAtMinute).toBe(300);
    const events = readAll(stateDir);
    const refused = events.find((e) => e.type === "error" && String(e.message).includes("config edit refused"));
    expect(String(refused?.message)).toMatch(/sizing\.mode: .*\(got "kely"\); allowed: one of "fixed", "kelly"/);
    const changed = events.filter((e) => e.type === "config_changed");
    expect(changed.find((e) => e.key === "sizing.mode")).toMatchObject({ from: "fixed", to: "kelly", applied: true });
    expect(changed.find((e) => e.key === "risk.maxTradesPerDay")).toMatchObject({ from: 10, to: 3, applied: false });
    // Decisions before the switch are fixed, after it kelly.
    const switchTs = changed.find((e) => e.key === "sizing.mode")!.ts;
    const sizing = events.filter((e) => e.type === "sizing");
    expect(sizing.filter((e) => e.ts < switchTs).every((e) => e.mode === "fixed")).toBe(true);
    const after = sizing.filter((e) => e.ts > switchTs);
    expect(after.length).toBeGreaterThan(0);
    expect(after.every((e) => e.mode === "kelly")).toBe(true);
    expect(r.trades.some((t) => t.sizing.mode === "kelly")).toBe(true);
  }, 60_000);
});

function readAll(stateDir: string): ReturnType<typeof readJournal> {
  return journalDates(stateDir).flatMap((d) => readJournal(stateDir, d));
}
