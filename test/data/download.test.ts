import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { nock } from "../adapters/alpaca-nock.ts";
import { barsQuery, downloadBars, rateLimitWaitMs, type DownloadOptions, type DownloadProgress } from "../../src/data/download.ts";
import { progressText } from "../../src/cli/download-cmd.ts";
import { loadBarDir } from "../../src/data/load-dir.ts";
import { runCli } from "../cli/run-cli.ts";

const DATA = "https://data.alpaca.markets";
const T0 = Date.parse("2024-04-01T13:30:00Z");

/** Bars in Alpaca's documented shape ({t,o,h,l,c,v,n,vw}), one a minute from 09:30 New York. */
function bars(from: number, count: number): object[] {
  return Array.from({ length: count }, (_, i) => {
    const p = 10 + (from + i) * 0.01;
    return { t: new Date(T0 + (from + i) * 60_000).toISOString().replace(".000Z", "Z"), o: p, h: p + 0.05, l: p - 0.05, c: p + 0.01, v: 1000 + i, n: 12, vw: p };
  });
}

function opts(out: string, o: Partial<DownloadOptions> = {}): DownloadOptions & { waits: number[] } {
  const waits: number[] = [];
  return {
    symbols: ["GME"],
    from: "2024-04-01",
    to: "2024-04-01",
    timeframe: "1Min",
    feed: "iex",
    outDir: out,
    keyId: "PKTESTKEY0000000",
    secretKey: "secret-secret-secret-secret-secret-0000",
    limit: 3,
    fetch: globalThis.fetch,
    sleep: async (ms) => {
      waits.push(ms);
    },
    now: () => T0,
    ...o,
    waits,
  };
}

/** Matches one page's query: the symbol, the feed, and the page token (absent on the first page). */
const page = (symbol: string, token: string | null) => (q: Record<string, string>) => q.symbols === symbol && q.feed === "iex" && q.timeframe === "1Min" && q.page_token === (token ?? undefined);

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());

