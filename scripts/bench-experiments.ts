// One part of `npm run bench` (issue 5): the shipped robustness grid over a folder of real bars,
// run the way a user runs it (`sizewise experiments`, every core), timed from spawn to exit. The
// bar cache is filled first, untimed, as after a user's first command. Prints one JSON line.
import { spawnSync } from "node:child_process";
import { availableParallelism } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadBarDir } from "../src/data/load-dir.ts";

const root = resolve(fileURLToPath(import.meta.url), "../..");
const dir = process.argv[2];
if (!dir) throw new Error("usage: bench-experiments.ts DIR");
const state = join(root, "state/bench/experiments");
loadBarDir(dir, { cacheDir: join(state, "cache") });
const plan = join(root, "config/plans/robustness-grid.json");
const t0 = performance.now();
const r = spawnSync(process.execPath, [join(root, "bin/sizewise.js"), "experiments", "--data", dir, "--plan", plan, "--json", "--state", state, "--out", join(state, "robustness-grid.md")], {
  encoding: "utf8",
  stdio: ["ignore", "pipe", "pipe"],
  maxBuffer: 1 << 28,
  env: { ...process.env, CI: "1" },
});
const seconds = (performance.now() - t0) / 1000;
if (r.status !== 0) throw new Error(`experiments failed (exit ${r.status}): ${r.stderr}`);
const out = JSON.parse(r.stdout) as { ranked: unknown[]; design: { modes: string[] } };
const variants = out.ranked.length;
process.stdout.write(`${JSON.stringify({ variants, modes: out.design.modes.length, seconds, variantsPerMinute: (variants / seconds) * 60, workers: availableParallelism() })}\n`);
