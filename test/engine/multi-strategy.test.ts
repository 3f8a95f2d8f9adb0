import { describe, expect, it } from "vitest";
import { Engine } from "../../src/engine/engine.ts";
import { parseConfig } from "../../src/config/load.ts";
import type { Config } from "../../src/config/schema.ts";
import type { PluginStrategy, StrategySlot } from "../../src/core/strategy.ts";
import type { OrderIntent } from "../../src/core/types.ts";
import { simVenue } from "../../src/broker/sim-broker.ts";
import { frictionPerSide } from "../../src/broker/fill-model.ts";
import type { VenueFactory } from "../../src/broker/venue.ts";
import { batchOf, dailyBar, dailyStrategy, etMs, minuteDay, minuteStrategy, recordingSizer, slot, type AskedSizing, type CallLog, type Row } from "./slots-fixture.ts";

const F = frictionPerSide(0.125);

function newLog(): CallLog {
  return { onBar: [], exitSignal: [] };
}

/** A simulated venue that also records every intent it is sent. */
function spyVenue(config: Config, sent: OrderIntent[]): VenueFactory {
  const ex = config.execution;
  const inner = simVenue({ initialCashUsd: ex.initialEquityUsd, frictionPerSide: F, buyingPowerMultiple: ex.buyingPowerMultiple });
  return (symbols, onFill, bar, onEnded) => {
    const v = inner(symbols, onFill, bar, onEnded);
    const submit = v.submit.bind(v);
    v.submit = (i) => {
      sent.push(i);
      return submit(i);
    };
    return v;
  };
}

function run(slots: StrategySlot[], symbols: string[], rows: Row[], opts: { config?: Config; asked?: AskedSizing[]; qty?: number | "alloc"; sent?: OrderIntent[]; days?: string[] } = {}) {
  const config = opts.config ?? parseConfig({});
  const days: string[] = [];
  const engine = new Engine({
    config,
    symbols,
    slots,
    sizer: recordingSizer(opts.asked ?? [], opts.qty ?? 100),
    venue: opts.sent ? spyVenue(config, opts.sent) : undefined,
    events: { dayEnd: (d) => days.push(d) },
  });
  engine.runBatch(batchOf(rows));
  const result = engine.finish();
  return { engine, result, days };
}

// Mon 2024-05-13 .. Fri 2024-05-17, then Mon 2024-05-20 and Tue 2024-05-21.
const WEEK = ["2024-05-13", "2024-05-14", "2024-05-15", "2024-05-16", "2024-05-17", "2024-05-20", "2024-05-21"];
/** Daily bars of symbol 1: opens 100 + 10 i, closes 105 + 10 i. */
const dailyRows = (stamp: "utc" | "ny" = "utc", sym = 1): Row[] => WEEK.map((d, i) => dailyBar(sym, d, 100 + 10 * i, 108 + 10 * i, 98 + 10 * i, 105 + 10 * i, stamp));