describe("bar downloads", () => {
  it("follows next_page_token and writes the Alpaca CSV the loader reads, with provenance", async () => {
    const out = mkdtempSync(join(tmpdir(), "sw-dl-"));
    const api = nock(DATA, { reqheaders: { "APCA-API-KEY-ID": "PKTESTKEY0000000" } })
      .get("/v2/stocks/bars").query(page("GME", null)).reply(200, { bars: { GME: bars(0, 3) }, next_page_token: "p2" })
      .get("/v2/stocks/bars").query(page("GME", "p2")).reply(200, { bars: { GME: bars(3, 3) }, next_page_token: "p3" })
      .get("/v2/stocks/bars").query(page("GME", "p3")).reply(200, { bars: { GME: bars(6, 2) }, next_page_token: null });
    const r = await downloadBars(opts(out));
    expect(api.isDone()).toBe(true);
    expect(r.symbols).toEqual([{ symbol: "GME", status: "downloaded", bars: 8, pages: 3, file: join(out, "GME.csv") }]);
    const csv = readFileSync(join(out, "GME.csv"), "utf8").split("\n");
    expect(csv[0]).toBe("timestamp,open,high,low,close,volume,trade_count,vwap");
    expect(csv[1]).toBe("2024-04-01T13:30:00.000Z,10,10.05,9.95,10.01,1000,12,10");
    const loaded = loadBarDir(out, { cacheDir: null });
    expect(loaded.series.map((s) => [s.symbol, s.length])).toEqual([["GME", 8]]);
    // Only the CSV is bars: the provenance log and no leftovers.
    expect(readdirSync(out).sort()).toEqual(["GME.csv", "download.jsonl"]);
    const prov = JSON.parse(readFileSync(join(out, "download.jsonl"), "utf8"));
    expect(prov).toMatchObject({ symbol: "GME", source: `${DATA}/v2/stocks/bars`, feed: "iex", timeframe: "1Min", bars: 8, pages: 3 });
    expect(JSON.stringify(prov)).not.toContain("secret");
  });

  it("reports every page: bars and pages of the symbol, how far into the period, and each symbol's end", async () => {
    const out = mkdtempSync(join(tmpdir(), "sw-dl-"));
    writeFileSync(join(out, "AMC.csv"), "timestamp,open,high,low,close,volume,trade_count,vwap\n");
    nock(DATA)
      .get("/v2/stocks/bars").query(page("GME", null)).reply(200, { bars: { GME: bars(0, 3) }, next_page_token: "p2" })
      // The second page ends at 15:30 New York: 15.5 h into the day asked for.
      .get("/v2/stocks/bars").query(page("GME", "p2")).reply(200, { bars: { GME: bars(357, 3) }, next_page_token: "p3" })
      .get("/v2/stocks/bars").query(page("GME", "p3")).reply(200, { bars: { GME: bars(360, 2) }, next_page_token: null })
      .get("/v2/stocks/bars").query(page("SPY", null)).reply(200, { bars: { SPY: bars(0, 2) }, next_page_token: null });
    const seen: DownloadProgress[] = [];
    await downloadBars(opts(out, { symbols: ["GME", "AMC", "SPY"], onProgress: (p) => seen.push(p) }));
    const rows = seen.map((p) => [p.symbol, p.event, p.bars, p.pages, p.totalBars, Number(p.covered.toFixed(3)), Number(p.fraction.toFixed(3))]);
    const day = 24 * 60 - 1 / 60; // minutes from New York midnight to the period's last second
    const at = (min: number): number => Number((min / day).toFixed(3));
    expect(rows).toEqual([
      ["GME", "page", 3, 1, 3, at(9.5 * 60 + 2), Number((at(9.5 * 60 + 2) / 3).toFixed(3))],
      ["GME", "page", 6, 2, 6, at(15.5 * 60 - 1), Number((at(15.5 * 60 - 1) / 3).toFixed(3))],
      ["GME", "page", 8, 3, 8, 1, 0.333],
      ["GME", "downloaded", 8, 3, 8, 1, 0.333],
      ["AMC", "skipped", 0, 0, 8, 1, 0.667],
      ["SPY", "page", 2, 1, 10, 1, 1],
      ["SPY", "downloaded", 2, 1, 10, 1, 1],
    ]);
    expect(progressText(seen[1])).toBe("GME (1/3): 6 bars, 2 pages, up to 65% of the period | 6 bars in all");
    expect(progressText(seen[4])).toBe("AMC (2/3): 0 bars, 0 pages, skipped | 8 bars in all");
  });

  it("asks for the whole New York days and one symbol a request", () => {
    const q = barsQuery({ from: "2024-04-01", to: "2024-04-02", timeframe: "1Min", feed: "sip" }, "AMC", "tok");
    expect(q.get("start")).toBe("2024-04-01T04:00:00.000Z");
    expect(q.get("end")).toBe("2024-04-03T03:59:59.000Z");
    expect(q.get("symbols")).toBe("AMC");
    expect(q.get("page_token")).toBe("tok");
    // Alpaca's default (raw) unless asked; split when asked, as a daily trend strategy needs.
    expect(q.get("adjustment")).toBe("raw");
    expect(barsQuery({ from: "2024-04-01", to: "2024-04-02", timeframe: "1Day", feed: "iex", adjustment: "split" }, "AAPL", null).get("adjustment")).toBe("split");
  });

  it("waits out a 429 until X-RateLimit-Reset and when the window is spent", async () => {
    const out = mkdtempSync(join(tmpdir(), "sw-dl-"));
    const reset = String(Math.floor(T0 / 1000) + 7);
    nock(DATA)
      .get("/v2/stocks/bars").query(page("GME", null)).reply(429, { message: "too many requests." }, { "X-RateLimit-Limit": "200", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset })
      .get("/v2/stocks/bars").query(page("GME", null)).reply(200, { bars: { GME: bars(0, 2) }, next_page_token: null }, { "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset });
    const o = opts(out);
    const r = await downloadBars(o);
    expect(r.rateLimitWaits).toBe(2);
    expect(o.waits).toEqual([7250, 7250]);
    expect(r.symbols[0].bars).toBe(2);
    expect(rateLimitWaitMs(new Headers({ "retry-after": "2" }), T0, 0)).toBe(2000);
    expect(rateLimitWaitMs(new Headers(), T0, 3)).toBe(8000);
  });

  it("resumes an interrupted download at the page it stopped at, and skips finished files", async () => {
    const out = mkdtempSync(join(tmpdir(), "sw-dl-"));
    nock(DATA)
      .get("/v2/stocks/bars").query(page("GME", null)).reply(200, { bars: { GME: bars(0, 3) }, next_page_token: "p2" });
    const first = await downloadBars(opts(out, { maxPages: 1 }));
    expect(first.symbols[0].status).toBe("interrupted");
    expect(existsSync(join(out, "GME.csv"))).toBe(false);
    nock(DATA)
      .get("/v2/stocks/bars").query(page("GME", "p2")).reply(200, { bars: { GME: bars(3, 2) }, next_page_token: null });
    const second = await downloadBars(opts(out));
    expect(second.symbols[0]).toMatchObject({ status: "resumed", bars: 5, pages: 2 });
    expect(second.requests).toBe(1);
    expect(loadBarDir(out, { cacheDir: null }).series[0].length).toBe(5);
    const third = await downloadBars(opts(out));
    expect(third.symbols[0].status).toBe("skipped");
    expect(third.requests).toBe(0);
  });

  it("says why Alpaca refused (keys, feed) instead of writing an empty file", async () => {
    const out = mkdtempSync(join(tmpdir(), "sw-dl-"));
    nock(DATA).get("/v2/stocks/bars").query(true).reply(403, { message: "subscription does not permit querying recent SIP data" });
    await expect(downloadBars(opts(out, { feed: "sip" }))).rejects.toThrow(/HTTP 403.*try --feed iex/);
    await expect(downloadBars(opts(out, { from: "2024-04-02", to: "2024-04-01" }))).rejects.toThrow(/from <= to/);
  });

  it("sizewise data download fills a folder that backtest --data reads", async () => {
    const out = mkdtempSync(join(tmpdir(), "sw-dl-"));
    nock(DATA)
      .get("/v2/stocks/bars").query((q) => q.symbols === "GME" && q.limit === "10000").reply(200, { bars: { GME: bars(0, 30) }, next_page_token: null })
      .get("/v2/stocks/bars").query((q) => q.symbols === "AMC").reply(200, { bars: { AMC: bars(0, 30) }, next_page_token: null });
    process.env.APCA_API_KEY_ID = "PKTESTKEY0000000";
    process.env.APCA_API_SECRET_KEY = "secret-secret-secret-secret-secret-0000";
    try {
      const r = await runCli(["data", "download", "--symbols", "gme,amc", "--from", "2024-04-01", "--to", "2024-04-01", "--out", out]);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toContain(`60 bars in ${out}`);
      // Not a terminal: a line a page instead of the bar.
      expect(r.err.split("\n").filter(Boolean)).toEqual(["GME (1/2): 30 bars, 1 page, up to 100% of the period | 30 bars in all", "AMC (2/2): 30 bars, 1 page, up to 100% of the period | 60 bars in all"]);
    } finally {
      delete process.env.APCA_API_KEY_ID;
      delete process.env.APCA_API_SECRET_KEY;
    }
    const bt = await runCli(["backtest", "--data", out, "--no-cache"]);
    expect(bt.code, bt.err).toBe(0);
    expect(bt.out).toContain("trades");
  });
});

describe("bar downloads from the local exchange's bars endpoint", () => {
  it("pages through /v2/stocks/bars over HTTP and writes the same bars the exchange replayed", async () => {
    const { startExchange } = await import("../../src/exchange/server.ts");
    const { generateSeries } = await import("../../src/data/generator.ts");
    const KEY = "PKLOCALTEST00000";
    const SECRET = "local-secret-local-secret-local-secret00";
    const series = generateSeries({ seed: 7, symbols: ["AAA", "BBB"], days: 2, startDay: "2024-04-01", calendar: true });
    nock.enableNetConnect("127.0.0.1");
    const ex = await startExchange({ keyId: KEY, secretKey: SECRET, bars: series, speed: "max", initialCashUsd: 100_000, frictionPctRoundTrip: 0 });
    try {
      // The exchange serves the minutes it has replayed: replay them all first.
      while (ex.stepBars(10_000) > 0);
      const out = mkdtempSync(join(tmpdir(), "sw-dl-ex-"));
      const r = await downloadBars({ ...opts(out, { symbols: ["AAA", "BBB"], from: "2024-04-01", to: "2024-04-02", limit: 500 }), keyId: KEY, secretKey: SECRET, baseUrl: ex.url, fetch: globalThis.fetch });
      const loaded = loadBarDir(out, { cacheDir: null });
      for (const s of series) {
        const got = loaded.series.find((x) => x.symbol === s.symbol)!;
        expect(got.length, s.symbol).toBe(s.length);
        expect(Array.from(got.close)).toEqual(Array.from(s.close));
        expect(r.symbols.find((x) => x.symbol === s.symbol)!.pages).toBe(Math.ceil(s.length / 500));
      }
    } finally {
      await ex.close();
      nock.disableNetConnect();
    }
  }, 60_000);
});
