#!/usr/bin/env node
// Nothing but Node built-ins and plain JavaScript until the version check has passed: on an old
// Node the CLI's own modules would fail later with a cryptic error.
/* global URL */
import { readFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { dirname } from "node:path";
import { currentDist } from "./dist-check.js";
import { loadFast } from "./fast-load.js";
import { fastEntry } from "./fast-route.js";
import { nodeRefusal } from "./node-check.js";

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
const refusal = nodeRefusal(process.versions.node, pkg.engines?.node);
if (refusal !== null) {
  process.stderr.write(`${refusal}\n`);
  process.exit(1);
}
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
  // Answered before the CLI loads: a version check must be instant.
  process.stdout.write(`${pkg.version}\n`);
  process.exit(0);
}
// The compiled CLI (npm run build, run by `prepare` at install) starts in a fraction of the time;
// without a current build, tsx registers an ESM loader and runs the TypeScript sources (Node 20
// cannot strip types by itself). SIZEWISE_FROM_SOURCE=1 forces the sources. The one-shot commands
// (config, status, halt, resume) run from the build's bundle of them, when there is one.
const root = fileURLToPath(new URL("..", import.meta.url));
const dist = process.env.SIZEWISE_FROM_SOURCE ? null : currentDist(root);
const fast = dist === null ? null : fastEntry(dirname(dirname(dirname(dist))), process.argv);
let main;
let saveCache = () => {};
if (fast !== null) {
  ({ main, saveCache } = loadFast(fast.file, fast.command));
} else if (dist !== null) {
  ({ main } = await import(pathToFileURL(dist).href));
} else {
  const { register } = await import("tsx/esm/api");
  register();
  ({ main } = await import("../src/cli/main.ts"));
}
await main(process.argv);
saveCache();
// Everything is written synchronously by now (state, journal, logs). The SDK leaves 30 s request
// deadline timers and websocket close timers behind; a finished command must not wait for them.
// But stdout and stderr on a pipe are asynchronous: let what is queued there drain first, or a
// large --json answer would be cut off.
const drained = (stream) => new Promise((resolve) => (stream.writableLength === 0 ? resolve() : stream.write("", () => resolve())));
await Promise.all([drained(process.stdout), drained(process.stderr)]);
process.exit(process.exitCode ?? 0);
