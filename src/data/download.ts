import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { etToUtcMs, isoToEtDay } from "../core/ny-time.ts";
import { ALPACA_CSV_HEADER } from "./csv-writer.ts";

/**
 * Downloads bars from Alpaca's market-data REST (GET /v2/stocks/bars, see
 * specs/alpaca-protocol.md) into the Alpaca CSV files the loaders read, one symbol at a time so a
 * page's `limit` means the same whether Alpaca applies it per symbol or in total (unverified).
 * Pages follow `next_page_token`; 429 waits for X-RateLimit-Reset (or Retry-After); a symbol's
 * progress is committed after every page (SYM.csv.part plus SYM.csv.resume) so an interrupted
 * download resumes at the page it stopped at; each finished symbol appends a provenance line to
 * download.jsonl. None of these names end in .csv or .json, so the loaders never read them as bars.
 */

export const TIMEFRAMES = ["1Min", "5Min", "15Min", "1Hour", "1Day"] as const;
export type Timeframe = (typeof TIMEFRAMES)[number];

export interface DownloadOptions {
  readonly symbols: readonly string[];
  /** First and last New York dates, YYYY-MM-DD (inclusive). */
  readonly from: string;
  readonly to: string;
  readonly timeframe: Timeframe;
  readonly feed: "iex" | "sip";
  /**
   * Alpaca's corporate-action adjustment of the prices (default "raw", Alpaca's own default). "split"
   * divides bars before a split by its ratio: what a daily strategy reading a long history needs.
   */
  readonly adjustment?: Adjustment;
  readonly outDir: string;
  readonly keyId: string;
  readonly secretKey: string;
  /** Market-data host (Alpaca's, or the local exchange in tests). */
  readonly baseUrl?: string;
  /** Bars per page (1-10000). */
  readonly limit?: number;
  /** Download again a symbol whose file is complete. */
  readonly force?: boolean;
  readonly fetch: typeof fetch;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => number;
  /** After each page of a symbol, and once a symbol is done (also when its file was complete). */
  readonly onProgress?: (p: DownloadProgress) => void;
  /** Stop after this many pages in all (tests of resuming). */
  readonly maxPages?: number;
}

export interface SymbolDownload {
  readonly symbol: string;
  readonly status: "downloaded" | "resumed" | "skipped" | "empty" | "interrupted";
  readonly bars: number;
  readonly pages: number;
  readonly file: string | null;
}

/**
 * Where a download stands, after a page or a symbol. The number of pages is not known before the
 * last one (Alpaca only says whether there is a next), but bars come oldest first, so the last bar's
 * time tells how much of the asked period a symbol has covered.
 */
export interface DownloadProgress {
  readonly symbol: string;
  /** 0-based position of the symbol in the list, and the list's length. */
  readonly symbolIndex: number;
  readonly symbolCount: number;
  /** "page": another page came in; otherwise the symbol is done with this status. */
  readonly event: "page" | SymbolDownload["status"];
  /** Bars and pages of this symbol so far (a resumed symbol counts what it had before). */
  readonly bars: number;
  readonly pages: number;
  /** Bars of every symbol so far (those whose file was complete count 0). */
  readonly totalBars: number;
  /** Share of the asked period up to this symbol's last bar (0-1; 1 once the symbol is done). */
  readonly covered: number;
  /** Share of the whole download: finished symbols plus this one's `covered`, over the symbols (0-1). */
  readonly fraction: number;
}

export interface DownloadReport {
  readonly symbols: readonly SymbolDownload[];
  readonly requests: number;
  readonly rateLimitWaits: number;
}

interface ResumeState {
  readonly params: string;
  readonly pageToken: string | null;
  readonly bars: number;
  readonly pages: number;
  readonly partBytes: number;
}

interface AlpacaBar {
  t: string;
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
  n?: number;
  vw?: number;
}

export const DEFAULT_DATA_URL = "https://data.alpaca.markets";

/** The values of Alpaca's `adjustment` query parameter on GET /v2/stocks/bars. */
export const ADJUSTMENTS = ["raw", "split", "dividend", "all"] as const;
export type Adjustment = (typeof ADJUSTMENTS)[number];
const MAX_TRIES = 6;

/** The query of one page for one symbol. */
export function barsQuery(o: Pick<DownloadOptions, "from" | "to" | "timeframe" | "feed" | "limit" | "adjustment">, symbol: string, pageToken: string | null): URLSearchParams {
  const period = periodMs(o);
  const q = new URLSearchParams({
    symbols: symbol,
    timeframe: o.timeframe,
    start: new Date(period.start).toISOString(),
    end: new Date(period.end).toISOString(),
    limit: String(o.limit ?? 10_000),
    adjustment: o.adjustment ?? "raw",
    feed: o.feed,
    sort: "asc",
  });
  if (pageToken) q.set("page_token", pageToken);
  return q;
}

