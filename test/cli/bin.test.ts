import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
// @ts-expect-error: plain JavaScript on purpose (it must parse on old Node), no types.
import { nodeRefusal } from "../../bin/node-check.js";
import { colourEnabled } from "../../src/cli/colour.ts";

const BIN = join(import.meta.dirname, "../../bin/sizewise.js");
const PKG = JSON.parse(readFileSync(join(import.meta.dirname, "../../package.json"), "utf8")) as { version: string; engines: { node: string } };
const refuse = nodeRefusal as (version: string, range: string | undefined) => string | null;

describe("the bin", () => {
  it("refuses a Node older than package.json's engines field, in one line", () => {
    expect(PKG.engines.node).toBe(">=20.10");
    const msg = refuse("18.19.0", PKG.engines.node);
    expect(msg).toContain("sizewise needs Node >=20.10 (this is Node 18.19.0)");
    expect(msg).not.toContain("\n");
    expect(refuse("20.9.0", PKG.engines.node)).not.toBeNull();
    expect(refuse("v20.10.0", PKG.engines.node)).toBeNull();
    expect(refuse("22.1.0", PKG.engines.node)).toBeNull();
    expect(refuse("20.9.0", "^20")).toBeNull();
  });

  it("prints the version, alone and after other options", () => {
    const bare = spawnSync(process.execPath, [BIN, "--version"], { encoding: "utf8" });
    expect(bare.status).toBe(0);
    expect(bare.stdout).toBe(`${PKG.version}\n`);
    const late = spawnSync(process.execPath, [BIN, "--home", ".", "--version"], { encoding: "utf8" });
    expect(late.stdout.trim()).toBe(PKG.version);
  });

  it("writes no colour codes to a pipe", () => {
    const r = spawnSync(process.execPath, [BIN, "backtest", "--gen-symbols", "3", "--gen-days", "5"], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("worst trade");
    expect(r.stdout).not.toContain("\u001b[");
  }, 60_000);
});

describe("colour", () => {
  it("only on a terminal, never with NO_COLOR set", () => {
    expect(colourEnabled({ isTTY: true }, {})).toBe(true);
    expect(colourEnabled({ isTTY: false }, {})).toBe(false);
    expect(colourEnabled({}, {})).toBe(false);
    expect(colourEnabled({ isTTY: true }, { NO_COLOR: "1" })).toBe(false);
    // no-color.org: an empty NO_COLOR does not count.
    expect(colourEnabled({ isTTY: true }, { NO_COLOR: "" })).toBe(true);
  });
});
