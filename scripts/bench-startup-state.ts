// A real state folder for `npm run bench:startup` to time `status` and `halt` against: a short run
// of the daemon on generated bars (state.json, journal, exchange book), as `npm start` leaves one.
// Usage: node --import tsx scripts/bench-startup-state.ts DIR
import { pino } from "pino";
import { parseConfig } from "../src/config/load.ts";
import { runLocal } from "../src/daemon/run-local.ts";
import { generateSeries } from "../src/data/generator.ts";

const dir = process.argv[2];
if (!dir) {
  process.stderr.write("usage: bench-startup-state.ts DIR\n");
  process.exit(2);
}
const config = parseConfig({ strategy: { minDayChangePct: -10 }, sizing: { mode: "full" } });
const run = await runLocal({ config, series: generateSeries({ seed: 42, symbols: 12, days: 5 }), stateDir: dir, log: pino({ level: "silent" }) });
process.stdout.write(`${JSON.stringify({ trades: run.trades.length })}\n`);
process.exit(0);