/** One bar as an Alpaca CSV row; null for a bar that is not one (counted by the caller). */
export function csvRow(b: AlpacaBar): string | null {
  const t = Date.parse(b.t);
  const nums = [b.o, b.h, b.l, b.c, b.v];
  if (!Number.isFinite(t) || nums.some((x) => typeof x !== "number" || !Number.isFinite(x))) return null;
  return `${new Date(t).toISOString()},${b.o},${b.h},${b.l},${b.c},${b.v},${b.n ?? ""},${b.vw ?? ""}\n`;
}

/** Milliseconds to wait after a 429 (or when the window is spent): until X-RateLimit-Reset, else Retry-After, else backoff. */
export function rateLimitWaitMs(headers: Headers, nowMs: number, attempt: number): number {
  const reset = Number(headers.get("x-ratelimit-reset"));
  if (Number.isFinite(reset) && reset > 0) return Math.min(60_000, Math.max(250, reset * 1000 - nowMs + 250));
  const after = Number(headers.get("retry-after"));
  if (Number.isFinite(after) && after > 0) return Math.min(60_000, after * 1000);
  return Math.min(60_000, 1000 * 2 ** attempt);
}

/** The asked period: New York midnight of the first date to the second before New York midnight after the last. */
function periodMs(o: Pick<DownloadOptions, "from" | "to">): { start: number; end: number } {
  return { start: etToUtcMs(isoToEtDay(o.from), 0), end: etToUtcMs(isoToEtDay(o.to) + 1, 0) - 1000 };
}

class Downloader {
  requests = 0;
  rateLimitWaits = 0;
  pagesLeft: number;
  /** Bars of the symbols finished so far, and the position of the one in progress. */
  barsBefore = 0;
  index = 0;
  private readonly period: { start: number; end: number };
  constructor(private readonly o: DownloadOptions) {
    this.pagesLeft = o.maxPages ?? Infinity;
    this.period = periodMs(o);
  }

  private progress(symbol: string, event: DownloadProgress["event"], bars: number, pages: number, covered: number): void {
    const c = Math.min(1, Math.max(0, covered));
    const count = this.o.symbols.length;
    this.o.onProgress?.({ symbol, symbolIndex: this.index, symbolCount: count, event, bars, pages, totalBars: this.barsBefore + bars, covered: c, fraction: count > 0 ? (this.index + c) / count : 1 });
  }

  /** The share of the period up to `iso` (a bar's time). */
  private coveredTo(iso: string | undefined, covered: number): number {
    const t = iso === undefined ? NaN : Date.parse(iso);
    if (!Number.isFinite(t)) return covered;
    return Math.max(covered, (t - this.period.start) / Math.max(1, this.period.end - this.period.start));
  }

  /** One page, with retries for 429, 5xx and network errors; refusals (401, 403, 422) throw. */
  async page(symbol: string, token: string | null): Promise<{ bars: AlpacaBar[]; next: string | null }> {
    const url = `${this.o.baseUrl ?? DEFAULT_DATA_URL}/v2/stocks/bars?${barsQuery(this.o, symbol, token)}`;
    let last = "";
    for (let attempt = 0; attempt < MAX_TRIES; attempt++) {
      let res: Response;
      try {
        this.requests++;
        res = await this.o.fetch(url, { headers: { "APCA-API-KEY-ID": this.o.keyId, "APCA-API-SECRET-KEY": this.o.secretKey, accept: "application/json" } });
      } catch (e) {
        last = (e as Error).name;
        await this.o.sleep(1000 * 2 ** attempt);
        continue;
      }
      if (res.status === 429) {
        this.rateLimitWaits++;
        await this.o.sleep(rateLimitWaitMs(res.headers, this.o.now(), attempt));
        continue;
      }
      if (res.status >= 500) {
        last = `HTTP ${res.status}`;
        await this.o.sleep(1000 * 2 ** attempt);
        continue;
      }
      const text = await res.text();
      if (!res.ok) {
        const why = res.status === 401 || res.status === 403 ? " (check APCA_API_KEY_ID and APCA_API_SECRET_KEY; sip needs a subscription, try --feed iex)" : "";
        throw new Error(`Alpaca refused the bars of ${symbol}: HTTP ${res.status} ${text.slice(0, 200)}${why}`);
      }
      // Spend the window's last request, then wait for its reset rather than earn a 429.
      if (res.headers.get("x-ratelimit-remaining") === "0") {
        this.rateLimitWaits++;
        await this.o.sleep(rateLimitWaitMs(res.headers, this.o.now(), 0));
      }
      const body = JSON.parse(text) as { bars?: Record<string, AlpacaBar[]> | null; next_page_token?: string | null };
      return { bars: body.bars?.[symbol] ?? [], next: body.next_page_token ?? null };
    }
    throw new Error(`bars of ${symbol}: no answer after ${MAX_TRIES} tries (${last || "rate limited"})`);
  }

