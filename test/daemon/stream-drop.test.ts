import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { pino } from "pino";
import { runLocal } from "../../src/daemon/run-local.ts";
import { readJournal } from "../../src/store/journal.ts";
import type { TradeRecord } from "../../src/core/types.ts";
import { crashScenario } from "./fixtures/scenario.ts";

const view = (ts: readonly TradeRecord[]) =>
  ts.map((t) => `${t.symbol} ${t.entryTime} ${t.exitTime} ${t.shares} ${t.exitReason} ${[...t.entries, ...t.exits].map((e) => `${e.reason}:${e.qtyShares}@${e.priceUsd.toFixed(4)}`).join(",")}`);

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error("condition not met");
    await new Promise((r) => setTimeout(r, 2));
  }
}

describe("streams dropped by the server mid-session", () => {
  it("reconnects, backfills the missed bars, fetches the missed fills, and decides exactly as an uninterrupted run", async () => {
    const { config, series } = crashScenario();
    const log = pino({ level: "silent" });
    const clean = await runLocal({ config, series, stateDir: mkdtempSync(join(tmpdir(), "sw-drop-ref-")), log });
    const dir = mkdtempSync(join(tmpdir(), "sw-drop-"));
    let stocksDrops = 0;
    let tradingDrops = 0;
    const r = await runLocal({
      config,
      series,
      stateDir: dir,
      log,
      onMinute: async ({ exchange, daemon, minute }) => {
        // The bar stream drops now and then; the order stream drops while a position has orders resting.
        if (minute % 250 === 0) {
          exchange.dropStreams("stocks");
          stocksDrops++;
        }
        const open = daemon.engine.openPositions().some((p) => p.orderIds.length > 0);
        if (open && tradingDrops < 6 && minute % 7 === 0) {
          exchange.dropStreams("trading");
          tradingDrops++;
          // A client learns of a server-side close from the socket; wait for that, as the next bar would.
          await until(() => daemon.ordersStreamDown);
        }
      },
    });
    expect(stocksDrops).toBeGreaterThan(3);
    expect(tradingDrops).toBe(6);
    expect(view(r.trades)).toEqual(view(clean.trades));
    const events = readdirSync(join(dir, "journal"))
      .filter((f) => f.endsWith(".json"))
      .flatMap((f) => readJournal(dir, f.slice(0, 10)));
    const kinds = events.filter((e) => e.type === "reconcile").map((e) => String(e.kind));
    expect(kinds.filter((k) => k === "backfill").length).toBeGreaterThan(0);
    expect(kinds.filter((k) => k === "fills_caught_up")).toHaveLength(6);
    expect(events.filter((e) => e.type === "error")).toEqual([]);
  }, 120_000);
});
