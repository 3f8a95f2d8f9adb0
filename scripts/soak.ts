// Soak run (`npm run soak`): a replayed month (21 sessions) of 20 generated symbols at maximum
// speed through the daemon on the local exchange (runLocal, lock step), sampling the process every
// --sample-every replayed minutes. Prints the RSS and heap trend after the warm-up (least squares,
// MB per replayed day), open file descriptors at start and end, and the sizes of the journal, the
// state file, the write-ahead log and the exchange's book against what each should do: state.json
// and book.json bounded (they hold what is open, not what happened), the journal growing with
// decisions, not with bars. The last line is a one-line summary; exit 1 when a check fails.
// Run with --expose-gc (npm run soak does): each sample follows a full collection, so the slope
// is what the process keeps, not garbage the collector has not reached yet (without it, a young
// generation of 2 MB leaves V8 deferring major collections, and RSS climbs by tens of MB).
//
//   npm run soak
//   npm run soak -- --days 5 --symbols 10 --sample-every 15
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { pino } from "pino";
import { generateSeries } from "../src/data/generator.ts";
import { parseConfig } from "../src/config/load.ts";
import { runLocal } from "../src/daemon/run-local.ts";
import { kb, MB, memoryTrend, stateBreakdown, stateGrowth, type SoakSample } from "./soak-stats.ts";

const { values: a } = parseArgs({
  options: {
    days: { type: "string", default: "21" },
    symbols: { type: "string", default: "20" },
    seed: { type: "string", default: "42" },
    "sample-every": { type: "string", default: "30" },
    "warmup-days": { type: "string", default: "3" },
    "max-rss-slope": { type: "string", default: "2" },
    state: { type: "string" },
    keep: { type: "boolean", default: false },
  },
});
const num = (k: keyof typeof a): number => {
  const x = Number(a[k]);
  if (!Number.isFinite(x) || x < 0) throw new Error(`--${k} must be a number >= 0 (got ${JSON.stringify(a[k])})`);
  return x;
};
const days = num("days");
const symbols = num("symbols");
const every = Math.max(1, num("sample-every"));
const warmupDays = num("warmup-days");
const maxRssSlope = num("max-rss-slope");
const stateDir = a.state ?? mkdtempSync(join(tmpdir(), "sw-soak-"));

const openFds = (): number => readdirSync("/proc/self/fd").length;
const size = (p: string): number => statSync(p, { throwIfNoEntry: false })?.size ?? 0;
const files = (dir: string): string[] => readdirSync(dir, { withFileTypes: true, recursive: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));

// More signals than the -15% default, and every learned layer on: the soak should exercise the
// code paths whose memory could grow with trades (Kelly history, confidence samples, Q-table).
const config = parseConfig({ strategy: { minDayChangePct: -10 }, sizing: { mode: "full" } });
const series = generateSeries({ seed: num("seed"), symbols, days, selloffProb: 0.2 });
const bars = series.reduce((n, s) => n + s.length, 0);
const MIN_PER_DAY = 390;

const gc = (globalThis as { gc?: () => void }).gc;
/** The ledger's bound on finished orders (src/store/state-base.ts). */
const MAX_FINISHED_ORDERS = 16;

const fdStart = openFds();
let fdPeak = fdStart;
const samples: SoakSample[] = [];
const t0 = performance.now();
process.stdout.write(
  `soak: ${days} sessions x ${symbols} symbols (${bars} bars) at max speed; sampling every ${every} replayed minutes${gc ? " after a full GC" : " (no --expose-gc: RSS includes uncollected garbage)"}; state in ${stateDir}\n`,
);
const r = await runLocal({
  config,
  series,
  stateDir,
  log: pino({ level: "silent" }),
  onMinute: ({ daemon, minute }) => {
    if (minute % every !== 0) return;
    gc?.();
    const m = process.memoryUsage();
    fdPeak = Math.max(fdPeak, openFds());
    samples.push({ day: minute / MIN_PER_DAY, rssBytes: m.rss, heapUsedBytes: m.heapUsed, stateBytes: size(join(stateDir, "state.json")), trades: daemon.engine.result.trades.length });
    if (minute % (MIN_PER_DAY * 3) === 0) {
      const s = samples[samples.length - 1];
      process.stdout.write(`  day ${s.day.toFixed(0).padStart(2)}: rss ${(s.rssBytes / MB).toFixed(1)} MB, heap ${(s.heapUsedBytes / MB).toFixed(1)} MB, state.json ${kb(s.stateBytes)}, ${s.trades} trades, ${Math.round((performance.now() - t0) / 1000)} s\n`);
    }
  },
});
const seconds = (performance.now() - t0) / 1000;
// Let closed sockets and files be released before counting what is still open.
await new Promise((res) => setTimeout(res, 200));
const fdEnd = openFds();

