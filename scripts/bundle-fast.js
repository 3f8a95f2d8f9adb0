// The fast entry of the compiled CLI (dist/fast/cli.cjs): `config`, `status`, `halt` and `resume`
// bundled by esbuild into one CommonJS file with zod and commander inside, which bin/fast-load.js
// runs with a V8 code cache. Node 20 has neither a compile cache for modules (module.
// enableCompileCache arrived in 22.1) nor a cheap way to load zod's ~95 ES module files: resolving,
// reading, linking and compiling them cost ~70 ms a start, more than half of what these commands
// may take (issue 15: within 3x a bare `node -e 0`).
// Only these commands: the others read files next to their own module (the report's page scripts,
// the worker entry) and run from dist/src/, so the bundle holds a stub for each of them.
import { dirname, join } from "node:path";
import { FAST_COMMANDS } from "../bin/fast-route.js";

/** The command modules that go into the bundle (`resume` lives in halt's). */
const FAST_MODULES = new Set(FAST_COMMANDS.filter((c) => c !== "resume").map((c) => `${c}-cmd`));

/**
 * Loads esbuild (installed with tsx, which the CLI depends on), or null when it is absent: then
 * there is no bundle and the bin runs everything from dist/src/.
 * @returns {Promise<typeof import("esbuild") | null>}
 */
export async function loadEsbuild() {
  try {
    const mod = await import("esbuild");
    return mod.default ?? mod;
  } catch {
    return null;
  }
}

/**
 * Bundles `entry` (src/cli/main.ts or dist/src/cli/main.js) into `outfile`.
 * @param {typeof import("esbuild")} esbuild
 * @param {{ entry: string, outfile: string }} o
 */
export async function bundleFast(esbuild, o) {
  const otherCommands = {
    name: "other-commands-stay-outside",
    setup(build) {
      build.onResolve({ filter: /-cmd\.(js|ts)$/ }, (args) => {
        const name = args.path.replace(/^.*\//, "").replace(/\.(js|ts)$/, "");
        if (!/[/\\]main\.(js|ts)$/.test(args.importer) || FAST_MODULES.has(name)) return undefined;
        return { path: name, namespace: "not-in-fast-bundle" };
      });
      // bin/fast-route.js never sends another command here; should one come, it says so.
      build.onLoad({ filter: /.*/, namespace: "not-in-fast-bundle" }, (args) => ({
        contents: `throw new Error("internal: ${args.path} is not in dist/fast/ (bin/fast-route.js routes only ${FAST_COMMANDS.join(", ")} there)");`,
        loader: "js",
      }));
    },
  };
  // zod exports every language's error messages (z.locales, ~300 kB, over a third of the bundle);
  // sizewise speaks English (zod's default, which it imports on its own), so the bundle keeps en.
  const englishOnly = {
    name: "zod-english-only",
    setup(build) {
      build.onResolve({ filter: /locales\/index\.js$/ }, (args) => {
        if (!/[/\\]zod[/\\]/.test(args.importer)) return undefined;
        return { path: join(dirname(args.importer), args.path), namespace: "zod-locales" };
      });
      build.onLoad({ filter: /.*/, namespace: "zod-locales" }, (args) => ({ contents: 'export { default as en } from "./en.js";', resolveDir: dirname(args.path), loader: "js" }));
    },
  };
  await esbuild.build({
    entryPoints: [o.entry],
    outfile: o.outfile,
    bundle: true,
    format: "cjs",
    platform: "node",
    target: "node20",
    // Less to parse. Identifiers stay as written, so stack traces still read (and no keepNames:
    // its __name() call per function and class cost ~10 ms a start).
    minifyWhitespace: true,
    minifySyntax: true,
    logLevel: "error",
    plugins: [otherCommands, englishOnly],
    // CommonJS has no import.meta: the bundle's own file URL stands in (project-dir.ts walks up
    // from it to package.json).
    define: { "import.meta.url": "__swBundleUrl" },
    banner: { js: 'const __swBundleUrl = require("node:url").pathToFileURL(__filename).href;' },
  });
}

/** dist/fast/cli.cjs from dist/src/cli/main.js; false when esbuild is not installed. */
export async function bundleDistFast(dist) {
  const esbuild = await loadEsbuild();
  if (esbuild === null) return false;
  await bundleFast(esbuild, { entry: `${dist}/src/cli/main.js`, outfile: `${dist}/fast/cli.cjs` });
  return true;
}
