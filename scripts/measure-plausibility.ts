/**
 * How many bars of a data folder each plausibility rule refuses with the default `data.*` limits,
 * and the largest bar-to-bar moves within and across sessions (what the jump limits are tuned on).
 *   node --import tsx scripts/measure-plausibility.ts ../shared/data/bars/1min/2024q2
 */
import { loadBarDir } from "../src/data/load-dir.ts";
import { defaultLimits, PlausibilityGate } from "../src/data/plausibility.ts";
import { NyTime } from "../src/core/ny-time.ts";

const dir = process.argv[2];
if (!dir) throw new Error("usage: measure-plausibility.ts DIR");
const limits = defaultLimits(Date.now());
const r = loadBarDir(dir, { cacheDir: null, plausibility: null });
const byRule = { time: 0, session: 0, price: 0, jump: 0 };
const byReason = new Map<string, number>();
const ny = new NyTime();
let within = { move: 0, at: "" };
let across = { move: 0, at: "" };
for (const s of r.series) {
  const gate = new PlausibilityGate(limits);
  for (let i = 0; i < s.length; i++) {
    const bar = { tMs: s.tMs[i], open: s.open[i], high: s.high[i], low: s.low[i], close: s.close[i] };
    const why = gate.check(bar);
    if (why !== null) byReason.set(why, (byReason.get(why) ?? 0) + 1);
    if (i > 0) {
      const move = Math.max(bar.high / s.close[i - 1], s.close[i - 1] / bar.low);
      const at = `${s.symbol} ${new Date(bar.tMs).toISOString()}`;
      if (ny.etDay(s.tMs[i - 1]) === ny.etDay(bar.tMs)) {
        if (move > within.move) within = { move, at };
      } else if (move > across.move) across = { move, at };
    }
  }
  for (const k of Object.keys(byRule) as (keyof typeof byRule)[]) byRule[k] += gate.refusedByRule[k];
}
console.log(`${dir}: ${r.rows} bars in ${r.series.length} series`);
console.log(`refused by rule: ${JSON.stringify(byRule)}`);
for (const [why, n] of byReason) console.log(`  ${n} x ${why}`);
console.log(`largest move within a session: x${within.move.toFixed(2)} (${within.at}); across sessions: x${across.move.toFixed(2)} (${across.at})`);
