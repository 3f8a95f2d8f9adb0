/* global URL */
// A worker thread starts without the CLI's TypeScript loader: in the compiled build (dist/) the
// worker is JavaScript next to this file; from the sources, register tsx and load the TypeScript.
import { existsSync } from "node:fs";

const compiled = new URL("./worker.js", import.meta.url);
if (existsSync(compiled)) {
  await import(compiled.href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("./worker.ts");
}
