// `npm run build` (and `prepare`, so `npm install` and `npm ci` build it): compiles src/ and
// strategies/ to dist/ with tsc (imports rewritten from .ts to .js), copies the plain JavaScript
// files tsc does not (the report's page scripts, the worker entry), and stamps the build so the
// bin can tell a dist/ older than the sources and fall back to them. Last, the bundle of the
// one-shot commands (scripts/bundle-fast.js).
/* global URL */
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { newestSourceMs } from "../bin/dist-check.js";
import { bundleDistFast } from "./bundle-fast.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const dist = join(root, "dist");
rmSync(dist, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
execFileSync(process.execPath, [tsc, "-p", join(root, "tsconfig.build.json")], { stdio: "inherit" });

function copyJs(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) copyJs(p);
    else if (e.name.endsWith(".js")) {
      const to = join(dist, relative(root, p));
      mkdirSync(dirname(to), { recursive: true });
      copyFileSync(p, to);
    }
  }
}
copyJs(join(root, "src"));
// The one-shot commands' bundle (see bundle-fast.js); without esbuild they run from dist/src/.
const fast = await bundleDistFast(dist);
writeFileSync(join(dist, "BUILT"), `${JSON.stringify({ sourcesMs: newestSourceMs(root) })}\n`);
console.log(`built ${relative(process.cwd(), dist) || "."} from src/ and strategies/${fast ? " (and dist/fast/cli.cjs for config, status, halt, resume)" : "; esbuild is not installed: no dist/fast/, every command runs from dist/src/"}`);
