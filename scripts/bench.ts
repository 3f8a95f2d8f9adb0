// `npm run bench`: throughput and memory figures, each part in its own process so that peak RSS
// belongs to that part alone. Targets (issue 2) are printed beside each figure; nothing here fails
// a build: speed is measured, not asserted.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, resolve } from "node:path";

const here = dirname(fileURLToPath(import.meta.url));
const realDir = resolve(here, "../../shared/data/bars/1min/2024q2");

interface PartResult {
  label: string;
  rows: number;
  parseRowsPerSec: number;
  cacheLoadRowsPerSec: number;
  engineBarsPerSec: number;
  endToEndBarsPerSec: number;
  endToEndMs: number;
  /** From the binary cache: read, merge, engine, metrics (the generated set is always read so). */
  endToEndCachedMs: number;
  peakRssMb: number;
  trades: number;
  engineFullBarsPerSec?: number;
  extra?: Record<string, number | string>;
}

function runPart<T = PartResult>(args: string[]): T {
  const r = spawnSync(process.execPath, ["--import", "tsx", "--expose-gc", resolve(here, "bench-part.ts"), ...args], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 1 << 24,
  });
  if (r.status !== 0) throw new Error(`bench part ${args.join(" ")} failed (exit ${r.status})`);
  const line = r.stdout.trim().split("\n").pop() ?? "";
  return JSON.parse(line) as T;
}

// Start-up of the commands an operator types (issue 15), first, on a machine not yet warmed by
// the parts below; its own script, so `npm run bench:startup` prints the same alone.
const startup = spawnSync(process.execPath, [resolve(here, "bench-startup.js")], { stdio: ["ignore", "inherit", "inherit"] });
if (startup.status !== 0) throw new Error(`bench-startup failed (exit ${startup.status})`);
console.log("");

const fmt = (n: number): string => Math.round(n).toLocaleString("en-US");
const sizing = runPart<{ fixed: number; full: number }>(["sizing"]);
console.log(`sizing decisions (one core): fixed ${fmt(sizing.fixed)}/s, full ${fmt(sizing.full)}/s (target >= 1,000,000/s in full mode)`);
const parts: PartResult[] = [];
if (existsSync(realDir)) parts.push(runPart(["real", realDir]));
else console.log(`skipping the real-bar benchmark: ${realDir} is absent`);
if (!process.argv.includes("--real-only")) parts.push(runPart(["generated", String(20_000_000)]));

for (const p of parts) {
  console.log(`\n${p.label}: ${fmt(p.rows)} bars, ${p.trades} trades`);
  console.log(`  parse CSV.gz        ${fmt(p.parseRowsPerSec).padStart(14)} rows/s   (target >= 3,000,000)`);
  console.log(`  load binary cache   ${fmt(p.cacheLoadRowsPerSec).padStart(14)} rows/s   (target >= 40,000,000)`);
  console.log(`  engine (in memory)  ${fmt(p.engineBarsPerSec).padStart(14)} bars/s   (target >= 10,000,000)`);
  console.log(`  end to end          ${fmt(p.endToEndBarsPerSec).padStart(14)} bars/s   (${(p.endToEndMs / 1000).toFixed(2)} s)`);
  console.log(`  peak RSS            ${p.peakRssMb.toFixed(0).padStart(14)} MB       (target <= 400 for 20M)`);
  if (p.engineFullBarsPerSec !== undefined) {
    const drop = (1 - p.engineFullBarsPerSec / p.engineBarsPerSec) * 100;
    console.log(`  engine, full mode   ${fmt(p.engineFullBarsPerSec).padStart(14)} bars/s   (${drop.toFixed(1)}% below fixed; target <= 20%)`);
  }
  for (const [k, v] of Object.entries(p.extra ?? {})) console.log(`  ${k.padEnd(19)} ${typeof v === "number" ? fmt(v).padStart(14) : v}`);
}
if (parts.length === 2) {
  const ratio = parts[1].endToEndCachedMs / parts[0].endToEndCachedMs;
  console.log(`\nscaling, end to end from the binary cache: ${fmt(parts[1].rows)} bars took ${ratio.toFixed(1)}x the time of ${fmt(parts[0].rows)} (target <= 30x; bar ratio ${(parts[1].rows / parts[0].rows).toFixed(1)}x)`);
}

// The daemon (issue 4): each measure in its own process.
function runDaemonPart(args: string[]): Record<string, number> {
  // The RSS figure runs the way `npm start` runs the daemon (a small young generation).
  const flags = args[0] === "rss" ? ["--max-semi-space-size=2"] : [];
  const r = spawnSync(process.execPath, [...flags, "--import", "tsx", resolve(here, "bench-daemon.ts"), ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`bench-daemon ${args.join(" ")} failed (exit ${r.status})`);
  return JSON.parse(r.stdout.trim().split("\n").pop() ?? "{}") as Record<string, number>;
}
const ms = (n: number): string => n.toFixed(2);
const lat = runDaemonPart(["latency", "100"]);
console.log(`\ndaemon on the local exchange, ${lat.symbols} symbols streaming (${fmt(lat.minutes)} minutes):`);
console.log(`  bar frame -> order POST, entries    p50 ${ms(lat.entryP50Ms)} ms, p99 ${ms(lat.entryP99Ms)} ms over ${lat.entryPosts} orders (target p99 <= 2 ms)`);
console.log(`  bar frame -> order POST, bar exits  p50 ${ms(lat.exitP50Ms)} ms, p99 ${ms(lat.exitP99Ms)} ms over ${lat.exitPosts} orders (after the broker confirms the cancel of the orders they replace)`);
console.log(`  bar frame -> first request out      p50 ${ms(lat.reactionP50Ms)} ms, p99 ${ms(lat.reactionP99Ms)} ms over ${lat.reactionFrames} frames that led to an order action (the bot's reaction; target p99 <= 2 ms)`);
console.log(`  bar frame -> order POST, all        p50 ${ms(lat.p50Ms)} ms, p99 ${ms(lat.p99Ms)} ms over ${lat.posts} orders (exits included: each waits one broker round trip for its cancel)`);
const rss = runDaemonPart(["rss"]);
console.log(`  a replayed month, 20 symbols:     ${fmt(rss.bars)} bars in ${rss.seconds.toFixed(1)} s, RSS ${rss.rssEndMb.toFixed(0)} MB at the end, peak ${rss.rssPeakMb.toFixed(0)} MB (target <= 200 MB)`);
const st = runDaemonPart(["state"]);
console.log(`  state.json write (median)         ${Object.entries(st).map(([k, v]) => `${k.replace("writeMsAfter", "")} trades: ${ms(v)} ms`).join(", ")} (must not grow)`);

// Experiments (issue 5): the shipped robustness grid on the real bars, end to end, in its own process.
if (existsSync(realDir)) {
  const r = spawnSync(process.execPath, ["--import", "tsx", resolve(here, "bench-experiments.ts"), realDir], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`bench-experiments failed (exit ${r.status})`);
  const x = JSON.parse(r.stdout.trim().split("\n").pop() ?? "{}") as { variants: number; modes: number; seconds: number; variantsPerMinute: number; workers: number };
  console.log(`\nexperiments, robustness grid on ${realDir}: ${x.variants} variants x ${x.modes} modes walked forward on ${x.workers} worker threads`);
  console.log(`  ${x.seconds.toFixed(1)} s end to end, ${x.variantsPerMinute.toFixed(0)} variants/min (target: the grid under 60 s)`);
}