describe("several strategies in one engine", () => {
  it("runs a minute strategy and a daily overnight strategy side by side, each on its symbols", () => {
    const log = newLog();
    const minute = minuteStrategy(log, ["10:00"]);
    // Enters at the close of Wednesday's bar (3), exits at the close of the next Monday's (6).
    const daily = dailyStrategy(log, 3, 6);
    const rows = [...WEEK.slice(0, 5).flatMap((d) => minuteDay(0, d, 20)), ...dailyRows()];
    const { result, days } = run([slot(minute as PluginStrategy<unknown>, ["MIN"]), slot(daily as PluginStrategy<unknown>, ["DAY"], { timeframe: "1Day", holding: "overnight", index: 1 })], ["MIN", "DAY"], rows);
    const byStrategy = (id: string) => result.trades.filter((t) => t.strategyId === id);
    // The minute strategy trades each of its five days (time stop 30 minutes after each 10:00 entry).
    expect(byStrategy("fake-minute").map((t) => t.exitReason)).toEqual(Array(5).fill("time_stop"));
    expect(byStrategy("fake-minute").every((t) => t.symbol === "MIN")).toBe(true);
    const [d] = byStrategy("fake-daily");
    expect(d.symbol).toBe("DAY");
    // Decided at Wednesday's close; filled at Thursday's open (the next daily bar's open), timed at 09:30 New York.
    expect(d.entryTimeMs).toBe(etMs("2024-05-16", "09:30"));
    expect(d.entryPriceUsd).toBeCloseTo(130 * (1 + F), 10);
    // Held over the weekend; the exit signal at Monday's close fills at Tuesday's open.
    expect(d.exitReason).toBe("fake_exit");
    expect(d.exitTimeMs).toBe(etMs("2024-05-21", "09:30"));
    expect(d.exitPriceUsd).toBeCloseTo(160 * (1 - F), 10);
    expect(days).toEqual(WEEK);
  });

  it("processes a daily bar at its session's close, after that day's minute bars (both stamp conventions)", () => {
    for (const stamp of ["utc", "ny"] as const) {
      const log = newLog();
      const rows = [...WEEK.slice(0, 2).flatMap((d) => minuteDay(0, d, 20)), ...dailyRows(stamp).slice(0, 2)];
      run([slot(minuteStrategy(log, []) as PluginStrategy<unknown>, ["MIN"]), slot(dailyStrategy(log, 99, 99) as PluginStrategy<unknown>, ["DAY"], { timeframe: "1Day", holding: "overnight" })], ["MIN", "DAY"], rows);
      const seq = log.onBar.map((c) => `${c.symbol} ${new Date(c.tMs).toISOString()}`);
      const dayCalls = log.onBar.map((c, i) => ({ ...c, i })).filter((c) => c.symbol === "DAY");
      expect(dayCalls).toHaveLength(2);
      // Monday's daily bar comes right after Monday's 15:59 minute bar and before Tuesday's 09:30 one.
      expect(seq[dayCalls[0].i - 1]).toBe(`MIN ${new Date(etMs("2024-05-13", "15:59")).toISOString()}`);
      expect(seq[dayCalls[0].i + 1]).toBe(`MIN ${new Date(etMs("2024-05-14", "09:30")).toISOString()}`);
      // It is seen as the session's last minute: its close is the decision moment.
      expect(dayCalls[0].etMinute).toBe(959);
      expect(dayCalls[0].tMs + 60_000).toBe(etMs("2024-05-13", "16:00"));
      expect(dayCalls[1].i).toBe(log.onBar.length - 1);
    }
  });

  it("no equity, sizing or limit of the day reads a daily bar before its close (look-ahead)", () => {
    // The minute strategy enters on MIN every half hour; the daily strategy holds DAY from Monday's close.
    const at = ["10:00", "11:00", "12:00", "13:00", "14:00", "15:00"];
    const sizingSeen = (tuesdayDaily: Row) => {
      const asked: AskedSizing[] = [];
      const log = newLog();
      const rows = [...WEEK.slice(0, 3).flatMap((d) => minuteDay(0, d, 20)), dailyRows()[0], tuesdayDaily, dailyRows()[2]];
      const { result } = run(
        [slot(minuteStrategy(log, at) as PluginStrategy<unknown>, ["MIN"]), slot(dailyStrategy(log, 1, 99) as PluginStrategy<unknown>, ["DAY"], { timeframe: "1Day", holding: "overnight" })],
        ["MIN", "DAY"],
        rows,
        { asked },
      );
      // Every decision of the minute strategy on Tuesday, with the account figures it was sized on.
      const tuesday = asked.filter((a) => a.signal.strategyId === "fake-minute" && a.signal.etDay === asked[0].signal.etDay + 1);
      return { tuesday: tuesday.map((a) => [a.equityUsd, a.buyingPowerUsd, a.highWaterMarkUsd, a.openPositions, a.halted]), daily: result.daily };
    };
    const real = dailyRows()[1];
    const base = sizingSeen(real);
    expect(base.tuesday).toHaveLength(at.length);
    // The same Tuesday with a different high, low, close and volume: nothing decided during Tuesday may change.
    const altered = sizingSeen({ ...real, h: real.h * 3, l: real.l / 3, c: real.c * 2, v: 1 });
    expect(altered.tuesday).toEqual(base.tuesday);
    // Tuesday's close does reach the account at the close: Tuesday's end-of-day equity differs.
    expect(altered.daily[1].equityUsd).not.toBe(base.daily[1].equityUsd);
    expect(altered.daily[0]).toEqual(base.daily[0]);
  });

  it("holds an overnight position across a weekend with only daily bars flowing; days roll and are marked", () => {
    const log = newLog();
    // Enters at Thursday's close (bar 4), exits at the next Tuesday's close (bar 7): the run ends first.
    const { result, days } = run([slot(dailyStrategy(log, 4, 8) as PluginStrategy<unknown>, ["DAY"], { timeframe: "1Day", holding: "overnight" })], ["DAY"], dailyRows("utc", 0));
    expect(days).toEqual(WEEK);
    expect(result.daily.map((p) => p.day)).toEqual(WEEK);
    expect(result.dailyBarsDropped).toBe(0);
    // Exposure counts session time only: Friday's 6.5 hours, Monday's and Tuesday's, never the weekend.
    expect(result.exposedMs).toBeLessThanOrEqual(result.marketMs);
    expect(result.exposedMs).toBe(3 * 390 * 60_000);
    const [t] = result.trades;
    expect(t.entryTimeMs).toBe(etMs("2024-05-17", "09:30"));
    // Still open over Saturday and Sunday and Monday: closed only at the end of the data.
    expect(t.exitReason).toBe("end_of_data");
    expect(t.exits.map((e) => e.reason)).toEqual(["end_of_data"]);
    // Friday's mark is Friday's close (140 open -> 145 close on 100 shares, less the entry's friction).
    const fri = result.daily[4].equityUsd - result.daily[3].equityUsd;
    expect(fri).toBeCloseTo(100 * (145 - 140 * (1 + F)), 6);
  });

  it("an exit signal closes at the next open; a plan without a stop lays no stop and no target", () => {
    const log = newLog();
    const sent: OrderIntent[] = [];
    const { result } = run([slot(dailyStrategy(log, 2, 4) as PluginStrategy<unknown>, ["DAY"], { timeframe: "1Day", holding: "overnight" })], ["DAY"], dailyRows("utc", 0), { sent });
    expect(sent.map((i) => `${i.side} ${i.type} ${i.purpose}`)).toEqual(["buy market entry", "sell market fake_exit"]);
    const [t] = result.trades;
    // Exit signal at Thursday's close, filled at Friday's open (140) less friction, timed at 09:30.
    expect(t.exitTimeMs).toBe(etMs("2024-05-17", "09:30"));
    expect(t.exitPriceUsd).toBeCloseTo(140 * (1 - F), 10);
    expect(t.entryPriceUsd).toBeCloseTo(120 * (1 + F), 10);
    expect(Number.isNaN(t.initialStopUsd)).toBe(true);
    // Without a stop the whole cost is at risk: R is the return on the entry's cost.
    expect(t.rPerShareUsd).toBeCloseTo(t.entryPriceUsd, 12);
    expect(t.rMultiple).toBeCloseTo(t.pnlUsd / (t.shares * t.entryPriceUsd), 12);
    // exitSignal is asked only while a position is open (Wednesday's and Thursday's bars).
    expect(log.exitSignal.map((c) => new Date(c.tMs + 60_000).toISOString())).toEqual([etMs("2024-05-15", "16:00"), etMs("2024-05-16", "16:00")].map((x) => new Date(x).toISOString()));
  });

  it("passes the stop (null) and the slot's allocation to the sizer", () => {
    const asked: AskedSizing[] = [];
    const log = newLog();
    run(
      [
        slot(minuteStrategy(log, ["10:00"]) as PluginStrategy<unknown>, ["MIN", "MIN2"], { allocation: 0.6 }),
        slot(dailyStrategy(log, 1, 99) as PluginStrategy<unknown>, ["DAY"], { timeframe: "1Day", holding: "overnight", allocation: 0.4, index: 1 }),
      ],
      ["MIN", "DAY", "MIN2"],
      [...minuteDay(0, WEEK[0], 20), dailyRows()[0]],
      { asked, qty: "alloc" },
    );
    const m = asked.find((a) => a.signal.strategyId === "fake-minute")!;
    const d = asked.find((a) => a.signal.strategyId === "fake-daily")!;
    expect(m.stopUsd).toBe(19);
    expect(m.allocation).toEqual({ weight: 0.3, maxPositionPct: 100 });
    expect(d.stopUsd).toBeNull();
    expect(d.allocation).toEqual({ weight: 0.4, maxPositionPct: 100 });
  });

  it("refuses a symbol named by two strategies", () => {
    const log = newLog();
    expect(() =>
      run([slot(minuteStrategy(log, []) as PluginStrategy<unknown>, ["X"]), slot(dailyStrategy(log, 1, 2) as PluginStrategy<unknown>, ["X"], { timeframe: "1Day", index: 1 })], ["X"], []),
    ).toThrow(/X is in two strategies/);
  });
});

