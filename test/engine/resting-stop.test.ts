import { describe, expect, it } from "vitest";
import { Engine } from "../../src/engine/engine.ts";
import { parseConfig } from "../../src/config/load.ts";
import { createBearTrap } from "../../strategies/bear-trap.ts";
import { createSizer } from "../../src/sizing/pipeline.ts";
import type { Signal } from "../../src/core/types.ts";
import { isOnTick, roundToTick } from "../../src/core/tick.ts";
import { decline, sessionBatch, type Ohlcv } from "./scenario.ts";
import { strategyParams } from "../../src/config/strategy-params.ts";

// R is booked against the stop as it rests at the broker (issue 13 item 6): the stop order is
// rounded up to the tick, and on a low-priced stock that rounding is a large part of R. A full
// stop-out is then -1 R less friction, and sizing risks what the trade can actually lose.

const F = 0.125 / 200;

/** A $2.00 -> $1.66 sell-off (-17%), the reclaim bar, then a bar that trades through the stop. */
function stopOut(): Ohlcv[] {
  return [...decline(2, 1.66, 60), [1.652, 1.665, 1.645, 1.66, 3000], [1.655, 1.66, 1.5, 1.52, 2000]];
}

function run(bars: Ohlcv[]) {
  const config = parseConfig({});
  const signals: Signal[] = [];
  const engine = new Engine({
    config,
    symbols: ["LOWP"],
    strategy: createBearTrap(strategyParams(config, "bear-trap")),
    sizer: createSizer({ sizing: config.sizing, risk: config.risk }),
    events: { signal: (s) => signals.push(s) },
  });
  engine.runBatch(sessionBatch("2024-05-15", 570, bars));
  return { res: engine.finish(), signals };
}

describe("R against the stop as it rests", () => {
  it("a full stop-out on a sub-$2 stock is -1.0 R within friction", () => {
    const { res, signals } = run(stopOut());
    expect(res.trades).toHaveLength(1);
    const t = res.trades[0];
    const sig = { ...signals[0], stopPriceUsd: signals[0].stopPriceUsd ?? NaN };
    // The strategy's stop is off the tick grid; the one booked is the order's, rounded up.
    expect(isOnTick(sig.stopPriceUsd)).toBe(false);
    expect(t.initialStopUsd).toBe(roundToTick(sig.stopPriceUsd, "up"));
    expect(t.exitReason).toBe("stop");
    // It filled at that resting stop (less friction): the stop that R is measured against.
    expect(t.exits[0].priceUsd).toBeCloseTo(t.initialStopUsd * (1 - F), 10);
    expect(t.rPerShareUsd).toBeCloseTo(t.entryPriceUsd - t.initialStopUsd, 12);
    // Exactly -1 R plus the exit's friction, measured in R.
    expect(t.rMultiple).toBeCloseTo(-1 - (t.initialStopUsd * F) / t.rPerShareUsd, 9);
    expect(t.rMultiple).toBeLessThan(-1);
    expect(t.rMultiple).toBeGreaterThan(-1.06);
    // Against the unrounded stop (1.6336 for an order resting at 1.64) the same loss reads -0.80 R: the bug this guards.
    const unroundedR = t.pnlUsd / (t.shares * (t.entryPriceUsd - sig.stopPriceUsd));
    expect(unroundedR).toBeGreaterThan(-0.85);
  });

  it("sizing risks the same per-share amount the trade books", () => {
    const { res } = run(stopOut());
    const t = res.trades[0];
    expect(t.sizing.rPerShareUsd).toBeCloseTo(t.entryPriceUsd - t.initialStopUsd, 12);
    // 1% of $100,000 at risk to the resting stop, in whole shares, within the $50,000 notional cap.
    expect(t.shares).toBe(Math.min(Math.floor(1000 / t.rPerShareUsd), Math.floor(50_000 / t.entryPriceUsd)));
  });
});
