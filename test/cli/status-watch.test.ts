import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pino } from "pino";
import { runLocal } from "../../src/daemon/run-local.ts";
import { generateSeries } from "../../src/data/generator.ts";
import { defaultConfig, parseConfig } from "../../src/config/load.ts";
import { readStatus } from "../../src/report/status.ts";
import { CLEAR_SCREEN, statusText, watchStatus, watchSeconds } from "../../src/cli/status-cmd.ts";
import { runCli } from "./run-cli.ts";

/** A short real run of the daemon: the state dir `status --watch` reads. */
let stateDir = "";
beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), "sw-watch-"));
  const config = parseConfig({ strategy: { minDayChangePct: -10 } });
  await runLocal({ config, series: generateSeries({ seed: 7, symbols: 3, days: 2 }), stateDir, log: pino({ level: "silent" }) });
}, 60_000);
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

const fixedNow = (): Date => new Date("2024-05-13T13:31:02Z");

describe("status --watch", () => {
  it("redraws a changed state: the kill switch set between two blocks shows in the second", async () => {
    const out: string[] = [];
    const sleeps: number[] = [];
    const n = await watchStatus({
      render: () => statusText(readStatus(stateDir, defaultConfig())),
      seconds: 3,
      count: 2,
      redraw: false,
      write: (t) => out.push(t),
      now: fixedNow,
      sleep: async (ms) => {
        sleeps.push(ms);
        writeFileSync(join(stateDir, "HALT"), JSON.stringify({ reason: "flat for the FOMC", source: "manual", at: "2024-05-13T13:31:00Z" }));
      },
    });
    rmSync(join(stateDir, "HALT"));
    expect(n).toBe(2);
    expect(sleeps).toEqual([3000]);
    expect(out[0]).toContain("Halts:     none");
    expect(out[1]).toContain("KILL SWITCH (manual");
    // A pipe: blocks separated by a blank line, a New York timestamp, no escape codes.
    expect(out[0].startsWith("--- 2024-05-13 09:31:02 NY, every 3 s ---\n")).toBe(true);
    expect(out[1].startsWith("\n--- ")).toBe(true);
    expect(out.join("")).not.toContain("\x1b");
  });

  it("on a terminal clears the screen before every block", async () => {
    const out: string[] = [];
    await watchStatus({ render: () => "body\n", seconds: 2, count: 3, redraw: true, write: (t) => out.push(t), now: fixedNow, sleep: async () => {} });
    expect(out).toHaveLength(3);
    for (const b of out) expect(b.startsWith(`${CLEAR_SCREEN}--- 2024-05-13 09:31:02 NY, every 2 s (Ctrl-C to stop) ---\nbody`)).toBe(true);
  });

  it("a block that cannot be read says why and the watch goes on; an abort ends it", async () => {
    const out: string[] = [];
    const stop = new AbortController();
    let calls = 0;
    const n = await watchStatus({
      render: () => {
        calls++;
        if (calls === 1) throw new Error("state.json: unexpected end of JSON");
        return "ok\n";
      },
      seconds: 1,
      count: Infinity,
      redraw: false,
      write: (t) => out.push(t),
      now: fixedNow,
      sleep: async () => {
        if (calls === 2) stop.abort();
      },
      signal: stop.signal,
    });
    expect(n).toBe(2);
    expect(out[0]).toContain("cannot read the status right now: state.json: unexpected end of JSON");
    expect(out[1]).toContain("ok");
  });

  it("parses the interval: 2 s without a value, refuses zero, negatives and words", () => {
    expect(watchSeconds(true)).toBe(2);
    expect(watchSeconds("0.5")).toBe(0.5);
    for (const bad of ["0", "-1", "abc", ""]) expect(() => watchSeconds(bad)).toThrow(/--watch must be a number of seconds > 0/);
  });

  it("the command prints a bounded number of blocks on a pipe, text and JSON lines", async () => {
    const tty = Object.getOwnPropertyDescriptor(process.stdout, "isTTY");
    Object.defineProperty(process.stdout, "isTTY", { value: false, configurable: true });
    try {
      const r = await runCli(["status", "--state", stateDir, "--watch", "0.01", "--watch-count", "3"]);
      expect(r.code).toBe(0);
      expect(r.out.match(/^--- \d{4}-\d\d-\d\d \d\d:\d\d:\d\d NY, every 0.01 s ---$/gm)).toHaveLength(3);
      expect(r.out.match(/^Daemon: {4}not running$/gm)).toHaveLength(3);
      expect(r.out).not.toContain("\x1b");
      const j = await runCli(["status", "--state", stateDir, "--json", "--watch", "0.01", "--watch-count", "2"]);
      const objects = j.out.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as { stateDir: string });
      expect(objects.map((o) => o.stateDir)).toEqual([stateDir, stateDir]);
      const bad = await runCli(["status", "--state", stateDir, "--watch", "soon"]);
      expect(bad.code).toBe(1);
      expect(bad.err).toContain("--watch must be a number of seconds > 0");
    } finally {
      if (tty) Object.defineProperty(process.stdout, "isTTY", tty);
      else delete (process.stdout as { isTTY?: boolean }).isTTY;
    }
  });
});
