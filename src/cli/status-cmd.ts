import { cliTable } from "./colour.ts";
import { Option, type Command } from "commander";
import { resolveConfig } from "../config/load.ts";
import { readStatus, type StatusReport } from "../report/status.ts";
import { money, usd } from "../report/journal-text.ts";
import { nyClock } from "../report/trades.ts";
import { homeDir, requireStateDir } from "./home.ts";
import { intOption } from "./int-option.ts";

interface StatusOptions {
  state: string;
  json?: boolean;
  config?: string;
  run?: string;
  allRuns?: boolean;
  watch?: string | true;
  watchCount?: string;
}

/** Seconds between redraws of `status --watch` when no interval is given. */
export const DEFAULT_WATCH_SECONDS = 2;

/** `sizewise status`: is the daemon running, and what it holds, from its state dir. */
export function registerStatus(program: Command): void {
  program
    .command("status")
    .description("Show the daemon's status from its state folder: running or not, broker, equity, open positions with unrealised P/L, stops and next template step, today's P/L and trades, halts and cutbacks, last bar per symbol, stream health.")
    .option("--state <dir>", "the daemon's state folder", "state")
    .option("--config <file>", "config file (default: config/local.json when present, else the defaults): the drawdown ladder")
    .option("--run <id>", "take the journal figures from this run (its id or first characters; \"unnamed\" for a journal older than run ids); default: the state's current run")
    .option("--all-runs", "list every run of the last 60 journal days with its own figures, not only those that wrote today")
    .option("--json", "print the status as JSON")
    .option("--watch [seconds]", `redraw the status every N seconds (default ${DEFAULT_WATCH_SECONDS}) until Ctrl-C; on a pipe or file, one block per interval without screen-clearing codes`)
    // For tests and scripts: stop after this many blocks.
    .addOption(new Option("--watch-count <n>", "with --watch: stop after this many blocks").hideHelp())
    .addHelpText(
      "after",
      `
Examples:
  $ npx sizewise status
  $ npx sizewise status --state /tmp/x --json
  $ npx sizewise status --watch          # redraws every ${DEFAULT_WATCH_SECONDS} s until Ctrl-C
  $ npx sizewise status --watch 10 >> status.log`,
    )
    .action(async (o: StatusOptions) => {
      requireStateDir(o.state, "no daemon has run there");
      const config = resolveConfig(o.config, homeDir());
      const render = (): string => {
        const s = readStatus(o.state, config, { run: o.run, allRuns: o.allRuns });
        return o.json ? `${JSON.stringify(s)}\n` : statusText(s, o.allRuns);
      };
      if (o.watch === undefined) {
        if (o.watchCount !== undefined) throw new Error("--watch-count needs --watch");
        process.stdout.write(render());
        return;
      }
      const seconds = watchSeconds(o.watch);
      const count = o.watchCount === undefined ? Infinity : intOption("--watch-count", o.watchCount, 1);
      // Ctrl-C ends the watch between redraws with exit 0; the listener goes with the watch.
      const stop = new AbortController();
      const onInt = (): void => stop.abort();
      process.once("SIGINT", onInt);
      try {
        await watchStatus({
          render,
          seconds,
          count,
          // JSON lines stay one object per line even on a terminal.
          redraw: process.stdout.isTTY === true && !o.json,
          write: (t) => process.stdout.write(t),
          now: () => new Date(),
          sleep: (ms) => abortableSleep(ms, stop.signal),
          signal: stop.signal,
        });
      } finally {
        process.removeListener("SIGINT", onInt);
      }
    });
}

/** The `--watch` value in seconds: a positive number, 2 when the flag has no value. */
export function watchSeconds(v: string | true): number {
  if (v === true) return DEFAULT_WATCH_SECONDS;
  const n = Number(v);
  if (v.trim() === "" || !Number.isFinite(n) || n <= 0) throw new Error(`--watch must be a number of seconds > 0 (got ${JSON.stringify(v)})`);
  return n;
}

/** Cursor home and clear screen (ECMA-48 CUP + ED 2): a redraw in place, for terminals only. */
export const CLEAR_SCREEN = "\x1b[H\x1b[2J";

export interface WatchOptions {
  /** One status block (throws when the state cannot be read right now). */
  readonly render: () => string;
  readonly seconds: number;
  /** Blocks to print before returning (Infinity: until the signal aborts). */
  readonly count: number;
  /** Clear the screen before each block (a terminal); otherwise blocks follow each other. */
  readonly redraw: boolean;
  readonly write: (text: string) => void;
  readonly now: () => Date;
  readonly sleep: (ms: number) => Promise<void>;
  readonly signal?: AbortSignal;
}

/**
 * `status --watch`: a block every `seconds` until `count` blocks or the signal. A block that cannot
 * be read (a state file being replaced, a folder gone) says why and the watch goes on: a watcher
 * must outlive the daemon's hiccups.
 */
