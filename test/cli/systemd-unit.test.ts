import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The documented unit in scripts/: what it must say, and that systemd itself accepts it. */
const UNIT = readFileSync(new URL("../../scripts/sizewise.service", import.meta.url), "utf8");
const HOME = "/opt/sizewise";

/** `key=value` lines of the unit (comments dropped); a key may repeat. */
function settings(text: string): [string, string][] {
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#") && !l.startsWith("[") && l.includes("="))
    .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]);
}
const one = (key: string): string | undefined => settings(UNIT).find(([k]) => k === key)?.[1];

describe("scripts/sizewise.service", () => {
  it("runs the daemon from the home with its keys, restarts on failure and stops with SIGTERM and time to flush", () => {
    expect(one("ExecStart")).toMatch(/bin\/sizewise\.js start$/);
    expect(one("WorkingDirectory")).toBe(HOME);
    expect(settings(UNIT).filter(([k]) => k === "Environment").map(([, v]) => v)).toContain(`SIZEWISE_HOME=${HOME}`);
    expect(one("EnvironmentFile")).toBe(`${HOME}/.env`);
    expect(one("Restart")).toBe("on-failure");
    expect(one("KillSignal")).toBe("SIGTERM");
    // SIGTERM to the main process only; the rest is killed only after the stop timeout.
    expect(one("KillMode")).toBe("mixed");
    expect(Number(one("TimeoutStopSec"))).toBeGreaterThanOrEqual(30);
    // The state it writes must stay writable under ProtectSystem=strict.
    expect(one("ProtectSystem")).toBe("strict");
    expect(one("ReadWritePaths")?.split(" ")).toContain(`${HOME}/state`);
    // V8's JIT needs writable+executable memory: this option would crash node at start.
    expect(one("MemoryDenyWriteExecute")).toBeUndefined();
  });

  const analyze = spawnSync("systemd-analyze", ["--version"], { encoding: "utf8" });
  const have = analyze.status === 0;
  if (!have) console.warn("skipped: systemd-analyze is not installed here (apt-get install systemd provides it); the unit is not verified by systemd");

  /** Runs `systemd-analyze verify` on the unit with the home and node moved to paths that exist here. */
  function verify(edit: (text: string) => string = (t) => t): string {
    const dir = mkdtempSync(join(tmpdir(), "sizewise-unit-"));
    try {
      const home = join(dir, "home");
      for (const d of ["state", "config"]) mkdirSync(join(home, d), { recursive: true });
      writeFileSync(join(home, ".env"), "APCA_API_KEY_ID=x\n", { mode: 0o600 });
      const text = edit(UNIT.replaceAll(HOME, home).replace("/usr/bin/node", process.execPath));
      const file = join(dir, "sizewise.service");
      writeFileSync(file, text);
      const r = spawnSync("systemd-analyze", ["verify", file], { encoding: "utf8", timeout: 60_000 });
      return `${r.stdout}${r.stderr}`.trim();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it.skipIf(!have)("passes systemd-analyze verify without a warning", () => {
    expect(verify()).toBe("");
  });

  it.skipIf(!have)("the check would catch a broken unit (a bad restart policy, a bad signal, a missing program)", () => {
    expect(verify((t) => t.replace("Restart=on-failure", "Restart=sometimes"))).toMatch(/restart specifier/i);
    expect(verify((t) => t.replace("KillSignal=SIGTERM", "KillSignal=SIGFOO"))).toMatch(/signal/i);
    expect(verify((t) => t.replace(process.execPath, "/nonexistent/node"))).not.toBe("");
  });
});
