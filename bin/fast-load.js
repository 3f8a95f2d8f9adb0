// Runs the one-shot commands' bundle (dist/fast/cli.cjs) with a V8 code cache, the way Node 22's
// module.enableCompileCache() would: V8 then skips parsing and compiling what the last run of the
// same command compiled. One cache per command (each compiles different functions), written after
// a run that had none or whose cache V8 refused (another Node, another build: V8 checks its version,
// flags and the source). Plain JavaScript and Node built-ins only.
import { readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { Script } from "node:vm";

/**
 * The bundle's exports, and `saveCache()` to call once the command has run.
 * @param {string} file dist/fast/cli.cjs
 * @param {string} command its cache's name
 * @returns {{ main: (argv: readonly string[]) => Promise<void>, saveCache: () => void }}
 */
export function loadFast(file, command) {
  // V8 checks a cache against the source's length, not its content: the bundle's size and time in
  // the name keep a cache from meeting another bundle of the same length (a rebuild also empties dist/).
  const { size, mtimeMs } = statSync(file);
  const cacheFile = `${file}.${command}.${size}-${Math.trunc(mtimeMs)}.cache`;
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const source = readFileSync(file, "utf8");
  // Node's own CommonJS wrapper, so the bundle sees the usual module variables.
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: file, cachedData });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file));
  return {
    main: module.exports.main,
    saveCache() {
      if (cachedData !== undefined && !script.cachedDataRejected) return;
      // Best effort (an install folder may be read-only); temp file and rename, so a concurrent
      // run reads the old cache or the new one, never half of one.
      try {
        const tmp = `${cacheFile}.${process.pid}.tmp`;
        writeFileSync(tmp, script.createCachedData());
        renameSync(tmp, cacheFile);
      } catch {
        // the next run compiles again
      }
    },
  };
}