describe("risk gates per strategy and for the account", () => {
  const at = ["10:00"];
  const twoSymbols = (rows: (d: string) => Row[]) => WEEK.slice(0, 1).flatMap(rows);

  it("a strategy's own max open positions refuses with the strategy's name; the account's says account", () => {
    const rejected: string[] = [];
    const config = parseConfig({});
    const log = newLog();
    const engine = new Engine({
      config,
      symbols: ["A", "B", "C"],
      slots: [slot(minuteStrategy(log, at) as PluginStrategy<unknown>, ["A", "B", "C"], { risk: { maxOpenPositions: 2 } })],
      sizer: recordingSizer([], 10),
      events: { rejected: (_s, why) => rejected.push(why) },
    });
    engine.runBatch(batchOf(twoSymbols((d) => [...minuteDay(0, d, 20), ...minuteDay(1, d, 30), ...minuteDay(2, d, 40)])));
    engine.finish();
    expect(rejected).toEqual(["strategy fake-minute: max open positions 2 reached"]);

    const accountRejected: string[] = [];
    const strict = parseConfig({ risk: { maxOpenPositions: 1 } });
    const e2 = new Engine({
      config: strict,
      symbols: ["A", "B"],
      slots: [slot(minuteStrategy(log, at) as PluginStrategy<unknown>, ["A", "B"], { risk: { maxOpenPositions: 5 } })],
      sizer: recordingSizer([], 10),
      events: { rejected: (_s, why) => accountRejected.push(why) },
    });
    e2.runBatch(batchOf(twoSymbols((d) => [...minuteDay(0, d, 20), ...minuteDay(1, d, 30)])));
    e2.finish();
    expect(accountRejected).toEqual(["account max open positions 1 reached"]);
  });

  it("a strategy's daily loss limit stops that strategy only, measured on its share of the account", () => {
    const rejected: string[] = [];
    const log = newLog();
    // A at 10:00 falls through its stop at once; B and C keep signalling.
    const aRows = (d: string) => minuteDay(0, d, 20).map((r) => (r.tMs > etMs(d, "10:00") && r.tMs <= etMs(d, "10:05") ? { ...r, o: 15, h: 15.05, l: 14.95, c: 15 } : r));
    const engine = new Engine({
      config: parseConfig({}),
      symbols: ["A", "B", "C"],
      slots: [
        // 0.01 of $100k = $1,000; 1% of that is $10: a $500 loss on A trips it.
        slot(minuteStrategy(log, ["10:00", "11:00"], 1, "loser") as PluginStrategy<unknown>, ["A", "B"], { allocation: 0.01, risk: { dailyLossLimitPct: 1 } }),
        slot(minuteStrategy(log, ["11:00"], 1, "other") as PluginStrategy<unknown>, ["C"], { allocation: 0.99, index: 1 }),
      ],
      sizer: recordingSizer([], 100),
      events: { rejected: (s, why) => rejected.push(`${s.strategyId} ${s.symbol}: ${why}`) },
    });
    engine.runBatch(batchOf(WEEK.slice(0, 1).flatMap((d) => [...aRows(d), ...minuteDay(1, d, 30), ...minuteDay(2, d, 40)])));
    const res = engine.finish();
    expect(rejected).toEqual(["loser A: strategy loser: daily loss limit 1% reached", "loser B: strategy loser: daily loss limit 1% reached"]);
    expect(res.trades.filter((t) => t.strategyId === "other")).toHaveLength(1);
  });
});

