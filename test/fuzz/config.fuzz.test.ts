import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { ConfigError, defaultConfig, loadConfigFile, parseConfig } from "../../src/config/load.ts";
import { configProblems, readUserFile } from "../../src/config/user-file.ts";

/**
 * Bad config, every way: any JSON value, a real config with keys set to anything, unicode keys and
 * values, random bytes, huge files, absurd nesting. The loader answers with a config or a
 * ConfigError naming the file and each bad key, with a bounded message; nothing else escapes.
 */

const RUNS = { numRuns: Number(process.env.FUZZ_RUNS ?? 200), seed: Number(process.env.FUZZ_SEED ?? 3) };
const dir = mkdtempSync(join(tmpdir(), "sw-fuzz-config-"));
let n = 0;
const file = (text: string | Uint8Array): string => {
  const p = join(dir, `c${n++}.json`);
  writeFileSync(p, text);
  return p;
};

/** The contract: a config, or a ConfigError whose every issue starts with a dotted key (or the file). */
function outcome(f: () => unknown, where: string): void {
  try {
    f();
  } catch (e) {
    if (!(e instanceof ConfigError)) throw new Error(`not a ConfigError: ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`, { cause: e });
    expect(e.message.length).toBeLessThan(20_000);
    expect(e.message).toContain(where);
    expect(e.issues.length).toBeGreaterThan(0);
    for (const i of e.issues) expect(i.length).toBeLessThan(1_000);
  }
}

/** Every dotted key path of the default config (the places a user can set). */
function keyPaths(o: unknown, prefix: string[] = []): string[][] {
  if (o === null || typeof o !== "object" || Array.isArray(o)) return [prefix];
  return Object.entries(o as Record<string, unknown>).flatMap(([k, v]) => keyPaths(v, [...prefix, k]));
}
const PATHS = keyPaths(defaultConfig());

function setPath(path: readonly string[], value: unknown): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  let o = root;
  path.forEach((k, i) => {
    if (i === path.length - 1) o[k] = value;
    else o = (o[k] = {}) as Record<string, unknown>;
  });
  return root;
}

const weird = fc.oneof(
  fc.anything({ withBigInt: false, withMap: false, withSet: false, withTypedArray: false, withDate: false }),
  fc.string({ unit: "binary", maxLength: 30 }),
  fc.constantFrom(Number.NaN, -1, 0, 1e308, -0, "1", "true", "", [], {}, null, "\u0000", "🚀", "１２"),
);

/** Rung- and step-like objects with any fields, for the list-valued keys (ladders, template adds and targets). */
const rungs = fc.array(fc.oneof(weird, fc.record({ atR: weird, fraction: weird, minProbability: weird, factor: weird, atPct: weird, label: weird }, { requiredKeys: [] })), { maxLength: 4 });

function merge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const x = out[k];
    out[k] = x && v && typeof x === "object" && typeof v === "object" && !Array.isArray(x) && !Array.isArray(v) ? merge(x as Record<string, unknown>, v as Record<string, unknown>) : v;
  }
  return out;
}

describe("fuzz: the config loader", () => {
  it("several keys at once, lists of rungs with anything in them: a config or a ConfigError", () => {
    const edit = fc.constantFrom(...PATHS).chain((path) => (Array.isArray(path.reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], defaultConfig())) ? rungs : weird).map((v) => setPath(path, v)));
    fc.assert(fc.property(fc.array(edit, { minLength: 1, maxLength: 4 }), (edits) => outcome(() => parseConfig(edits.reduce(merge, {})), "config")), RUNS);
  });

  it("any value in memory: a config or a ConfigError", () => {
    fc.assert(fc.property(fc.anything(), (v) => outcome(() => parseConfig(v), "config")), RUNS);
  });

  it("any key set to anything: a config or a ConfigError naming that key", () => {
    fc.assert(
      fc.property(fc.constantFrom(...PATHS), weird, (path, value) => {
        try {
          parseConfig(setPath(path, value));
        } catch (e) {
          expect(e).toBeInstanceOf(ConfigError);
          // The bad key is named (or its enclosing object, for a value of the wrong shape one level up).
          expect((e as ConfigError).issues.some((i) => path.slice(0, 1).join(".") === i.split(/[.:]/)[0])).toBe(true);
        }
      }),
      RUNS,
    );
  });

  it("unknown and unicode keys are refused by name", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", minLength: 1, maxLength: 12 }), weird, (key, value) => {
        fc.pre(!["strategy", "risk", "sizing", "execution", "trading", "daemon", "regime", "$schema"].includes(key));
        expect(() => parseConfig({ [key]: value })).toThrow(ConfigError);
        expect(() => parseConfig({ sizing: { [key]: value } })).toThrow(/sizing: Unrecognized key/);
      }),
      RUNS,
    );
  });

  it("any file contents (bytes, JSON of anything, cut JSON): a config or a ConfigError naming the file", () => {
    const real = JSON.stringify({ sizing: { mode: "kelly" }, risk: { maxOpenPositions: 3 } }, null, 2);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 200 }),
          fc.jsonValue().map((v) => JSON.stringify(v)),
          fc.nat(real.length).map((k) => real.slice(0, k)),
          fc.string({ unit: "binary", maxLength: 100 }).map((s) => `{"sizing": {"mode": ${JSON.stringify(s)}}}`),
        ),
        (text) => {
          const p = file(text);
          outcome(() => loadConfigFile(p), p);
          outcome(() => configProblems(readUserFile(p)), p);
        },
      ),
      RUNS,
    );
  });

  it("huge files, huge values and absurd nesting: refused with a short message, never a stack overflow", () => {
    const deep = `${"[".repeat(200_000)}${"]".repeat(200_000)}`;
    for (const text of [
      `{"strategy": ${deep}}`,
      `{"zzz": ${deep}}`,
      `{"risk": {"maxTradesPerDay": "${"x".repeat(500_000)}"}}`,
      `{"sizing": {"mode": "kelly"}, "pad": "${"y".repeat(2_000_000)}"}`,
      `\ufeff{"sizing": {"mode": "kelly"}}`,
    ]) {
      const p = file(text);
      outcome(() => loadConfigFile(p), p);
      outcome(() => configProblems(readUserFile(p)), p);
    }
    expect(() => loadConfigFile(file(`{"pad": "${"y".repeat(2_000_000)}"}`))).toThrow(/is 2000011 bytes: a config file is a few KB/);
    expect(() => loadConfigFile(file(`{"strategy": ${deep}}`))).toThrow(/strategy: .*\(got a value nested too deeply to show\)/);
    // A byte-order mark (Windows editors) is not an error.
    expect(loadConfigFile(file(`\ufeff{"sizing": {"mode": "kelly"}}`)).sizing.mode).toBe("kelly");
    expect(() => loadConfigFile(join(dir, "missing.json"))).toThrow(/^cannot read config .*missing\.json: /);
  });
});
