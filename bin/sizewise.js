#!/usr/bin/env node
// The CLI is written in TypeScript; tsx registers an ESM loader so `npx sizewise` runs it
// without a build step (Node 20 cannot strip types by itself).
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/cli/main.ts");
await main(process.argv);
// Everything is written synchronously by now (state, journal, logs). The SDK leaves 30 s request
// deadline timers and websocket close timers behind; a finished command must not wait for them.
// But stdout and stderr on a pipe are asynchronous: let what is queued there drain first, or a
// large --json answer would be cut off.
const drained = (stream) => new Promise((resolve) => (stream.writableLength === 0 ? resolve() : stream.write("", () => resolve())));
await Promise.all([drained(process.stdout), drained(process.stderr)]);
process.exit(process.exitCode ?? 0);
