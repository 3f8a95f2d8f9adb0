import { existsSync } from "node:fs";
import { formatUsd } from "../report/format.ts";
import { nyStamp } from "../report/trades.ts";
import { cliTable } from "./colour.ts";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import type { Logger } from "pino";
import { applyStrategyOptions, resolveRunConfig, withStrategyOptions, type StrategyCliOptions } from "./strategy-option.ts";
import type { Config } from "../config/schema.ts";
import { runLocal } from "../daemon/run-local.ts";
import { runRemote } from "../daemon/run-remote.ts";
import { startNewRun } from "../daemon/run-files.ts";
import { askedSymbols, barLimits, loadSeries, withBarInputs, type BarInputOptions } from "./load-bars.ts";
import { createLogger } from "./logger.ts";
import { missingKeysReason, readKeys } from "./keys.ts";
import { homeDir, homeSource } from "./home.ts";
import { refusedLine, startBanner } from "./start-banner.ts";
import { userConfigPath } from "../config/user-file.ts";
import { claimPidFile } from "../store/pid-file.ts";
import { followedConfig, replayProgress } from "./start-extras.ts";
import { buildSlots, dailySymbolsOf } from "../strategy/slots.ts";
import { readConfigFile } from "../config/watch.ts";
import { etToUtcMs, isoToEtDay } from "../core/ny-time.ts";
import { tradesByStrategy } from "../backtest/run.ts";
import { STRATEGY_HEAD, strategyCells } from "../report/by-strategy.ts";
import { isDateStamped } from "../data/day-range.ts";
import { daemonAlerts, flushAlerts } from "./daemon-alerts.ts";

interface StartOptions extends BarInputOptions, StrategyCliOptions {
  local?: boolean;
  config?: string;
  live?: boolean;
  speed: string;
  brokerUrl?: string;
  generated?: boolean;
  newRun?: boolean;
}

/**
 * The local exchange with `--symbols` and no `--data` would trade invented prices under those
 * names. That is refused unless `--generated` says it is meant: without keys, "AMC" on screen must
 * never be a random walk nobody asked for.
 */
export function refuseBorrowedNames(symbols: readonly string[] | undefined, o: { data?: string; generated?: boolean }, why: string): void {
  if (!symbols || o.data || o.generated) return;
  throw new Error(
    `refusing to trade ${symbols.join(", ")}: ${why}, so this would be the embedded local exchange replaying GENERATED bars that merely carry those names, not market prices. ` +
      `To trade Alpaca paper set APCA_API_KEY_ID and APCA_API_SECRET_KEY (environment or .env in the home folder); to replay real bars pass --data DIR holding these symbols; ` +
      `to trade generated bars under these names anyway pass --generated.`,
  );
}

/** The config file a run reads: --config FILE, else the home's config/local.json (which may be absent). */
function configPathInForce(explicit: string | undefined, home: string): string {
  return userConfigPath(explicit, home);
}

/** `--speed N|max`: N replayed minutes per wall-clock minute, or as fast as the bot consumes them. */
export function parseSpeed(v: string): "max" | number {
  if (v === "max") return "max";
  const n = Number(v);
  if (!(n > 0) || !Number.isFinite(n)) throw new Error(`--speed must be a positive number or "max" (got ${JSON.stringify(v)})`);
  return n;
}

/**
 * Live trading needs BOTH `trading.live: true` in config AND `--live`; anything less stays on
 * paper, and says which opt-in is missing.
 */
export function chooseBroker(config: Config, liveFlag: boolean, log: Logger): "paper" | "live" {
  if (config.trading.live && liveFlag) {
    log.warn("LIVE TRADING: real money. trading.live is true in config and --live was given.");
    process.stderr.write("\n*** LIVE TRADING WITH REAL MONEY (trading.live: true and --live) ***\n\n");
    return "live";
  }
  if (config.trading.live || liveFlag) {
    const missing = config.trading.live ? "--live on the command line" : "trading.live: true in config";
    log.warn(`staying on paper: live trading also needs ${missing}`);
    process.stderr.write(`staying on PAPER: live trading needs both trading.live: true in config and --live (missing: ${missing})\n`);
  }
  return "paper";
}

/**
 * `sizewise start` (what `npm start` runs): the paper-trading daemon. With APCA_API_KEY_ID and
 * APCA_API_SECRET_KEY set it trades Alpaca paper (or the broker at --broker-url); without keys,
 * or with --local, it starts the local exchange in this process and trades a replay against it
 * through the official SDK.
 */
