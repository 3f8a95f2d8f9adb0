// `npm run bench:startup` (and the first part of `npm run bench`): start-up time of the commands
// an operator types often, against a bare `node -e 0` measured side by side on the same machine
// (alternating, so a change in load hits both). Target (issue 15): each within 3x the bare Node.
// `status` and `halt` run on a real state folder (a short daemon run on generated bars, made
// first); every `halt` run finds no flag, so each one writes it. Plain JavaScript: it times the
// bin as users run it, from the build (made first when missing or older than the sources).
// RUNS=N sets the runs per command (default 15); the figures are medians.
/* global URL */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { currentDist } from "../bin/dist-check.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = join(root, "bin", "sizewise.js");
const runs = Number(process.env.RUNS ?? 15);
const TARGET = 3;

function must(r, what) {
  if (r.status !== 0) {
    process.stderr.write(`${what} failed (exit ${r.status}):\n${r.stderr ?? ""}`);
    process.exit(1);
  }
}
if (currentDist(root) === null) {
  console.log("no current build: running npm run build first");
  must(spawnSync(process.execPath, [join(root, "scripts", "build.js")], { stdio: ["ignore", "ignore", "pipe"], encoding: "utf8", cwd: root }), "the build");
}
const work = mkdtempSync(join(tmpdir(), "sw-bench-start-"));
const state = join(work, "state");
must(spawnSync(process.execPath, ["--import", "tsx", join(root, "scripts", "bench-startup-state.ts"), state], { stdio: ["ignore", "ignore", "pipe"], encoding: "utf8", cwd: root }), "making a state folder");
const haltFlag = join(state, "HALT");

const commands = [
  ["--version", ["--version"]],
  ["config get sizing.mode", ["config", "get", "sizing.mode"]],
  ["status", ["status", "--state", state]],
  ["halt", ["halt", "--state", state, "--reason", "bench"], () => rmSync(haltFlag, { force: true })],
];

function wallMs(args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { stdio: ["ignore", "ignore", "pipe"], encoding: "utf8", cwd: root });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  must(r, `node ${args.join(" ")}`);
  return ms;
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// One untimed run each: the first run of a fast command writes its code cache (bin/fast-load.js),
// as the first run after an install does.
for (const [, args, before] of commands) {
  before?.();
  wallMs([bin, ...args]);
}
console.log(`start-up, median of ${runs} runs each, alternating with a bare node -e 0 (compiled dist/; Node ${process.versions.node})`);
let worst = 0;
for (const [label, args, before] of commands) {
  const bare = [];
  const cmd = [];
  for (let i = 0; i < runs; i++) {
    bare.push(wallMs(["-e", "0"]));
    before?.();
    cmd.push(wallMs([bin, ...args]));
  }
  const ratio = median(cmd) / median(bare);
  worst = Math.max(worst, ratio);
  console.log(`  ${label.padEnd(24)} ${median(cmd).toFixed(0).padStart(5)} ms   node -e 0 ${median(bare).toFixed(0).padStart(4)} ms   ${ratio.toFixed(2)}x  ${ratio <= TARGET ? "pass" : "FAIL"} (target <= ${TARGET}x)`);
}
console.log(`  worst ratio ${worst.toFixed(2)}x: ${worst <= TARGET ? "pass" : "FAIL"}`);
rmSync(work, { recursive: true, force: true });
