import { afterEach, describe, expect, it } from "vitest";
import type { Alpaca } from "@alpacahq/alpaca-trade-api";
import { etToUtcMs, isoToEtDay } from "../../src/core/ny-time.ts";
import type { Exchange } from "../../src/exchange/server.ts";
import { startExchange } from "../../src/exchange/server.ts";
import { series } from "./helpers.ts";
import { client, idOf, KEY, SECRET } from "./sdk-helpers.ts";

/** New York wall time on a date, as epoch ms. */
const et = (iso: string, hhmm: string): number => etToUtcMs(isoToEtDay(iso), Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3)));

let ex: Exchange | undefined;
afterEach(async () => {
  await ex?.close();
  ex = undefined;
});

/** An exchange replaying `minutes` flat ABC bars from `startMs`, and the SDK pointed at it. */
async function replayFrom(startMs: number, minutes: number): Promise<{ ex: Exchange; alpaca: Alpaca }> {
  const rows = Array.from({ length: minutes }, () => [10, 10, 10, 10] as const);
  ex = await startExchange({ keyId: KEY, secretKey: SECRET, bars: [series("ABC", rows, startMs)], speed: "max", initialCashUsd: 100_000, frictionPctRoundTrip: 0 });
  return { ex, alpaca: client(ex) };
}

describe("the exchange keeps NYSE hours", () => {
  it("closes at 13:00 on an early-close day: the clock says so and day orders expire then", async () => {
    const { ex, alpaca } = await replayFrom(et("2024-07-03", "09:30"), 240);
    ex.stepBars(1);
    const day = await alpaca.trading.orders.limit({ symbol: "ABC", qty: 1, side: "buy", limitPrice: 5, timeInForce: "day" });
    const gtc = await alpaca.trading.orders.limit({ symbol: "ABC", qty: 1, side: "buy", limitPrice: 5, timeInForce: "gtc" });
    let clock = await alpaca.trading.clock.legacyClock();
    expect([clock.isOpen, clock.nextClose.getTime(), clock.nextOpen.getTime()]).toEqual([true, et("2024-07-03", "13:00"), et("2024-07-05", "09:30")]);
    ex.stepBars(208); // through the 12:58 bar: the clock reads 12:59
    expect((await alpaca.trading.orders.getOrderByOrderID({ orderId: idOf(day) })).status).toBe("new");
    ex.stepBars(1); // the 12:59 bar: the clock reaches 13:00
    expect((await alpaca.trading.orders.getOrderByOrderID({ orderId: idOf(day) })).status).toBe("expired");
    expect((await alpaca.trading.orders.getOrderByOrderID({ orderId: idOf(gtc) })).status).toBe("new");
    clock = await alpaca.trading.clock.legacyClock();
    // July 4 is a holiday: the next session is Friday July 5.
    expect([clock.isOpen, clock.nextOpen.getTime(), clock.nextClose.getTime()]).toEqual([false, et("2024-07-05", "09:30"), et("2024-07-05", "16:00")]);
  });

  it("reports a holiday closed and keeps a day order placed on it until the next session's close", async () => {
    // Generated data does not skip holidays: these bars fall on Good Friday 2024.
    const { ex, alpaca } = await replayFrom(et("2024-03-29", "09:30"), 3);
    ex.stepBars(1);
    const clock = await alpaca.trading.clock.legacyClock();
    expect([clock.isOpen, clock.nextOpen.getTime(), clock.nextClose.getTime()]).toEqual([false, et("2024-04-01", "09:30"), et("2024-04-01", "16:00")]);
    const day = await alpaca.trading.orders.limit({ symbol: "ABC", qty: 1, side: "buy", limitPrice: 5, timeInForce: "day" });
    ex.book.advanceTo(et("2024-04-01", "15:59"));
    expect(ex.book.order(idOf(day))?.status).toBe("new");
    ex.book.advanceTo(et("2024-04-01", "16:00"));
    expect(ex.book.order(idOf(day))?.status).toBe("expired");
  });

  it("gives the next open the same day before the bell, and the next day's after the close", async () => {
    const { ex, alpaca } = await replayFrom(et("2024-07-02", "08:00"), 1);
    let clock = await alpaca.trading.clock.legacyClock();
    expect([clock.isOpen, clock.nextOpen.getTime(), clock.nextClose.getTime()]).toEqual([false, et("2024-07-02", "09:30"), et("2024-07-02", "16:00")]);
    ex.book.advanceTo(et("2024-07-02", "16:00"));
    clock = await alpaca.trading.clock.legacyClock();
    expect([clock.isOpen, clock.nextOpen.getTime(), clock.nextClose.getTime()]).toEqual([false, et("2024-07-03", "09:30"), et("2024-07-03", "13:00")]);
    expect(clock.timestamp.getTime()).toBe(et("2024-07-02", "16:00"));
  });

  it("serves the calendar without holidays and with 13:00 closes", async () => {
    const { alpaca } = await replayFrom(et("2024-07-01", "09:30"), 1);
    const days = await alpaca.trading.calendar.legacyCalendar({ start: new Date("2024-07-01"), end: new Date("2024-07-08") });
    expect(days.map((d) => [d.date.toISOString().slice(0, 10), d.open, d.close, d.sessionClose, d.settlementDate.toISOString().slice(0, 10)])).toEqual([
      ["2024-07-01", "09:30", "16:00", "2000", "2024-07-02"],
      ["2024-07-02", "09:30", "16:00", "2000", "2024-07-03"],
      ["2024-07-03", "09:30", "13:00", "1700", "2024-07-05"],
      ["2024-07-05", "09:30", "16:00", "2000", "2024-07-08"],
      ["2024-07-08", "09:30", "16:00", "2000", "2024-07-09"],
    ]);
    const easter = await alpaca.trading.calendar.legacyCalendar({ start: new Date("2024-03-27"), end: new Date("2024-04-02") });
    // T+2 settlement before 2024-05-28.
    expect(easter.map((d) => [d.date.toISOString().slice(0, 10), d.settlementDate.toISOString().slice(0, 10)])).toEqual([
      ["2024-03-27", "2024-04-01"],
      ["2024-03-28", "2024-04-02"],
      ["2024-04-01", "2024-04-03"],
      ["2024-04-02", "2024-04-04"],
    ]);
  });
});
