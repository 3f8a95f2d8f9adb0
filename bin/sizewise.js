#!/usr/bin/env node
// The CLI is written in TypeScript; tsx registers an ESM loader so `npx sizewise` runs it
// without a build step (Node 20 cannot strip types by itself).
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/cli/main.ts");
await main(process.argv);
// Everything is written synchronously by now (state, journal, logs). The SDK leaves 30 s request
// deadline timers and websocket close timers behind; a finished command must not wait for them.
process.exit(process.exitCode ?? 0);
