import { describe, expect, it } from "vitest";
import type { BarSeries } from "../../src/core/bars.ts";
import { parseConfig } from "../../src/config/load.ts";
import type { Config } from "../../src/config/schema.ts";
import { seriesSource } from "../../src/data/merge-source.ts";
import { labelPath } from "../../src/regime/labels.ts";
import { collectRegimeSamples } from "../../src/regime/training-set.ts";
import { decline, flat, rise, sessionBatch, type Ohlcv } from "../engine/scenario.ts";

const TH = { addAllowedR: 1, noAddR: 0.5 };
const bar = (high: number, low: number) => ({ high, low });

describe("labelPath: the trade's path after entry (entry 10, stop 9, R 1)", () => {
  it("ADD_ALLOWED when +1R comes before the stop", () => {
    expect(labelPath(10, 9, [bar(10.4, 9.8), bar(11, 9.5), bar(10, 8)], TH)).toBe("ADD_ALLOWED");
  });
  it("NO_ADD when the stop comes before +0.5R", () => {
    expect(labelPath(10, 9, [bar(10.4, 9.5), bar(10.2, 8.9), bar(12, 10)], TH)).toBe("NO_ADD");
  });
  it("ADD_NEUTRAL when +0.5R came but the stop before +1R, or nothing decided", () => {
    expect(labelPath(10, 9, [bar(10.6, 9.5), bar(10.2, 8.9), bar(12, 10)], TH)).toBe("ADD_NEUTRAL");
    expect(labelPath(10, 9, [bar(10.9, 9.1), bar(10.5, 9.2)], TH)).toBe("ADD_NEUTRAL");
    expect(labelPath(10, 9, [], TH)).toBe("ADD_NEUTRAL");
  });
  it("assumes the stop first when one bar reaches both", () => {
    expect(labelPath(10, 9, [bar(11.5, 8.5)], TH)).toBe("NO_ADD");
  });
  it("labels an entry at or below its stop NO_ADD", () => {
    expect(labelPath(9, 9, [bar(20, 9.5)], TH)).toBe("NO_ADD");
  });
  it("uses the configured thresholds", () => {
    const path = [bar(10.7, 9.5), bar(10.2, 8.9)];
    expect(labelPath(10, 9, path, TH)).toBe("ADD_NEUTRAL");
    expect(labelPath(10, 9, path, { addAllowedR: 0.6, noAddR: 0.5 })).toBe("ADD_ALLOWED");
    expect(labelPath(10, 9, path, { addAllowedR: 1, noAddR: 0.8 })).toBe("NO_ADD");
  });
});

/** One symbol's hand-written session, 09:30 on. */
function series(bars: readonly Ohlcv[], startMinute = 570): BarSeries {
  const b = sessionBatch("2024-05-15", startMinute, bars);
  return { symbol: "TRAP", length: b.length, tMs: b.tMs, open: b.open, high: b.high, low: b.low, close: b.close, volume: b.volume };
}

// 60 bars falling 10.00 -> 8.30, then a reclaim bar whose own high (8.62) is far above +1R of its
// close (entry ~8.345, stop ~8.11, +1R ~8.58): a label that read the entry bar would be ADD_ALLOWED,
// and one that read any bar before it (highs up to 10.01) too.
const reclaim: Ohlcv = [8.23, 8.62, 8.15, 8.34, 3000];
const setup = (): Ohlcv[] => [...decline(10, 8.3, 60), reclaim];

function samples(after: Ohlcv[], config: Config = parseConfig({}), startMinute = 570) {
  return collectRegimeSamples({ config, source: seriesSource([series([...setup(), ...after], startMinute)]) });
}

describe("labels from the backtester's trades read only bars after the entry bar", () => {
  it("the scenario trades once, and the entry bar's own high is beyond +1R", () => {
    const s = samples(flat(8.34, 40));
    expect(s.trades).toBe(1);
    expect(s.samples).toHaveLength(1);
    const one = s.samples[0];
    expect(one.entryTimeMs).toBe(sessionBatch("2024-05-15", 570 + 61, [[1, 1, 1, 1, 1]]).tMs[0]);
    const entry = 8.34 * (1 + 0.125 / 200);
    expect(reclaim[1]).toBeGreaterThan(entry + (entry - 8.15));
  });

  it("a path that goes nowhere is ADD_NEUTRAL, not ADD_ALLOWED from the entry bar or earlier bars", () => {
    expect(samples(flat(8.34, 40)).samples[0].label).toBe("ADD_NEUTRAL");
  });

  it("a path that falls to the stop is NO_ADD, whatever the highs before entry were", () => {
    const s = samples([...decline(8.34, 7.9, 10), ...flat(7.9, 20)]);
    expect(s.samples[0].label).toBe("NO_ADD");
    expect(s.samples[0].rMultiple).toBeLessThan(-0.9);
  });

  it("a path that reaches +1R after entry is ADD_ALLOWED (labels do read the later bars)", () => {
    const s = samples([...rise(8.34, 8.8, 10), ...flat(8.8, 20)]);
    expect(s.samples[0].label).toBe("ADD_ALLOWED");
    // Known when the bar that reached it closed, not at the trade's exit.
    expect(s.samples[0].labelKnownMs).toBeLessThan(s.samples[0].entryTimeMs + 10 * 60_000);
  });

  it("horizon time_stop ignores a +1R that comes after the time stop; horizon session counts it", () => {
    const late = [...flat(8.34, 35), ...rise(8.34, 8.8, 5), ...flat(8.8, 10)];
    expect(samples(late).samples[0].label).toBe("ADD_NEUTRAL");
    expect(samples(late, parseConfig({ regime: { labels: { horizon: "session" } } })).samples[0].label).toBe("ADD_ALLOWED");
  });

  it("leaves out a trade whose horizon the data cut short", () => {
    const s = samples(flat(8.34, 10));
    expect(s.trades).toBe(1);
    expect(s.samples).toHaveLength(0);
    expect(s.unfinished).toBe(1);
  });

  it("ends the session horizon at the flatten time", () => {
    // Reclaim at 15:40: bars from 15:55 on are after the flatten and cannot make the label.
    const s = samples([...flat(8.34, 14), ...rise(8.34, 9, 5)], parseConfig({ regime: { labels: { horizon: "session" } } }), 15 * 60 + 40 - 60);
    expect(s.samples[0].label).toBe("ADD_NEUTRAL");
  });
});
