// `npm run chaos`: the fault-injection run of issue 7 (see src/chaos/run-chaos.ts). Runs the same
// replay twice, once without faults (the reference) and once with kills and faults, and prints
// every figure; the last line is one summary line. Options: --quick (the CI-sized run), --seed N,
// --days N, --symbols N, --kills N, --cancel-delay-ms N (the exchange's asynchronous cancel,
// default 40), --reject-after-accept F (a seeded fraction of orders refused after their 200,
// default 0.02). Both knobs apply to the reference run too, so the runs stay comparable.
// --kill-exchange: the exchange runs inside the daemon's process (as `start --local` does) and
// every SIGKILL takes both down; each restart resumes both from the state dir.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { runChaos } from "../src/chaos/run-chaos.ts";
import { chaosSummary } from "../src/chaos/summary.ts";

const { values } = parseArgs({
  options: {
    quick: { type: "boolean" },
    seed: { type: "string" },
    days: { type: "string" },
    symbols: { type: "string" },
    kills: { type: "string" },
    "cancel-delay-ms": { type: "string" },
    "reject-after-accept": { type: "string" },
    "kill-exchange": { type: "boolean" },
  },
});
const quick = values.quick === true;
const base = {
  seed: Number(values.seed ?? 3),
  symbols: Number(values.symbols ?? (quick ? 8 : 10)),
  days: Number(values.days ?? (quick ? 3 : 10)),
  cancelDelayMs: Number(values["cancel-delay-ms"] ?? 40),
  rejectAfterAccept: Number(values["reject-after-accept"] ?? 0.02),
  killExchange: values["kill-exchange"] === true,
};
const kills = Number(values.kills ?? (quick ? 8 : 60));
const out = (line: string): void => void process.stdout.write(`${line}\n`);
const t0 = Date.now();
out(`chaos: ${base.days} sessions x ${base.symbols} symbols (seed ${base.seed}), cancel delay ${base.cancelDelayMs} ms, ${base.rejectAfterAccept * 100}% rejected after acceptance; reference run without faults, then ${kills} scheduled kills with faults${base.killExchange ? "; each kill takes the embedded exchange down with the bot" : ""}`);
const reference = await runChaos({ ...base, kills: 0, faults: false, stateDir: mkdtempSync(join(tmpdir(), "sw-chaos-ref-")) });
out(`reference: ${reference.trades.length} trades`);
const dir = mkdtempSync(join(tmpdir(), "sw-chaos-"));
const faulted = await runChaos({ ...base, kills, faults: true, stateDir: dir, onProgress: (l) => out(`  ${l}`) });
const lines = chaosSummary(reference, faulted, (Date.now() - t0) / 1000, dir);
for (const l of lines) out(l);
process.exit(lines.at(-1)?.includes("FAIL") ? 1 : 0);
