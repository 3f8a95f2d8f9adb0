import { describe, expect, it } from "vitest";
import { NyTime, etDayToIso, etToUtcMs, isoToEtDay, nyOffsetMs } from "../../src/core/ny-time.ts";
import { SeededRng } from "../../src/core/rng.ts";

const fmt = new Intl.DateTimeFormat("en-US", {
  timeZone: "America/New_York",
  hourCycle: "h23",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
});

function intlParts(tMs: number): { iso: string; minute: number } {
  const p = Object.fromEntries(fmt.formatToParts(new Date(tMs)).map((x) => [x.type, x.value]));
  return { iso: `${p.year}-${p.month}-${p.day}`, minute: Number(p.hour) * 60 + Number(p.minute) };
}

describe("NyTime", () => {
  it("agrees with Intl's America/New_York on random instants 1995-2035, including DST edges", () => {
    const rng = new SeededRng(1);
    const ny = new NyTime();
    const instants: number[] = [];
    for (let i = 0; i < 5000; i++) instants.push(Date.UTC(1995, 0, 1) + Math.floor(rng.next() * 40 * 365 * 86_400_000));
    // Around each 2024 transition, minute by minute.
    for (const edge of [Date.UTC(2024, 2, 10, 7), Date.UTC(2024, 10, 3, 6), Date.UTC(2006, 3, 2, 7), Date.UTC(2006, 9, 29, 6)])
      for (let m = -90; m <= 90; m++) instants.push(edge + m * 60_000);
    for (const t of instants) {
      const want = intlParts(t);
      expect(etDayToIso(ny.etDay(t))).toBe(want.iso);
      expect(ny.etMinute(t)).toBe(want.minute);
    }
  });

  it("maps 09:30 ET to 13:30 UTC in summer and 14:30 UTC in winter", () => {
    expect(new Date(etToUtcMs(isoToEtDay("2024-07-01"), 570)).toISOString()).toBe("2024-07-01T13:30:00.000Z");
    expect(new Date(etToUtcMs(isoToEtDay("2024-01-02"), 570)).toISOString()).toBe("2024-01-02T14:30:00.000Z");
    expect(nyOffsetMs(Date.UTC(2024, 6, 1))).toBe(-4 * 3_600_000);
  });

  it("rejects a malformed date with a message naming it", () => {
    expect(() => isoToEtDay("2024-13-45x")).toThrow(/2024-13-45x/);
  });
});
