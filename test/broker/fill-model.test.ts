import { describe, expect, it } from "vitest";
import { buyLimitFill, buyStopFill, frictionPerSide, sellLimitFill, sellStopFill, withFriction } from "../../src/broker/fill-model.ts";

describe("fill model", () => {
  it("charges half the round-trip friction on each side", () => {
    const f = frictionPerSide(0.125);
    expect(f).toBeCloseTo(0.000625, 12);
    expect(withFriction("buy", 100, f)).toBeCloseTo(100.0625, 10);
    expect(withFriction("sell", 100, f)).toBeCloseTo(99.9375, 10);
  });

  it("fills a sell stop at the stop, or at the open when the bar opens through it", () => {
    expect(sellStopFill(9.5, 10, 9.4)).toBe(9.5);
    expect(sellStopFill(9.5, 9.2, 9.0)).toBe(9.2);
    expect(sellStopFill(9.5, 9.5, 9.5)).toBe(9.5);
    expect(sellStopFill(9.5, 10, 9.6)).toBeNaN();
  });

  it("fills a sell limit only when the bar trades through it, at the open when it gaps above", () => {
    expect(sellLimitFill(11, 10, 11.01)).toBe(11);
    expect(sellLimitFill(11, 10, 11)).toBeNaN();
    expect(sellLimitFill(11, 11.5, 12)).toBe(11.5);
  });

  it("mirrors stops and limits for buys", () => {
    expect(buyStopFill(11, 10, 11.2)).toBe(11);
    expect(buyStopFill(11, 11.3, 11.4)).toBe(11.3);
    expect(buyStopFill(11, 10, 10.9)).toBeNaN();
    expect(buyLimitFill(9, 10, 8.9)).toBe(9);
    expect(buyLimitFill(9, 8.5, 8.4)).toBe(8.5);
    expect(buyLimitFill(9, 10, 9)).toBeNaN();
  });
});