export function registerStart(program: Command): void {
  withStrategyOptions(withBarInputs(
    program
      .command("start")
      .description("Run the paper-trading daemon: Alpaca paper with keys in the environment, else the embedded local exchange replaying bars over the Alpaca protocol.")
      .option("--local", "trade the embedded local exchange even when Alpaca keys are set")
      .option("--generated", "on the local exchange with --symbols and no --data: trade GENERATED bars under those names (refused otherwise, so invented prices never pass for real tickers)"),
    {
      symbolsHelp: "comma-separated symbols (replay: a subset of the data; Alpaca: overrides trading.symbols)",
      state: ["state folder (state.json, journal/, exchange/)", "state"],
      genSymbols: "10",
      // Four weeks: on the calendar's sessions, ten days of the default seed hold no setup at the
      // default -15% day change, and a first run that trades nothing shows a newcomer nothing.
      genDays: "20",
      cacheOption: false,
    },
  ))
    .option("--speed <n|max>", "replay speed: N replayed minutes per wall-clock minute, or max (lock step, reproducible)", "max")
    .option("--config <file>", "config file (default: config/local.json when present, else the defaults)")
    .option("--broker-url <url>", "an Alpaca-protocol broker to trade instead of Alpaca (e.g. `sizewise exchange` at http://127.0.0.1:PORT); needs keys")
    .option("--live", "trade real money: needs trading.live: true in config as well")
    .option("--new-run", "set the run on record aside (state.json, intents.jsonl, run-learning.json into STATE/old-runs/<time>/; the journal is kept) and start a new run: the way out when start refuses a damaged run")
    .addHelpText(
      "after",
      `
Examples:
  $ npm start                                     # no keys: the local exchange, generated bars, lock step
  $ npx sizewise start --local --data ../shared/data/bars/1min/2024q2 --symbols GME,AMC --from 2024-05-13 --to 2024-05-17
  $ npx sizewise start --local --speed 60         # one replayed hour per minute
  $ APCA_API_KEY_ID=... APCA_API_SECRET_KEY=... npx sizewise start --symbols AMC,GME   # Alpaca paper
  $ npx sizewise start --broker-url http://127.0.0.1:8765 --symbols AAA,BBB            # a separate 'sizewise exchange'
  $ npx sizewise start --symbols AMC,GME --generated                                   # no keys: generated bars named AMC, GME
  $ SIZEWISE_HOME=/srv/sizewise npx sizewise start   # config/local.json, .env and state/ under /srv/sizewise

It first prints one line saying what is real: the broker (local exchange, Alpaca PAPER or LIVE), the
data (GENERATED bars, files in DIR, or Alpaca), the symbols, and the absolute paths it uses.`,
    )
    .action(async (o: StartOptions) => {
      const home = homeDir();
      const { config, strategies: fileStrategies } = await resolveRunConfig(o.config, home, o);
      const speed = parseSpeed(o.speed);
      const keys = readKeys(process.env, home);
      const localWhy = keys === null ? missingKeysReason(process.env, home) : o.local ? "--local was given" : null;
      const asked = askedSymbols(o);
      // Refused before anything starts: no listener, no state folder, no exchange.
      if (localWhy !== null) refuseBorrowedNames(asked, o, localWhy);
      const secrets = keys ? [keys.keyId, keys.secretKey] : [];
      const log = createLogger({ secrets, destination: 2 });
      // SIGINT/SIGTERM: no new entries, flush state and journal, close the sockets, exit 0.
      const stop = new AbortController();
      const onSignal = (sig: string): void => {
        log.warn({ signal: sig }, "stopping: no new entries, flushing state");
        stop.abort();
      };
      process.once("SIGINT", onSignal);
      process.once("SIGTERM", onSignal);
      // The user config file is followed while running: a changed sizing.mode applies at the next decision.
      // Re-read with this start's --strategy/--strategy-file applied, so an edit is compared with what runs.
      const followed = followedConfig(o.config);
      const configFile = followed && { ...followed, read: (f: string, optional: boolean) => applyStrategyOptions(readConfigFile(f, optional, { strategies: fileStrategies }), o, fileStrategies) };
      if (keys === null || o.local) {
        if (o.live) throw new Error("--live cannot trade the local exchange: it is a paper exchange");
        if (o.brokerUrl) throw new Error("--broker-url needs APCA_API_KEY_ID and APCA_API_SECRET_KEY (the key pair the broker at that URL requires)");
        const why = localWhy ?? "--local was given";
        const { series, rejects } = loadSeries({ ...o, cache: true, plausibility: barLimits(config), dailyHistory: true });
        const rows = series.reduce((a, s) => a + s.length, 0);
        const data = o.data
          ? `files in ${resolve(o.data)} (${rows} bars)`
          : `GENERATED bars, not market prices (seed ${o.seed}, ${rows} bars; ${asked ? "named by --symbols with --generated" : "invented names that are no real ticker"})`;
        process.stdout.write(
          startBanner({ broker: `local exchange, embedded paper exchange on 127.0.0.1 (${why})`, data, symbols: series.map((s) => s.symbol), home, homeSource: homeSource(), configFile: configPathInForce(o.config, home), stateDir: o.state }) +
            (rejects ? refusedLine(rejects.count, rejects.byReason, rejects.samples[0]) : ""),
        );
        const release = claimPidFile(o.state, "local", configFile?.path ?? null);
        if (o.newRun) process.stdout.write(startNewRun(o.state, Date.now()));
        const progress = replayProgress(series, speed);
        // A state folder that already holds a run: resumed if its replay was cut short, else a new run.
        const hadRun = existsSync(join(o.state, "state.json"));
        const alerts = daemonAlerts(config, home, log, []);
        // Daily files (a 1day folder in --data) are replayed by the exchange as Alpaca's daily bars.
        const daily = series.filter(isDateStamped);
        const minute = series.filter((s) => !isDateStamped(s));
        const slots = buildSlots(config, series.map((s) => s.symbol), fileStrategies);
        // --from starts the replay: the daily bars before it are history (the daily strategies warm up on them).
        const replayFromMs = o.from ? etToUtcMs(isoToEtDay(o.from), 0) : undefined;
        const r = await runLocal({ config, series: minute, dailySeries: daily, replayFromMs, dailySymbols: dailySymbolsOf(slots), slots, stateDir: o.state, log, speed, signal: stop.signal, configFile, onMinute: progress.onMinute, alerts: alerts ?? undefined }).finally(async () => {
          progress.stop();
          release();
          await flushAlerts(alerts);
        });
        const t = cliTable({ head: ["symbol", "entry (New York)", "exit (New York)", "shares", "R", "P/L", "exit reason"] });
        for (const x of r.trades) t.push([x.symbol, nyStamp(x.entryTime), nyStamp(x.exitTime), x.shares, x.rMultiple.toFixed(2), formatUsd(x.pnlUsd), x.exitReason]);
        if (hadRun && !r.resumed) {
          process.stdout.write(`sizewise: ${o.state} held a run whose replay had finished, so this was a NEW run beside it; journal, report and status show the latest run (--run ID or --all-runs for the others)\n`);
        }
        const how = r.resumed ? `resumed the session (${r.recovery.replayedBars} bars replayed, ${r.recovery.adoptedOrders} orders adopted), then replayed` : "replayed";
        // Trades by strategy (issue 14: the journal and report broken down by strategy), every slot a row.
        const byStrategy = cliTable({ head: STRATEGY_HEAD });
        for (const row of tradesByStrategy(r.trades, slots)) byStrategy.push(strategyCells(row));
        process.stdout.write(
          `${t.toString()}\n${byStrategy.toString()}\n${r.stoppedEarly ? "stopped by signal after" : how} ${r.minutes} minutes, ${r.bars} bars over the Alpaca protocol; ${r.trades.length} trades; equity ${formatUsd(r.finalEquityUsd)}\n` +
            `journal: ${o.state}/journal/ (${r.journalDays.length} days), state: ${o.state}/state.json\n`,
        );
        return;
      }
      const broker = o.brokerUrl ? "paper" : chooseBroker(config, Boolean(o.live), log);
      const symbols = o.symbols ? o.symbols.split(",").map((s) => s.trim().toUpperCase()).filter(Boolean) : config.trading.symbols;
      if (symbols.length === 0) throw new Error("no symbols to trade: set trading.symbols in config or pass --symbols");
      const brokerText = o.brokerUrl
        ? `Alpaca-protocol broker at ${o.brokerUrl} (paper; keys from ${keys.source})`
        : broker === "live"
          ? `Alpaca LIVE, REAL MONEY (keys from ${keys.source})`
          : `Alpaca PAPER (keys from ${keys.source})`;
      process.stdout.write(
        startBanner({ broker: brokerText, data: `Alpaca market data (${config.daemon.feed} feed, over the stream and REST)`, symbols, home, homeSource: homeSource(), configFile: configPathInForce(o.config, home), stateDir: o.state }),
      );
      const release = claimPidFile(o.state, broker, configFile?.path ?? null);
      if (o.newRun) process.stdout.write(startNewRun(o.state, Date.now()));
      const alerts = daemonAlerts(config, home, log, [keys.keyId, keys.secretKey]);
      const slots = buildSlots(config, symbols, fileStrategies);
      await runRemote({ config, symbols, slots, stateDir: o.state, log, keys, broker, brokerUrl: o.brokerUrl, signal: stop.signal, configFile, alerts: alerts ?? undefined }).finally(async () => {
        release();
        await flushAlerts(alerts);
      });
    });
}
