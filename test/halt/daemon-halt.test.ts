import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { pino } from "pino";
import { runLocal, type LocalRunOptions } from "../../src/daemon/run-local.ts";
import { generateSeries } from "../../src/data/generator.ts";
import { parseConfig } from "../../src/config/load.ts";
import { readJournal, type JournalEvent } from "../../src/store/journal.ts";
import { clearHaltFlag, readHaltFlag, writeHaltFlag } from "../../src/store/halt-flag.ts";
import type { TradeRecord } from "../../src/core/types.ts";

/** The daemon on the local exchange with the kill switch thrown and lifted mid-run, and an emergency halt tripped by the run itself. */

const series = generateSeries({ seed: 3, symbols: 8, days: 6, selloffProb: 0.3 });
const settings = { strategy: { minDayChangePct: -10 }, execution: { entryFill: "next_open", exitFill: "next_open" }, daemon: { reconnectInitialMs: 20 } } as const;
const log = pino({ level: "silent" });

function journal(stateDir: string): JournalEvent[] {
  const days = readdirSync(join(stateDir, "journal")).filter((f) => /^\d{4}-\d{2}-\d{2}\.json$/.test(f)).sort();
  return days.flatMap((f) => readJournal(stateDir, f.slice(0, 10)));
}

const view = (ts: readonly TradeRecord[]) => ts.map((t) => `${t.symbol} ${t.entryTime} ${t.exitTime} ${t.shares} ${t.exitReason}`);
const entryOrders = (ev: readonly JournalEvent[]) => ev.filter((e) => e.type === "order_submitted" && e.purpose === "entry");

/** Throws the switch once a position is open, lifts it a session later; `abortAt` stops the run at that minute (to restart it). */
function operator(stateDir: string, abortAt?: number): Pick<LocalRunOptions, "onMinute" | "signal"> & { halted: () => number } {
  let haltedAt = 0;
  const stop = new AbortController();
  return {
    halted: () => haltedAt,
    signal: stop.signal,
    onMinute: ({ daemon, minute }) => {
      if (haltedAt === 0 && daemon.engine.openPositions().length > 0) {
        haltedAt = minute;
        writeHaltFlag(stateDir, { reason: "test halt", source: "manual", at: new Date().toISOString() });
      }
      if (haltedAt > 0 && minute === haltedAt + 390) clearHaltFlag(stateDir);
      if (minute === abortAt) stop.abort();
    },
  };
}

describe("the kill switch on a running daemon (local exchange)", () => {
  it("the HALT flag stops new entries at the next minute while the open position still exits; removing it resumes; a restart replays both turns", async () => {
    const config = parseConfig(settings);
    const stateDir = mkdtempSync(join(tmpdir(), "sw-halt-"));
    const op = operator(stateDir);
    const r = await runLocal({ config, series, stateDir, log, ...op });
    expect(op.halted()).toBeGreaterThan(0);
    const ev = journal(stateDir);
    const halt = ev.filter((e) => e.type === "halt" && e.scope === "until_resumed" && String(e.reason).startsWith("kill switch"));
    const resume = ev.filter((e) => e.type === "resume");
    expect(halt.map((e) => e.reason)).toEqual(["kill switch (HALT flag): test halt"]);
    expect(resume.map((e) => e.reason)).toEqual(["HALT flag removed (sizewise resume)"]);
    const [from, to] = [halt[0].ts, resume[0].ts];
    // No entry went out while halted; signals were refused with the reason; entries came back after.
    expect(entryOrders(ev).filter((e) => e.ts > from && e.ts < to)).toEqual([]);
    expect(ev.filter((e) => e.type === "rejection" && e.ts > from && e.ts < to && e.reason === "halted: kill switch (HALT flag): test halt").length).toBeGreaterThan(0);
    expect(entryOrders(ev).filter((e) => e.ts > to).length).toBeGreaterThan(0);
    // The position open when the switch was thrown was still managed to its exit.
    const open = r.trades.filter((t) => t.entryTime < from && t.exitTime > from);
    expect(open.length).toBeGreaterThan(0);
    expect(ev.filter((e) => e.type === "fill" && e.side === "sell" && e.ts > from && e.ts < to).length).toBeGreaterThan(0);
    expect(readHaltFlag(stateDir)).toBeNull();

    // The same run, stopped after the resume and started again: the replay turns the switch at
    // the recorded points, so the rebuilt run holds the same trades and sends nothing twice.
    const again = mkdtempSync(join(tmpdir(), "sw-halt-restart-"));
    const op2 = operator(again, op.halted() + 600);
    const first = await runLocal({ config, series, stateDir: again, log, ...op2 });
    expect(first.stoppedEarly).toBe(true);
    const second = await runLocal({ config, series, stateDir: again, log });
    expect(second.resumed).toBe(true);
    expect(view(second.trades)).toEqual(view(r.trades));
    // Replayed without the turns, the halted window's signals would become entries the bot "missed".
    expect(second.recovery.missedEntries).toBe(0);
    expect(journal(again).filter((e) => e.type === "rejection" && /missed/.test(String(e.reason)))).toEqual([]);
    const ids = entryOrders(journal(again)).map((e) => e.clientOrderId);
    expect(new Set(ids).size).toBe(ids.length);
    // (An OCO's stop leg carries a broker-made id: only the bot's own ids are compared.)
    const own = (x: typeof r) => x.brokerOrders.map((o) => o.clientOrderId).filter((id) => id.startsWith("bear-trap.")).sort();
    expect(own(second)).toEqual(own(r));
  }, 120_000);

  it("a losing session trips the emergency halt (risk.emergency.maxConsecutiveLosingDays 1): journaled with why, flag written, no entries after, and it survives a restart", async () => {
    const config = parseConfig({ ...settings, risk: { emergency: { maxConsecutiveLosingDays: 1 } } });
    const stateDir = mkdtempSync(join(tmpdir(), "sw-emergency-"));
    const r = await runLocal({ config, series, stateDir, log });
    const ev = journal(stateDir);
    const trips = ev.filter((e) => e.type === "halt" && String(e.reason).startsWith("emergency: "));
    expect(trips.map((e) => e.reason)).toEqual([expect.stringMatching(/^emergency: 1 losing session in a row \(through \d{4}-\d{2}-\d{2}, equity \$[\d.]+\): risk\.emergency\.maxConsecutiveLosingDays is 1$/)]);
    expect(entryOrders(ev).filter((e) => e.ts > trips[0].ts)).toEqual([]);
    expect(r.trades.every((t) => t.entryTime < trips[0].ts)).toBe(true);
    expect(readHaltFlag(stateDir)).toMatchObject({ source: "emergency", reason: trips[0].reason });

    // Stopped after the trip and started again: still halted (the flag holds), same trades.
    const again = mkdtempSync(join(tmpdir(), "sw-emergency-restart-"));
    const stop = new AbortController();
    const tripDay = String(trips[0].ts).slice(0, 10);
    await runLocal({ config, series, stateDir: again, log, signal: stop.signal, onMinute: ({ daemon }) => void (daemon.killSwitch.halted !== null && daemon.today() > tripDay && stop.abort()) });
    const second = await runLocal({ config, series, stateDir: again, log });
    expect(view(second.trades)).toEqual(view(r.trades));
    expect(journal(again).filter((e) => e.type === "halt" && String(e.reason).startsWith("emergency: "))).toHaveLength(1);
    expect(readHaltFlag(again)?.source).toBe("emergency");
  }, 120_000);
});