const mem = memoryTrend(samples, warmupDays);
const st = stateGrowth(samples);
const journalFiles = files(join(stateDir, "journal"));
const journalBytes = journalFiles.reduce((n, f) => n + size(f), 0);
const journalDays = journalFiles.filter((f) => /\d{4}-\d{2}-\d{2}\.json$/.test(f)).length;
const intentsBytes = size(join(stateDir, "intents.jsonl"));
const bookBytes = size(join(stateDir, "exchange", "book.json"));
const historyBytes = size(join(stateDir, "exchange", "book.history.jsonl"));
const orders = r.brokerOrders.length;
const parts = stateBreakdown(readFileSync(join(stateDir, "state.json"), "utf8"), MAX_FINISHED_ORDERS);

// Expectations. state.json and the exchange snapshot hold what is open: bounded. The journal holds
// decisions, orders and fills: it grows with activity (well under a bar's worth of bytes per bar).
const checks = {
  rss: Number.isFinite(mem.rssMbPerDay) && mem.rssMbPerDay <= maxRssSlope,
  fds: fdEnd <= fdStart + 2,
  state: st.maxBytes < 256 * 1024 && parts.unbounded.length === 0,
  book: bookBytes < 256 * 1024,
  journal: journalBytes / Math.max(1, bars) < 40,
};
const ok = Object.values(checks).every(Boolean);
const line = (label: string, pass: boolean, text: string): void => void process.stdout.write(`${pass ? "ok  " : "FAIL"} ${label.padEnd(10)} ${text}\n`);
process.stdout.write(`\nreplayed ${r.minutes} minutes, ${r.bars} bars, ${r.trades.length} trades, ${orders} broker orders in ${seconds.toFixed(1)} s (${Math.round(r.bars / seconds)} bars/s)\n`);
line("rss", checks.rss, `slope ${mem.rssMbPerDay.toFixed(3)} MB per replayed day after ${warmupDays} warm-up days (${mem.samples} samples; limit ${maxRssSlope}); ${mem.rssStartMb.toFixed(1)} -> ${mem.rssEndMb.toFixed(1)} MB, peak ${mem.rssPeakMb.toFixed(1)} MB; heap slope ${mem.heapMbPerDay.toFixed(3)} MB/day`);
line("fds", checks.fds, `open at start ${fdStart}, end ${fdEnd}, peak ${fdPeak} (sockets and files closed when the run ends)`);
line(
  "state",
  checks.state,
  `state.json ${kb(st.minBytes)}..${kb(st.maxBytes)} over the run; at the end ${Object.entries(parts.bytes).filter(([, n]) => n > 100).map(([k, n]) => `${k} ${kb(n)}`).join(", ")}; ` +
    `${parts.finishedOrders} finished orders kept (bound ${MAX_FINISHED_ORDERS}), ${parts.workingOrders} working; ${parts.kellySeries} Kelly series, longest ${parts.longestKellySeries} (window ${parts.kellyWindow})` +
    `${parts.unbounded.length ? `; UNBOUNDED: ${parts.unbounded.join("; ")}` : ""}`,
);
process.stdout.write(`info       state.json grew ${Number.isFinite(st.bytesPerTrade) ? st.bytesPerTrade.toFixed(0) : "-"} bytes per closed trade while the Kelly windows fill; nothing in it is per past trade beyond them\n`);
line("book", checks.book, `exchange book.json ${kb(bookBytes)} (open orders only); book.history.jsonl ${kb(historyBytes)} (every fill, grows by design)`);
line("journal", checks.journal, `${journalDays} day files, ${kb(journalBytes)} (${kb(journalBytes / Math.max(1, journalDays))}/day, ${(journalBytes / Math.max(1, bars)).toFixed(2)} bytes per bar; grows with decisions, not bars)`);
process.stdout.write(`info       intents.jsonl ${kb(intentsBytes)} (${(intentsBytes / Math.max(1, orders)).toFixed(0)} bytes per broker order: the run's write-ahead log)\n`);
if (!a.keep && a.state === undefined) rmSync(stateDir, { recursive: true, force: true });
process.stdout.write(
  `soak ${ok ? "OK" : "FAILED"}: ${days}d x ${symbols} symbols, ${r.bars} bars, ${r.trades.length} trades in ${seconds.toFixed(0)} s; ` +
    `RSS slope ${mem.rssMbPerDay.toFixed(3)} MB/day after warm-up (end ${mem.rssEndMb.toFixed(0)} MB, peak ${mem.rssPeakMb.toFixed(0)} MB); ` +
    `fds ${fdStart} -> ${fdEnd}; state.json max ${kb(st.maxBytes)} (${Number.isFinite(st.bytesPerTrade) ? st.bytesPerTrade.toFixed(1) : "-"} B/trade); journal ${kb(journalBytes)}; book ${kb(bookBytes)}\n`,
);
process.exit(ok ? 0 : 1);
