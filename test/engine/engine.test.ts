import { describe, expect, it } from "vitest";
import { Engine } from "../../src/engine/engine.ts";
import { defaultConfig, parseConfig } from "../../src/config/load.ts";
import { createBearTrap } from "../../strategies/bear-trap.ts";
import { createSizer } from "../../src/sizing/pipeline.ts";
import type { Config } from "../../src/config/schema.ts";
import { decline, flat, rise, sessionBatch, type Ohlcv } from "./scenario.ts";
import { roundToTick } from "../../src/core/tick.ts";
import { strategyParams } from "../../src/config/strategy-params.ts";

// Order prices go out on the broker's cent grid, toward the market: targets down, stops up.
const targetTick = (p: number): number => roundToTick(p, "down");
const stopTick = (p: number): number => roundToTick(p, "up");

function run(bars: Ohlcv[], config: Config = defaultConfig(), startMinute = 570) {
  const engine = new Engine({
    config,
    symbols: ["TRAP"],
    strategy: createBearTrap(strategyParams(config, "bear-trap")),
    sizer: createSizer({ sizing: config.sizing, risk: config.risk }),
  });
  engine.runBatch(sessionBatch("2024-05-15", startMinute, bars));
  return engine.finish();
}

// 60 bars falling 10.00 -> 8.30 (-17%), then the reclaim bar: breaks 8.27 to 8.15, closes 8.30.
const selloff = (): Ohlcv[] => [...decline(10, 8.3, 60), [8.26, 8.32, 8.15, 8.3, 3000]];

describe("engine on a hand-written Bear Trap session", () => {
  it("enters at the reclaim close, takes TP1 and TP2, and time-stops the runner", () => {
    const res = run([...selloff(), ...rise(8.3, 10.3, 20), ...flat(10.3, 15)], parseConfig({ strategy: { runnerTrailBars: 0 } }));
    expect(res.signals).toBe(1);
    expect(res.trades).toHaveLength(1);
    const t = res.trades[0];
    const f = 0.125 / 200;
    expect(t.entryPriceUsd).toBeCloseTo(8.3 * (1 + f), 10);
    expect(t.entryTime).toBe("2024-05-15T14:31:00.000Z"); // the 10:30 ET bar's close
    expect(t.exits.map((e) => e.reason)).toEqual(["tp1", "tp2", "time_stop"]);
    const [tp1, tp2, ts] = t.exits;
    expect(tp1.qtyShares).toBe(Math.floor(t.shares * 0.4));
    expect(tp2.qtyShares).toBe(Math.floor(t.shares * 0.3));
    expect(tp1.qtyShares + tp2.qtyShares + ts.qtyShares).toBe(t.shares);
    // TP1 = entry + 0.5 x (session high 10.01 - entry), on the cent grid; fills at the limit less friction.
    expect(tp1.priceUsd).toBeCloseTo(targetTick(t.entryPriceUsd + 0.5 * (10.01 - t.entryPriceUsd)) * (1 - f), 8);
    expect(tp2.priceUsd).toBeCloseTo(10.01 * (1 - f), 8);
    // Time stop: the close of the bar ending 30 minutes after entry.
    expect(ts.timeMs - t.entryTimeMs).toBe(30 * 60_000);
    expect(t.pnlUsd).toBeGreaterThan(0);
    expect(t.rMultiple).toBeCloseTo(t.pnlUsd / (t.rPerShareUsd * t.shares), 10);
    // Fixed 1% risk of $100k, integer shares, $50k notional cap.
    expect(Number.isInteger(t.shares)).toBe(true);
    expect(t.shares * t.entryPriceUsd).toBeLessThanOrEqual(50_000);
    expect(t.sizing.mode).toBe("fixed");
  });

  it("after TP2 moves the stop to support and trails the runner at the lowest low of the last 5 bars", () => {
    const bars = [...selloff(), ...rise(8.3, 10.3, 20), ...flat(10.3, 15)];
    const res = run(bars);
    const t = res.trades[0];
    expect(t.exits.map((e) => e.reason)).toEqual(["tp1", "tp2", "stop"]);
    // The flat bars' lows are 10.28: the trailed stop sits there, far above the 8.15 support.
    expect(t.exits[2].priceUsd).toBeCloseTo(10.28 * (1 - 0.125 / 200), 8);
    expect(t.exits[2].timeMs - t.entryTimeMs).toBeLessThan(30 * 60_000);
  });

  it("stops out at the stop price when the trap fails", () => {
    const res = run([...selloff(), ...decline(8.3, 7.5, 10), ...flat(7.5, 5)]);
    const t = res.trades[0];
    expect(t.exitReason).toBe("stop");
    expect(t.exits).toHaveLength(1);
    expect(t.exitPriceUsd).toBeCloseTo(stopTick(t.initialStopUsd) * (1 - 0.125 / 200), 8);
    expect(t.rMultiple).toBeLessThan(-0.99);
    expect(t.rMultiple).toBeGreaterThan(-1.1);
  });

  it("fills the stop at the open when a bar gaps through it", () => {
    const res = run([...selloff(), [7.0, 7.1, 6.9, 7.0, 1000], ...flat(7, 3)]);
    const t = res.trades[0];
    expect(t.exitReason).toBe("stop");
    expect(t.exitPriceUsd).toBeCloseTo(7.0 * (1 - 0.125 / 200), 8);
  });

  it("flattens at 15:55 ET", () => {
    // Start so that the reclaim bar is 15:40 ET: 61 bars before it.
    const res = run([...selloff(), ...flat(8.4, 30)], defaultConfig(), 15 * 60 + 40 - 60);
    const t = res.trades[0];
    expect(t.exitReason).toBe("eod");
    expect(t.exitTime).toBe("2024-05-15T19:55:00.000Z");
  });

  it("enters at the next bar's open when so configured", () => {
    const cfg = parseConfig({ execution: { entryFill: "next_open" } });
    const res = run([...selloff(), [8.35, 8.4, 8.3, 8.38, 1000], ...flat(8.38, 40)], cfg);
    const t = res.trades[0];
    expect(t.entryPriceUsd).toBeCloseTo(8.35 * (1 + 0.125 / 200), 10);
    expect(t.entryTime).toBe("2024-05-15T14:31:00.000Z");
  });

  it("takes no trade when the day is not down enough", () => {
    const cfg = parseConfig({ strategy: { minDayChangePct: -20 } });
    expect(run([...selloff(), ...flat(8.3, 10)], cfg).trades).toHaveLength(0);
  });

  it("ignores pre-market bars for signals", () => {
    const res = run([...selloff(), ...flat(8.3, 5)], defaultConfig(), 8 * 60);
    expect(res.signals).toBe(0);
    expect(res.barsUsed).toBe(0);
  });
});

