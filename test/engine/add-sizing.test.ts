import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.ts";
import type { Config } from "../../src/config/schema.ts";
import { Engine } from "../../src/engine/engine.ts";
import { createSizer } from "../../src/sizing/pipeline.ts";
import type { RlMultiplier, RlPolicy } from "../../src/sizing/rl-port.ts";
import { createBearTrap } from "../../strategies/bear-trap.ts";
import { decline, flat, rise, sessionBatch, type Ohlcv } from "./scenario.ts";
import { strategyParams } from "../../src/config/strategy-params.ts";

/** The engine's side of issue 17: adds are fractions of the full size the entry recorded, and no add follows a target. */

class CountingRl implements RlPolicy {
  calls = 0;
  multiplier(): RlMultiplier {
    this.calls++;
    return { factor: 1.5, reason: "rl 1.5", action: 4, stateKey: "k" };
  }
}

function run(bars: Ohlcv[], config: Config, rl?: RlPolicy) {
  const engine = new Engine({
    config,
    symbols: ["TRAP"],
    strategy: createBearTrap(strategyParams(config, "bear-trap")),
    sizer: createSizer({ sizing: config.sizing, risk: config.risk }, rl ? { rlPolicy: rl } : {}),
  });
  engine.runBatch(sessionBatch("2024-05-15", 570, bars));
  return engine.finish();
}

// 60 bars falling 10.00 -> 8.30 (-17%), then the reclaim bar: breaks 8.27 to 8.15, closes 8.30.
const selloff = (): Ohlcv[] => [...decline(10, 8.3, 60), [8.26, 8.32, 8.15, 8.3, 3000]];

describe("engine adds sized from the entry's full size", () => {
  it("buys the template's fraction of the full size at the add, and asks no learned layer again", () => {
    const rl = new CountingRl();
    const cfg = parseConfig({ sizing: { mode: "full" }, risk: { maxNotionalUsd: 1e9 }, execution: { buyingPowerMultiple: 4 } });
    const res = run([...selloff(), ...rise(8.3, 9.3, 30), ...flat(9.3, 5)], cfg, rl);
    const t = res.trades[0];
    expect(t.entries.map((e) => e.reason)).toEqual(["entry", "add1"]);
    const full = t.sizing.fullSize!.qtyShares;
    // normal: half of the full size now, a quarter of it at +0.5R.
    expect(t.entries[0].qtyShares).toBe(Math.floor(0.5 * full));
    expect(t.entries[1].qtyShares).toBe(Math.floor(0.25 * full));
    expect(t.addSizing[0].summary).toBe(`add 1: 0.25 of full ${full} sh x dd 1.0 -> ${Math.floor(0.25 * full)} sh (cap: none)`);
    expect(t.addSizing[0].rl).toBeNull();
    expect(rl.calls).toBe(1);
  });

  it("takes no add once a target has sold shares (the add would buy back what the target just sold)", () => {
    // A template whose add triggers above its first target: +1.5R, after 40% was sold at +1R.
    const cfg = parseConfig({
      sizing: {
        mode: "regime_template",
        templates: { late_add: { initialFraction: 0.5, adds: [{ atR: 1.5, fraction: 0.25 }], maxFraction: 0.75, targets: [{ atR: 1, fraction: 0.4 }, { atR: 4, fraction: 0.6 }] } },
        regimeTemplates: { ADD_ALLOWED: "late_add", ADD_NEUTRAL: "late_add", NO_ADD: "late_add" },
      },
      risk: { maxNotionalUsd: 1e9 },
      execution: { buyingPowerMultiple: 4 },
    });
    const res = run([...selloff(), ...rise(8.3, 9.3, 30), ...flat(9.3, 5)], cfg);
    const t = res.trades[0];
    const r = t.entries[0].priceUsd - t.initialStopUsd;
    // The path reached +1.5R (so the add would have triggered) after the +1R target filled.
    expect(9.3).toBeGreaterThan(t.entries[0].priceUsd + 1.5 * r);
    expect(t.exits[0].reason).toBe("t1_1R");
    expect(t.entries.map((e) => e.reason)).toEqual(["entry"]);
    expect(t.addSizing).toEqual([]);
  });
});
