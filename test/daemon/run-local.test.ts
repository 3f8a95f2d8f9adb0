import { mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { pino } from "pino";
import { runLocal } from "../../src/daemon/run-local.ts";
import { generateSeries } from "../../src/data/generator.ts";
import { defaultConfig } from "../../src/config/load.ts";
import { readJournal } from "../../src/store/journal.ts";

describe("the daemon on the embedded local exchange (through the official SDK)", () => {
  it("trades a replay, journals every order once, and writes private state", async () => {
    const stateDir = mkdtempSync(join(tmpdir(), "sw-daemon-"));
    const series = generateSeries({ seed: 42, symbols: 20, days: 20 });
    const r = await runLocal({ config: defaultConfig(), series, stateDir, log: pino({ level: "silent" }) });
    expect(r.minutes).toBe(20 * 390);
    expect(r.bars).toBe(series.reduce((a, s) => a + s.length, 0));
    expect(r.trades.length).toBeGreaterThan(0);
    for (const t of r.trades) expect(Number.isFinite(t.pnlUsd)).toBe(true);

    const days = readdirSync(join(stateDir, "journal")).filter((f) => /^\d{4}-\d{2}-\d{2}\.json$/.test(f));
    // 20 generated weekdays, one of them 2024-01-15 (Martin Luther King Jr. Day): no session, no journal day.
    expect(days).toHaveLength(19);
    const events = days.flatMap((f) => readJournal(stateDir, f.slice(0, 10)));
    for (const e of events) expect(typeof e.type === "string" && typeof e.ts === "string").toBe(true);
    const submitted = events.filter((e) => e.type === "order_submitted").map((e) => e.clientOrderId as string);
    expect(submitted.length).toBeGreaterThan(0);
    expect(new Set(submitted).size).toBe(submitted.length);
    // Targets rest as OCO pairs beside the runner's stop, so the broker refuses nothing, and no handler failed;
    // except a target OCO laid on a fill whose bar closed within a cent of its stop or below it (the broker checks
    // against a close the bot had not seen yet): the position's exits are then laid again as one plain stop.
    const refused = events.filter((e) => e.type === "order_update" && e.event === "rejected");
    for (const e of refused) {
      expect(e.reason).toBe("stop price must be less than base_price - 0.01");
      const id = String(e.clientOrderId);
      expect(id).toMatch(/\.tp\d\.\d+$/);
      const position = id.replace(/\.tp\d\.\d+$/, "");
      expect(submitted.some((s) => s.startsWith(`${position}.stop.`) && Number(s.split(".").pop()) > Number(id.split(".").pop()))).toBe(true);
    }
    expect(events.filter((e) => e.type === "error")).toEqual([]);
    expect(submitted.some((id) => /\.tp1\.\d+$/.test(id))).toBe(true);
    // Every fill the engine saw is in the journal.
    // (Slices stopped out together are one exit of the trade but one fill per order.)
    const fills = events.filter((e) => e.type === "fill");
    const fillQty = fills.reduce((a, e) => a + (e.qty as number), 0);
    expect(fillQty).toBe(r.trades.reduce((a, t) => a + t.entries.reduce((x, l) => x + l.qtyShares, 0) + t.exits.reduce((x, l) => x + l.qtyShares, 0), 0));
    expect(events.filter((e) => e.type === "exit")).toHaveLength(r.trades.length);

    const state = join(stateDir, "state.json");
    expect(statSync(state).mode & 0o777).toBe(0o600);
    // The per-run local key never reaches the disk.
    const text = readFileSync(state, "utf8") + days.map((f) => readFileSync(join(stateDir, "journal", f), "utf8")).join("");
    expect(text).not.toMatch(/local-[0-9a-f]{12}/);
  }, 60_000);
});
