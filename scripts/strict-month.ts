// A replayed month of real bars through the daemon on the strict local exchange, with its cancel
// delay and refusals after acceptance turned up (issue 12's "done when"): prints the trades, the
// scale-ins, the orders the broker ended on its own, what the engine did about them, and the orders
// refused because of the bot's own sequencing (held shares, wash trades), which must be 0.
//   node --import tsx scripts/strict-month.ts [DATA_DIR] [FROM] [TO]
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { parseConfig } from "../src/config/load.ts";
import { loadBarDir } from "../src/data/load-dir.ts";
import { runLocal } from "../src/daemon/run-local.ts";
import { countSequencingRefusals } from "../src/chaos/run-chaos.ts";

const [dataDir = "../shared/data/bars/1min/2024q2", from = "2024-05-01", to = "2024-05-31"] = process.argv.slice(2);
const symbols = ["GME", "AMC", "CGC", "FCEL", "PLUG", "SPCE", "MARA", "RIOT", "SAVA", "WKHS"];
const loaded = loadBarDir(dataDir, { symbols, fromDay: from, toDay: to, cacheDir: null });
const config = parseConfig({ strategy: { minDayChangePct: -5 }, sizing: { mode: "full" }, execution: { entryFill: "next_open", exitFill: "next_open" } });
const dir = mkdtempSync(join(tmpdir(), "sw-strict-month-"));
const t0 = Date.now();
const r = await runLocal({
  config,
  series: loaded.series,
  stateDir: dir,
  log: pino({ level: "silent" }),
  knobs: { cancelDelayMs: 25, rejectAfterAccept: { fraction: 0.03, seed: 7 }, rejectDelayMs: 5 },
});
const events = readdirSync(join(dir, "journal")).flatMap((f) => (JSON.parse(readFileSync(join(dir, "journal", f), "utf8")) as { events: Record<string, unknown>[] }).events);
const legs = r.trades.flatMap((t) => [...t.entries, ...t.exits].map((e) => e.reason));
const count = (p: (e: Record<string, unknown>) => boolean): number => events.filter(p).length;
console.log(`strict month: ${loaded.series.length} symbols, ${from}..${to}, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
console.log(`  trades ${r.trades.length}, scale-ins ${legs.filter((x) => /^add\d/.test(x)).length}, stop exits ${legs.filter((x) => x === "stop").length}, stop_through ${legs.filter((x) => x === "stop_through").length}`);
console.log(`  orders the broker ended on its own: ${count((e) => e.type === "order_update" && e.unrequested === true)}; unprotected events ${count((e) => e.type === "unprotected")} (${[...new Set(events.filter((e) => e.type === "unprotected").map((e) => String(e.repairedBy)))].join(", ") || "none"})`);
console.log(`  refused because of our own sequencing (held shares, wash trades): ${countSequencingRefusals(events)}`);
console.log(`  broker orders still open: ${r.brokerOrders.filter((o) => ["new", "accepted", "pending_cancel", "partially_filled"].includes(o.status)).length}`);
const SEQ = /insufficient qty|wash trade/i;
for (const e of events.filter((x) => x.type === "order_update" && x.event === "rejected" && typeof x.reason === "string" && SEQ.test(x.reason))) console.log(`  refused: ${JSON.stringify(e)}`);