export async function watchStatus(o: WatchOptions): Promise<number> {
  let n = 0;
  while (n < o.count && !o.signal?.aborted) {
    let body: string;
    try {
      body = o.render();
    } catch (e) {
      body = `cannot read the status right now: ${(e as Error).message}\n`;
    }
    const head = `--- ${NY_STAMP.format(o.now())} NY, every ${o.seconds} s${o.redraw ? " (Ctrl-C to stop)" : ""} ---\n`;
    o.write(`${o.redraw ? CLEAR_SCREEN : n > 0 ? "\n" : ""}${head}${body}`);
    n++;
    if (n < o.count) await o.sleep(o.seconds * 1000);
  }
  return n;
}

/** New York date and time to the second ("2024-05-13 09:31:02"; Sweden's locale writes ISO order). */
const NY_STAMP = new Intl.DateTimeFormat("sv-SE", { timeZone: "America/New_York", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });

/** Resolves after `ms` or as soon as the signal aborts. */
function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

/** The other runs that wrote on the status's day (or all with --all-runs), each with its own figures. */
function otherRuns(s: StatusReport, all: boolean): string[] {
  const others = s.runs.filter((r) => r.run !== s.figuresRun && (all || r.lastDate === s.today.date || r.tradesClosed > 0));
  return others.map((r) => `           run ${r.run}${r.current ? " (current)" : ""} ${r.firstDate}..${r.lastDate}: realised P/L ${usd(r.realizedPnlUsd)} today, ${r.tradesClosed} trades closed (${r.wins} won); not in the figures above (--run ${r.run})`);
}

const at = (iso: string | null): string => (iso === null ? "-" : `${iso.slice(0, 10)} ${nyClock(iso)} NY`);

export function statusText(s: StatusReport, allRuns = false): string {
  const r = s.running;
  const lines = [
    `sizewise status: ${s.stateDir}`,
    `Daemon:    ${r.state === "running" ? `RUNNING (${r.detail})` : r.detail}`,
    `Broker:    ${s.broker ?? "-"}${s.run ? ` | run ${s.run.id.slice(0, 8)} started ${at(s.run.startedAt)}, ${s.run.symbols.length} symbols` : ""} | sizing mode: ${s.sizingMode ?? "-"}`,
    `Equity:    ${money(s.equity.estimateUsd)} (${s.equity.how}${s.figuresRun === null ? "" : `; run ${s.figuresRun}`})${s.equity.lastReportedUsd !== null ? ` | last reported ${money(s.equity.lastReportedUsd)} at ${at(s.equity.lastReportedAt)}` : ""}`,
    `           high-water ${money(s.highWaterUsd)} | drawdown ${s.drawdownPct === null ? "-" : `${s.drawdownPct.toFixed(2)}%`}`,
    `Today:     ${s.today.date ?? "-"}: realised P/L ${usd(s.today.realizedPnlUsd)}, ${s.today.entries} entries, ${s.today.tradesClosed} trades closed (${s.today.wins} won)${s.figuresRun === null ? "" : ` [run ${s.figuresRun}]`}`,
    ...otherRuns(s, allRuns),
    `Halts:     ${s.halts.length ? s.halts.join("; ") : "none"}`,
    `Cutbacks:  ${s.cutbacks.length ? s.cutbacks.join("; ") : "none"}`,
  ];
  if (s.positions.length === 0) lines.push("Positions: none open");
  else {
    const t = cliTable({ head: ["symbol", "shares", "avg entry", "last", "unrealised", "stop", "template", "next step"], style: { head: [], border: [] } });
    for (const p of s.positions) {
      t.push([p.symbol, p.shares, p.avgEntryUsd.toFixed(4), p.lastPriceUsd === null ? "-" : `${p.lastPriceUsd.toFixed(4)} (${nyClock(p.lastPriceTime ?? "")})`, p.unrealizedUsd === null ? "-" : usd(p.unrealizedUsd), p.stopUsd === null ? "none" : p.stopUsd.toFixed(4), p.template ?? "-", p.next]);
    }
    lines.push(`Positions: ${s.positions.length} open`, t.toString());
  }
  if (s.lastBars.length > 0) {
    const newest = s.lastBars.reduce((a, b) => (b.time > a ? b.time : a), "");
    const late = s.lastBars.filter((b) => b.behindNewestMin > 0);
    lines.push(`Last bars: newest ${at(newest)}; ${late.length === 0 ? `all ${s.lastBars.length} symbols up to date` : `behind: ${late.map((b) => `${b.symbol} ${b.behindNewestMin} min`).join(", ")}`}`);
  }
  lines.push(
    `Streams:   ${s.streams.map((x) => `${x.stream} ${x.state === "down" ? `DOWN since ${at(x.lastTime)}` : x.lastEvent ? `ok (last ${x.lastEvent} ${at(x.lastTime)})` : "ok"}${x.disconnectsToday ? `, ${x.disconnectsToday} disconnects today` : ""}`).join(" | ")}`,
    `Journal:   last event ${s.lastJournalEvent ? `${s.lastJournalEvent.type} at ${at(s.lastJournalEvent.time)}` : "-"}`,
  );
  return `${lines.join("\n")}\n`;
}
