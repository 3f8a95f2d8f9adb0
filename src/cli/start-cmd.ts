import type { Command } from "commander";
import Table from "cli-table3";
import type { Logger } from "pino";
import { resolveConfig } from "../config/load.ts";
import type { Config } from "../config/schema.ts";
import { runLocal } from "../daemon/run-local.ts";
import { runRemote } from "../daemon/run-remote.ts";
import { loadSeries, withBarInputs, type BarInputOptions } from "./load-bars.ts";
import { createLogger } from "./logger.ts";
import { readKeys } from "./keys.ts";
import { claimPidFile } from "../store/pid-file.ts";
import { followedConfig, replayProgress } from "./start-extras.ts";

interface StartOptions extends BarInputOptions {
  local?: boolean;
  config?: string;
  live?: boolean;
  speed: string;
  brokerUrl?: string;
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
  withBarInputs(
    program
      .command("start")
      .description("Run the paper-trading daemon: Alpaca paper with keys in the environment, else the embedded local exchange replaying bars over the Alpaca protocol.")
      .option("--local", "trade the embedded local exchange even when Alpaca keys are set"),
    {
      symbolsHelp: "comma-separated symbols (replay: a subset of the data; Alpaca: overrides trading.symbols)",
      state: ["state folder (state.json, journal/, exchange/)", "state"],
      genSymbols: "10",
      genDays: "10",
      cacheOption: false,
    },
  )
    .option("--speed <n|max>", "replay speed: N replayed minutes per wall-clock minute, or max (lock step, reproducible)", "max")
    .option("--config <file>", "config file (default: config/local.json when present, else the defaults)")
    .option("--broker-url <url>", "an Alpaca-protocol broker to trade instead of Alpaca (e.g. `sizewise exchange` at http://127.0.0.1:PORT); needs keys")
    .option("--live", "trade real money: needs trading.live: true in config as well")
    .addHelpText(
      "after",
      `
Examples:
  $ npm start                                     # no keys: the local exchange, generated bars, lock step
  $ npx sizewise start --local --data ../shared/data/bars/1min/2024q2 --symbols GME,AMC --from 2024-05-13 --to 2024-05-17
  $ npx sizewise start --local --speed 60         # one replayed hour per minute
  $ APCA_API_KEY_ID=... APCA_API_SECRET_KEY=... npx sizewise start --symbols AMC,GME   # Alpaca paper
  $ npx sizewise start --broker-url http://127.0.0.1:8765 --symbols AAA,BBB            # a separate 'sizewise exchange'`,
    )
    .action(async (o: StartOptions) => {
      const config = resolveConfig(o.config);
      const speed = parseSpeed(o.speed);
      const keys = readKeys(process.env, process.cwd());
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
      const configFile = followedConfig(o.config);
      if (keys === null || o.local) {
        if (o.live) throw new Error("--live cannot trade the local exchange: it is a paper exchange");
        if (o.brokerUrl) throw new Error("--broker-url needs APCA_API_KEY_ID and APCA_API_SECRET_KEY (the key pair the broker at that URL requires)");
        const { series } = loadSeries({ ...o, cache: true });
        const release = claimPidFile(o.state, "local", configFile?.path ?? null);
        const progress = replayProgress(series, speed);
        const r = await runLocal({ config, series, stateDir: o.state, log, speed, signal: stop.signal, configFile, onMinute: progress.onMinute }).finally(() => {
          progress.stop();
          release();
        });
        const t = new Table({ head: ["symbol", "entry", "exit", "shares", "R", "P/L", "exit reason"] });
        for (const x of r.trades) t.push([x.symbol, x.entryTime, x.exitTime, x.shares, x.rMultiple.toFixed(2), x.pnlUsd.toFixed(2), x.exitReason]);
        const how = r.resumed ? `resumed the session (${r.recovery.replayedBars} bars replayed, ${r.recovery.adoptedOrders} orders adopted), then replayed` : "replayed";
        process.stdout.write(
          `${t.toString()}\n${r.stoppedEarly ? "stopped by signal after" : how} ${r.minutes} minutes, ${r.bars} bars over the Alpaca protocol; ${r.trades.length} trades; equity $${r.finalEquityUsd.toFixed(2)}\n` +
            `journal: ${o.state}/journal/ (${r.journalDays.length} days), state: ${o.state}/state.json\n`,
        );
        return;
      }
      const broker = o.brokerUrl ? "paper" : chooseBroker(config, Boolean(o.live), log);
      const symbols = o.symbols ? o.symbols.split(",").map((s) => s.trim().toUpperCase()).filter(Boolean) : config.trading.symbols;
      if (symbols.length === 0) throw new Error("no symbols to trade: set trading.symbols in config or pass --symbols");
      const release = claimPidFile(o.state, broker, configFile?.path ?? null);
      await runRemote({ config, symbols, stateDir: o.state, log, keys, broker, brokerUrl: o.brokerUrl, signal: stop.signal, configFile }).finally(release);
    });
}
