import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = new URL("../../", import.meta.url).pathname;

/** Every .ts/.js file under `dir` (node_modules and dist skipped). */
function files(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name === "dist") continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else if (/\.(ts|js|mjs)$/.test(name)) out.push(p);
  }
  return out;
}

const importsSdk = (text: string): boolean => /from\s+["']@alpacahq\/alpaca-trade-api["']|import\(\s*["']@alpacahq\/alpaca-trade-api["']|require\(\s*["']@alpacahq\/alpaca-trade-api["']/.test(text);

describe("the broker port boundary (issue 14, item 6)", () => {
  it("no product file outside src/adapters/ imports the Alpaca SDK", () => {
    const offenders = ["src", "strategies", "bin", "scripts"]
      .flatMap((d) => files(join(ROOT, d)))
      .map((f) => relative(ROOT, f))
      .filter((f) => !f.startsWith("src/adapters/"))
      .filter((f) => importsSdk(readFileSync(join(ROOT, f), "utf8")));
    expect(offenders).toEqual([]);
  });

  it("the daemon depends on the port, not on an adapter (only the composition roots pick one)", () => {
    const roots = new Set(["src/daemon/run-local.ts", "src/daemon/run-remote.ts"]);
    const offenders = files(join(ROOT, "src/daemon"))
      .map((f) => relative(ROOT, f))
      .filter((f) => !roots.has(f))
      .filter((f) => /from\s+["'][./]*adapters\//.test(readFileSync(join(ROOT, f), "utf8")));
    expect(offenders).toEqual([]);
  });

  it("the check itself sees an SDK import", () => {
    expect(importsSdk('import { Alpaca } from "@alpacahq/alpaca-trade-api";')).toBe(true);
    expect(importsSdk('import type { X } from "../broker/port.ts";')).toBe(false);
  });
});
