import { describe, expect, it } from "vitest";
import { barPosition, minuteOfTime, replayInOrder } from "../../src/daemon/merge-replay.ts";
import type { Execution } from "../../src/adapters/alpaca/venue-types.ts";
import type { FeedBar } from "../../src/broker/port.ts";

const T0 = Date.UTC(2024, 4, 13, 13, 30);
const MIN = 60_000;
const bar = (symbol: string, k: number): FeedBar => ({ symbol, tMs: T0 + k * MIN, open: 1, high: 1, low: 1, close: 1, volume: 1 });
const exec = (id: string, orderId: string, timeMs: number): Execution => ({ executionId: id, orderId, qtyShares: 1, priceUsd: 1, timeMs });

describe("replayInOrder: bars and fills in the order the live bot saw them", () => {
  it("puts every fill of minute t before the bars of minute t, and waits for the order that a fill belongs to", () => {
    const log: string[] = [];
    const known = new Set<string>(["o1"]);
    const bars = [bar("A", 0), bar("B", 0), bar("A", 1), bar("A", 2)];
    const execs = [exec("x-late", "o2", T0 + 1 * MIN + 5_000), exec("x1", "o1", T0 + 20_000), exec("x-unknown", "zz", T0)];
    const left = replayInOrder(bars, execs, minuteOfTime, {
      canApply: (x) => known.has(x.orderId ?? ""),
      apply: (x) => log.push(`fill ${x.executionId}`),
      bar: (b) => {
        log.push(`bar ${b.symbol}${(b.tMs - T0) / MIN}`);
        // The engine makes order o2 while it processes A's first bar.
        if (b.symbol === "A" && b.tMs === T0) known.add("o2");
      },
    });
    expect(log).toEqual(["fill x1", "bar A0", "bar B0", "fill x-late", "bar A1", "bar A2"]);
    expect(left.map((x) => x.executionId)).toEqual(["x-unknown"]);
  });

  it("orders fills by transaction time, never by their id: a fill on a minute's edge goes before the bar that ends there, and an open fill still waits for its order", () => {
    const end = T0 + MIN;
    // Alpaca-shaped activity ids (New York time) that a parser would read as another minute.
    const inBar = exec("20240513093000000::aaaa", "stop-1", end);
    const nextOpen = exec("20240513093100000::bbbb", "exit-1", end);
    expect(minuteOfTime(inBar)).toBe(T0);
    expect(minuteOfTime(exec("x", "o", end + 1))).toBe(T0 + MIN);
    const log: string[] = [];
    const known = new Set<string>(["stop-1"]);
    replayInOrder([bar("A", 0), bar("A", 1)], [nextOpen, inBar], minuteOfTime, {
      canApply: (x) => known.has(x.orderId ?? ""),
      apply: (x) => log.push(`fill ${x.orderId}`),
      bar: (b) => {
        log.push(`bar A${(b.tMs - T0) / MIN}`);
        // The exit is decided at the close of A0 and fills at A1's open.
        if (b.tMs === T0) known.add("exit-1");
      },
    });
    expect(log).toEqual(["fill stop-1", "bar A0", "fill exit-1", "bar A1"]);
  });

  it("puts a fill the live bot saw back where it saw it (its recorded bar position), not at the minute it happened", () => {
    const log: string[] = [];
    // A broker running ahead: x-ran-ahead happened in minute 0 but reached the bot after A1 (the first bar of minute 1).
    const bars = [bar("A", 0), bar("B", 0), bar("A", 1), bar("B", 1), bar("A", 2)];
    const execs = [exec("x-ran-ahead", "o", T0 + 10_000), exec("x-unseen", "o", T0 + 5_000), exec("x-seen-early", "o", T0 + 2 * MIN)];
    const recorded = new Map([
      ["x-ran-ahead", barPosition(T0 + MIN, 1)],
      ["x-seen-early", barPosition(T0, 2)],
    ]);
    let latest = -Infinity;
    let ofLatest = 0;
    replayInOrder(
      bars,
      execs,
      minuteOfTime,
      {
        canApply: () => true,
        apply: (x) => log.push(`fill ${x.executionId}`),
        bar: (b) => {
          log.push(`bar ${b.symbol}${(b.tMs - T0) / MIN}`);
          if (b.tMs > latest) [latest, ofLatest] = [b.tMs, 1];
          else ofLatest++;
        },
        position: () => barPosition(latest, ofLatest),
      },
      (x) => recorded.get(x.executionId),
    );
    // x-unseen (the bot was down) never goes before a fill the bot did see.
    expect(log).toEqual(["bar A0", "bar B0", "fill x-seen-early", "bar A1", "fill x-ran-ahead", "fill x-unseen", "bar B1", "bar A2"]);
  });
});
