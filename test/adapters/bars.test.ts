import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { streaming } from "@alpacahq/alpaca-trade-api";
import { fetchBars } from "../../src/adapters/alpaca/history.ts";
import { alpacaPort } from "../../src/adapters/alpaca/port.ts";
import { StreamInput, type InputRejection } from "../../src/daemon/stream-input.ts";
import { DATA, KEY, nock, paperClient, SECRET, useNock } from "./alpaca-nock.ts";

useNock();

type RawBar = Parameters<typeof streaming.mapBar>[0];
const BARS = JSON.parse(readFileSync(new URL("../fixtures/alpaca/bars.json", import.meta.url), "utf8")) as {
  rest_page_1: unknown;
  rest_page_2: unknown;
  stream_bar: RawBar;
  rest_daily_page_1: unknown;
  rest_daily_page_2: unknown;
  stream_daily_bar: RawBar;
};

describe("bars in Alpaca's shapes", () => {
  it("fetchBars follows next_page_token across pages and merges symbols, sorted by time then by the daemon's symbol order", async () => {
    const tokens: (string | undefined)[] = [];
    for (const page of [BARS.rest_page_1, BARS.rest_page_2]) {
      nock(DATA, { reqheaders: { "APCA-API-KEY-ID": KEY, "APCA-API-SECRET-KEY": SECRET } })
        .get("/v2/stocks/bars")
        .query((q) => (tokens.push((q as Record<string, string>).page_token), true))
        .reply(200, page);
    }
    const got = await fetchBars(paperClient(), ["SOFI", "PLUG"], Date.parse("2024-05-14T13:30:00Z"), "iex");
    expect(tokens).toEqual([undefined, "U09GSXxNfDIwMjQtMDUtMTRUMTM6MzE6MDAuMDAwMDAwMDAwWg=="]);
    expect(got.map((b) => [b.symbol, new Date(b.tMs).toISOString().slice(11, 16), b.close, b.volume])).toEqual([
      ["SOFI", "13:30", 7.05, 301877],
      ["PLUG", "13:30", 3.87, 412093],
      ["SOFI", "13:31", 7.06, 188240],
      ["SOFI", "13:32", 7.08, 97311],
    ]);
  });

  it("a streamed bar, as the SDK maps it, passes stream-input with Alpaca's values", () => {
    const refused: InputRejection[] = [];
    const s = new StreamInput(new Set(["SOFI"]), (r) => refused.push(r));
    const b = s.streamBar(streaming.mapBar(BARS.stream_bar));
    expect(b).toEqual({ symbol: "SOFI", tMs: Date.parse("2024-05-14T13:30:00Z"), open: 7.11, high: 7.13, low: 7.04, close: 7.05, volume: 301877 });
    expect(refused).toEqual([]);
  });

  it("the port's bars(…, \"1Day\") asks for timeframe=1Day on the data host, follows next_page_token, and keeps Alpaca's 00:00 New York stamps", async () => {
    const queries: Record<string, string>[] = [];
    for (const page of [BARS.rest_daily_page_1, BARS.rest_daily_page_2]) {
      nock(DATA, { reqheaders: { "APCA-API-KEY-ID": KEY, "APCA-API-SECRET-KEY": SECRET } })
        .get("/v2/stocks/bars")
        .query((q) => (queries.push(q as Record<string, string>), true))
        .reply(200, page);
    }
    const got = await alpacaPort(paperClient()).bars(["SOFI"], Date.parse("2024-05-10T04:00:00Z"), "1Day", "iex");
    expect(queries.map((q) => [q.symbols, q.timeframe, q.feed, q.page_token])).toEqual([
      ["SOFI", "1Day", "iex", undefined],
      ["SOFI", "1Day", "iex", "U09GSXxEfDIwMjQtMDUtMTNUMDQ6MDA6MDAuMDAwMDAwMDAwWg=="],
    ]);
    // No adjustment sent: Alpaca's default is raw, which the daemon's history and the exchange's data are.
    expect(queries.every((q) => q.adjustment === undefined || q.adjustment === "raw")).toBe(true);
    expect(got.map((b) => [b.symbol, new Date(b.tMs).toISOString(), b.open, b.close, b.volume])).toEqual([
      ["SOFI", "2024-05-10T04:00:00.000Z", 7.24, 7.06, 31208877],
      ["SOFI", "2024-05-13T04:00:00.000Z", 7.08, 7.12, 27719041],
      ["SOFI", "2024-05-14T04:00:00.000Z", 7.11, 7.18, 29114302],
    ]);
  });

  it("a streamed daily bar (T \"d\"), as the SDK maps it (mapBar, marketDataStream case \"d\"), passes stream-input's daily check", () => {
    const refused: InputRejection[] = [];
    const s = new StreamInput(new Set(["SOFI"]), (r) => refused.push(r));
    const b = s.streamDailyBar(streaming.mapBar(BARS.stream_daily_bar));
    expect(b).toEqual({ symbol: "SOFI", tMs: Date.parse("2024-05-14T04:00:00Z"), open: 7.11, high: 7.13, low: 7.04, close: 7.06, volume: 490117 });
    expect(refused).toEqual([]);
    // A daily bar of a symbol the daemon does not trade is refused, not crashed on.
    expect(s.streamDailyBar(streaming.mapBar({ ...BARS.stream_daily_bar, S: "PLUG" }))).toBeNull();
    expect(refused).toHaveLength(1);
  });
});
