// `npm run bench:startup`: start-up time of the commands an operator types often, against a bare
// `node -e 0` measured side by side on the same machine (alternating, so load changes hit both).
// Target (issue 15): each within 3x the bare Node. Plain JavaScript: it times the bin as users run it.
/* global URL */
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { currentDist } from "../bin/dist-check.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = join(root, "bin", "sizewise.js");
const runs = Number(process.env.RUNS ?? 10);
const state = mkdtempSync(join(tmpdir(), "sw-bench-start-"));
const commands = [
  ["--version", ["--version"]],
  ["config get sizing.mode", ["config", "get", "sizing.mode"]],
  ["status", ["status", "--state", state]],
  ["halt", ["halt", "--state", state, "--reason", "bench"]],
];

function wallMs(args) {
  const t0 = process.hrtime.bigint();
  spawnSync(process.execPath, args, { stdio: "ignore", cwd: root });
  return Number(process.hrtime.bigint() - t0) / 1e6;
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

console.log(`start-up, median of ${runs} runs each (${currentDist(root) ? "compiled dist/" : "TypeScript sources through tsx: run npm run build"})`);
let worst = 0;
for (const [label, args] of commands) {
  const bare = [];
  const cmd = [];
  for (let i = 0; i < runs; i++) {
    bare.push(wallMs(["-e", "0"]));
    cmd.push(wallMs([bin, ...args]));
  }
  const ratio = median(cmd) / median(bare);
  worst = Math.max(worst, ratio);
  console.log(`${label.padEnd(24)} ${median(cmd).toFixed(0).padStart(5)} ms   node -e 0 ${median(bare).toFixed(0).padStart(4)} ms   ${ratio.toFixed(2)}x ${ratio <= 3 ? "(target <= 3x: met)" : "(target <= 3x: NOT met)"}`);
}
console.log(`worst ratio ${worst.toFixed(2)}x`);