describe("engine with a scaling template (regime_template mode, fail-safe NORMAL)", () => {
  it("enters half size, adds a quarter on a close at +0.5R, and takes 40% at 1R and the rest at 2R", () => {
    const cfg = parseConfig({ sizing: { mode: "regime_template" }, risk: { maxNotionalUsd: 1e9 }, execution: { buyingPowerMultiple: 4 } });
    const res = run([...selloff(), ...rise(8.3, 9.3, 30), ...flat(9.3, 5)], cfg);
    const t = res.trades[0];
    expect(t.template).toBe("normal");
    const f = 0.125 / 200;
    const entry = t.entries[0].priceUsd;
    const r = entry - t.initialStopUsd;
    expect(t.entries.map((e) => e.reason)).toEqual(["entry", "add1"]);
    // Sizes: initial = 0.5 x (1% of $100k / R); the add = 0.25 x (1% of equity then / its own R).
    expect(t.sizing.factors.map((x) => x.name)).toEqual(["risk", "dd", "tmpl"]);
    expect(t.entries[0].qtyShares).toBe(Math.floor((0.005 * 100_000) / r));
    expect(t.addSizing[0].factors.find((x) => x.name === "tmpl")!.factor).toBe(0.25);
    // The add happened at the close of the first bar closing at or above entry + 0.5R.
    expect(t.entries[1].priceUsd / (1 + f)).toBeGreaterThanOrEqual(entry + 0.5 * r - 1e-9);
    // Targets: 40% of everything entered at entry + 1R, the rest at entry + 2R.
    const total = t.entries[0].qtyShares + t.entries[1].qtyShares;
    expect(t.shares).toBe(total);
    expect(t.exits.map((e) => e.reason)).toEqual(["t1_1R", "t2_2R"]);
    expect(t.exits[0].qtyShares).toBe(Math.floor(total * 0.4));
    expect(t.exits[0].priceUsd).toBeCloseTo(targetTick(entry + r) * (1 - f), 8);
    expect(t.exits[1].qtyShares).toBe(total - Math.floor(total * 0.4));
    expect(t.exits[1].priceUsd).toBeCloseTo(targetTick(entry + 2 * r) * (1 - f), 8);
    // R multiple over every entry's risk to the stop.
    const risk = t.entries.reduce((a, e) => a + e.qtyShares * (e.priceUsd - t.initialStopUsd), 0);
    expect(t.rMultiple).toBeCloseTo(t.pnlUsd / risk, 10);
  });
});