  async symbol(symbol: string): Promise<SymbolDownload> {
    const o = this.o;
    const file = join(o.outDir, `${symbol}.csv`);
    const part = `${file}.part`;
    const resumeFile = `${file}.resume`;
    const params = JSON.stringify({ from: o.from, to: o.to, timeframe: o.timeframe, feed: o.feed, adjustment: o.adjustment ?? "raw" });
    let state: ResumeState | null = existsSync(resumeFile) ? (JSON.parse(readFileSync(resumeFile, "utf8")) as ResumeState) : null;
    if (state && (state.params !== params || !existsSync(part))) state = null;
    if (!state && existsSync(file) && !o.force) return this.done({ symbol, status: "skipped", bars: 0, pages: 0, file });
    const resumed = state !== null;
    if (state) truncateSync(part, state.partBytes);
    else writeFileSync(part, `${ALPACA_CSV_HEADER}\n`);
    let bars = state?.bars ?? 0;
    let pages = state?.pages ?? 0;
    let token = state?.pageToken ?? null;
    let covered = 0;
    do {
      if (this.pagesLeft-- <= 0) return this.done({ symbol, status: "interrupted", bars, pages, file: null }, covered);
      const p = await this.page(symbol, token);
      const rows = p.bars.map(csvRow).filter((r): r is string => r !== null);
      if (rows.length) appendFileSync(part, rows.join(""));
      bars += rows.length;
      pages++;
      token = p.next;
      const next: ResumeState = { params, pageToken: token, bars, pages, partBytes: statSync(part).size };
      writeFileSync(`${resumeFile}.tmp`, JSON.stringify(next));
      renameSync(`${resumeFile}.tmp`, resumeFile);
      covered = token === null ? 1 : this.coveredTo(p.bars[p.bars.length - 1]?.t, covered);
      this.progress(symbol, "page", bars, pages, covered);
    } while (token);
    rmSync(resumeFile);
    if (bars === 0) {
      rmSync(part);
      return this.done({ symbol, status: "empty", bars, pages, file: null });
    }
    renameSync(part, file);
    const provenance = { symbol, file: `${symbol}.csv`, source: `${o.baseUrl ?? DEFAULT_DATA_URL}/v2/stocks/bars`, feed: o.feed, timeframe: o.timeframe, adjustment: o.adjustment ?? "raw", from: o.from, to: o.to, bars, pages, downloadedAt: new Date(o.now()).toISOString() };
    appendFileSync(join(o.outDir, "download.jsonl"), `${JSON.stringify(provenance)}\n`);
    return this.done({ symbol, status: resumed ? "resumed" : "downloaded", bars, pages, file });
  }

  /** Reports a symbol's end and moves on to the next. */
  private done(r: SymbolDownload, covered = 1): SymbolDownload {
    this.progress(r.symbol, r.status, r.bars, r.pages, covered);
    this.barsBefore += r.bars;
    this.index++;
    return r;
  }
}

/** Downloads every symbol in turn (see the module comment). */
export async function downloadBars(o: DownloadOptions): Promise<DownloadReport> {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(o.from) || !/^\d{4}-\d{2}-\d{2}$/.test(o.to) || o.from > o.to) throw new Error(`--from and --to must be dates YYYY-MM-DD with from <= to (got ${o.from}..${o.to})`);
  if (!TIMEFRAMES.includes(o.timeframe)) throw new Error(`--timeframe must be one of ${TIMEFRAMES.join(", ")} (got ${o.timeframe})`);
  mkdirSync(o.outDir, { recursive: true });
  const d = new Downloader(o);
  const out: SymbolDownload[] = [];
  for (const s of o.symbols) {
    const r = await d.symbol(s);
    out.push(r);
    if (r.status === "interrupted") break;
  }
  return { symbols: out, requests: d.requests, rateLimitWaits: d.rateLimitWaits };
}