describe("entries waiting for the next open count against the limits", () => {
  it("two daily signals at one close under a strategy limit of one: the second is refused", () => {
    const rejected: string[] = [];
    const log = newLog();
    const engine = new Engine({
      config: parseConfig({}),
      symbols: ["D1", "D2"],
      slots: [slot(dailyStrategy(log, 1, 99) as PluginStrategy<unknown>, ["D1", "D2"], { timeframe: "1Day", holding: "overnight", risk: { maxOpenPositions: 1 } })],
      sizer: recordingSizer([], 10),
      events: { rejected: (s, why) => rejected.push(`${s.symbol}: ${why}`) },
    });
    engine.runBatch(batchOf([dailyBar(0, "2024-05-13", 10, 11, 9, 10), dailyBar(1, "2024-05-13", 20, 21, 19, 20), dailyBar(0, "2024-05-14", 10, 11, 9, 10), dailyBar(1, "2024-05-14", 20, 21, 19, 20)]));
    const res = engine.finish();
    expect(rejected).toEqual(["D2: strategy fake-daily: max open positions 1 reached"]);
    expect(res.trades.map((t) => t.symbol)).toEqual(["D1"]);
  });
});

describe("daily bars of days without a session", () => {
  it("are dropped and counted (a holiday print in a daily file)", () => {
    const log = newLog();
    // 2024-05-27 is Memorial Day; 2024-05-25 a Saturday.
    const rows = ["2024-05-24", "2024-05-25", "2024-05-27", "2024-05-28"].map((d) => dailyBar(0, d, 10, 11, 9, 10));
    const { result, days } = run([slot(dailyStrategy(log, 99, 99) as PluginStrategy<unknown>, ["DAY"], { timeframe: "1Day", holding: "overnight" })], ["DAY"], rows);
    expect(result.dailyBarsDropped).toBe(2);
    expect(days).toEqual(["2024-05-24", "2024-05-28"]);
    expect(log.onBar).toHaveLength(2);
  });
});

