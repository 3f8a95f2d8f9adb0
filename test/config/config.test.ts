import { describe, expect, it } from "vitest";
import { ConfigError, defaultConfig, parseConfig } from "../../src/config/load.ts";
import { strategyParams } from "../../src/config/strategy-params.ts";

describe("config", () => {
  it("has SPEC's defaults", () => {
    const c = defaultConfig();
    const bt = strategyParams(c, "bear-trap");
    expect(c.strategies.map((s) => s.id)).toEqual(["bear-trap"]);
    expect(bt.minDayChangePct).toBe(-15);
    expect(bt.minLowerWickRatio).toBe(0.15);
    expect(bt.minBodyRatio).toBe(0.2);
    expect(bt.minVolumeMultiple).toBe(1.2);
    expect(bt.stopAtrMultiple).toBe(0.45);
    expect(bt.timeStopMinutes).toBe(30);
    expect(c.session).toEqual({ regularHoursOnly: true, flattenMinutesBeforeClose: 5 });
    expect(c.risk).toEqual({
      maxTradesPerDay: 10,
      maxOpenPositions: 5,
      dailyLossLimitPct: 10,
      maxNotionalUsd: 50_000,
      emergency: { onDrawdown: true, maxConsecutiveLosingDays: 0, onDailyLoss: true },
    });
    expect(c.execution.frictionRoundTripPct).toBe(0.125);
    expect(c.sizing.riskPct).toBe(1);
  });

  it("is frozen", () => {
    const c = defaultConfig();
    expect(Object.isFrozen(c.strategies[0].params)).toBe(true);
  });

  it("names the key, the bad value and what is allowed", () => {
    try {
      parseConfig({ strategy: { minBodyRatio: 2 } });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as Error).message).toMatch(/strategy\.minBodyRatio/);
      expect((e as Error).message).toMatch(/got 2/);
      expect((e as Error).message).toMatch(/<=1/);
    }
  });

  it("refuses unknown keys (a typo must not silently fall back to a default)", () => {
    expect(() => parseConfig({ strategy: { minDayChange: -10 } })).toThrow(/minDayChange/);
  });
});

describe("config/default.json", () => {
  it("equals the schema's defaults (regenerate with scripts/write-default-config.ts)", async () => {
    const { readFileSync } = await import("node:fs");
    const file = JSON.parse(readFileSync(new URL("../../config/default.json", import.meta.url), "utf8"));
    const { $schema, ...values } = file;
    expect($schema).toBe("./schema.json");
    expect(values).toEqual(JSON.parse(JSON.stringify(defaultConfig())));
    expect(parseConfig(file)).toEqual(defaultConfig());
  });
});
