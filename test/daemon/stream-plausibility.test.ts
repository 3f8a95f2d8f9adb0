import { describe, expect, it } from "vitest";
import { StreamInput, type InputRejection } from "../../src/daemon/stream-input.ts";
import { defaultLimits } from "../../src/data/plausibility.ts";

// 2024-05-14 14:00 UTC: a regular-session minute.
const T0 = Date.parse("2024-05-14T14:00:00Z");
// As the SDK hands a stream bar over (its camelCase fields).
const bar = (close: number, tMs = T0, symbol = "GME") => ({ symbol, open: close, high: close, low: close, close, volume: 100, timestamp: new Date(tMs) });

function input(): { inp: StreamInput; refused: InputRejection[] } {
  const refused: InputRejection[] = [];
  const limits = { ...defaultLimits(Date.parse("2024-05-15T00:00:00Z")), checkSessions: false };
  return { inp: new StreamInput(new Set(["GME"]), (r) => refused.push(r), 50, () => undefined, limits), refused };
}

describe("stream and REST bars pass the loaders' plausibility limits (issue 13, item 3)", () => {
  it("refuses an absurd price and an absurd jump on the stream, names what and where, and keeps the last good close as the reference", () => {
    const { inp, refused } = input();
    expect(inp.streamBar(bar(20))).not.toBeNull();
    expect(inp.streamBar(bar(1e300, T0 + 60_000))).toBeNull();
    expect(inp.streamBar(bar(1e-300, T0 + 120_000))).toBeNull();
    expect(inp.streamBar(bar(400, T0 + 180_000))).toBeNull(); // x20 within a session
    expect(inp.streamBar(bar(21, T0 + 240_000))).not.toBeNull();
    expect(refused.map((r) => r.source)).toEqual(["stocks stream", "stocks stream", "stocks stream"]);
    expect(refused[0].reason).toMatch(/1e\+300/);
    expect(refused[1].reason).toMatch(/price|0\.0001/);
    expect(refused[2].reason).toMatch(/jump|x10|previous close/i);
    expect(refused.every((r) => r.symbol === "GME")).toBe(true);
    expect(inp.rejected["stocks stream"]).toBe(3);
  });

  it("refuses REST bars stamped in 1970 or 2100", () => {
    const { inp, refused } = input();
    const rest = (tMs: number) => ({ symbol: "GME", tMs, open: 20, high: 20, low: 20, close: 20, volume: 100 });
    expect(inp.restBar(rest(Date.parse("1970-01-02T15:00:00Z")))).toBeNull();
    expect(inp.restBar(rest(Date.parse("2100-01-04T15:00:00Z")))).toBeNull();
    expect(inp.restBar(rest(T0))).not.toBeNull();
    expect(refused.map((r) => r.source)).toEqual(["REST bars", "REST bars"]);
  });
});