describe("the scheduled flatten", () => {
  it("flattens intraday positions only: an overnight strategy's position is kept", () => {
    const log = newLog();
    const engine = new Engine({
      config: parseConfig({}),
      symbols: ["MIN", "DAY"],
      slots: [slot(minuteStrategy(log, ["10:00"]) as PluginStrategy<unknown>, ["MIN"]), slot(dailyStrategy(log, 1, 99) as PluginStrategy<unknown>, ["DAY"], { timeframe: "1Day", holding: "overnight", index: 1 })],
      sizer: recordingSizer([], 10),
    });
    engine.runBatch(batchOf([...minuteDay(0, WEEK[0], 20), dailyBar(1, WEEK[0], 100, 101, 99, 100), ...minuteDay(0, WEEK[1], 20).slice(0, 35), dailyBar(1, WEEK[1], 100, 101, 99, 100)]));
    // Tuesday 10:04: MIN's 10:00 entry is open, DAY's entry filled at Tuesday's open.
    expect(engine.openPositions().map((p) => `${p.strategyId} ${p.symbol} ${p.stopUsd === null ? "no stop" : "stop"}`)).toEqual(["fake-minute MIN stop", "fake-daily DAY no stop"]);
    expect(engine.flattenAll("scheduled_flatten")).toBe(1);
    expect(engine.openPositions().filter((p) => !p.closing).map((p) => p.symbol)).toEqual(["DAY"]);
  });
});

describe("a daily bar handed over after its close (the daemon)", () => {
  it("is decided on at once when the engine's clock is moved to the close", () => {
    const log = newLog();
    const engine = new Engine({
      config: parseConfig({}),
      symbols: ["DAY"],
      slots: [slot(dailyStrategy(log, 99, 99) as PluginStrategy<unknown>, ["DAY"], { timeframe: "1Day", holding: "overnight" })],
      sizer: recordingSizer([], 10),
    });
    const b = dailyBar(0, "2024-05-13", 10, 11, 9, 10.5, "ny");
    engine.onBar(b.sym, b.tMs, b.o, b.h, b.l, b.c, b.v);
    // Held: nothing tells the engine the session has closed.
    expect(log.onBar).toHaveLength(0);
    engine.advanceTo(etMs("2024-05-13", "16:00"));
    expect(log.onBar.map((c) => c.close)).toEqual([10.5]);
    expect(engine.dayStatus().day).toBe("2024-05-13");
  });
});

describe("a single hand-written strategy (the pre-slot form)", () => {
  it("reads its indicator periods from the config, as before slots", () => {
    const atr: number[] = [];
    const spy = { id: "spy", createState: () => null, onBar: (_s: null, snap: { atr: number }) => (atr.push(snap.atr), null), exitPlan: () => ({ stopUsd: 1, targets: [], stopMoveAfter: null, trailBars: 0, timeStopMinutes: 30 }) };
    const engine = new Engine({ config: parseConfig({ strategy: { atrPeriod: 3 } }), symbols: ["A"], strategy: spy, sizer: recordingSizer([]) });
    engine.runBatch(batchOf(minuteDay(0, WEEK[0], 20).slice(0, 5)));
    // Wilder ATR(3) has a value from the 3rd bar; ATR(14) would still be warming up.
    expect(Number.isNaN(atr[1])).toBe(true);
    expect(atr[4]).toBeGreaterThan(0);
  });
});
