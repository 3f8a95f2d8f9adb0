import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { streaming } from "@alpacahq/alpaca-trade-api";
import { fetchBars } from "../../src/adapters/alpaca/history.ts";
import { StreamInput, type InputRejection } from "../../src/daemon/stream-input.ts";
import { DATA, KEY, nock, paperClient, SECRET, useNock } from "./alpaca-nock.ts";

useNock();

type RawBar = Parameters<typeof streaming.mapBar>[0];
const BARS = JSON.parse(readFileSync(new URL("../fixtures/alpaca/bars.json", import.meta.url), "utf8")) as {
  rest_page_1: unknown;
  rest_page_2: unknown;
  stream_bar: RawBar;
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
});
