import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error: plain JavaScript on purpose (the bin's helpers), no types.
import { commandOf, fastEntry } from "../../bin/fast-route.js";
// @ts-expect-error: plain JavaScript on purpose (the build's helpers), no types.
import { bundleFast, loadEsbuild } from "../../scripts/bundle-fast.js";
import { parseConfig } from "../../src/config/load.ts";
import { runLocal } from "../../src/daemon/run-local.ts";
import { generateSeries } from "../../src/data/generator.ts";
import { runCli } from "./run-cli.ts";

/**
 * The one-shot commands' bundle (dist/fast/cli.cjs, run with a V8 code cache by bin/fast-load.js)
 * must answer exactly what the sources answer. Bundled here from the sources, into a folder of the
 * project (the bundle finds config/ by walking up to package.json).
 */
const ROOT = join(import.meta.dirname, "../..");
const LOADER = join(ROOT, "bin", "fast-load.js");
const route = fastEntry as (dist: string, argv: readonly string[]) => { file: string; command: string } | null;
let outDir = "";
let bundle = "";
let stateDir = "";

beforeAll(async () => {
  const esbuild = await (loadEsbuild as () => Promise<unknown>)();
  if (esbuild === null) throw new Error("esbuild is not installed (it comes with tsx)");
  outDir = join(ROOT, `.test-fast-${process.pid}`);
  bundle = join(outDir, "fast", "cli.cjs");
  await (bundleFast as (e: unknown, o: { entry: string; outfile: string }) => Promise<void>)(esbuild, { entry: join(ROOT, "src", "cli", "main.ts"), outfile: bundle });
  stateDir = mkdtempSync(join(tmpdir(), "sw-fast-"));
  const config = parseConfig({ strategy: { minDayChangePct: -10 } });
  await runLocal({ config, series: generateSeries({ seed: 7, symbols: 4, days: 3 }), stateDir, log: pino({ level: "silent" }) });
}, 120_000);

afterAll(() => {
  if (outDir) rmSync(outDir, { recursive: true, force: true });
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
});

/** Runs `args` through the bundle in a child process, as the bin does. */
function runBundled(args: readonly string[]): { out: string; err: string; code: number } {
  const script = `import { loadFast } from ${JSON.stringify(LOADER)};
const { main, saveCache } = loadFast(${JSON.stringify(bundle)}, ${JSON.stringify(commandOf(["node", "sizewise", ...args]))});
await main(["node", "sizewise", ...${JSON.stringify(args)}]);
saveCache();`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", cwd: ROOT });
  return { out: r.stdout, err: r.stderr, code: r.status ?? -1 };
}

/** Timestamps of this run (when a flag was written) differ between two runs. */
const untimed = (s: string): string => s.replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z/g, "<time>");

describe("the fast bundle of config, status, halt and resume", () => {
  it("routes only those commands to it, and only when the build has it", () => {
    const dist = join(outDir);
    expect(commandOf(["node", "sizewise", "--home", "status", "config", "get", "x"])).toBe("config");
    expect(route(dist, ["node", "sizewise", "status", "--json"])).toEqual({ file: bundle, command: "status" });
    expect(route(dist, ["node", "sizewise", "resume"])?.command).toBe("resume");
    for (const argv of [["backtest"], ["--help"], [], ["data", "download"], ["stauts"]]) expect(route(dist, ["node", "sizewise", ...argv])).toBeNull();
    expect(route(join(ROOT, "no-such-dist"), ["node", "sizewise", "status"])).toBeNull();
  });

  it("answers config get and set like the sources: values, whole sections, unknown keys, zod's own messages", async () => {
    for (const args of [
      ["config", "get", "sizing.mode"],
      ["config", "get", "sizing.templates.normal"],
      ["config", "get", "sizing.mod"],
      ["config", "get", "trading.symbols.length"],
      ["config", "get", "sizing.mode", "--config", join(ROOT, "config", "samples", "no-such.json")],
      // A message written by zod (the bundle keeps its English messages only).
      ["config", "set", "sizing.mode", "kely", "--config", join(stateDir, "mine.json")],
    ]) {
      const want = await runCli(args);
      const got = runBundled(args);
      expect(got, args.join(" ")).toEqual(want);
    }
  }, 60_000);

  it("prints the same status, text and JSON, as the sources", async () => {
    for (const args of [
      ["status", "--state", stateDir],
      ["status", "--state", stateDir, "--json"],
      ["status", "--state", join(stateDir, "nothing-here")],
    ]) {
      const want = await runCli(args);
      expect(want.code === 0 || want.err !== "").toBe(true);
      expect(runBundled(args), args.join(" ")).toEqual(want);
    }
  }, 60_000);

  it("halts and resumes like the sources", async () => {
    const flag = join(stateDir, "HALT");
    const got = [runBundled(["halt", "--state", stateDir, "--reason", "news"]), runBundled(["halt", "--state", stateDir]), runBundled(["resume", "--state", stateDir])];
    expect(existsSync(flag)).toBe(false);
    const want = [await runCli(["halt", "--state", stateDir, "--reason", "news"]), await runCli(["halt", "--state", stateDir]), await runCli(["resume", "--state", stateDir])];
    expect(got.map((r) => ({ ...r, out: untimed(r.out) }))).toEqual(want.map((r) => ({ ...r, out: untimed(r.out) })));
    expect(got[0].out).toContain("HALTED: news");
  }, 60_000);

  it("writes a code cache per command, uses it, and recovers from a damaged one", () => {
    const dir = join(outDir, "fast");
    const caches = (): string[] => readdirSync(dir).filter((f) => /^cli\.cjs\.config\.\d+-\d+\.cache$/.test(f));
    for (const f of caches()) rmSync(join(dir, f));
    const first = runBundled(["config", "get", "sizing.mode"]);
    expect(caches()).toHaveLength(1);
    const cache = join(dir, caches()[0]);
    const written = readFileSync(cache);
    // A second run with V8 accepting the cache leaves it as it is.
    expect(runBundled(["config", "get", "sizing.mode"])).toEqual(first);
    expect(readFileSync(cache).equals(written)).toBe(true);
    writeFileSync(cache, "not a code cache");
    expect(runBundled(["config", "get", "sizing.mode"])).toEqual(first);
    expect(readFileSync(cache).length).toBeGreaterThan(1000);
  }, 60_000);
});
