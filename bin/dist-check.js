// Whether the compiled CLI in dist/ may be used: it exists and no source file is newer than the
// build (an edited src/ must never run stale code). Plain JavaScript and Node built-ins only.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

/**
 * The newest modification time (ms) of the .ts and .js files under src/ and strategies/.
 * @param {string} root
 * @returns {number}
 */
export function newestSourceMs(root) {
  let newest = 0;
  const walk = (dir) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".ts") || e.name.endsWith(".js")) newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  walk(join(root, "src"));
  walk(join(root, "strategies"));
  return newest;
}

/**
 * The compiled entry (dist/src/cli/main.js) when the build is current, else null (run the sources).
 * @param {string} root
 * @returns {string | null}
 */
export function currentDist(root) {
  const entry = join(root, "dist", "src", "cli", "main.js");
  const stamp = join(root, "dist", "BUILT");
  if (!existsSync(entry) || !existsSync(stamp)) return null;
  try {
    const built = JSON.parse(readFileSync(stamp, "utf8")).sourcesMs;
    return typeof built === "number" && newestSourceMs(root) <= built ? entry : null;
  } catch {
    return null;
  }
}
