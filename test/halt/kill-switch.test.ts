import { mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { KillSwitch } from "../../src/daemon/kill-switch.ts";
import { EmergencyMonitor } from "../../src/risk/emergency.ts";
import { clearHaltFlag, haltFlagPath, readHaltFlag, writeHaltFlag } from "../../src/store/halt-flag.ts";
import type { HaltSwitch } from "../../src/store/intent-log.ts";
import { runCli } from "../cli/run-cli.ts";

const EMERGENCY = { onDrawdown: true, maxConsecutiveLosingDays: 3, onDailyLoss: true };

/** `journalNew`: the journal lacks each halt event the switch makes (a replay then has to add it). */
function rig(opts: { emergency?: typeof EMERGENCY; journalNew?: boolean } = {}) {
  const stateDir = mkdtempSync(join(tmpdir(), "sw-kill-"));
  const calls: string[] = [];
  const recorded: HaltSwitch[] = [];
  let position = 1000;
  let added = 0;
  const ks = new KillSwitch({
    stateDir,
    engine: {
      haltEntries: (r) => {
        calls.push(`halt: ${r}`);
        if (opts.journalNew) added++;
      },
      resumeEntries: (r) => calls.push(`resume: ${r}`) > 0,
    },
    record: (s) => recorded.push(s),
    warn: () => {},
    nowMs: () => Date.parse("2024-05-15T15:00:00Z"),
    position: () => position,
    journalAdded: () => added,
    emergency: opts.emergency ?? EMERGENCY,
    drawdownHaltPct: 20,
  });
  return {
    ks,
    stateDir,
    calls,
    recorded,
    at: (p: number) => (position = p),
  };
}

describe("the HALT flag file", () => {
  it("is written 0600 in a 0700 folder, reads back, and anything at its path halts", () => {
    const dir = join(mkdtempSync(join(tmpdir(), "sw-flag-")), "state");
    writeHaltFlag(dir, { reason: "line one\nline two\u0007", source: "manual", at: "2024-05-15T15:00:00.000Z" });
    expect(statSync(haltFlagPath(dir)).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(readHaltFlag(dir)).toEqual({ reason: "line one line two", source: "manual", at: "2024-05-15T15:00:00.000Z" });
    // A hand-made flag (`touch state/HALT`, `echo stop > state/HALT`) halts too: failing open would trade through a stop.
    writeFileSync(haltFlagPath(dir), "");
    expect(readHaltFlag(dir)?.reason).toBe("empty HALT file");
    writeFileSync(haltFlagPath(dir), "stop now\n");
    expect(readHaltFlag(dir)?.reason).toBe("HALT file: stop now");
    expect(clearHaltFlag(dir)?.reason).toBe("HALT file: stop now");
    expect(readHaltFlag(dir)).toBeNull();
  });

  it("`sizewise halt` and `sizewise resume` write and remove it, and say what the daemon will do", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sw-flag-cli-"));
    const h = await runCli(["halt", "--state", dir, "--reason", "earnings tonight"]);
    expect(h.code).toBe(0);
    expect(h.out).toMatch(/^HALTED: earnings tonight\n/);
    expect(h.out).toContain("no daemon is running");
    expect(h.out).toContain("still managed");
    expect(statSync(haltFlagPath(dir)).mode & 0o777).toBe(0o600);
    expect(readHaltFlag(dir)).toMatchObject({ reason: "earnings tonight", source: "manual" });
    const again = await runCli(["halt", "--state", dir, "--reason", "other"]);
    expect(again.out).toMatch(/^already halted since .*: earnings tonight/);
    expect(readHaltFlag(dir)?.reason).toBe("earnings tonight");
    const r = await runCli(["resume", "--state", dir]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^RESUMED: removed .*HALT \(was halted since .*: earnings tonight\)/);
    expect(readHaltFlag(dir)).toBeNull();
    expect((await runCli(["resume", "--state", dir])).out).toBe(`not halted: no HALT flag in ${dir}\n`);
  });
});

describe("the daemon's kill switch", () => {
  it("halts when the flag appears and resumes when it goes, one stat per minute, each turn recorded at its point", () => {
    const { ks, stateDir, calls, recorded, at } = rig();
    ks.beginReplay(100_000, []);
    ks.endReplay();
    ks.onNewMinute();
    expect(calls).toEqual([]);
    writeHaltFlag(stateDir, { reason: "news", source: "manual", at: "" });
    at(2000);
    ks.onNewMinute();
    ks.onNewMinute();
    expect(calls).toEqual(["halt: kill switch (HALT flag): news"]);
    expect(ks.halted).toBe("kill switch (HALT flag): news");
    clearHaltFlag(stateDir);
    at(3000);
    ks.onNewMinute();
    expect(calls).toEqual(["halt: kill switch (HALT flag): news", "resume: HALT flag removed (sizewise resume)"]);
    expect(recorded).toEqual([
      { kind: "halt", reason: "kill switch (HALT flag): news", at: 2000 },
      { kind: "resume", reason: "HALT flag removed (sizewise resume)", at: 3000 },
    ]);
  });

  it("trips on the third losing session in a row, writes the flag first, and a resume holds until the next losing session", () => {
    const { ks, stateDir, calls } = rig();
    ks.beginReplay(100_000, []);
    ks.endReplay();
    ks.dayEnd("2024-05-13", 99_000);
    ks.dayEnd("2024-05-14", 101_000); // a winning session breaks the streak
    ks.dayEnd("2024-05-15", 100_500);
    ks.dayEnd("2024-05-16", 100_400);
    expect(calls).toEqual([]);
    ks.dayEnd("2024-05-17", 100_300);
    expect(calls).toEqual(["halt: emergency: 3 losing sessions in a row (through 2024-05-17, equity $100300.00): risk.emergency.maxConsecutiveLosingDays is 3"]);
    const flag = readHaltFlag(stateDir);
    expect(flag).toMatchObject({ source: "emergency", marketTime: "2024-05-15T15:00:00.000Z" });
    expect(flag?.reason).toContain("3 losing sessions in a row");
    expect(statSync(haltFlagPath(stateDir)).mode & 0o777).toBe(0o600);
    // `sizewise resume`, then the daemon's next minute.
    clearHaltFlag(stateDir);
    ks.onNewMinute();
    expect(ks.halted).toBeNull();
    ks.dayEnd("2024-05-20", 100_200);
    expect(ks.halted).toMatch(/^emergency: 4 losing sessions in a row/);
  });

  it("replays recorded turns at their points; at the live edge the flag file decides", () => {
    const { ks, stateDir, calls, at } = rig();
    const turns: HaltSwitch[] = [
      { kind: "halt", reason: "kill switch (HALT flag): a", at: 2000 },
      { kind: "resume", reason: "HALT flag removed (sizewise resume)", at: 3000 },
    ];
    ks.beginReplay(100_000, turns);
    at(1500);
    ks.onNewMinute();
    expect(calls).toEqual([]);
    at(2000);
    ks.onNewMinute();
    expect(ks.halted).toBe("kill switch (HALT flag): a");
    at(3500);
    ks.onNewMinute();
    expect(ks.halted).toBeNull();
    // While the bot was down the operator halted again: the edge halts and records it.
    writeHaltFlag(stateDir, { reason: "b", source: "manual", at: "" });
    ks.endReplay();
    expect(ks.halted).toBe("kill switch (HALT flag): b");
  });

  it("an emergency trip the journal already holds was persisted by the live run: no flag at the edge means resumed", () => {
    const { ks, stateDir } = rig({ emergency: { ...EMERGENCY, maxConsecutiveLosingDays: 1 } });
    ks.beginReplay(100_000, []);
    ks.dayEnd("2024-05-13", 99_000); // the journal already has this halt: journalAdded does not move
    expect(ks.halted).toMatch(/^emergency: 1 losing session in a row/);
    ks.endReplay();
    expect(ks.halted).toBeNull();
    expect(readHaltFlag(stateDir)).toBeNull();
  });

  it("an emergency trip the live run never completed (or slept through) gets its flag at the edge", () => {
    const { ks, stateDir } = rig({ emergency: { ...EMERGENCY, maxConsecutiveLosingDays: 1 }, journalNew: true });
    ks.beginReplay(100_000, []);
    ks.dayEnd("2024-05-13", 99_000);
    expect(readHaltFlag(stateDir)).toBeNull();
    ks.endReplay();
    expect(ks.halted).toMatch(/^emergency: 1 losing session in a row/);
    expect(readHaltFlag(stateDir)).toMatchObject({ source: "emergency" });
  });
});

describe("emergency conditions", () => {
  it("drawdown trips once when it crosses sizing.drawdown.haltAtPct from the run's own high-water mark", () => {
    const m = new EmergencyMonitor(EMERGENCY, 20);
    m.begin(100_000);
    expect(m.equity(120_000)).toBeNull();
    expect(m.equity(97_000)).toBeNull(); // 19.2%
    expect(m.equity(96_000)).toBe("drawdown 20.0% from the high-water mark $120000.00 reached sizing.drawdown.haltAtPct 20%");
    expect(m.equity(90_000)).toBeNull(); // still beyond: not again
    expect(m.equity(110_000)).toBeNull();
    expect(m.equity(95_000)).toMatch(/^drawdown 20\.8%/);
    expect(new EmergencyMonitor({ ...EMERGENCY, onDrawdown: false }, 20).equity(Number.NaN)).toBeNull();
  });

  it("the daily loss limit trips unless risk.emergency.onDailyLoss is false; 0 losing days is off", () => {
    expect(new EmergencyMonitor(EMERGENCY, 20).dailyLoss("daily loss limit 10%")).toBe("daily loss limit 10% hit (risk.emergency.onDailyLoss)");
    expect(new EmergencyMonitor({ ...EMERGENCY, onDailyLoss: false }, 20).dailyLoss("daily loss limit 10%")).toBeNull();
    const off = new EmergencyMonitor({ ...EMERGENCY, maxConsecutiveLosingDays: 0 }, 20);
    off.begin(100);
    for (let i = 0; i < 10; i++) expect(off.dayEnd(`d${i}`, 99 - i)).toBeNull();
    expect(off.losingStreak).toBe(10);
  });
});
