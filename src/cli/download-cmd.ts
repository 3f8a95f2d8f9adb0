import type { Command } from "commander";
import { ADJUSTMENTS, downloadBars, TIMEFRAMES, type Adjustment, type DownloadProgress, type DownloadReport, type Timeframe } from "../data/download.ts";
import { askedSymbols } from "./load-bars.ts";
import { homeDir } from "./home.ts";
import { missingKeysReason, readKeys } from "./keys.ts";
import { shareProgressBar } from "./progress.ts";

interface DownloadCmdOptions {
  symbols?: string;
  from?: string;
  to?: string;
  timeframe: string;
  feed: string;
  adjustment: string;
  out?: string;
  force?: boolean;
  dataUrl?: string;
}

const EXAMPLES = `
Keys come from the environment or the home's .env (APCA_API_KEY_ID, APCA_API_SECRET_KEY); a free
account reads the iex feed. An interrupted download resumes where it stopped when run again; a
finished file is kept unless --force. download.jsonl in the folder records where each file came from.

Examples:
  $ npx sizewise data download --symbols GME,AMC --from 2024-04-01 --to 2024-06-28 --out data/1min
  $ npx sizewise backtest --data data/1min
  $ npx sizewise data download --symbols SPY --from 2020-01-01 --to 2024-12-31 --timeframe 1Day --out data/1day`;

function withDownloadOptions(cmd: Command): Command {
  return cmd
    .description("Download bars from Alpaca's market-data REST into Alpaca CSV files that --data reads (resumable).")
    .requiredOption("--symbols <list>", "comma-separated symbols")
    .requiredOption("--from <date>", "first New York date, YYYY-MM-DD")
    .requiredOption("--to <date>", "last New York date, YYYY-MM-DD (inclusive)")
    .option("--timeframe <tf>", `bar size: ${TIMEFRAMES.join(", ")}`, "1Min")
    .option("--feed <feed>", "iex (free accounts) or sip (all US exchanges, paid data plan)", "iex")
    .option("--adjustment <kind>", `Alpaca's price adjustment: ${ADJUSTMENTS.join(", ")} (split for daily bars a trend strategy reads over years: a raw split reads as a crash)`, "raw")
    .requiredOption("--out <dir>", "folder to write SYMBOL.csv files to (created when missing)")
    .option("--force", "download again symbols whose file is already complete")
    .option("--data-url <url>", "market-data host (default https://data.alpaca.markets; the local exchange's URL works too)")
    .addHelpText("after", EXAMPLES)
    .action((o: DownloadCmdOptions) => downloadCommand(o));
}

/** `sizewise data download` (and its short form `sizewise download`). */
export function registerDownload(program: Command): void {
  withDownloadOptions(program.command("download"));
  const data = program.command("data").description("Market data: download bars from Alpaca.").addHelpText("after", "\nExample:\n  $ npx sizewise data download --symbols GME --from 2024-04-01 --to 2024-04-30 --out data/1min");
  withDownloadOptions(data.command("download"));
}

async function downloadCommand(o: DownloadCmdOptions): Promise<void> {
  const symbols = askedSymbols(o) ?? [];
  if (symbols.length === 0) throw new Error("--symbols names no symbol");
  if (o.feed !== "iex" && o.feed !== "sip") throw new Error(`--feed must be iex or sip (got ${o.feed})`);
  if (!(ADJUSTMENTS as readonly string[]).includes(o.adjustment)) throw new Error(`--adjustment must be one of ${ADJUSTMENTS.join(", ")} (got ${o.adjustment})`);
  const keys = readKeys(process.env, homeDir());
  if (!keys) throw new Error(`no Alpaca keys: ${missingKeysReason(process.env, homeDir())}`);
  // A bar that moves with every page on a terminal; elsewhere (a pipe, a log file) one line a page.
  const onTerminal = process.stderr.isTTY === true && !process.env.CI;
  const bar = shareProgressBar("download", onTerminal);
  const report = await downloadBars({
    symbols,
    from: o.from!,
    to: o.to!,
    timeframe: o.timeframe as Timeframe,
    feed: o.feed,
    adjustment: o.adjustment as Adjustment,
    outDir: o.out!,
    keyId: keys.keyId,
    secretKey: keys.secretKey,
    baseUrl: o.dataUrl,
    force: o.force,
    fetch: globalThis.fetch,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    now: Date.now,
    onProgress: (p) => {
      if (onTerminal) bar.update(p.fraction, progressText(p));
      else if (p.event === "page") process.stderr.write(`${progressText(p)}\n`);
    },
  });
  bar.stop();
  process.stdout.write(`${downloadText(report, o.out!)}\n`);
}

const count = (n: number): string => n.toLocaleString("en-US");

/**
 * Where a download stands, in one line: "GME (2/3): 20,000 bars, 2 pages, up to 41% of the period |
 * 45,000 bars in all".
 */
export function progressText(p: DownloadProgress): string {
  const where = p.event === "page" ? `up to ${Math.round(p.covered * 100)}% of the period` : p.event;
  const all = p.symbolCount > 1 ? ` | ${count(p.totalBars)} bars in all` : "";
  return `${p.symbol} (${p.symbolIndex + 1}/${p.symbolCount}): ${count(p.bars)} bars, ${p.pages} page${p.pages === 1 ? "" : "s"}, ${where}${all}`;
}

/** One line per symbol and the totals. */
export function downloadText(r: DownloadReport, dir: string): string {
  const lines = r.symbols.map((s) => `${s.symbol.padEnd(6)} ${s.status.padEnd(10)} ${s.bars} bars${s.status === "skipped" ? " (file complete; --force downloads it again)" : ""}`);
  const bars = r.symbols.reduce((a, s) => a + s.bars, 0);
  lines.push(`${bars} bars in ${dir} (${r.requests} requests${r.rateLimitWaits ? `, ${r.rateLimitWaits} waits for the rate limit` : ""}); read them with --data ${dir}`);
  return lines.join("\n");
}
